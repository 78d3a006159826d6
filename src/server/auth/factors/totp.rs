//! Authenticator apps (TOTP, RFC 6238: SHA-1, 6 digits, 30-second steps): setup with a
//! QR code, codes checked with one step of clock drift either way and never twice.

use super::super::{ClientInfo, audit, audit::AuditEvent, sessions::Authenticated, step_up};
use super::recovery;
use crate::server::{
    db::{self, users::UserRow},
    error::{Error, Refusal, Result, SensitiveAction},
    mail::FactorChange,
    state::AppState,
};
use totp_rs::{Algorithm, TOTP};

const STEP: i64 = 30;
const DIGITS: usize = 6;
/// 160 bits, the size RFC 4226 recommends for SHA-1.
const SECRET_BYTES: usize = 20;

/// What the setup page shows: the secret three ways.
#[derive(Clone, Debug)]
pub struct Setup {
    /// Base32, for typing into an app.
    pub secret: String,
    pub uri: String,
    /// The URI as a QR code, an SVG document drawn here (no outside service).
    pub qr_svg: String,
}

fn totp(secret: Vec<u8>, account: &str) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP as u64,
        secret,
        Some("Gatehouse".into()),
        account.to_string(),
    )
}

fn setup_of(secret: Vec<u8>, user: &UserRow) -> Result<Setup> {
    let totp = totp(secret, &user.username);
    let uri = totp.get_url();
    let qr_svg = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| Error::Internal(anyhow::anyhow!("drawing the QR code: {e}")))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(Setup {
        secret: totp.get_secret_base32(),
        uri,
        qr_svg,
    })
}

/// Starts setting up an app (or shows the setup already started): a new secret, stored
/// sealed and unconfirmed until a first valid code. Refused when one is set up.
pub async fn begin_setup(state: &AppState, auth: &Authenticated) -> Result<Setup> {
    step_up::require(state, auth, SensitiveAction::AddFactor)?;
    let user = &auth.user;
    if let Some(row) = db::factors::find_totp(&state.db.pool, &user.id).await? {
        if row.confirmed_at.is_some() {
            return Err(Error::Refused(Refusal::AlreadySetUp));
        }
        if let Some(secret) = state.sealing.open(&row.secret_sealed) {
            return setup_of(secret, user);
        }
    }
    let secret: Vec<u8> = {
        use rand::RngCore;
        let mut bytes = vec![0u8; SECRET_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        bytes
    };
    let sealed = state.sealing.seal(&secret);
    if !db::factors::begin_totp(&state.db.pool, &user.id, &sealed, state.clock.unix()).await? {
        return Err(Error::Refused(Refusal::AlreadySetUp));
    }
    setup_of(secret, user)
}

/// The setup in progress, if any (to show the same QR code after a reload or a wrong code).
pub async fn pending_setup(state: &AppState, user: &UserRow) -> Result<Option<Setup>> {
    let row = db::factors::find_totp(&state.db.pool, &user.id).await?;
    setup_waiting(state, row, user)
}

/// The setup an account's row holds while it waits for a first code.
pub(crate) fn setup_waiting(
    state: &AppState,
    row: Option<db::factors::TotpRow>,
    user: &UserRow,
) -> Result<Option<Setup>> {
    match row {
        Some(row) if row.confirmed_at.is_none() => match state.sealing.open(&row.secret_sealed) {
            Some(secret) => setup_of(secret, user).map(Some),
            None => Ok(None),
        },
        _ => Ok(None),
    }
}

/// Finishes setup with a first valid code: the app is on, and ten new recovery codes are
/// returned (shown once). Mails the owner.
pub async fn confirm_setup(
    state: &AppState,
    user: &UserRow,
    code: &str,
    client: &ClientInfo,
) -> Result<Vec<String>> {
    match db::factors::find_totp(&state.db.pool, &user.id).await? {
        Some(row) if row.confirmed_at.is_none() => {}
        Some(_) => return Err(Error::Refused(Refusal::AlreadySetUp)),
        None => {
            return Err(Error::field(
                "code",
                "Setup has not started or has expired. Start again.",
            ));
        }
    }
    if !check_throttled(state, user, code, client, Confirmed::No).await? {
        return Err(Error::field(
            "code",
            "That code is not right. Check the app's clock and enter the newest code.",
        ));
    }
    let codes = recovery::new_codes();
    let mut tx = state.db.begin().await?;
    db::factors::replace_recovery_codes(
        &mut tx,
        &user.id,
        &recovery::hashes(&codes),
        state.clock.unix(),
    )
    .await?;
    for event in [AuditEvent::TotpEnabled, AuditEvent::RecoveryCodesGenerated] {
        audit::record(&mut *tx, event, Some(&user.id), Some(&user.id), client).await;
    }
    super::notify(state, &mut tx, user, FactorChange::TotpEnabled).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(codes)
}

/// Removes the app. Without another factor left, the recovery codes go too.
pub async fn remove(state: &AppState, auth: &Authenticated, client: &ClientInfo) -> Result<()> {
    step_up::require(state, auth, SensitiveAction::RemoveFactor)?;
    let user = &auth.user;
    let mut tx = state.db.begin().await?;
    if !db::factors::delete_totp(&mut *tx, &user.id).await? {
        return Err(Error::NotFound);
    }
    if db::factors::counts(&mut *tx, &user.id).await?.passkeys == 0 {
        db::factors::replace_recovery_codes(&mut tx, &user.id, &[], state.clock.unix()).await?;
    }
    audit::record(
        &mut *tx,
        AuditEvent::TotpDisabled,
        Some(&user.id),
        Some(&user.id),
        client,
    )
    .await;
    super::notify(state, &mut tx, user, FactorChange::TotpRemoved).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// Whether the code must belong to a confirmed app (logins, step-up) or may confirm one.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Confirmed {
    Yes,
    No,
}

/// Checks a code under the account's password-failure budget: a wrong code counts like a
/// wrong password (growing delays, never a lockout).
pub(crate) async fn check_throttled(
    state: &AppState,
    user: &UserRow,
    code: &str,
    client: &ClientInfo,
    confirmed: Confirmed,
) -> Result<bool> {
    let key = format!("totp:{}", user.id);
    state
        .throttle
        .begin_password_attempt(&key, client.ip.as_deref())
        .await?;
    let ok = check(state, user, code, confirmed).await?;
    state
        .throttle
        .finish_password_attempt(&key, client.ip.as_deref(), ok)
        .await;
    Ok(ok)
}

/// Whether `code` is the app's code for now, a step before or a step after, and no code
/// of that step (or a later one) was accepted before. Accepting it is recorded at once.
async fn check(state: &AppState, user: &UserRow, code: &str, confirmed: Confirmed) -> Result<bool> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(false);
    }
    let Some(row) = db::factors::find_totp(&state.db.pool, &user.id).await? else {
        return Ok(false);
    };
    if confirmed == Confirmed::Yes && row.confirmed_at.is_none() {
        return Ok(false);
    }
    let secret = state.sealing.open(&row.secret_sealed).ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "a TOTP secret does not open under the current factor key"
        ))
    })?;
    let totp = totp(secret, &user.username);
    let now = state.clock.unix();
    for drift in [-1, 0, 1] {
        let at = now + drift * STEP;
        let step = at.div_euclid(STEP);
        if step <= row.last_step || at < 0 {
            continue;
        }
        let expected = totp.generate(at as u64);
        if subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes()).into() {
            return Ok(db::factors::accept_step(&state.db.pool, &user.id, step, now).await?);
        }
    }
    Ok(false)
}
