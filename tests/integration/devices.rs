//! The Devices page: each signed-in device listed, signing one, the others or all out, a
//! revoked session refused on its next request, and the purge of dead sessions.

use crate::common;

use axum::http::StatusCode;
use common::{STRONG_PASSWORD, TestApp, spawn};
use gatehouse::server::{auth::maintenance, db::Backend};

on_both_backends!(
    each_device_is_listed_with_browser_ip_and_this_device,
    signing_out_another_device_ends_it_on_its_next_request,
    sign_out_others_keeps_this_device,
    sign_out_everywhere_ends_this_device_too,
    nobody_can_sign_out_someone_elses_session,
    device_functions_need_a_login,
    the_devices_page_needs_a_login_and_lists_devices,
    sign_out_without_javascript_comes_back_with_a_notice,
    dead_sessions_are_purged,
);

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// One account, logged in on a Linux laptop (Firefox) and a Windows PC (Chrome).
async fn two_devices(backend: Backend) -> (TestApp, TestApp) {
    let laptop = spawn(backend).await;
    laptop.set_user_agent(FIREFOX);
    assert_eq!(
        laptop.signup("dora", "dora@example.com").await.status,
        StatusCode::OK
    );
    let pc = laptop.another_browser();
    pc.set_user_agent(CHROME);
    assert_eq!(
        pc.login("dora", STRONG_PASSWORD).await.status,
        StatusCode::OK
    );
    (laptop, pc)
}

async fn devices(app: &TestApp) -> Vec<serde_json::Value> {
    let res = app.call("/fn/devices", &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json().as_array().unwrap().clone()
}

async fn each_device_is_listed_with_browser_ip_and_this_device(backend: Backend) {
    let (laptop, _pc) = two_devices(backend).await;
    let list = devices(&laptop).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let mine: Vec<_> = list.iter().filter(|d| d["current"] == true).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["description"], "Firefox 128 on Linux");
    let other = list.iter().find(|d| d["current"] == false).unwrap();
    assert_eq!(other["description"], "Chrome 131 on Windows 10");
    assert_eq!(other["last_active"], "just now");
    assert!(other["signed_in"].as_str().unwrap().ends_with("UTC"));
    // Nothing secret rides along.
    let text = serde_json::to_string(&list).unwrap();
    assert!(!text.contains("hash") && !text.contains("token"), "{text}");
}

