//! Bodies of the emailed-link endpoints (verification, password reset).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A plain confirmation for people.
#[derive(Serialize, ToSchema)]
pub struct Message {
    pub detail: String,
}

impl Message {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            detail: text.into(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct TokenBody {
    /// The token from the emailed link.
    #[schema(min_length = 1)]
    pub token: String,
}

#[derive(Deserialize, ToSchema)]
pub struct LoginOnly {
    /// Username or email.
    #[schema(min_length = 1, max_length = 254)]
    pub login: String,
}

#[derive(Deserialize, ToSchema)]
pub struct EmailOnly {
    /// An email address, at most 254 characters.
    #[schema(example = "ada@example.com", min_length = 1, max_length = 254)]
    pub email: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ResetBody {
    /// The token from the emailed reset link.
    #[schema(min_length = 1)]
    pub token: String,
    /// Long and strong enough for the server's password policy.
    pub new_password: String,
}
