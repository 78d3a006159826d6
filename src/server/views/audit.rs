//! Security events in words for people: "New sign-in from Firefox 128 on Linux".

use super::devices::describe;
use crate::server::auth::audit::{Actor, AuditEvent, LoginMethod, RevokeScope};

/// One event in words. A row this version cannot read back (say, scrubbed after the
/// account was deleted) is named by its kind.
pub fn summary(kind: &str, detail: &str, user_agent: Option<&str>) -> String {
    match AuditEvent::from_stored(kind, detail) {
        Some(event) => words(&event, &describe(user_agent)),
        None => kind.replace('_', " "),
    }
}

fn words(event: &AuditEvent, device: &str) -> String {
    use AuditEvent as E;
    match event {
        E::Signup { .. } => "Account created".into(),
        E::SignupAttempted => "Someone tried to sign up with your address".into(),
        E::LoginSucceeded {
            method: LoginMethod::Provider(provider),
            ..
        } => format!("New sign-in with {provider} from {device}"),
        E::LoginSucceeded {
            method: LoginMethod::EmailLink,
            ..
        } => format!("New sign-in with an emailed link from {device}"),
        E::LoginSucceeded {
            method: LoginMethod::Passkey,
            ..
        } => format!("New sign-in with a passkey from {device}"),
        E::LoginSucceeded { .. } => format!("New sign-in from {device}"),
        E::LoginFailed { .. } => format!("Failed sign-in attempt from {device}"),
        E::Logout { .. } => format!("Logged out on {device}"),
        E::RefreshTokenReused { .. } => {
            "A stolen session token was detected; that session was ended".into()
        }
        E::PasswordRehashed => "Password storage upgraded".into(),
        E::ProfileUpdated => "Profile updated".into(),
        E::RoleChanged { from, to, .. } => format!("Role changed from {from} to {to}"),
        E::VerificationSent => "Verification email sent".into(),
        E::EmailVerified => "Email address verified".into(),
        E::EmailChangeRequested { .. } => "Email address change requested".into(),
        E::EmailChanged { .. } => "Email address changed".into(),
        E::EmailChangeCancelled { .. } => {
            "Email address change cancelled from the old address".into()
        }
        E::PasswordChanged { .. } => "Password changed".into(),
        E::PasswordResetRequested => "Password reset requested".into(),
        E::PasswordReset { .. } => "Password reset with an emailed link".into(),
        E::OauthLinked { provider, .. } => format!("{provider} connected"),
        E::OauthUnlinked { provider } => format!("{provider} disconnected"),
        E::OauthStateMismatch { .. } => {
            "A sign-in with a provider was refused (state mismatch)".into()
        }
        E::SessionRevoked { scope, by, .. } => match (scope, by) {
            (RevokeScope::All, Actor::Admin) => "Signed out everywhere by an admin".into(),
            (RevokeScope::All, _) => "Signed out everywhere".into(),
            (RevokeScope::Others, _) => "Signed out all other devices".into(),
            (RevokeScope::One, _) => "A device was signed out".into(),
        },
        E::UserDeactivated { .. } => "Account deactivated".into(),
        E::UserReactivated => "Account reactivated".into(),
        E::UserDeleted { .. } => "Account deleted".into(),
        E::TotpEnabled => "Authenticator app set up".into(),
        E::TotpDisabled => "Authenticator app removed".into(),
        E::RecoveryCodesGenerated => "New recovery codes created".into(),
        E::RecoveryCodeUsed { left } => {
            format!("A recovery code was used to sign in ({left} left)")
        }
        E::SecondFactorFailed { .. } => format!("Wrong second-factor code from {device}"),
        E::FactorsReset { .. } => "Second factors reset by an admin".into(),
        E::Reauthenticated { .. } => "Identity confirmed for a sensitive change".into(),
        E::PasskeyAdded { name } => format!("Passkey \u{201c}{name}\u{201d} added"),
        E::PasskeyRemoved { name } => format!("Passkey \u{201c}{name}\u{201d} removed"),
        E::PasskeyRenamed { from, to } => {
            format!("Passkey \u{201c}{from}\u{201d} renamed to \u{201c}{to}\u{201d}")
        }
        E::AppRegistered { name, .. } => format!("App \u{201c}{name}\u{201d} registered"),
        E::AppChanged { client_id, change } => format!("App {client_id}: {change}"),
        E::AppAuthorized { client_id, scope } => {
            format!("App {client_id} allowed ({scope})")
        }
        E::AppAccessRevoked { client_id, .. } => format!("Access of app {client_id} withdrawn"),
        E::AppTokenReused {
            client_id, what, ..
        } => {
            format!("A used {what} of app {client_id} came back; its tokens were revoked")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_as_before() {
        let login = r#"{"session_id":"s","method":"oauth:github"}"#;
        assert_eq!(
            summary("login_ok", login, Some("curl/8.5.0")),
            "New sign-in with github from curl/8.5.0"
        );
        assert_eq!(
            summary(
                "session_revoked",
                r#"{"scope":"all","by":"admin","count":1}"#,
                None
            ),
            "Signed out everywhere by an admin"
        );
        assert_eq!(
            summary("role_changed", r#"{"from":"user","to":"admin"}"#, None),
            "Role changed from user to admin"
        );
        // Scrubbed rows keep only their kind.
        assert_eq!(summary("oauth_linked", "{}", None), "oauth linked");
        assert_eq!(summary("something_new", "{}", None), "something new");
    }
}
