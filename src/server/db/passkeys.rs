//! The `passkeys` table: WebAuthn credentials, each stored as webauthn-rs's serialized
//! `Passkey` (public key and signature counter, never a secret).

use super::{Exec, UniqueIndex};
use crate::domain::UserId;
use sqlx::FromRow;

#[derive(Clone, Debug, FromRow)]
pub struct PasskeyRow {
    pub id: String,
    pub user_id: UserId,
    pub name: String,
    /// webauthn-rs's `Passkey` as JSON.
    pub passkey: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, name, passkey, created_at, last_used_at";

const CREDENTIAL_KEY: UniqueIndex = UniqueIndex {
    name: "passkeys_credential_key",
    columns: "passkeys.credential_id",
};

#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    /// This credential is registered already (to this account or another).
    #[error("credential already registered")]
    Taken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub struct NewPasskey<'a> {
    pub user_id: &'a str,
    /// The credential id, base64url without padding (unique).
    pub credential_id: &'a str,
    pub name: &'a str,
    pub passkey: &'a str,
}

/// Stores a new passkey; returns its id.
pub async fn insert<'c>(
    e: impl Exec<'c>,
    new: NewPasskey<'_>,
    now: i64,
) -> Result<String, InsertError> {
    let id = super::new_id();
    sqlx::query(
        "insert into passkeys (id, user_id, credential_id, name, passkey, created_at) \
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(new.user_id)
    .bind(new.credential_id)
    .bind(new.name)
    .bind(new.passkey)
    .bind(now)
    .execute(e)
    .await
    .map_err(|e| {
        if CREDENTIAL_KEY.violated_by(&e) {
            InsertError::Taken
        } else {
            InsertError::Database(e)
        }
    })?;
    Ok(id)
}

/// A user's passkeys, oldest first.
pub async fn for_user<'c>(e: impl Exec<'c>, user_id: &str) -> sqlx::Result<Vec<PasskeyRow>> {
    sqlx::query_as::<_, PasskeyRow>(&format!(
        "select {COLUMNS} from passkeys where user_id = $1 order by created_at, id"
    ))
    .bind(user_id)
    .fetch_all(e)
    .await
}

pub async fn find_by_credential<'c>(
    e: impl Exec<'c>,
    credential_id: &str,
) -> sqlx::Result<Option<PasskeyRow>> {
    sqlx::query_as::<_, PasskeyRow>(&format!(
        "select {COLUMNS} from passkeys where credential_id = $1"
    ))
    .bind(credential_id)
    .fetch_optional(e)
    .await
}

/// After an assertion: the credential as updated (counter, backup state) and the time.
pub async fn record_use<'c>(
    e: impl Exec<'c>,
    id: &str,
    passkey: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "update passkeys set passkey = coalesce($2, passkey), last_used_at = $3 where id = $1",
    )
    .bind(id)
    .bind(passkey)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

/// Renames one of the user's passkeys; false when the user has no such passkey.
pub async fn rename<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    id: &str,
    name: &str,
) -> sqlx::Result<bool> {
    let result = sqlx::query("update passkeys set name = $3 where user_id = $1 and id = $2")
        .bind(user_id)
        .bind(id)
        .bind(name)
        .execute(e)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Removes one of the user's passkeys; false when the user has no such passkey.
pub async fn delete<'c>(e: impl Exec<'c>, user_id: &str, id: &str) -> sqlx::Result<bool> {
    let result = sqlx::query("delete from passkeys where user_id = $1 and id = $2")
        .bind(user_id)
        .bind(id)
        .execute(e)
        .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn count_for_user<'c>(e: impl Exec<'c>, user_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from passkeys where user_id = $1")
        .bind(user_id)
        .fetch_one(e)
        .await
}
