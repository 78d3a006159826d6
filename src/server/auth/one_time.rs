//! One-time links: random 256-bit tokens mailed to the user, stored as SHA-256 hashes,
//! single use, expiring.

use super::tokens::{hash_refresh_token as hash_token, new_refresh_token as new_token};
use crate::server::{
    db::{
        self, Exec,
        one_time_tokens::{NewToken, TokenRow},
    },
    error::{Error, LinkProblem, Result},
    state::AppState,
};

pub const VERIFY_EMAIL: &str = "verify_email";
pub const RESET_PASSWORD: &str = "reset_password";
pub const CHANGE_EMAIL: &str = "change_email";

/// Creates a token and returns the raw value to put in the link (never stored).
pub async fn issue<'c>(
    e: impl Exec<'c>,
    user_id: &str,
    purpose: &str,
    email: Option<&str>,
    ttl_seconds: u64,
) -> Result<String> {
    let (raw, hash) = new_token();
    let now = db::now();
    let token = NewToken {
        user_id,
        purpose,
        token_hash: &hash,
        email,
        expires_at: now + ttl_seconds as i64,
    };
    db::one_time_tokens::insert(e, token, now).await?;
    Ok(raw)
}

/// Finds a live token for one of `purposes`, or says why the link does not work.
pub async fn check(state: &AppState, raw: &str, purposes: &[&str]) -> Result<TokenRow> {
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
        .filter(|row| purposes.contains(&row.purpose.as_str()))
        .ok_or(Error::Link(LinkProblem::Invalid))?;
    if row.used_at.is_some() {
        return Err(Error::Link(LinkProblem::Used));
    }
    if row.expires_at <= db::now() {
        return Err(Error::Link(LinkProblem::Expired));
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_have_the_length_check_expects() {
        let (raw, _) = super::new_token();
        assert_eq!(raw.len(), 43);
    }
}
