//! Roles and the admin console: every admin function as anonymous (401), as a user (403)
//! and as an admin; the last-admin rules; deactivation; search and paging; the audit
//! viewer; deleting one's own account; and audit rows that never hold a secret.

use crate::common;

use axum::http::StatusCode;
use common::{STRONG_PASSWORD, TestApp, spawn};
use gatehouse::server::db::Backend;

on_both_backends!(
    admin_functions_refuse_anonymous_and_users,
    a_demoted_admin_loses_admin_powers_at_once,
    the_last_admin_cannot_be_demoted_deactivated_or_deleted,
    deactivation_signs_out_and_blocks_login_until_reactivated,
    destructive_actions_need_confirmation,
    users_are_searched_sorted_and_paged,
    the_audit_log_filters_by_user_kind_and_dates,
    admin_pages_redirect_anonymous_and_forbid_users,
    admin_user_page_shows_sessions_and_recent_events,
    deleting_your_own_account_needs_the_password_and_confirmation,
    an_admin_deletes_an_account,
    users_see_their_own_recent_security_activity,
    audit_rows_never_hold_a_secret,
);

/// An admin (ada) and a user (bob), each logged in in their own browser.
async fn admin_and_user(backend: Backend) -> (TestApp, TestApp) {
    let admin = spawn(backend).await;
    assert_eq!(
        admin.signup("ada", "ada@example.com").await.status,
        StatusCode::OK
    );
    admin
        .execute("update users set role = 'admin' where username = 'ada'")
        .await;
    let user = admin.another_browser();
    assert_eq!(
        user.signup("bob", "bob@example.com").await.status,
        StatusCode::OK
    );
    (admin, user)
}

