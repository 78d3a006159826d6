//! Cookie sessions: transparent refresh, rotation, reuse detection, logout, CSRF and the
//! headers every response carries.

use crate::common;

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use common::{ORIGIN, spawn, spawn_with};
use gatehouse::server::db::Backend;
use std::time::Duration;

on_both_backends!(
    an_expired_or_missing_access_cookie_is_refreshed_transparently,
    refresh_rotates_the_token_and_keeps_only_hashes,
    reuse_within_the_grace_window_keeps_the_user_logged_in,
    reuse_after_the_grace_window_revokes_the_session_and_is_audited,
    logout_revokes_the_session_and_its_access_token_is_refused,
    a_revocation_by_another_instance_is_seen_within_a_second,
    a_forged_or_garbage_cookie_is_cleared_not_an_error,
    cross_origin_posts_are_refused,
    every_response_carries_security_headers_and_a_csp_nonce,
    a_page_cached_for_visitors_is_never_shown_to_a_logged_in_user,
    health_and_readiness_answer,
    unknown_pages_are_a_real_404,
    unreadable_form_bodies_are_a_400_not_a_500,
);

async fn an_expired_or_missing_access_cookie_is_refreshed_transparently(backend: Backend) {
    let app = spawn_with(backend, |s| s.tokens.access_ttl = Duration::from_secs(1)).await;
    app.signup("lena", "lena@example.com").await;
    let first_refresh = app.cookie(&app.refresh_cookie_name()).unwrap();

    // Let the access token expire (the browser would have dropped the cookie too).
    app.state.clock.advance(Duration::from_secs(2));
    let page = app.get("/profile").await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "still logged in on a page load"
    );
    assert!(
        page.set_cookie(&app.access_cookie_name()).is_some(),
        "new access cookie"
    );
    let second_refresh = app.cookie(&app.refresh_cookie_name()).unwrap();
    assert_ne!(first_refresh, second_refresh, "refresh token rotated");

    // A server-function call with no access cookie at all refreshes too.
    app.remove_cookie(&app.access_cookie_name());
    assert_eq!(app.me().await["username"], "lena");
    assert!(app.cookie(&app.access_cookie_name()).is_some());
}

async fn refresh_rotates_the_token_and_keeps_only_hashes(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("mona", "mona@example.com").await;
    let token = app.cookie(&app.refresh_cookie_name()).unwrap();
    let stored = app
        .count(&format!("select count(*) from sessions where refresh_token_hash = '{token}' or previous_token_hash = '{token}'"))
        .await;
    assert_eq!(stored, 0, "the raw token is never stored");

    app.remove_cookie(&app.access_cookie_name());
    app.me().await;
    let rotated = app.cookie(&app.refresh_cookie_name()).unwrap();
    assert_ne!(rotated, token);
    assert_eq!(
        app.count("select count(*) from sessions where previous_token_hash is not null")
            .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from sessions").await,
        1,
        "rotation keeps the one session"
    );
}

async fn reuse_within_the_grace_window_keeps_the_user_logged_in(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("nina", "nina@example.com").await;
    let old = app.cookie(&app.refresh_cookie_name()).unwrap();
    // Tab one refreshes...
    app.remove_cookie(&app.access_cookie_name());
    assert_eq!(app.me().await["username"], "nina");
    let current = app.cookie(&app.refresh_cookie_name()).unwrap();
    // ...and tab two, a moment later, still sends the old token.
    app.remove_cookie(&app.access_cookie_name());
    app.set_cookie(&app.refresh_cookie_name(), &old);
    let res = app.call("/fn/me", &[]).await;
    assert_eq!(res.json()["username"], "nina", "not logged out");
    assert!(
        res.set_cookie(&app.access_cookie_name()).is_some(),
        "a new access token"
    );
    assert_eq!(
        res.set_cookie(&app.refresh_cookie_name()).map(|c| c
            .split(';')
            .next()
            .unwrap_or_default()
            .to_string()),
        Some(format!("{}={current}", app.refresh_cookie_name())),
        "the loser gets the winner's successor, not a fork"
    );
    assert_eq!(
        app.count("select count(*) from sessions where revoked_at is null")
            .await,
        1
    );
    // The winning token keeps working.
    app.remove_cookie(&app.access_cookie_name());
    app.set_cookie(&app.refresh_cookie_name(), &current);
    assert_eq!(app.me().await["username"], "nina");
}

