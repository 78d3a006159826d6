//! Passkeys without an authenticator: the ceremony endpoints' answers (a ceremony is
//! single-use, expires after five minutes, and is bound to the browser and account), the
//! list, rename and remove with their audit and mail, the last-way-in rule, and passkeys
//! being off when `public_url` is an IP address. The full ceremonies with an
//! authenticator run in the browser tests (end2end/tests/passkeys.spec.ts).

use crate::common::{ORIGIN, TestApp, TestResponse, spawn, spawn_with};
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use gatehouse::server::db::Backend;
use serde_json::{Value, json};
use std::time::Duration;

on_both_backends!(
    finishing_without_a_ceremony_is_refused,
    a_sign_in_ceremony_is_single_use,
    a_sign_in_ceremony_expires_after_five_minutes,
    registration_needs_a_login_and_a_name,
    registration_asks_for_a_discoverable_verified_credential,
    a_registration_belongs_to_the_browser_and_account_that_started_it,
    passkeys_are_listed_renamed_and_removed_with_audit_and_mail,
    another_account_cannot_touch_my_passkeys,
    the_last_way_to_sign_in_cannot_be_removed,
    a_passkey_counts_as_a_way_in_when_disconnecting_a_provider,
    passkeys_are_off_when_the_public_url_is_an_ip_address,
);

async fn post_json(app: &TestApp, path: &str, body: Value) -> TestResponse {
    post_from(app, ORIGIN, path, body).await
}

async fn post_from(app: &TestApp, origin: &str, path: &str, body: Value) -> TestResponse {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .header(header::ORIGIN, origin)
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(req).await
}

/// A credential-shaped value that is not one (the browser part is missing).
fn junk() -> Value {
    json!({ "credential": { "id": "x" } })
}

async fn signed_up(app: &TestApp, name: &str) -> String {
    let res = app.signup(name, &format!("{name}@example.com")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    user_id(app, name).await
}

async fn user_id(app: &TestApp, username: &str) -> String {
    sqlx::query_scalar::<_, String>("select id from users where username = $1")
        .bind(username)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

/// Stores a passkey row as a registration would (its credential is never parsed by the
/// list, rename or remove).
async fn stored_passkey(app: &TestApp, user_id: &str, name: &str) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "insert into passkeys (id, user_id, credential_id, name, passkey, created_at) \
         values ($1, $2, $3, $4, '{}', 1700000000)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(format!("cred-{id}"))
    .bind(name)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    id
}

fn code(res: &TestResponse) -> String {
    res.json()["code"].as_str().unwrap_or_default().to_string()
}

async fn finishing_without_a_ceremony_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    // The login page offers passkeys: a button, and the username field's autofill.
    let login = app.get("/login").await;
    assert!(login.body.contains("Sign in with a passkey"));
    assert!(login.body.contains(r#"autocomplete="username webauthn""#));
    let res = post_json(&app, "/auth/passkey/login/finish", junk()).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(code(&res), "no_ceremony");
    assert!(
        res.json()["message"]
            .as_str()
            .unwrap()
            .contains("Please try again")
    );
    // Not even JSON: the same calm answer, never a 500.
    let req = Request::post("/auth/passkey/login/finish")
        .header(header::ORIGIN, ORIGIN)
        .body(Body::from("not json"))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::BAD_REQUEST);
}

async fn a_sign_in_ceremony_is_single_use(backend: Backend) {
    let app = spawn(backend).await;
    let start = post_json(&app, "/auth/passkey/login/start", json!({})).await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.body);
    let options = start.json();
    assert!(options["publicKey"]["challenge"].as_str().is_some());
    assert_eq!(options["publicKey"]["rpId"], "gatehouse.test");
    assert_eq!(options["publicKey"]["userVerification"], "required");
    // The page chooses autofill or a dialog itself.
    assert!(options.get("mediation").is_none());

    let res = post_json(&app, "/auth/passkey/login/finish", junk()).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(code(&res), "malformed_credential");
    // The failed try spent the ceremony.
    let again = post_json(&app, "/auth/passkey/login/finish", junk()).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&again), "no_ceremony");
    // Another browser never had one.
    let other = app.another_browser();
    post_json(&app, "/auth/passkey/login/start", json!({})).await;
    let res = post_json(&other, "/auth/passkey/login/finish", junk()).await;
    assert_eq!(code(&res), "no_ceremony");
}

