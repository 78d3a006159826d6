//! The security events as one typed enum, stored as a `kind` column and a `detail` JSON.

use crate::domain::{AuditKind, Role, SessionId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One security event with its details. The variant is the `kind` column; the fields are
/// the `detail` JSON. Field names are the keys rows already stored use, so old events
/// still read back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditEvent {
    Signup {
        #[serde(default)]
        method: LoginMethod,
        #[serde(default)]
        role: Role,
        #[serde(default)]
        by: Actor,
    },
    /// Someone tried to sign up with this account's address.
    SignupAttempted,
    #[serde(rename = "login_ok")]
    LoginSucceeded {
        session_id: SessionId,
        method: LoginMethod,
    },
    LoginFailed {
        reason: LoginFailure,
    },
    Logout {
        session_id: SessionId,
    },
    /// A rotated refresh token came back after its grace window: that session was ended.
    #[serde(rename = "refresh_token_reuse")]
    RefreshTokenReused {
        session_id: SessionId,
        rotated_at: Option<i64>,
        generation: Generation,
    },
    PasswordRehashed,
    ProfileUpdated,
    RoleChanged {
        from: Role,
        to: Role,
        #[serde(default = "Actor::admin")]
        by: Actor,
    },
    VerificationSent,
    EmailVerified,
    EmailChangeRequested {
        /// The new address; absent when it belongs to another account.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        taken: bool,
    },
    EmailChanged {
        from: String,
        to: String,
    },
    EmailChangeCancelled {
        /// The change had gone through and was undone (not just stopped).
        reverted: bool,
    },
    PasswordChanged {
        sessions_revoked: u64,
    },
    PasswordResetRequested,
    PasswordReset {
        sessions_revoked: u64,
    },
    OauthLinked {
        provider: String,
        /// Linked at a first sign-in by a verified address, not by the owner's request.
        #[serde(default)]
        automatic: bool,
    },
    OauthUnlinked {
        provider: String,
    },
    OauthStateMismatch {
        provider: String,
    },
    SessionRevoked {
        scope: RevokeScope,
        #[serde(default)]
        by: Actor,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<SessionId>,
        #[serde(default)]
        count: u64,
    },
    UserDeactivated {
        #[serde(default)]
        sessions_revoked: u64,
    },
    UserReactivated,
    UserDeleted {
        by: Actor,
    },
    /// An authenticator app was set up (its first code entered).
    TotpEnabled,
    TotpDisabled,
    /// New recovery codes replaced the old ones (also at an app's setup).
    RecoveryCodesGenerated,
    /// A recovery code stood in for the second factor.
    RecoveryCodeUsed {
        left: i64,
    },
    /// A wrong or replayed second-factor code.
    SecondFactorFailed {
        method: FactorMethod,
    },
    /// An admin removed every second factor of the account.
    FactorsReset {
        by: Actor,
    },
    /// The person proved who they are again before a sensitive change (step-up).
    Reauthenticated {
        method: FactorMethod,
    },
    PasskeyAdded {
        name: String,
    },
    PasskeyRemoved {
        name: String,
    },
    PasskeyRenamed {
        from: String,
        to: String,
    },
    /// An admin (or the CLI) registered a client app of the OpenID Provider.
    AppRegistered {
        client_id: String,
        name: String,
        #[serde(default)]
        by: Actor,
    },
    /// A client app's settings changed (redirect URIs, first party, disabled).
    AppChanged {
        client_id: String,
        change: String,
    },
    /// The person allowed an app the scopes it asked for.
    AppAuthorized {
        client_id: String,
        scope: String,
    },
    /// The person withdrew an app's access; its refresh tokens ended with it.
    AppAccessRevoked {
        client_id: String,
        grants_revoked: u64,
    },
    /// A used authorization code or a rotated refresh token came back: what it issued
    /// was revoked.
    AppTokenReused {
        client_id: String,
        grant_id: String,
        what: String,
    },
}

pub use crate::domain::FactorMethod;

/// How someone signed in (or up).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum LoginMethod {
    #[default]
    Password,
    /// Logged in straight after signing up (where verification is not required).
    Signup,
    /// A sign-in provider, by its configured name (`github`, `google`, ...).
    Provider(String),
    /// An emailed sign-in link (passwordless).
    EmailLink,
    /// A passkey, without a password (possession and user verification in one).
    Passkey,
}

/// The second factor a login passed, for its OpenID `amr` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondProof {
    /// An app code or a recovery code.
    Code,
    Passkey,
}

impl LoginMethod {
    /// How the login was proved, as OpenID `amr` values (RFC 8176), space-separated.
    pub fn amr(&self, second: Option<SecondProof>) -> String {
        let first = match self {
            Self::Password | Self::Signup => "pwd",
            // Proof of holding the mailbox: a one-time secret sent out of band.
            Self::EmailLink => "otp",
            // Another identity provider vouched; the profile says which.
            Self::Provider(_) => "fed",
            // Possession of a hardware-bound key plus the authenticator's user check.
            Self::Passkey => "hwk user",
        };
        let second = match second {
            None => return first.to_string(),
            Some(SecondProof::Code) => "otp",
            Some(SecondProof::Passkey) => "hwk",
        };
        // Each value once: an emailed link then an app code is "otp mfa", not "otp otp".
        let mut values: Vec<&str> = first.split(' ').collect();
        if !values.contains(&second) {
            values.push(second);
        }
        values.push("mfa");
        values.join(" ")
    }
}

