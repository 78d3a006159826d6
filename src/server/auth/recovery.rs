//! Forgotten passwords: a reset link by email, then a new password. The request answers
//! the same whether or not the account exists.

use super::audit::AuditEvent;
use super::credentials::NewPassword;
use super::{ClientInfo, audit, one_time, passwords::Password, verification};
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

/// Mails a reset link to the account with this address, if there is one (active, and not
/// sent another within the resend interval). Only a malformed address is an error.
pub async fn request(state: &AppState, email: &str, client: &ClientInfo) -> Result<()> {
    let email = validate::Email::parse(email).map_err(|e| Error::field("email", e))?;
    state
        .throttle
        .check_client(super::throttle::Spend::Mail, client.ip.as_deref())
        .await?;
    // The rest happens after answering: the answer, and its timing, are the same whether
    // or not the address has an account.
    let (state, client) = (state.clone(), client.clone());
    tokio::spawn(async move {
        if let Err(e) = send_reset_link(&state, email.as_str(), &client).await {
            tracing::error!(error = ?e, "sending a reset link");
        }
    });
    Ok(())
}

async fn send_reset_link(state: &AppState, email: &str, client: &ClientInfo) -> Result<()> {
    let Some(user) = db::users::find_by_login(&state.db.pool, email).await? else {
        return Ok(());
    };
    if !user.email.eq_ignore_ascii_case(email)
        || !user.is_active()
        || verification::recently_sent(state, &user, TokenPurpose::ResetPassword).await?
    {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    queue_reset_link(state, &mut tx, &user).await?;
    audit::record(
        &mut *tx,
        AuditEvent::PasswordResetRequested,
        Some(&user.id),
        None,
        client,
    )
    .await;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// Issues a reset link for the account's address and queues its mail, both in the
/// caller's transaction.
pub(super) async fn queue_reset_link(
    state: &AppState,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: &UserRow,
) -> Result<()> {
    let raw = one_time::issue(
        &mut **tx,
        user,
        TokenPurpose::ResetPassword,
        Some(&user.email),
        state.settings.accounts.reset_password_ttl,
        state.clock.unix(),
    )
    .await?;
    let link = state.mailer.link("/reset-password", &raw);
    let name = verification::greeting(user);
    state
        .mailer
        .enqueue(&mut **tx, &user.email, Email::ResetPassword { name, link })
        .await
}

/// Whether a reset link still works (checked when the page opens, so nobody types a new
/// password into a dead link).
pub async fn link_status(state: &AppState, raw: &str) -> Result<LinkStatus> {
    one_time::status(state, raw, &[TokenPurpose::ResetPassword]).await
}

/// Sets a new password with a reset link. Every session of the user ends, other reset
/// links die, and a notice goes to the address. Returns the account and the sign-in
/// providers still connected to it (by name, for people), so the owner can check that
/// each is theirs: an intruder may have connected one.
pub async fn reset(
    state: &AppState,
    raw: &str,
    password: &Password,
    client: &ClientInfo,
) -> Result<(UserRow, Vec<String>)> {
    let one_time::LiveLink { token, user } =
        one_time::check(state, raw, &[TokenPurpose::ResetPassword]).await?;
    let mut fields = validate::FieldErrors::new();
    let policy = state.settings.password_policy();
    let inputs = [
        user.username.as_str(),
        user.email.as_str(),
        user.display_name.as_deref().unwrap_or(""),
    ];
    if let Err(e) = validate::new_password(password.expose(), &policy, &inputs) {
        fields.insert("password".into(), e);
    }
    if !fields.is_empty() {
        return Err(Error::Invalid(fields));
    }
    // Hashing costs the server: the client's hash budget applies here too.
    state
        .throttle
        .check_client(super::throttle::Spend::Hash, client.ip.as_deref())
        .await?;
    super::breach::check(state, password, "password").await?;
    let hash = state.hasher.hash(password).await?;
    let now = state.clock.unix();
    let mut tx = state.db.begin().await?;
    if !db::one_time_tokens::mark_used(&mut *tx, &token.id, now).await? {
        return Err(Error::Link(LinkProblem::Used));
    }
    // The link proves the mailbox is theirs.
    if token
        .email
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case(&user.email))
    {
        db::users::mark_email_verified(&mut *tx, &user.id, now).await?;
    }
    super::credentials::store_new_password(
        state,
        &mut tx,
        &user,
        &hash,
        None,
        NewPassword::Reset,
        client,
    )
    .await?;
    tx.commit().await?;
    state.auth_cache.forget_user(&user.id);
    state.mailer.wake();
    let providers = db::identities::for_user(&state.db.pool, &user.id)
        .await?
        .into_iter()
        .map(|i| super::oauth::display_name(state, &i.provider))
        .collect();
    Ok((user, providers))
}
