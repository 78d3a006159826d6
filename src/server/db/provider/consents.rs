//! The `oauth_consents` table: the scopes a person allowed an app.

use super::super::Exec;
use sqlx::FromRow;

/// A consent, with the app's name for the profile's "Apps with access" card.
#[derive(Clone, Debug, FromRow)]
pub struct ConsentRow {
    pub client_id: String,
    pub client_name: String,
    pub scope: String,
    pub granted_at: i64,
}

pub async fn scope<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    client_id: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("select scope from oauth_consents where user_id = $1 and client_id = $2")
        .bind(user_id)
        .bind(client_id)
        .fetch_optional(e)
        .await
}

pub async fn put<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    client_id: &str,
    scope: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into oauth_consents (user_id, client_id, scope, granted_at) values ($1, $2, $3, $4) \
         on conflict (user_id, client_id) do update set scope = excluded.scope, granted_at = excluded.granted_at",
    )
    .bind(user_id)
    .bind(client_id)
    .bind(scope)
    .bind(now)
    .execute(e)
    .await?;
    Ok(())
}

/// `false` when there was none.
pub async fn delete<'c>(e: impl Exec<'c>, user_id: &str, client_id: &str) -> sqlx::Result<bool> {
    let result = sqlx::query("delete from oauth_consents where user_id = $1 and client_id = $2")
        .bind(user_id)
        .bind(client_id)
        .execute(e)
        .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn for_user<'c>(e: impl Exec<'c>, user_id: &str) -> sqlx::Result<Vec<ConsentRow>> {
    sqlx::query_as::<_, ConsentRow>(
        "select c.client_id, k.name as client_name, c.scope, c.granted_at \
         from oauth_consents c join oauth_clients k on k.id = c.client_id \
         where c.user_id = $1 order by k.name",
    )
    .bind(user_id)
    .fetch_all(e)
    .await
}
