//! Gatehouse as an OpenID Provider (OpenID Connect Core 1.0 with OAuth 2.1's rules):
//! other apps send people here to sign in and get an authorization code back. It reuses
//! the login pages and sessions of [`crate::server::auth`]; codes, client secrets and
//! refresh tokens are stored hashed like every other token.
//!
//! - [`clients`]: registered apps, their secrets and redirect URIs.
//! - [`authorize`]: checking an authorization request and deciding what it needs next
//!   (a login, a step-up, consent) or the redirect back with a code.
//! - [`grants`]: the token endpoint (code, client credentials; the refresh grant is in
//!   `refresh`); [`access`]: userinfo, introspection and revocation.
//! - [`tokens`]: the JWTs it signs (ID tokens, app access tokens) and the claims by scope.

pub mod access;
pub mod authorize;
pub mod clients;
pub mod consent;
pub mod grants;
pub mod keys;
mod refresh;
pub mod tokens;

use std::{path::PathBuf, sync::Arc};

/// The scopes Gatehouse understands; others are ignored (RFC 6749 3.3 lets a server
/// issue fewer than asked).
pub const SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];
/// How long an authorization code lives.
pub const CODE_TTL_SECONDS: i64 = 60;
/// How long an app's access token lives. Its own, not Gatehouse's access-token
/// lifetime: apps refresh on their own schedule, and revocation reaches these tokens at
/// userinfo and introspection anyway.
pub const ACCESS_TOKEN_TTL_SECONDS: i64 = 900;
/// How long an ID token is accepted as proof of the login (apps keep their own session).
pub const ID_TOKEN_TTL_SECONDS: i64 = 3600;
/// `acr` of a login that passed a second factor (OpenID PAPE's multi-factor policy).
pub const ACR_MFA: &str = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

/// The OAuth error codes Gatehouse answers with (RFC 6749 4.1.2.1 and 5.2, OpenID Core
/// 3.1.2.6, RFC 6750 3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    InvalidScope,
    AccessDenied,
    LoginRequired,
    ConsentRequired,
    RequestNotSupported,
    RequestUriNotSupported,
    InvalidToken,
    TemporarilyUnavailable,
}

/// A refusal in the protocol's terms: its code and a sentence for the developer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolError {
    pub code: ErrorCode,
    pub description: String,
}

impl ProtocolError {
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        self.code.into()
    }
}

impl From<sqlx::Error> for ProtocolError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = ?e, "OpenID provider: store unavailable");
        Self::new(
            ErrorCode::TemporarilyUnavailable,
            "The service is briefly unavailable; try again in a moment.",
        )
    }
}

impl From<crate::server::error::Error> for ProtocolError {
    fn from(e: crate::server::error::Error) -> Self {
        match e {
            crate::server::error::Error::Database(e) => e.into(),
            other => {
                tracing::error!(error = ?other, "OpenID provider: internal error");
                Self::new(
                    ErrorCode::TemporarilyUnavailable,
                    "The service could not complete this; try again in a moment.",
                )
            }
        }
    }
}

pub type Result<T> = std::result::Result<T, ProtocolError>;

/// Space-separated scopes, in a fixed order, keeping only those Gatehouse knows.
pub fn known_scopes(requested: &str) -> Vec<&'static str> {
    SCOPES
        .into_iter()
        .filter(|s| requested.split_ascii_whitespace().any(|r| r == *s))
        .collect()
}

pub fn has_scope(scope: &str, wanted: &str) -> bool {
    scope.split_ascii_whitespace().any(|s| s == wanted)
}

/// The provider's signing keys, made or read on first use (see [`keys`]).
pub struct Provider {
    keys: tokio::sync::OnceCell<Arc<keys::KeySet>>,
    production: bool,
    data_dir: PathBuf,
}

/// How long a retired RSA key keeps verifying: the longest-lived token it signs (the ID
/// token, read again as a logout hint) plus the clock skew allowed for rotation.
pub const RETIRED_KEY_SECONDS: i64 =
    ID_TOKEN_TTL_SECONDS + crate::server::keys::ROTATION_SKEW_SECONDS;

impl Provider {
    pub fn new(production: bool, data_dir: PathBuf) -> Self {
        Self {
            keys: tokio::sync::OnceCell::new(),
            production,
            data_dir,
        }
    }

    /// The RSA keys; the first call reads or makes them on a blocking thread.
    pub async fn keys(&self) -> anyhow::Result<Arc<keys::KeySet>> {
        self.keys
            .get_or_try_init(|| async {
                let (production, dir) = (self.production, self.data_dir.clone());
                let set = tokio::task::spawn_blocking(move || {
                    keys::load(
                        &keys::EnvKeys::read(),
                        production,
                        &dir,
                        RETIRED_KEY_SECONDS,
                    )
                })
                .await??;
                Ok(Arc::new(set))
            })
            .await
            .cloned()
    }
}
