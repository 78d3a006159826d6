//! Second factors: the `totp_factors` table (one authenticator app per account) and the
//! `recovery_codes` table (hashes of single-use codes).

use super::Exec;
use sqlx::FromRow;

#[derive(Clone, Debug, FromRow)]
pub struct TotpRow {
    pub secret_sealed: String,
    /// `None` while setup waits for a first valid code.
    pub confirmed_at: Option<i64>,
    /// The newest time step accepted; no code of it or an older step is taken again.
    pub last_step: i64,
}

pub async fn find_totp<'c>(e: impl Exec<'c>, user_id: &str) -> sqlx::Result<Option<TotpRow>> {
    sqlx::query_as::<_, TotpRow>(
        "select secret_sealed, confirmed_at, last_step from totp_factors where user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(e)
    .await
}

/// Starts (or restarts) setup: an unconfirmed secret replaces an unconfirmed one only.
/// `false` when the account already has a confirmed app.
pub async fn begin_totp<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    secret_sealed: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "insert into totp_factors (user_id, secret_sealed, created_at) values ($1, $2, $3) \
         on conflict (user_id) do update set secret_sealed = excluded.secret_sealed, \
         created_at = excluded.created_at, last_step = 0 \
         where totp_factors.confirmed_at is null",
    )
    .bind(user_id)
    .bind(secret_sealed)
    .bind(now)
    .execute(e)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Accepts a code of time step `step`: only if no code of this step or a later one was
/// accepted before (one statement, so two racing requests cannot both use one code).
/// The first accepted code confirms the factor.
pub async fn accept_step<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    step: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "update totp_factors set last_step = $2, confirmed_at = coalesce(confirmed_at, $3) \
         where user_id = $1 and last_step < $2",
    )
    .bind(user_id)
    .bind(step)
    .bind(now)
    .execute(e)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Removes the authenticator app; `true` when there was a confirmed one.
pub async fn delete_totp<'c>(e: impl Exec<'c>, user_id: &str) -> sqlx::Result<bool> {
    let result =
        sqlx::query("delete from totp_factors where user_id = $1 and confirmed_at is not null")
            .bind(user_id)
            .execute(e)
            .await?;
    Ok(result.rows_affected() == 1)
}

/// Removes every second factor of the account (an admin's reset): app, codes, passkeys.
pub async fn delete_all(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: &str,
) -> sqlx::Result<()> {
    for table in [
        "totp_factors",
        "recovery_codes",
        "passkeys",
        "pending_logins",
    ] {
        sqlx::query(&format!("delete from {table} where user_id = $1"))
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Replaces the account's recovery codes with these hashes.
pub async fn replace_recovery_codes(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: &str,
    hashes: &[String],
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("delete from recovery_codes where user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    for hash in hashes {
        sqlx::query(
            "insert into recovery_codes (id, user_id, code_hash, created_at) values ($1, $2, $3, $4)",
        )
        .bind(super::new_id())
        .bind(user_id)
        .bind(hash)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Uses up the unused code with this hash; `false` when there is none (wrong, or used).
pub async fn use_recovery_code<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    code_hash: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "update recovery_codes set used_at = $3 \
         where user_id = $1 and code_hash = $2 and used_at is null",
    )
    .bind(user_id)
    .bind(code_hash)
    .bind(now)
    .execute(e)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// How many unused recovery codes the account has.
pub async fn recovery_codes_left<'c>(e: impl Exec<'c>, user_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from recovery_codes where user_id = $1 and used_at is null")
        .bind(user_id)
        .fetch_one(e)
        .await
}

/// What second factors an account has, in one query.
#[derive(Clone, Copy, Debug, Default, FromRow)]
pub struct FactorCounts {
    pub totp: i64,
    pub passkeys: i64,
    pub recovery_codes: i64,
}

pub async fn counts<'c>(e: impl Exec<'c>, user_id: &str) -> sqlx::Result<FactorCounts> {
    sqlx::query_as::<_, FactorCounts>(
        "select \
         (select count(*) from totp_factors where user_id = $1 and confirmed_at is not null) as totp, \
         (select count(*) from passkeys where user_id = $1) as passkeys, \
         (select count(*) from recovery_codes where user_id = $1 and used_at is null) as recovery_codes",
    )
    .bind(user_id)
    .fetch_one(e)
    .await
}
