//! Bodies of signup, login, refresh, logout and service tokens.

use super::User;
use crate::server::auth::sessions::IssuedTokens;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct SignupBody {
    /// 3–32 ASCII letters, digits, `.`, `_` or `-`, starting with a letter or digit; some
    /// names are reserved. Unique, whatever the case.
    #[schema(
        example = "ada",
        min_length = 3,
        max_length = 32,
        pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
    )]
    pub username: String,
    /// An email address (at most 254 characters). Unique, whatever the case.
    #[schema(example = "ada@example.com", max_length = 254)]
    pub email: String,
    /// Long and strong enough for the server's password policy (by default at least 8
    /// characters and a zxcvbn score of 3).
    pub password: String,
    /// Optional, at most 64 characters on one line.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub display_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct SignupResponse {
    pub user: User,
    /// True when the address must be verified before the first login (then no tokens).
    pub verification_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    /// Username or email.
    #[schema(min_length = 1, max_length = 254)]
    pub login: String,
    #[schema(min_length = 1)]
    pub password: String,
}

/// The OAuth 2.0 password grant (RFC 6749 §4.3), for tools that speak it.
#[derive(Deserialize, ToSchema)]
pub struct TokenForm {
    /// `password` when given.
    pub grant_type: Option<String>,
    /// Username or email.
    pub username: Option<String>,
    pub password: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct RefreshBody {
    pub refresh_token: String,
}

/// Tokens for an API client: the refresh token is in the body (no cookie jar).
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
}

impl TokenResponse {
    pub fn new(tokens: IssuedTokens, user: Option<User>) -> Self {
        Self {
            expires_in: tokens.access_expires_at - tokens.issued_at,
            access_token: tokens.access_token,
            token_type: "Bearer",
            refresh_token: tokens.refresh_token,
            user,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Ended {
    pub sessions_ended: u64,
}

#[derive(Deserialize, ToSchema)]
pub struct ServiceTokenBody {
    /// One of the configured `tokens.service_audiences`.
    pub audience: String,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceToken {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
    pub audience: String,
}
