//! Short-lived browser state that is not a login, kept by tower-sessions in our database
//! (so it survives restarts and works across instances): the flash a form posted
//! without JavaScript leaves for the page it returns to, new recovery codes, and an app's
//! sign-in waiting while the person logs in.

use crate::{
    model::FormFlash,
    server::db::{self, Db, browser_states},
};
use async_trait::async_trait;
use tower_sessions::{
    Session, SessionManagerLayer,
    cookie::{SameSite, time::Duration},
    session::{Id, Record},
    session_store::{self, SessionStore},
};

pub const FLASH_KEY: &str = "flash";

#[derive(Clone, Debug)]
pub struct DbStore {
    db: Db,
}

impl DbStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for DbStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_string(record)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        // Collisions of 128 random bits are theoretical; pick a new id if one happens.
        while !browser_states::create(
            &self.db.pool,
            &record.id.to_string(),
            &data,
            record.expiry_date.unix_timestamp(),
        )
        .await
        .map_err(backend)?
        {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(record)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        browser_states::save(
            &self.db.pool,
            &record.id.to_string(),
            &data,
            record.expiry_date.unix_timestamp(),
        )
        .await
        .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(data) = browser_states::load(&self.db.pool, &id.to_string(), db::now())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        serde_json::from_str(&data)
            .map(Some)
            .map_err(|e| session_store::Error::Decode(e.to_string()))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        browser_states::delete(&self.db.pool, &id.to_string())
            .await
            .map_err(backend)
    }
}

/// The tower-sessions layer: an HttpOnly, SameSite=Lax cookie that lives ten minutes.
pub fn layer(db: Db, cookie_name: String, secure: bool) -> SessionManagerLayer<DbStore> {
    SessionManagerLayer::new(DbStore::new(db))
        .with_name(cookie_name)
        .with_http_only(true)
        .with_secure(secure)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(tower_sessions::Expiry::OnInactivity(Duration::minutes(10)))
}

/// Leaves a flash for the next page this browser loads.
pub async fn put_flash(session: &Session, flash: &FormFlash) {
    if let Err(e) = session.insert(FLASH_KEY, flash).await {
        tracing::error!(error = ?e, "could not store flash");
    }
}

/// Takes (and removes) the flash, if any.
pub async fn take_flash(session: &Session) -> Option<FormFlash> {
    session
        .remove::<FormFlash>(FLASH_KEY)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = ?e, "could not read flash");
            None
        })
}

const RECOVERY_CODES_KEY: &str = "recovery_codes";
/// How long new recovery codes stay on the Security card unless dismissed.
const RECOVERY_CODES_SHOWN_SECONDS: i64 = 600;

/// Keeps new recovery codes in this browser's server-side state for the Security card,
/// which shows them (with or without JavaScript, however often the card renders) until
/// the person says they saved them, or for ten minutes.
pub async fn put_recovery_codes(session: &Session, codes: &[String], now: i64) {
    let kept = (codes, now + RECOVERY_CODES_SHOWN_SECONDS);
    if let Err(e) = session.insert(RECOVERY_CODES_KEY, kept).await {
        tracing::error!(error = ?e, "could not keep recovery codes for display");
    }
}

/// The new recovery codes, while they are still to be shown.
pub async fn recovery_codes(session: &Session, now: i64) -> Option<Vec<String>> {
    let (codes, until) = session
        .get::<(Vec<String>, i64)>(RECOVERY_CODES_KEY)
        .await
        .ok()
        .flatten()?;
    (now < until).then_some(codes)
}

pub async fn forget_recovery_codes(session: &Session) {
    let _ = session
        .remove::<(Vec<String>, i64)>(RECOVERY_CODES_KEY)
        .await;
}

const AUTHORIZATION_KEY: &str = "oidc_request";

/// Keeps an app's checked authorization request while the person logs in or consents.
pub async fn put_authorization(
    session: &Session,
    request: &crate::server::provider::authorize::AuthorizationRequest,
) -> Result<(), tower_sessions::session::Error> {
    session.insert(AUTHORIZATION_KEY, request).await
}

/// The app's sign-in waiting in this browser, if any.
pub async fn authorization(
    session: &Session,
) -> Option<crate::server::provider::authorize::AuthorizationRequest> {
    session.get(AUTHORIZATION_KEY).await.ok().flatten()
}

/// Ends the wait: the app got its answer.
pub async fn forget_authorization(session: &Session) {
    let _ = session
        .remove::<crate::server::provider::authorize::AuthorizationRequest>(AUTHORIZATION_KEY)
        .await;
}
