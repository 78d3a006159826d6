//! The back channel: the token endpoint (authorization code, refresh token, client
//! credentials), revocation (RFC 7009), introspection (RFC 7662) and userinfo.
//!
//! A grant is what one code exchange issued: its refresh token (rotated on every use,
//! with the browser sessions' reuse detection) and the access tokens minted from it,
//! which carry the grant's id so revoking the grant ends them at userinfo and
//! introspection at once.

use super::{
    ErrorCode, ProtocolError,
    clients::{self, ClientCredentials},
    has_scope, known_scopes,
    tokens::{self, IdTokenFacts},
};
use crate::server::{
    auth::{
        ClientInfo,
        audit::{self, AuditEvent},
        tokens::{hash_refresh_token, new_refresh_token, open_successor, seal_successor},
    },
    clock::seconds,
    db::{self, provider::clients::ClientRow, provider::grants::GrantRow, users::UserRow},
    state::AppState,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The token endpoint's form (RFC 6749 4.1.3, 6, 4.4).
#[derive(Clone, Default, Deserialize)]
pub struct TokenParams {
    #[serde(default)]
    pub grant_type: String,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for TokenParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenParams")
            .field("grant_type", &self.grant_type)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    pub scope: String,
}

fn invalid_grant(why: &str) -> ProtocolError {
    ProtocolError::new(ErrorCode::InvalidGrant, why)
}

pub async fn token(
    state: &AppState,
    credentials: &ClientCredentials,
    params: &TokenParams,
    client_info: &ClientInfo,
) -> super::Result<TokenResponse> {
    let client = clients::authenticate(state, credentials).await?;
    match params.grant_type.as_str() {
        "authorization_code" => exchange_code(state, &client, params, client_info).await,
        "refresh_token" => refresh(state, &client, params, client_info).await,
        "client_credentials" => client_credentials(state, &client).await,
        "" => Err(ProtocolError::new(
            ErrorCode::InvalidRequest,
            "grant_type is missing.",
        )),
        _ => Err(ProtocolError::new(
            ErrorCode::UnsupportedGrantType,
            "Supported: authorization_code, refresh_token, client_credentials.",
        )),
    }
}

/// PKCE (RFC 7636): the verifier's SHA-256 must be the challenge. A verifier without a
/// challenge is refused too, so a code stolen before PKCE cannot be dressed up after.
fn pkce_ok(challenge: Option<&str>, verifier: Option<&str>) -> bool {
    match (challenge, verifier) {
        (Some(challenge), Some(verifier)) => {
            let well_formed = (43..=128).contains(&verifier.len())
                && verifier
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
            well_formed && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
        }
        (None, None) => true,
        _ => false,
    }
}

async fn exchange_code(
    state: &AppState,
    client: &ClientRow,
    params: &TokenParams,
    client_info: &ClientInfo,
) -> super::Result<TokenResponse> {
    let code = params
        .code
        .as_deref()
        .ok_or_else(|| ProtocolError::new(ErrorCode::InvalidRequest, "code is missing."))?;
    let code_hash = hash_refresh_token(code);
    let now = state.clock.unix();
    let Some(row) = db::provider::codes::find(&state.db.pool, &code_hash).await? else {
        return Err(invalid_grant("The code is unknown."));
    };
    if row.client_id != client.id {
        return Err(invalid_grant("The code was issued to another client."));
    }
    if row.redeemed_at.is_some() {
        // A replayed code: whatever the first exchange issued may be in the wrong hands.
        if let Some(grant_id) = &row.grant_id {
            revoke_for_reuse(state, client, grant_id, "authorization code", client_info).await?;
        }
        return Err(invalid_grant("The code was already used."));
    }
    if row.expires_at <= now {
        return Err(invalid_grant("The code has expired."));
    }
    if params.redirect_uri.as_deref() != Some(row.redirect_uri.as_str()) {
        return Err(invalid_grant(
            "redirect_uri differs from the authorization request's.",
        ));
    }
    if !pkce_ok(
        row.code_challenge.as_deref(),
        params.code_verifier.as_deref(),
    ) {
        return Err(invalid_grant("The PKCE code_verifier does not match."));
    }
    let user = live_user(state, &row.user_id, None).await?;
    let grant_id = db::new_id();
    let refresh = (has_scope(&row.scope, "offline_access") && client.allows_refresh())
        .then(new_refresh_token);
    let expires_at = if refresh.is_some() {
        now + seconds(state.settings.tokens.refresh_ttl)
    } else {
        now + super::ACCESS_TOKEN_TTL_SECONDS
    };
    let mut tx = state.db.begin().await?;
    if !db::provider::codes::redeem(&mut *tx, &code_hash, &grant_id, now).await? {
        return Err(invalid_grant("The code was already used."));
    }
    db::provider::grants::insert(
        &mut *tx,
        &GrantRow {
            id: grant_id.clone(),
            client_id: client.id.clone(),
            user_id: Some(user.id.to_string()),
            scope: row.scope.clone(),
            auth_time: Some(row.auth_time),
            amr: row.amr.clone(),
            credentials_epoch: user.credentials_epoch,
            refresh_token_hash: refresh.as_ref().map(|(_, hash)| hash.clone()),
            previous_token_hash: None,
            successor_sealed: None,
            rotated_at: None,
            created_at: now,
            expires_at,
            revoked_at: None,
        },
    )
    .await?;
    tx.commit().await?;
    respond(
        state,
        client,
        &user,
        &row.scope,
        &grant_id,
        IdFacts {
            auth_time: Some(row.auth_time),
            amr: row.amr.as_deref(),
            nonce: row.nonce.as_deref(),
        },
        refresh.map(|(token, _)| token),
        now,
    )
    .await
}

struct IdFacts<'a> {
    auth_time: Option<i64>,
    amr: Option<&'a str>,
    nonce: Option<&'a str>,
}

