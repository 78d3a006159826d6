//! The auth domain: passwords, tokens, sessions and the account flows. Callable without
//! HTTP: the pages' server functions, the JSON API and the CLI all call these, so every
//! rule is written once.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod cancel_email_change;
pub mod create_admin;
pub mod credentials;
pub mod deletion;
pub mod devices;
pub mod last_admin;
pub mod maintenance;
pub mod oauth;
pub mod one_time;
pub mod passwords;
pub mod recovery;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod verification;

/// Who is asking: recorded on sessions and audit events.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// Bounded so a hostile header cannot bloat rows.
    pub fn new(ip: Option<String>, user_agent: Option<String>) -> Self {
        let clip = |s: String| s.chars().take(512).collect::<String>();
        Self {
            ip: ip.map(clip),
            user_agent: user_agent.map(clip).filter(|s| !s.is_empty()),
        }
    }
}

impl From<passwords::HashError> for crate::server::error::Error {
    fn from(e: passwords::HashError) -> Self {
        match e {
            passwords::HashError::Overloaded => Self::TooManyRequests,
            passwords::HashError::Internal(e) => Self::Internal(e),
        }
    }
}
