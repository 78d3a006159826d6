//! Signing in with providers, against a real OpenID Connect provider on 127.0.0.1
//! standing in for Google and GitHub.

use crate::common;

use axum::http::StatusCode;
use common::{TestApp, oauth::OAuthServer, spawn_with};
use gatehouse::server::db::Backend;

on_both_backends!(
    a_new_person_gets_a_verified_account_and_is_logged_in,
    github_accounts_use_the_primary_verified_address,
    a_known_identity_logs_in_again,
    a_verified_account_with_the_same_verified_address_is_linked,
    an_unverified_account_is_never_taken_over,
    a_provider_address_that_is_not_verified_links_nothing,
    a_callback_without_the_right_state_is_refused_and_audited,
    the_authorization_request_uses_pkce_s256,
    denied_consent_is_a_friendly_message,
    no_email_from_the_provider_is_explained,
    a_broken_provider_is_a_page_not_a_500,
    connect_from_the_profile_and_disconnect_with_the_last_login_rule,
    a_second_account_at_the_same_provider_is_already_connected_not_a_500,
    unconfigured_providers_answer_404,
    an_oidc_provider_configured_by_issuer_signs_in_with_a_verified_id_token,
    an_id_token_for_another_flow_is_refused,
);

const CALLBACK_BASE: &str = "http://gatehouse.test/auth/oauth";

async fn setup(backend: Backend) -> (TestApp, OAuthServer) {
    let provider = OAuthServer::start(&[
        format!("{CALLBACK_BASE}/google/callback"),
        format!("{CALLBACK_BASE}/github/callback"),
    ])
    .await;
    let app = spawn_with(backend, |s| provider.configure(s)).await;
    (app, provider)
}

/// Starts at our start route and returns the provider URL we were sent to.
async fn start(app: &TestApp, name: &str, fields: &[(&str, &str)]) -> String {
    let res = app
        .post_form(&format!("/auth/oauth/{name}/start"), fields, "/login")
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    res.location().unwrap().to_string()
}

/// The whole round trip; returns our callback's answer.
async fn sign_in(
    app: &TestApp,
    provider: &OAuthServer,
    name: &str,
    login: &str,
) -> common::TestResponse {
    let to_provider = start(app, name, &[("next", "")]).await;
    let back = provider.authorize(&to_provider, login, true).await;
    assert!(
        back.starts_with(&format!("{CALLBACK_BASE}/{name}/callback")),
        "{back}"
    );
    app.get(back.trim_start_matches("http://gatehouse.test"))
        .await
}

async fn a_new_person_gets_a_verified_account_and_is_logged_in(backend: Backend) {
    let (app, provider) = setup(backend).await;
    let res = sign_in(&app, &provider, "google", "nora@example.com").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    res.assert_redirect_to("/profile");
    assert!(
        res.set_cookie(&app.access_cookie_name())
            .unwrap()
            .contains("HttpOnly")
    );
    assert!(
        !res.location().unwrap().contains("token"),
        "never a token in a URL"
    );
    let me = app.me().await;
    assert_eq!(me["email"], "nora@example.com");
    assert_eq!(me["email_verified"], true);
    assert_eq!(me["username"], "nora");
    assert_eq!(me["display_name"], "Nora");
    assert_eq!(me["has_password"], false);
    assert_eq!(
        app.count("select count(*) from identities where provider = 'google'")
            .await,
        1
    );
    assert_eq!(app.count("select count(*) from audit_events where kind = 'signup' and detail like '%oauth:google%'").await, 1);
}

async fn github_accounts_use_the_primary_verified_address(backend: Backend) {
    let (app, provider) = setup(backend).await;
    let res = sign_in(&app, &provider, "github", "otto@example.com").await;
    res.assert_redirect_to("/profile");
    let me = app.me().await;
    assert_eq!(me["email"], "otto@example.com");
    assert_eq!(me["email_verified"], true);
    let subject = app.count("select count(*) from identities where provider = 'github' and subject <> 'otto@example.com'").await;
    assert_eq!(subject, 1, "GitHub's numeric-style id is the subject");
}