#[allow(clippy::too_many_arguments)]
async fn respond(
    state: &AppState,
    client: &ClientRow,
    user: &UserRow,
    scope: &str,
    grant_id: &str,
    facts: IdFacts<'_>,
    refresh_token: Option<String>,
    now: i64,
) -> super::Result<TokenResponse> {
    let subject = tokens::subject(state, client, &user.id);
    let (access_token, exp) =
        tokens::sign_access(state, &client.id, &subject, scope, grant_id, now).await?;
    let id_token = if has_scope(scope, "openid") {
        Some(
            tokens::sign_id_token(
                state,
                client,
                user,
                IdTokenFacts {
                    subject: &subject,
                    auth_time: facts.auth_time,
                    nonce: facts.nonce,
                    amr: facts.amr,
                    scope,
                },
                now,
            )
            .await?,
        )
    } else {
        None
    };
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: exp - now,
        refresh_token,
        id_token,
        scope: scope.to_string(),
    })
}

/// The grant's person, if they may still use it: active, and no password change or
/// reset since (`epoch`), which ends every app's tokens as it ends sessions.
async fn live_user(state: &AppState, user_id: &str, epoch: Option<i64>) -> super::Result<UserRow> {
    match db::users::find_by_id(&state.db.pool, user_id).await? {
        Some(user) if user.is_active() && epoch.is_none_or(|e| e == user.credentials_epoch) => {
            Ok(user)
        }
        _ => Err(invalid_grant("The account can no longer use this grant.")),
    }
}

async fn revoke_for_reuse(
    state: &AppState,
    client: &ClientRow,
    grant_id: &str,
    what: &str,
    client_info: &ClientInfo,
) -> super::Result<()> {
    let now = state.clock.unix();
    if db::provider::grants::revoke(&state.db.pool, grant_id, "reuse", now).await? {
        let user_id = db::provider::grants::find(&state.db.pool, grant_id)
            .await?
            .and_then(|g| g.user_id);
        audit::record(
            &state.db.pool,
            AuditEvent::AppTokenReused {
                client_id: client.id.clone(),
                grant_id: grant_id.into(),
                what: what.into(),
            },
            user_id.as_deref(),
            None,
            client_info,
        )
        .await;
    }
    Ok(())
}

