//! One-time links: random 256-bit tokens mailed to the user, stored as SHA-256 hashes,
//! single use, expiring.

use super::tokens::{hash_refresh_token as hash_token, new_refresh_token as new_token};
use crate::server::{
    db::{
        self, Exec,
        one_time_tokens::{NewToken, TokenRow},
        users::UserRow,
    },
    error::{Error, LinkProblem, Result},
    state::AppState,
};

pub use crate::domain::TokenPurpose;

/// Creates a token and returns the raw value to put in the link (never stored).
pub async fn issue<'c>(
    e: impl Exec<'c>,
    user: &UserRow,
    purpose: TokenPurpose,
    email: Option<&str>,
    ttl: std::time::Duration,
    now: i64,
) -> Result<String> {
    let (raw, hash) = new_token();
    let token = NewToken {
        user_id: &user.id,
        purpose,
        token_hash: &hash,
        email,
        expires_at: now + crate::server::clock::seconds(ttl),
        credentials_epoch: user.credentials_epoch,
    };
    db::one_time_tokens::insert(e, token, now).await?;
    Ok(raw)
}

/// Whether a link of one of `purposes` still works, for pages that check it before
/// showing their form or button.
pub async fn status(
    state: &AppState,
    raw: &str,
    purposes: &[TokenPurpose],
) -> Result<crate::model::LinkStatus> {
    use crate::model::LinkStatus;
    Ok(match check(state, raw, purposes).await {
        Ok(_) => LinkStatus::Valid,
        Err(Error::Link(problem)) => LinkStatus::Refused(problem),
        Err(e) => return Err(e),
    })
}

/// A link that still works, and the account it belongs to.
#[derive(Debug)]
pub struct LiveLink {
    pub token: TokenRow,
    pub user: UserRow,
}

/// Finds a live token for one of `purposes`, or says why the link does not work. A link
/// issued before the account's last password change or reset, or of a deactivated
/// account, does not work: securing the account ends everything set up before.
pub async fn check(state: &AppState, raw: &str, purposes: &[TokenPurpose]) -> Result<LiveLink> {
    let raw = raw.trim();
    // Real tokens are 43 base64url characters; anything else is not worth a query.
    if raw.len() != 43
        || !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::Link(LinkProblem::Invalid));
    }
    let row = db::one_time_tokens::find_by_hash(&state.db.pool, &hash_token(raw))
        .await?
        .filter(|row| purposes.contains(&row.purpose))
        .ok_or(Error::Link(LinkProblem::Invalid))?;
    if row.used_at.is_some() {
        return Err(Error::Link(LinkProblem::Used));
    }
    let user = db::users::find_by_id(&state.db.pool, &row.user_id)
        .await?
        // A "this wasn't me" link outlives password changes: an intruder who changed the
        // password must not be able to kill the owner's way back.
        .filter(|u| {
            u.is_active()
                && (u.credentials_epoch == row.credentials_epoch
                    || row.purpose == TokenPurpose::CancelEmailChange)
        })
        .ok_or(Error::Link(LinkProblem::Invalid))?;
    if row.expires_at <= state.clock.unix() {
        return Err(Error::Link(LinkProblem::Expired));
    }
    Ok(LiveLink { token: row, user })
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_have_the_length_check_expects() {
        let (raw, _) = super::new_token();
        assert_eq!(raw.len(), 43);
    }
}
