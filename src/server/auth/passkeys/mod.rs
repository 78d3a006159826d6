//! Passkeys (WebAuthn, through webauthn-rs): the relying party made from `public_url`,
//! registering a passkey for the signed-in user, and renaming or removing one. Signing in
//! with one, and checking one for a known user (second factor, step-up), live in `login`.
//!
//! A ceremony's state (challenge and options) is kept server-side by the caller, bound to
//! the browser, for [`CEREMONY_SECONDS`] and used once: these flows hand it out with its
//! expiry and take it back (`None` when the browser has none, or it was used already).

mod login;

// `start_for_user`/`finish_for_user` (and `UserCheck`) are for the second-factor step and
// step-up re-authentication.
#[allow(unused_imports)]
pub use login::{
    SignIn, UserCheck, finish_for_user, finish_sign_in, start_for_user, start_sign_in,
};

use super::{
    ClientInfo,
    audit::{self, AuditEvent},
    sessions::Authenticated,
};
use crate::server::{
    config::Settings,
    db::{self, passkeys::PasskeyRow, users::UserRow},
    error::{Error, Refusal, SensitiveAction},
    state::AppState,
};
use crate::{domain::UserId, validate};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    CredentialID, Passkey, PasskeyRegistration, RegisterPublicKeyCredential, Url, Uuid, Webauthn,
    WebauthnBuilder, WebauthnError,
};

/// How long a ceremony may take, the browser's prompt included (WebAuthn's own timeout).
pub const CEREMONY_SECONDS: i64 = 300;

/// The relying party for `public_url`: its host is the id, its origin the only origin.
/// `None` (passkeys off, with a warning) when the host is an IP address, which browsers
/// refuse as a relying-party id ("This is an invalid domain").
pub fn relying_party(settings: &Settings) -> Option<Webauthn> {
    let origin = Url::parse(&settings.server.public_url).ok()?;
    let Some(domain) = origin.domain() else {
        tracing::warn!(
            public_url = %settings.server.public_url,
            "passkeys are off: browsers accept WebAuthn only on a domain name, not an IP \
             address; set server.public_url to a name (http://localhost:3000 in development)"
        );
        return None;
    };
    let built = WebauthnBuilder::new(domain, &origin)
        .and_then(|b| b.rp_name(&settings.product_name).build());
    match built {
        Ok(webauthn) => Some(webauthn),
        Err(e) => {
            tracing::warn!(error = ?e, "passkeys are off: the relying party could not be set up");
            None
        }
    }
}

/// Why a passkey ceremony or change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    /// This server's `public_url` is an IP address (see [`relying_party`]).
    #[error("passkeys are not available on this server")]
    Disabled,
    /// No ceremony is under way in this browser (never started, or used already).
    #[error("no passkey ceremony in progress")]
    NoCeremony,
    #[error("the passkey ceremony expired")]
    Expired,
    /// What the browser sent is not a WebAuthn credential.
    #[error("malformed credential: {0}")]
    Malformed(String),
    /// A well-formed credential that does not verify (wrong challenge, origin, signature,
    /// no user verification, a cloned authenticator's counter ...).
    #[error("credential refused: {0:?}")]
    Refused(WebauthnError),
    /// No account has this credential.
    #[error("unknown credential")]
    UnknownCredential,
    /// This credential is registered already.
    #[error("credential already registered")]
    AlreadyRegistered,
    /// The account has no passkey to check.
    #[error("no passkeys")]
    NoPasskeys,
    #[error(transparent)]
    App(#[from] Error),
}

impl From<sqlx::Error> for PasskeyError {
    fn from(e: sqlx::Error) -> Self {
        Self::App(Error::Database(e))
    }
}

type Result<T, E = PasskeyError> = std::result::Result<T, E>;

/// A registration under way: for whom, under what name, until when.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Registration {
    user_id: UserId,
    name: String,
    expires_at: i64,
    state: PasskeyRegistration,
}

fn webauthn(state: &AppState) -> Result<&Webauthn> {
    state.webauthn.as_deref().ok_or(PasskeyError::Disabled)
}

