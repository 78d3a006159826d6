//! Email sign-in links (passwordless) against a real SMTP server: off by default, the
//! same answer for every address, single use, 15 minutes, dead after a password change,
//! throttled, refused for deactivated accounts, proof of the address, and the JSON API.

use crate::common;
use common::code_at;

use axum::http::{Method, StatusCode};
use common::{
    STRONG_PASSWORD, TestApp, api,
    mail::{Mail, MailServer, app_with_mail_and, verified_user},
    spawn,
};
use gatehouse::server::db::Backend;
use std::time::Duration;

on_both_backends!(
    sign_in_links_are_off_by_default,
    a_sign_in_link_logs_in_like_a_password_and_works_once,
    asking_answers_the_same_for_unknown_and_known_addresses,
    a_sign_in_link_expires_after_15_minutes,
    a_sign_in_link_dies_when_the_password_changes,
    sign_in_links_are_throttled_per_address_and_per_client,
    a_deactivated_account_is_refused,
    following_a_link_verifies_the_address,
    the_json_api_signs_in_with_a_link,
    the_request_form_works_without_javascript,
    a_link_leads_to_the_second_factor_when_the_account_has_one,
);

const SUBJECT: &str = "Sign in to";

async fn app_with_links(backend: Backend, mail: &MailServer) -> TestApp {
    app_with_mail_and(backend, mail, |s| s.accounts.sign_in_links = true).await
}

