//! The wire types of `/api/v1`: every request and response body, apart from the pages'
//! view models (`crate::model`), so the API can keep its contract while pages change their
//! wording. Times are RFC 3339 strings and ids plain ids; request types document the rules
//! that `crate::validate` enforces (the server still checks them there, once).

mod account;
mod auth;
mod email;
mod error;
mod mfa;
mod users;

pub use account::*;
pub use auth::*;
pub use email::*;
pub use error::*;
pub use mfa::*;
pub use users::*;

use serde::Serialize;
use utoipa::ToSchema;

/// One page of a list, the same shape for every paged list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items match, on every page together.
    pub total: i64,
    /// This page's number, from 1 (a page past the end answers the last one).
    pub page: i64,
    /// How many pages there are (at least 1).
    pub pages: i64,
    /// Items per page.
    pub per_page: i64,
}

/// A stored time (Unix seconds) as RFC 3339, e.g. `2026-11-25T16:14:00Z`.
pub fn timestamp(unix_seconds: i64) -> String {
    use time::{OffsetDateTime, format_description::well_known::Rfc3339};
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        // Out of range only for a corrupt row; the epoch is obviously wrong, not a guess.
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

#[cfg(test)]
mod tests {
    use crate::validate;
    use utoipa::PartialSchema;

    /// The limits written in the schemas are the ones `validate` enforces.
    #[test]
    fn documented_limits_match_the_rules() {
        let limit = |schema: serde_json::Value, field: &str, key: &str| {
            let property = &schema["properties"][field];
            property[key]
                .as_u64()
                .or_else(|| {
                    // Optional fields are `oneOf: [null, the string]`.
                    property["oneOf"]
                        .as_array()?
                        .iter()
                        .find_map(|s| s[key].as_u64())
                })
                .unwrap_or_else(|| panic!("{field}.{key} in {schema}")) as usize
        };
        let signup = serde_json::to_value(super::SignupBody::schema()).unwrap();
        assert_eq!(
            limit(signup.clone(), "username", "minLength"),
            validate::USERNAME_MIN
        );
        assert_eq!(
            limit(signup.clone(), "username", "maxLength"),
            validate::USERNAME_MAX
        );
        assert_eq!(
            limit(signup.clone(), "email", "maxLength"),
            validate::EMAIL_MAX
        );
        assert_eq!(
            limit(signup, "display_name", "maxLength"),
            validate::DISPLAY_NAME_MAX
        );
        let login = serde_json::to_value(super::LoginBody::schema()).unwrap();
        assert_eq!(limit(login, "login", "maxLength"), validate::LOGIN_MAX);
        let patch = serde_json::to_value(super::ProfilePatch::schema()).unwrap();
        assert_eq!(
            limit(patch.clone(), "display_name", "maxLength"),
            validate::DISPLAY_NAME_MAX
        );
        assert_eq!(limit(patch.clone(), "bio", "maxLength"), validate::BIO_MAX);
        assert_eq!(
            limit(patch, "avatar_url", "maxLength"),
            validate::AVATAR_URL_MAX
        );
    }

    #[test]
    fn timestamps_are_rfc3339_in_utc() {
        assert_eq!(super::timestamp(1_764_087_240), "2025-11-25T16:14:00Z");
        assert_eq!(super::timestamp(0), "1970-01-01T00:00:00Z");
    }
}
