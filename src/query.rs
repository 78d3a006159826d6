//! Query vocabulary shared by the pages, their server functions and the JSON API, parsed
//! in one place so a value means the same (or is refused the same way) everywhere.

use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// How the admin's account list is ordered.
// serde goes through `FromStr` (one parser); `rename_all` only names the documented values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", try_from = "String", into = "&'static str")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum UserOrder {
    /// Newest accounts first (the default).
    #[default]
    Newest,
    Oldest,
    /// Most recent login first; never-logged-in accounts last.
    LastLogin,
}

impl UserOrder {
    pub const ALL: [Self; 3] = [Self::Newest, Self::Oldest, Self::LastLogin];

    /// The name in URLs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::LastLogin => "last_login",
        }
    }
}

impl FromStr for UserOrder {
    type Err = UnknownValue;

    /// An empty value is the default order; anything else must be one of the names.
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        if s.is_empty() {
            return Ok(Self::default());
        }
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or(UnknownValue {
                expected: "newest, oldest or last_login",
            })
    }
}

impl TryFrom<String> for UserOrder {
    type Error = UnknownValue;
    fn try_from(s: String) -> Result<Self, UnknownValue> {
        s.parse()
    }
}

impl From<UserOrder> for &'static str {
    fn from(order: UserOrder) -> Self {
        order.as_str()
    }
}

impl fmt::Display for UserOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A query value that is not one of the names it may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}")]
pub struct UnknownValue {
    pub expected: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_order_parses_its_names_and_refuses_others() {
        for order in UserOrder::ALL {
            assert_eq!(order.as_str().parse::<UserOrder>(), Ok(order));
        }
        assert_eq!("".parse::<UserOrder>(), Ok(UserOrder::Newest));
        assert!("sideways".parse::<UserOrder>().is_err());
        assert!("Oldest".parse::<UserOrder>().is_err(), "names are exact");
        let json: UserOrder = serde_json::from_str(r#""last_login""#).unwrap();
        assert_eq!(json, UserOrder::LastLogin);
        assert!(serde_json::from_str::<UserOrder>(r#""sideways""#).is_err());
    }
}
