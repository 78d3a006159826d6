//! Second factors: an authenticator app (`totp`), recovery codes (`recovery`) and
//! passkeys; the login that waits for one (`pending`); and what an account has.

pub(crate) mod pending;
pub(crate) mod recovery;
pub(crate) mod totp;

use super::audit::FactorMethod;
use crate::server::{
    db::{self, users::UserRow},
    error::Result,
    mail::{Email, FactorChange},
    state::AppState,
};

/// The second factors an account has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Factors {
    pub totp: bool,
    pub passkeys: i64,
    pub recovery_codes_left: i64,
}

impl Factors {
    /// Whether a login needs a second step.
    pub fn any(&self) -> bool {
        self.totp || self.passkeys > 0
    }

    /// The ways this account can finish a login, best first.
    pub fn methods(&self) -> Vec<FactorMethod> {
        let mut methods = Vec::new();
        if self.passkeys > 0 {
            methods.push(FactorMethod::Passkey);
        }
        if self.totp {
            methods.push(FactorMethod::Totp);
        }
        if self.any() && self.recovery_codes_left > 0 {
            methods.push(FactorMethod::RecoveryCode);
        }
        methods
    }
}

pub async fn of(state: &AppState, user_id: &str) -> Result<Factors> {
    Ok(db::factors::counts(&state.db.pool, user_id).await?.into())
}

impl From<db::factors::FactorCounts> for Factors {
    fn from(counts: db::factors::FactorCounts) -> Self {
        Self {
            totp: counts.totp > 0,
            passkeys: counts.passkeys,
            recovery_codes_left: counts.recovery_codes,
        }
    }
}

/// Queues a notice about a factor change in the change's transaction.
pub(crate) async fn notify(
    state: &AppState,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: &UserRow,
    change: FactorChange,
) -> Result<()> {
    let name = crate::server::auth::verification::greeting(user);
    state
        .mailer
        .enqueue(
            &mut **tx,
            &user.email,
            Email::FactorChanged { name, change },
        )
        .await?;
    Ok(())
}
