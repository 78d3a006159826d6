//! Login sessions: start one, authenticate a request by its access token, refresh with
//! rotation and reuse detection, end one.

use super::audit::{AuditEvent, Generation};
use super::{
    ClientInfo, audit,
    tokens::{TokenError, hash_refresh_token, new_refresh_token, open_successor, seal_successor},
};
use crate::domain::SessionId;
use crate::server::clock::seconds;
use crate::server::{
    db::{self, sessions::NewSession, users::UserRow},
    error::{Error, Result},
    state::AppState,
};

/// Tokens handed to a client after login or refresh. `Debug` hides the tokens.
#[derive(Clone)]
pub struct IssuedTokens {
    pub session_id: SessionId,
    /// When these were issued: cookie lifetimes count from here.
    pub issued_at: i64,
    pub access_token: String,
    pub access_expires_at: i64,
    /// `None` only when a grace-window reuse could not recover the successor (a session
    /// rotated before successors were sealed): the client keeps the token it has.
    pub refresh_token: Option<String>,
    pub refresh_expires_at: i64,
}

impl std::fmt::Debug for IssuedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedTokens")
            .field("session_id", &self.session_id)
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .finish_non_exhaustive()
    }
}

/// A request that proved who it is.
#[derive(Clone, Debug)]
pub struct Authenticated {
    pub user: UserRow,
    pub session_id: SessionId,
    /// When this session's login happened (for "recently authenticated" checks).
    pub authenticated_at: i64,
}

/// Why an access token was not accepted.
#[derive(Debug)]
pub enum AccessRefused {
    /// The store could not be asked: neither yes nor no (answer 503, keep the cookies).
    Unavailable(sqlx::Error),
    /// Expired: worth trying the refresh token.
    Expired,
    /// Malformed, forged, or for another issuer/audience.
    Invalid,
    /// Well-formed, but its session was revoked or its user is gone or deactivated.
    Revoked,
}

/// Creates a session for a user who just proved who they are.
/// `amr` says how (OpenID `amr` values, space-separated), for apps signing in through us.
pub async fn start(
    state: &AppState,
    user: &UserRow,
    client: &ClientInfo,
    amr: &str,
) -> Result<IssuedTokens> {
    let now = state.clock.unix();
    let session_id = SessionId::from(db::new_id());
    let (refresh_token, refresh_hash) = new_refresh_token();
    let expires_at = now + seconds(state.settings.tokens.refresh_ttl);
    db::sessions::insert(
        &state.db.pool,
        NewSession {
            id: &session_id,
            user_id: &user.id,
            refresh_token_hash: &refresh_hash,
            user_agent: client.user_agent.as_deref(),
            ip: client.ip.as_deref(),
            expires_at,
            amr,
        },
        now,
    )
    .await?;
    tokens_for(
        state,
        user,
        session_id,
        now,
        Some(refresh_token),
        expires_at,
    )
}

/// A fresh access token for the session, with the refresh token the client should keep.
fn tokens_for(
    state: &AppState,
    user: &UserRow,
    session_id: SessionId,
    now: i64,
    refresh_token: Option<String>,
    refresh_expires_at: i64,
) -> Result<IssuedTokens> {
    let (access_token, access_expires_at) =
        state
            .access_tokens
            .issue(&user.id, &session_id, user.role, now)?;
    Ok(IssuedTokens {
        session_id,
        issued_at: now,
        access_token,
        access_expires_at,
        refresh_token,
        refresh_expires_at,
    })
}

/// Checks an access token and that its session is still live and its user active, so a
/// revoked session's token stops working at once, not when it expires. Both answers come
/// from [`cache`] when they can (see there for how writes invalidate it).
pub async fn authenticate(
    state: &AppState,
    access_token: &str,
) -> std::result::Result<Authenticated, AccessRefused> {
    let now = state.clock.unix();
    let claims = match state.auth_cache.verified(access_token, now) {
        Some(claims) => claims,
        None => {
            let claims = state
                .access_tokens
                .verify(access_token, now)
                .map_err(|e| match e {
                    TokenError::Expired => AccessRefused::Expired,
                    TokenError::Invalid => AccessRefused::Invalid,
                })?;
            let claims = std::sync::Arc::new(claims);
            state
                .auth_cache
                .remember_verified(access_token, claims.clone());
            claims
        }
    };
    if let Some(found) = state.auth_cache.session(&claims.sid, &claims.sub, now) {
        return Ok(found);
    }
    let generation = state.auth_cache.generation();
    let found = db::sessions::find_with_user(&state.db.pool, &claims.sid)
        .await
        .map_err(AccessRefused::Unavailable)?;
    match found {
        Some(row)
            if row.session_revoked_at.is_none()
                && row.session_expires_at > now
                && row.user.id == claims.sub
                && row.user.is_active() =>
        {
            let found = Authenticated {
                user: row.user,
                session_id: row.session_id,
                authenticated_at: row.session_authenticated_at,
            };
            state
                .auth_cache
                .remember_session(generation, &found, row.session_expires_at);
            Ok(found)
        }
        _ => Err(AccessRefused::Revoked),
    }
}