impl From<LoginMethod> for String {
    fn from(method: LoginMethod) -> Self {
        match method {
            LoginMethod::Password => "password".into(),
            LoginMethod::Signup => "signup".into(),
            LoginMethod::EmailLink => "email_link".into(),
            LoginMethod::Provider(name) => format!("oauth:{name}"),
            LoginMethod::Passkey => "passkey".into(),
        }
    }
}

impl From<String> for LoginMethod {
    fn from(stored: String) -> Self {
        match stored.strip_prefix("oauth:") {
            Some(name) => Self::Provider(name.to_string()),
            None if stored == "signup" => Self::Signup,
            None if stored == "email_link" => Self::EmailLink,
            None if stored == "passkey" => Self::Passkey,
            None => Self::Password,
        }
    }
}

/// Why a password login failed (for admins; the person is told the same thing each time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginFailure {
    UnknownUser,
    WrongPassword,
    NoPassword,
    Deactivated,
    EmailNotVerified,
    /// A passkey's assertion did not verify.
    PasskeyRefused,
    #[serde(other)]
    Other,
}

/// Which rotated-out refresh token came back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Generation {
    /// The one rotated out last (outside its grace window).
    Previous,
    /// One from two or more rotations back.
    Older,
}

/// Who made a change about an account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Actor {
    /// The account's owner.
    #[default]
    #[serde(alias = "self")]
    Owner,
    Admin,
    /// `gatehouse create-admin` on the server.
    Cli,
}

impl Actor {
    fn admin() -> Self {
        Self::Admin
    }
}

/// Which sessions a sign-out ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RevokeScope {
    One,
    /// All but the one asking.
    Others,
    All,
}

impl AuditEvent {
    /// The `kind` column.
    pub fn kind(&self) -> AuditKind {
        use AuditEvent as E;
        match self {
            E::Signup { .. } => AuditKind::Signup,
            E::SignupAttempted => AuditKind::SignupAttempted,
            E::LoginSucceeded { .. } => AuditKind::LoginSucceeded,
            E::LoginFailed { .. } => AuditKind::LoginFailed,
            E::Logout { .. } => AuditKind::Logout,
            E::RefreshTokenReused { .. } => AuditKind::RefreshTokenReused,
            E::PasswordRehashed => AuditKind::PasswordRehashed,
            E::ProfileUpdated => AuditKind::ProfileUpdated,
            E::RoleChanged { .. } => AuditKind::RoleChanged,
            E::VerificationSent => AuditKind::VerificationSent,
            E::EmailVerified => AuditKind::EmailVerified,
            E::EmailChangeRequested { .. } => AuditKind::EmailChangeRequested,
            E::EmailChanged { .. } => AuditKind::EmailChanged,
            E::EmailChangeCancelled { .. } => AuditKind::EmailChangeCancelled,
            E::PasswordChanged { .. } => AuditKind::PasswordChanged,
            E::PasswordResetRequested => AuditKind::PasswordResetRequested,
            E::PasswordReset { .. } => AuditKind::PasswordReset,
            E::OauthLinked { .. } => AuditKind::OauthLinked,
            E::OauthUnlinked { .. } => AuditKind::OauthUnlinked,
            E::OauthStateMismatch { .. } => AuditKind::OauthStateMismatch,
            E::SessionRevoked { .. } => AuditKind::SessionRevoked,
            E::UserDeactivated { .. } => AuditKind::UserDeactivated,
            E::UserReactivated => AuditKind::UserReactivated,
            E::UserDeleted { .. } => AuditKind::UserDeleted,
            E::TotpEnabled => AuditKind::TotpEnabled,
            E::TotpDisabled => AuditKind::TotpDisabled,
            E::RecoveryCodesGenerated => AuditKind::RecoveryCodesGenerated,
            E::RecoveryCodeUsed { .. } => AuditKind::RecoveryCodeUsed,
            E::SecondFactorFailed { .. } => AuditKind::SecondFactorFailed,
            E::FactorsReset { .. } => AuditKind::FactorsReset,
            E::Reauthenticated { .. } => AuditKind::Reauthenticated,
            E::PasskeyAdded { .. } => AuditKind::PasskeyAdded,
            E::PasskeyRemoved { .. } => AuditKind::PasskeyRemoved,
            E::PasskeyRenamed { .. } => AuditKind::PasskeyRenamed,
            E::AppRegistered { .. } => AuditKind::AppRegistered,
            E::AppChanged { .. } => AuditKind::AppChanged,
            E::AppAuthorized { .. } => AuditKind::AppAuthorized,
            E::AppAccessRevoked { .. } => AuditKind::AppAccessRevoked,
            E::AppTokenReused { .. } => AuditKind::AppTokenReused,
        }
    }

    /// The `detail` column: the event's fields as a JSON object, without the kind.
    pub fn detail(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(object) = value.as_object_mut() {
            object.remove("kind");
        }
        value.to_string()
    }

    /// Reads a stored event back; `None` for a row this version cannot read (say, a
    /// scrubbed one).
    pub fn from_stored(kind: &str, detail: &str) -> Option<Self> {
        let mut value: Value = serde_json::from_str(detail).ok()?;
        value
            .as_object_mut()?
            .insert("kind".into(), Value::String(kind.into()));
        serde_json::from_value(value).ok()
    }
}

#[cfg(test)]
mod tests;
