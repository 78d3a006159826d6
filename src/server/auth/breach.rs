//! Breached passwords: a new password is looked up in Have I Been Pwned's range API with
//! k-anonymity (only the first five hex characters of its SHA-1 leave the server). Off
//! unless `passwords.breach_check`; an unreachable or slow API fails open with a warning.

use super::passwords::Password;
use crate::server::{
    error::{Error, Result},
    state::AppState,
};
use sha1::{Digest, Sha1};

pub const BREACHED: &str = "This password has appeared in a data breach; choose another.";

/// Refuses a new password seen in a breach, as a field error on `field`. Called by every
/// flow that sets a password, after its other rules pass and before hashing.
pub async fn check(state: &AppState, password: &Password, field: &str) -> Result<()> {
    if !state.settings.passwords.breach_check {
        return Ok(());
    }
    let digest = sha1_hex(password.expose());
    let (prefix, suffix) = digest.split_at(5);
    match range(state, prefix).await {
        Ok(body) if listed(&body, suffix) => Err(Error::field(field, BREACHED)),
        Ok(_) => Ok(()),
        // Never the password, its hash or the URL (which holds the prefix) in the log.
        Err(why) => {
            tracing::warn!(%why, "breached-password check unavailable; password accepted");
            Ok(())
        }
    }
}

/// The uppercase hex SHA-1, as the range API writes it.
fn sha1_hex(text: &str) -> String {
    Sha1::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// The range API's answer for `prefix`, or why there is none (the whole call, body
/// included, is bounded by `breach_timeout`).
async fn range(state: &AppState, prefix: &str) -> std::result::Result<String, String> {
    let settings = &state.settings.passwords;
    let url = format!(
        "{}/range/{prefix}",
        settings.breach_api_url.trim_end_matches('/')
    );
    let call = async {
        let res = state
            .http
            .get(url)
            // Padding hides the real number of suffixes in the answer's size.
            .header("Add-Padding", "true")
            .timeout(settings.breach_timeout)
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if !res.status().is_success() {
            return Err(format!("status {}", res.status()));
        }
        res.text().await.map_err(|e| e.without_url().to_string())
    };
    tokio::time::timeout(settings.breach_timeout, call)
        .await
        .unwrap_or_else(|_| Err("timed out".into()))
}

/// Whether the answer's `SUFFIX:COUNT` lines hold `suffix` with a count above 0 (padding
/// lines have 0).
fn listed(body: &str, suffix: &str) -> bool {
    body.lines().any(|line| {
        line.trim().split_once(':').is_some_and(|(s, count)| {
            s.eq_ignore_ascii_case(suffix) && count.trim().parse::<u64>().is_ok_and(|n| n > 0)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_like_the_range_api() {
        // SHA-1("password"), as on haveibeenpwned.com.
        assert_eq!(
            sha1_hex("password"),
            "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8"
        );
    }

    #[test]
    fn padding_lines_and_other_suffixes_do_not_count() {
        let body = "1E4C9B93F3F0682250B6CF8331B7EE68FD8:3730471\r\nABC:0\r\n";
        assert!(listed(body, "1E4C9B93F3F0682250B6CF8331B7EE68FD8"));
        assert!(!listed(body, "ABC"));
        assert!(!listed(body, "DEF"));
        assert!(!listed("garbage", "DEF"));
    }
}
