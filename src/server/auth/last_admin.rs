//! The rule that an active admin always remains: checked inside the transaction of the
//! change that could break it (demote, deactivate, delete), after locking the admins.

use crate::server::{
    db::{self, users::UserRow},
    error::{AdminChange, Error, Refusal, Result},
};

/// Refuses a change that would leave no active admin. Runs inside the transaction of the
/// change, after locking the admins, so two concurrent requests cannot both pass.
pub async fn keep_an_admin(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    target: &UserRow,
    change: AdminChange,
) -> Result<()> {
    if target.role.is_admin() && target.is_active() {
        db::users::lock_active_admins(&mut **tx).await?;
        if db::users::count_active_admins(&mut **tx).await? <= 1 {
            return Err(Error::Refused(Refusal::LastAdmin {
                username: target.username.clone(),
                change,
            }));
        }
    }
    Ok(())
}
