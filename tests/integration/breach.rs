//! Breached passwords against a local stand-in for Have I Been Pwned's range API: a new
//! password in a breach is refused, only five hex characters leave the server, and a
//! slow, failing or unreachable API lets the password through (fail open).

use crate::common;

use axum::{
    Router,
    http::{HeaderMap, StatusCode, Uri},
};
use common::{STRONG_PASSWORD, TestApp, spawn_with};
use gatehouse::server::db::Backend;
use sha1::{Digest, Sha1};
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

on_both_backends!(
    the_check_is_off_by_default_and_asks_nothing,
    a_breached_password_is_refused_at_signup,
    a_breached_password_is_refused_when_changing_it,
    the_check_fails_open_when_the_api_is_slow_or_down,
);

/// In the stand-in's list (with a count), so refused.
const BREACHED: &str = "purple elephant marmalade";
const WORDS: &str = "This password has appeared in a data breach; choose another.";

#[derive(Clone, Copy)]
enum Behaviour {
    Answer,
    Hang,
    Fail,
}

/// What the stand-in was asked: the path and the `Add-Padding` header.
type Asked = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A stand-in range API on 127.0.0.1: its base URL and what it was asked.
struct StandIn {
    url: String,
    asked: Asked,
}

fn sha1_hex(text: &str) -> String {
    Sha1::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

async fn stand_in(behaviour: Behaviour) -> StandIn {
    let asked: Asked = Arc::new(Mutex::new(Vec::new()));
    let seen = asked.clone();
    let breached = sha1_hex(BREACHED);
    let router = Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let seen = seen.clone();
        let breached = breached.clone();
        async move {
            let padding = headers
                .get("add-padding")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            seen.lock().unwrap().push((uri.path().to_string(), padding));
            match behaviour {
                Behaviour::Hang => {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    (StatusCode::OK, String::new())
                }
                Behaviour::Fail => (StatusCode::INTERNAL_SERVER_ERROR, String::new()),
                Behaviour::Answer => {
                    // The real API's shape: other suffixes, padding with count 0, and
                    // the breached one when its prefix is asked for.
                    let mut body = "0018A45C4D1DEF81644B54AB7F969B88D65:10\r\n".to_string();
                    body.push_str(&format!(
                        "{}:0\r\n",
                        sha1_hex(STRONG_PASSWORD).split_at(5).1
                    ));
                    if uri.path() == format!("/range/{}", &breached[..5]) {
                        body.push_str(&format!("{}:52\r\n", &breached[5..]));
                    }
                    (StatusCode::OK, body)
                }
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    StandIn { url, asked }
}

async fn app_checking(backend: Backend, url: &str) -> TestApp {
    let url = url.to_string();
    spawn_with(backend, move |s| {
        s.passwords.breach_check = true;
        s.passwords.breach_api_url = url;
        s.passwords.breach_timeout = Duration::from_millis(500);
    })
    .await
}

async fn signup_with(app: &TestApp, username: &str, password: &str) -> common::TestResponse {
    app.call(
        "/fn/signup",
        &[
            ("username", username),
            ("email", &format!("{username}@example.com")),
            ("password", password),
            ("password_confirm", password),
            ("display_name", ""),
        ],
    )
    .await
}

async fn the_check_is_off_by_default_and_asks_nothing(backend: Backend) {
    let api = stand_in(Behaviour::Answer).await;
    let url = api.url.clone();
    let app = spawn_with(backend, move |s| s.passwords.breach_api_url = url).await;
    let res = signup_with(&app, "amy", BREACHED).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(api.asked.lock().unwrap().is_empty(), "no request when off");
    // And the default settings need no internet: the check is off.
    assert!(
        !gatehouse::server::config::Settings::default()
            .passwords
            .breach_check
    );
}

async fn a_breached_password_is_refused_at_signup(backend: Backend) {
    let api = stand_in(Behaviour::Answer).await;
    let app = app_checking(backend, &api.url).await;
    let res = signup_with(&app, "bea", BREACHED).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.json()["fields"]["password"], WORDS);
    assert_eq!(app.count("select count(*) from users").await, 0);

    // Only the first five hex characters of the SHA-1 were sent, with padding asked for.
    let asked = api.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    let (path, padding) = &asked[0];
    let prefix = path.strip_prefix("/range/").expect("the range path");
    assert_eq!(prefix, &sha1_hex(BREACHED)[..5]);
    assert!(prefix.len() == 5 && prefix.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(padding.as_deref(), Some("true"));

    // The JSON API refuses it the same way, with 422.
    let res = common::api(
        &app,
        axum::http::Method::POST,
        "/auth/signup",
        Some(serde_json::json!({"username": "bea", "email": "bea@example.com", "password": BREACHED})),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["fields"]["password"], WORDS);

    // A password in no breach (only a padding line of the answer) is fine.
    let res = signup_with(&app, "bea", STRONG_PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

async fn a_breached_password_is_refused_when_changing_it(backend: Backend) {
    let api = stand_in(Behaviour::Answer).await;
    let app = app_checking(backend, &api.url).await;
    assert_eq!(
        app.signup("cara", "cara@example.com").await.status,
        StatusCode::OK
    );
    let change = |new: &'static str| {
        let app = &app;
        async move {
            app.call(
                "/fn/change-password",
                &[
                    ("current_password", STRONG_PASSWORD),
                    ("new_password", new),
                    ("new_password_confirm", new),
                ],
            )
            .await
        }
    };
    let res = change(BREACHED).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.json()["fields"]["new_password"], WORDS);
    let res = change("another fine passphrase").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

async fn the_check_fails_open_when_the_api_is_slow_or_down(backend: Backend) {
    let slow = stand_in(Behaviour::Hang).await;
    let app = app_checking(backend, &slow.url).await;
    let started = std::time::Instant::now();
    let res = signup_with(&app, "dan", BREACHED).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "bounded by the timeout"
    );
    assert_eq!(slow.asked.lock().unwrap().len(), 1);

    let failing = stand_in(Behaviour::Fail).await;
    let app = app_checking(backend, &failing.url).await;
    assert_eq!(
        signup_with(&app, "eve", BREACHED).await.status,
        StatusCode::OK
    );

    // Nothing listens on a port just freed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = app_checking(backend, &format!("http://127.0.0.1:{port}")).await;
    assert_eq!(
        signup_with(&app, "fay", BREACHED).await.status,
        StatusCode::OK
    );
}
