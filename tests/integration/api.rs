//! The JSON API under /api/v1: every endpoint and status, bearer tokens, refresh in the
//! body, the error shape, and the JWKS document.

use crate::common;

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use common::{STRONG_PASSWORD, TestApp, api, spawn};
use gatehouse::server::db::Backend;
use serde_json::{Value, json};

on_both_backends!(
    signup_login_me_refresh_logout,
    signup_conflicts_and_validation,
    login_failures_and_the_password_grant,
    missing_or_bad_tokens_get_401_with_a_challenge,
    refresh_tokens_rotate_and_reuse_is_refused,
    profile_patch_refuses_protected_fields,
    change_password_and_sessions,
    admin_endpoints_need_the_admin_role,
    email_endpoints_answer_without_revealing_accounts,
    bad_bodies_are_4xx_with_a_message,
    jwks_publishes_the_verifying_key,
    the_openapi_document_covers_every_endpoint,
    every_api_route_is_documented_and_every_operation_routed,
    seed_document_examples_work_against_api_v1,
    nul_bytes_are_4xx_not_500,
);

async fn signup(app: &TestApp, username: &str) -> Value {
    let res = api(
        app,
        Method::POST,
        "/auth/signup",
        Some(json!({ "username": username, "email": format!("{username}@example.com"), "password": STRONG_PASSWORD })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()
}

async fn login(app: &TestApp, username: &str) -> Value {
    let res = api(
        app,
        Method::POST,
        "/auth/login",
        Some(json!({ "login": username, "password": STRONG_PASSWORD })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

/// A time as the API gives it: RFC 3339, in UTC.
fn assert_rfc3339(value: &Value) {
    use time::{OffsetDateTime, format_description::well_known::Rfc3339};
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("a time string: {value}"));
    let parsed = OffsetDateTime::parse(text, &Rfc3339).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert!(parsed.year() >= 2024, "{text}");
}

fn token(v: &Value) -> String {
    v["access_token"].as_str().unwrap().to_string()
}

async fn signup_login_me_refresh_logout(backend: Backend) {
    let app = spawn(backend).await;
    let created = signup(&app, "ivy").await;
    assert_eq!(created["user"]["username"], "ivy");
    assert_eq!(created["token_type"], "Bearer");
    assert!(created["refresh_token"].is_string());
    assert!(created.get("password_hash").is_none());
    let tokens = login(&app, "ivy@example.com").await;
    assert_eq!(tokens["expires_in"], 900);
    assert_eq!(tokens["user"]["email"], "ivy@example.com");

    let res = api(&app, Method::GET, "/auth/me", None, Some(&token(&tokens))).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["username"], "ivy");
    assert_rfc3339(&res.json()["created_at"]);
    assert_rfc3339(&res.json()["last_login_at"]);
    assert!(res.json().get("member_since").is_none(), "no page wording");
    assert!(res.set_cookies().is_empty(), "API answers set no cookies");

    let refresh = tokens["refresh_token"].as_str().unwrap();
    let res = api(
        &app,
        Method::POST,
        "/auth/refresh",
        Some(json!({ "refresh_token": refresh })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let fresh = res.json();
    assert_ne!(fresh["refresh_token"], tokens["refresh_token"]);

    let res = api(
        &app,
        Method::POST,
        "/auth/logout",
        None,
        Some(&token(&fresh)),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let res = api(&app, Method::GET, "/auth/me", None, Some(&token(&fresh))).await;
    assert_eq!(
        res.status,
        StatusCode::UNAUTHORIZED,
        "a logged-out session's token is refused at once"
    );
    let res = api(
        &app,
        Method::POST,
        "/auth/refresh",
        Some(json!({ "refresh_token": fresh["refresh_token"] })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.json()["code"], "invalid_grant");

    // logout-all ends every session.
    let a = login(&app, "ivy").await;
    let b = login(&app, "ivy").await;
    let res = api(
        &app,
        Method::POST,
        "/auth/logout-all",
        None,
        Some(&token(&a)),
    )
    .await;
    assert_eq!(res.json()["sessions_ended"], 3, "{}", res.body);
    assert_eq!(
        api(&app, Method::GET, "/auth/me", None, Some(&token(&b)))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn signup_conflicts_and_validation(backend: Backend) {
    let app = spawn(backend).await;
    signup(&app, "jack").await;
    let res = api(&app, Method::POST, "/auth/signup", Some(json!({ "username": "JACK", "email": "other@example.com", "password": STRONG_PASSWORD })), None).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(res.json()["code"], "conflict");
    assert!(res.json()["fields"]["username"].is_string());
    let res = api(
        &app,
        Method::POST,
        "/auth/signup",
        Some(
            json!({ "username": "jill", "email": "Jack@Example.com", "password": STRONG_PASSWORD }),
        ),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.json()["fields"]["email"].is_string());
    let res = api(
        &app,
        Method::POST,
        "/auth/signup",
        Some(json!({ "username": "x", "email": "nope", "password": "short" })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.json();
    assert_eq!(body["code"], "invalid");
    assert!(body["detail"].is_string());
    for field in ["username", "email", "password"] {
        assert!(body["fields"][field].is_string(), "{field}: {body}");
    }
}

async fn login_failures_and_the_password_grant(backend: Backend) {
    let app = spawn(backend).await;
    signup(&app, "kim").await;
    let res = api(
        &app,
        Method::POST,
        "/auth/login",
        Some(json!({ "login": "kim", "password": "wrong password here" })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.json()["code"], "invalid_credentials");
    assert_eq!(res.headers[header::WWW_AUTHENTICATE], "Bearer");
    let unknown = api(
        &app,
        Method::POST,
        "/auth/login",
        Some(json!({ "login": "nobody", "password": "wrong password here" })),
        None,
    )
    .await;
    assert_eq!(unknown.body, res.body, "no hint whether the account exists");

    // OAuth2 password grant, form-encoded.
    let form = |body: &str| {
        Request::post("/api/v1/auth/token")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let res = app
        .another_browser()
        .send(form(&format!(
            "grant_type=password&username=kim&password={}",
            STRONG_PASSWORD.replace(' ', "+")
        )))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["token_type"], "Bearer");
    let res = app
        .another_browser()
        .send(form("grant_type=client_credentials"))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["code"], "unsupported_grant_type");
    let res = app
        .another_browser()
        .send(form(
            "grant_type=password&username=kim&password=nope-nope-nope",
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);

    app.execute("update users set deactivated_at = 1 where username = 'kim'")
        .await;
    let res = api(
        &app,
        Method::POST,
        "/auth/login",
        Some(json!({ "login": "kim", "password": STRONG_PASSWORD })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.json()["code"], "account_deactivated");
}

async fn missing_or_bad_tokens_get_401_with_a_challenge(backend: Backend) {
    let app = spawn(backend).await;
    let tokens = signup(&app, "lou").await;
    let good = token(&tokens);
    let mut tampered = good.clone();
    tampered.pop();
    tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
    let forged_none = {
        let parts: Vec<&str> = good.split('.').collect();
        use base64::Engine;
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"alg":"none","typ":"at+jwt"}"#);
        format!("{header}.{}.", parts[1])
    };
    for (label, token) in [
        ("none", None),
        ("garbage", Some("abc")),
        ("tampered", Some(tampered.as_str())),
        ("alg none", Some(forged_none.as_str())),
    ] {
        let res = api(&app, Method::GET, "/auth/me", None, token).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{label}");
        assert!(
            res.headers[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Bearer"),
            "{label}"
        );
        assert_eq!(res.json()["code"], "unauthorized", "{label}");
        assert!(
            res.set_cookies().is_empty(),
            "{label}: no cookies for API clients"
        );
    }
    assert_eq!(
        api(&app, Method::GET, "/auth/me", None, Some(&good))
            .await
            .status,
        StatusCode::OK
    );
}

async fn refresh_tokens_rotate_and_reuse_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    let first = signup(&app, "max").await;
    let old = first["refresh_token"].as_str().unwrap().to_string();
    let res = api(
        &app,
        Method::POST,
        "/auth/refresh",
        Some(json!({ "refresh_token": old })),
        None,
    )
    .await;
    let second = res.json();
    // After the grace window, replaying the old token is theft: the session ends.
    app.execute("update sessions set rotated_at = rotated_at - 3600")
        .await;
    let res = api(
        &app,
        Method::POST,
        "/auth/refresh",
        Some(json!({ "refresh_token": old })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = api(&app, Method::GET, "/auth/me", None, Some(&token(&second))).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = api(
        &app,
        Method::POST,
        "/auth/refresh",
        Some(json!({ "refresh_token": "made-up" })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

async fn profile_patch_refuses_protected_fields(backend: Backend) {
    let app = spawn(backend).await;
    let t = token(&signup(&app, "nia").await);
    let res = api(
        &app,
        Method::PATCH,
        "/auth/me",
        Some(json!({ "display_name": "Nia N.", "bio": "hi" })),
        Some(&t),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["display_name"], "Nia N.");
    let res = api(
        &app,
        Method::PATCH,
        "/auth/me",
        Some(json!({ "bio": "changed" })),
        Some(&t),
    )
    .await;
    assert_eq!(
        res.json()["display_name"],
        "Nia N.",
        "fields left out are kept"
    );
    for protected in [
        json!({ "role": "admin" }),
        json!({ "email": "x@example.com" }),
        json!({ "username": "root2" }),
    ] {
        let res = api(
            &app,
            Method::PATCH,
            "/auth/me",
            Some(protected.clone()),
            Some(&t),
        )
        .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{protected}");
        assert_eq!(res.json()["code"], "protected_field");
    }
    assert_eq!(
        api(&app, Method::GET, "/auth/me", None, Some(&t))
            .await
            .json()["role"],
        "user"
    );
    let res = api(
        &app,
        Method::PATCH,
        "/auth/me",
        Some(json!({ "avatar_url": "javascript:alert(1)" })),
        Some(&t),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.json()["fields"]["avatar_url"].is_string());
}

async fn change_password_and_sessions(backend: Backend) {
    let app = spawn(backend).await;
    let a = signup(&app, "otto").await;
    let b = login(&app, "otto").await;
    let res = api(&app, Method::GET, "/auth/sessions", None, Some(&token(&a))).await;
    let list = res.json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    for session in list.as_array().unwrap() {
        for field in ["created_at", "last_used_at", "expires_at"] {
            assert_rfc3339(&session[field]);
        }
        assert!(session.get("last_active").is_none(), "no \"2 minutes ago\"");
    }
    let other = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = api(
        &app,
        Method::DELETE,
        &format!("/auth/sessions/{other}"),
        None,
        Some(&token(&a)),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        api(&app, Method::GET, "/auth/me", None, Some(&token(&b)))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let res = api(
        &app,
        Method::DELETE,
        "/auth/sessions/nope",
        None,
        Some(&token(&a)),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json()["code"], "not_found");

    let res = api(
        &app,
        Method::PUT,
        "/auth/change-password",
        Some(json!({ "current_password": "wrong one!", "new_password": "a brand new passphrase" })),
        Some(&token(&a)),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let res = api(&app, Method::PUT, "/auth/change-password", Some(json!({ "current_password": STRONG_PASSWORD, "new_password": "a brand new passphrase" })), Some(&token(&a))).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let res = api(
        &app,
        Method::POST,
        "/auth/login",
        Some(json!({ "login": "otto", "password": "a brand new passphrase" })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
}

async fn admin_endpoints_need_the_admin_role(backend: Backend) {
    let app = spawn(backend).await;
    signup(&app, "root1").await;
    app.execute("update users set role = 'admin' where username = 'root1'")
        .await;
    let admin = token(&login(&app, "root1").await);
    let user = token(&signup(&app, "pat").await);
    let pat: String = sqlx::query_scalar("select id from users where username = 'pat'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let calls = [
        (Method::GET, "/users".to_string(), None),
        (Method::GET, format!("/users/{pat}"), None),
        (
            Method::PATCH,
            format!("/users/{pat}"),
            Some(json!({ "role": "admin" })),
        ),
        (Method::DELETE, format!("/users/{pat}"), None),
    ];
    for (method, path, body) in &calls {
        let res = api(&app, method.clone(), path, body.clone(), None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        let res = api(&app, method.clone(), path, body.clone(), Some(&user)).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(res.json()["code"], "forbidden");
    }
    let res = api(
        &app,
        Method::GET,
        "/users?q=pat&sort=oldest",
        None,
        Some(&admin),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let found = res.json();
    assert_eq!(found["total"], 1);
    assert_eq!(
        (found["page"].as_i64(), found["pages"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(found["per_page"], 20);
    assert_eq!(found["items"][0]["username"], "pat");
    assert_rfc3339(&found["items"][0]["created_at"]);
    let res = api(
        &app,
        Method::GET,
        "/users?sort=sideways",
        None,
        Some(&admin),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["code"], "bad_request");
    assert!(
        res.json()["detail"]
            .as_str()
            .unwrap()
            .contains("last_login")
    );
    assert_eq!(
        api(&app, Method::GET, "/users?page=x", None, Some(&admin))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let res = api(
        &app,
        Method::GET,
        &format!("/users/{pat}"),
        None,
        Some(&admin),
    )
    .await;
    assert_eq!(res.json()["username"], "pat");
    let res = api(
        &app,
        Method::PATCH,
        &format!("/users/{pat}"),
        Some(json!({ "active": false })),
        Some(&admin),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["active"], false);
    assert_eq!(
        api(&app, Method::GET, "/auth/me", None, Some(&user))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let res = api(
        &app,
        Method::PATCH,
        &format!("/users/{pat}"),
        Some(json!({ "password_hash": "x" })),
        Some(&admin),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let root1: String = sqlx::query_scalar("select id from users where username = 'root1'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let res = api(
        &app,
        Method::PATCH,
        &format!("/users/{root1}"),
        Some(json!({ "role": "user" })),
        Some(&admin),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "the last admin stays");
    assert_eq!(res.json()["code"], "conflict");
    let detail = res.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        detail.contains("last active admin") && detail.contains("/api/v1/users/"),
        "API wording, with what to call instead: {detail}"
    );
    let res = api(
        &app,
        Method::DELETE,
        &format!("/users/{pat}"),
        None,
        Some(&admin),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        api(
            &app,
            Method::GET,
            &format!("/users/{pat}"),
            None,
            Some(&admin)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

async fn email_endpoints_answer_without_revealing_accounts(backend: Backend) {
    let app = spawn(backend).await;
    signup(&app, "quinn").await;
    for email in ["quinn@example.com", "nobody@example.com"] {
        let res = api(
            &app,
            Method::POST,
            "/auth/request-password-reset",
            Some(json!({ "email": email })),
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::ACCEPTED, "{email}");
        let res = api(
            &app,
            Method::POST,
            "/auth/resend-verification",
            Some(json!({ "login": email })),
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::ACCEPTED, "{email}");
    }
    let res = api(
        &app,
        Method::POST,
        "/auth/request-password-reset",
        Some(json!({ "email": "not an address" })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = api(
        &app,
        Method::POST,
        "/auth/verify-email",
        Some(json!({ "token": "forged" })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["code"], "link_invalid");
    let res = api(
        &app,
        Method::POST,
        "/auth/reset-password",
        Some(json!({ "token": "forged", "new_password": "a brand new passphrase" })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

async fn bad_bodies_are_4xx_with_a_message(backend: Backend) {
    let app = spawn(backend).await;
    let raw = |body: &'static str, content_type: &'static str| {
        Request::post("/api/v1/auth/login")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    };
    let res = app
        .another_browser()
        .send(raw("{not json", "application/json"))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(
        res.json()["detail"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    let res = app
        .another_browser()
        .send(raw(r#"{"login": 5}"#, "application/json"))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .another_browser()
        .send(raw("login=a", "text/plain"))
        .await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let res = api(&app, Method::GET, "/nowhere", None, None).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

async fn jwks_publishes_the_verifying_key(backend: Backend) {
    let app = spawn(backend).await;
    let res = app.get("/.well-known/jwks.json").await;
    assert_eq!(res.status, StatusCode::OK);
    let jwks = res.json();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    assert!(key.get("d").is_none(), "never the private part");
    let t = token(&signup(&app, "rae").await);
    let header: Value = {
        use base64::Engine;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(t.split('.').next().unwrap())
            .unwrap();
        serde_json::from_slice(&raw).unwrap()
    };
    assert_eq!(header["kid"], key["kid"]);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "at+jwt");
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let app = common::spawn_with(Backend::Sqlite, |s| {
        s.server.cors_origins = vec!["https://app.example.com".into()]
    })
    .await;
    let preflight = |origin: &'static str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/v1/auth/me")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
            .body(Body::empty())
            .unwrap()
    };
    let res = app.send(preflight("https://app.example.com")).await;
    assert_eq!(
        res.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://app.example.com"
    );
    assert!(
        !res.headers
            .contains_key(header::ACCESS_CONTROL_ALLOW_CREDENTIALS),
        "never with cookies"
    );
    let res = app.send(preflight("https://evil.example")).await;
    assert!(
        !res.headers
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    );

    let mut bad = gatehouse::server::config::Settings::default();
    bad.server.cors_origins = vec!["https://app.example.com/".into()];
    let err = bad.finish().unwrap_err().to_string();
    assert!(err.contains("cors_origins"), "{err}");
}

async fn the_openapi_document_covers_every_endpoint(backend: Backend) {
    let app = spawn(backend).await;
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status, StatusCode::OK);
    let doc = res.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in [
        ("post", "/api/v1/auth/signup"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/token"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/logout"),
        ("post", "/api/v1/auth/logout-all"),
        ("get", "/api/v1/auth/me"),
        ("patch", "/api/v1/auth/me"),
        ("put", "/api/v1/auth/change-password"),
        ("get", "/api/v1/auth/sessions"),
        ("delete", "/api/v1/auth/sessions/{id}"),
        ("post", "/api/v1/auth/verify-email"),
        ("post", "/api/v1/auth/resend-verification"),
        ("post", "/api/v1/auth/request-password-reset"),
        ("post", "/api/v1/auth/reset-password"),
        ("get", "/api/v1/users"),
        ("get", "/api/v1/users/{id}"),
        ("patch", "/api/v1/users/{id}"),
        ("delete", "/api/v1/users/{id}"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} documented"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    for view in ["UserView", "DeviceView", "AdminUserView"] {
        assert!(
            doc["components"]["schemas"][view].is_null(),
            "{view}: page view models are not the API's contract"
        );
    }
    let page = app.get("/api/docs").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("/api/docs/swagger-ui-bundle.js"));
    assert!(!page.body.contains("https://"), "nothing from a CDN");
    assert!(
        !page.body.contains("<script>"),
        "no inline script: the CSP allows none without a nonce"
    );
    // Swagger UI is compiled into the binary and served from our own origin.
    let bundle = app.get("/api/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status, StatusCode::OK);
    assert!(
        bundle.body.len() > 100_000,
        "the vendored Swagger UI is there"
    );
    assert!(
        bundle.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    let init = app.get("/api/docs/init.js").await;
    assert!(init.body.contains("/api/v1/openapi.json"));
    assert_eq!(
        app.get("/api/docs/css.css").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/docs/index.html").await.status,
        StatusCode::NOT_FOUND
    );
}

/// The document is collected from the router (`routes!`), and clippy refuses
/// `OpenApiRouter::route` (see clippy.toml), so a route cannot be added without its
/// operation. This checks both ways on every documented path: each method is routed
/// exactly when it is documented.
async fn every_api_route_is_documented_and_every_operation_routed(backend: Backend) {
    let app = spawn(backend).await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    let paths = doc["paths"].as_object().unwrap();
    let methods = ["get", "post", "put", "patch", "delete"];
    assert!(paths.len() >= 15, "{}", paths.len());
    for path in paths.keys() {
        let concrete = path.replace("{id}", "00000000-0000-0000-0000-000000000000");
        for method in methods {
            let req = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&concrete)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap();
            let status = app.another_browser().send(req).await.status;
            let routed = status != StatusCode::METHOD_NOT_ALLOWED;
            let documented = paths
                .get(path.as_str())
                .and_then(|p| p.get(method))
                .is_some();
            assert_eq!(
                routed, documented,
                "{method} {path}: routed {routed} ({status}), documented {documented}"
            );
        }
    }
}

#[tokio::test]
async fn login_attempts_are_throttled_per_account() {
    let app = common::spawn_with(Backend::Sqlite, |s| {
        s.accounts.failed_logins_before_delay = 3
    })
    .await;
    signup(&app, "tia").await;
    signup(&app, "uma").await;
    let attempt = |login: &'static str, password: &'static str| {
        let app = &app;
        async move {
            api(
                app,
                Method::POST,
                "/auth/login",
                Some(json!({ "login": login, "password": password })),
                None,
            )
            .await
        }
    };
    for _ in 0..3 {
        assert_eq!(
            attempt("tia", "a wrong guess here").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password waits now; the answer says so.
    let res = attempt("TIA", STRONG_PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.json()["code"], "too_many_requests");
    assert!(
        res.json()["detail"]
            .as_str()
            .unwrap()
            .contains("wait a moment")
    );
    assert_eq!(
        attempt("uma", STRONG_PASSWORD).await.status,
        StatusCode::OK,
        "other accounts are not affected"
    );
    // The page's login form says it too.
    let res = app
        .call(
            "/fn/login",
            &[
                ("login", "tia"),
                ("password", STRONG_PASSWORD),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
}

/// Every request example in `shared/reference/*.txt` that has a Gatehouse equivalent,
/// replayed against `/api/v1` in the example's own shape, translated as the README's
/// "Coming from the FastAPI tutorials" table says. Examples with no equivalent on purpose
/// (tokens in URLs, a GET that spends a token) are checked to be refused.
async fn seed_document_examples_work_against_api_v1(backend: Backend) {
    const FRONTEND: &str = "https://app.yourdomain.com";
    let app = common::spawn_with(backend, |s| s.server.cors_origins = vec![FRONTEND.into()]).await;
    // The seed examples' own passwords ("Pass123", "password123") are too weak here.
    const NEW_PASSWORD: &str = "a brand new passphrase";
    let form = |path: &str, body: String| {
        Request::post(format!("/api/v1{path}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let encode = |fields: &[(&str, &str)]| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish()
    };
    // The one-time token of the newest mail to `to` whose subject starts with `subject`
    // (links are mailed, never answered: the seeds' "DEV ONLY" tokens have no equivalent).
    async fn mailed_token(app: &TestApp, to: &str, subject: &str) -> String {
        let sql = format!(
            "select text_body from outbox where recipient = '{to}' and subject like '{subject}%' \
             order by created_at desc"
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let bodies: Vec<String> = sqlx::query_scalar(&sql)
                .fetch_all(&app.state.db.pool)
                .await
                .unwrap();
            if let Some(body) = bodies.first() {
                return body
                    .split("token=")
                    .nth(1)
                    .and_then(|rest| rest.split_whitespace().next())
                    .unwrap_or_else(|| panic!("no token in {body}"))
                    .to_string();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no mail {subject:?} to {to}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    // ---- 000: the FastLaunchAPI starter kit -------------------------------------------
    // POST /auth/create-user {username, email, password} -> POST /auth/signup.
    let res = api(
        &app,
        Method::POST,
        "/auth/signup",
        Some(json!({ "username": "john_doe", "email": "john@example.com", "password": STRONG_PASSWORD })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let created = res.json();
    assert_eq!(created["user"]["username"], "john_doe");
    assert_eq!(created["user"]["email"], "john@example.com");
    assert_eq!(created["verification_required"], false);
    let john_id = created["user"]["id"].as_str().unwrap().to_string();

    // POST /auth/token, form-encoded username=&password= (no grant_type) -> same path.
    let res = app
        .another_browser()
        .send(form(
            "/auth/token",
            encode(&[("username", "john_doe"), ("password", STRONG_PASSWORD)]),
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let john = res.json();
    assert!(john["access_token"].is_string() && john["refresh_token"].is_string());
    assert!(
        john["token_type"]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case("bearer")
    );
    let john_access = token(&john);

    // GET /auth/get-user (bearer) -> GET /auth/me.
    let res = api(&app, Method::GET, "/auth/me", None, Some(&john_access)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let me = res.json();
    assert_eq!(me["id"], john_id.as_str());
    assert_eq!(me["username"], "john_doe");
    assert_eq!(me["email"], "john@example.com");
    assert_eq!(me["email_verified"], false, "the seed's is_verified");
    assert_eq!(me["has_password"], true, "the seed's is_oauth, inverted");

    // PATCH /auth/update-user -> PATCH /auth/me. The seed's body as is: its
    // niche_preference is not a Gatehouse field, refused like the seed's protected ones.
    let seed_patch = json!({
        "display_name": "John Doe",
        "bio": "Software developer",
        "niche_preference": "technology",
        "avatar_url": "https://example.com/avatar.jpg"
    });
    let res = api(
        &app,
        Method::PATCH,
        "/auth/me",
        Some(seed_patch),
        Some(&john_access),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(res.json()["code"], "protected_field");
    let res = api(
        &app,
        Method::PATCH,
        "/auth/me",
        Some(json!({
            "display_name": "John Doe",
            "bio": "Software developer",
            "avatar_url": "https://example.com/avatar.jpg"
        })),
        Some(&john_access),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let me = res.json();
    assert_eq!(me["display_name"], "John Doe");
    assert_eq!(me["bio"], "Software developer");
    assert_eq!(me["avatar_url"], "https://example.com/avatar.jpg");
    // ... and the seed's protected email is protected here too.
    let res = api(
        &app,
        Method::PATCH,
        "/auth/me",
        Some(json!({ "email": "other@example.com" })),
        Some(&john_access),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    // POST /auth/refresh {refresh_token} -> same path; the refresh token rotates.
    let res = api(
        &app,
        Method::POST,
        "/auth/refresh",
        Some(json!({ "refresh_token": john["refresh_token"] })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let fresh = res.json();
    assert!(fresh["access_token"].is_string());
    assert!(fresh["refresh_token"].is_string());
    assert_ne!(fresh["refresh_token"], john["refresh_token"]);

    // GET /auth/verify-email?token=... has no equivalent: a GET never spends a token and
    // tokens never travel in API URLs. The same token works in a POST body (001's
    // /auth/email/verification/confirm {token}), below.
    let verify_token = mailed_token(&app, "john@example.com", "Verify").await;
    let res = api(
        &app,
        Method::GET,
        &format!("/auth/verify-email?token={verify_token}"),
        None,
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED, "{}", res.body);

    // POST /auth/request-password-reset {email} -> same path: one answer for everyone.
    for email in ["john@example.com", "nobody@example.com"] {
        let res = api(
            &app,
            Method::POST,
            "/auth/request-password-reset",
            Some(json!({ "email": email })),
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::ACCEPTED, "{email}: {}", res.body);
        assert!(res.json()["detail"].is_string());
    }

    // ---- 001: the long tutorial (its test script, quick start and reference) -----------
    // GET /api/v1/health -> GET /healthz; GET /api/v1/health/database -> GET /readyz.
    let plain_get = |path: &str| Request::get(path).body(Body::empty()).unwrap();
    let res = app.another_browser().send(plain_get("/healthz")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["status"], "ok");
    let res = app.another_browser().send(plain_get("/readyz")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["database"], "ok");

    // The quick reference's register body verbatim: "Pass123" is too weak here (422).
    let res = api(
        &app,
        Method::POST,
        "/auth/signup",
        Some(json!({ "username": "user", "email": "user@example.com", "password": "Pass123" })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.json()["fields"]["password"].is_string());

    // POST /auth/register {username, email, password, full_name} -> POST /auth/signup,
    // full_name -> display_name.
    let res = api(
        &app,
        Method::POST,
        "/auth/signup",
        Some(json!({
            "username": "auth_test_user",
            "email": "authtest@example.com",
            "password": STRONG_PASSWORD,
            "display_name": "Auth Test User"
        })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.json()["user"]["display_name"], "Auth Test User");

    // POST /auth/login {username, password}, wrong -> POST /auth/login {login, password}.
    let res = api(
        &app,
        Method::POST,
        "/auth/login",
        Some(json!({ "login": "wrong_user", "password": "wrong_password" })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers[header::WWW_AUTHENTICATE], "Bearer");
    // ... and right: access_token, refresh_token, token_type, expires_in.
    let res = api(
        &app,
        Method::POST,
        "/auth/login",
        Some(json!({ "login": "auth_test_user", "password": STRONG_PASSWORD })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let tokens = res.json();
    assert!(tokens["refresh_token"].is_string());
    assert_eq!(tokens["expires_in"], 900);
    let access = token(&tokens);
    // POST /auth/login/form (OAuth2 form, "username or email") -> POST /auth/token.
    let res = app
        .another_browser()
        .send(form(
            "/auth/token",
            encode(&[
                ("username", "authtest@example.com"),
                ("password", STRONG_PASSWORD),
            ]),
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // GET /users without a token: 401; with a user's token: 403 (admins only here).
    let res = api(&app, Method::GET, "/users", None, None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = api(&app, Method::GET, "/users", None, Some(&access)).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // POST /users (an admin creates an account) has no equivalent: accounts come from
    // signup or `gatehouse create-admin`.
    let res = api(
        &app,
        Method::POST,
        "/users",
        Some(json!({ "username": "new_user", "email": "newuser@example.com", "password": "Password123" })),
        Some(&access),
    )
    .await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);

    // GET /users/me and GET /auth/me -> GET /auth/me.
    let res = api(&app, Method::GET, "/auth/me", None, Some(&access)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["username"], "auth_test_user");

    // POST /auth/refresh {refresh_token} -> same path.
    let res = api(
        &app,
        Method::POST,
        "/auth/refresh",
        Some(json!({ "refresh_token": tokens["refresh_token"] })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let access = token(&res.json());

    // (Before the password change below, which ends every pending one-time link.)
    // POST /auth/email/verification/request (bearer) -> POST /auth/resend-verification
    // {login}; POST /auth/email/verification/confirm {token} -> POST /auth/verify-email.
    let res = api(
        &app,
        Method::POST,
        "/auth/resend-verification",
        Some(json!({ "login": "auth_test_user" })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.body);
    let t = mailed_token(&app, "authtest@example.com", "Verify").await;
    let res = api(
        &app,
        Method::POST,
        "/auth/verify-email",
        Some(json!({ "token": t })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.json()["detail"].is_string());
    // POST /auth/password/change {current_password, new_password} -> PUT
    // /auth/change-password (003's path), 204; the new password logs in.
    let res = api(
        &app,
        Method::PUT,
        "/auth/change-password",
        Some(json!({ "current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD })),
        Some(&access),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let res = api(
        &app,
        Method::POST,
        "/auth/login",
        Some(json!({ "login": "auth_test_user", "password": NEW_PASSWORD })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let access = token(&res.json());

    // 000's token, refused on GET above, was not spent by it.
    let res = api(
        &app,
        Method::POST,
        "/auth/verify-email",
        Some(json!({ "token": verify_token })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = api(&app, Method::GET, "/auth/me", None, Some(&john_access)).await;
    assert_eq!(res.json()["email_verified"], true);

    // POST /auth/password/reset/confirm {token, new_password} (and 000's
    // /auth/reset-password) -> POST /auth/reset-password; every session ends.
    let reset = mailed_token(&app, "john@example.com", "Reset").await;
    let res = api(
        &app,
        Method::POST,
        "/auth/reset-password",
        Some(json!({ "token": reset, "new_password": NEW_PASSWORD })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.json()["detail"].is_string());
    let res = api(&app, Method::GET, "/auth/me", None, Some(&john_access)).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = app
        .another_browser()
        .send(form(
            "/auth/token",
            encode(&[("username", "john_doe"), ("password", NEW_PASSWORD)]),
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // An expired or forged token: 401 with a Bearer challenge.
    let expired =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwiZXhwIjoxNjAwMDAwMDAwfQ.invalid";
    let res = api(&app, Method::GET, "/auth/me", None, Some(expired)).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(
        res.headers[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );

    // The CORS preflight (OPTIONS /api/v1/auth/login) from a listed origin.
    let res = app
        .another_browser()
        .send(
            Request::builder()
                .method(Method::OPTIONS)
                .uri("/api/v1/auth/login")
                .header(header::ORIGIN, FRONTEND)
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(res.status.is_success(), "{}", res.status);
    assert_eq!(res.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], FRONTEND);

    // POST /auth/logout (bearer) -> same path, 204; the token is dead at once.
    let res = api(&app, Method::POST, "/auth/logout", None, Some(&access)).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let res = api(&app, Method::GET, "/auth/me", None, Some(&access)).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);

    // ---- 003: the starter project -------------------------------------------------------
    // POST /auth/signup {email, username, password, full_name}: full_name -> display_name.
    let res = api(
        &app,
        Method::POST,
        "/auth/signup",
        Some(json!({
            "email": "user@example.com",
            "username": "testuser",
            "password": STRONG_PASSWORD,
            "display_name": "Test User"
        })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let testuser_id = res.json()["user"]["id"].as_str().unwrap().to_string();
    // POST /auth/login {email, password} -> POST /auth/login {login, password}.
    let res = api(
        &app,
        Method::POST,
        "/auth/login",
        Some(json!({ "login": "user@example.com", "password": STRONG_PASSWORD })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let first = res.json();
    // GET /auth/me (bearer).
    let res = api(&app, Method::GET, "/auth/me", None, Some(&token(&first))).await;
    assert_eq!(res.json()["email"], "user@example.com");
    // POST /auth/refresh {refresh_token}.
    let res = api(
        &app,
        Method::POST,
        "/auth/refresh",
        Some(json!({ "refresh_token": first["refresh_token"] })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let first = res.json();
    // GET /auth/active-sessions -> GET /auth/sessions.
    let res = api(
        &app,
        Method::GET,
        "/auth/sessions",
        None,
        Some(&token(&first)),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    let list = res.json();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|s| s["current"] == true),
        "{list}"
    );
    // POST /auth/logout, bearer plus {refresh_token}: 204, and that refresh token is
    // revoked too (the body is accepted and not needed).
    let res = api(
        &app,
        Method::POST,
        "/auth/logout",
        Some(json!({ "refresh_token": first["refresh_token"] })),
        Some(&token(&first)),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let res = api(
        &app,
        Method::POST,
        "/auth/refresh",
        Some(json!({ "refresh_token": first["refresh_token"] })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.json()["code"], "invalid_grant");
    // POST /auth/logout-all (bearer).
    let a = login(&app, "testuser").await;
    let b = login(&app, "testuser").await;
    let res = api(
        &app,
        Method::POST,
        "/auth/logout-all",
        None,
        Some(&token(&a)),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.json()["sessions_ended"].as_u64().unwrap() >= 2);
    let res = api(&app, Method::GET, "/auth/me", None, Some(&token(&b))).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);

    // ---- 002: the short guide -------------------------------------------------------------
    // POST /register {email, password, full_name} -> POST /auth/signup: Gatehouse also
    // needs a username; full_name -> display_name.
    let res = api(
        &app,
        Method::POST,
        "/auth/signup",
        Some(json!({
            "username": "guide",
            "email": "guide@example.com",
            "password": STRONG_PASSWORD,
            "display_name": "Guide Reader"
        })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let guide_id = res.json()["user"]["id"].as_str().unwrap().to_string();
    // client.post("/login", data={email, password}) -> POST /auth/token form, the address
    // as username; a wrong password is 401.
    let res = app
        .another_browser()
        .send(form(
            "/auth/token",
            encode(&[("username", "guide@example.com"), ("password", "wrong")]),
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = app
        .another_browser()
        .send(form(
            "/auth/token",
            encode(&[
                ("username", "guide@example.com"),
                ("password", STRONG_PASSWORD),
            ]),
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let guide = token(&res.json());
    // GET /me -> GET /auth/me {id, email}.
    let res = api(&app, Method::GET, "/auth/me", None, Some(&guide)).await;
    assert_eq!(res.json()["id"], guide_id.as_str());
    assert_eq!(res.json()["email"], "guide@example.com");

    // ---- The admin examples (001's /users routes, 002's delete, 003's user admin) --------
    signup(&app, "boss").await;
    app.execute("update users set role = 'admin' where username = 'boss'")
        .await;
    let boss = token(&login(&app, "boss").await);
    // GET /users (003's GET /users/) and 001's GET /users/stats/count -> GET /users {total}.
    let res = api(&app, Method::GET, "/users", None, Some(&boss)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let total = res.json()["total"].as_i64().unwrap();
    assert!(total >= 5, "{total}");
    // GET /users/{id}.
    let res = api(
        &app,
        Method::GET,
        &format!("/users/{testuser_id}"),
        None,
        Some(&boss),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["username"], "testuser");
    // 003's PUT /users/{id}/activate -> PATCH /users/{id} {"active": true}.
    for active in [false, true] {
        let res = api(
            &app,
            Method::PATCH,
            &format!("/users/{testuser_id}"),
            Some(json!({ "active": active })),
            Some(&boss),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["active"], active);
    }
    // 002's DELETE /users/{user_id} (admin) -> same path, 204.
    let res = api(
        &app,
        Method::DELETE,
        &format!("/users/{guide_id}"),
        None,
        Some(&boss),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let res = api(
        &app,
        Method::GET,
        &format!("/users/{guide_id}"),
        None,
        Some(&boss),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // 003's DELETE /users/me -> DELETE /auth/me {password, confirm: username}, 204.
    let t = token(&login(&app, "testuser").await);
    let res = api(
        &app,
        Method::DELETE,
        "/auth/me",
        Some(json!({ "password": STRONG_PASSWORD, "confirm": "testuser" })),
        Some(&t),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let res = api(
        &app,
        Method::POST,
        "/auth/login",
        Some(json!({ "login": "testuser", "password": STRONG_PASSWORD })),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

/// PostgreSQL refuses a NUL in text: such input is refused as invalid before any lookup,
/// never a 500 or a 503 "unavailable".
async fn nul_bytes_are_4xx_not_500(backend: Backend) {
    let app = spawn(backend).await;
    signup(&app, "root9").await;
    app.execute("update users set role = 'admin' where username = 'root9'")
        .await;
    let admin = token(&login(&app, "root9").await);
    let mut bad = Vec::new();
    let res = api(&app, Method::GET, "/users?q=a%00b", None, Some(&admin)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.json()["fields"]["q"].is_string());
    for (path, body) in [
        (
            "/auth/login",
            json!({ "login": "a\u{0}b", "password": "x" }),
        ),
        ("/auth/resend-verification", json!({ "login": "a\u{0}b" })),
        (
            "/auth/request-password-reset",
            json!({ "email": "a\u{0}b@example.com" }),
        ),
        ("/auth/verify-email", json!({ "token": "a\u{0}b" })),
        ("/auth/refresh", json!({ "refresh_token": "a\u{0}b" })),
        (
            "/auth/signup",
            json!({ "username": "nul", "email": "n@example.com", "password": STRONG_PASSWORD, "display_name": "a\u{0}b" }),
        ),
    ] {
        let res = api(&app, Method::POST, path, Some(body), None).await;
        if res.status.is_server_error() {
            bad.push(format!("{path} {}", res.status));
        }
    }
    let res = api(
        &app,
        Method::PATCH,
        "/auth/me",
        Some(json!({ "bio": "a\u{0}b" })),
        Some(&admin),
    )
    .await;
    if res.status.is_server_error() {
        bad.push(format!("me {}", res.status));
    }
    for (method, path, body) in [
        (Method::GET, "/users/a%00b", None),
        (Method::DELETE, "/users/a%00b", None),
        (
            Method::PATCH,
            "/users/a%00b",
            Some(json!({ "active": false })),
        ),
        (Method::DELETE, "/auth/sessions/a%00b", None),
        (
            Method::POST,
            "/auth/signup",
            Some(
                json!({ "username": "nul2", "email": "a\u{0}b@example.com", "password": STRONG_PASSWORD }),
            ),
        ),
    ] {
        let res = api(&app, method.clone(), path, body, Some(&admin)).await;
        if res.status.is_server_error() {
            bad.push(format!("{method} {path} {}", res.status));
        }
    }
    assert!(bad.is_empty(), "{bad:?}");
}