async fn a_known_identity_logs_in_again(backend: Backend) {
    let (app, provider) = setup(backend).await;
    sign_in(&app, &provider, "github", "pat@example.com").await;
    let id = app.me().await["id"].clone();
    app.logout().await;
    let res = sign_in(&app, &provider, "github", "pat@example.com").await;
    res.assert_redirect_to("/profile");
    assert_eq!(app.me().await["id"], id);
    assert_eq!(app.count("select count(*) from users").await, 1);
    // Signing in again in the same browser ends the session it replaces.
    sign_in(&app, &provider, "github", "pat@example.com").await;
    assert_eq!(
        app.count("select count(*) from sessions where revoked_at is null")
            .await,
        1
    );
}

async fn a_verified_account_with_the_same_verified_address_is_linked(backend: Backend) {
    let (app, provider) = setup(backend).await;
    app.signup("quin", "quin@example.com").await;
    app.execute("update users set email_verified_at = 1").await;
    let id = app.me().await["id"].clone();
    app.logout().await;

    let res = sign_in(&app, &provider, "google", "quin@example.com").await;
    res.assert_redirect_to("/profile");
    assert_eq!(app.me().await["id"], id, "the existing account");
    assert_eq!(app.count("select count(*) from users").await, 1);
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'oauth_linked'")
            .await,
        1
    );
    // A deactivated account gets no automatic link.
    let other = app.another_browser();
    other.signup("quade", "quade@example.com").await;
    app.execute(
        "update users set email_verified_at = 1, deactivated_at = 1 where username = 'quade'",
    )
    .await;
    let res = sign_in(&other, &provider, "github", "quade@example.com").await;
    res.assert_redirect_to("/login");
    assert_eq!(
        app.count(
            "select count(*) from identities i join users u on u.id = i.user_id \
             where u.username = 'quade'"
        )
        .await,
        0
    );
    // The owner hears about the automatic link.
    assert_eq!(
        app.count(
            "select count(*) from outbox where recipient = 'quin@example.com' \
             and subject like 'Google was connected%'"
        )
        .await,
        1
    );
}

async fn an_unverified_account_is_never_taken_over(backend: Backend) {
    let (app, provider) = setup(backend).await;
    // Someone signed up with this address but never proved they own it.
    app.signup("rudy", "rudy@example.com").await;
    app.logout().await;

    let res = sign_in(&app, &provider, "google", "rudy@example.com").await;
    res.assert_redirect_to("/login");
    assert!(res.set_cookie(&app.access_cookie_name()).is_none());
    assert!(app.me().await.is_null());
    let page = app.get("/login").await;
    assert!(
        page.body
            .contains("Log in with your password, then connect Google"),
        "{}",
        page.body
    );
    assert_eq!(app.count("select count(*) from identities").await, 0);
    assert_eq!(app.count("select count(*) from users").await, 1);
}

async fn a_provider_address_that_is_not_verified_links_nothing(backend: Backend) {
    let (app, provider) = setup(backend).await;
    app.signup("sara", "sara@example.com").await;
    app.execute("update users set email_verified_at = 1").await;
    app.logout().await;
    let res = sign_in(&app, &provider, "google", "unverified:sara@example.com").await;
    res.assert_redirect_to("/login");
    assert!(app.me().await.is_null());
    assert_eq!(app.count("select count(*) from identities").await, 0);
    // The answer must not say that this address has an account here: word for word what
    // an address without an account gets.
    let with_account = app.get("/login").await.body;
    assert!(
        with_account.contains("did not share a verified email address"),
        "{with_account}"
    );
    // And with no account at that address, no account is made from an unverified one.
    let res = sign_in(&app, &provider, "google", "unverified:tina@example.com").await;
    res.assert_redirect_to("/login");
    assert!(
        app.get("/login")
            .await
            .body
            .contains("did not share a verified email address")
    );
    assert_eq!(app.count("select count(*) from users").await, 1);
}

