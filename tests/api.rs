//! The JSON API under /api/v1: every endpoint and status, bearer tokens, refresh in the
//! body, the error shape, and the JWKS document.

mod common;

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use common::{STRONG_PASSWORD, TestApp, TestResponse, spawn};
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
);

/// An API client: no cookie jar, a bearer token when given.
async fn api(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> TestResponse {
    let mut req = Request::builder()
        .method(method)
        .uri(format!("/api/v1{path}"));
    if let Some(token) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match body {
        Some(v) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    // Not the app's own jar: API clients keep tokens themselves.
    app.another_browser().send(req.body(body).unwrap()).await
}

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
    assert_eq!(res.json()["total"], 1);
    assert_eq!(
        api(
            &app,
            Method::GET,
            "/users?sort=sideways",
            None,
            Some(&admin)
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
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
    let page = app.get("/api/docs").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("/api-docs/swagger-ui-bundle.js"));
    assert!(!page.body.contains("https://"), "nothing from a CDN");
    let bundle = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("public/api-docs/swagger-ui-bundle.js");
    assert!(
        bundle.metadata().unwrap().len() > 100_000,
        "the vendored Swagger UI is there"
    );
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
