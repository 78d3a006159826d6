//! Email verification: the link sent at signup (and on request), and following it.
//! Also completes a change of address, whose confirmation link works the same way.

use super::audit::AuditEvent;
use super::{ClientInfo, audit, one_time};
use crate::domain::TokenPurpose;
use crate::server::clock::seconds;
use crate::{
    model::VerifyOutcome,
    server::{
        db::{self, users::UserRow},
        error::{Error, LinkProblem, Result},
        mail::Email,
        state::AppState,
    },
};

/// The name a message greets the user with.
pub fn greeting(user: &UserRow) -> &str {
    user.display_name.as_deref().unwrap_or(&user.username)
}

/// Issues a verification link for the account's current address and queues the mail,
/// both through `e` (the caller's transaction).
pub async fn queue(state: &AppState, e: &mut sqlx::AnyConnection, user: &UserRow) -> Result<()> {
    let ttl = state.settings.accounts.verify_email_ttl;
    let raw = one_time::issue(
        &mut *e,
        user,
        TokenPurpose::VerifyEmail,
        Some(&user.email),
        ttl,
        state.clock.unix(),
    )
    .await?;
    let link = state.mailer.link("/verify-email", &raw);
    state
        .mailer
        .enqueue(
            &mut *e,
            &user.email,
            Email::VerifyEmail {
                name: greeting(user),
                email: &user.email,
                link,
            },
        )
        .await
}

/// What a verification or address-change link would do, without spending it: the page
/// shows a confirm button, so mail scanners and link prefetchers that fetch the link
/// change nothing.
pub async fn inspect(state: &AppState, raw: &str) -> Result<VerifyOutcome> {
    let purposes = [TokenPurpose::VerifyEmail, TokenPurpose::ChangeEmail];
    match one_time::check(state, raw, &purposes).await {
        Ok(one_time::LiveLink { token, .. }) => Ok(VerifyOutcome::Confirm {
            email: token.email.unwrap_or_default(),
            change: token.purpose == TokenPurpose::ChangeEmail,
        }),
        Err(Error::Link(problem)) => explain(state, raw, problem).await,
        Err(e) => Err(e),
    }
}

/// Follows a verification or address-change link (a POST from the confirm button).
pub async fn follow(state: &AppState, raw: &str, client: &ClientInfo) -> Result<VerifyOutcome> {
    let purposes = [TokenPurpose::VerifyEmail, TokenPurpose::ChangeEmail];
    let one_time::LiveLink { token, user } = match one_time::check(state, raw, &purposes).await {
        Ok(link) => link,
        Err(Error::Link(problem)) => return explain(state, raw, problem).await,
        Err(e) => return Err(e),
    };
    let address = token.email.clone().unwrap_or_default();
    let now = state.clock.unix();
    let mut tx = state.db.begin().await?;
    if !db::one_time_tokens::mark_used(&mut *tx, &token.id, now).await? {
        return Ok(VerifyOutcome::Refused(LinkProblem::Used));
    }
    let outcome = if token.purpose == TokenPurpose::VerifyEmail {
        // A link for an address the account no longer has proves nothing.
        if !address.eq_ignore_ascii_case(&user.email) {
            return Ok(VerifyOutcome::Refused(LinkProblem::Invalid));
        }
        mark_verified(&mut tx, &user, client, now).await?;
        VerifyOutcome::Verified { email: address }
    } else {
        match db::users::set_email(&mut *tx, &user.id, &address, now).await {
            Ok(()) => {}
            Err(db::users::InsertError::Taken(_)) => return Ok(VerifyOutcome::EmailTaken),
            Err(db::users::InsertError::Database(e)) => return Err(e.into()),
        }
        // Links mailed to the old address must not outlive it.
        for purpose in [
            TokenPurpose::ChangeEmail,
            TokenPurpose::ResetPassword,
            TokenPurpose::VerifyEmail,
            TokenPurpose::SignIn,
        ] {
            db::one_time_tokens::invalidate_for_user(&mut *tx, &user.id, purpose, now).await?;
        }
        audit::record(
            &mut *tx,
            AuditEvent::EmailChanged {
                from: user.email.clone(),
                to: address.clone(),
            },
            Some(&user.id),
            Some(&user.id),
            client,
        )
        .await;
        VerifyOutcome::EmailChanged { email: address }
    };
    tx.commit().await?;
    state.auth_cache.forget_user(&user.id);
    Ok(outcome)
}