async fn id_of(app: &TestApp, username: &str) -> String {
    sqlx::query_scalar::<_, String>("select id from users where username = $1")
        .bind(username)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn admin_functions_refuse_anonymous_and_users(backend: Backend) {
    let (admin, user) = admin_and_user(backend).await;
    let bob = id_of(&admin, "bob").await;
    let anonymous = admin.another_browser();
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/fn/admin/users", vec![("q", "")]),
        ("/fn/admin/user", vec![("id", &bob)]),
        ("/fn/admin/set-role", vec![("id", &bob), ("role", "admin")]),
        (
            "/fn/admin/set-active",
            vec![("id", &bob), ("active", "false"), ("confirm", "yes")],
        ),
        ("/fn/admin/sign-out-user", vec![("id", &bob)]),
        (
            "/fn/admin/delete-user",
            vec![("id", &bob), ("confirm", "yes")],
        ),
        ("/fn/admin/audit", vec![("user", "")]),
    ];
    for (path, fields) in &calls {
        let res = anonymous.call(path, fields).await;
        assert_eq!(
            res.status,
            StatusCode::UNAUTHORIZED,
            "anonymous {path}: {}",
            res.body
        );
        let res = user.call(path, fields).await;
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "user {path}: {}",
            res.body
        );
        assert_eq!(res.json()["code"], "forbidden");
    }
    // Nothing happened to bob.
    assert_eq!(user.me().await["role"], "user");

    // The admin can do each.
    let res = admin.call("/fn/admin/users", &[("q", "")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["total"], 2);
    let res = admin.call("/fn/admin/user", &[("id", &bob)]).await;
    assert_eq!(res.json()["user"]["username"], "bob");
    let res = admin
        .call("/fn/admin/set-role", &[("id", &bob), ("role", "admin")])
        .await;
    assert_eq!(res.json(), "bob is now an admin.");
    assert_eq!(user.me().await["role"], "admin", "the role applies at once");
    let res = admin.call("/fn/admin/sign-out-user", &[("id", &bob)]).await;
    assert_eq!(res.json(), "1 session has been signed out.");
    assert!(user.me().await.is_null());
    let res = admin
        .call("/fn/admin/audit", &[("kind", "role_changed")])
        .await;
    assert_eq!(res.json()["total"], 1);
    let res = admin
        .call("/fn/admin/delete-user", &[("id", &bob), ("confirm", "yes")])
        .await;
    assert_eq!(res.json(), "The account bob has been deleted.");
    assert_eq!(admin.count("select count(*) from users").await, 1);
    let res = admin.call("/fn/admin/user", &[("id", &bob)]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

async fn a_demoted_admin_loses_admin_powers_at_once(backend: Backend) {
    let (admin, user) = admin_and_user(backend).await;
    let bob = id_of(&admin, "bob").await;
    admin
        .call("/fn/admin/set-role", &[("id", &bob), ("role", "admin")])
        .await;
    assert_eq!(
        user.call("/fn/admin/users", &[]).await.status,
        StatusCode::OK
    );
    let ada = id_of(&admin, "ada").await;
    // Bob demotes ada; her unexpired access token still says "admin", yet she is refused.
    let res = user
        .call("/fn/admin/set-role", &[("id", &ada), ("role", "user")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        admin.call("/fn/admin/users", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let res = admin
        .call("/fn/admin/set-role", &[("id", &ada), ("role", "superuser")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = user
        .call("/fn/admin/set-role", &[("id", &ada), ("role", "superuser")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "unknown role");
}

async fn the_last_admin_cannot_be_demoted_deactivated_or_deleted(backend: Backend) {
    let (admin, _user) = admin_and_user(backend).await;
    let ada = id_of(&admin, "ada").await;
    for (path, fields) in [
        (
            "/fn/admin/set-role",
            vec![("id", ada.as_str()), ("role", "user")],
        ),
        (
            "/fn/admin/set-active",
            vec![
                ("id", ada.as_str()),
                ("active", "false"),
                ("confirm", "yes"),
            ],
        ),
        (
            "/fn/admin/delete-user",
            vec![("id", ada.as_str()), ("confirm", "yes")],
        ),
    ] {
        let res = admin.call(path, &fields).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{path}: {}", res.body);
        assert!(
            res.json()["message"]
                .as_str()
                .unwrap()
                .contains("last active admin")
        );
    }
    let res = admin
        .call(
            "/fn/delete-account",
            &[("delete_password", STRONG_PASSWORD), ("confirm", "ada")],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(admin.me().await["role"], "admin");
    assert_eq!(
        admin
            .count("select count(*) from users where role = 'admin' and deactivated_at is null")
            .await,
        1
    );

    // With a second admin, the first may step down.
    let bob = id_of(&admin, "bob").await;
    admin
        .call("/fn/admin/set-role", &[("id", &bob), ("role", "admin")])
        .await;
    let res = admin
        .call("/fn/admin/set-role", &[("id", &ada), ("role", "user")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

async fn deactivation_signs_out_and_blocks_login_until_reactivated(backend: Backend) {
    let (admin, user) = admin_and_user(backend).await;
    let bob = id_of(&admin, "bob").await;
    // Bob's session is fresh in the server's session cache when the admin acts.
    assert_eq!(user.me().await["username"], "bob");
    let res = admin
        .call(
            "/fn/admin/set-active",
            &[("id", &bob), ("active", "false"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        res.json(),
        "bob has been deactivated and signed out everywhere."
    );
    assert!(user.me().await.is_null(), "the open session ends at once");
    user.get("/profile")
        .await
        .assert_redirect_to("/login?next=/profile");
    let res = user.login("bob", STRONG_PASSWORD).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.json()["code"], "account_deactivated");
    assert_eq!(
        admin
            .count("select count(*) from audit_events where kind = 'user_deactivated'")
            .await,
        1
    );

    let res = admin
        .call("/fn/admin/set-active", &[("id", &bob), ("active", "true")])
        .await;
    assert_eq!(res.json(), "bob can log in again.");
    assert_eq!(
        user.login("bob", STRONG_PASSWORD).await.status,
        StatusCode::OK
    );
    assert_eq!(user.me().await["username"], "bob");
}

async fn destructive_actions_need_confirmation(backend: Backend) {
    let (admin, user) = admin_and_user(backend).await;
    let bob = id_of(&admin, "bob").await;
    let res = admin
        .call("/fn/admin/set-active", &[("id", &bob), ("active", "false")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["fields"]["confirm"], "Tick the box to confirm.");
    let res = admin.call("/fn/admin/delete-user", &[("id", &bob)]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        user.me().await["username"],
        "bob",
        "still there and logged in"
    );
    // Without JavaScript the refusal comes back on the user's page.
    let res = admin
        .post_form(
            "/fn/admin/delete-user",
            &[("id", &bob)],
            &format!("/admin/users/{bob}"),
        )
        .await;
    res.assert_redirect_to(&format!("/admin/users/{bob}"));
    let page = admin.get(&format!("/admin/users/{bob}")).await;
    assert!(
        page.body.contains("Tick the box to confirm."),
        "{}",
        page.body
    );
}

async fn users_are_searched_sorted_and_paged(backend: Backend) {
    let (admin, _user) = admin_and_user(backend).await;
    for i in 0..23 {
        let other = admin.another_browser();
        other
            .signup(
                &format!("carol{i:02}"),
                &format!("carol{i:02}@corp.example"),
            )
            .await;
    }
    let users = |fields: Vec<(&'static str, String)>| {
        let admin = &admin;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = admin.call("/fn/admin/users", &fields).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            res.json()
        }
    };
    let all = users(vec![]).await;
    assert_eq!(all["total"], 25);
    assert_eq!(all["pages"], 2);
    assert_eq!(all["users"].as_array().unwrap().len(), 20);
    assert_eq!(all["users"][0]["username"], "carol22", "newest first");
    let second = users(vec![("page", "2".into())]).await;
    assert_eq!(second["users"].as_array().unwrap().len(), 5);
    let beyond = users(vec![("page", "99".into())]).await;
    assert_eq!(beyond["page"], 2, "a page past the end shows the last one");
    let oldest = users(vec![("sort", "oldest".into())]).await;
    assert_eq!(oldest["users"][0]["username"], "ada");
    let by_login = users(vec![("sort", "last_login".into())]).await;
    assert_eq!(by_login["total"], 25);
    let found = users(vec![("q", "CORP.example".into())]).await;
    assert_eq!(found["total"], 23, "email, case-insensitive");
    let found = users(vec![("q", "bob".into())]).await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["users"][0]["email"], "bob@example.com");
    // Wildcards are literal.
    assert_eq!(users(vec![("q", "%".into())]).await["total"], 0);
    assert_eq!(users(vec![("q", "carol_0".into())]).await["total"], 0);
}

async fn the_audit_log_filters_by_user_kind_and_dates(backend: Backend) {
    let (admin, user) = admin_and_user(backend).await;
    user.logout().await;
    user.login("bob", "wrong password!").await;
    // Failed logins are audited after the answer goes out.
    admin
        .count_eventually(
            "select count(*) from audit_events where kind = 'login_failed'",
            1,
        )
        .await;
    let audit = |fields: Vec<(&'static str, String)>| {
        let admin = &admin;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.call("/fn/admin/audit", &fields).await
        }
    };
    let bob_events = audit(vec![("user", "bob".into())]).await.json();
    let kinds: Vec<&str> = bob_events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["login_failed", "logout", "login_ok", "signup"],
        "newest first"
    );
    assert_eq!(
        bob_events["events"][0]["summary"],
        "Failed sign-in attempt from Unknown device"
    );
    let by_email = audit(vec![("user", "BOB@example.com".into())]).await.json();
    assert_eq!(by_email["total"], 4);
    let failed = audit(vec![("kind", "login_failed".into())]).await.json();
    assert_eq!(failed["total"], 1);
    let now = time::OffsetDateTime::now_utc().date();
    let day = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
    let in_range = audit(vec![("from", day(now)), ("to", day(now))])
        .await
        .json();
    assert!(in_range["total"].as_i64().unwrap() >= 5);
    let tomorrow = now.next_day().unwrap();
    let future = audit(vec![("from", day(tomorrow))]).await.json();
    assert_eq!(future["total"], 0);
    let past = audit(vec![("to", day(now.previous_day().unwrap()))])
        .await
        .json();
    assert_eq!(past["total"], 0);
    let res = audit(vec![("from", "25/11/2026".into())]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["fields"]["from"], "Use a date like 2026-11-25.");
}

async fn admin_pages_redirect_anonymous_and_forbid_users(backend: Backend) {
    let (admin, user) = admin_and_user(backend).await;
    let bob = id_of(&admin, "bob").await;
    let anonymous = admin.another_browser();
    for path in [
        "/admin".to_string(),
        "/admin/audit".to_string(),
        format!("/admin/users/{bob}"),
    ] {
        let res = anonymous.get(&path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            res.location().unwrap().starts_with("/login?next=/admin"),
            "{path}"
        );
        let res = user.get(&path).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
        assert!(res.body.contains("Admins only"), "{path}");
        assert!(!res.body.contains("ada@example.com"), "{path}");
        let res = admin.get(&path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
    }
    let page = admin.get("/admin?q=bob").await;
    assert!(page.body.contains("bob@example.com"), "{}", page.body);
    let ada = id_of(&admin, "ada").await;
    assert!(
        !page.body.contains(&format!("/admin/users/{ada}")),
        "filtered by the query"
    );
    let missing = admin.get("/admin/users/nobody").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn admin_user_page_shows_sessions_and_recent_events(backend: Backend) {
    let (admin, user) = admin_and_user(backend).await;
    user.set_user_agent("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
    user.login("bob", STRONG_PASSWORD).await;
    let bob = id_of(&admin, "bob").await;
    let detail = admin.call("/fn/admin/user", &[("id", &bob)]).await.json();
    // Logging in again in the same browser replaced (and ended) its first session.
    assert_eq!(detail["sessions"].as_array().unwrap().len(), 1);
    let summaries: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["summary"].as_str())
        .collect();
    assert_eq!(
        summaries[..2],
        [
            "Logged out on Firefox 128 on Linux",
            "New sign-in from Firefox 128 on Linux"
        ],
        "{summaries:?}"
    );
    assert_eq!(detail["has_password"], true);
    assert_eq!(detail["is_self"], false);
    let page = admin.get(&format!("/admin/users/{bob}")).await;
    assert!(page.body.contains("Firefox 128 on Linux"));
    assert!(page.body.contains("Deactivate"));
}

async fn deleting_your_own_account_needs_the_password_and_confirmation(backend: Backend) {
    let (admin, user) = admin_and_user(backend).await;
    let bob = id_of(&admin, "bob").await;
    let delete = |password: &'static str, confirm: &'static str| {
        let user = &user;
        async move {
            user.call(
                "/fn/delete-account",
                &[("delete_password", password), ("confirm", confirm)],
            )
            .await
        }
    };
    let res = delete(STRONG_PASSWORD, "").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.json()["fields"]["confirm"],
        "Type your username, bob, to confirm."
    );
    let res = delete("not my password", "bob").await;
    assert_eq!(
        res.json()["fields"]["delete_password"],
        "That password is not right."
    );
    let res = delete("", "bob").await;
    assert_eq!(
        res.json()["fields"]["delete_password"],
        "Enter your password."
    );
    assert_eq!(user.me().await["username"], "bob");

    let res = delete(STRONG_PASSWORD, "bob").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // The login page it leads to says so.
    let flash = user.call("/fn/flash", &[("form", "login")]).await.json();
    assert_eq!(
        flash["notice"],
        "Your account and its data have been deleted. Goodbye!"
    );
    assert!(user.me().await.is_null());
    assert_eq!(
        admin
            .count(&format!("select count(*) from users where id = '{bob}'"))
            .await,
        0
    );
    assert_eq!(
        admin
            .count(&format!(
                "select count(*) from sessions where user_id = '{bob}'"
            ))
            .await,
        0
    );
    assert_eq!(
        admin
            .count("select count(*) from outbox where recipient = 'bob@example.com'")
            .await,
        0
    );
    // The deletion is on record, without personal data; older events lost theirs.
    assert_eq!(
        admin.count(&format!("select count(*) from audit_events where user_id = '{bob}' and kind = 'user_deleted' and ip is null and user_agent is null")).await,
        1
    );
    assert_eq!(
        admin.count(&format!("select count(*) from audit_events where user_id = '{bob}' and (ip is not null or detail <> '{{}}') and kind <> 'user_deleted'")).await,
        0
    );
    let rows: Vec<String> = sqlx::query_scalar("select detail from audit_events")
        .fetch_all(&admin.state.db.pool)
        .await
        .unwrap();
    assert!(
        rows.iter().all(|d| !d.contains("bob@example.com")),
        "{rows:?}"
    );
    assert_eq!(
        user.login("bob", STRONG_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The name is free again.
    assert_eq!(
        user.signup("bob", "bob@example.com").await.status,
        StatusCode::OK
    );
}

async fn an_admin_deletes_an_account(backend: Backend) {
    let (admin, user) = admin_and_user(backend).await;
    let bob = id_of(&admin, "bob").await;
    // Bob's session is fresh in the server's session cache when the admin acts.
    assert_eq!(user.me().await["username"], "bob");
    let res = admin
        .post_form(
            "/fn/admin/delete-user",
            &[("id", &bob), ("confirm", "yes")],
            &format!("/admin/users/{bob}"),
        )
        .await;
    res.assert_redirect_to("/admin");
    let page = admin.get("/admin").await;
    assert!(
        page.body.contains("The account bob has been deleted."),
        "{}",
        page.body
    );
    assert!(user.me().await.is_null());
    let actor: Option<String> =
        sqlx::query_scalar("select actor_id from audit_events where kind = 'user_deleted'")
            .fetch_one(&admin.state.db.pool)
            .await
            .unwrap();
    assert_eq!(actor, Some(id_of(&admin, "ada").await));
}

async fn users_see_their_own_recent_security_activity(backend: Backend) {
    let (_admin, user) = admin_and_user(backend).await;
    let laptop = user.another_browser();
    laptop.set_user_agent("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
    laptop.login("bob", STRONG_PASSWORD).await;
    let res = user.call("/fn/activity", &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let events = res.json();
    assert_eq!(
        events[0]["summary"],
        "New sign-in from Firefox 128 on Linux"
    );
    assert_eq!(events[0]["ago"], "just now");
    assert_eq!(
        events.as_array().unwrap().last().unwrap()["summary"],
        "Account created"
    );
    let page = user.get("/profile").await;
    assert!(
        page.body.contains("New sign-in from Firefox 128 on Linux"),
        "{}",
        page.body
    );
    assert_eq!(
        user.another_browser()
            .call("/fn/activity", &[])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn audit_rows_never_hold_a_secret(backend: Backend) {
    let (admin, user) = admin_and_user(backend).await;
    user.login("bob", "a wrong password 123").await;
    user.login("bob", STRONG_PASSWORD).await;
    user.call(
        "/fn/change-password",
        &[
            ("current_password", STRONG_PASSWORD),
            ("new_password", "another long passphrase here"),
            ("new_password_confirm", "another long passphrase here"),
        ],
    )
    .await;
    let secrets = [
        STRONG_PASSWORD.to_string(),
        "a wrong password 123".to_string(),
        "another long passphrase here".to_string(),
        user.cookie(&user.access_cookie_name()).unwrap(),
        user.cookie(&user.refresh_cookie_name()).unwrap(),
        admin.cookie(&admin.refresh_cookie_name()).unwrap(),
    ];
    admin
        .count_eventually(
            "select count(*) from audit_events where kind = 'login_failed'",
            1,
        )
        .await;
    let rows: Vec<(String, String)> = sqlx::query_as("select kind, detail from audit_events")
        .fetch_all(&admin.state.db.pool)
        .await
        .unwrap();
    assert!(rows.len() >= 6, "{rows:?}");
    for (kind, detail) in &rows {
        for secret in &secrets {
            assert!(!detail.contains(secret.as_str()), "{kind}: {detail}");
        }
    }
    let failed: String =
        sqlx::query_scalar("select detail from audit_events where kind = 'login_failed'")
            .fetch_one(&admin.state.db.pool)
            .await
            .unwrap();
    assert_eq!(
        failed, r#"{"reason":"wrong_password"}"#,
        "the reason stays server-side"
    );
}
