//! The login between its two factors. After the first factor (password, provider, email
//! link) of an account with a second factor, no session exists: a pending login does,
//! for five minutes, single use, held by the browser's cookie or the API's `mfa_token`.

use super::super::{
    ClientInfo, accounts, audit,
    audit::{AuditEvent, FactorMethod, LoginMethod, SecondProof},
    sessions::IssuedTokens,
    tokens::{hash_refresh_token as hash_token, new_refresh_token as new_token},
};
use super::{recovery, totp};
use crate::server::{
    db::{self, pending_logins::PendingRow, users::UserRow},
    error::{Error, Refusal, Result},
    state::AppState,
};

/// How long the second step may take.
pub const TTL_SECONDS: i64 = 300;
/// Wrong codes one pending login takes before it is dropped (the account's failure
/// budget also grows its delays).
const MAX_ATTEMPTS: i32 = 5;

/// Where a first factor leads.
#[derive(Debug)]
pub enum LoginOutcome {
    /// No second factor: logged in.
    Session(IssuedTokens),
    /// A second factor is needed first.
    SecondFactor(SecondStep),
}

/// A pending login: the token goes to the client (cookie or `mfa_token`), never stored.
#[derive(Clone)]
pub struct SecondStep {
    pub token: String,
    pub methods: Vec<FactorMethod>,
    pub expires_at: i64,
}

impl std::fmt::Debug for SecondStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondStep")
            .field("methods", &self.methods)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What the person offers at the second step.
pub enum Proof<'a> {
    /// An app code, or a recovery code (told apart by their shape).
    Code(&'a str),
    /// A passkey assertion the passkey flow already verified for this account.
    Passkey,
}

/// After a first factor: a session, or a pending login when the account has a second
/// factor. Every way in goes through here.
pub async fn after_first_factor(
    state: &AppState,
    user: &UserRow,
    client: &ClientInfo,
    method: LoginMethod,
) -> Result<LoginOutcome> {
    let factors = super::of(state, &user.id).await?;
    if !factors.any() {
        let tokens = accounts::begin_session(state, user, client, method, None).await?;
        return Ok(LoginOutcome::Session(tokens));
    }
    let (token, hash) = new_token();
    let now = state.clock.unix();
    let expires_at = now + TTL_SECONDS;
    db::pending_logins::insert(&state.db.pool, &hash, &user.id, method, now, expires_at).await?;
    Ok(LoginOutcome::SecondFactor(SecondStep {
        token,
        methods: factors.methods(),
        expires_at,
    }))
}

/// The account a live pending login belongs to.
pub async fn account(state: &AppState, token: &str) -> Result<UserRow> {
    Ok(live(state, &hash_token(token)).await?.1)
}

/// The account a live pending login belongs to, with the methods it offers.
pub async fn find(state: &AppState, token: &str) -> Result<(UserRow, Vec<FactorMethod>)> {
    let user = account(state, token).await?;
    let methods = super::of(state, &user.id).await?.methods();
    Ok((user, methods))
}

/// A pending login that has not expired, and its account. An expired one is dropped.
async fn live(state: &AppState, hash: &str) -> Result<(PendingRow, UserRow)> {
    let row = db::pending_logins::find(&state.db.pool, hash)
        .await?
        .ok_or(Error::Refused(Refusal::LoginExpired))?;
    if row.expires_at <= state.clock.unix() {
        db::pending_logins::take(&state.db.pool, hash).await?;
        return Err(Error::Refused(Refusal::LoginExpired));
    }
    let user = db::users::find_by_id(&state.db.pool, &row.user_id)
        .await?
        .ok_or(Error::Refused(Refusal::LoginExpired))?;
    Ok((row, user))
}

/// Finishes a pending login with its second factor: the session starts exactly as a
/// one-step login's would. A wrong code counts; the fifth ends the pending login.
pub async fn complete(
    state: &AppState,
    token: &str,
    proof: Proof<'_>,
    client: &ClientInfo,
) -> Result<(UserRow, IssuedTokens)> {
    let hash = hash_token(token);
    let (row, user) = live(state, &hash).await?;
    if !user.is_active() {
        db::pending_logins::take(&state.db.pool, &hash).await?;
        return Err(Error::AccountDeactivated);
    }
    let ok = match proof {
        Proof::Passkey => true,
        Proof::Code(code) if recovery::looks_like_code(code) => {
            recovery::redeem(state, &user, code, client).await?
        }
        Proof::Code(code) => {
            totp::check_throttled(state, &user, code, client, totp::Confirmed::Yes).await?
        }
    };
    if !ok {
        db::pending_logins::count_attempt(&state.db.pool, &hash).await?;
        if row.attempts + 1 >= MAX_ATTEMPTS {
            db::pending_logins::take(&state.db.pool, &hash).await?;
        }
        let method = match proof {
            Proof::Code(code) if recovery::looks_like_code(code) => FactorMethod::RecoveryCode,
            _ => FactorMethod::Totp,
        };
        audit::record_later(
            state,
            AuditEvent::SecondFactorFailed { method },
            Some(user.id.to_string()),
            client,
        );
        return Err(Error::field(
            "code",
            "That code is not right. Enter the newest code from your app, or a recovery code.",
        ));
    }
    // Single use: of two requests racing with good codes, one takes it.
    if !db::pending_logins::take(&state.db.pool, &hash).await? {
        return Err(Error::Refused(Refusal::LoginExpired));
    }
    let second = match proof {
        Proof::Passkey => SecondProof::Passkey,
        Proof::Code(_) => SecondProof::Code,
    };
    let tokens = accounts::begin_session(state, &user, client, row.method, Some(second)).await?;
    Ok((user, tokens))
}
