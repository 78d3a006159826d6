//! What an account may do.

use serde::{Deserialize, Serialize};

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumIter,
)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
// Read as a string and parsed by name: serde's enum reader, which also takes the
// `{"admin": null}` form nobody sends, was 0.5 KiB gzip of the first visit's wasm.
#[serde(rename_all = "lowercase", try_from = "String")]
#[strum(serialize_all = "lowercase")]
pub enum Role {
    #[default]
    User,
    Admin,
}

impl TryFrom<String> for Role {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        name.parse()
            .map_err(|_| format!("unknown role `{name}`, expected `user` or `admin`"))
    }
}

impl Role {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn is_admin(self) -> bool {
        self == Self::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_and_write_as_the_store_keeps_them() {
        assert_eq!("admin".parse::<Role>().unwrap(), Role::Admin);
        assert_eq!(Role::User.as_str(), "user");
        assert!("root".parse::<Role>().is_err());
        assert_eq!(serde_json::to_string(&Role::Admin).unwrap(), r#""admin""#);
        assert_eq!(
            serde_json::from_str::<Role>(r#""admin""#).unwrap(),
            Role::Admin
        );
        assert_eq!(
            serde_json::from_str::<Role>(r#""user""#).unwrap(),
            Role::User
        );
        assert!(serde_json::from_str::<Role>(r#""Admin""#).is_err());
        assert!(serde_json::from_str::<Role>(r#""root""#).is_err());
    }
}
