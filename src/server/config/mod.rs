//! Settings: built-in defaults, then `Leptos.toml`, then `GATEHOUSE_*` environment
//! variables (and `DATABASE_URL`), checked once at start-up. Secrets are not settings:
//! they come only from the environment (or `.env`), see [`super::keys`].
//!
//! `sections` holds one struct per `[section]` of the file with its defaults beside it,
//! `providers` the sign-in provider settings and the presets of known providers,
//! `secrets` the type that keeps secret values out of logs.

mod duration;
mod fleet;
mod legacy;
mod providers;
mod secrets;
mod sections;

pub use fleet::{LogFormat, OperationsSettings, RedisSettings};
pub use providers::{OAuthProviderSettings, ProviderKind, oauth_secret_env};
pub use secrets::Secrets;
pub use sections::{
    AccountSettings, CookieSettings, DatabaseSettings, MailSettings, MailTls, PasswordSettings,
    SameSite, ServerSettings, SignupTakenEmail, TokenSettings,
};

use crate::model::PasswordPolicy;
use anyhow::{Context, bail, ensure};
use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use url::Url;

/// The settings file read when `GATEHOUSE_CONFIG` does not name another.
pub const DEFAULT_CONFIG_FILE: &str = "Leptos.toml";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Runs with no configuration: keeps its own secrets under `data/`.
    #[default]
    Development,
    /// Refuses to start without proper secrets and an https public URL.
    Production,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub mode: Mode,
    pub product_name: String,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub tokens: TokenSettings,
    pub cookies: CookieSettings,
    pub passwords: PasswordSettings,
    pub accounts: AccountSettings,
    pub mail: MailSettings,
    pub redis: RedisSettings,
    pub operations: OperationsSettings,
    /// Sign-in providers by name (`google`, `github`, or any other name for a generic
    /// OpenID Connect / OAuth 2.0 provider).
    pub oauth: BTreeMap<String, OAuthProviderSettings>,
    /// Client secrets of the providers, by provider name. Never from the settings file:
    /// [`Settings::load`] reads them from `GATEHOUSE_OAUTH_<NAME>_CLIENT_SECRET`.
    #[serde(skip)]
    pub oauth_secrets: Secrets,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mode: Mode::Development,
            product_name: "Gatehouse".into(),
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            tokens: TokenSettings::default(),
            cookies: CookieSettings::default(),
            passwords: PasswordSettings::default(),
            accounts: AccountSettings::default(),
            mail: MailSettings::default(),
            redis: RedisSettings::default(),
            operations: OperationsSettings::default(),
            oauth: BTreeMap::new(),
            oauth_secrets: Secrets::default(),
        }
    }
}

impl Settings {
    /// Loads defaults, the settings file (if present) and the environment, then checks them.
    /// `GATEHOUSE_SERVER__PUBLIC_URL=...` overrides `[server] public_url`, and so on.
    pub fn load() -> anyhow::Result<Self> {
        let file = std::env::var("GATEHOUSE_CONFIG").unwrap_or_else(|_| DEFAULT_CONFIG_FILE.into());
        let mut settings = Self::figment(&file)
            .extract::<Settings>()
            .with_context(|| format!("reading settings from {file} and GATEHOUSE_* variables"))?;
        for name in settings.oauth.keys() {
            if let Ok(secret) = std::env::var(oauth_secret_env(name)) {
                settings.oauth_secrets.insert(name.clone(), secret);
            }
        }
        settings.finish()
    }