/// The ceremony the browser brought back, if it is still good: it exists and has not
/// expired. It was taken from the browser's state already, so it is spent either way.
fn unexpired<T>(ceremony: Option<T>, expires_at: impl Fn(&T) -> i64, now: i64) -> Result<T> {
    let ceremony = ceremony.ok_or(PasskeyError::NoCeremony)?;
    if now >= expires_at(&ceremony) {
        return Err(PasskeyError::Expired);
    }
    Ok(ceremony)
}

/// A credential id as stored: base64url without padding.
fn credential_key(id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

/// The user handle a passkey carries: the account id (a UUID).
fn user_handle(id: &UserId) -> Result<Uuid> {
    Uuid::parse_str(id.as_ref())
        .map_err(|e| Error::Internal(anyhow::anyhow!("user id is not a UUID: {e}")).into())
}

fn parse_passkey(row: &PasskeyRow) -> Result<Passkey> {
    serde_json::from_str(&row.passkey).map_err(|e| {
        Error::Internal(anyhow::anyhow!("stored passkey {} unreadable: {e}", row.id)).into()
    })
}

/// Starts registering a passkey named `name` for the signed-in user. The answer is the
/// browser's `navigator.credentials.create` options, as JSON.
pub async fn start_registration(
    state: &AppState,
    auth: &Authenticated,
    name: &str,
) -> Result<(serde_json::Value, Registration)> {
    let webauthn = webauthn(state)?;
    // A new way in needs a recent authentication (step-up).
    super::step_up::require(state, auth, SensitiveAction::AddFactor)?;
    let name = validate::passkey_name(name).map_err(|e| Error::field("name", e))?;
    let user = &auth.user;
    // The authenticator refuses to make a second credential for the same account.
    let exclude = db::passkeys::for_user(&state.db.pool, &user.id)
        .await?
        .iter()
        .map(|row| parse_passkey(row).map(|p| p.cred_id().clone()))
        .collect::<Result<Vec<CredentialID>>>()?;
    let display = user.display_name.as_deref().unwrap_or(&user.username);
    let (challenge, registration) = webauthn
        .start_passkey_registration(
            user_handle(&user.id)?,
            &user.username,
            display,
            Some(exclude),
        )
        .map_err(|e| Error::Internal(anyhow::anyhow!("starting a registration: {e:?}")))?;
    let mut options = serde_json::to_value(&challenge)
        .map_err(|e| Error::Internal(anyhow::anyhow!("encoding the options: {e}")))?;
    // A discoverable credential, so the passkey can sign in without a username.
    if let Some(selection) = options.pointer_mut("/publicKey/authenticatorSelection")
        && let Some(selection) = selection.as_object_mut()
    {
        selection.insert("residentKey".into(), "required".into());
        selection.insert("requireResidentKey".into(), true.into());
    }
    let registration = Registration {
        user_id: user.id.clone(),
        name,
        expires_at: state.clock.unix() + CEREMONY_SECONDS,
        state: registration,
    };
    Ok((options, registration))
}

/// Finishes a registration with the browser's credential: stores the passkey,
/// audits it and mails the owner, all in one transaction. Returns the passkey's name.
pub async fn finish_registration(
    state: &AppState,
    auth: &Authenticated,
    ceremony: Option<Registration>,
    credential: &serde_json::Value,
    client: &ClientInfo,
) -> Result<String> {
    let webauthn = webauthn(state)?;
    let ceremony = unexpired(ceremony, |c| c.expires_at, state.clock.unix())?;
    super::step_up::require(state, auth, SensitiveAction::AddFactor)?;
    // A ceremony started by another account (the browser changed hands) is not this one's.
    if ceremony.user_id != auth.user.id {
        return Err(PasskeyError::NoCeremony);
    }
    let credential = RegisterPublicKeyCredential::deserialize(credential)
        .map_err(|e| PasskeyError::Malformed(e.to_string()))?;
    let passkey = webauthn
        .finish_passkey_registration(&credential, &ceremony.state)
        .map_err(PasskeyError::Refused)?;
    let stored = serde_json::to_string(&passkey)
        .map_err(|e| Error::Internal(anyhow::anyhow!("encoding a passkey: {e}")))?;
    let mut tx = state.db.begin().await?;
    let user = locked_user(&mut tx, &auth.user.id).await?;
    let inserted = db::passkeys::insert(
        &mut *tx,
        db::passkeys::NewPasskey {
            user_id: &user.id,
            credential_id: &credential_key(passkey.cred_id()),
            name: &ceremony.name,
            passkey: &stored,
        },
        state.clock.unix(),
    )
    .await;
    match inserted {
        Ok(_) => {}
        Err(db::passkeys::InsertError::Taken) => return Err(PasskeyError::AlreadyRegistered),
        Err(db::passkeys::InsertError::Database(e)) => return Err(e.into()),
    }
    let event = AuditEvent::PasskeyAdded {
        name: ceremony.name.clone(),
    };
    audit::record(&mut *tx, event, Some(&user.id), Some(&user.id), client).await;
    tell_owner(state, &mut tx, &user, &ceremony.name, true).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(ceremony.name)
}

/// Locks the account's row for the rest of the transaction and reads it.
async fn locked_user(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: &UserId,
) -> Result<UserRow, Error> {
    db::users::lock(&mut **tx, id).await?;
    db::users::find_by_id(&mut **tx, id)
        .await?
        .filter(UserRow::is_active)
        .ok_or(Error::Unauthorized)
}

/// Mails the owner that a passkey was added or removed ("not you? ...").
async fn tell_owner(
    state: &AppState,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: &UserRow,
    passkey: &str,
    added: bool,
) -> Result<(), Error> {
    state
        .mailer
        .enqueue(
            &mut **tx,
            &user.email,
            crate::server::mail::Email::PasskeyChanged {
                name: super::verification::greeting(user),
                passkey,
                added,
            },
        )
        .await?;
    Ok(())
}

/// The signed-in user's passkeys, oldest first.
pub async fn list(state: &AppState, auth: &Authenticated) -> Result<Vec<PasskeyRow>, Error> {
    Ok(db::passkeys::for_user(&state.db.pool, &auth.user.id).await?)
}

/// Renames one of the signed-in user's passkeys. Returns the new name.
pub async fn rename(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    name: &str,
    client: &ClientInfo,
) -> Result<String, Error> {
    let name = validate::passkey_name(name).map_err(|e| Error::field("name", e))?;
    let mut tx = state.db.begin().await?;
    let old = db::passkeys::for_user(&mut *tx, &auth.user.id)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(Error::NotFound)?;
    if old.name == name {
        return Ok(name);
    }
    db::passkeys::rename(&mut *tx, &auth.user.id, id, &name).await?;
    let event = AuditEvent::PasskeyRenamed {
        from: old.name,
        to: name.clone(),
    };
    let user = Some(auth.user.id.as_ref());
    audit::record(&mut *tx, event, user, user, client).await;
    tx.commit().await?;
    Ok(name)
}

/// Removes one of the signed-in user's passkeys (after a recent authentication), unless
/// it is the account's last way to sign in (no password, no provider). The check and the delete run under a lock of the
/// account's row, like disconnecting a provider. Returns the removed passkey's name.
pub async fn remove(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    client: &ClientInfo,
) -> Result<String, Error> {
    super::step_up::require(state, auth, SensitiveAction::RemoveFactor)?;
    let mut tx = state.db.begin().await?;
    let user = locked_user(&mut tx, &auth.user.id).await?;
    let passkeys = db::passkeys::for_user(&mut *tx, &user.id).await?;
    let target = passkeys
        .iter()
        .find(|p| p.id == id)
        .ok_or(Error::NotFound)?;
    let providers = db::identities::for_user(&mut *tx, &user.id).await?;
    if user.password_hash.is_none() && providers.is_empty() && passkeys.len() <= 1 {
        return Err(Error::Refused(Refusal::LastLoginMethod));
    }
    db::passkeys::delete(&mut *tx, &user.id, id).await?;
    let event = AuditEvent::PasskeyRemoved {
        name: target.name.clone(),
    };
    audit::record(&mut *tx, event, Some(&user.id), Some(&user.id), client).await;
    tell_owner(state, &mut tx, &user, &target.name, false).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(target.name.clone())
}