async fn a_sign_in_ceremony_expires_after_five_minutes(backend: Backend) {
    let app = spawn(backend).await;
    post_json(&app, "/auth/passkey/login/start", json!({})).await;
    app.state.clock.advance(Duration::from_secs(301));
    let res = post_json(&app, "/auth/passkey/login/finish", junk()).await;
    assert_eq!(res.status, StatusCode::GONE, "{}", res.body);
    assert_eq!(code(&res), "ceremony_expired");
    assert!(res.json()["message"].as_str().unwrap().contains("expired"));
    let again = post_json(&app, "/auth/passkey/login/finish", junk()).await;
    assert_eq!(code(&again), "no_ceremony");
}

async fn registration_needs_a_login_and_a_name(backend: Backend) {
    let app = spawn(backend).await;
    let body = json!({ "name": "Laptop" });
    let res = post_json(&app, "/auth/passkey/register/start", body.clone()).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    let res = post_json(&app, "/auth/passkey/register/finish", junk()).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);

    signed_up(&app, "nora").await;
    for name in ["", "   ", "line\nbreak", &"x".repeat(65)] {
        let res = post_json(
            &app,
            "/auth/passkey/register/start",
            json!({ "name": name }),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert!(
            res.json()["fields"]["name"].as_str().is_some(),
            "{}",
            res.body
        );
    }
    // Cross-site writes are refused before anything else.
    let req = Request::post("/auth/passkey/register/start")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(body.to_string()))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
}

