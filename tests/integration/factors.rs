//! Second factors: authenticator-app setup and codes (±1 step, no replay, throttled),
//! recovery codes (single use, audited and mailed), the pending login between the two
//! factors (expiry, single use, attempt limit), step-up re-authentication, the JSON API
//! flow, admins who must have a factor, and an admin's reset.

use crate::common;
use common::code_at;

use axum::http::{Method, StatusCode};
use common::{STRONG_PASSWORD, TestApp, api, spawn, spawn_with};
use gatehouse::server::db::Backend;
use serde_json::{Value, json};
use std::time::Duration;

on_both_backends!(
    an_app_is_set_up_only_with_a_valid_code_and_its_secret_is_sealed,
    api_login_asks_for_the_second_factor_and_verify_gives_tokens,
    codes_accept_one_step_of_drift_and_never_replay,
    wrong_codes_end_the_pending_login_and_are_throttled,
    recovery_codes_work_once_and_are_audited_and_mailed,
    pending_logins_expire_and_are_single_use,
    sensitive_changes_need_a_recent_authentication,
    browser_login_continues_at_verify_with_and_without_javascript,
    the_password_grant_refuses_accounts_with_a_second_factor,
    admins_must_set_up_a_factor_when_required,
    an_admin_resets_a_users_factors_after_stepping_up,
);

fn now(app: &TestApp) -> i64 {
    app.state.clock.unix()
}

