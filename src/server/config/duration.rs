//! Lifetimes in the settings read like `access_ttl = "15m"` ("90s", "24h", "7d", "1h 30m";
//! humantime's units). A bare number still means seconds, as the old `*_seconds`
//! settings did, so existing files and variables keep working.

use serde::{Deserialize, Deserializer, Serializer, de::Error};
use std::time::Duration;

pub fn serialize<S: Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&humantime::format_duration(*value).to_string())
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Seconds(u64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Seconds(n) => Ok(Duration::from_secs(n)),
        Raw::Text(text) => parse(&text).map_err(D::Error::custom),
    }
}

/// "15m", "24h", "0", "3600": a lifetime, or why it is not one.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    humantime::parse_duration(text).map_err(|e| {
        format!("{text:?} is not a duration like \"90s\", \"15m\", \"24h\" or \"7d\" ({e})")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_read_in_units_or_seconds() {
        assert_eq!(parse("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse("3600"), Ok(Duration::from_secs(3600)));
        assert!(parse("soon").unwrap_err().contains("not a duration"));
    }
}
