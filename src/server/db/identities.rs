//! The `identities` table: provider accounts linked to users.

use super::{Exec, UniqueIndex};
use crate::domain::UserId;
use sqlx::FromRow;

#[derive(Clone, Debug, FromRow)]
pub struct IdentityRow {
    pub user_id: UserId,
    pub provider: String,
    pub email: Option<String>,
    pub linked_at: i64,
}

const COLUMNS: &str = "user_id, provider, email, linked_at";

pub async fn find<'c>(
    e: impl Exec<'c>,
    provider: &str,
    subject: &str,
) -> sqlx::Result<Option<IdentityRow>> {
    sqlx::query_as::<_, IdentityRow>(&format!(
        "select {COLUMNS} from identities where provider = $1 and subject = $2"
    ))
    .bind(provider)
    .bind(subject)
    .fetch_optional(e)
    .await
}

pub async fn for_user<'c>(e: impl Exec<'c>, user_id: &str) -> sqlx::Result<Vec<IdentityRow>> {
    sqlx::query_as::<_, IdentityRow>(&format!(
        "select {COLUMNS} from identities where user_id = $1 order by provider"
    ))
    .bind(user_id)
    .fetch_all(e)
    .await
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// This provider account is linked already (to someone), or this user already has an
    /// account at this provider.
    #[error("already linked")]
    AlreadyLinked,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

const PROVIDER_SUBJECT_KEY: UniqueIndex = UniqueIndex {
    name: "identities_provider_subject_key",
    columns: "identities.provider, identities.subject",
};
const USER_PROVIDER_KEY: UniqueIndex = UniqueIndex {
    name: "identities_user_provider_key",
    columns: "identities.user_id, identities.provider",
};

pub async fn insert<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    provider: &str,
    subject: &str,
    email: Option<&str>,
    now: i64,
) -> Result<(), LinkError> {
    sqlx::query(
        "insert into identities (id, user_id, provider, subject, email, linked_at) values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(super::new_id())
    .bind(user_id)
    .bind(provider)
    .bind(subject)
    .bind(email)
    .bind(now)
    .execute(e)
    .await
    .map_err(|e| {
        // This provider account is linked to someone, or this user has this provider.
        if PROVIDER_SUBJECT_KEY.violated_by(&e) || USER_PROVIDER_KEY.violated_by(&e) {
            LinkError::AlreadyLinked
        } else {
            LinkError::Database(e)
        }
    })?;
    Ok(())
}

pub async fn delete<'c>(e: impl Exec<'c>, user_id: &str, provider: &str) -> sqlx::Result<bool> {
    let result = sqlx::query("delete from identities where user_id = $1 and provider = $2")
        .bind(user_id)
        .bind(provider)
        .execute(e)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Disconnects every provider linked at or after `since` (an undone address change takes
/// away what an intruder connected meanwhile). Returns how many.
pub async fn delete_linked_since<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    since: i64,
) -> sqlx::Result<u64> {
    let result = sqlx::query("delete from identities where user_id = $1 and linked_at >= $2")
        .bind(user_id)
        .bind(since)
        .execute(e)
        .await?;
    Ok(result.rows_affected())
}
