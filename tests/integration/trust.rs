//! Trust in depth (issue 10): securing the account ends everything set up before, links
//! that change state need a POST, throttles that cannot be turned against owners, no
//! answer that tells who has an account, and an outage that is not a logout.

use crate::common;

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use common::{
    STRONG_PASSWORD, api, api_login,
    mail::{MailServer, app_with_mail_and, verified_user},
    spawn, spawn_with,
};
use gatehouse::server::{
    config::{Settings, SignupTakenEmail},
    db::Backend,
};
use serde_json::json;

on_both_backends!(
    a_password_change_kills_every_link_issued_before_it,
    opening_a_verification_link_changes_nothing_until_the_button_is_pressed,
    the_old_address_can_cancel_a_change_of_address_or_undo_it,
    a_deactivated_account_cannot_complete_a_link,
    a_store_outage_answers_503_and_keeps_the_cookies,
    protected_pages_redirect_anonymous_visitors_with_a_real_303,
    a_refresh_token_two_generations_old_revokes_the_session,
    concurrent_api_refreshers_get_the_same_successor,
    logging_in_again_in_a_browser_ends_the_replaced_session,
    create_admin_promotes_only_an_exact_verified_account,
    two_admins_demoting_each_other_at_once_leave_one_admin,
    failed_logins_share_one_budget_per_account_and_delay_rather_than_lock,
    hidden_signup_answers_a_taken_address_like_a_new_one_and_mails_the_owner,
    own_activity_does_not_expose_internal_details,
    the_password_grant_accepts_a_missing_grant_type_and_me_can_be_deleted,
    retention_purges_spent_links_and_old_audit_events,
    the_data_folder_and_the_outbox_are_private,
    a_token_for_another_service_is_refused_by_gatehouse_admin_api_included,
    a_reset_lists_the_providers_still_connected,
    a_throttled_password_check_never_lets_a_change_through,
    the_cancel_link_outlives_an_intruders_password_change_and_the_undo_locks_them_out,
    a_follow_up_change_of_address_is_throttled_alike_for_taken_and_free_addresses,
    each_client_address_has_its_own_budget_and_a_refused_request_costs_no_account,
);

const NEW_PASSWORD: &str = "purple elephant marmalade";

/// These tests ask for several links in a row.
fn no_resend_wait(s: &mut Settings) {
    s.accounts.email_resend_interval = std::time::Duration::ZERO;
}

