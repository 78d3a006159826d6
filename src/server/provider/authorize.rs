//! The authorization endpoint's rules: check the request (client, exact redirect URI,
//! PKCE, scopes, prompt), then decide what it needs next: a login, a fresh login, the
//! person's consent, or the redirect back with a code (or an error).

use super::{
    CODE_TTL_SECONDS, ErrorCode, ProtocolError, clients, consent, known_scopes, tokens::issuer,
};
use crate::server::{
    auth::{sessions::Authenticated, tokens::new_refresh_token as new_code},
    db::{self, provider::clients::ClientRow, provider::codes::NewCode},
    state::AppState,
};
use serde::{Deserialize, Serialize};

/// The query (or form) of an authorization request, as sent.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuthorizeParams {
    #[serde(default)]
    pub response_type: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub redirect_uri: String,
    #[serde(default)]
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<String>,
    pub response_mode: Option<String>,
    pub request: Option<String>,
    pub request_uri: Option<String>,
}

/// A checked request, kept in the browser's server-side state while the person logs in
/// or consents.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub client_name: String,
    pub redirect_uri: String,
    /// Known scopes only, space-separated.
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt_none: bool,
    pub prompt_login: bool,
    pub prompt_consent: bool,
    /// `prompt=select_account`: the person is asked whether to go on as whoever is
    /// logged in or to use another account; cleared once they have chosen.
    #[serde(default)]
    pub select_account: bool,
    pub max_age: Option<i64>,
    /// When the request arrived: `prompt=login` wants a login newer than this.
    pub requested_at: i64,
}

/// Why a request goes no further.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The client or redirect URI cannot be trusted: say so on a page, never redirect
    /// (RFC 6749 4.1.2.1).
    Page(String),
    /// Back to the app with an error.
    Redirect(String),
    /// The store could not be asked: a 503, nothing decided.
    Unavailable,
}

/// What the request needs next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Login,
    /// A session exists but is too old for `max_age` or `prompt=login`.
    FreshLogin,
    Consent,
    /// `prompt=select_account` with someone logged in: go on as them, or use another
    /// account (one account per browser, so the choice is between those two).
    SelectAccount,
    /// Back to the app (with a code or an error).
    Redirect(String),
}

/// `redirect_uri` with these parameters added to its query, plus `iss` (RFC 9207).
pub fn redirect_with(state: &AppState, redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return redirect_uri.to_string();
    };
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in params {
            query.append_pair(k, v);
        }
        query.append_pair("iss", &issuer(state));
    }
    url.to_string()
}

/// The error redirect for this request.
pub fn error_redirect(state: &AppState, req: &AuthorizationRequest, e: &ProtocolError) -> String {
    let mut params = vec![
        ("error", e.code()),
        ("error_description", e.description.as_str()),
    ];
    if let Some(s) = &req.state {
        params.push(("state", s));
    }
    redirect_with(state, &req.redirect_uri, &params)
}

fn bad(code: ErrorCode, description: &str) -> ProtocolError {
    ProtocolError::new(code, description)
}

/// Checks a request. The client and redirect URI first: until both are known good,
/// nothing is sent anywhere.
pub async fn check(
    state: &AppState,
    params: &AuthorizeParams,
) -> Result<AuthorizationRequest, Refused> {
    let client = match clients::find_active(state, &params.client_id).await {
        Ok(Some(client)) => client,
        Ok(None) => {
            return Err(Refused::Page(
                "This app is not registered with this server, or has been disabled.".into(),
            ));
        }
        Err(_) => return Err(Refused::Unavailable),
    };
    if !client.has_redirect_uri(&params.redirect_uri) {
        return Err(Refused::Page(
            "The app sent a redirect URI it has not registered, so you were not sent back \
             to it. Tell the app's developer."
                .into(),
        ));
    }
    let mut req = AuthorizationRequest {
        client_id: client.id.clone(),
        client_name: client.name.clone(),
        redirect_uri: params.redirect_uri.clone(),
        scope: String::new(),
        state: params.state.clone().filter(|s| !s.is_empty()),
        nonce: params.nonce.clone().filter(|s| !s.is_empty()),
        code_challenge: None,
        prompt_none: false,
        prompt_login: false,
        prompt_consent: false,
        select_account: false,
        max_age: None,
        requested_at: state.clock.unix(),
    };
    match validate(&client, params, &mut req) {
        Ok(()) => Ok(req),
        Err(e) => Err(Refused::Redirect(error_redirect(state, &req, &e))),
    }
}

