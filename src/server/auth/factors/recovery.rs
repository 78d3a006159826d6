//! Recovery codes: ten single-use codes shown once, stored as SHA-256 hashes (each is 50
//! random bits, so a fast hash is enough), for when the app or passkey is lost.

use super::super::{ClientInfo, audit, audit::AuditEvent, sessions::Authenticated, step_up};
use super::notify;
use crate::server::{
    db::{self, users::UserRow},
    error::{Error, Result, SensitiveAction},
    mail::FactorChange,
    state::AppState,
};
use sha2::{Digest, Sha256};

pub const COUNT: usize = 10;
/// No 0/O, 1/l/i: codes are read off paper.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const HALF: usize = 5;

/// Ten new codes, written `xxxxx-xxxxx`.
pub fn new_codes() -> Vec<String> {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    (0..COUNT)
        .map(|_| {
            let mut pick = || -> String {
                (0..HALF)
                    .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                    .collect()
            };
            format!("{}-{}", pick(), pick())
        })
        .collect()
}

/// The code as typed, reduced to what is stored: lower case, no dashes or spaces.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn hash(code: &str) -> String {
    format!("{:x}", Sha256::digest(normalise(code).as_bytes()))
}

pub fn hashes(codes: &[String]) -> Vec<String> {
    codes.iter().map(|c| hash(c)).collect()
}

/// Whether something typed looks like a recovery code (rather than an app's code).
pub fn looks_like_code(typed: &str) -> bool {
    normalise(typed).len() == 2 * HALF
}

/// Replaces the codes with ten new ones (the old ones stop working); needs a second
/// factor to exist and a recent authentication. Mails the owner.
pub async fn regenerate(
    state: &AppState,
    auth: &Authenticated,
    client: &ClientInfo,
) -> Result<Vec<String>> {
    step_up::require(state, auth, SensitiveAction::RegenerateRecoveryCodes)?;
    let user = &auth.user;
    let counts = db::factors::counts(&state.db.pool, &user.id).await?;
    if counts.totp == 0 && counts.passkeys == 0 {
        return Err(Error::field(
            "codes",
            "Set up an authenticator app or a passkey first: recovery codes stand in for them.",
        ));
    }
    let codes = new_codes();
    let mut tx = state.db.begin().await?;
    db::factors::replace_recovery_codes(&mut tx, &user.id, &hashes(&codes), state.clock.unix())
        .await?;
    audit::record(
        &mut *tx,
        AuditEvent::RecoveryCodesGenerated,
        Some(&user.id),
        Some(&user.id),
        client,
    )
    .await;
    notify(state, &mut tx, user, FactorChange::RecoveryCodesRegenerated).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(codes)
}

/// Uses a code up, under the account's failure budget; audited and mailed when it works.
pub(crate) async fn redeem(
    state: &AppState,
    user: &UserRow,
    code: &str,
    client: &ClientInfo,
) -> Result<bool> {
    let key = format!("recovery:{}", user.id);
    state
        .throttle
        .begin_password_attempt(&key, client.ip.as_deref())
        .await?;
    let now = state.clock.unix();
    let mut tx = state.db.begin().await?;
    let ok = looks_like_code(code)
        && db::factors::use_recovery_code(&mut *tx, &user.id, &hash(code), now).await?;
    state
        .throttle
        .finish_password_attempt(&key, client.ip.as_deref(), ok)
        .await;
    if !ok {
        return Ok(false);
    }
    let left = db::factors::recovery_codes_left(&mut *tx, &user.id).await?;
    audit::record(
        &mut *tx,
        AuditEvent::RecoveryCodeUsed { left },
        Some(&user.id),
        Some(&user.id),
        client,
    )
    .await;
    notify(
        state,
        &mut tx,
        user,
        FactorChange::RecoveryCodeUsed { left },
    )
    .await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_readable_and_match_however_typed() {
        let codes = new_codes();
        assert_eq!(codes.len(), COUNT);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), COUNT);
        for code in &codes {
            assert_eq!(code.len(), 11);
            assert!(looks_like_code(code));
            assert_eq!(hash(code), hash(&code.to_uppercase().replace('-', " ")));
        }
        assert!(!looks_like_code("123456"));
    }
}
