//! The settings' old spellings, read under their new names: lifetimes were counts of
//! seconds (`access_ttl_seconds = 900`) and are durations now (`access_ttl = "15m"`).
//! Renaming happens per source, before sources are merged, so an old name in the
//! environment still overrides a new one in the file (and never collides with it).

use figment::{
    Error, Metadata, Profile, Provider,
    value::{Dict, Map, Value},
};

/// Old key → new key, by section. A bare number still means seconds.
const RENAMED: &[(&str, &str, &str)] = &[
    ("tokens", "access_ttl_seconds", "access_ttl"),
    ("tokens", "refresh_ttl_seconds", "refresh_ttl"),
    ("tokens", "session_max_age_seconds", "session_max_age"),
    (
        "tokens",
        "refresh_reuse_grace_seconds",
        "refresh_reuse_grace",
    ),
    ("accounts", "verify_email_ttl_seconds", "verify_email_ttl"),
    (
        "accounts",
        "reset_password_ttl_seconds",
        "reset_password_ttl",
    ),
    (
        "accounts",
        "email_resend_interval_seconds",
        "email_resend_interval",
    ),
    ("mail", "retry_base_seconds", "retry_base"),
    ("mail", "timeout_seconds", "timeout"),
];

/// An environment key (`TOKENS.ACCESS_TTL_SECONDS`, any case) under its new name.
pub fn env_key(key: &str) -> String {
    RENAMED
        .iter()
        .find(|(section, old, _)| key.eq_ignore_ascii_case(&format!("{section}.{old}")))
        .map(|(section, _, new)| format!("{section}.{new}"))
        .unwrap_or_else(|| key.to_string())
}

/// A settings source (the file) with its old keys renamed.
pub struct Renamed<P>(pub P);

impl<P: Provider> Provider for Renamed<P> {
    fn metadata(&self) -> Metadata {
        self.0.metadata()
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        let mut data = self.0.data()?;
        for dict in data.values_mut() {
            rename(dict);
        }
        Ok(data)
    }
}

fn rename(dict: &mut Dict) {
    for (section, old, new) in RENAMED {
        if let Some(Value::Dict(_, keys)) = dict.get_mut(*section)
            && let Some(value) = keys.remove(*old)
        {
            // The new name wins if a file has both.
            keys.entry(new.to_string()).or_insert(value);
        }
    }
    // Days, as the old name said: "400d".
    if let Some(Value::Dict(_, keys)) = dict.get_mut("accounts")
        && let Some(days) = keys.remove("audit_retention_days")
    {
        let days = days.to_i128().unwrap_or_default();
        keys.entry("audit_retention".into())
            .or_insert_with(|| Value::from(format!("{days}d")));
    }
}