async fn reuse_after_the_grace_window_revokes_the_session_and_is_audited(backend: Backend) {
    let app = spawn_with(backend, |s| s.tokens.refresh_reuse_grace = Duration::ZERO).await;
    app.signup("olga", "olga@example.com").await;
    let stolen = app.cookie(&app.refresh_cookie_name()).unwrap();
    app.remove_cookie(&app.access_cookie_name());
    app.me().await;
    let legit = app.cookie(&app.refresh_cookie_name()).unwrap();

    app.state.clock.advance(Duration::from_secs(2));
    // The thief replays the old token.
    app.clear_cookies();
    app.set_cookie(&app.refresh_cookie_name(), &stolen);
    assert!(app.me().await.is_null(), "replay refused");
    assert_eq!(
        app.count("select count(*) from sessions where revoked_reason = 'refresh_token_reuse'")
            .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'refresh_token_reuse'")
            .await,
        1
    );
    // The whole session is dead, for the legitimate holder too.
    app.clear_cookies();
    app.set_cookie(&app.refresh_cookie_name(), &legit);
    assert!(app.me().await.is_null());
    let leaked = app
        .count(&format!("select count(*) from audit_events where detail like '%{stolen}%' or detail like '%{legit}%'"))
        .await;
    assert_eq!(leaked, 0, "no token in the audit log");
}

async fn logout_revokes_the_session_and_its_access_token_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("pia", "pia@example.com").await;
    let access = app.cookie(&app.access_cookie_name()).unwrap();
    let refresh = app.cookie(&app.refresh_cookie_name()).unwrap();

    let res = app.logout().await;
    assert_eq!(res.status, StatusCode::OK);
    res.assert_redirect_to("/login");
    let cleared = res.set_cookie(&app.access_cookie_name()).unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(app.cookie(&app.access_cookie_name()).is_none());
    assert_eq!(
        app.count("select count(*) from sessions where revoked_reason = 'logout'")
            .await,
        1
    );

    // The old access token is still unexpired, but its session is gone.
    app.set_cookie(&app.access_cookie_name(), &access);
    assert!(
        app.me().await.is_null(),
        "revoked session's access token refused"
    );
    let bearer = Request::post("/fn/me")
        .header(header::AUTHORIZATION, format!("Bearer {access}"))
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .unwrap();
    app.clear_cookies();
    assert_eq!(app.send(bearer).await.body, "null", "as a bearer token too");
    app.set_cookie(&app.refresh_cookie_name(), &refresh);
    assert!(app.me().await.is_null(), "and the refresh token is dead");
    assert_eq!(app.get("/profile").await.status, StatusCode::SEE_OTHER);
}

async fn a_forged_or_garbage_cookie_is_cleared_not_an_error(backend: Backend) {
    let app = spawn(backend).await;
    app.set_cookie(
        &app.access_cookie_name(),
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
    );
    app.set_cookie(&app.refresh_cookie_name(), "not-a-token");
    let page = app.get("/profile").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        page.set_cookie(&app.access_cookie_name())
            .unwrap()
            .contains("Max-Age=0")
    );
    assert!(app.cookie(&app.refresh_cookie_name()).is_none());
}