/// Signs `name` up through the API; returns the access token.
async fn signup(app: &TestApp, name: &str) -> String {
    let res = api(
        app,
        Method::POST,
        "/auth/signup",
        Some(json!({ "username": name, "email": format!("{name}@example.com"), "password": STRONG_PASSWORD })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()["access_token"].as_str().unwrap().to_string()
}

/// Sets up an app for the account behind `token`; returns (secret, recovery codes). The
/// clock moves past the step the setup code used.
async fn enable_totp(app: &TestApp, token: &str) -> (String, Vec<String>) {
    let res = api(app, Method::POST, "/account/mfa/totp", None, Some(token)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let secret = res.json()["secret"].as_str().unwrap().to_string();
    let res = api(
        app,
        Method::POST,
        "/account/mfa/totp/confirm",
        Some(json!({ "code": code_at(&secret, now(app)) })),
        Some(token),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let codes = res.json()["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    app.state.clock.advance(Duration::from_secs(30));
    (secret, codes)
}

async fn login(app: &TestApp, name: &str) -> Value {
    let res = api(
        app,
        Method::POST,
        "/auth/login",
        Some(json!({ "login": name, "password": STRONG_PASSWORD })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

async fn verify(app: &TestApp, mfa_token: &str, code: &str) -> common::TestResponse {
    api(
        app,
        Method::POST,
        "/auth/mfa/verify",
        Some(json!({ "mfa_token": mfa_token, "code": code })),
        None,
    )
    .await
}

async fn an_app_is_set_up_only_with_a_valid_code_and_its_secret_is_sealed(backend: Backend) {
    let app = spawn(backend).await;
    let token = signup(&app, "ann").await;
    let res = api(&app, Method::POST, "/account/mfa/totp", None, Some(&token)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let setup = res.json();
    let secret = setup["secret"].as_str().unwrap().to_string();
    assert!(
        setup["uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Gatehouse:ann?secret=")
    );
    // Asking again while unconfirmed shows the same secret (a reload keeps the QR code).
    let again = api(&app, Method::POST, "/account/mfa/totp", None, Some(&token)).await;
    assert_eq!(again.json()["secret"], secret.as_str());
    let sealed: String = sqlx::query_scalar("select secret_sealed from totp_factors")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(!sealed.contains(&secret), "the secret is stored sealed");
    // Not on until a valid code comes.
    let status = api(&app, Method::GET, "/account/mfa", None, Some(&token)).await;
    assert_eq!(status.json()["totp"], false);
    assert!(login(&app, "ann").await.get("access_token").is_some());
    let wrong = api(
        &app,
        Method::POST,
        "/account/mfa/totp/confirm",
        Some(json!({ "code": "000000" })),
        Some(&token),
    )
    .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    let res = api(
        &app,
        Method::POST,
        "/account/mfa/totp/confirm",
        Some(json!({ "code": code_at(&secret, now(&app)) })),
        Some(&token),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let codes = res.json()["codes"].as_array().unwrap().len();
    assert_eq!(codes, 10);
    let status = api(&app, Method::GET, "/account/mfa", None, Some(&token)).await;
    assert_eq!(status.json()["totp"], true);
    assert_eq!(status.json()["recovery_codes_left"], 10);
    // Codes are stored hashed.
    assert_eq!(
        app.count("select count(*) from recovery_codes where length(code_hash) = 64")
            .await,
        10
    );
    // A second setup is refused while one is on.
    let res = api(&app, Method::POST, "/account/mfa/totp", None, Some(&token)).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'totp_enabled'")
            .await,
        1
    );
    assert_eq!(
        app.count(
            "select count(*) from outbox where subject like 'An authenticator app was set up%'"
        )
        .await,
        1
    );
}

async fn api_login_asks_for_the_second_factor_and_verify_gives_tokens(backend: Backend) {
    let app = spawn(backend).await;
    let token = signup(&app, "ann").await;
    let (secret, _) = enable_totp(&app, &token).await;
    let challenge = login(&app, "ann").await;
    assert_eq!(challenge["mfa_required"], true);
    assert!(
        challenge.get("access_token").is_none(),
        "no tokens before the second factor"
    );
    assert_eq!(challenge["methods"], json!(["totp", "recovery_code"]));
    assert!(challenge["expires_in"].as_i64().unwrap() <= 300);
    let mfa_token = challenge["mfa_token"].as_str().unwrap();
    let res = verify(&app, mfa_token, &code_at(&secret, now(&app))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let tokens = res.json();
    let me = api(
        &app,
        Method::GET,
        "/auth/me",
        None,
        tokens["access_token"].as_str(),
    )
    .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["username"], "ann");
    // The session starts exactly as a one-step login's: its audit event names the password.
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'login_ok' and detail like '%\"method\":\"password\"%'")
            .await,
        1
    );
    // Single use.
    app.state.clock.advance(Duration::from_secs(30));
    let again = verify(&app, mfa_token, &code_at(&secret, now(&app))).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "{}", again.body);
    assert_eq!(again.json()["code"], "invalid_grant");
}

async fn codes_accept_one_step_of_drift_and_never_replay(backend: Backend) {
    let app = spawn(backend).await;
    let token = signup(&app, "ann").await;
    let (secret, _) = enable_totp(&app, &token).await;
    app.state.clock.advance(Duration::from_secs(120));
    // Two steps behind: refused.
    let c = login(&app, "ann").await;
    let t = c["mfa_token"].as_str().unwrap();
    let res = verify(&app, t, &code_at(&secret, now(&app) - 60)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    // One step behind: accepted.
    let res = verify(&app, t, &code_at(&secret, now(&app) - 30)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // The same code again, or the current step's after a newer one… the step of the
    // accepted code and every older one are spent.
    let c = login(&app, "ann").await;
    let t = c["mfa_token"].as_str().unwrap();
    let res = verify(&app, t, &code_at(&secret, now(&app) - 30)).await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "replayed code: {}",
        res.body
    );
    // One step ahead (a fast phone): accepted; then the current step is spent too.
    let res = verify(&app, t, &code_at(&secret, now(&app) + 30)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let c = login(&app, "ann").await;
    let t = c["mfa_token"].as_str().unwrap();
    let res = verify(&app, t, &code_at(&secret, now(&app))).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        app.count_eventually(
            "select count(*) from audit_events where kind = 'second_factor_failed'",
            3
        )
        .await
            >= 3
    );
}

async fn wrong_codes_end_the_pending_login_and_are_throttled(backend: Backend) {
    let app = spawn(backend).await;
    let token = signup(&app, "ann").await;
    let (secret, _) = enable_totp(&app, &token).await;
    let c = login(&app, "ann").await;
    let t = c["mfa_token"].as_str().unwrap().to_string();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(verify(&app, &t, "000000").await.status);
        // Past any delay the account's failures have earned.
        app.state.clock.advance(Duration::from_secs(1));
    }
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY),
        "{statuses:?}"
    );
    // The fifth wrong code ended it: even the right code no longer works.
    let res = verify(&app, &t, &code_at(&secret, now(&app))).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    // Failures count against the account like wrong passwords: the next try must wait.
    let c = login(&app, "ann").await;
    let t = c["mfa_token"].as_str().unwrap().to_string();
    let res = verify(&app, &t, "000000").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = verify(&app, &t, &code_at(&secret, now(&app))).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    // After the delay the owner gets in.
    app.state.clock.advance(Duration::from_secs(61));
    let res = verify(&app, &t, &code_at(&secret, now(&app))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

async fn recovery_codes_work_once_and_are_audited_and_mailed(backend: Backend) {
    let app = spawn(backend).await;
    let token = signup(&app, "ann").await;
    let (_, codes) = enable_totp(&app, &token).await;
    let c = login(&app, "ann").await;
    // Typed loosely (upper case, spaces): still the code.
    let typed = codes[0].to_uppercase().replace('-', " ");
    let res = verify(&app, c["mfa_token"].as_str().unwrap(), &typed).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let c = login(&app, "ann").await;
    let res = verify(&app, c["mfa_token"].as_str().unwrap(), &codes[0]).await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "used twice: {}",
        res.body
    );
    let res = verify(&app, c["mfa_token"].as_str().unwrap(), &codes[1]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let status = api(&app, Method::GET, "/account/mfa", None, Some(&token)).await;
    assert_eq!(status.json()["recovery_codes_left"], 8);
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'recovery_code_used'")
            .await,
        2
    );
    assert_eq!(
        app.count("select count(*) from outbox where subject like 'A recovery code was used%'")
            .await,
        2
    );
    // Regenerating (a recent login: the API's signup session) kills the old ones.
    let res = api(
        &app,
        Method::POST,
        "/account/mfa/recovery-codes",
        None,
        Some(&token),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let fresh: Vec<String> = serde_json::from_value(res.json()["codes"].clone()).unwrap();
    assert_eq!(fresh.len(), 10);
    let c = login(&app, "ann").await;
    let res = verify(&app, c["mfa_token"].as_str().unwrap(), &codes[2]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let res = verify(&app, c["mfa_token"].as_str().unwrap(), &fresh[0]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

async fn pending_logins_expire_and_are_single_use(backend: Backend) {
    let app = spawn(backend).await;
    let token = signup(&app, "ann").await;
    let (secret, _) = enable_totp(&app, &token).await;
    let c = login(&app, "ann").await;
    app.state.clock.advance(Duration::from_secs(301));
    let res = verify(
        &app,
        c["mfa_token"].as_str().unwrap(),
        &code_at(&secret, now(&app)),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    let res = verify(&app, "not-a-token", &code_at(&secret, now(&app))).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    // Two racing verifications with good codes: one session, not two.
    let c = login(&app, "ann").await;
    let t = c["mfa_token"].as_str().unwrap();
    let (this, next) = (
        code_at(&secret, now(&app)),
        code_at(&secret, now(&app) + 30),
    );
    let (a, b) = tokio::join!(verify(&app, t, &this), verify(&app, t, &next));
    let ok = [a.status, b.status]
        .iter()
        .filter(|s| **s == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "{} / {}", a.body, b.body);
}

async fn sensitive_changes_need_a_recent_authentication(backend: Backend) {
    let app = spawn(backend).await;
    let token = signup(&app, "ann").await;
    let (secret, _) = enable_totp(&app, &token).await;
    app.state.clock.advance(Duration::from_secs(11 * 60));
    let res = api(
        &app,
        Method::DELETE,
        "/account/mfa/totp",
        None,
        Some(&token),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert_eq!(res.json()["code"], "reauth_required");
    for path in ["/account/mfa/recovery-codes"] {
        let res = api(&app, Method::POST, path, None, Some(&token)).await;
        assert_eq!(res.json()["code"], "reauth_required", "{path}");
    }
    let res = api(
        &app,
        Method::PUT,
        "/auth/change-password",
        Some(json!({ "current_password": STRONG_PASSWORD, "new_password": "another long passphrase here" })),
        Some(&token),
    )
    .await;
    assert_eq!(res.json()["code"], "reauth_required", "{}", res.body);
    let wrong = api(
        &app,
        Method::POST,
        "/auth/reauth",
        Some(json!({ "password": "not the password" })),
        Some(&token),
    )
    .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    let res = api(
        &app,
        Method::POST,
        "/auth/reauth",
        Some(json!({ "code": code_at(&secret, now(&app)) })),
        Some(&token),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let res = api(
        &app,
        Method::DELETE,
        "/account/mfa/totp",
        None,
        Some(&token),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    // Without a factor the codes go too, and the login is one step again.
    let status = api(&app, Method::GET, "/account/mfa", None, Some(&token)).await;
    assert_eq!(
        status.json(),
        json!({"totp": false, "passkeys": 0, "recovery_codes_left": 0})
    );
    assert!(login(&app, "ann").await.get("access_token").is_some());
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'reauthenticated'")
            .await,
        1
    );
    assert_eq!(
        app.count(
            "select count(*) from outbox where subject like 'The authenticator app was removed%'"
        )
        .await,
        1
    );
}

async fn browser_login_continues_at_verify_with_and_without_javascript(backend: Backend) {
    let app = spawn(backend).await;
    assert_eq!(
        app.signup("ann", "ann@example.com").await.status,
        StatusCode::OK
    );
    // Set up through the Security card's server functions, as the page does.
    app.start_totp().await;
    let view = app.call("/fn/security", &[]).await.json();
    let secret = view["setup"]["secret"].as_str().unwrap().to_string();
    assert!(view["setup"]["qr_svg"].as_str().unwrap().contains("<svg"));
    let code = code_at(&secret, now(&app));
    let res = app
        .call(
            "/fn/security-step",
            &[("change", "confirm_totp"), ("code", &code)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // The new codes show until the person says they saved them (however often the card
    // renders), never in another browser, and no longer than ten minutes.
    for _ in 0..2 {
        let view = app.call("/fn/security", &[]).await.json();
        assert_eq!(view["new_codes"].as_array().unwrap().len(), 10);
    }
    let res = app
        .call(
            "/fn/security-step",
            &[("change", "hide_codes"), ("code", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(app.call("/fn/security", &[]).await.json()["new_codes"].is_null());
    app.state.clock.advance(Duration::from_secs(30));
    app.logout().await;

    // JavaScript on: the login answers with a redirect to the second step, and no session.
    let res = app.login("ann", STRONG_PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        app.cookie(&app.access_cookie_name()).is_none(),
        "no session yet"
    );
    assert!(app.me().await.is_null());
    let pending = app.call("/fn/pending-login", &[]).await.json();
    assert_eq!(pending["username"], "ann");
    let res = app
        .call(
            "/fn/login-verify",
            &[("code", &code_at(&secret, now(&app))), ("next", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(app.me().await["username"], "ann");
    app.logout().await;
    app.state.clock.advance(Duration::from_secs(30));

    // JavaScript off: plain posts and redirects.
    let res = app
        .post_form(
            "/fn/login",
            &[
                ("login", "ann"),
                ("password", STRONG_PASSWORD),
                ("next", "/sessions"),
            ],
            "/login",
        )
        .await;
    assert_eq!(
        res.location(),
        Some("/login/verify?next=%2Fsessions"),
        "{}",
        res.body
    );
    let page = app.get("/login/verify?next=%2Fsessions").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Two-step verification") && page.body.contains("ann"),
        "{}",
        page.body
    );
    let res = app
        .post_form(
            "/fn/login-verify",
            &[("code", "000000"), ("next", "/sessions")],
            "/login/verify",
        )
        .await;
    assert_eq!(res.location(), Some("/login/verify?next=%2Fsessions"));
    let page = app.get("/login/verify?next=%2Fsessions").await;
    assert!(
        page.body.contains("That code is not right"),
        "{}",
        page.body
    );
    let res = app
        .post_form(
            "/fn/login-verify",
            &[
                ("code", &code_at(&secret, now(&app))),
                ("next", "/sessions"),
            ],
            "/login/verify",
        )
        .await;
    assert_eq!(res.location(), Some("/sessions"), "{}", res.body);
    assert_eq!(app.me().await["username"], "ann");
}

async fn the_password_grant_refuses_accounts_with_a_second_factor(backend: Backend) {
    let app = spawn(backend).await;
    let token = signup(&app, "ann").await;
    enable_totp(&app, &token).await;
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!(
            "grant_type=password&username=ann&password={}",
            STRONG_PASSWORD.replace(' ', "+")
        )))
        .unwrap();
    let res = app.another_browser().send(req).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert_eq!(res.json()["code"], "mfa_required");
    assert!(!res.body.contains("access_token"));
}

async fn admins_must_set_up_a_factor_when_required(backend: Backend) {
    let app = spawn_with(backend, |s| s.accounts.require_mfa_for_admins = Some(true)).await;
    let token = signup(&app, "ada").await;
    app.execute("update users set role = 'admin'").await;
    assert_eq!(
        app.signup("ada2", "ada2@example.com").await.status,
        StatusCode::OK
    );
    app.execute("update users set role = 'admin'").await;
    let page = app.get("/admin").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/profile?mfa=required#security"));
    let res = app.call("/fn/admin/users", &[("q", "")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let res = api(&app, Method::GET, "/users", None, Some(&token)).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert_eq!(res.json()["code"], "mfa_setup_required");
    enable_totp(&app, &token).await;
    let res = api(&app, Method::GET, "/users", None, Some(&token)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // Off by default in development.
    let dev = spawn(backend).await;
    signup(&dev, "ada").await;
    dev.execute("update users set role = 'admin'").await;
    assert!(!dev.state.settings.admins_need_mfa());
}

async fn an_admin_resets_a_users_factors_after_stepping_up(backend: Backend) {
    let app = spawn(backend).await;
    let admin = signup(&app, "ada").await;
    app.execute("update users set role = 'admin'").await;
    let user = signup(&app, "bob").await;
    enable_totp(&app, &user).await;
    let bob: String = sqlx::query_scalar("select id from users where username = 'bob'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    // A user cannot.
    let res = api(
        &app,
        Method::DELETE,
        &format!("/users/{bob}/mfa"),
        None,
        Some(&user),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // An admin whose login is old must confirm first.
    app.state.clock.advance(Duration::from_secs(11 * 60));
    let res = api(
        &app,
        Method::DELETE,
        &format!("/users/{bob}/mfa"),
        None,
        Some(&admin),
    )
    .await;
    assert_eq!(res.json()["code"], "reauth_required", "{}", res.body);
    let res = api(
        &app,
        Method::POST,
        "/auth/reauth",
        Some(json!({ "password": STRONG_PASSWORD })),
        Some(&admin),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let res = api(
        &app,
        Method::DELETE,
        &format!("/users/{bob}/mfa"),
        None,
        Some(&admin),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    assert!(
        login(&app, "bob").await.get("access_token").is_some(),
        "one step again"
    );
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'factors_reset'")
            .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from outbox where recipient = 'bob@example.com' and subject like 'An administrator reset%'")
            .await,
        1
    );
}
