//! Events as stored: kind and detail, old rows, every kind produced.
use super::*;

#[test]
fn events_store_as_kind_and_detail_and_read_back() {
    let event = AuditEvent::LoginSucceeded {
        session_id: "s1".into(),
        method: LoginMethod::Provider("github".into()),
    };
    assert_eq!(event.kind().as_str(), "login_ok");
    assert_eq!(
        event.detail(),
        r#"{"method":"oauth:github","session_id":"s1"}"#
    );
    assert_eq!(
        AuditEvent::from_stored("login_ok", &event.detail()),
        Some(event)
    );
}

#[test]
fn rows_written_before_the_enum_still_read() {
    let old = AuditEvent::from_stored(
        "session_revoked",
        r#"{"scope":"all","count":2,"by":"admin"}"#,
    );
    assert_eq!(
        old,
        Some(AuditEvent::SessionRevoked {
            scope: RevokeScope::All,
            by: Actor::Admin,
            session_id: None,
            count: 2
        })
    );
    let signup = AuditEvent::from_stored("signup", "{}");
    assert!(matches!(
        signup,
        Some(AuditEvent::Signup {
            method: LoginMethod::Password,
            ..
        })
    ));
    let deleted = AuditEvent::from_stored("user_deleted", r#"{"by":"self"}"#);
    assert_eq!(deleted, Some(AuditEvent::UserDeleted { by: Actor::Owner }));
    assert_eq!(AuditEvent::from_stored("role_changed", "{}"), None);
}

#[test]
fn every_kind_has_an_event() {
    // A kind no event produces could never be found by the admin filter, and the
    // reverse could not be filtered at all.
    let kinds: std::collections::HashSet<_> = samples().iter().map(AuditEvent::kind).collect();
    for kind in AuditKind::all() {
        assert!(kinds.contains(&kind), "{kind} has no sample event");
    }
}

fn samples() -> Vec<AuditEvent> {
    use AuditEvent as E;
    let s = || SessionId::from("s");
    vec![
        E::Signup {
            method: LoginMethod::Password,
            role: Role::User,
            by: Actor::Owner,
        },
        E::SignupAttempted,
        E::LoginSucceeded {
            session_id: s(),
            method: LoginMethod::Password,
        },
        E::LoginFailed {
            reason: LoginFailure::WrongPassword,
        },
        E::Logout { session_id: s() },
        E::RefreshTokenReused {
            session_id: s(),
            rotated_at: None,
            generation: Generation::Previous,
        },
        E::PasswordRehashed,
        E::ProfileUpdated,
        E::RoleChanged {
            from: Role::User,
            to: Role::Admin,
            by: Actor::Admin,
        },
        E::VerificationSent,
        E::EmailVerified,
        E::EmailChangeRequested {
            to: None,
            taken: true,
        },
        E::EmailChanged {
            from: "a".into(),
            to: "b".into(),
        },
        E::EmailChangeCancelled { reverted: false },
        E::PasswordChanged {
            sessions_revoked: 0,
        },
        E::PasswordResetRequested,
        E::PasswordReset {
            sessions_revoked: 0,
        },
        E::OauthLinked {
            provider: "github".into(),
            automatic: false,
        },
        E::OauthUnlinked {
            provider: "github".into(),
        },
        E::OauthStateMismatch {
            provider: "github".into(),
        },
        E::SessionRevoked {
            scope: RevokeScope::One,
            by: Actor::Owner,
            session_id: None,
            count: 1,
        },
        E::UserDeactivated {
            sessions_revoked: 0,
        },
        E::UserReactivated,
        E::UserDeleted { by: Actor::Admin },
        E::TotpEnabled,
        E::TotpDisabled,
        E::RecoveryCodesGenerated,
        E::RecoveryCodeUsed { left: 9 },
        E::SecondFactorFailed {
            method: FactorMethod::Totp,
        },
        E::FactorsReset { by: Actor::Admin },
        E::Reauthenticated {
            method: FactorMethod::Password,
        },
        E::PasskeyAdded { name: "k".into() },
        E::PasskeyRemoved { name: "k".into() },
        E::PasskeyRenamed {
            from: "a".into(),
            to: "b".into(),
        },
        E::AppRegistered {
            client_id: "c".into(),
            name: "Acme".into(),
            by: Actor::Cli,
        },
        E::AppChanged {
            client_id: "c".into(),
            change: "disabled".into(),
        },
        E::AppAuthorized {
            client_id: "c".into(),
            scope: "openid".into(),
        },
        E::AppAccessRevoked {
            client_id: "c".into(),
            grants_revoked: 1,
        },
        E::AppTokenReused {
            client_id: "c".into(),
            grant_id: "g".into(),
            what: "authorization code".into(),
        },
    ]
}

#[test]
fn logins_say_how_they_were_proved_as_openid_amr_values() {
    assert_eq!(LoginMethod::Password.amr(None), "pwd");
    assert_eq!(
        LoginMethod::Password.amr(Some(SecondProof::Code)),
        "pwd otp mfa"
    );
    assert_eq!(
        LoginMethod::Provider("github".into()).amr(Some(SecondProof::Passkey)),
        "fed hwk mfa"
    );
    assert_eq!(LoginMethod::Passkey.amr(None), "hwk user");
    assert_eq!(LoginMethod::EmailLink.amr(None), "otp");
    // Each value once, whatever the two steps were.
    assert_eq!(
        LoginMethod::EmailLink.amr(Some(SecondProof::Code)),
        "otp mfa"
    );
    assert_eq!(
        LoginMethod::Passkey.amr(Some(SecondProof::Passkey)),
        "hwk user mfa"
    );
}
