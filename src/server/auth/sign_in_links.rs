//! Email sign-in links (passwordless, off unless `accounts.sign_in_links`): a single-use
//! link mailed to the account's address, which ends in the same session as a password
//! login. Asking answers the same whether or not the account exists.

use super::audit::{AuditEvent, LoginFailure, LoginMethod};
use super::factors::pending::{LoginOutcome, after_first_factor};
use super::{ClientInfo, audit, one_time, verification};
use crate::domain::TokenPurpose;
use crate::{
    model::LinkStatus,
    server::{
        db::{self, users::UserRow},
        error::{Error, LinkProblem, Result},
        mail::Email,
        state::AppState,
    },
    validate,
};

const PURPOSE: &[TokenPurpose] = &[TokenPurpose::SignIn];

/// Whether this server offers sign-in links; every entry point refuses (not found)
/// when it does not.
pub fn enabled(state: &AppState) -> bool {
    state.settings.accounts.sign_in_links
}

fn require_enabled(state: &AppState) -> Result<()> {
    if enabled(state) {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// Mails a sign-in link to the account with this address, if there is one (active, and
/// not sent another within the resend interval). Only a malformed address, the client's
/// mail budget or the feature being off is an error.
pub async fn request(state: &AppState, email: &str, client: &ClientInfo) -> Result<()> {
    require_enabled(state)?;
    let email = validate::Email::parse(email).map_err(|e| Error::field("email", e))?;
    state
        .throttle
        .check_client(super::throttle::Spend::Mail, client.ip.as_deref())
        .await?;
    // The lookup and the mail happen after answering: the answer, and its timing, are
    // the same whether or not the address has an account.
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = send_link(&state, email.as_str()).await {
            tracing::error!(error = ?e, "sending a sign-in link");
        }
    });
    Ok(())
}

async fn send_link(state: &AppState, email: &str) -> Result<()> {
    let Some(user) = db::users::find_by_email(&state.db.pool, email).await? else {
        return Ok(());
    };
    // One link per address per resend interval: the per-address throttle.
    if !user.is_active() || verification::recently_sent(state, &user, TokenPurpose::SignIn).await? {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    let raw = one_time::issue(
        &mut *tx,
        &user,
        TokenPurpose::SignIn,
        Some(&user.email),
        state.settings.accounts.sign_in_link_ttl,
        state.clock.unix(),
    )
    .await?;
    let link = state.mailer.link("/login/link", &raw);
    let name = verification::greeting(&user);
    state
        .mailer
        .enqueue(&mut *tx, &user.email, Email::SignInLink { name, link })
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// Whether a sign-in link still works (the page checks before showing its button).
pub async fn link_status(state: &AppState, raw: &str) -> Result<LinkStatus> {
    require_enabled(state)?;
    one_time::status(state, raw, PURPOSE).await
}

/// Spends a sign-in link: the first factor, as a password is. Its account is logged in,
/// or (with a second factor) gets a pending login, exactly as after a password. Following
/// the link proves the mailbox, so an unverified address becomes verified.
pub async fn sign_in(
    state: &AppState,
    raw: &str,
    client: &ClientInfo,
) -> Result<(UserRow, LoginOutcome)> {
    require_enabled(state)?;
    let one_time::LiveLink { token, mut user } = match one_time::check(state, raw, PURPOSE).await {
        Ok(link) => link,
        Err(Error::Link(LinkProblem::Invalid)) => {
            return Err(why_invalid(state, raw, client).await?);
        }
        Err(e) => return Err(e),
    };
    // A link for an address the account no longer has proves nothing.
    if !token
        .email
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case(&user.email))
    {
        return Err(Error::Link(LinkProblem::Invalid));
    }
    let now = state.clock.unix();
    let mut tx = state.db.begin().await?;
    if !db::one_time_tokens::mark_used(&mut *tx, &token.id, now).await? {
        return Err(Error::Link(LinkProblem::Used));
    }
    if user.email_verified_at.is_none() {
        verification::mark_verified(&mut tx, &user, client, now).await?;
        user.email_verified_at = Some(now);
    }
    tx.commit().await?;
    state.auth_cache.forget_user(&user.id);
    // The one place a sign-in link leads on: a session, or the second-factor step.
    let outcome = after_first_factor(state, &user, client, LoginMethod::EmailLink).await?;
    Ok((user, outcome))
}

/// A link `one_time::check` calls invalid: a live link of a deactivated account is
/// refused as a password login of one is (whoever holds the link controls the address).
async fn why_invalid(state: &AppState, raw: &str, client: &ClientInfo) -> Result<Error> {
    let hash = super::tokens::hash_refresh_token(raw.trim());
    let Some(token) = db::one_time_tokens::find_by_hash(&state.db.pool, &hash).await? else {
        return Ok(Error::Link(LinkProblem::Invalid));
    };
    let user = db::users::find_by_id(&state.db.pool, &token.user_id).await?;
    let deactivated = user.as_ref().is_some_and(|u| {
        !u.is_active()
            && token.purpose == TokenPurpose::SignIn
            && token.used_at.is_none()
            && token.expires_at > state.clock.unix()
            && u.credentials_epoch == token.credentials_epoch
    });
    if !deactivated {
        return Ok(Error::Link(LinkProblem::Invalid));
    }
    audit::record_later(
        state,
        AuditEvent::LoginFailed {
            reason: LoginFailure::Deactivated,
        },
        Some(token.user_id.to_string()),
        client,
    );
    Ok(Error::AccountDeactivated)
}