async fn a_callback_without_the_right_state_is_refused_and_audited(backend: Backend) {
    let (app, provider) = setup(backend).await;
    let to_provider = start(&app, "google", &[("next", "")]).await;
    let back = provider
        .authorize(&to_provider, "uli@example.com", true)
        .await;
    let forged = back
        .trim_start_matches("http://gatehouse.test")
        .split("state=")
        .next()
        .unwrap()
        .to_string()
        + "state=forged";
    let res = app.get(&forged).await;
    res.assert_redirect_to("/login");
    assert!(app.me().await.is_null());
    assert!(
        app.get("/login")
            .await
            .body
            .contains("expired or did not match")
    );
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'oauth_state_mismatch'")
            .await,
        1
    );

    // The genuine callback no longer works either: the pending state was used up.
    let res = app
        .get(back.trim_start_matches("http://gatehouse.test"))
        .await;
    res.assert_redirect_to("/login");
    // A browser that never started a sign-in gets the same refusal.
    let stranger = app.another_browser();
    stranger
        .get("/auth/oauth/google/callback?code=abc&state=xyz")
        .await
        .assert_redirect_to("/login");
    assert_eq!(app.count("select count(*) from users").await, 0);
}

async fn the_authorization_request_uses_pkce_s256(backend: Backend) {
    let (app, provider) = setup(backend).await;
    let to_provider = start(&app, "google", &[("next", "/profile?tab=x")]).await;
    let url = url::Url::parse(&to_provider).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert!(q["state"].len() >= 16);
    assert_eq!(
        q["redirect_uri"],
        format!("{CALLBACK_BASE}/google/callback")
    );
    assert_eq!(q["response_type"], "code");
    // Chromium applies form-action to the redirect after a form post, so the page that
    // holds the buttons must allow the provider's origin.
    let csp = app.get("/login").await.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let form_action = csp
        .split(';')
        .find(|d| d.trim().starts_with("form-action"))
        .unwrap();
    assert!(form_action.contains(&provider.url()), "{csp}");
    // The provider refuses a token request without the verifier, so signing in at all
    // proves we sent it; and `next` survives the round trip.
    let back = provider
        .authorize(&to_provider, "vera@example.com", true)
        .await;
    let res = app
        .get(back.trim_start_matches("http://gatehouse.test"))
        .await;
    res.assert_redirect_to("/profile?tab=x");
}

async fn denied_consent_is_a_friendly_message(backend: Backend) {
    let (app, provider) = setup(backend).await;
    let to_provider = start(&app, "github", &[("next", "")]).await;
    let back = provider
        .authorize(&to_provider, "walt@example.com", false)
        .await;
    assert!(back.contains("error=access_denied"), "{back}");
    let res = app
        .get(back.trim_start_matches("http://gatehouse.test"))
        .await;
    res.assert_redirect_to("/login");
    assert!(
        app.get("/login")
            .await
            .body
            .contains("You cancelled the sign-in at GitHub")
    );
    assert_eq!(app.count("select count(*) from users").await, 0);
}

async fn no_email_from_the_provider_is_explained(backend: Backend) {
    let (app, provider) = setup(backend).await;
    let res = sign_in(&app, &provider, "github", "noemail:xena").await;
    res.assert_redirect_to("/login");
    assert!(
        app.get("/login")
            .await
            .body
            .contains("did not share a verified email address")
    );
}

async fn a_broken_provider_is_a_page_not_a_500(backend: Backend) {
    let provider = OAuthServer::start(&[format!("{CALLBACK_BASE}/google/callback")]).await;
    let app = spawn_with(backend, |s| {
        provider.configure(s);
        // A profile endpoint that does not exist: the provider answers garbage.
        s.oauth.get_mut("google").unwrap().userinfo_url =
            format!("{}/no-such-endpoint", provider.url());
    })
    .await;
    let res = sign_in(&app, &provider, "google", "yves@example.com").await;
    res.assert_redirect_to("/login");
    assert!(
        app.get("/login")
            .await
            .body
            .contains("Google could not complete the sign-in")
    );
    assert_eq!(app.count("select count(*) from users").await, 0);
}

