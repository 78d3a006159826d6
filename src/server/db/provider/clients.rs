//! The `oauth_clients` table: apps that sign their users in through Gatehouse.

use super::super::Exec;
use sqlx::FromRow;

#[derive(Clone, FromRow)]
pub struct ClientRow {
    pub id: String,
    pub name: String,
    pub secret_hash: Option<String>,
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub first_party: i64,
    pub subject_type: String,
    pub id_token_alg: String,
    pub allow_refresh: i64,
    pub allow_client_credentials: i64,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for ClientRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientRow")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, name, secret_hash, redirect_uris, post_logout_redirect_uris, \
     first_party, subject_type, id_token_alg, allow_refresh, allow_client_credentials, \
     disabled_at, created_at, updated_at";

pub async fn insert<'c>(e: impl Exec<'c>, row: &ClientRow) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "insert into oauth_clients ({COLUMNS}) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(&row.id)
    .bind(&row.name)
    .bind(&row.secret_hash)
    .bind(&row.redirect_uris)
    .bind(&row.post_logout_redirect_uris)
    .bind(row.first_party)
    .bind(&row.subject_type)
    .bind(&row.id_token_alg)
    .bind(row.allow_refresh)
    .bind(row.allow_client_credentials)
    .bind(row.disabled_at)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn find<'c>(e: impl Exec<'c>, id: &str) -> sqlx::Result<Option<ClientRow>> {
    sqlx::query_as::<_, ClientRow>(&format!(
        "select {COLUMNS} from oauth_clients where id = $1"
    ))
    .bind(id)
    .fetch_optional(e)
    .await
}

pub async fn list<'c>(e: impl Exec<'c>) -> sqlx::Result<Vec<ClientRow>> {
    sqlx::query_as::<_, ClientRow>(&format!(
        "select {COLUMNS} from oauth_clients order by name, id"
    ))
    .fetch_all(e)
    .await
}

/// Replaces what an admin may edit; `false` when there is no such client.
pub async fn update<'c>(e: impl Exec<'c>, row: &ClientRow) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "update oauth_clients set name = $2, redirect_uris = $3, post_logout_redirect_uris = $4, \
         first_party = $5, disabled_at = $6, updated_at = $7 where id = $1",
    )
    .bind(&row.id)
    .bind(&row.name)
    .bind(&row.redirect_uris)
    .bind(&row.post_logout_redirect_uris)
    .bind(row.first_party)
    .bind(row.disabled_at)
    .bind(row.updated_at)
    .execute(e)
    .await?;
    Ok(result.rows_affected() == 1)
}
