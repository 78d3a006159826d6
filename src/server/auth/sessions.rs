//! Login sessions: start one, authenticate a request by its access token, refresh with
//! rotation and reuse detection, end one.

use super::{
    ClientInfo, audit,
    tokens::{TokenError, hash_refresh_token, new_refresh_token},
};
use crate::server::{
    db::{self, sessions::NewSession, users::UserRow},
    error::{Error, Result},
    state::AppState,
};
use serde_json::json;

/// Tokens handed to a client after login or refresh. `Debug` hides the tokens.
#[derive(Clone)]
pub struct IssuedTokens {
    pub session_id: String,
    /// When these were issued: cookie lifetimes count from here.
    pub issued_at: i64,
    pub access_token: String,
    pub access_expires_at: i64,
    /// `None` when a grace-window reuse was answered with a new access token only: the
    /// client already holds (or is about to receive) the current refresh token.
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
    pub session_id: String,
}

/// Why an access token was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum AccessRefused {
    /// Expired: worth trying the refresh token.
    Expired,
    /// Malformed, forged, or for another issuer/audience.
    Invalid,
    /// Well-formed, but its session was revoked or its user is gone or deactivated.
    Revoked,
}

/// Creates a session for a user who just proved who they are.
pub async fn start(state: &AppState, user: &UserRow, client: &ClientInfo) -> Result<IssuedTokens> {
    let now = db::now();
    let session_id = db::new_id();
    let (refresh_token, refresh_hash) = new_refresh_token();
    let expires_at = now + state.settings.tokens.refresh_ttl_seconds as i64;
    db::sessions::insert(
        &state.db,
        NewSession {
            id: &session_id,
            user_id: &user.id,
            refresh_token_hash: &refresh_hash,
            user_agent: client.user_agent.as_deref(),
            ip: client.ip.as_deref(),
            expires_at,
        },
        now,
    )
    .await?;
    let (access_token, access_expires_at) =
        state
            .access_tokens
            .issue(&user.id, &session_id, &user.role, now)?;
    Ok(IssuedTokens {
        session_id,
        issued_at: now,
        access_token,
        access_expires_at,
        refresh_token: Some(refresh_token),
        refresh_expires_at: expires_at,
    })
}

/// Checks an access token and that its session is still live and its user active, so a
/// revoked session's token stops working at once, not when it expires.
pub async fn authenticate(
    state: &AppState,
    access_token: &str,
) -> std::result::Result<Authenticated, AccessRefused> {
    let claims = state
        .access_tokens
        .verify(access_token)
        .map_err(|e| match e {
            TokenError::Expired => AccessRefused::Expired,
            TokenError::Invalid => AccessRefused::Invalid,
        })?;
    let found = db::sessions::find_with_user(&state.db, &claims.sid)
        .await
        .map_err(|e| {
            tracing::error!(error = ?e, "loading session");
            AccessRefused::Invalid
        })?;
    let now = db::now();
    match found {
        Some(row)
            if row.session_revoked_at.is_none()
                && row.session_expires_at > now
                && row.user.id == claims.sub
                && row.user.is_active() =>
        {
            Ok(Authenticated {
                user: row.user,
                session_id: row.session_id,
            })
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
    let Some(session) = db::sessions::find_by_token_hash(&state.db, &hash).await? else {
        return Err(Error::Unauthorized);
    };
    let now = db::now();
    if session.revoked_at.is_some() || session.expires_at <= now {
        return Err(Error::Unauthorized);
    }
    let user = match db::users::find_by_id(&state.db, &session.user_id).await? {
        Some(user) if user.is_active() => user,
        _ => return Err(Error::Unauthorized),
    };
    let tokens = &state.settings.tokens;
    let grace = tokens.refresh_reuse_grace_seconds as i64;

    if session.refresh_token_hash == hash {
        let (new_token, new_hash) = new_refresh_token();
        let expires_at = (now + tokens.refresh_ttl_seconds as i64)
            .min(session.created_at + tokens.session_max_age_seconds as i64);
        if db::sessions::rotate(&state.db, &session.id, &hash, &new_hash, expires_at, now).await? {
            let (access_token, access_expires_at) =
                state
                    .access_tokens
                    .issue(&user.id, &session.id, &user.role, now)?;
            let issued = IssuedTokens {
                session_id: session.id.clone(),
                issued_at: now,
                access_token,
                access_expires_at,
                refresh_token: Some(new_token),
                refresh_expires_at: expires_at,
            };
            return Ok((
                issued,
                Authenticated {
                    user,
                    session_id: session.id,
                },
            ));
        }
        // A concurrent request rotated it first: this token is now the previous one.
        let Some(current) = db::sessions::find_by_id(&state.db, &session.id).await? else {
            return Err(Error::Unauthorized);
        };
        return access_only_within_grace(state, current, user, &hash, now, grace).await;
    }
    // It matched the previous token.
    if session.rotated_at.is_some_and(|at| now - at <= grace) {
        return access_only_within_grace(state, session, user, &hash, now, grace).await;
    }
    db::sessions::revoke(&state.db, &session.id, "refresh_token_reuse", now).await?;
    tracing::warn!(session_id = %session.id, user_id = %user.id, "refresh token reuse detected; session revoked");
    audit::record(
        &state.db,
        audit::kind::REFRESH_REUSE,
        Some(&user.id),
        None,
        client,
        json!({ "session_id": session.id, "rotated_at": session.rotated_at }),
    )
    .await;
    Err(Error::Unauthorized)
}

async fn access_only_within_grace(
    state: &AppState,
    session: db::sessions::SessionRow,
    user: UserRow,
    hash: &str,
    now: i64,
    grace: i64,
) -> Result<(IssuedTokens, Authenticated)> {
    let within = session.revoked_at.is_none()
        && session.previous_token_hash.as_deref() == Some(hash)
        && session.rotated_at.is_some_and(|at| now - at <= grace);
    if !within {
        return Err(Error::Unauthorized);
    }
    db::sessions::touch(&state.db, &session.id, now).await?;
    let (access_token, access_expires_at) =
        state
            .access_tokens
            .issue(&user.id, &session.id, &user.role, now)?;
    let issued = IssuedTokens {
        session_id: session.id.clone(),
        issued_at: now,
        access_token,
        access_expires_at,
        refresh_token: None,
        refresh_expires_at: session.expires_at,
    };
    Ok((
        issued,
        Authenticated {
            user,
            session_id: session.id,
        },
    ))
}

/// Ends a session: its refresh token and any access token it issued stop working.
pub async fn logout(state: &AppState, auth: &Authenticated, client: &ClientInfo) -> Result<()> {
    if db::sessions::revoke(&state.db, &auth.session_id, "logout", db::now()).await? {
        audit::record(
            &state.db,
            audit::kind::LOGOUT,
            Some(&auth.user.id),
            Some(&auth.user.id),
            client,
            json!({ "session_id": auth.session_id }),
        )
        .await;
    }
    Ok(())
}
