//! The whole Gatehouse login serves an app's sign-in: signing in with another provider
//! (a real OpenID Connect provider on 127.0.0.1) or with an emailed link (through a real
//! SMTP server) while an app waits ends back at the app, with the ID token saying how
//! the person proved who they are. `prompt=select_account` asks whether to go on as the
//! person logged in or to use another account.

use crate::common::{
    ORIGIN, TestApp,
    mail::{MailServer, app_with_mail_and, verified_user},
    oauth::OAuthServer,
    spawn_with,
};
use crate::provider::{authorize_path, callback_params, exchange, pkce, register, verify_id_token};
use axum::http::StatusCode;
use gatehouse::{server::db::Backend, validate::AUTHORIZE_RESUME_PATH};

on_both_backends!(
    a_provider_login_goes_on_to_the_waiting_app,
    an_emailed_link_goes_on_to_the_waiting_app,
    select_account_offers_to_go_on_or_switch,
);

const LOGIN_FOR_APP: &str = "/login?next=%2Foauth2%2Fauthorize%2Fresume";

/// Starts an app's sign-in with nobody logged in; checks the login page names the app
/// and returns the PKCE verifier.
async fn app_waits(app: &TestApp, client_id: &str) -> String {
    let (verifier, challenge) = pkce();
    let res = app
        .get(&authorize_path(
            client_id,
            "openid email profile",
            Some(&challenge),
            &[],
        ))
        .await;
    res.assert_redirect_to(LOGIN_FOR_APP);
    let login = app.get(LOGIN_FOR_APP).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("Acme Notes"), "{}", login.body);
    verifier
}

/// Finishes at the resume path: back at the app with a code, exchanged for tokens;
/// returns the verified ID token's claims.
async fn back_at_the_app(
    app: &TestApp,
    client: &gatehouse::server::provider::clients::Registered,
    verifier: &str,
) -> serde_json::Value {
    let res = app.get(AUTHORIZE_RESUME_PATH).await;
    let params = callback_params(&res);
    assert_eq!(params["state"], "st4te");
    let res = exchange(app, client, &params["code"], Some(verifier)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let tokens = res.json();
    verify_id_token(app, tokens["id_token"].as_str().unwrap(), &client.client.id).await
}

async fn a_provider_login_goes_on_to_the_waiting_app(backend: Backend) {
    let base = format!("{ORIGIN}/auth/oauth");
    let idp = OAuthServer::start(&[format!("{base}/google/callback")]).await;
    let app = spawn_with(backend, |s| idp.configure(s)).await;
    let client = register(&app, "Acme Notes", |c| c.first_party = true).await;
    let verifier = app_waits(&app, &client.client.id).await;
    // The login page's provider buttons carry the waiting sign-in along.
    let login = app.get(LOGIN_FOR_APP).await;
    assert!(login.body.contains("/auth/oauth/google/start"));
    assert!(
        login
            .body
            .contains(&format!("value=\"{AUTHORIZE_RESUME_PATH}\"")),
        "{}",
        login.body
    );

    let res = app
        .post_form(
            "/auth/oauth/google/start",
            &[("next", AUTHORIZE_RESUME_PATH)],
            LOGIN_FOR_APP,
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let back = idp
        .authorize(res.location().unwrap(), "nora@example.com", true)
        .await;
    assert!(
        back.starts_with(&format!("{base}/google/callback")),
        "{back}"
    );
    let res = app.get(back.trim_start_matches(ORIGIN)).await;
    res.assert_redirect_to(AUTHORIZE_RESUME_PATH);

    let id = back_at_the_app(&app, &client, &verifier).await;
    assert_eq!(id["email"], "nora@example.com");
    assert_eq!(id["email_verified"], true, "the provider verified it");
    assert_eq!(id["amr"], serde_json::json!(["fed"]));
    assert_eq!(id["nonce"], "n0nce");
}

async fn an_emailed_link_goes_on_to_the_waiting_app(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail_and(backend, &mail, |s| s.accounts.sign_in_links = true).await;
    let email = verified_user(&app, &mail, "lena").await;
    let user_id = app.me().await["id"].as_str().unwrap().to_string();
    app.logout().await;
    let client = register(&app, "Acme Notes", |c| c.first_party = true).await;
    let verifier = app_waits(&app, &client.client.id).await;

    let res = app
        .call("/fn/request-sign-in-link", &[("email", &email)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let link = mail.wait_for(&email, "Sign in to").await;
    // In the browser that waits: the link's page, then its button.
    let page = app.get(&link.link_path()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let res = app
        .post_form(
            "/fn/sign-in-link",
            &[("token", &link.token())],
            &link.link_path(),
        )
        .await;
    res.assert_redirect_to(AUTHORIZE_RESUME_PATH);

    let id = back_at_the_app(&app, &client, &verifier).await;
    assert_eq!(id["sub"], user_id.as_str());
    assert_eq!(id["email"], email.as_str());
    assert_eq!(id["amr"], serde_json::json!(["otp"]));
}

async fn select_account_offers_to_go_on_or_switch(backend: Backend) {
    let app = crate::common::spawn(backend).await;
    crate::provider::person(&app, "mia").await;
    crate::provider::person(&app.another_browser(), "ned").await;
    let client = register(&app, "Acme <Notes>", |c| c.first_party = true).await;
    let (verifier, challenge) = pkce();
    let path = authorize_path(
        &client.client.id,
        "openid profile",
        Some(&challenge),
        &[("prompt", "select_account")],
    );

    // Logged in as mia: asked, on a page that works without JavaScript.
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("Continue as mia (mia@example.com)"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Acme &lt;Notes&gt; asks"),
        "escaped: {}",
        page.body
    );
    let res = app
        .post_form(
            "/oauth2/authorize/account",
            &[("choice", "continue")],
            &path,
        )
        .await;
    let params = callback_params(&res);
    let tokens = exchange(&app, &client, &params["code"], Some(&verifier))
        .await
        .json();
    let id = verify_id_token(
        &app,
        tokens["id_token"].as_str().unwrap(),
        &client.client.id,
    )
    .await;
    assert_eq!(id["preferred_username"], "mia");

    // Another account: mia is logged out, the login page comes, and the app gets ned.
    let (verifier, challenge) = pkce();
    let path = authorize_path(
        &client.client.id,
        "openid profile",
        Some(&challenge),
        &[("prompt", "select_account")],
    );
    assert_eq!(app.get(&path).await.status, StatusCode::OK);
    let res = app
        .post_form("/oauth2/authorize/account", &[("choice", "another")], &path)
        .await;
    res.assert_redirect_to(LOGIN_FOR_APP);
    assert!(app.me().await.is_null(), "mia is logged out");
    assert_eq!(
        app.login("ned", crate::common::STRONG_PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
    let id = back_at_the_app(&app, &client, &verifier).await;
    assert_eq!(id["preferred_username"], "ned", "not asked again");

    // Nobody logged in: straight to the login page; with prompt=none: invalid.
    let anon = app.another_browser();
    anon.get(&path).await.assert_redirect_to(LOGIN_FOR_APP);
    let res = app
        .get(&authorize_path(
            &client.client.id,
            "openid",
            Some(&challenge),
            &[("prompt", "none select_account")],
        ))
        .await;
    assert_eq!(callback_params(&res)["error"], "invalid_request");
    // Another site cannot post the choice (and so cannot log anyone out).
    let res = app
        .send(
            axum::http::Request::post("/oauth2/authorize/account")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("origin", "https://evil.example")
                .body(axum::body::Body::from("choice=another"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.me().await["username"], "ned", "still logged in");
}
