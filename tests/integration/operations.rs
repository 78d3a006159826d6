//! What operators of a fleet rely on: request ids (in logs and on responses; the outage
//! page's reference is checked with the outage in `trust.rs`), Prometheus metrics on
//! their own address, the admin overview, and `/readyz` taking a draining instance out
//! of rotation.

use crate::common::*;
use axum::http::{Method, Request, StatusCode};
use gatehouse::server::db::Backend;
use serde_json::json;

fn request_id(res: &TestResponse) -> String {
    res.headers
        .get("x-request-id")
        .expect("every response has an X-Request-Id")
        .to_str()
        .unwrap()
        .to_string()
}

on_both_backends!(
    the_overview_counts_signups_logins_failures_and_throttled_attempts_per_day,
    every_response_has_a_request_id_and_only_a_plain_incoming_one_is_kept,
    a_draining_instance_is_not_ready,
);

async fn the_overview_counts_signups_logins_failures_and_throttled_attempts_per_day(
    backend: Backend,
) {
    let admin = spawn_with(backend, |s| s.accounts.login_attempts_per_ip_per_minute = 3).await;
    admin.signup("ada", "ada@example.com").await;
    admin
        .execute("update users set role = 'admin' where username = 'ada'")
        .await;
    let visitor = admin.another_browser();
    visitor.set_peer("203.0.113.5");
    assert_eq!(
        visitor.login("ada", STRONG_PASSWORD).await.status,
        StatusCode::OK
    );
    for _ in 0..2 {
        let res = visitor.login("ada", "wrong password here").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    }
    let res = visitor.login("ada", STRONG_PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    // Each instance writes its throttled count once a minute; now, here.
    gatehouse::server::auth::overview::flush_counts(&admin.state).await;

    let res = admin.call("/fn/admin/overview", &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let overview = res.json();
    let days = overview["days"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    let today = &days[29];
    assert_eq!(today["signups"], 1, "{today}");
    // The signup logged in too.
    assert_eq!(today["logins"], 2, "{today}");
    assert_eq!(today["failed_logins"], 2, "{today}");
    assert_eq!(today["throttled"], 1, "{today}");
    assert!(days[..29].iter().all(|d| d["signups"] == 0));
    assert!(overview["mail"]["waiting"].is_i64());

    let page = admin.get("/admin/overview").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Failed logins per day for 30 days: 2 in all, 2 today"),
        "{}",
        page.body
    );
    // Users are refused.
    let user = admin.another_browser();
    user.signup("bob", "bob@example.com").await;
    assert_eq!(
        user.call("/fn/admin/overview", &[]).await.status,
        StatusCode::FORBIDDEN
    );
}

async fn every_response_has_a_request_id_and_only_a_plain_incoming_one_is_kept(backend: Backend) {
    let app = spawn(backend).await;
    let first = request_id(&app.get("/healthz").await);
    let second = request_id(&app.get("/login").await);
    assert_eq!(first.len(), 32, "{first}");
    assert_ne!(first, second);
    let with = |id: &str| {
        Request::get("/healthz")
            .header("x-request-id", id)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    // A balancer's id is kept, so its logs and ours join up.
    assert_eq!(
        request_id(&app.send(with("lb-4f2a-0001")).await),
        "lb-4f2a-0001"
    );
    // Anything else is replaced: a client does not write into our logs.
    for bad in [
        "x",
        "two words here",
        "<script>alert(1)</script>",
        &"a".repeat(65),
    ] {
        let id = request_id(&app.send(with(bad)).await);
        assert_ne!(id, bad);
        assert_eq!(id.len(), 32);
    }
}

async fn a_draining_instance_is_not_ready(backend: Backend) {
    let app = spawn(backend).await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json(), json!({ "status": "ok", "database": "ok" }));
    app.state
        .draining
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let draining = app.get("/readyz").await;
    assert_eq!(draining.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(draining.json()["status"], "draining");
    // It still serves what it is sent meanwhile.
    assert_eq!(app.get("/login").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_apart_and_count_logins_requests_and_states() {
    // A metrics address puts the request counter on the router; `start` serves them.
    let app = spawn_with(Backend::Sqlite, |s| {
        s.operations.metrics_address = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let address =
        gatehouse::server::metrics::start("127.0.0.1:0".parse().unwrap(), app.state.clone())
            .await
            .expect("metrics listener");
    app.signup("mira", "mira@example.com").await;
    let login = |password: &'static str| {
        api(
            &app,
            Method::POST,
            "/auth/login",
            Some(json!({ "login": "mira", "password": password })),
            None,
        )
    };
    assert_eq!(login(STRONG_PASSWORD).await.status, StatusCode::OK);
    assert_eq!(
        login("wrong password").await.status,
        StatusCode::UNAUTHORIZED
    );
    // Not on the public address.
    assert_eq!(app.get("/metrics").await.status, StatusCode::NOT_FOUND);

    let text = reqwest::get(format!("http://{address}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for expected in [
        r#"gatehouse_logins_total{outcome="ok"}"#,
        r#"gatehouse_logins_total{outcome="failed"}"#,
        r#"gatehouse_http_requests_total{class="api",status="200"}"#,
        r#"gatehouse_http_request_duration_seconds_bucket{class="api""#,
        "gatehouse_password_hash_wait_seconds_count",
        "gatehouse_sessions_active",
        "gatehouse_mail_queued",
        "gatehouse_mail_oldest_queued_age_seconds",
        r#"gatehouse_db_pool_connections{state="idle"}"#,
        r#"gatehouse_cache_lookups_total{cache="token",result="miss"}"#,
    ] {
        assert!(text.contains(expected), "no {expected} in:\n{text}");
    }
    // Two sessions at least: the signup's and the API login's.
    let sessions = text
        .lines()
        .find_map(|l| l.strip_prefix("gatehouse_sessions_active "))
        .unwrap();
    assert!(sessions.trim().parse::<f64>().unwrap() >= 2.0, "{sessions}");
}
