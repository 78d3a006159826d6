//! Data the server sends to the browser. Nothing here holds a secret: no password hash,
//! no token, no key.

use crate::{domain::Role, errors::LinkProblem};
use serde::{Deserialize, Serialize};

/// The signed-in user as pages see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub email: String,
    pub email_verified: bool,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub role: Role,
    /// False for accounts that only log in through a provider.
    pub has_password: bool,
    /// "25 Nov 2026", formatted on the server so both renders agree.
    pub member_since: String,
    pub last_login: Option<String>,
}

impl UserView {
    /// The name to greet the user with.
    pub fn name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.username)
    }

    /// One or two letters for the avatar placeholder.
    pub fn initials(&self) -> String {
        self.name()
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .flat_map(char::to_uppercase)
            .collect()
    }
}

/// What following an emailed verification link did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VerifyOutcome {
    /// The address is now verified.
    Verified {
        email: String,
    },
    /// The account now uses this new address.
    EmailChanged {
        email: String,
    },
    /// The link works: press the button to verify `email` (or move to it, `change`).
    Confirm {
        email: String,
        change: bool,
    },
    /// Verified before (this link or another one).
    AlreadyVerified,
    Refused(LinkProblem),
    /// Someone else took the new address since the change was asked for.
    EmailTaken,
}

/// Whether a one-time link (reset, cancel) can still be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkStatus {
    Valid,
    Refused(LinkProblem),
}

pub use crate::validate::PasswordPolicy;

/// Settings the pages need, loaded once per page load.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInfo {
    pub product_name: String,
    pub password_policy: PasswordPolicy,
    /// Sign-in providers, in the order buttons show.
    pub providers: Vec<ProviderView>,
    /// How long an emailed verification link works, in words ("24 hours").
    pub verify_link_lifetime: String,
    /// How long a password-reset link works, in words ("one hour").
    pub reset_link_lifetime: String,
    /// The login page offers "Email me a sign-in link".
    pub sign_in_links: bool,
    /// Whether passkeys work here (not when `public_url` is an IP address).
    pub passkeys: bool,
}

impl Default for SiteInfo {
    fn default() -> Self {
        Self {
            product_name: "Gatehouse".into(),
            password_policy: PasswordPolicy::default(),
            providers: Vec::new(),
            verify_link_lifetime: lifetime(24 * 3600),
            reset_link_lifetime: lifetime(3600),
            sign_in_links: false,
            passkeys: false,
        }
    }
}

/// A lifetime setting in words: "one hour", "24 hours", "30 minutes".
pub fn lifetime(seconds: u64) -> String {
    let (n, unit) = if seconds >= 3600 && seconds.is_multiple_of(3600) {
        (seconds / 3600, "hour")
    } else {
        (seconds.div_ceil(60), "minute")
    };
    match n {
        1 => format!("one {unit}"),
        n => format!("{n} {unit}s"),
    }
}

/// A configured sign-in provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderView {
    /// Its name in URLs (`/auth/oauth/{name}/start`).
    pub name: String,
    pub display_name: String,
}

/// One provider on the profile's "connected accounts" list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub provider: ProviderView,
    /// The address the provider reported when connected; `None` when not connected.
    pub connected_email: Option<String>,
    pub connected: bool,
    pub linked_since: Option<String>,
}

/// One of the signed-in user's passkeys, for the profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyView {
    pub id: String,
    pub name: String,
    pub added: String,
    pub last_used: Option<String>,
}

/// What a plain HTML form post (no JavaScript) left behind for the page it returns to:
/// the error and the values typed, so nothing is lost. Passwords are never kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFlash {
    /// Which form this belongs to, e.g. "signup".
    pub form: String,
    pub error: Option<crate::errors::AppError>,
    pub notice: Option<String>,
    pub values: std::collections::BTreeMap<String, String>,
}

impl FormFlash {
    pub fn value(&self, field: &str) -> String {
        self.values.get(field).cloned().unwrap_or_default()
    }

    /// A success notice for `form`.
    pub fn notice(form: &str, text: impl Into<String>) -> Self {
        Self {
            form: form.into(),
            notice: Some(text.into()),
            ..Self::default()
        }
    }
}

/// One signed-in device (session) on the Devices page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceView {
    pub id: String,
    /// "Firefox 128 on Linux".
    pub description: String,
    pub ip: Option<String>,
    /// "25 Nov 2026, 16:14 UTC".
    pub signed_in: String,
    /// "2 minutes ago", as of the server's answer.
    pub last_active: String,
    pub current: bool,
}