/// A narrower scope on refresh (RFC 6749 6): never wider than granted.
fn narrowed(granted: &str, asked: Option<&str>) -> super::Result<String> {
    let Some(asked) = asked.filter(|a| !a.trim().is_empty()) else {
        return Ok(granted.to_string());
    };
    if asked
        .split_ascii_whitespace()
        .any(|s| !has_scope(granted, s))
    {
        return Err(ProtocolError::new(
            ErrorCode::InvalidScope,
            "A refresh cannot ask for more than was granted.",
        ));
    }
    Ok(known_scopes(asked).join(" "))
}

async fn refresh(
    state: &AppState,
    client: &ClientRow,
    params: &TokenParams,
    client_info: &ClientInfo,
) -> super::Result<TokenResponse> {
    let token = params.refresh_token.as_deref().unwrap_or("").trim();
    if token.is_empty() {
        return Err(ProtocolError::new(
            ErrorCode::InvalidRequest,
            "refresh_token is missing.",
        ));
    }
    let hash = hash_refresh_token(token);
    let now = state.clock.unix();
    let Some(grant) = db::provider::grants::find_by_token_hash(&state.db.pool, &hash).await? else {
        // Two or more rotations old: someone kept a copy. End the grant it belonged to.
        if let Some(grant_id) =
            db::provider::grants::find_by_retired_hash(&state.db.pool, &hash).await?
            && let Some(grant) = db::provider::grants::find(&state.db.pool, &grant_id).await?
            && grant.client_id == client.id
        {
            revoke_for_reuse(state, client, &grant.id, "refresh token", client_info).await?;
        }
        return Err(invalid_grant("The refresh token is unknown."));
    };
    if grant.client_id != client.id {
        return Err(invalid_grant(
            "The refresh token was issued to another client.",
        ));
    }
    if grant.revoked_at.is_some() || grant.expires_at <= now {
        return Err(invalid_grant(
            "The refresh token has been revoked or has expired.",
        ));
    }
    let user_id = grant.user_id.clone().unwrap_or_default();
    let user = live_user(state, &user_id, Some(grant.credentials_epoch)).await?;
    let scope = narrowed(&grant.scope, params.scope.as_deref())?;
    let facts = IdFacts {
        auth_time: grant.auth_time,
        amr: grant.amr.as_deref(),
        nonce: None,
    };
    let tokens = &state.settings.tokens;
    if grant.refresh_token_hash.as_deref() == Some(hash.as_str()) {
        let (new_token, new_hash) = new_refresh_token();
        let sealed = seal_successor(&new_token, token).unwrap_or_default();
        let expires_at = (now + seconds(tokens.refresh_ttl))
            .min(grant.created_at + seconds(tokens.session_max_age));
        let mut tx = state.db.begin().await?;
        let rotated = db::provider::grants::rotate(
            &mut *tx, &grant.id, &hash, &new_hash, &sealed, expires_at, now,
        )
        .await?;
        if rotated {
            // The token that now falls out of the grace window joins the history.
            if let Some(old) = &grant.previous_token_hash {
                db::provider::grants::retire_token_hash(&mut *tx, &grant.id, old, now).await?;
            }
            tx.commit().await?;
            return respond(
                state,
                client,
                &user,
                &scope,
                &grant.id,
                facts,
                Some(new_token),
                now,
            )
            .await;
        }
        tx.rollback().await?;
        // A concurrent refresh rotated it first: this is now the previous token.
        let Some(current) = db::provider::grants::find(&state.db.pool, &grant.id).await? else {
            return Err(invalid_grant("The refresh token is unknown."));
        };
        return previous(
            state,
            client,
            current,
            &user,
            &scope,
            token,
            now,
            client_info,
        )
        .await;
    }
    previous(state, client, grant, &user, &scope, token, now, client_info).await
}