async fn cross_origin_posts_are_refused(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("quinn", "quinn@example.com").await;
    let forged = |origin: Option<&str>| {
        let mut req = Request::post("/fn/profile")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html");
        if let Some(origin) = origin {
            req = req.header(header::ORIGIN, origin);
        }
        req.body(Body::from("display_name=pwned&bio=&avatar_url="))
            .unwrap()
    };
    for origin in [Some("https://evil.example"), Some("null"), None] {
        let res = app.send(forged(origin)).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{origin:?}");
        assert_eq!(res.json()["code"], "cross_origin");
    }
    // Login CSRF: even without cookies, another site cannot post a login.
    app.clear_cookies();
    let login = Request::post("/fn/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from("login=quinn&password=x&next="))
        .unwrap();
    assert_eq!(app.send(login).await.status, StatusCode::FORBIDDEN);
    app.login("quinn", common::STRONG_PASSWORD).await;
    assert!(
        app.me().await["display_name"].is_null(),
        "nothing was changed"
    );
    let same_site = app.send(forged(Some(ORIGIN))).await;
    assert_eq!(
        same_site.status,
        StatusCode::FOUND,
        "our own origin is fine"
    );
}

async fn every_response_carries_security_headers_and_a_csp_nonce(backend: Backend) {
    let app = spawn(backend).await;
    let page = app.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let h = |name: &str| {
        page.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let csp = h("content-security-policy");
    assert!(
        csp.contains("frame-ancestors 'none'")
            && csp.contains("object-src 'none'")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("nonce in CSP");
    assert!(
        page.body.contains(&format!(r#"nonce="{nonce}""#)),
        "inline scripts carry the nonce"
    );
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert_eq!(h("referrer-policy"), "same-origin");
    assert_eq!(h("x-frame-options"), "DENY");
    assert_eq!(h("cache-control"), "no-store");
    assert!(
        h("strict-transport-security").is_empty(),
        "no HSTS over plain http"
    );
    let other = app.get("/login").await;
    assert!(
        !other.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(nonce),
        "a new nonce each time"
    );
    let other_nonce = other.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .unwrap()
        .to_string();
    assert!(
        other.body.contains(&format!(r#"nonce="{other_nonce}""#)) && !other.body.contains(nonce),
        "a page served again carries its own response's nonce, not the first one's"
    );

    // The JSON API writes no inline script: the same policy, with no nonce to allow one.
    let api = app.get("/api/v1/auth/me").await;
    let api_csp = api.headers["content-security-policy"].to_str().unwrap();
    assert!(
        api_csp.contains("frame-ancestors 'none'") && !api_csp.contains("nonce-"),
        "{api_csp}"
    );
    assert_eq!(api.headers["x-content-type-options"], "nosniff");

    let https = spawn_with(backend, |s| {
        s.server.public_url = "https://id.example".into()
    })
    .await;
    let page = https.get("/").await;
    assert!(page.headers.contains_key("strict-transport-security"));
    assert!(https.state.cookies.access.starts_with("__Host-"));
}

async fn a_page_cached_for_visitors_is_never_shown_to_a_logged_in_user(backend: Backend) {
    let app = spawn(backend).await;
    let visitor = app.another_browser();
    let first = visitor.get("/").await;
    assert!(first.body.contains("Log in"), "the visitors' page");
    assert_eq!(
        visitor.get("/").await.body.len(),
        first.body.len(),
        "served again"
    );

    app.signup("rhea", "rhea@example.com").await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("rhea"),
        "the logged-in user gets their own page, not the visitors' one"
    );
}

async fn health_and_readiness_answer(backend: Backend) {
    let app = spawn(backend).await;
    let live = app.get("/healthz").await;
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(live.json()["status"], "ok");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json()["database"], "ok");
    app.state.db.pool.close().await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
}

async fn unknown_pages_are_a_real_404(backend: Backend) {
    let app = spawn(backend).await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(res.body.contains("Page not found"));
}

async fn unreadable_form_bodies_are_a_400_not_a_500(backend: Backend) {
    let app = spawn(backend).await;
    let req = Request::post("/fn/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::ORIGIN, ORIGIN)
        .body(Body::from(vec![0xff, 0xfe, b'=', 0x80]))
        .unwrap();
    let res = app.send(req).await;
    assert!(res.status.is_client_error(), "{} {}", res.status, res.body);
}

/// Another instance (here: a write straight to the database, which this process hears
/// nothing about) revokes a session this process has cached: its token stops working
/// within a second, the most a cached session is used without asking the database.
async fn a_revocation_by_another_instance_is_seen_within_a_second(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("ines", "ines@example.com").await;
    assert_eq!(app.me().await["username"], "ines");
    app.execute("update sessions set revoked_at = 1, revoked_reason = 'logout'")
        .await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let page = app.get("/profile").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "sent to log in");
    assert_eq!(app.me().await, serde_json::Value::Null);
}
