//! Proving who you are with a passkey: signing in without a password (a discoverable
//! credential, also what the browser's autofill offers), and checking a passkey of a
//! known account (the second-factor step and step-up re-authentication use this pair).

use super::{
    CEREMONY_SECONDS, PasskeyError, Result, credential_key, parse_passkey, unexpired, user_handle,
    webauthn,
};
use crate::domain::UserId;
use crate::server::{
    auth::{
        ClientInfo, accounts,
        audit::{self, AuditEvent, LoginFailure, LoginMethod},
        sessions::IssuedTokens,
        throttle::Spend,
    },
    db::{self, passkeys::PasskeyRow, users::UserRow},
    error::Error,
    state::AppState,
};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, DiscoverableKey, PasskeyAuthentication,
    PublicKeyCredential,
};

/// A passwordless sign-in under way in one browser.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignIn {
    expires_at: i64,
    state: DiscoverableAuthentication,
}

/// A check of a known account's passkey under way (second factor, step-up).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UserCheck {
    user_id: UserId,
    expires_at: i64,
    state: PasskeyAuthentication,
}

/// Starts a sign-in with any passkey of this site: the options for
/// `navigator.credentials.get` (JSON; `mediation` is the page's choice, autofill or not).
pub fn start_sign_in(state: &AppState) -> Result<(serde_json::Value, SignIn)> {
    let (challenge, ceremony) = webauthn(state)?
        .start_discoverable_authentication()
        .map_err(|e| Error::Internal(anyhow::anyhow!("starting a sign-in: {e:?}")))?;
    let mut options = to_json(&challenge)?;
    // webauthn-rs asks for autofill; the page decides (a button asks in a dialog).
    if let Some(object) = options.as_object_mut() {
        object.remove("mediation");
    }
    let ceremony = SignIn {
        expires_at: state.clock.unix() + CEREMONY_SECONDS,
        state: ceremony,
    };
    Ok((options, ceremony))
}

/// Finishes a passwordless sign-in: the credential must verify and belong to an active
/// account; then a session starts exactly as after a password login.
pub async fn finish_sign_in(
    state: &AppState,
    ceremony: Option<SignIn>,
    credential: &serde_json::Value,
    client: &ClientInfo,
) -> Result<(UserRow, IssuedTokens)> {
    let webauthn = webauthn(state)?;
    let ceremony = unexpired(ceremony, |c| c.expires_at, state.clock.unix())?;
    state
        .throttle
        .check_client(Spend::Login, client.ip.as_deref())
        .await?;
    let credential = parse(credential)?;
    let (handle, credential_id) = webauthn
        .identify_discoverable_authentication(&credential)
        .map_err(PasskeyError::Refused)?;
    let row = db::passkeys::find_by_credential(&state.db.pool, &credential_key(credential_id))
        .await?
        .filter(|row| user_handle(&row.user_id).is_ok_and(|id| id == handle))
        .ok_or(PasskeyError::UnknownCredential)?;
    let failed = |reason: LoginFailure| {
        let event = AuditEvent::LoginFailed { reason };
        audit::record_later(state, event, Some(row.user_id.to_string()), client);
    };
    let passkey = parse_passkey(&row)?;
    let result = webauthn
        .finish_discoverable_authentication(
            &credential,
            ceremony.state,
            &[DiscoverableKey::from(&passkey)],
        )
        .map_err(|e| {
            failed(LoginFailure::PasskeyRefused);
            PasskeyError::Refused(e)
        })?;
    record_use(state, &row, result).await?;
    let user = db::users::find_by_id(&state.db.pool, &row.user_id)
        .await?
        .ok_or(PasskeyError::UnknownCredential)?;
    // The same refusals as a password login, after the same proof.
    if !user.is_active() {
        failed(LoginFailure::Deactivated);
        return Err(Error::AccountDeactivated.into());
    }
    if state.settings.accounts.require_verified_email && user.email_verified_at.is_none() {
        failed(LoginFailure::EmailNotVerified);
        return Err(Error::EmailNotVerified.into());
    }
    let tokens = accounts::begin_session(state, &user, client, LoginMethod::Passkey, None).await?;
    Ok((user, tokens))
}

/// Starts checking a passkey of a known account (its second factor, or step-up): the
/// options for `navigator.credentials.get`, listing that account's passkeys.
pub async fn start_for_user(
    state: &AppState,
    user_id: &UserId,
) -> Result<(serde_json::Value, UserCheck)> {
    let webauthn = webauthn(state)?;
    let passkeys = db::passkeys::for_user(&state.db.pool, user_id)
        .await?
        .iter()
        .map(parse_passkey)
        .collect::<Result<Vec<_>>>()?;
    if passkeys.is_empty() {
        return Err(PasskeyError::NoPasskeys);
    }
    let (challenge, ceremony) = webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(|e| Error::Internal(anyhow::anyhow!("starting a passkey check: {e:?}")))?;
    let ceremony = UserCheck {
        user_id: user_id.clone(),
        expires_at: state.clock.unix() + CEREMONY_SECONDS,
        state: ceremony,
    };
    Ok((to_json(&challenge)?, ceremony))
}

/// Finishes checking a passkey of `user_id`: Ok once the credential verifies as one of
/// that account's passkeys (its counter and last use are recorded). Starts no session and
/// records no login: the caller does what the check was for.
pub async fn finish_for_user(
    state: &AppState,
    user_id: &UserId,
    ceremony: Option<UserCheck>,
    credential: &serde_json::Value,
) -> Result<()> {
    let webauthn = webauthn(state)?;
    let ceremony = unexpired(ceremony, |c| c.expires_at, state.clock.unix())?;
    if ceremony.user_id != *user_id {
        return Err(PasskeyError::NoCeremony);
    }
    let credential = parse(credential)?;
    let row = db::passkeys::find_by_credential(
        &state.db.pool,
        &credential_key(credential.get_credential_id()),
    )
    .await?
    .filter(|row| row.user_id == *user_id)
    .ok_or(PasskeyError::UnknownCredential)?;
    let result = webauthn
        .finish_passkey_authentication(&credential, &ceremony.state)
        .map_err(PasskeyError::Refused)?;
    record_use(state, &row, result).await
}

fn parse(credential: &serde_json::Value) -> Result<PublicKeyCredential> {
    PublicKeyCredential::deserialize(credential).map_err(|e| PasskeyError::Malformed(e.to_string()))
}

fn to_json(value: &impl Serialize) -> Result<serde_json::Value> {
    serde_json::to_value(value)
        .map_err(|e| Error::Internal(anyhow::anyhow!("encoding the options: {e}")).into())
}

/// Stores what the assertion changed (the signature counter, backup state) and the time.
async fn record_use(
    state: &AppState,
    row: &PasskeyRow,
    result: AuthenticationResult,
) -> Result<()> {
    let mut passkey = parse_passkey(row)?;
    let updated = match passkey.update_credential(&result) {
        Some(true) => Some(
            serde_json::to_string(&passkey)
                .map_err(|e| Error::Internal(anyhow::anyhow!("encoding a passkey: {e}")))?,
        ),
        _ => None,
    };
    db::passkeys::record_use(
        &state.db.pool,
        &row.id,
        updated.as_deref(),
        state.clock.unix(),
    )
    .await?;
    Ok(())
}
