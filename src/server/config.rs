//! Settings: built-in defaults, then `Leptos.toml`, then `GATEHOUSE_*` environment
//! variables (and `DATABASE_URL`), checked once at start-up. Secrets are not settings:
//! they come only from the environment (or `.env`), see [`super::keys`].

use crate::model::PasswordPolicy;
use anyhow::{Context, bail, ensure};
use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, net::SocketAddr, path::PathBuf, str::FromStr};
use url::Url;

/// The environment variable holding a provider's client secret.
pub fn oauth_secret_env(provider: &str) -> String {
    format!(
        "GATEHOUSE_OAUTH_{}_CLIENT_SECRET",
        provider.to_ascii_uppercase().replace('-', "_")
    )
}

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
    /// Sign-in providers by name (`google`, `github`, or any other name for a generic
    /// OpenID Connect / OAuth 2.0 provider).
    pub oauth: BTreeMap<String, OAuthProviderSettings>,
    /// Client secrets of the providers, by provider name. Never from the settings file:
    /// [`Settings::load`] reads them from `GATEHOUSE_OAUTH_<NAME>_CLIENT_SECRET`.
    #[serde(skip)]
    pub oauth_secrets: Secrets,
}

/// Secrets by name. `Debug` names them and never prints a value.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets(BTreeMap<String, String>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, "[redacted]")))
            .finish()
    }
}

