//! Password rules: the policy in force, strength (zxcvbn), and what a new, confirmed or
//! typed-at-login password must be.
//!
//! zxcvbn (its word lists are most of a megabyte) runs on the server only: the browser
//! checks length and confirmation itself and asks the server for the strength score
//! (`server_fns::passwords`), and the server applies the whole rule again on submit.

use serde::{Deserialize, Serialize};

/// The password rules in force, sent to the browser so its inline checks match the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub max_length: usize,
    /// Minimum zxcvbn score, 0–4.
    pub min_score: u8,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 128,
            min_score: 3,
        }
    }
}

impl PasswordPolicy {
    /// The hint under a new-password field, from the rules in force.
    pub fn hint(&self) -> String {
        format!(
            "At least {} characters. A few unrelated words make a strong, memorable password.",
            self.min_length
        )
    }
}

/// How strong a candidate password is, for the meter and for the rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordStrength {
    /// zxcvbn score, 0 (guessable in seconds) to 4 (very unguessable).
    pub score: u8,
    /// Why it is weak and what would help, when zxcvbn has something to say.
    pub feedback: Option<String>,
}

/// Scores a password with zxcvbn, taking the user's own details into account so that
/// `alice2024` is weak for alice.
#[cfg(feature = "ssr")]
pub fn password_strength(password: &str, user_inputs: &[&str]) -> PasswordStrength {
    let inputs: Vec<&str> = user_inputs
        .iter()
        .copied()
        .filter(|s| !s.trim().is_empty())
        .collect();
    let entropy = zxcvbn::zxcvbn(password, &inputs);
    let feedback = entropy.feedback().map(|f| {
        let mut parts = Vec::new();
        if let Some(warning) = f.warning() {
            parts.push(warning.to_string());
        }
        if let Some(suggestion) = f.suggestions().first() {
            parts.push(suggestion.to_string());
        }
        parts.join(" ")
    });
    PasswordStrength {
        score: u8::from(entropy.score()),
        feedback: feedback.filter(|s| !s.is_empty()),
    }
}

/// The length rules of a new password: what the browser checks without asking anyone.
pub fn new_password_length(password: &str, policy: &PasswordPolicy) -> Result<(), String> {
    let len = password.chars().count();
    if password.is_empty() {
        return Err("Choose a password.".into());
    }
    if len < policy.min_length {
        return Err(format!("Use at least {} characters.", policy.min_length));
    }
    if len > policy.max_length {
        return Err(format!("Use at most {} characters.", policy.max_length));
    }
    Ok(())
}

/// The message for a score below the policy's, with zxcvbn's advice when it has some.
pub fn too_weak(strength: &PasswordStrength, policy: &PasswordPolicy) -> Option<String> {
    (strength.score < policy.min_score).then(|| {
        let why = strength
            .feedback
            .as_deref()
            .unwrap_or("Add another word or two; uncommon words are better.");
        format!("This password is too easy to guess. {why}")
    })
}

/// Checks a new password against the policy. `user_inputs` are the account's own details
/// (username, email, display name), which must not make the password easy to guess.
#[cfg(feature = "ssr")]
pub fn new_password(
    password: &str,
    policy: &PasswordPolicy,
    user_inputs: &[&str],
) -> Result<(), String> {
    new_password_length(password, policy)?;
    match too_weak(&password_strength(password, user_inputs), policy) {
        Some(message) => Err(message),
        None => Ok(()),
    }
}

/// The confirmation must repeat the password exactly.
pub fn password_confirmation(password: &str, confirmation: &str) -> Result<(), String> {
    if confirmation.is_empty() {
        return Err("Repeat your password.".into());
    }
    if password != confirmation {
        return Err("The passwords do not match.".into());
    }
    Ok(())
}
/// The password typed at login: present, and not so long that hashing it is a weapon.
pub fn login_password(password: &str, policy: &PasswordPolicy) -> Result<(), String> {
    if password.is_empty() {
        return Err("Enter your password.".into());
    }
    if password.chars().count() > policy.max_length {
        return Err(format!("Use at most {} characters.", policy.max_length));
    }
    Ok(())
}
/// A new password for an existing account: the policy's rules, and not the current one.
#[cfg(feature = "ssr")]
pub fn changed_password(
    current: &str,
    new: &str,
    policy: &PasswordPolicy,
    user_inputs: &[&str],
) -> Result<(), String> {
    new_password(new, policy, user_inputs)?;
    if new == current {
        return Err("Choose a password different from your current one.".into());
    }
    Ok(())
}
