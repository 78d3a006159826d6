//! The refresh-token grant: rotation on every use, with the browser sessions' reuse
//! detection. The token just rotated out gets the same successor within the grace window
//! (a client that lost a race); any older copy shown again ends the grant.

use super::{
    ErrorCode, ProtocolError,
    grants::{
        IdFacts, TokenParams, TokenResponse, invalid_grant, live_user, respond, revoke_for_reuse,
    },
    has_scope, known_scopes,
};
use crate::server::{
    auth::{
        ClientInfo,
        tokens::{hash_refresh_token, new_refresh_token, open_successor, seal_successor},
    },
    clock::seconds,
    db::{self, provider::clients::ClientRow, provider::grants::GrantRow, users::UserRow},
    state::AppState,
};

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

pub(super) async fn refresh(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refresh_never_widens_the_scope() {
        assert_eq!(narrowed("openid email", None).unwrap(), "openid email");
        assert_eq!(narrowed("openid email", Some("openid")).unwrap(), "openid");
        assert!(narrowed("openid", Some("openid email")).is_err());
    }
}
