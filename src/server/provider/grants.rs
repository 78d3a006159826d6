//! The token endpoint: authorization code, refresh token and client credentials (what
//! the tokens are then good for is in [`super::access`]).
//!
//! A grant is what one code exchange issued: its refresh token (rotated on every use,
//! with the browser sessions' reuse detection) and the access tokens minted from it,
//! which carry the grant's id so revoking the grant ends them at userinfo and
//! introspection at once.

use super::{
    ErrorCode, ProtocolError,
    clients::{self, ClientCredentials},
    has_scope,
    tokens::{self, IdTokenFacts},
};
use crate::server::{
    auth::{
        ClientInfo,
        audit::{self, AuditEvent},
        tokens::{hash_refresh_token, new_refresh_token},
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

pub(super) fn invalid_grant(why: &str) -> ProtocolError {
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
        "refresh_token" => super::refresh::refresh(state, &client, params, client_info).await,
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

pub(super) struct IdFacts<'a> {
    pub(super) auth_time: Option<i64>,
    pub(super) amr: Option<&'a str>,
    pub(super) nonce: Option<&'a str>,
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn respond(
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
pub(super) async fn live_user(
    state: &AppState,
    user_id: &str,
    epoch: Option<i64>,
) -> super::Result<UserRow> {
    match db::users::find_by_id(&state.db.pool, user_id).await? {
        Some(user) if user.is_active() && epoch.is_none_or(|e| e == user.credentials_epoch) => {
            Ok(user)
        }
        _ => Err(invalid_grant("The account can no longer use this grant.")),
    }
}

pub(super) async fn revoke_for_reuse(
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
}