impl std::ops::Deref for Secrets {
    type Target = BTreeMap<String, String>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Secrets {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Google,
    Github,
    /// Any OpenID Connect provider: standard claims from its userinfo endpoint.
    Oidc,
    /// Any OAuth 2.0 provider with a JSON profile endpoint; say which fields to read.
    Oauth2,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OAuthProviderSettings {
    /// Defaults to the provider's name when that is `google` or `github`, else `oidc`.
    pub kind: Option<ProviderKind>,
    /// Shown on buttons ("Continue with ..."); defaults from the kind or the name.
    pub display_name: String,
    pub client_id: String,
    /// Endpoints; Google's and GitHub's are known, generic providers must give them.
    pub authorize_url: String,
    pub token_url: String,
    pub userinfo_url: String,
    /// GitHub only: where the (verified) addresses are listed.
    pub emails_url: String,
    pub scopes: Vec<String>,
    /// Where the profile JSON keeps each value (generic providers).
    pub subject_field: String,
    pub email_field: String,
    pub email_verified_field: String,
    pub name_field: String,
    pub avatar_field: String,
    pub login_field: String,
}

impl OAuthProviderSettings {
    pub fn kind(&self) -> ProviderKind {
        self.kind.unwrap_or(ProviderKind::Oidc)
    }

    /// Fills what the kind implies and checks the rest.
    fn finish(&mut self, name: &str) -> anyhow::Result<()> {
        ensure!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "oauth provider names are lower-case letters, digits and '-', got {name:?}"
        );
        let kind = *self.kind.get_or_insert(match name {
            "google" => ProviderKind::Google,
            "github" => ProviderKind::Github,
            _ => ProviderKind::Oidc,
        });
        let fill = |field: &mut String, value: &str| {
            if field.is_empty() {
                *field = value.to_string();
            }
        };
        let (display, authorize, token, userinfo, emails, scopes): (
            &str,
            &str,
            &str,
            &str,
            &str,
            &[&str],
        ) = match kind {
            ProviderKind::Google => (
                "Google",
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
                "https://openidconnect.googleapis.com/v1/userinfo",
                "",
                &["openid", "email", "profile"],
            ),
            ProviderKind::Github => (
                "GitHub",
                "https://github.com/login/oauth/authorize",
                "https://github.com/login/oauth/access_token",
                "https://api.github.com/user",
                "https://api.github.com/user/emails",
                &["read:user", "user:email"],
            ),
            ProviderKind::Oidc | ProviderKind::Oauth2 => {
                ("", "", "", "", "", &["openid", "email", "profile"])
            }
        };
        fill(
            &mut self.display_name,
            if display.is_empty() { name } else { display },
        );
        fill(&mut self.authorize_url, authorize);
        fill(&mut self.token_url, token);
        fill(&mut self.userinfo_url, userinfo);
        fill(&mut self.emails_url, emails);
        if self.scopes.is_empty() {
            self.scopes = scopes.iter().map(|s| s.to_string()).collect();
        }
        let github = kind == ProviderKind::Github;
        fill(&mut self.subject_field, if github { "id" } else { "sub" });
        fill(&mut self.email_field, "email");
        fill(&mut self.email_verified_field, "email_verified");
        fill(&mut self.name_field, "name");
        fill(
            &mut self.avatar_field,
            if github { "avatar_url" } else { "picture" },
        );
        fill(
            &mut self.login_field,
            if github {
                "login"
            } else {
                "preferred_username"
            },
        );
        ensure!(
            !self.client_id.is_empty(),
            "oauth.{name}.client_id is missing"
        );
        for (key, value) in [
            ("authorize_url", &self.authorize_url),
            ("token_url", &self.token_url),
            ("userinfo_url", &self.userinfo_url),
        ] {
            let url = Url::parse(value)
                .with_context(|| format!("oauth.{name}.{key} must be a URL, got {value:?}"))?;
            ensure!(
                matches!(url.scheme(), "http" | "https"),
                "oauth.{name}.{key} must be an http(s) URL"
            );
        }
        Ok(())
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountSettings {
    /// Accounts must follow the emailed link before they can log in.
    pub require_verified_email: bool,
    pub verify_email_ttl_seconds: u64,
    pub reset_password_ttl_seconds: u64,
    /// At most one verification or reset mail per address in this many seconds.
    pub email_resend_interval_seconds: u64,
    /// Failed password checks an account may have before each further try must wait a
    /// growing delay (1 s, 2 s, 4 s … up to a minute); 0 turns delays off.
    pub failed_logins_before_delay: u32,
    /// Login attempts per client address (IPv6: per /64) per minute; 0 = no limit.
    pub login_attempts_per_ip_per_minute: u32,
    /// Other requests that compute a password hash (signup, change password, connecting
    /// a provider, deleting the account) per client address per minute; 0 = no limit.
    pub hashes_per_ip_per_minute: u32,
    /// Requests that may send mail (forgot password, resend verification, change email)
    /// per client address per minute; 0 = no limit.
    pub mails_per_ip_per_minute: u32,
    /// Signup with a taken address: `hidden` answers exactly as for a new address and
    /// mails the owner instead; `explicit` says "already exists" (closed deployments).
    /// Unset: `hidden` in production, `explicit` in development.
    pub signup_taken_email: Option<SignupTakenEmail>,
    /// Audit events older than this many days are deleted (0 keeps them forever).
    pub audit_retention_days: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignupTakenEmail {
    Hidden,
    Explicit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTls {
    /// Plain SMTP (a relay on localhost only).
    None,
    /// SMTP upgraded with STARTTLS (usually port 587).
    Starttls,
    /// SMTP over TLS from the start (usually port 465).
    Tls,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    /// SMTP server; empty writes every message to `data_dir/outbox/*.eml` instead.
    pub smtp_host: String,
    pub smtp_port: u16,
    pub tls: MailTls,
    /// Sender, e.g. `Gatehouse <no-reply@example.com>`.
    pub from: String,
    /// Tries before a message is marked failed.
    pub max_attempts: u32,
    /// First retry delay; it doubles with each failure (capped at an hour).
    pub retry_base_seconds: u64,
    pub timeout_seconds: u64,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            require_verified_email: true,
            verify_email_ttl_seconds: 24 * 3600,
            reset_password_ttl_seconds: 3600,
            email_resend_interval_seconds: 60,
            failed_logins_before_delay: 5,
            login_attempts_per_ip_per_minute: 60,
            hashes_per_ip_per_minute: 30,
            mails_per_ip_per_minute: 10,
            signup_taken_email: None,
            audit_retention_days: 400,
        }
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_host: String::new(),
            smtp_port: 587,
            tls: MailTls::Starttls,
            from: "Gatehouse <no-reply@localhost>".into(),
            max_attempts: 8,
            retry_base_seconds: 10,
            timeout_seconds: 15,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address to listen on.
    pub address: SocketAddr,
    /// The URL people reach Gatehouse at; links, cookie security and the CSRF origin check
    /// derive from it.
    pub public_url: String,
    /// Where development secrets and the default SQLite database live.
    pub data_dir: PathBuf,
    /// Where the built site (wasm, JS, CSS) is; cargo-leptos's `LEPTOS_SITE_ROOT` wins.
    pub site_root: PathBuf,
    /// Take the client IP from `X-Forwarded-For` (only behind a proxy you run).
    pub trust_forwarded_for: bool,
    /// The proxies (CIDRs) allowed to set `X-Forwarded-For`: the client is the right-most
    /// address in it that is not one of these. Required with `trust_forwarded_for` in
    /// production.
    pub trusted_proxies: Vec<String>,
    /// `trusted_proxies`, parsed.
    #[serde(skip)]
    pub trusted_proxy_nets: Vec<ipnet::IpNet>,
    /// Web origins (`https://app.example.com`) whose pages may call the JSON API with a
    /// bearer token. Empty: none (same-origin and non-browser clients only).
    pub cors_origins: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`. Empty: `data_dir/gatehouse.db`.
    pub url: String,
    pub max_connections: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenSettings {
    /// `iss` claim; empty means the public URL.
    pub issuer: String,
    /// `aud` claim of access tokens: Gatehouse's own API accepts only this audience.
    pub audience: String,
    /// Other services a signed-in client may get an access token for
    /// (`POST /api/v1/auth/service-token`); such tokens verify with the JWKS but are
    /// refused by Gatehouse's own API, admin endpoints included.
    pub service_audiences: Vec<String>,
    pub access_ttl_seconds: u64,
    /// Idle lifetime of a session: each refresh extends it by this much.
    pub refresh_ttl_seconds: u64,
    /// Absolute lifetime of a session, however active.
    pub session_max_age_seconds: u64,
    /// How long an already-rotated refresh token still works (two tabs refreshing at once).
    pub refresh_reuse_grace_seconds: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SameSite {
    Lax,
    Strict,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CookieSettings {
    pub same_site: SameSite,
    /// Base of the cookie names; `__Host-` is prefixed when the public URL is https.
    pub name_prefix: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordSettings {
    pub min_length: usize,
    pub max_length: usize,
    /// Minimum zxcvbn score (0–4) for a new password.
    pub min_strength: u8,
    /// argon2id memory cost in KiB (OWASP: 19456 or more).
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    /// How many hashes may run at once; 0 means one per CPU core.
    pub max_concurrent_hashes: usize,
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
            oauth: BTreeMap::new(),
            oauth_secrets: Secrets::default(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            address: ([127, 0, 0, 1], 3000).into(),
            public_url: "http://127.0.0.1:3000".into(),
            data_dir: "data".into(),
            site_root: "target/site".into(),
            trust_forwarded_for: false,
            trusted_proxies: Vec::new(),
            trusted_proxy_nets: Vec::new(),
            cors_origins: Vec::new(),
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            max_connections: 10,
        }
    }
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            issuer: String::new(),
            audience: "gatehouse".into(),
            service_audiences: Vec::new(),
            access_ttl_seconds: 15 * 60,
            refresh_ttl_seconds: 7 * 24 * 3600,
            session_max_age_seconds: 30 * 24 * 3600,
            refresh_reuse_grace_seconds: 30,
        }
    }
}

impl Default for CookieSettings {
    fn default() -> Self {
        Self {
            same_site: SameSite::Lax,
            name_prefix: "gatehouse".into(),
        }
    }
}

impl Default for PasswordSettings {
    fn default() -> Self {
        let policy = PasswordPolicy::default();
        Self {
            min_length: policy.min_length,
            max_length: policy.max_length,
            min_strength: policy.min_score,
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            max_concurrent_hashes: 0,
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
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(
                // Settings only: GATEHOUSE_CONFIG, GATEHOUSE_LOG and the secrets share the prefix.
                Env::prefixed("GATEHOUSE_")
                    .filter(|key| {
                        let key = key.as_str().to_ascii_lowercase();
                        key.contains("__") || key == "mode" || key == "product_name"
                    })
                    .split("__"),
            )
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database.url".into()),
            )
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
            self.database.max_connections >= 1,
            "database.max_connections must be at least 1"
        );

        let t = &self.tokens;
        ensure!(
            (1..=24 * 3600).contains(&t.access_ttl_seconds),
            "tokens.access_ttl_seconds must be between 1 and 86400"
        );
        ensure!(
            t.refresh_ttl_seconds >= t.access_ttl_seconds,
            "tokens.refresh_ttl_seconds must be at least the access lifetime"
        );
        ensure!(
            t.session_max_age_seconds >= t.refresh_ttl_seconds,
            "tokens.session_max_age_seconds must be at least tokens.refresh_ttl_seconds"
        );
        ensure!(
            t.refresh_reuse_grace_seconds <= 300,
            "tokens.refresh_reuse_grace_seconds must be at most 300"
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

        let a = &self.accounts;
        ensure!(
            (300..=7 * 24 * 3600).contains(&a.verify_email_ttl_seconds),
            "accounts.verify_email_ttl_seconds must be between 300 and 604800"
        );
        ensure!(
            (300..=24 * 3600).contains(&a.reset_password_ttl_seconds),
            "accounts.reset_password_ttl_seconds must be between 300 and 86400"
        );
        let m = &self.mail;
        ensure!(m.max_attempts >= 1, "mail.max_attempts must be at least 1");
        ensure!(
            m.retry_base_seconds >= 1,
            "mail.retry_base_seconds must be at least 1"
        );
        ensure!(
            m.timeout_seconds >= 1,
            "mail.timeout_seconds must be at least 1"
        );
        ensure!(
            lettre::message::Mailbox::from_str(&m.from).is_ok(),
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
                for url in [
                    &provider.authorize_url,
                    &provider.token_url,
                    &provider.userinfo_url,
                ] {
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

    pub fn is_production(&self) -> bool {
        self.mode == Mode::Production
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_run_with_no_configuration() {
        let s = Settings::default().finish().unwrap();
        assert_eq!(s.tokens.issuer, "http://127.0.0.1:3000");
        assert_eq!(s.database.url, "sqlite://data/gatehouse.db");
        assert_eq!(s.tokens.access_ttl_seconds, 900);
        assert!(!s.secure_cookies());
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API, not ours
    fn environment_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("Leptos.toml", "[server]\npublic_url = \"https://file.example\"\n[tokens]\naccess_ttl_seconds = 60\n")?;
            jail.set_env("GATEHOUSE_TOKENS__ACCESS_TTL_SECONDS", "2");
            jail.set_env("DATABASE_URL", "postgres://db.example/gh");
            jail.set_env("GATEHOUSE_MODE", "production");
            jail.set_env("GATEHOUSE_MAIL__SMTP_HOST", "smtp.example");
            // Variables that share the prefix but are not settings are left alone.
            jail.set_env("GATEHOUSE_JWT_PRIVATE_KEY", "secret");
            jail.set_env("GATEHOUSE_LOG", "debug");
            let s: Settings = Settings::figment("Leptos.toml").extract()?;
            let s = s.finish().unwrap();
            assert_eq!(s.server.public_url, "https://file.example");
            assert_eq!(s.tokens.access_ttl_seconds, 2);
            assert_eq!(s.database.url, "postgres://db.example/gh");
            assert!(s.secure_cookies());
            assert!(s.is_production());
            Ok(())
        });
    }

    #[test]
    fn oauth_providers_get_their_known_endpoints_and_need_a_secret() {
        let mut s = Settings::default();
        s.oauth.insert(
            "github".into(),
            OAuthProviderSettings {
                client_id: "abc".into(),
                ..Default::default()
            },
        );
        let err = s.clone().finish().unwrap_err().to_string();
        assert!(
            err.contains("GATEHOUSE_OAUTH_GITHUB_CLIENT_SECRET"),
            "{err}"
        );
        s.oauth_secrets.insert("github".into(), "shh".into());
        let s = s.finish().unwrap();
        let github = &s.oauth["github"];
        assert_eq!(github.kind(), ProviderKind::Github);
        assert_eq!(github.display_name, "GitHub");
        assert_eq!(github.emails_url, "https://api.github.com/user/emails");
        assert_eq!(github.subject_field, "id");

        let mut s = Settings::default();
        s.oauth.insert(
            "corp-sso".into(),
            OAuthProviderSettings {
                client_id: "x".into(),
                ..Default::default()
            },
        );
        s.oauth_secrets.insert("corp-sso".into(), "y".into());
        assert!(
            s.finish()
                .unwrap_err()
                .to_string()
                .contains("oauth.corp-sso.authorize_url"),
            "generic providers need endpoints"
        );
    }

    #[test]
    fn debug_never_prints_a_secret() {
        let mut s = Settings::default();
        s.oauth_secrets
            .insert("github".into(), "very-secret-value".into());
        let printed = format!("{s:?}");
        assert!(!printed.contains("very-secret-value"), "{printed}");
        assert!(printed.contains("github"));
    }

    #[test]
    fn production_refuses_unsafe_mail_proxies_and_providers() {
        let prod = || {
            let mut s = Settings {
                mode: Mode::Production,
                ..Settings::default()
            };
            s.server.public_url = "https://id.example".into();
            s.mail.smtp_host = "smtp.example".into();
            s
        };
        assert!(prod().finish().is_ok());
        let mut s = prod();
        s.mail.smtp_host.clear();
        assert!(s.finish().unwrap_err().to_string().contains("SMTP"));
        let mut s = prod();
        s.mail.tls = MailTls::None;
        assert!(s.finish().unwrap_err().to_string().contains("clear text"));
        let mut s = prod();
        s.server.trust_forwarded_for = true;
        assert!(
            s.finish()
                .unwrap_err()
                .to_string()
                .contains("trusted_proxies")
        );
        let mut s = prod();
        s.server.trust_forwarded_for = true;
        s.server.trusted_proxies = vec!["10.0.0.0/8".into(), "127.0.0.1".into()];
        assert_eq!(s.finish().unwrap().server.trusted_proxy_nets.len(), 2);
        let mut s = prod();
        s.oauth.insert(
            "corp".into(),
            OAuthProviderSettings {
                client_id: "x".into(),
                authorize_url: "http://sso.example/auth".into(),
                token_url: "https://sso.example/token".into(),
                userinfo_url: "https://sso.example/me".into(),
                ..Default::default()
            },
        );
        s.oauth_secrets.insert("corp".into(), "y".into());
        assert!(s.finish().unwrap_err().to_string().contains("not https"));
    }

    #[test]
    fn unsafe_settings_are_refused_with_a_reason() {
        let mut s = Settings::default();
        s.passwords.argon2_memory_kib = 1024;
        assert!(s.finish().unwrap_err().to_string().contains("OWASP"));

        let s = Settings {
            mode: Mode::Production,
            ..Settings::default()
        };
        assert!(s.finish().unwrap_err().to_string().contains("https"));

        let mut s = Settings::default();
        s.passwords.min_length = 4;
        assert!(s.finish().is_err());

        let mut s = Settings::default();
        s.server.public_url = "not a url".into();
        assert!(s.finish().is_err());
    }
}
