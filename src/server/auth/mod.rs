//! The auth domain: passwords, tokens, sessions and the account flows. Callable without
//! HTTP: the pages' server functions, the JSON API and the CLI all call these, so every
//! rule is written once.

pub(crate) mod account_data;
pub(crate) mod accounts;
pub(crate) mod admin;
pub(crate) mod audit;
pub(crate) mod breach;
pub(crate) mod cancel_email_change;
pub mod create_admin;
pub(crate) mod credentials;
pub(crate) mod deletion;
pub(crate) mod devices;
pub(crate) mod factors;
pub(crate) mod last_admin;
pub mod maintenance;
pub(crate) mod oauth;
pub(crate) mod one_time;
pub mod overview;
pub(crate) mod passkeys;
pub mod passwords;
pub(crate) mod recovery;
pub(crate) mod sessions;
pub(crate) mod sign_in_links;
pub(crate) mod step_up;
pub(crate) mod throttle;
pub(crate) mod tokens;
pub(crate) mod verification;

/// Who made a change, for callers outside the crate (the CLI's tests register apps).
pub use audit::Actor;

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
