//! What an app's tokens are good for, checked against their grant every time: userinfo,
//! introspection (RFC 7662) and revocation (RFC 7009). Revoking the grant, withdrawn
//! consent, a password change, deactivation or a disabled app end them at once.

use super::{
    ErrorCode, ProtocolError,
    clients::{self, ClientCredentials},
    grants::live_user,
    has_scope, tokens,
};
use crate::server::{
    auth::tokens::hash_refresh_token,
    db::{self, provider::grants::GrantRow, users::UserRow},
    state::AppState,
};

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