/// An account as the admin list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUserView {
    pub id: String,
    pub username: String,
    pub email: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub active: bool,
    pub email_verified: bool,
    pub created: String,
    pub last_login: Option<String>,
}

/// One page of the admin's user list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub users: Vec<AdminUserView>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

/// A security event in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub id: String,
    pub kind: String,
    /// "New sign-in from Firefox 128 on Linux".
    pub summary: String,
    pub user_id: Option<String>,
    pub actor_id: Option<String>,
    pub ip: Option<String>,
    pub detail: String,
    /// "25 Nov 2026, 16:14 UTC".
    pub at: String,
    /// "2 minutes ago".
    pub ago: String,
}

/// One page of the audit log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPage {
    pub events: Vec<EventView>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

/// The admin overview: the last 30 days, day by day, and the mail queue now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    /// Oldest first, one per day, today last.
    pub days: Vec<DayCounts>,
    pub mail: MailQueue,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCounts {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub signups: i64,
    pub logins: i64,
    pub failed_logins: i64,
    pub throttled: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailQueue {
    pub waiting: i64,
    /// How long the oldest waiting message has waited, in seconds.
    pub oldest_wait_seconds: i64,
    pub failed: i64,
    pub sent_last_day: i64,
}

/// A provider account connected to a user, for admins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityView {
    pub provider: String,
    pub email: Option<String>,
    pub linked: String,
}

/// Everything an admin sees about one account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUserDetail {
    pub user: AdminUserView,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub has_password: bool,
    pub sessions: Vec<DeviceView>,
    pub identities: Vec<IdentityView>,
    pub events: Vec<EventView>,
    /// Whether this is the admin looking at their own account.
    pub is_self: bool,
    pub totp: bool,
    pub passkeys: i64,
    pub recovery_codes_left: i64,
}

#[cfg(test)]
mod tests {
    #[test]
    fn lifetimes_read_as_words() {
        assert_eq!(super::lifetime(3600), "one hour");
        assert_eq!(super::lifetime(24 * 3600), "24 hours");
        assert_eq!(super::lifetime(1800), "30 minutes");
        assert_eq!(super::lifetime(5400), "90 minutes");
    }
}

/// Every card of the profile page that lists something, read in one call.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileCardsView {
    pub connections: Vec<ConnectionView>,
    pub apps: Vec<AppAccessView>,
    pub security: SecurityView,
    pub passkeys: Vec<PasskeyView>,
    /// The person's own latest security events, newest first.
    pub activity: Vec<EventView>,
}

/// The Security card: second factors, a setup in progress, and new recovery codes to
/// show once.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SecurityView {
    pub totp: bool,
    pub passkeys: i64,
    pub recovery_codes_left: i64,
    pub setup: Option<TotpSetupView>,
    /// Shown once, right after they were made.
    pub new_codes: Option<Vec<String>>,
    /// Whether sensitive changes go through without confirming again.
    pub recently_confirmed: bool,
    /// Admins must set up a second factor before the admin pages open.
    pub required: bool,
}

/// An authenticator app being set up: the secret three ways.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TotpSetupView {
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
}

/// What `/login/verify` offers for the login waiting there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingLoginView {
    pub username: String,
    pub methods: Vec<crate::domain::FactorMethod>,
}

/// An app asking to sign the person in (OpenID Provider): its name and the scopes it
/// asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAppView {
    pub name: String,
    pub scopes: Vec<String>,
}

impl PendingAppView {
    /// What each scope lets the app do, in the person's words.
    pub fn permissions(&self) -> Vec<&'static str> {
        self.scopes
            .iter()
            .filter_map(|s| match s.as_str() {
                "openid" => Some("Know who you are on this server"),
                "profile" => Some("See your name, username and picture"),
                "email" => Some("See your email address"),
                "offline_access" => {
                    Some("Stay connected when you are away, until you withdraw its access")
                }
                _ => None,
            })
            .collect()
    }
}

/// An app the person allowed to sign them in ("Apps with access" on the profile).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppAccessView {
    pub client_id: String,
    pub name: String,
    /// What it may do, in the person's words.
    pub permissions: Vec<String>,
    /// "28 Nov 2026".
    pub since: String,
}

/// A registered app, as the admin console lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAppView {
    pub id: String,
    pub name: String,
    /// Has a secret (a server-side app); otherwise public, PKCE only.
    pub confidential: bool,
    pub first_party: bool,
    pub disabled: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub created: String,
}