async fn a_password_change_kills_every_link_issued_before_it(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail_and(backend, &mail, no_resend_wait).await;
    let email = verified_user(&app, &mail, "ava").await;
    // An intruder with the session asks for a change of address to their own mailbox and
    // a reset link; then the owner changes the password.
    let res = app
        .call(
            "/fn/change-email",
            &[
                ("new_email", "intruder@example.com"),
                ("email_password", STRONG_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let change = mail
        .wait_for("intruder@example.com", "Confirm your new email")
        .await;
    let reset_res = app.call("/fn/forgot-password", &[("email", &email)]).await;
    assert_eq!(reset_res.status, StatusCode::OK);
    let reset = mail.wait_for(&email, "Reset").await;

    let res = app
        .call(
            "/fn/change-password",
            &[
                ("current_password", STRONG_PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("new_password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let page = app.open_link(&change.link_path()).await;
    assert!(
        !page.body.contains("Your address has changed"),
        "{}",
        page.body
    );
    assert_eq!(app.me().await["email"], email.as_str());
    let res = app
        .call(
            "/fn/reset-password",
            &[
                ("token", &reset.token()),
                ("password", "an entirely new passphrase"),
                ("password_confirm", "an entirely new passphrase"),
            ],
        )
        .await;
    assert!(res.status.is_client_error(), "{} {}", res.status, res.body);
    // Even a link whose row was somehow left unused dies by the epoch.
    app.execute("update one_time_tokens set used_at = null")
        .await;
    let page = app.open_link(&change.link_path()).await;
    assert!(
        page.body.contains("This link is not valid"),
        "{}",
        page.body
    );
}

async fn opening_a_verification_link_changes_nothing_until_the_button_is_pressed(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail_and(backend, &mail, no_resend_wait).await;
    app.signup("boaz", "boaz@example.com").await;
    let link = mail
        .wait_for("boaz@example.com", "Verify")
        .await
        .link_path();
    for _ in 0..3 {
        let page = app.another_browser().get(&link).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Verify my email"), "{}", page.body);
    }
    assert_eq!(
        app.count("select count(*) from users where email_verified_at is not null")
            .await,
        0,
        "a GET (a scanner, a prefetch) verifies nothing"
    );
    let token = link.split("token=").nth(1).unwrap();
    let res = app.call("/fn/verify-email", &[("token", token)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        app.count("select count(*) from users where email_verified_at is not null")
            .await,
        1
    );
}

async fn the_old_address_can_cancel_a_change_of_address_or_undo_it(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail_and(backend, &mail, no_resend_wait).await;
    let email = verified_user(&app, &mail, "cyra").await;
    let change = |to: &'static str| {
        let app = &app;
        async move {
            let res = app
                .call(
                    "/fn/change-email",
                    &[("new_email", to), ("email_password", STRONG_PASSWORD)],
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        }
    };
    // 1. Cancelled before it happens: the confirmation link is dead.
    change("cyra.one@example.com").await;
    let confirm = mail
        .wait_for("cyra.one@example.com", "Confirm your new email")
        .await;
    let notice = mail.wait_for(&email, "change of your").await;
    let cancel = notice.link_path();
    assert!(
        cancel.starts_with("/cancel-email-change?token="),
        "{cancel}"
    );
    let stranger = app.another_browser();
    let page = stranger.get(&cancel).await;
    assert!(page.body.contains("cancel the change"), "{}", page.body);
    let token = cancel.split("token=").nth(1).unwrap();
    let res = stranger
        .call("/fn/cancel-email-change", &[("token", token)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let page = app.open_link(&confirm.link_path()).await;
    assert!(!page.body.contains("Your address has changed"));
    assert_eq!(app.me().await["email"], email.as_str());

    // 2. Undone after it happened: the old address is back and every session ended.
    change("cyra.two@example.com").await;
    let confirm = mail
        .wait_for("cyra.two@example.com", "Confirm your new email")
        .await;
    let notice = loop {
        let second = mail
            .messages_to(&email)
            .into_iter()
            .find(|m| m.subject.contains("change of your") && m.link_path() != cancel);
        if let Some(m) = second {
            break m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let page = app.open_link(&confirm.link_path()).await;
    assert!(
        page.body.contains("Your address has changed"),
        "{}",
        page.body
    );
    let token = notice.link_path();
    let token = token.split("token=").nth(1).unwrap();
    let res = stranger
        .call("/fn/cancel-email-change", &[("token", token)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("old address is back"), "{}", res.body);
    assert_eq!(
        app.count(&format!(
            "select count(*) from users where email = '{email}'"
        ))
        .await,
        1
    );
    assert!(app.me().await.is_null(), "every session ended");
}

async fn a_deactivated_account_cannot_complete_a_link(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail_and(backend, &mail, no_resend_wait).await;
    let email = verified_user(&app, &mail, "dina").await;
    app.call("/fn/forgot-password", &[("email", &email)]).await;
    let reset = mail.wait_for(&email, "Reset").await;
    app.execute("update users set deactivated_at = 1 where username = 'dina'")
        .await;
    let res = app
        .call(
            "/fn/reset-password",
            &[
                ("token", &reset.token()),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert!(res.status.is_client_error(), "{} {}", res.status, res.body);
}

async fn a_store_outage_answers_503_and_keeps_the_cookies(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("eddy", "eddy@example.com").await;
    let access = app.cookie(&app.access_cookie_name()).unwrap();
    let token = api_login(&app, "eddy", STRONG_PASSWORD).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    // The store goes away.
    app.state.db.pool.close().await;

    let page = app.get("/profile").await;
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.body
    );
    assert!(page.headers.contains_key(header::RETRY_AFTER));
    assert!(page.body.contains("Your session is safe"));
    // It quotes the request's id, which is in the server's log lines of the request.
    let id = page.headers["x-request-id"].to_str().unwrap();
    assert!(
        page.body
            .contains(&format!("quote the reference <code>{id}</code>")),
        "{}",
        page.body
    );
    assert!(
        page.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .next()
            .is_none(),
        "no cookie is cleared"
    );
    assert_eq!(app.cookie(&app.access_cookie_name()), Some(access));

    let me = api(&app, Method::GET, "/auth/me", None, Some(&token)).await;
    assert_eq!(me.status, StatusCode::SERVICE_UNAVAILABLE, "{}", me.body);
    assert_eq!(me.json()["code"], "unavailable");
    assert!(me.headers.contains_key(header::RETRY_AFTER));

    let login = api_login(&app, "eddy", STRONG_PASSWORD).await;
    assert_eq!(
        login.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        login.body
    );
    let login = app.another_browser().login("eddy", STRONG_PASSWORD).await;
    assert_eq!(
        login.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        login.body
    );
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
}

async fn protected_pages_redirect_anonymous_visitors_with_a_real_303(backend: Backend) {
    let app = spawn(backend).await;
    for (path, next) in [
        ("/profile", "/profile"),
        ("/sessions", "/sessions"),
        ("/admin", "/admin"),
        ("/admin/audit", "/admin/audit"),
        ("/admin/users/someone", "/admin/users/someone"),
        ("/admin?q=x&page=2", "%2Fadmin%3Fq%3Dx%26page%3D2"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(
            res.location(),
            Some(format!("/login?next={next}").as_str()),
            "{path}"
        );
    }
}

async fn a_refresh_token_two_generations_old_revokes_the_session(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("fay", "fay@example.com").await;
    let first = api_login(&app, "fay", STRONG_PASSWORD).await.json();
    let refresh = |token: String| {
        let app = &app;
        async move {
            api(
                app,
                Method::POST,
                "/auth/refresh",
                Some(json!({ "refresh_token": token })),
                None,
            )
            .await
        }
    };
    let gen0 = first["refresh_token"].as_str().unwrap().to_string();
    let gen1 = refresh(gen0.clone()).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let gen2 = refresh(gen1.clone()).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    // gen0 is two rotations old, well inside the 30-second grace window: still theft.
    let stolen = refresh(gen0).await;
    assert_eq!(stolen.status, StatusCode::UNAUTHORIZED, "{}", stolen.body);
    assert_eq!(refresh(gen2).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'refresh_token_reuse'")
            .await,
        1
    );
}

async fn concurrent_api_refreshers_get_the_same_successor(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("gus", "gus@example.com").await;
    let token = api_login(&app, "gus", STRONG_PASSWORD).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let body = json!({ "refresh_token": token });
    let (a, b) = tokio::join!(
        api(
            &app,
            Method::POST,
            "/auth/refresh",
            Some(body.clone()),
            None
        ),
        api(
            &app,
            Method::POST,
            "/auth/refresh",
            Some(body.clone()),
            None
        )
    );
    assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK));
    let (a, b) = (a.json(), b.json());
    assert!(a["refresh_token"].is_string(), "{a}");
    assert_eq!(a["refresh_token"], b["refresh_token"], "{a} {b}");
    // A late third copy within the grace window gets it too, and it works.
    let c = api(&app, Method::POST, "/auth/refresh", Some(body), None).await;
    assert_eq!(c.json()["refresh_token"], a["refresh_token"]);
    let next = api(
        &app,
        Method::POST,
        "/auth/refresh",
        Some(json!({ "refresh_token": a["refresh_token"] })),
        None,
    )
    .await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.body);
}

async fn logging_in_again_in_a_browser_ends_the_replaced_session(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("hal", "hal@example.com").await;
    app.another_browser().signup("ivy", "ivy@example.com").await;
    assert_eq!(
        app.count("select count(*) from sessions where revoked_at is null")
            .await,
        2
    );
    let res = app.login("ivy", STRONG_PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(app.me().await["username"], "ivy");
    assert_eq!(
        app.count(
            "select count(*) from sessions s join users u on u.id = s.user_id \
             where u.username = 'hal' and s.revoked_at is null"
        )
        .await,
        0,
        "hal's session in this browser ended"
    );
}

async fn create_admin_promotes_only_an_exact_verified_account(backend: Backend) {
    use gatehouse::server::auth::create_admin::{AdminMode, AdminOutcome, create_admin};
    let app = spawn(backend).await;
    app.signup("joan", "joan@example.com").await;
    app.another_browser()
        .signup("kate", "kate@example.com")
        .await;
    // Unverified: never promoted.
    let err = create_admin(
        &app.state,
        "joan",
        "joan@example.com",
        None,
        AdminMode::Promote,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("not verified"), "{err}");
    app.execute("update users set email_verified_at = 1").await;
    // A username of one account with the address of another: no.
    assert!(
        create_admin(
            &app.state,
            "jo",
            "kate@example.com",
            None,
            AdminMode::Promote
        )
        .await
        .is_err()
    );
    // Create never promotes on a match.
    let pw = gatehouse::server::auth::passwords::Password::new(STRONG_PASSWORD);
    assert!(
        create_admin(
            &app.state,
            "joan",
            "other@example.com",
            Some(&pw),
            AdminMode::Create
        )
        .await
        .is_err()
    );
    assert_eq!(
        app.count("select count(*) from users where role = 'admin'")
            .await,
        0
    );
    let (jo, outcome) = create_admin(
        &app.state,
        "JOAN",
        "joan@example.com",
        None,
        AdminMode::Promote,
    )
    .await
    .unwrap();
    assert_eq!(
        (jo.role.as_str(), outcome),
        ("admin", AdminOutcome::Promoted)
    );
}

async fn two_admins_demoting_each_other_at_once_leave_one_admin(backend: Backend) {
    let app = spawn(backend).await;
    let bob = app.another_browser();
    app.signup("amy", "amy@example.com").await;
    bob.signup("ben", "ben@example.com").await;
    app.execute("update users set role = 'admin'").await;
    let id = |name: &'static str| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, String>(&format!(
                "select id from users where username = '{name}'"
            ))
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap()
        }
    };
    let (amy, ben) = (id("amy").await, id("ben").await);
    let demote_ben = [("id", ben.as_str()), ("role", "user")];
    let demote_amy = [("id", amy.as_str()), ("role", "user")];
    let (a, b) = tokio::join!(
        app.call("/fn/admin/set-role", &demote_ben),
        bob.call("/fn/admin/set-role", &demote_amy)
    );
    // One wins; the other is refused as the last admin (409) or, if it arrives after the
    // first committed, because its caller is no longer an admin (403).
    assert!(
        !(a.status == StatusCode::OK && b.status == StatusCode::OK),
        "{} {} / {} {}",
        a.status,
        a.body,
        b.status,
        b.body
    );
    assert_eq!(
        app.count("select count(*) from users where role = 'admin'")
            .await,
        1
    );
}

async fn failed_logins_share_one_budget_per_account_and_delay_rather_than_lock(backend: Backend) {
    let app = spawn_with(backend, |s| s.accounts.failed_logins_before_delay = 2).await;
    app.signup("lia", "lia@example.com").await;
    assert_eq!(
        api_login(&app, "lia", "wrong guess one").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api_login(&app, "LIA@example.com", "wrong guess two")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Two failures, whichever spelling: the next try waits a second.
    let res = api_login(&app, "lia", STRONG_PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    // A delay, not a lockout: after it the owner gets in.
    app.state.clock.advance(std::time::Duration::from_secs(2));
    assert_eq!(
        api_login(&app, "lia@example.com", STRONG_PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
    // Successful logins never count.
    for _ in 0..5 {
        assert_eq!(
            api_login(&app, "lia", STRONG_PASSWORD).await.status,
            StatusCode::OK
        );
    }
}

async fn hidden_signup_answers_a_taken_address_like_a_new_one_and_mails_the_owner(
    backend: Backend,
) {
    let mail = MailServer::start().await;
    let app = app_with_mail_and(backend, &mail, |s| {
        no_resend_wait(s);
        s.accounts.signup_taken_email = Some(SignupTakenEmail::Hidden)
    })
    .await;
    let new = app
        .another_browser()
        .signup("moss", "moss@example.com")
        .await;
    let taken = app
        .another_browser()
        .signup("moss2", "MOSS@example.com")
        .await;
    assert_eq!(new.status, taken.status, "{} / {}", new.body, taken.body);
    assert_eq!(new.location(), taken.location());
    let attempt = mail.wait_for("moss@example.com", "tried to sign up").await;
    assert!(
        attempt.text.contains("/forgot-password"),
        "{}",
        attempt.text
    );
    let via_api = |name: &'static str, email: &'static str| {
        let app = &app;
        async move {
            api(
                app,
                Method::POST,
                "/auth/signup",
                Some(json!({ "username": name, "email": email, "password": STRONG_PASSWORD })),
                None,
            )
            .await
        }
    };
    let new = via_api("nia", "nia@example.com").await;
    let taken = via_api("nia2", "nia@example.com").await;
    assert_eq!(new.status, StatusCode::ACCEPTED, "{}", new.body);
    assert_eq!((taken.status, taken.body.clone()), (new.status, new.body));
}

async fn own_activity_does_not_expose_internal_details(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("oli", "oli@example.com").await;
    app.another_browser().signup("pam", "pam@example.com").await;
    let res = app
        .call(
            "/fn/change-email",
            &[
                ("new_email", "pam@example.com"),
                ("email_password", STRONG_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let activity = app.call("/fn/activity", &[]).await;
    assert_eq!(activity.status, StatusCode::OK);
    assert!(!activity.body.contains("taken"), "{}", activity.body);
}

async fn the_password_grant_accepts_a_missing_grant_type_and_me_can_be_deleted(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("quin", "quin@example.com").await;
    let form = |body: &'static str| {
        Request::post("/api/v1/auth/token")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let browser = app.another_browser();
    let res = browser
        .send(form("username=quin&password=correct+horse+battery+staple"))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let token = res.json()["access_token"].as_str().unwrap().to_string();
    let res = browser
        .send(form(
            "grant_type=client_credentials&username=quin&password=correct+horse+battery+staple",
        ))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);

    let res = api(
        &app,
        Method::DELETE,
        "/auth/me",
        Some(json!({ "password": "not it at all", "confirm": "quin" })),
        Some(&token),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let res = api(
        &app,
        Method::DELETE,
        "/auth/me",
        Some(json!({ "password": STRONG_PASSWORD, "confirm": "quin" })),
        Some(&token),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    assert_eq!(
        app.count("select count(*) from users where username = 'quin'")
            .await,
        0
    );
}

async fn retention_purges_spent_links_and_old_audit_events(backend: Backend) {
    let app = spawn_with(backend, |s| {
        s.accounts.audit_retention = std::time::Duration::from_secs(30 * 86_400)
    })
    .await;
    app.signup("rae", "rae@example.com").await;
    app.execute("update audit_events set created_at = 1").await;
    app.execute(
        "insert into one_time_tokens (id, user_id, purpose, token_hash, created_at, expires_at, used_at) \
         select 'old-link', id, 'verify_email', 'h', 1, 2, 2 from users",
    )
    .await;
    let purged = gatehouse::server::auth::maintenance::purge(&app.state)
        .await
        .unwrap();
    assert!(purged.audit_events >= 1, "{purged:?}");
    assert_eq!(purged.one_time_tokens, 1, "{purged:?}");
    assert_eq!(app.count("select count(*) from audit_events").await, 0);
}

async fn the_data_folder_and_the_outbox_are_private(backend: Backend) {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn(backend).await;
    let data = app.state.settings.server.data_dir.clone();
    for dir in [data.clone(), data.join("outbox"), data.join("secrets")] {
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", dir.display());
    }
}

async fn a_token_for_another_service_is_refused_by_gatehouse_admin_api_included(backend: Backend) {
    let app = spawn_with(backend, |s| {
        s.tokens.service_audiences = vec!["billing".into()]
    })
    .await;
    app.signup("sal", "sal@example.com").await;
    app.execute("update users set role = 'admin'").await;
    let own = api_login(&app, "sal", STRONG_PASSWORD).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let res = api(
        &app,
        Method::POST,
        "/auth/service-token",
        Some(json!({ "audience": "payroll" })),
        Some(&own),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let res = api(
        &app,
        Method::POST,
        "/auth/service-token",
        Some(json!({ "audience": "billing" })),
        Some(&own),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let service = res.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(res.json()["audience"], "billing");
    for path in ["/auth/me", "/users"] {
        let res = api(&app, Method::GET, path, None, Some(&service)).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{path}: {}", res.body);
        let res = api(&app, Method::GET, path, None, Some(&own)).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
    }
}

async fn a_reset_lists_the_providers_still_connected(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail_and(backend, &mail, no_resend_wait).await;
    let email = verified_user(&app, &mail, "tess").await;
    // Someone with the session connected a provider of theirs.
    app.execute(
        "insert into identities (id, user_id, provider, subject, email, linked_at) \
         select 'i1', id, 'github', 'intruder-42', 'x@example.com', 1 from users",
    )
    .await;
    app.call("/fn/forgot-password", &[("email", &email)]).await;
    let reset = mail.wait_for(&email, "Reset").await;
    let res = app
        .post_form(
            "/fn/reset-password",
            &[
                ("token", &reset.token()),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
            &reset.link_path(),
        )
        .await;
    res.assert_redirect_to("/login");
    let page = app.get("/login").await;
    assert!(
        page.body.contains("Still connected: github"),
        "{}",
        page.body
    );
    let notice = mail.wait_for(&email, "password was changed").await;
    assert!(notice.text.contains("still connected"), "{}", notice.text);
    assert!(notice.text.contains("/profile"), "{}", notice.text);
}

async fn a_throttled_password_check_never_lets_a_change_through(backend: Backend) {
    let app = spawn_with(backend, |s| s.accounts.failed_logins_before_delay = 2).await;
    app.signup("ursa", "ursa@example.com").await;
    let change = |current: &'static str| {
        let app = &app;
        async move {
            app.call(
                "/fn/change-password",
                &[
                    ("current_password", current),
                    ("new_password", NEW_PASSWORD),
                    ("new_password_confirm", NEW_PASSWORD),
                ],
            )
            .await
        }
    };
    for _ in 0..2 {
        assert_eq!(
            change("a wrong guess here").await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    // The account's delay has started: the next wrong guess is refused, not accepted.
    let res = change("another wrong guess").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    let res = app
        .call(
            "/fn/change-email",
            &[
                ("new_email", "thief@example.com"),
                ("email_password", "a wrong guess here"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    assert_eq!(
        api_login(&app, "ursa", STRONG_PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "still delayed"
    );
    app.state.clock.advance(std::time::Duration::from_secs(2));
    assert_eq!(
        api_login(&app, "ursa", STRONG_PASSWORD).await.status,
        StatusCode::OK,
        "the password did not change"
    );
    assert_eq!(
        app.count("select count(*) from one_time_tokens where purpose = 'change_email'")
            .await,
        0
    );
}

async fn the_cancel_link_outlives_an_intruders_password_change_and_the_undo_locks_them_out(
    backend: Backend,
) {
    let mail = MailServer::start().await;
    let app = app_with_mail_and(backend, &mail, no_resend_wait).await;
    let email = verified_user(&app, &mail, "vera").await;
    // An intruder who knows the password moves the address to their mailbox, confirms
    // it, connects a provider, changes the password and asks for another change.
    let res = app
        .call(
            "/fn/change-email",
            &[
                ("new_email", "intruder@example.com"),
                ("email_password", STRONG_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let confirm = mail
        .wait_for("intruder@example.com", "Confirm your new email")
        .await;
    let notice = mail.wait_for(&email, "change of your").await;
    app.open_link(&confirm.link_path()).await;
    assert_eq!(app.me().await["email"], "intruder@example.com");
    app.execute(
        "insert into identities (id, user_id, provider, subject, email, linked_at) \
         select 'i-intruder', id, 'github', 'intruder-7', 'x@example.com', 9999999999 from users",
    )
    .await;
    let res = app
        .call(
            "/fn/change-password",
            &[
                ("current_password", STRONG_PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("new_password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app
        .call(
            "/fn/change-email",
            &[
                ("new_email", "intruder2@example.com"),
                ("email_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // The owner's link from the first notice still works, and undoes everything.
    let token = notice.link_path();
    let token = token.split("token=").nth(1).unwrap();
    let res = app
        .another_browser()
        .call("/fn/cancel-email-change", &[("token", token)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        app.count(&format!(
            "select count(*) from users where email = '{email}'"
        ))
        .await,
        1
    );
    assert!(app.me().await.is_null(), "the intruder's session ended");
    assert_eq!(
        api_login(&app, "vera", NEW_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED,
        "the intruder's password no longer works"
    );
    assert_eq!(
        app.count("select count(*) from identities").await,
        0,
        "the provider connected after the change is gone"
    );
    // The owner sets a new password from the old mailbox.
    mail.wait_for(&email, "Reset").await;
}

async fn a_follow_up_change_of_address_is_throttled_alike_for_taken_and_free_addresses(
    backend: Backend,
) {
    let app = spawn(backend).await;
    app.another_browser()
        .signup("wanda", "wanda@example.com")
        .await;
    for (first, user) in [("wanda@example.com", "xena"), ("free@example.com", "yuri")] {
        let browser = app.another_browser();
        browser.signup(user, &format!("{user}@example.com")).await;
        let change = |to: &'static str| {
            let browser = &browser;
            async move {
                browser
                    .call(
                        "/fn/change-email",
                        &[("new_email", to), ("email_password", STRONG_PASSWORD)],
                    )
                    .await
                    .status
            }
        };
        assert_eq!(change(first).await, StatusCode::OK);
        assert_eq!(
            change("another@example.com").await,
            StatusCode::TOO_MANY_REQUESTS,
            "after a request to {first}"
        );
    }
}

async fn each_client_address_has_its_own_budget_and_a_refused_request_costs_no_account(
    backend: Backend,
) {
    let app = spawn_with(backend, |s| {
        s.accounts.login_attempts_per_ip_per_minute = 2;
        s.accounts.hashes_per_ip_per_minute = 1;
        s.accounts.failed_logins_before_delay = 3;
    })
    .await;
    app.signup("zeke", "zeke@example.com").await;
    let flood = app.another_browser();
    flood.set_peer("203.0.113.5");
    for _ in 0..2 {
        assert_eq!(
            flood.login("zeke", "a wrong guess here").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // The address is out of login tries; this one never reaches the account.
    assert_eq!(
        flood.login("zeke", "a wrong guess here").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another /64 of IPv6 is another client; one in the same /64 is the same client.
    let owner = app.another_browser();
    owner.set_peer("2001:db8:1:2::10");
    assert_eq!(
        owner.login("zeke", STRONG_PASSWORD).await.status,
        StatusCode::OK,
        "the flood's refused try did not count against the account"
    );
    let neighbour = app.another_browser();
    neighbour.set_peer("2001:db8:1:2::99");
    assert_eq!(
        neighbour.login("zeke", "wrong again").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        neighbour.login("zeke", "wrong again").await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "same /64: the owner's try and the neighbour's share one budget"
    );
    // Hashing endpoints have their own budget: one signup a minute from this address.
    let signups = app.another_browser();
    signups.set_peer("198.51.100.7");
    assert_eq!(
        signups.signup("abel", "abel@example.com").await.status,
        StatusCode::OK
    );
    assert_eq!(
        signups.signup("bela", "bela@example.com").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}