/// The token just rotated out: within the grace window (a client that lost a race) it
/// gets the same successor; after it, the token was copied, and the grant ends.
#[allow(clippy::too_many_arguments)]
async fn previous(
    state: &AppState,
    client: &ClientRow,
    grant: GrantRow,
    user: &UserRow,
    scope: &str,
    token: &str,
    now: i64,
    client_info: &ClientInfo,
) -> super::Result<TokenResponse> {
    let grace = seconds(state.settings.tokens.refresh_reuse_grace);
    let is_previous =
        grant.previous_token_hash.as_deref() == Some(hash_refresh_token(token).as_str());
    if !is_previous
        || grant.revoked_at.is_some()
        || grant.rotated_at.is_none_or(|at| now - at > grace)
    {
        revoke_for_reuse(state, client, &grant.id, "refresh token", client_info).await?;
        return Err(invalid_grant("The refresh token was already used."));
    }
    let successor = grant
        .successor_sealed
        .as_deref()
        .and_then(|sealed| open_successor(sealed, token))
        .filter(|t| Some(hash_refresh_token(t)) == grant.refresh_token_hash);
    let facts = IdFacts {
        auth_time: grant.auth_time,
        amr: grant.amr.as_deref(),
        nonce: None,
    };
    respond(state, client, user, scope, &grant.id, facts, successor, now).await
}

/// A service calling for itself: no person, no ID token, no refresh token.
async fn client_credentials(state: &AppState, client: &ClientRow) -> super::Result<TokenResponse> {
    if client.is_public() || !client.allows_client_credentials() {
        return Err(ProtocolError::new(
            ErrorCode::UnauthorizedClient,
            "This client may not use client_credentials.",
        ));
    }
    let now = state.clock.unix();
    let grant_id = db::new_id();
    let expires_at = now + super::ACCESS_TOKEN_TTL_SECONDS;
    db::provider::grants::insert(
        &state.db.pool,
        &GrantRow {
            id: grant_id.clone(),
            client_id: client.id.clone(),
            user_id: None,
            scope: String::new(),
            auth_time: None,
            amr: None,
            credentials_epoch: 0,
            refresh_token_hash: None,
            previous_token_hash: None,
            successor_sealed: None,
            rotated_at: None,
            created_at: now,
            expires_at,
            revoked_at: None,
        },
    )
    .await?;
    let (access_token, exp) =
        tokens::sign_access(state, &client.id, &client.id, "", &grant_id, now).await?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: exp - now,
        refresh_token: None,
        id_token: None,
        scope: String::new(),
    })
}

/// A grant that still stands, with its person (none for client credentials).
async fn live_grant(
    state: &AppState,
    grant_id: &str,
    now: i64,
) -> super::Result<Option<(GrantRow, Option<UserRow>)>> {
    let Some(grant) = db::provider::grants::find(&state.db.pool, grant_id).await? else {
        return Ok(None);
    };
    if grant.revoked_at.is_some() || grant.expires_at <= now && grant.refresh_token_hash.is_none() {
        return Ok(None);
    }
    // Disabling an app ends its tokens too, not only its next sign-in.
    if clients::find_active(state, &grant.client_id)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let Some(user_id) = grant.user_id.clone() else {
        return Ok(Some((grant, None)));
    };
    match live_user(state, &user_id, Some(grant.credentials_epoch)).await {
        Ok(user) => Ok(Some((grant, Some(user)))),
        Err(e) if e.code == ErrorCode::InvalidGrant => Ok(None),
        Err(e) => Err(e),
    }
}

/// Userinfo (OpenID Core 5.3): the claims the token's scopes release, for a token whose
/// grant still stands.
pub async fn userinfo(state: &AppState, access_token: &str) -> super::Result<serde_json::Value> {
    let now = state.clock.unix();
    let invalid = || ProtocolError::new(ErrorCode::InvalidToken, "The access token is not valid.");
    let claims = tokens::verify_access(state, access_token, now)
        .await
        .ok_or_else(invalid)?;
    let Some((_, Some(user))) = live_grant(state, &claims.gid, now).await? else {
        return Err(invalid());
    };
    if !has_scope(&claims.scope, "openid") {
        return Err(ProtocolError::new(
            ErrorCode::InvalidToken,
            "The token was not issued with the openid scope.",
        ));
    }
    let mut out = tokens::user_claims(&user, &claims.scope);
    out.insert("sub".into(), serde_json::json!(claims.sub));
    Ok(serde_json::Value::Object(out))
}