async fn signing_out_another_device_ends_it_on_its_next_request(backend: Backend) {
    let (laptop, pc) = two_devices(backend).await;
    let pc_session = devices(&laptop)
        .await
        .into_iter()
        .find(|d| d["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = laptop
        .call("/fn/sign-out-device", &[("session_id", &pc_session)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json(), "That device has been signed out.");

    // The PC's access token is still unexpired, yet its next request is anonymous.
    assert!(pc.me().await.is_null());
    pc.get("/profile")
        .await
        .assert_redirect_to("/login?next=/profile");
    assert_eq!(
        pc.call("/fn/devices", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(laptop.me().await["username"], "dora");
    assert_eq!(devices(&laptop).await.len(), 1);
    assert_eq!(
        laptop
            .count("select count(*) from audit_events where kind = 'session_revoked'")
            .await,
        1
    );
}

async fn sign_out_others_keeps_this_device(backend: Backend) {
    let (laptop, pc) = two_devices(backend).await;
    let phone = laptop.another_browser();
    phone.login("dora@example.com", STRONG_PASSWORD).await;
    let res = laptop.call("/fn/sign-out-others", &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json(), "2 other devices have been signed out.");
    assert!(pc.me().await.is_null());
    assert!(phone.me().await.is_null());
    assert_eq!(laptop.me().await["username"], "dora");
    let res = laptop.call("/fn/sign-out-others", &[]).await;
    assert_eq!(res.json(), "No other device was signed in.");
}

async fn sign_out_everywhere_ends_this_device_too(backend: Backend) {
    let (laptop, pc) = two_devices(backend).await;
    // Both sessions are fresh in the server's session cache.
    assert_eq!(pc.me().await["username"], "dora");
    assert_eq!(laptop.me().await["username"], "dora");
    let res = laptop.call("/fn/sign-out-everywhere", &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        laptop.cookie(&laptop.refresh_cookie_name()).is_none(),
        "cookies cleared"
    );
    assert!(laptop.me().await.is_null());
    assert!(pc.me().await.is_null());
    assert_eq!(
        laptop
            .count("select count(*) from sessions where revoked_at is null")
            .await,
        0
    );
}

async fn nobody_can_sign_out_someone_elses_session(backend: Backend) {
    let (laptop, pc) = two_devices(backend).await;
    let session = devices(&pc).await[0]["id"].as_str().unwrap().to_string();
    let mallory = laptop.another_browser();
    mallory.signup("mallory", "mallory@example.com").await;
    let res = mallory
        .call("/fn/sign-out-device", &[("session_id", &session)])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = mallory
        .call("/fn/sign-out-device", &[("session_id", "not-a-session")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(pc.me().await["username"], "dora");
    assert_eq!(laptop.me().await["username"], "dora");
}

async fn device_functions_need_a_login(backend: Backend) {
    let app = spawn(backend).await;
    for path in [
        "/fn/devices",
        "/fn/sign-out-device",
        "/fn/sign-out-others",
        "/fn/sign-out-everywhere",
    ] {
        let res = app.call(path, &[("session_id", "x")]).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{path}: {}", res.body);
        assert_eq!(res.json()["code"], "unauthorized");
    }
}

async fn the_devices_page_needs_a_login_and_lists_devices(backend: Backend) {
    let (laptop, _pc) = two_devices(backend).await;
    let stranger = laptop.another_browser();
    stranger
        .get("/sessions")
        .await
        .assert_redirect_to("/login?next=/sessions");
    let page = laptop.get("/sessions").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Firefox 128 on Linux"), "{}", page.body);
    assert!(page.body.contains("Chrome 131 on Windows 10"));
    assert!(page.body.contains("This device"));
    assert!(page.body.contains("Sign out everywhere"));
}

async fn sign_out_without_javascript_comes_back_with_a_notice(backend: Backend) {
    let (laptop, pc) = two_devices(backend).await;
    let res = laptop
        .post_form("/fn/sign-out-others", &[], "/sessions")
        .await;
    res.assert_redirect_to("/sessions");
    let page = laptop.get("/sessions").await;
    assert!(
        page.body.contains("1 other device has been signed out."),
        "{}",
        page.body
    );
    assert!(pc.me().await.is_null());
    let res = laptop
        .post_form("/fn/sign-out-everywhere", &[], "/sessions")
        .await;
    res.assert_redirect_to("/login");
    let page = laptop.get("/login").await;
    assert!(
        page.body.contains("signed out on every device"),
        "{}",
        page.body
    );
}

async fn dead_sessions_are_purged(backend: Backend) {
    let (laptop, pc) = two_devices(backend).await;
    let phone = laptop.another_browser();
    phone.login("dora", STRONG_PASSWORD).await;
    let id_of = |list: &[serde_json::Value], description: &str| {
        list.iter()
            .find(|d| d["description"] == description)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let list = devices(&laptop).await;
    let (pc_id, phone_id) = (
        id_of(&list, "Chrome 131 on Windows 10"),
        id_of(&list, "Unknown device"),
    );
    // The PC's session has expired; the phone's was revoked two days ago.
    laptop
        .execute(&format!(
            "update sessions set expires_at = 1 where id = '{pc_id}'"
        ))
        .await;
    phone.logout().await;
    laptop
        .execute(&format!(
            "update sessions set revoked_at = revoked_at - 172800 where id = '{phone_id}'"
        ))
        .await;
    assert_eq!(laptop.count("select count(*) from sessions").await, 3);
    let purged = maintenance::purge(&laptop.state).await.unwrap();
    assert_eq!(purged.sessions, 2, "the expired and the long-revoked one");
    assert_eq!(laptop.count("select count(*) from sessions").await, 1);
    assert_eq!(laptop.me().await["username"], "dora", "the live one stays");
    assert!(pc.me().await.is_null());
    // A session revoked just now stays a day, so the trail is still visible.
    laptop.logout().await;
    assert_eq!(maintenance::purge(&laptop.state).await.unwrap().sessions, 0);
}
