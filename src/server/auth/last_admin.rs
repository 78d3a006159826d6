//! The rule that an active admin always remains: checked inside the transaction of the
//! change that could break it (demote, deactivate, delete), after locking the admins.

use super::accounts::ROLE_ADMIN;
use crate::server::{
    db::{self, users::UserRow},
    error::{Error, Result},
};

/// Refuses a change that would leave no active admin. Runs inside the transaction of the
/// change, after locking the admins, so two concurrent requests cannot both pass.
pub async fn keep_an_admin(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    target: &UserRow,
    refusal: impl FnOnce() -> String,
) -> Result<()> {
    if target.role == ROLE_ADMIN && target.is_active() {
        db::users::lock_active_admins(&mut **tx).await?;
        if db::users::count_active_admins(&mut **tx).await? <= 1 {
            return Err(Error::Conflict(refusal()));
        }
    }
    Ok(())
}