/// Introspection (RFC 7662) for an authenticated confidential client: whether a token
/// is live now, revocation included.
pub async fn introspect(
    state: &AppState,
    credentials: &ClientCredentials,
    token: &str,
) -> super::Result<serde_json::Value> {
    let caller = clients::authenticate(state, credentials).await?;
    if caller.is_public() {
        return Err(ProtocolError::new(
            ErrorCode::InvalidClient,
            "Introspection needs a confidential client.",
        ));
    }
    let now = state.clock.unix();
    let inactive = serde_json::json!({ "active": false });
    if let Some(claims) = tokens::verify_access(state, token, now).await {
        if live_grant(state, &claims.gid, now).await?.is_none() {
            return Ok(inactive);
        }
        return Ok(serde_json::json!({
            "active": true,
            "token_type": "Bearer",
            "scope": claims.scope,
            "client_id": claims.client_id,
            "sub": claims.sub,
            "aud": claims.aud,
            "iss": claims.iss,
            "exp": claims.exp,
            "iat": claims.iat,
            "jti": claims.jti,
        }));
    }
    let hash = hash_refresh_token(token.trim());
    if let Some(grant) = db::provider::grants::find_by_token_hash(&state.db.pool, &hash).await?
        && grant.refresh_token_hash.as_deref() == Some(hash.as_str())
        && grant.expires_at > now
        && let Some((grant, Some(user))) = live_grant(state, &grant.id, now).await?
        && let Some(client) = clients::find_active(state, &grant.client_id).await?
    {
        return Ok(serde_json::json!({
            "active": true,
            "token_type": "refresh_token",
            "scope": grant.scope,
            "client_id": grant.client_id,
            "sub": tokens::subject(state, &client, &user.id),
            "iss": tokens::issuer(state),
            "exp": grant.expires_at,
            "iat": grant.created_at,
        }));
    }
    Ok(inactive)
}

/// Revocation (RFC 7009): a client ends one of its own tokens, and with it the grant.
/// Unknown tokens, and other clients' tokens, are not an error (nothing is said).
pub async fn revoke(
    state: &AppState,
    credentials: &ClientCredentials,
    token: &str,
) -> super::Result<()> {
    let client = clients::authenticate(state, credentials).await?;
    let now = state.clock.unix();
    let grant_id = match tokens::verify_access(state, token, now).await {
        Some(claims) => Some(claims.gid),
        None => db::provider::grants::find_by_token_hash(
            &state.db.pool,
            &hash_refresh_token(token.trim()),
        )
        .await?
        .map(|g| g.id),
    };
    if let Some(grant_id) = grant_id
        && let Some(grant) = db::provider::grants::find(&state.db.pool, &grant_id).await?
        && grant.client_id == client.id
    {
        db::provider::grants::revoke(&state.db.pool, &grant.id, "revoked_by_client", now).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_needs_the_verifier_that_made_the_challenge() {
        // RFC 7636 appendix B's example.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_ok(Some(challenge), Some(verifier)));
        assert!(!pkce_ok(
            Some(challenge),
            Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl")
        ));
        assert!(!pkce_ok(Some(challenge), None));
        assert!(
            !pkce_ok(None, Some(verifier)),
            "no verifier without a challenge"
        );
        assert!(pkce_ok(None, None));
        assert!(!pkce_ok(Some(challenge), Some("short")));
    }

    #[test]
    fn a_refresh_never_widens_the_scope() {
        assert_eq!(narrowed("openid email", None).unwrap(), "openid email");
        assert_eq!(narrowed("openid email", Some("openid")).unwrap(), "openid");
        assert!(narrowed("openid", Some("openid email")).is_err());
    }
}
