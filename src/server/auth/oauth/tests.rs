//! Provider profiles and usernames.

use super::*;
use serde_json::json;

fn github() -> OAuthProviderSettings {
    let mut s = crate::server::config::Settings::default();
    s.oauth.insert(
        "github".into(),
        OAuthProviderSettings {
            client_id: "id".into(),
            ..Default::default()
        },
    );
    s.oauth_secrets.insert("github".into(), "secret".into());
    s.finish().unwrap().oauth["github"].clone()
}

#[test]
fn github_numbers_become_subjects_and_its_user_email_is_not_trusted() {
    let p = github();
    let profile = profile_from_json(
        &p,
        &json!({ "id": 42, "login": "octo", "email": "o@example.com", "email_verified": true }),
    )
    .unwrap();
    assert_eq!(profile.subject, "42");
    assert_eq!(profile.login.as_deref(), Some("octo"));
    assert!(!profile.email_verified);
    assert!(
        profile_from_json(&p, &json!({ "login": "x" })).is_err(),
        "no subject, no profile"
    );
}

#[test]
fn github_emails_prefer_the_primary_verified_one() {
    let emails = json!([
        { "email": "old@example.com", "primary": false, "verified": true },
        { "email": "main@example.com", "primary": true, "verified": true },
    ]);
    assert_eq!(
        github_primary_email(&emails),
        (Some("main@example.com".into()), true)
    );
    let unverified = json!([{ "email": "u@example.com", "primary": true, "verified": false }]);
    assert_eq!(
        github_primary_email(&unverified),
        (Some("u@example.com".into()), false)
    );
    assert_eq!(github_primary_email(&json!([])), (None, false));
}

#[test]
fn usernames_come_from_the_login_or_address_and_are_valid() {
    let profile = ProviderProfile {
        login: Some("Octo Cat!".into()),
        ..Default::default()
    };
    let names = username_candidates(&profile, "octo.dev@example.com");
    assert_eq!(&names[..2], ["OctoCat", "octo.dev"]);
    assert!(
        names.iter().all(|n| validate::Username::parse(n).is_ok()),
        "{names:?}"
    );
    let reserved = ProviderProfile {
        login: Some("admin".into()),
        ..Default::default()
    };
    let fallback = username_candidates(&reserved, "ab@example.com");
    assert!(
        fallback[0] == "user" && fallback.iter().all(|n| n.starts_with("user")),
        "a reserved login and a too-short address fall back to user + number: {fallback:?}"
    );
    assert!(fallback.len() > 1, "numbered alternatives follow");
}