async fn connect_from_the_profile_and_disconnect_with_the_last_login_rule(backend: Backend) {
    let (app, provider) = setup(backend).await;
    // A password account connects GitHub.
    app.signup("zack", "zack@example.com").await;
    // Connecting adds a way in: it needs the current password.
    let refused = app
        .post_form(
            "/auth/oauth/github/start",
            &[("link", "1"), ("password", "not my password")],
            "/profile",
        )
        .await;
    refused.assert_redirect_to("/profile");
    assert_eq!(
        app.count("select count(*) from identities").await,
        0,
        "nothing connected"
    );
    let to_provider = start(
        &app,
        "github",
        &[("link", "1"), ("password", common::STRONG_PASSWORD)],
    )
    .await;
    let back = provider
        .authorize(&to_provider, "zack-at-github@example.com", true)
        .await;
    let res = app
        .get(back.trim_start_matches("http://gatehouse.test"))
        .await;
    res.assert_redirect_to("/profile");
    assert!(
        app.get("/profile")
            .await
            .body
            .contains("GitHub is now connected")
    );
    let list = app.call("/fn/connections", &[]).await.json();
    let github = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["provider"]["name"] == "github")
        .unwrap()
        .clone();
    assert_eq!(github["connected"], true);
    assert_eq!(github["connected_email"], "zack-at-github@example.com");
    // With a password to fall back on, it can be disconnected.
    let res = app.call("/fn/disconnect", &[("provider", "github")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(app.count("select count(*) from identities").await, 0);
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'oauth_unlinked'")
            .await,
        1
    );
    // The owner is told of both changes by mail.
    for subject in ["GitHub was connected%", "GitHub was disconnected%"] {
        assert_eq!(
            app.count(&format!(
                "select count(*) from outbox where subject like '{subject}'"
            ))
            .await,
            1,
            "{subject}"
        );
    }

    // An account made through Google has no password: Google is its last way in.
    let other = app.another_browser();
    sign_in(&other, &provider, "google", "amy@example.com").await;
    let res = other
        .call("/fn/disconnect", &[("provider", "google")])
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.json()["code"], "conflict");
    assert!(
        res.json()["message"]
            .as_str()
            .unwrap()
            .contains("only way you can log in")
    );
    // After connecting GitHub too, Google can go.
    let to_provider = start(&other, "github", &[("link", "1")]).await;
    let back = provider
        .authorize(&to_provider, "amy-gh@example.com", true)
        .await;
    other
        .get(back.trim_start_matches("http://gatehouse.test"))
        .await
        .assert_redirect_to("/profile");
    assert_eq!(
        other
            .call("/fn/disconnect", &[("provider", "google")])
            .await
            .status,
        StatusCode::OK
    );
    // Someone else cannot connect a provider account that is already connected.
    let to_provider = start(
        &app,
        "github",
        &[("link", "1"), ("password", common::STRONG_PASSWORD)],
    )
    .await;
    let back = provider
        .authorize(&to_provider, "amy-gh@example.com", true)
        .await;
    app.get(back.trim_start_matches("http://gatehouse.test"))
        .await
        .assert_redirect_to("/profile");
    assert!(
        app.get("/profile")
            .await
            .body
            .contains("already connected to another account")
    );
    // Logged out, `link` just asks to log in.
    let anonymous = app.another_browser();
    let res = anonymous
        .post_form("/auth/oauth/github/start", &[("link", "1")], "/profile")
        .await;
    res.assert_redirect_to("/login?next=/profile");
}

