//! One struct per `[section]` of the settings file, each with its defaults beside it.

use serde::{Deserialize, Serialize};
use std::{net::SocketAddr, path::PathBuf, time::Duration};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountSettings {
    /// Accounts must follow the emailed link before they can log in.
    pub require_verified_email: bool,
    /// How long a verification (or address-change) link works.
    #[serde(with = "super::duration")]
    pub verify_email_ttl: Duration,
    /// How long a password-reset link works.
    #[serde(with = "super::duration")]
    pub reset_password_ttl: Duration,
    /// At most one verification or reset mail per address in this long.
    #[serde(with = "super::duration")]
    pub email_resend_interval: Duration,
    /// The login page offers "Email me a sign-in link" (passwordless).
    pub sign_in_links: bool,
    /// How long an emailed sign-in link works.
    #[serde(with = "super::duration")]
    pub sign_in_link_ttl: Duration,
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
    /// Audit events older than this are deleted ("0" keeps them forever).
    #[serde(with = "super::duration")]
    pub audit_retention: Duration,
    /// The old spelling of `audit_retention`, in days, from the environment (the file's is
    /// renamed as it is read); read once into `audit_retention`.
    #[serde(skip_serializing)]
    pub audit_retention_days: Option<u64>,
    /// Sensitive changes (password, email, providers, factors, deleting the account,
    /// admin changes to users) need a login or confirmation within this long.
    #[serde(with = "super::duration")]
    pub reauth_window: Duration,
    /// Admins must have a second factor before the admin pages and API open.
    /// Unset: on in production, off in development.
    pub require_mfa_for_admins: Option<bool>,
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
    #[serde(with = "super::duration")]
    pub retry_base: Duration,
    /// How long one SMTP conversation may take.
    #[serde(with = "super::duration")]
    pub timeout: Duration,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            require_verified_email: true,
            verify_email_ttl: Duration::from_secs(24 * 3600),
            reset_password_ttl: Duration::from_secs(3600),
            email_resend_interval: Duration::from_secs(60),
            sign_in_links: false,
            sign_in_link_ttl: Duration::from_secs(15 * 60),
            failed_logins_before_delay: 5,
            login_attempts_per_ip_per_minute: 60,
            hashes_per_ip_per_minute: 30,
            mails_per_ip_per_minute: 10,
            signup_taken_email: None,
            audit_retention: Duration::from_secs(400 * 86_400),
            audit_retention_days: None,
            reauth_window: Duration::from_secs(600),
            require_mfa_for_admins: None,
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
            retry_base: Duration::from_secs(10),
            timeout: Duration::from_secs(15),
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
    /// Lifetime of an access token.
    #[serde(with = "super::duration")]
    pub access_ttl: Duration,
    /// Idle lifetime of a session: each refresh extends it by this much.
    #[serde(with = "super::duration")]
    pub refresh_ttl: Duration,
    /// Absolute lifetime of a session, however active.
    #[serde(with = "super::duration")]
    pub session_max_age: Duration,
    /// How long an already-rotated refresh token still works (two tabs refreshing at once).
    #[serde(with = "super::duration")]
    pub refresh_reuse_grace: Duration,
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
    /// Refuse new passwords found in Have I Been Pwned's range API (only the first five
    /// hex characters of the SHA-1 leave the server). Off: no request is ever made.
    pub breach_check: bool,
    /// The range API's base URL (`{breach_api_url}/range/{prefix}`).
    pub breach_api_url: String,
    /// How long to wait for it; past this the password is accepted (fail open).
    #[serde(with = "super::duration")]
    pub breach_timeout: Duration,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            address: ([127, 0, 0, 1], 3000).into(),
            public_url: "http://localhost:3000".into(),
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
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(7 * 24 * 3600),
            session_max_age: Duration::from_secs(30 * 24 * 3600),
            refresh_reuse_grace: Duration::from_secs(30),
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
        let policy = crate::model::PasswordPolicy::default();
        Self {
            min_length: policy.min_length,
            max_length: policy.max_length,
            min_strength: policy.min_score,
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            max_concurrent_hashes: 0,
            breach_check: false,
            breach_api_url: "https://api.pwnedpasswords.com".into(),
            breach_timeout: Duration::from_secs(2),
        }
    }
}