/// Why a link is refused, worded for the page. A used verification link of an account
/// that is verified is simply "already verified".
async fn explain(state: &AppState, raw: &str, problem: LinkProblem) -> Result<VerifyOutcome> {
    Ok(match problem {
        LinkProblem::Invalid | LinkProblem::Expired => VerifyOutcome::Refused(problem),
        LinkProblem::Used => {
            let hash = super::tokens::hash_refresh_token(raw.trim());
            let token = db::one_time_tokens::find_by_hash(&state.db.pool, &hash).await?;
            let user = match &token {
                Some(t) => db::users::find_by_id(&state.db.pool, &t.user_id).await?,
                None => None,
            };
            match (token, user) {
                (Some(t), Some(u))
                    if t.purpose == TokenPurpose::VerifyEmail && u.email_verified_at.is_some() =>
                {
                    VerifyOutcome::AlreadyVerified
                }
                _ => VerifyOutcome::Refused(LinkProblem::Used),
            }
        }
    })
}

/// Sends a new verification link to the account with this username or email, if it
/// exists, is active and still unverified, and none went out in the last minute. The
/// caller answers the same in every case.
pub async fn resend(state: &AppState, login: &str, client: &ClientInfo) -> Result<()> {
    let login = login.trim();
    if login.is_empty() {
        return Err(Error::field(
            "login",
            "Enter your email address or username.",
        ));
    }
    state
        .throttle
        .check_client(super::throttle::Spend::Mail, client.ip.as_deref())
        .await?;
    // After answering: the same answer and timing whether or not the account exists.
    let (state, client, login) = (state.clone(), client.clone(), login.to_string());
    tokio::spawn(async move {
        if let Err(e) = send_new_link(&state, &login, &client).await {
            tracing::error!(error = ?e, "resending a verification link");
        }
    });
    Ok(())
}

async fn send_new_link(state: &AppState, login: &str, client: &ClientInfo) -> Result<()> {
    let Some(user) = db::users::find_by_login(&state.db.pool, login).await? else {
        return Ok(());
    };
    if user.email_verified_at.is_some()
        || !user.is_active()
        || recently_sent(state, &user, TokenPurpose::VerifyEmail).await?
    {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    queue(state, &mut tx, &user).await?;
    audit::record(
        &mut *tx,
        AuditEvent::VerificationSent,
        Some(&user.id),
        None,
        client,
    )
    .await;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// Marks the user's address verified, and records it, in the caller's transaction (a
/// verification link or an emailed sign-in link proved the mailbox).
pub(super) async fn mark_verified(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: &UserRow,
    client: &ClientInfo,
    now: i64,
) -> Result<()> {
    db::users::mark_email_verified(&mut **tx, &user.id, now).await?;
    audit::record(
        &mut **tx,
        AuditEvent::EmailVerified,
        Some(&user.id),
        Some(&user.id),
        client,
    )
    .await;
    Ok(())
}

/// Whether a link of this purpose went to the user within the resend interval.
pub async fn recently_sent(
    state: &AppState,
    user: &UserRow,
    purpose: TokenPurpose,
) -> Result<bool> {
    let interval = seconds(state.settings.accounts.email_resend_interval);
    let last = db::one_time_tokens::last_issued_at(&state.db.pool, &user.id, purpose).await?;
    Ok(last.is_some_and(|at| state.clock.unix() - at < interval))
}