async fn unconfigured_providers_answer_404(backend: Backend) {
    let (app, _provider) = setup(backend).await;
    let res = app
        .post_form("/auth/oauth/myspace/start", &[("next", "")], "/login")
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(res.body.contains("not configured"));
    assert_eq!(
        app.get("/auth/oauth/myspace/callback?code=x&state=y")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let plain = common::spawn(backend).await;
    assert_eq!(
        plain
            .post_form("/auth/oauth/google/start", &[], "/login")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let login = plain.get("/login").await;
    assert!(
        !login.body.contains("Continue with"),
        "no buttons without providers"
    );
    assert!(
        app.get("/login")
            .await
            .body
            .contains("Continue with GitHub")
    );
}

async fn a_second_account_at_the_same_provider_is_already_connected_not_a_500(backend: Backend) {
    let (app, provider) = setup(backend).await;
    app.signup("zora", "zora@example.com").await;
    let connect = |login: &'static str| {
        let (app, provider) = (&app, &provider);
        async move {
            let to_provider = start(
                app,
                "github",
                &[("link", "1"), ("password", common::STRONG_PASSWORD)],
            )
            .await;
            let back = provider.authorize(&to_provider, login, true).await;
            app.get(back.trim_start_matches("http://gatehouse.test"))
                .await
        }
    };
    connect("zora-one@example.com")
        .await
        .assert_redirect_to("/profile");
    // Another GitHub account for the same Gatehouse account: refused in words.
    let res = connect("zora-two@example.com").await;
    res.assert_redirect_to("/profile");
    let page = app.get("/profile").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("already connected"), "{}", page.body);
    assert_eq!(app.count("select count(*) from identities").await, 1);
}

/// A generic OpenID Connect provider named `acme`, configured by its issuer only.
async fn setup_by_issuer(backend: Backend) -> (TestApp, OAuthServer) {
    let provider = OAuthServer::start(&[format!("{CALLBACK_BASE}/acme/callback")]).await;
    let app = spawn_with(backend, |s| {
        s.oauth.insert(
            "acme".into(),
            gatehouse::server::config::OAuthProviderSettings {
                issuer: provider.url(),
                client_id: "gatehouse-test".into(),
                scopes: vec!["openid".into(), "email".into(), "profile".into()],
                ..Default::default()
            },
        );
        s.oauth_secrets
            .insert("acme".into(), "gatehouse-test-secret".into());
    })
    .await;
    (app, provider)
}

async fn an_oidc_provider_configured_by_issuer_signs_in_with_a_verified_id_token(backend: Backend) {
    let (app, provider) = setup_by_issuer(backend).await;
    let to_provider = start(&app, "acme", &[("next", "")]).await;
    let url = url::Url::parse(&to_provider).unwrap();
    assert!(
        to_provider.starts_with(&format!("{}/", provider.url())),
        "the discovered authorization endpoint: {to_provider}"
    );
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert!(
        q["nonce"].len() >= 16,
        "a nonce binds the ID token to this flow"
    );
    assert_eq!(q["code_challenge_method"], "S256");
    let back = provider
        .authorize(&to_provider, "oona@example.com", true)
        .await;
    let res = app
        .get(back.trim_start_matches("http://gatehouse.test"))
        .await;
    res.assert_redirect_to("/profile");
    let me = app.me().await;
    assert_eq!(me["email"], "oona@example.com");
    assert_eq!(me["email_verified"], true);
    // The login form may lead to the provider's pages.
    let csp = app.get("/login").await.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains(&provider.url()), "{csp}");
}

async fn an_id_token_for_another_flow_is_refused(backend: Backend) {
    let (app, provider) = setup_by_issuer(backend).await;
    let to_provider = start(&app, "acme", &[("next", "")]).await;
    // The browser's copy of the request is changed on the way: the provider signs an ID
    // token with a nonce this flow never handed out.
    let url = url::Url::parse(&to_provider).unwrap();
    let tampered: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "nonce" {
                (k, "a-nonce-from-another-flow".to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    let mut forged = url.clone();
    forged.query_pairs_mut().clear().extend_pairs(&tampered);
    let back = provider
        .authorize(forged.as_str(), "pia@example.com", true)
        .await;
    let res = app
        .get(back.trim_start_matches("http://gatehouse.test"))
        .await;
    res.assert_redirect_to("/login");
    assert!(app.me().await.is_null(), "no session");
    assert_eq!(app.count("select count(*) from users").await, 0);
    assert!(
        app.get("/login")
            .await
            .body
            .contains("could not complete the sign-in")
    );
}
