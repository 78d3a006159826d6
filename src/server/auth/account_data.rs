//! What the profile page shows of the signed-in person's own account, read in one go: the
//! reads share one pooled connection instead of taking one each, so a page render hands
//! the pool out and takes it back once.

use super::factors::{
    Factors,
    totp::{self, Setup},
};
use crate::server::{
    db::{
        self, audit::EventRow, identities::IdentityRow, passkeys::PasskeyRow,
        provider::consents::ConsentRow, users::UserRow,
    },
    error::Result,
    state::AppState,
};

/// How many of their latest security events people see on their profile.
pub const RECENT_EVENTS: i64 = 10;

pub struct AccountData {
    /// The sign-in providers connected to the account.
    pub identities: Vec<IdentityRow>,
    /// The apps the person allowed.
    pub consents: Vec<ConsentRow>,
    pub factors: Factors,
    /// An authenticator app being set up, waiting for its first code.
    pub totp_setup: Option<Setup>,
    pub passkeys: Vec<PasskeyRow>,
    /// The latest security events, newest first.
    pub recent_events: Vec<EventRow>,
}

pub async fn load(state: &AppState, user: &UserRow) -> Result<AccountData> {
    let mut conn = state.db.pool.acquire().await?;
    let factors = Factors::from(db::factors::counts(&mut *conn, &user.id).await?);
    let totp_setup = if factors.totp {
        None
    } else {
        let row = db::factors::find_totp(&mut *conn, &user.id).await?;
        totp::setup_waiting(state, row, user)?
    };
    Ok(AccountData {
        identities: db::identities::for_user(&mut *conn, &user.id).await?,
        consents: db::provider::consents::for_user(&mut *conn, &user.id).await?,
        factors,
        totp_setup,
        passkeys: db::passkeys::for_user(&mut *conn, &user.id).await?,
        recent_events: db::audit::recent_for_user(&mut *conn, &user.id, RECENT_EVENTS).await?,
    })
}
