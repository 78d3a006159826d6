//! Several instances on one PostgreSQL database, as behind a load balancer: throttles
//! shared through Redis, cache invalidations reaching every instance at once (Redis
//! pub/sub, or PostgreSQL's LISTEN/NOTIFY without Redis), mail sent once, and Redis down
//! meaning "degraded", not failed. Real PostgreSQL and Redis (127.0.0.1, or
//! `GATEHOUSE_TEST_POSTGRES` / `GATEHOUSE_TEST_REDIS`).

use crate::common::{mail::MailServer, *};
use axum::http::{Method, StatusCode};
use gatehouse::server::{config::Settings, db::Backend};
use std::time::{Duration, Instant};

fn redis_url() -> String {
    std::env::var("GATEHOUSE_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Redis under a prefix of this test's own.
fn with_redis(s: &mut Settings) {
    s.redis.url = redis_url();
    s.redis.key_prefix = format!("gatehouse-test-{}", uuid::Uuid::new_v4().simple());
}

/// Two instances (workers running) on one fresh PostgreSQL database.
async fn pair(tweak: impl Fn(&mut Settings) + Clone) -> (TestApp, TestApp) {
    let a = spawn_with(Backend::Postgres, tweak.clone()).await;
    let b = a.another_instance(|_| {}).await;
    a.state.spawn_workers();
    b.state.spawn_workers();
    for app in [&a, &b] {
        if app.state.redis.is_some() {
            wait_until("Redis is connected", || {
                app.state.redis.as_ref().unwrap().is_healthy()
            })
            .await;
        }
    }
    // The listeners subscribe in the background; give them a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    (a, b)
}

async fn wait_until(what: &str, ok: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !ok() {
        assert!(Instant::now() < deadline, "{what}: not within 5 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn token_for(app: &TestApp, username: &str) -> String {
    let res = api_login(app, username, STRONG_PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["access_token"].as_str().unwrap().to_string()
}

async fn me_status(app: &TestApp, token: &str) -> StatusCode {
    api(app, Method::GET, "/auth/me", None, Some(token))
        .await
        .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_brute_force_spread_over_two_instances_is_throttled_as_on_one() {
    let (a, b) = pair(|s| {
        with_redis(s);
        s.accounts.failed_logins_before_delay = 4;
    })
    .await;
    a.signup("ida", "ida@example.com").await;
    // Four failures, alternating instances: the account's one budget is spent...
    for (i, app) in [&a, &b, &a, &b].into_iter().enumerate() {
        let res = api_login(app, "ida", &format!("wrong guess {i}")).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    }
    // ...so either instance makes the next try wait.
    for app in [&a, &b] {
        let res = api_login(app, "ida", STRONG_PASSWORD).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clients_budget_is_shared_by_the_instances() {
    let (a, b) = pair(|s| {
        with_redis(s);
        s.accounts.login_attempts_per_ip_per_minute = 4;
    })
    .await;
    for app in [&a, &b] {
        app.set_peer("198.51.100.7");
    }
    let mut statuses = Vec::new();
    for app in [&a, &b, &a, &b, &a, &b] {
        let browser = app.another_browser();
        browser.set_peer("198.51.100.7");
        statuses.push(browser.login("nobody-here", "wrong guess").await.status);
    }
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(throttled, 2, "{statuses:?}");
}

/// Logs out through `a` while `b` has the session fresh in its cache: `b` refuses the
/// token long before its one-second freshness bound.
async fn a_logout_through_one_instance_is_refused_by_the_other_at_once(a: TestApp, b: TestApp) {
    a.signup("lou", "lou@example.com").await;
    let token = token_for(&a, "lou").await;
    assert_eq!(
        me_status(&b, &token).await,
        StatusCode::OK,
        "b caches the session"
    );
    let res = api(&a, Method::POST, "/auth/logout", None, Some(&token)).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let logged_out = Instant::now();
    while me_status(&b, &token).await == StatusCode::OK {
        assert!(
            logged_out.elapsed() < Duration::from_millis(400),
            "b still accepts the token of a session ended on a"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_is_seen_by_the_other_instance_at_once_through_redis() {
    let (a, b) = pair(with_redis).await;
    a_logout_through_one_instance_is_refused_by_the_other_at_once(a, b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_is_seen_by_the_other_instance_at_once_through_postgres() {
    let (a, b) = pair(|_| {}).await;
    assert!(a.state.redis.is_none());
    a_logout_through_one_instance_is_refused_by_the_other_at_once(a, b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_is_degraded_and_limits_fall_back_to_each_instance() {
    // Nothing listens on port 1.
    let app = spawn_with(Backend::Postgres, |s| {
        s.redis.url = "redis://127.0.0.1:1".into();
        s.accounts.login_attempts_per_ip_per_minute = 2;
    })
    .await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["status"], "degraded");
    assert_eq!(res.json()["redis"], "unreachable");
    app.set_peer("198.51.100.8");
    app.signup("rey", "rey@example.com").await;
    let other = app.another_browser();
    other.set_peer("198.51.100.8");
    assert_eq!(
        other.login("rey", STRONG_PASSWORD).await.status,
        StatusCode::OK
    );
    assert_eq!(
        other.login("rey", "wrong guess").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        other.login("rey", STRONG_PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the instance's own budget still applies"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_never_send_one_mail_twice() {
    let mail = MailServer::start().await;
    let port = mail.port;
    let (a, b) = pair(move |s| {
        s.accounts.require_verified_email = true;
        s.mail.smtp_host = "127.0.0.1".into();
        s.mail.smtp_port = port;
        s.mail.tls = gatehouse::server::config::MailTls::None;
        s.mail.from = "Gatehouse Test <gatehouse@example.com>".into();
    })
    .await;
    const PEOPLE: usize = 12;
    for i in 0..PEOPLE {
        let app = if i % 2 == 0 { &a } else { &b };
        let res = app
            .another_browser()
            .signup(&format!("twin{i}"), &format!("twin{i}@example.com"))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    for i in 0..PEOPLE {
        mail.wait_for(&format!("twin{i}@example.com"), "Verify")
            .await;
    }
    // Both workers keep polling a while longer: nothing is sent again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for i in 0..PEOPLE {
        assert_eq!(mail.messages_to(&format!("twin{i}@example.com")).len(), 1);
    }
}