/// Exchanges a refresh token for new tokens, rotating it.
///
/// - The current token: rotated (the old hash is kept for the grace window).
/// - The previous token within the grace window (two tabs refreshing at once): a new
///   access token only; the session stays as it is.
/// - The previous token after the grace window: someone replayed a stolen token. The
///   session is revoked and the event audited.
/// - Anything else (unknown, expired, revoked): refused.
pub async fn refresh(
    state: &AppState,
    refresh_token: &str,
    client: &ClientInfo,
) -> Result<(IssuedTokens, Authenticated)> {
    let hash = hash_refresh_token(refresh_token);
    let Some(session) = db::sessions::find_by_token_hash(&state.db.pool, &hash).await? else {
        // Two or more rotations old: someone kept a copy. End the session it belonged to.
        if let Some(session_id) = db::sessions::find_by_retired_hash(&state.db.pool, &hash).await?
            && let Some(session) = db::sessions::find_by_id(&state.db.pool, &session_id).await?
        {
            revoke_for_reuse(state, &session, client, Generation::Older).await?;
        }
        return Err(Error::Unauthorized);
    };
    let now = state.clock.unix();
    if session.revoked_at.is_some() || session.expires_at <= now {
        return Err(Error::Unauthorized);
    }
    let user = match db::users::find_by_id(&state.db.pool, &session.user_id).await? {
        Some(user) if user.is_active() => user,
        _ => return Err(Error::Unauthorized),
    };
    let tokens = &state.settings.tokens;
    let grace = seconds(tokens.refresh_reuse_grace);

    if session.refresh_token_hash == hash {
        let (new_token, new_hash) = new_refresh_token();
        let sealed = seal_successor(&new_token, refresh_token.trim()).unwrap_or_default();
        let expires_at = (now + seconds(tokens.refresh_ttl))
            .min(session.created_at + seconds(tokens.session_max_age));
        let mut tx = state.db.begin().await?;
        let rotated = db::sessions::rotate(
            &mut *tx,
            &session.id,
            &hash,
            &new_hash,
            &sealed,
            expires_at,
            now,
        )
        .await?;
        if rotated {
            // The token that now falls out of the grace window joins the history.
            if let Some(old) = &session.previous_token_hash {
                db::sessions::retire_token_hash(&mut *tx, &session.id, old, now).await?;
            }
            tx.commit().await?;
            let issued = tokens_for(
                state,
                &user,
                session.id.clone(),
                now,
                Some(new_token),
                expires_at,
            )?;
            return Ok((
                issued,
                Authenticated {
                    user,
                    authenticated_at: session.authenticated_at(),
                    session_id: session.id,
                },
            ));
        }
        tx.rollback().await?;
        // A concurrent request rotated it first: this token is now the previous one.
        let Some(current) = db::sessions::find_by_id(&state.db.pool, &session.id).await? else {
            return Err(Error::Unauthorized);
        };
        return within_grace(state, current, user, refresh_token, now, grace, client).await;
    }
    // It matched the previous token.
    within_grace(state, session, user, refresh_token, now, grace, client).await
}

/// A refresh with the token just rotated out: inside the grace window (two tabs, or an
/// API client that lost a race) the caller gets the same successor the winner got, so no
/// client is left holding only a dead token; after it, the token was stolen.
async fn within_grace(
    state: &AppState,
    session: db::sessions::SessionRow,
    user: UserRow,
    refresh_token: &str,
    now: i64,
    grace: i64,
    client: &ClientInfo,
) -> Result<(IssuedTokens, Authenticated)> {
    let hash = hash_refresh_token(refresh_token);
    if session.revoked_at.is_some() {
        return Err(Error::Unauthorized);
    }
    let is_previous = session.previous_token_hash.as_deref() == Some(hash.as_str());
    if !is_previous {
        // Rotated again since: this token is two generations old.
        revoke_for_reuse(state, &session, client, Generation::Older).await?;
        return Err(Error::Unauthorized);
    }
    if session.rotated_at.is_none_or(|at| now - at > grace) {
        revoke_for_reuse(state, &session, client, Generation::Previous).await?;
        return Err(Error::Unauthorized);
    }
    let successor = session
        .successor_sealed
        .as_deref()
        .and_then(|sealed| open_successor(sealed, refresh_token.trim()))
        .filter(|t| hash_refresh_token(t) == session.refresh_token_hash);
    db::sessions::touch(&state.db.pool, &session.id, now).await?;
    let issued = tokens_for(
        state,
        &user,
        session.id.clone(),
        now,
        successor,
        session.expires_at,
    )?;
    Ok((
        issued,
        Authenticated {
            user,
            authenticated_at: session.authenticated_at(),
            session_id: session.id,
        },
    ))
}

/// A rotated-out refresh token came back after its grace window: theft. The session ends
/// and the event is audited.
async fn revoke_for_reuse(
    state: &AppState,
    session: &db::sessions::SessionRow,
    client: &ClientInfo,
    generation: Generation,
) -> Result<()> {
    if db::sessions::revoke(
        &state.db.pool,
        &session.id,
        "refresh_token_reuse",
        state.clock.unix(),
    )
    .await?
    {
        state.auth_cache.forget_user(&session.user_id);
        tracing::warn!(session_id = %session.id, user_id = %session.user_id, "refresh token reuse detected; session revoked");
        audit::record(
            &state.db.pool,
            AuditEvent::RefreshTokenReused {
                session_id: session.id.clone(),
                rotated_at: session.rotated_at,
                generation,
            },
            Some(&session.user_id),
            None,
            client,
        )
        .await;
    }
    Ok(())
}

/// Ends a session: its refresh token and any access token it issued stop working.
pub async fn logout(state: &AppState, auth: &Authenticated, client: &ClientInfo) -> Result<()> {
    if db::sessions::revoke(
        &state.db.pool,
        &auth.session_id,
        "logout",
        state.clock.unix(),
    )
    .await?
    {
        state.auth_cache.forget_user(&auth.user.id);
        audit::record(
            &state.db.pool,
            AuditEvent::Logout {
                session_id: auth.session_id.clone(),
            },
            Some(&auth.user.id),
            Some(&auth.user.id),
            client,
        )
        .await;
    }
    Ok(())
}

pub mod cache;
#[cfg(test)]
mod tests;