fn validate(
    client: &ClientRow,
    params: &AuthorizeParams,
    req: &mut AuthorizationRequest,
) -> super::Result<()> {
    if params.request.is_some() {
        return Err(bad(
            ErrorCode::RequestNotSupported,
            "Request objects are not supported.",
        ));
    }
    if params.request_uri.is_some() {
        return Err(bad(
            ErrorCode::RequestUriNotSupported,
            "request_uri is not supported.",
        ));
    }
    if params.response_type != "code" {
        return Err(bad(
            ErrorCode::UnsupportedResponseType,
            "Only the authorization code flow (response_type=code) is supported.",
        ));
    }
    if params
        .response_mode
        .as_deref()
        .is_some_and(|m| m != "query")
    {
        return Err(bad(
            ErrorCode::InvalidRequest,
            "Only response_mode=query is supported.",
        ));
    }
    let scopes = known_scopes(&params.scope);
    if !scopes.contains(&"openid") {
        return Err(bad(
            ErrorCode::InvalidScope,
            "The openid scope is required.",
        ));
    }
    req.scope = scopes
        .into_iter()
        .filter(|s| *s != "offline_access" || client.allows_refresh())
        .collect::<Vec<_>>()
        .join(" ");
    for value in [&req.state, &req.nonce].into_iter().flatten() {
        if value.len() > 512 {
            return Err(bad(
                ErrorCode::InvalidRequest,
                "state and nonce are limited to 512 characters.",
            ));
        }
    }
    match (
        params.code_challenge.as_deref(),
        params.code_challenge_method.as_deref(),
    ) {
        (Some(challenge), Some("S256")) => {
            let well_formed = challenge.len() == 43
                && challenge
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !well_formed {
                return Err(bad(
                    ErrorCode::InvalidRequest,
                    "code_challenge must be the base64url SHA-256 of the verifier (43 characters).",
                ));
            }
            req.code_challenge = Some(challenge.to_string());
        }
        (Some(_), _) => {
            return Err(bad(
                ErrorCode::InvalidRequest,
                "Only the S256 code_challenge_method is supported.",
            ));
        }
        (None, _) if client.is_public() => {
            return Err(bad(
                ErrorCode::InvalidRequest,
                "PKCE (code_challenge with S256) is required for public clients.",
            ));
        }
        (None, _) => {}
    }
    for value in params
        .prompt
        .as_deref()
        .unwrap_or("")
        .split_ascii_whitespace()
    {
        match value {
            "none" => req.prompt_none = true,
            "login" => req.prompt_login = true,
            "consent" => req.prompt_consent = true,
            "select_account" => req.select_account = true,
            _ => return Err(bad(ErrorCode::InvalidRequest, "Unknown prompt value.")),
        }
    }
    if req.prompt_none && (req.prompt_login || req.prompt_consent || req.select_account) {
        return Err(bad(
            ErrorCode::InvalidRequest,
            "prompt=none cannot be combined with other prompt values.",
        ));
    }
    if let Some(max_age) = params.max_age.as_deref().filter(|m| !m.is_empty()) {
        req.max_age = Some(
            max_age
                .parse::<i64>()
                .ok()
                .filter(|m| *m >= 0)
                .ok_or_else(|| {
                    bad(
                        ErrorCode::InvalidRequest,
                        "max_age must be a number of seconds.",
                    )
                })?,
        );
    }
    Ok(())
}

/// What the request needs, given who is logged in.
pub async fn decide(
    state: &AppState,
    req: &AuthorizationRequest,
    auth: Option<&Authenticated>,
) -> super::Result<Next> {
    let Some(auth) = auth else {
        if req.prompt_none {
            let e = bad(ErrorCode::LoginRequired, "Nobody is logged in.");
            return Ok(Next::Redirect(error_redirect(state, req, &e)));
        }
        return Ok(Next::Login);
    };
    if req.select_account {
        return Ok(Next::SelectAccount);
    }
    let now = state.clock.unix();
    let too_old = (req.prompt_login && auth.authenticated_at < req.requested_at)
        || req.max_age.is_some_and(|m| now - auth.authenticated_at > m);
    if too_old {
        if req.prompt_none {
            let e = bad(
                ErrorCode::LoginRequired,
                "The login is older than max_age allows.",
            );
            return Ok(Next::Redirect(error_redirect(state, req, &e)));
        }
        return Ok(Next::FreshLogin);
    }
    let Some(client) = clients::find_active(state, &req.client_id).await? else {
        let e = bad(ErrorCode::UnauthorizedClient, "The app has been disabled.");
        return Ok(Next::Redirect(error_redirect(state, req, &e)));
    };
    if req.prompt_consent || consent::needed(state, &client, &auth.user.id, &req.scope).await? {
        if req.prompt_none {
            let e = bad(
                ErrorCode::ConsentRequired,
                "The person has not allowed this app yet.",
            );
            return Ok(Next::Redirect(error_redirect(state, req, &e)));
        }
        return Ok(Next::Consent);
    }
    Ok(Next::Redirect(issue_code(state, req, auth).await?))
}

/// A single-use code for this request, and the redirect that carries it.
pub async fn issue_code(
    state: &AppState,
    req: &AuthorizationRequest,
    auth: &Authenticated,
) -> super::Result<String> {
    let now = state.clock.unix();
    let amr = db::sessions::amr(&state.db.pool, &auth.session_id).await?;
    let (code, code_hash) = new_code();
    db::provider::codes::insert(
        &state.db.pool,
        NewCode {
            code_hash: &code_hash,
            client_id: &req.client_id,
            user_id: &auth.user.id,
            redirect_uri: &req.redirect_uri,
            scope: &req.scope,
            nonce: req.nonce.as_deref(),
            code_challenge: req.code_challenge.as_deref(),
            auth_time: auth.authenticated_at,
            amr: amr.as_deref(),
            expires_at: now + CODE_TTL_SECONDS,
        },
        now,
    )
    .await?;
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = &req.state {
        params.push(("state", s));
    }
    Ok(redirect_with(state, &req.redirect_uri, &params))
}

/// The person said no on the consent page.
pub fn denied(state: &AppState, req: &AuthorizationRequest) -> String {
    let e = bad(
        ErrorCode::AccessDenied,
        "The person did not allow this app.",
    );
    error_redirect(state, req, &e)
}