/// Asks for a link the way the hydrated login page does, and waits for its mail.
async fn link_for(app: &TestApp, mail: &MailServer, email: &str) -> Mail {
    let res = app
        .call("/fn/request-sign-in-link", &[("email", email)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    mail.wait_for(email, SUBJECT).await
}

/// Presses the link page's "Sign in" button (a plain form post).
async fn press_sign_in(browser: &TestApp, mail: &Mail) -> common::TestResponse {
    browser
        .post_form(
            "/fn/sign-in-link",
            &[("token", &mail.token())],
            &mail.link_path(),
        )
        .await
}

async fn sign_in_links_are_off_by_default(backend: Backend) {
    let app = spawn(backend).await;
    let page = app.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Email me a sign-in link"), "form shown");
    let res = api(
        &app,
        Method::POST,
        "/auth/sign-in-link",
        Some(serde_json::json!({"email": "a@example.com"})),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json()["code"], "feature_disabled");
    let res = api(
        &app,
        Method::POST,
        "/auth/sign-in-link/verify",
        Some(serde_json::json!({"token": "x".repeat(43)})),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json()["code"], "feature_disabled");
    let res = app
        .call("/fn/request-sign-in-link", &[("email", "a@example.com")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("select count(*) from one_time_tokens").await, 0);
}

async fn a_sign_in_link_logs_in_like_a_password_and_works_once(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_links(backend, &mail).await;
    let email = verified_user(&app, &mail, "lena").await;
    assert!(
        app.get("/login")
            .await
            .body
            .contains("Email me a sign-in link")
    );

    let message = link_for(&app, &mail, &email).await;
    assert!(message.text.contains("15 minutes"), "{}", message.text);
    assert!(
        message
            .link()
            .starts_with("http://gatehouse.test/login/link?token=")
    );

    // Opening the link (a mail scanner, say) spends nothing.
    let phone = app.another_browser();
    for _ in 0..2 {
        let page = phone.get(&message.link_path()).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(">Sign in</button>"), "{}", page.body);
    }
    let res = press_sign_in(&phone, &message).await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    res.assert_redirect_to("/profile");
    assert!(res.set_cookie(&phone.access_cookie_name()).is_some());
    assert!(res.set_cookie(&phone.refresh_cookie_name()).is_some());
    assert_eq!(phone.me().await["username"], "lena");
    assert_eq!(
        app.count(
            "select count(*) from audit_events where kind = 'login_ok' and detail like '%email_link%'"
        )
        .await,
        1
    );

    // Single use: the page says so, and pressing again signs nobody in.
    let other = app.another_browser();
    let page = other.get(&message.link_path()).await;
    assert!(
        page.body.contains("This link was already used"),
        "{}",
        page.body
    );
    let again = other
        .call("/fn/sign-in-link", &[("token", &message.token())])
        .await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(again.json()["code"], "link_used");
    let plain = press_sign_in(&other, &message).await;
    assert_eq!(plain.status, StatusCode::FOUND);
    assert!(plain.location().unwrap().starts_with("/login/link?token="));
    assert!(other.me().await.is_null());
}

async fn asking_answers_the_same_for_unknown_and_known_addresses(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_links(backend, &mail).await;
    let email = verified_user(&app, &mail, "mona").await;
    let known = app
        .call("/fn/request-sign-in-link", &[("email", &email)])
        .await;
    let unknown = app
        .call(
            "/fn/request-sign-in-link",
            &[("email", "ghost@example.com")],
        )
        .await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    assert!(known.body.contains("If an account uses that address"));
    mail.wait_for(&email, SUBJECT).await;
    app.mail_settled().await;
    assert!(mail.messages_to("ghost@example.com").is_empty());
    let bad = app
        .call("/fn/request-sign-in-link", &[("email", "not an address")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.json()["fields"]["email"].is_string());
}

async fn a_sign_in_link_expires_after_15_minutes(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_links(backend, &mail).await;
    let email = verified_user(&app, &mail, "nina").await;
    let message = link_for(&app, &mail, &email).await;
    let phone = app.another_browser();
    app.state.clock.advance(Duration::from_secs(14 * 60));
    assert!(
        phone
            .get(&message.link_path())
            .await
            .body
            .contains(">Sign in</button>")
    );
    app.state.clock.advance(Duration::from_secs(61));
    let page = phone.get(&message.link_path()).await;
    assert!(page.body.contains("This link has expired"), "{}", page.body);
    let res = phone
        .call("/fn/sign-in-link", &[("token", &message.token())])
        .await;
    assert_eq!(res.status, StatusCode::GONE);
    assert_eq!(res.json()["code"], "link_expired");
    assert!(phone.me().await.is_null());
}

async fn a_sign_in_link_dies_when_the_password_changes(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_links(backend, &mail).await;
    let email = verified_user(&app, &mail, "olga").await;
    let message = link_for(&app, &mail, &email).await;
    let res = app
        .call(
            "/fn/change-password",
            &[
                ("current_password", STRONG_PASSWORD),
                ("new_password", "purple elephant marmalade"),
                ("new_password_confirm", "purple elephant marmalade"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let phone = app.another_browser();
    assert!(
        !phone
            .get(&message.link_path())
            .await
            .body
            .contains(">Sign in</button>")
    );
    let res = phone
        .call("/fn/sign-in-link", &[("token", &message.token())])
        .await;
    assert!(res.status.is_client_error(), "{}", res.status);
    assert!(phone.me().await.is_null());
}

async fn sign_in_links_are_throttled_per_address_and_per_client(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail_and(backend, &mail, |s| {
        s.accounts.sign_in_links = true;
        s.accounts.mails_per_ip_per_minute = 3;
    })
    .await;
    let email = verified_user(&app, &mail, "pia").await;
    let sql = "select count(*) from one_time_tokens where purpose = 'sign_in'";
    // Per address: a second request within the resend interval mails nothing more.
    link_for(&app, &mail, &email).await;
    let again = app
        .call("/fn/request-sign-in-link", &[("email", &email)])
        .await;
    assert_eq!(again.status, StatusCode::OK);
    // The mail is sent after answering: give that task time to do anything it would.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.count(sql).await, 1);
    app.state.clock.advance(Duration::from_secs(61));
    app.call("/fn/request-sign-in-link", &[("email", &email)])
        .await;
    assert_eq!(
        app.count_eventually(sql, 2).await,
        2,
        "a new interval, a new link"
    );

    // Per client: past its mail budget a client is refused, whatever the address.
    let client = app.another_browser();
    client.set_peer("203.0.113.7");
    for n in 0..3 {
        let res = client
            .call(
                "/fn/request-sign-in-link",
                &[("email", &format!("x{n}@example.com"))],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "request {n}");
    }
    let res = client
        .call("/fn/request-sign-in-link", &[("email", &email)])
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn a_deactivated_account_is_refused(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_links(backend, &mail).await;
    let email = verified_user(&app, &mail, "quinn").await;
    let message = link_for(&app, &mail, &email).await;
    app.execute("update users set deactivated_at = 1 where username = 'quinn'")
        .await;
    let phone = app.another_browser();
    let res = phone
        .call("/fn/sign-in-link", &[("token", &message.token())])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert_eq!(res.json()["code"], "account_deactivated");
    // Without JavaScript the link's page says why.
    let res = press_sign_in(&phone, &message).await;
    let back = res.location().expect("back to the link's page").to_string();
    let page = phone.get(&back).await;
    assert!(
        page.body.contains("This account has been deactivated"),
        "{}",
        page.body
    );
    let res = api(
        &app,
        Method::POST,
        "/auth/sign-in-link/verify",
        Some(serde_json::json!({"token": message.token()})),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.json()["code"], "account_deactivated");
    assert!(phone.me().await.is_null());
    // A deactivated account gets no new link either (and the answer is the same).
    app.state.clock.advance(Duration::from_secs(61));
    let res = app
        .call("/fn/request-sign-in-link", &[("email", &email)])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        app.count("select count(*) from one_time_tokens where purpose = 'sign_in'")
            .await,
        1
    );
}

async fn following_a_link_verifies_the_address(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_links(backend, &mail).await;
    let res = app.signup("rita", "rita@example.com").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        app.login("rita", STRONG_PASSWORD).await.status,
        StatusCode::FORBIDDEN,
        "unverified"
    );
    let message = link_for(&app, &mail, "rita@example.com").await;
    let res = press_sign_in(&app, &message).await;
    res.assert_redirect_to("/profile");
    assert_eq!(app.me().await["username"], "rita");
    assert_eq!(
        app.count(
            "select count(*) from users where username = 'rita' and email_verified_at is not null"
        )
        .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'email_verified'")
            .await,
        1
    );
}

async fn the_json_api_signs_in_with_a_link(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_links(backend, &mail).await;
    let email = verified_user(&app, &mail, "sven").await;
    let ask = |email: String| {
        let app = &app;
        async move {
            api(
                app,
                Method::POST,
                "/auth/sign-in-link",
                Some(serde_json::json!({ "email": email })),
                None,
            )
            .await
        }
    };
    let known = ask(email.clone()).await;
    let unknown = ask("ghost@example.com".into()).await;
    assert_eq!(known.status, StatusCode::ACCEPTED);
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    let bad = ask("nope".into()).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let message = mail.wait_for(&email, SUBJECT).await;
    let verify = |token: String| {
        let app = &app;
        async move {
            api(
                app,
                Method::POST,
                "/auth/sign-in-link/verify",
                Some(serde_json::json!({ "token": token })),
                None,
            )
            .await
        }
    };
    let res = verify(message.token()).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let body = res.json();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["refresh_token"].is_string());
    assert_eq!(body["user"]["username"], "sven");
    let access = body["access_token"].as_str().unwrap().to_string();
    let me = api(&app, Method::GET, "/auth/me", None, Some(&access)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["username"], "sven");

    let reused = verify(message.token()).await;
    assert_eq!(reused.status, StatusCode::GONE);
    assert_eq!(reused.json()["code"], "link_used");
    let invalid = verify("not-a-token".into()).await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert_eq!(invalid.json()["code"], "link_invalid");
}

async fn the_request_form_works_without_javascript(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_links(backend, &mail).await;
    let res = app
        .post_form(
            "/fn/request-sign-in-link",
            &[("email", "nobody@example.com")],
            "/login",
        )
        .await;
    assert_eq!(res.status, StatusCode::FOUND);
    res.assert_redirect_to("/login");
    let page = app.get("/login").await;
    assert!(
        page.body.contains("If an account uses that address"),
        "{}",
        page.body
    );
}

async fn a_link_leads_to_the_second_factor_when_the_account_has_one(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_links(backend, &mail).await;
    let email = verified_user(&app, &mail, "tess").await;
    let login = serde_json::json!({"login": "tess", "password": STRONG_PASSWORD});
    let res = api(&app, Method::POST, "/auth/login", Some(login), None).await;
    let access = res.json()["access_token"].as_str().unwrap().to_string();
    let res = api(&app, Method::POST, "/account/mfa/totp", None, Some(&access)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let secret = res.json()["secret"].as_str().unwrap().to_string();
    let code = code_at(&secret, app.state.clock.unix());
    let res = api(
        &app,
        Method::POST,
        "/account/mfa/totp/confirm",
        Some(serde_json::json!({ "code": code })),
        Some(&access),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    app.state.clock.advance(Duration::from_secs(30));

    // The API: no tokens yet, a pending login to finish with a code.
    let message = link_for(&app, &mail, &email).await;
    let res = api(
        &app,
        Method::POST,
        "/auth/sign-in-link/verify",
        Some(serde_json::json!({ "token": message.token() })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let body = res.json();
    assert_eq!(body["mfa_required"], true);
    assert!(body.get("access_token").is_none());
    let code = code_at(&secret, app.state.clock.unix());
    let res = api(
        &app,
        Method::POST,
        "/auth/mfa/verify",
        Some(serde_json::json!({ "mfa_token": body["mfa_token"], "code": code })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.json()["access_token"].is_string());

    // The browser: on to /login/verify, not logged in yet.
    app.state.clock.advance(Duration::from_secs(61));
    let first = message.token();
    let res = app
        .call("/fn/request-sign-in-link", &[("email", &email)])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let message = loop {
        let latest = mail.wait_for(&email, SUBJECT).await;
        if latest.token() != first {
            break latest;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no second sign-in link"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let phone = app.another_browser();
    let res = press_sign_in(&phone, &message).await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    assert!(
        res.location().unwrap().starts_with("/login/verify"),
        "{:?}",
        res.location()
    );
    assert!(phone.me().await.is_null());
}