async fn registration_asks_for_a_discoverable_verified_credential(backend: Backend) {
    let app = spawn(backend).await;
    signed_up(&app, "olga").await;
    let res = post_json(
        &app,
        "/auth/passkey/register/start",
        json!({ "name": "Laptop" }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let pk = &res.json()["publicKey"];
    assert_eq!(pk["rp"]["id"], "gatehouse.test");
    assert_eq!(pk["user"]["name"], "olga");
    assert_eq!(pk["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(pk["authenticatorSelection"]["requireResidentKey"], true);
    assert_eq!(pk["authenticatorSelection"]["userVerification"], "required");

    let res = post_json(&app, "/auth/passkey/register/finish", junk()).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(code(&res), "malformed_credential");
    let again = post_json(&app, "/auth/passkey/register/finish", junk()).await;
    assert_eq!(code(&again), "no_ceremony");
    assert_eq!(app.count("select count(*) from passkeys").await, 0);
}

async fn a_registration_belongs_to_the_browser_and_account_that_started_it(backend: Backend) {
    let app = spawn(backend).await;
    signed_up(&app, "pia").await;
    post_json(
        &app,
        "/auth/passkey/register/start",
        json!({ "name": "Laptop" }),
    )
    .await;
    // The same browser, now signed in as someone else, cannot finish pia's registration.
    app.logout().await;
    signed_up(&app, "quinn").await;
    let res = post_json(&app, "/auth/passkey/register/finish", junk()).await;
    assert_eq!(code(&res), "no_ceremony", "{}", res.body);

    // An expired registration is refused as such.
    post_json(
        &app,
        "/auth/passkey/register/start",
        json!({ "name": "Phone" }),
    )
    .await;
    app.state.clock.advance(Duration::from_secs(300));
    let res = post_json(&app, "/auth/passkey/register/finish", junk()).await;
    assert_eq!(res.status, StatusCode::GONE, "{}", res.body);
}

async fn passkeys_are_listed_renamed_and_removed_with_audit_and_mail(backend: Backend) {
    let app = spawn(backend).await;
    let id = signed_up(&app, "rosa").await;
    let laptop = stored_passkey(&app, &id, "Laptop").await;
    let list = app.call("/fn/passkeys", &[]).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.json()[0]["name"], "Laptop");
    assert_eq!(list.json()[0]["added"], "14 Nov 2023");
    assert_eq!(list.json()[0]["last_used"], Value::Null);

    let res = app
        .call(
            "/fn/rename-passkey",
            &[("id", &laptop), ("name", "  Work laptop ")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Work laptop"));
    let res = app
        .call("/fn/rename-passkey", &[("id", &laptop), ("name", "")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.call("/fn/passkeys", &[]).await.json()[0]["name"],
        "Work laptop"
    );
    let renamed = "select count(*) from audit_events where kind = 'passkey_renamed'";
    assert_eq!(app.count(renamed).await, 1);

    // The account has a password, so its only passkey may go; the owner is told.
    let res = app.call("/fn/remove-passkey", &[("id", &laptop)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Work laptop"));
    assert_eq!(app.count("select count(*) from passkeys").await, 0);
    let removed = "select count(*) from audit_events where kind = 'passkey_removed'";
    assert_eq!(app.count(removed).await, 1);
    let mailed = "select count(*) from outbox where subject like 'A passkey was removed%'";
    assert_eq!(app.count(mailed).await, 1);
    // Gone is gone: a second removal is a 404, not a 500.
    let res = app.call("/fn/remove-passkey", &[("id", &laptop)]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // Without JavaScript: a plain form post lands back on the profile with a notice.
    let phone = stored_passkey(&app, &id, "Phone").await;
    let res = app
        .post_form("/fn/remove-passkey", &[("id", &phone)], "/profile")
        .await;
    res.assert_redirect_to("/profile");
    let page = app.get("/profile").await;
    assert!(
        page.body.contains("Passkey “Phone” removed."),
        "{}",
        page.body
    );
}

async fn another_account_cannot_touch_my_passkeys(backend: Backend) {
    let app = spawn(backend).await;
    let id = signed_up(&app, "sam").await;
    let key = stored_passkey(&app, &id, "Sam's key").await;
    let other = app.another_browser();
    signed_up(&other, "tess").await;
    assert_eq!(other.call("/fn/passkeys", &[]).await.json(), json!([]));
    let res = other
        .call("/fn/rename-passkey", &[("id", &key), ("name", "Mine")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = other.call("/fn/remove-passkey", &[("id", &key)]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("select count(*) from passkeys").await, 1);
    // Anonymous: 401.
    let anonymous = app.another_browser();
    assert_eq!(
        anonymous.call("/fn/passkeys", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn the_last_way_to_sign_in_cannot_be_removed(backend: Backend) {
    let app = spawn(backend).await;
    let id = signed_up(&app, "uma").await;
    let first = stored_passkey(&app, &id, "First").await;
    let second = stored_passkey(&app, &id, "Second").await;
    app.execute(&format!(
        "update users set password_hash = null where id = '{id}'"
    ))
    .await;
    let res = app.call("/fn/remove-passkey", &[("id", &first)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app.call("/fn/remove-passkey", &[("id", &second)]).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(
        res.json()["message"]
            .as_str()
            .unwrap()
            .contains("only way you can log in")
    );
    assert_eq!(app.count("select count(*) from passkeys").await, 1);
}

async fn a_passkey_counts_as_a_way_in_when_disconnecting_a_provider(backend: Backend) {
    let app = spawn(backend).await;
    let id = signed_up(&app, "vera").await;
    app.execute(&format!(
        "update users set password_hash = null where id = '{id}'"
    ))
    .await;
    app.execute(&format!(
        "insert into identities (id, user_id, provider, subject, email, linked_at) \
         values ('i1', '{id}', 'github', 'gh-1', 'vera@example.com', 1)"
    ))
    .await;
    // The provider is the only way in.
    let res = app.call("/fn/disconnect", &[("provider", "github")]).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    // With a passkey, it may go; then the passkey is the last way in.
    let key = stored_passkey(&app, &id, "Laptop").await;
    let res = app.call("/fn/disconnect", &[("provider", "github")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app.call("/fn/remove-passkey", &[("id", &key)]).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
}

async fn passkeys_are_off_when_the_public_url_is_an_ip_address(backend: Backend) {
    let app = spawn_with(backend, |s| {
        s.server.public_url = "http://127.0.0.1:3000".into();
    })
    .await;
    assert!(app.state.webauthn.is_none());
    let own = "http://127.0.0.1:3000";
    let req = Request::post("/fn/site")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::ORIGIN, own)
        .body(Body::empty())
        .unwrap();
    let site = app.send(req).await;
    assert_eq!(site.json()["passkeys"], false, "{}", site.body);
    let login = app.get("/login").await;
    assert!(!login.body.contains("Sign in with a passkey"));
    assert!(!login.body.contains("webauthn"));
    // The endpoints say so plainly.
    let res = post_from(&app, own, "/auth/passkey/login/start", json!({})).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    assert_eq!(code(&res), "passkeys_disabled");
}
