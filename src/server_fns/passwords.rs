//! The strength meter's question: how guessable is this new password? zxcvbn lives on the
//! server only (its word lists would be most of the browser bundle), so the page asks here
//! while the person types; the rule itself is applied again on submit.

use crate::{errors::AppError, validate::PasswordStrength};
use leptos::prelude::*;

/// Scores a candidate password. Open to everyone (signup has no login yet) and so bounded:
/// a password longer than the policy allows, or details longer than any field takes, are
/// refused before zxcvbn sees them. The password is never logged.
#[server(prefix = "/fn", endpoint = "password-strength")]
pub async fn score_password(
    #[server(default)] password: String,
    #[server(default)] user_inputs: Vec<String>,
) -> Result<PasswordStrength, AppError> {
    use crate::validate::{self, EMAIL_MAX};
    // The person's own details: username, email and display name.
    const MAX_USER_INPUTS: usize = 3;
    let policy = super::ssr::state()?.settings.password_policy();
    let too_long = password.chars().count() > policy.max_length
        || user_inputs.len() > MAX_USER_INPUTS
        || user_inputs.iter().any(|s| s.chars().count() > EMAIL_MAX);
    if too_long {
        return Err(AppError::BadRequest);
    }
    let inputs: Vec<&str> = user_inputs.iter().map(String::as_str).collect();
    Ok(validate::password_strength(&password, &inputs))
}
