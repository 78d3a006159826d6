//! The kinds of security event, as stored in `audit_events.kind`. The server's
//! `AuditEvent` says which kind each event is; the admin filter lists them all.

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AuditKind {
    Signup,
    SignupAttempted,
    #[serde(rename = "login_ok")]
    #[strum(serialize = "login_ok")]
    LoginSucceeded,
    LoginFailed,
    Logout,
    #[serde(rename = "refresh_token_reuse")]
    #[strum(serialize = "refresh_token_reuse")]
    RefreshTokenReused,
    PasswordRehashed,
    ProfileUpdated,
    RoleChanged,
    VerificationSent,
    EmailVerified,
    EmailChangeRequested,
    EmailChanged,
    EmailChangeCancelled,
    PasswordChanged,
    PasswordResetRequested,
    PasswordReset,
    OauthLinked,
    OauthUnlinked,
    OauthStateMismatch,
    SessionRevoked,
    UserDeactivated,
    UserReactivated,
    UserDeleted,
    TotpEnabled,
    TotpDisabled,
    RecoveryCodesGenerated,
    RecoveryCodeUsed,
    SecondFactorFailed,
    FactorsReset,
    Reauthenticated,
    PasskeyAdded,
    PasskeyRemoved,
    PasskeyRenamed,
    AppRegistered,
    AppChanged,
    AppAuthorized,
    AppAccessRevoked,
    AppTokenReused,
}

impl AuditKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Every kind, in the order the admin filter lists them.
    pub fn all() -> impl Iterator<Item = Self> {
        <Self as strum::IntoEnumIterator>::iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_keep_the_names_already_stored() {
        assert_eq!(AuditKind::LoginSucceeded.as_str(), "login_ok");
        assert_eq!(
            AuditKind::RefreshTokenReused.as_str(),
            "refresh_token_reuse"
        );
        assert_eq!(
            AuditKind::OauthStateMismatch.as_str(),
            "oauth_state_mismatch"
        );
        for kind in AuditKind::all() {
            assert_eq!(kind.as_str().parse::<AuditKind>().unwrap(), kind);
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }
}
