//! Step-up re-authentication: sensitive changes need the person to have proved who they
//! are within the last few minutes (`accounts.reauth_window`): at login, or by confirming
//! again with a password, an authenticator code or a passkey.

use super::{
    ClientInfo, audit,
    audit::{AuditEvent, FactorMethod},
    factors::totp,
    passwords::Password,
    sessions::Authenticated,
    throttle::Spend,
};
use crate::server::{
    clock::seconds,
    db,
    error::{Error, Refusal, Result, SensitiveAction},
    state::AppState,
};

/// Refuses `action` unless this session proved who it is recently enough.
pub fn require(state: &AppState, auth: &Authenticated, action: SensitiveAction) -> Result<()> {
    if is_recent(state, auth) {
        Ok(())
    } else {
        Err(Error::Refused(Refusal::ReauthRequired(action)))
    }
}

/// Whether the session's last authentication is inside the window.
pub fn is_recent(state: &AppState, auth: &Authenticated) -> bool {
    state.clock.unix() - auth.authenticated_at <= seconds(state.settings.accounts.reauth_window)
}

/// What the person offers to confirm who they are.
pub enum Proof {
    Password(Password),
    /// An authenticator app's code.
    Code(String),
    /// A passkey assertion the passkey flow already verified for this account.
    Passkey,
}

/// Confirms who is behind the session; its authentication time becomes now.
pub async fn confirm(
    state: &AppState,
    auth: &Authenticated,
    proof: Proof,
    client: &ClientInfo,
) -> Result<()> {
    let user = &auth.user;
    let (ok, method) = match proof {
        Proof::Password(password) => {
            let Some(hash) = user.password_hash.as_deref() else {
                return Err(Error::field(
                    "password",
                    "This account has no password: use an authenticator code or a passkey.",
                ));
            };
            if password.expose().is_empty() {
                return Err(Error::field("password", "Enter your password."));
            }
            state
                .throttle
                .check_client(Spend::Hash, client.ip.as_deref())
                .await?;
            state
                .throttle
                .begin_password_attempt(user.id.as_str(), client.ip.as_deref())
                .await?;
            let ok = state.hasher.verify(&password, Some(hash)).await?.ok;
            state
                .throttle
                .finish_password_attempt(user.id.as_str(), client.ip.as_deref(), ok)
                .await;
            (ok, FactorMethod::Password)
        }
        Proof::Code(code) => (
            totp::check_throttled(state, user, &code, client, totp::Confirmed::Yes).await?,
            FactorMethod::Totp,
        ),
        Proof::Passkey => (true, FactorMethod::Passkey),
    };
    if !ok {
        let field = match method {
            FactorMethod::Password => "password",
            _ => "code",
        };
        return Err(Error::field(field, "That is not right. Try again."));
    }
    let now = state.clock.unix();
    db::sessions::mark_authenticated(&state.db.pool, &auth.session_id, now).await?;
    state.auth_cache.forget_user(&user.id);
    audit::record(
        &state.db.pool,
        AuditEvent::Reauthenticated { method },
        Some(&user.id),
        Some(&user.id),
        client,
    )
    .await;
    Ok(())
}
