//! A single-page app (a public client with PKCE, running in the browser on its own
//! origin) reads the back channel's answers: CORS without credentials on discovery, the
//! JWKS, token, userinfo and revocation; nothing more (introspection and the browser's
//! own endpoints stay same-origin).

use crate::common::{TestApp, TestResponse, spawn};
use crate::provider::{CALLBACK, code_for, person, pkce, register};
use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use gatehouse::server::db::Backend;

on_both_backends!(a_single_page_app_reads_the_back_channel_from_its_origin);

const SPA: &str = "https://spa.example";

/// A request as the SPA's page sends it: its Origin, no cookies.
async fn from_spa(
    app: &TestApp,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> TestResponse {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::ORIGIN, SPA);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    app.another_browser()
        .send(req.body(body.map(Body::from).unwrap_or_default()).unwrap())
        .await
}

/// The browser's preflight for a request with these headers.
async fn preflight(app: &TestApp, path: &str, method: &str, headers: &str) -> TestResponse {
    from_spa(
        app,
        Method::OPTIONS,
        path,
        &[
            ("access-control-request-method", method),
            ("access-control-request-headers", headers),
        ],
        None,
    )
    .await
}

fn allowed(res: &TestResponse) -> Option<&str> {
    res.headers
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .and_then(|v| v.to_str().ok())
}

async fn a_single_page_app_reads_the_back_channel_from_its_origin(backend: Backend) {
    let app = spawn(backend).await;
    person(&app, "sara").await;
    let client = register(&app, "Acme SPA", |c| {
        c.confidential = false;
        c.first_party = true;
    })
    .await;

    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/jwks.json",
    ] {
        let res = from_spa(&app, Method::GET, path, &[], None).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        assert_eq!(allowed(&res), Some("*"), "{path}");
    }

    // The token endpoint: preflight (the page sends a form and may send Basic auth),
    // then the exchange itself.
    let res = preflight(&app, "/oauth2/token", "POST", "content-type,authorization").await;
    assert!(res.status.is_success(), "{}", res.status);
    assert_eq!(allowed(&res), Some("*"));
    assert!(
        res.headers
            .get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
            .is_none(),
        "never with credentials"
    );
    let (verifier, challenge) = pkce();
    let code = code_for(
        &app,
        &client,
        "openid profile offline_access",
        Some(&challenge),
    )
    .await;
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", &code)
        .append_pair("redirect_uri", CALLBACK)
        .append_pair("client_id", &client.client.id)
        .append_pair("code_verifier", &verifier)
        .finish();
    let res = from_spa(
        &app,
        Method::POST,
        "/oauth2/token",
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(form),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(allowed(&res), Some("*"));
    let tokens = res.json();
    let access = tokens["access_token"].as_str().unwrap();

    let res = preflight(&app, "/oauth2/userinfo", "GET", "authorization").await;
    assert_eq!(allowed(&res), Some("*"));
    let bearer = format!("Bearer {access}");
    let res = from_spa(
        &app,
        Method::GET,
        "/oauth2/userinfo",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(allowed(&res), Some("*"));
    assert_eq!(res.json()["preferred_username"], "sara");

    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", tokens["refresh_token"].as_str().unwrap())
        .append_pair("client_id", &client.client.id)
        .finish();
    let res = from_spa(
        &app,
        Method::POST,
        "/oauth2/revoke",
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(form),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(allowed(&res), Some("*"));
    let res = from_spa(
        &app,
        Method::GET,
        "/oauth2/userinfo",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "revoked");
    // The page's library reads why (RFC 6750's challenge), so the header is exposed.
    assert!(res.headers.contains_key(header::WWW_AUTHENTICATE));
    let exposed = res.headers[header::ACCESS_CONTROL_EXPOSE_HEADERS]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("www-authenticate"), "{exposed}");

    // Nothing else opens up: introspection, the authorization endpoint, the session's
    // API and server functions answer other origins without CORS.
    for (path, method) in [
        ("/oauth2/introspect", "POST"),
        ("/oauth2/authorize", "GET"),
        ("/oauth2/consent", "POST"),
        ("/fn/login", "POST"),
    ] {
        let res = preflight(&app, path, method, "content-type").await;
        assert_eq!(allowed(&res), None, "{path}");
    }
    let res = from_spa(
        &app,
        Method::POST,
        "/fn/login",
        &[("content-type", "application/x-www-form-urlencoded")],
        Some("login=sara&password=x".into()),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
}