    fn figment(file: &str) -> Figment {
        // Every section has `#[serde(default)]`, so no layer of defaults is needed.
        Figment::from(legacy::Renamed(Toml::file(file)))
            .merge(
                // Settings only: GATEHOUSE_CONFIG, GATEHOUSE_LOG and the secrets share the prefix.
                Env::prefixed("GATEHOUSE_")
                    .filter(|key| {
                        let key = key.as_str().to_ascii_lowercase();
                        key.contains("__") || key == "mode" || key == "product_name"
                    })
                    .split("__")
                    .map(|key| legacy::env_key(key.as_str()).into()),
            )
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database.url".into()),
            )
            .merge(Env::raw().only(&["REDIS_URL"]).map(|_| "redis.url".into()))
    }

    /// Fills derived defaults and refuses settings that cannot work or are unsafe.
    pub fn finish(mut self) -> anyhow::Result<Self> {
        let public = Url::parse(&self.server.public_url).with_context(|| {
            format!(
                "server.public_url {:?} is not a URL",
                self.server.public_url
            )
        })?;
        ensure!(
            matches!(public.scheme(), "http" | "https") && public.host_str().is_some(),
            "server.public_url must be an http(s) URL with a host, got {:?}",
            self.server.public_url
        );
        // One canonical spelling: scheme://host[:port], no trailing slash.
        self.server.public_url = public.origin().ascii_serialization();
        for origin in &self.server.cors_origins {
            let parsed = Url::parse(origin).ok().filter(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.origin().ascii_serialization() == *origin
            });
            ensure!(
                parsed.is_some(),
                "server.cors_origins holds {origin:?}; write origins like \"https://app.example.com\" (scheme and host, no path or trailing slash)"
            );
        }
        if self.tokens.issuer.is_empty() {
            self.tokens.issuer = self.server.public_url.clone();
        }
        if self.database.url.is_empty() {
            self.database.url = format!(
                "sqlite://{}",
                self.server.data_dir.join("gatehouse.db").display()
            );
        }
        ensure!(
            self.database.url.starts_with("sqlite:")
                || self.database.url.starts_with("postgres://")
                || self.database.url.starts_with("postgresql://"),
            "database.url must start with sqlite: or postgres://"
        );
        ensure!(
            self.redis.url.is_empty()
                || self.redis.url.starts_with("redis://")
                || self.redis.url.starts_with("rediss://")
                || self.redis.url.starts_with("unix://"),
            "redis.url must start with redis://, rediss:// or unix://"
        );
        ensure!(
            self.database.max_connections >= 1,
            "database.max_connections must be at least 1"
        );

        let t = &self.tokens;
        let secs = |d: std::time::Duration| d.as_secs();
        ensure!(
            (1..=24 * 3600).contains(&secs(t.access_ttl)),
            "tokens.access_ttl must be between 1s and 24h"
        );
        ensure!(
            t.refresh_ttl >= t.access_ttl,
            "tokens.refresh_ttl must be at least tokens.access_ttl"
        );
        ensure!(
            t.session_max_age >= t.refresh_ttl,
            "tokens.session_max_age must be at least tokens.refresh_ttl"
        );
        ensure!(
            secs(t.refresh_reuse_grace) <= 300,
            "tokens.refresh_reuse_grace must be at most 5m"
        );
        ensure!(!t.audience.is_empty(), "tokens.audience must not be empty");
        ensure!(
            t.service_audiences
                .iter()
                .all(|a| !a.is_empty() && *a != t.audience),
            "tokens.service_audiences must be non-empty and differ from tokens.audience"
        );
        ensure!(
            !self.cookies.name_prefix.is_empty()
                && self
                    .cookies
                    .name_prefix
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
            "cookies.name_prefix must be letters, digits, '-' or '_'"
        );

        let p = &self.passwords;
        ensure!(p.min_length >= 8, "passwords.min_length must be at least 8");
        ensure!(
            p.max_length >= p.min_length && p.max_length <= 1024,
            "passwords.max_length must be between min_length and 1024"
        );
        ensure!(
            p.min_strength <= 4,
            "passwords.min_strength is a zxcvbn score from 0 to 4"
        );
        ensure!(
            p.argon2_memory_kib >= 19_456 && p.argon2_iterations >= 2 && p.argon2_parallelism >= 1,
            "argon2 parameters are below the OWASP minimum (memory 19456 KiB, 2 iterations, parallelism 1)"
        );
        if p.breach_check {
            ensure!(
                Url::parse(&p.breach_api_url)
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host()),
                "passwords.breach_api_url {:?} is not an http(s) URL",
                p.breach_api_url
            );
            ensure!(
                (1..=30_000).contains(&p.breach_timeout.as_millis()),
                "passwords.breach_timeout must be between 1ms and 30s"
            );
        }

        if let Some(days) = self.accounts.audit_retention_days.take() {
            self.accounts.audit_retention = std::time::Duration::from_secs(days * 86_400);
        }
        let a = &self.accounts;
        ensure!(
            (300..=7 * 24 * 3600).contains(&secs(a.verify_email_ttl)),
            "accounts.verify_email_ttl must be between 5m and 7d"
        );
        ensure!(
            (300..=24 * 3600).contains(&secs(a.reset_password_ttl)),
            "accounts.reset_password_ttl must be between 5m and 24h"
        );
        ensure!(
            (60..=24 * 3600).contains(&secs(a.sign_in_link_ttl)),
            "accounts.sign_in_link_ttl must be between 1m and 24h"
        );
        let m = &self.mail;
        ensure!(m.max_attempts >= 1, "mail.max_attempts must be at least 1");
        ensure!(
            secs(m.retry_base) >= 1,
            "mail.retry_base must be at least 1s"
        );
        ensure!(secs(m.timeout) >= 1, "mail.timeout must be at least 1s");
        ensure!(
            m.from.parse::<lettre::message::Mailbox>().is_ok(),
            "mail.from {:?} is not an address like `Gatehouse <no-reply@example.com>`",
            m.from
        );

        for (name, provider) in &mut self.oauth {
            provider.finish(name)?;
            ensure!(
                self.oauth_secrets.get(name).is_some_and(|s| !s.is_empty()),
                "oauth provider {name:?} is configured but {} is not set",
                oauth_secret_env(name)
            );
        }

        self.server.trusted_proxy_nets = self
            .server
            .trusted_proxies
            .iter()
            .map(|cidr| {
                cidr.parse::<ipnet::IpNet>()
                    .or_else(|_| cidr.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .with_context(|| {
                        format!(
                            "server.trusted_proxies holds {cidr:?}; write CIDRs like \"10.0.0.0/8\""
                        )
                    })
            })
            .collect::<anyhow::Result<_>>()?;
        if self.mode == Mode::Production && public.scheme() != "https" {
            bail!(
                "production mode needs an https public URL (server.public_url is {}); \
                 put Gatehouse behind TLS or run in development mode",
                self.server.public_url
            );
        }
        if self.mode == Mode::Production {
            ensure!(
                !self.server.trust_forwarded_for || !self.server.trusted_proxies.is_empty(),
                "server.trust_forwarded_for is on but server.trusted_proxies is empty: anyone could \
                 choose their own address; list your proxies' CIDRs"
            );
            ensure!(
                !self.mail.smtp_host.is_empty(),
                "production mode needs an SMTP server (mail.smtp_host): without one, mail with live \
                 links would be written to disk"
            );
            let loopback = matches!(
                self.mail.smtp_host.as_str(),
                "localhost" | "127.0.0.1" | "::1"
            );
            ensure!(
                self.mail.tls != MailTls::None || loopback,
                "mail.tls = \"none\" sends passwords and links in clear text; use it only for a relay on localhost"
            );
            for (name, provider) in &self.oauth {
                let urls = if provider.discovers() {
                    vec![&provider.issuer]
                } else {
                    vec![
                        &provider.authorize_url,
                        &provider.token_url,
                        &provider.userinfo_url,
                    ]
                };
                for url in urls {
                    ensure!(
                        url.starts_with("https://"),
                        "oauth.{name} endpoint {url} is not https; production needs https endpoints"
                    );
                }
            }
        }
        Ok(self)
    }

    /// Cookies are `Secure` (and `__Host-` prefixed) whenever people reach us over https.
    pub fn secure_cookies(&self) -> bool {
        self.server.public_url.starts_with("https://")
    }

    pub fn password_policy(&self) -> PasswordPolicy {
        PasswordPolicy {
            min_length: self.passwords.min_length,
            max_length: self.passwords.max_length,
            min_score: self.passwords.min_strength,
        }
    }

    /// Whether signup says "that address has an account" (see `signup_taken_email`).
    pub fn reveals_taken_email(&self) -> bool {
        // Without verification a new account logs straight in, which a taken address
        // cannot imitate: hiding only works when every signup waits for the link.
        if !self.accounts.require_verified_email {
            return true;
        }
        match self.accounts.signup_taken_email {
            Some(mode) => mode == SignupTakenEmail::Explicit,
            None => !self.is_production(),
        }
    }

    /// Whether an admin needs a second factor to use the admin pages and API.
    pub fn admins_need_mfa(&self) -> bool {
        self.accounts
            .require_mfa_for_admins
            .unwrap_or(self.is_production())
    }

    pub fn is_production(&self) -> bool {
        self.mode == Mode::Production
    }
}

#[cfg(test)]
mod tests;
