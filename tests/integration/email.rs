//! Email flows against a real SMTP server (aiosmtpd) on 127.0.0.1: verification, resend,
//! password reset, change of password and of address, and delivery through the outbox
//! when the SMTP server is down.

use crate::common;

use axum::http::StatusCode;
use common::{
    STRONG_PASSWORD,
    mail::{MailServer, app_with_mail, app_with_mail_and, verified_user},
    spawn_with,
};
use gatehouse::server::db::Backend;
use std::time::Duration;

on_both_backends!(
    signup_mails_a_verification_link_that_works_once,
    an_unverified_account_is_told_to_verify_and_can_get_a_new_link,
    expired_and_unknown_verification_links_are_explained,
    resend_answers_the_same_for_everyone_and_is_throttled,
    password_reset_works_end_to_end_and_ends_every_session,
    a_reset_link_dies_when_the_password_changes,
    reset_page_explains_dead_links_and_refuses_weak_passwords,
    forgot_password_answers_the_same_for_known_and_unknown_addresses,
    forgot_password_without_javascript_shows_the_notice,
    change_password_needs_the_current_one_and_ends_other_sessions,
    change_email_moves_the_account_only_when_the_link_is_followed,
    change_email_to_a_taken_address_answers_the_same_and_sends_nothing,
    signup_succeeds_with_the_smtp_server_down_and_mail_goes_out_when_it_returns,
    without_smtp_mail_lands_in_the_outbox_folder,
    a_message_that_never_goes_out_is_marked_failed_after_max_attempts,
);

const NEW_PASSWORD: &str = "purple elephant marmalade";

async fn signup_mails_a_verification_link_that_works_once(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail(backend, &mail).await;
    let res = app.signup("sam", "Sam@Example.com").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.assert_redirect_to("/login");
    assert!(
        res.set_cookie(&app.access_cookie_name()).is_none(),
        "not logged in before verifying"
    );
    let login = app.get("/login").await;
    assert!(
        login.body.contains("We sent a link to sam@example.com"),
        "the login page says where the link went"
    );

    let message = mail.wait_for("sam@example.com", "Verify your email").await;
    assert!(message.html.contains("Verify my email") && message.text.contains("24 hours"));
    let link = message.link();
    assert!(
        link.starts_with("http://gatehouse.test/verify-email?token="),
        "{link}"
    );
    let token = message.token();
    let stored = app
        .count(&format!(
            "select count(*) from one_time_tokens where token_hash = '{token}'"
        ))
        .await;
    assert_eq!(stored, 0, "only the hash is stored");

    let page = app.open_link(&message.link_path()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Your email is verified"),
        "{}",
        page.body
    );
    assert_eq!(
        app.count("select count(*) from users where email_verified_at is not null")
            .await,
        1
    );
    let again = app.open_link(&message.link_path()).await;
    assert!(
        again.body.contains("Already verified"),
        "a second click explains"
    );

    let res = app.login("sam", STRONG_PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(app.me().await["email_verified"], true);
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'email_verified'")
            .await,
        1
    );
}

async fn an_unverified_account_is_told_to_verify_and_can_get_a_new_link(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail(backend, &mail).await;
    app.signup("tess", "tess@example.com").await;
    let first = mail.wait_for("tess@example.com", "Verify").await;

    let res = app.login("tess", STRONG_PASSWORD).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.json()["code"], "email_not_verified");
    // A wrong password still gets the generic answer: only the owner learns the state.
    assert_eq!(
        app.login("tess", "not the password").await.json()["code"],
        "invalid_credentials"
    );

    app.execute("update one_time_tokens set created_at = created_at - 120")
        .await;
    let res = app
        .call(
            "/fn/resend-verification",
            &[("login", "tess"), ("return_to", "/login")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while mail.messages_to("tess@example.com").len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "second link never came"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let second = mail.messages_to("tess@example.com").pop().unwrap();
    assert_ne!(first.token(), second.token());
    assert!(
        app.open_link(&second.link_path())
            .await
            .body
            .contains("Your email is verified")
    );
    assert_eq!(
        app.login("tess", STRONG_PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn expired_and_unknown_verification_links_are_explained(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail(backend, &mail).await;
    app.signup("uma", "uma@example.com").await;
    let message = mail.wait_for("uma@example.com", "Verify").await;
    app.execute("update one_time_tokens set expires_at = 0")
        .await;
    let page = app.open_link(&message.link_path()).await;
    assert!(page.body.contains("This link has expired"), "{}", page.body);
    assert!(
        page.body.contains("Send a new verification link"),
        "offers a resend"
    );
    assert_eq!(
        app.count("select count(*) from users where email_verified_at is not null")
            .await,
        0
    );

    let page = app
        .get("/verify-email?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert!(page.body.contains("This link is not valid"));
    let page = app
        .get("/verify-email?token=%27%3B%20drop%20table%20users")
        .await;
    assert!(page.body.contains("This link is not valid"));
}

async fn resend_answers_the_same_for_everyone_and_is_throttled(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail(backend, &mail).await;
    app.signup("vic", "vic@example.com").await;
    mail.wait_for("vic@example.com", "Verify").await;

    let known = app
        .call(
            "/fn/resend-verification",
            &[("login", "vic@example.com"), ("return_to", "/login")],
        )
        .await;
    let unknown = app
        .call(
            "/fn/resend-verification",
            &[("login", "nobody@example.com"), ("return_to", "/login")],
        )
        .await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(
        known.body, unknown.body,
        "no hint whether the account exists"
    );
    // Within the minute after the signup mail: nothing new is queued (mail is queued in
    // the request's own transaction, so there is nothing to wait for).
    assert_eq!(app.count("select count(*) from outbox").await, 1);
    assert_eq!(
        app.count("select count(*) from one_time_tokens where purpose = 'verify_email'")
            .await,
        1
    );
}

async fn password_reset_works_end_to_end_and_ends_every_session(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail(backend, &mail).await;
    let email = verified_user(&app, &mail, "wes").await;
    let laptop = app.another_browser();
    assert_eq!(
        laptop.login("wes", STRONG_PASSWORD).await.status,
        StatusCode::OK
    );

    let res = app.call("/fn/forgot-password", &[("email", &email)]).await;
    assert_eq!(res.status, StatusCode::OK);
    let message = mail.wait_for(&email, "Reset your").await;
    assert!(message.text.contains("60 minutes"));
    let page = app.open_link(&message.link_path()).await;
    assert!(page.body.contains("Choose a new password"), "{}", page.body);

    let token = message.token();
    let res = app
        .call(
            "/fn/reset-password",
            &[
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.assert_redirect_to("/login");
    assert!(
        app.get("/login")
            .await
            .body
            .contains("Your password has been changed")
    );

    assert!(laptop.me().await.is_null(), "every session ended");
    assert!(app.me().await.is_null());
    assert_eq!(
        app.login("wes", STRONG_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED,
        "old password refused"
    );
    assert_eq!(
        app.login("wes", NEW_PASSWORD).await.status,
        StatusCode::OK,
        "new password works"
    );
    let notice = mail.wait_for(&email, "password was changed").await;
    assert!(notice.text.contains("every device was signed out"));

    let reused = app
        .call(
            "/fn/reset-password",
            &[
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(reused.status, StatusCode::GONE);
    assert_eq!(reused.json()["code"], "link_used");
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'password_reset'")
            .await,
        1
    );
}

async fn a_reset_link_dies_when_the_password_changes(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail(backend, &mail).await;
    let email = verified_user(&app, &mail, "xia").await;
    app.call("/fn/forgot-password", &[("email", &email)]).await;
    let reset = mail.wait_for(&email, "Reset your").await;

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
    let page = app.get(&reset.link_path()).await;
    assert!(
        page.body.contains("This link was already used"),
        "{}",
        page.body
    );
    let res = app
        .call(
            "/fn/reset-password",
            &[
                ("token", &reset.token()),
                ("password", "another fine passphrase"),
                ("password_confirm", "another fine passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::GONE);
    assert_eq!(app.login("xia", NEW_PASSWORD).await.status, StatusCode::OK);
}

async fn reset_page_explains_dead_links_and_refuses_weak_passwords(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail(backend, &mail).await;
    let email = verified_user(&app, &mail, "yan").await;
    app.call("/fn/forgot-password", &[("email", &email)]).await;
    let reset = mail.wait_for(&email, "Reset your").await;
    let token = reset.token();

    let weak = app
        .call(
            "/fn/reset-password",
            &[
                ("token", &token),
                ("password", "password1"),
                ("password_confirm", "password1"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        weak.json()["fields"]["password"]
            .as_str()
            .unwrap()
            .contains("too easy")
    );
    let mismatch = app
        .call(
            "/fn/reset-password",
            &[
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("password_confirm", "other"),
            ],
        )
        .await;
    assert!(
        mismatch.json()["fields"]["password_confirm"]
            .as_str()
            .unwrap()
            .contains("do not match")
    );
    assert_eq!(
        app.login("yan", STRONG_PASSWORD).await.status,
        StatusCode::OK,
        "nothing changed"
    );

    app.execute("update one_time_tokens set expires_at = 0 where purpose = 'reset_password'")
        .await;
    assert!(
        app.get(&reset.link_path())
            .await
            .body
            .contains("This link has expired")
    );
    let expired = app
        .call(
            "/fn/reset-password",
            &[
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(expired.json()["code"], "link_expired");
    assert!(
        app.get("/reset-password?token=nonsense")
            .await
            .body
            .contains("This link is not valid")
    );
}

async fn forgot_password_answers_the_same_for_known_and_unknown_addresses(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail(backend, &mail).await;
    let email = verified_user(&app, &mail, "zoe").await;
    let known = app.call("/fn/forgot-password", &[("email", &email)]).await;
    let unknown = app
        .call("/fn/forgot-password", &[("email", "ghost@example.com")])
        .await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    mail.wait_for(&email, "Reset your").await;
    app.mail_settled().await;
    assert!(mail.messages_to("ghost@example.com").is_empty());
    // Asking again at once sends nothing more, and still answers the same.
    let again = app.call("/fn/forgot-password", &[("email", &email)]).await;
    assert_eq!(again.body, known.body);
    assert_eq!(
        app.count("select count(*) from one_time_tokens where purpose = 'reset_password'")
            .await,
        1
    );
    let bad = app
        .call("/fn/forgot-password", &[("email", "not an address")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn forgot_password_without_javascript_shows_the_notice(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail(backend, &mail).await;
    let res = app
        .post_form(
            "/fn/forgot-password",
            &[("email", "nobody@example.com")],
            "/forgot-password",
        )
        .await;
    assert_eq!(res.status, StatusCode::FOUND);
    res.assert_redirect_to("/forgot-password");
    let page = app.get("/forgot-password").await;
    assert!(
        page.body.contains("If an account uses that address"),
        "{}",
        page.body
    );
}

async fn change_password_needs_the_current_one_and_ends_other_sessions(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail(backend, &mail).await;
    let email = verified_user(&app, &mail, "abe").await;
    let phone = app.another_browser();
    phone.login("abe", STRONG_PASSWORD).await;

    let wrong = app
        .call(
            "/fn/change-password",
            &[
                ("current_password", "not it at all"),
                ("new_password", NEW_PASSWORD),
                ("new_password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        wrong.json()["fields"]["current_password"],
        "That is not your current password."
    );
    let weak = app
        .call(
            "/fn/change-password",
            &[
                ("current_password", STRONG_PASSWORD),
                ("new_password", "abc"),
                ("new_password_confirm", "abc"),
            ],
        )
        .await;
    assert!(weak.json()["fields"]["new_password"].is_string());

    let ok = app
        .call(
            "/fn/change-password",
            &[
                ("current_password", STRONG_PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("new_password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(app.me().await["username"], "abe", "this session stays");
    assert!(phone.me().await.is_null(), "the other device is signed out");
    mail.wait_for(&email, "password was changed").await;
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'password_changed'")
            .await,
        1
    );
    let anonymous = app.another_browser();
    let res = anonymous
        .call(
            "/fn/change-password",
            &[
                ("current_password", "x"),
                ("new_password", "y"),
                ("new_password_confirm", "y"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

async fn change_email_moves_the_account_only_when_the_link_is_followed(backend: Backend) {
    let mail = MailServer::start().await;
    let app = app_with_mail(backend, &mail).await;
    let old = verified_user(&app, &mail, "bea").await;
    let wrong = app
        .call(
            "/fn/change-email",
            &[
                ("new_email", "bea.new@example.com"),
                ("email_password", "nope nope"),
            ],
        )
        .await;
    assert_eq!(
        wrong.json()["fields"]["email_password"],
        "That is not your current password."
    );
    let same = app
        .call(
            "/fn/change-email",
            &[
                ("new_email", "BEA@example.com"),
                ("email_password", STRONG_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        same.json()["fields"]["new_email"],
        "That is already your address."
    );

    let res = app
        .call(
            "/fn/change-email",
            &[
                ("new_email", "bea.new@example.com"),
                ("email_password", STRONG_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let confirm = mail
        .wait_for("bea.new@example.com", "Confirm your new email")
        .await;
    let notice = mail.wait_for(&old, "change of your").await;
    assert!(notice.text.contains("bea.new@example.com"));
    assert_eq!(
        app.me().await["email"],
        old.as_str(),
        "nothing changes before the link"
    );

    let page = app.open_link(&confirm.link_path()).await;
    assert!(
        page.body.contains("Your address has changed"),
        "{}",
        page.body
    );
    assert_eq!(app.me().await["email"], "bea.new@example.com");
    assert_eq!(
        app.login(&old, STRONG_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("bea.new@example.com", STRONG_PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
    assert!(
        app.open_link(&confirm.link_path())
            .await
            .body
            .contains("already used")
    );
}

async fn change_email_to_a_taken_address_answers_the_same_and_sends_nothing(backend: Backend) {
    let mail = MailServer::start().await;
    // Two requests in a row: lift the one-per-interval limit (tested in trust.rs), which
    // treats taken and free addresses alike.
    let app = app_with_mail_and(backend, &mail, |s| {
        s.accounts.email_resend_interval = Duration::ZERO
    })
    .await;
    verified_user(&app, &mail, "cal").await;
    app.logout().await;
    verified_user(&app, &mail, "dee").await;
    let before = mail.messages().len();

    let taken = app
        .call(
            "/fn/change-email",
            &[
                ("new_email", "cal@example.com"),
                ("email_password", STRONG_PASSWORD),
            ],
        )
        .await;
    let free = app
        .call(
            "/fn/change-email",
            &[
                ("new_email", "dee2@example.com"),
                ("email_password", STRONG_PASSWORD),
            ],
        )
        .await;
    assert_eq!(taken.status, free.status);
    let strip = |body: &str| {
        body.replace("cal@example.com", "X")
            .replace("dee2@example.com", "X")
    };
    assert_eq!(
        strip(&taken.body),
        strip(&free.body),
        "same answer for a taken address"
    );
    mail.wait_for("dee2@example.com", "Confirm").await;
    app.mail_settled().await;
    let to_cal = mail.messages_to("cal@example.com").len();
    assert_eq!(to_cal, 1, "cal only ever got the verification mail");
    assert_eq!(
        mail.messages().len(),
        before + 2,
        "confirm + notice for the free address only"
    );
}

async fn signup_succeeds_with_the_smtp_server_down_and_mail_goes_out_when_it_returns(
    backend: Backend,
) {
    let mut mail = MailServer::start().await;
    let app = app_with_mail(backend, &mail).await;
    mail.stop();
    let res = app.signup("eli", "eli@example.com").await;
    assert_eq!(
        res.status,
        StatusCode::OK,
        "signup does not depend on the mail server: {}",
        res.body
    );

    // The worker tries, fails and schedules a retry; nothing is lost.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while app
        .count("select count(*) from outbox where attempts > 0 and status = 'pending'")
        .await
        == 0
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no failed attempt recorded"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    mail.restart().await;
    let message = mail.wait_for("eli@example.com", "Verify").await;
    assert!(
        app.open_link(&message.link_path())
            .await
            .body
            .contains("Your email is verified")
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while app
        .count("select count(*) from outbox where status = 'sent' and text_body = ''")
        .await
        != 1
    {
        assert!(
            std::time::Instant::now() < deadline,
            "sent message kept its body"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn without_smtp_mail_lands_in_the_outbox_folder(backend: Backend) {
    let app = spawn_with(backend, |s| s.accounts.require_verified_email = true).await;
    app.state.spawn_workers();
    app.signup("fay", "fay@example.com").await;
    let folder = app.state.settings.server.data_dir.join("outbox");
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let files: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .filter_map(Result::ok)
            .collect();
        // The file may be seen while lettre is still writing it: wait for all of it.
        if let Some(file) = files.first() {
            let raw = std::fs::read_to_string(file.path()).unwrap_or_default();
            if raw.contains("fay@example.com") && raw.contains("verify-email?token") {
                break;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no .eml in {}",
            folder.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn a_message_that_never_goes_out_is_marked_failed_after_max_attempts(backend: Backend) {
    let mut mail = MailServer::start().await;
    let app = app_with_mail_and(backend, &mail, |s| s.mail.max_attempts = 2).await;
    mail.stop();
    app.signup("gil", "gil@example.com").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while app
        .count("select count(*) from outbox where status = 'failed'")
        .await
        == 0
    {
        assert!(std::time::Instant::now() < deadline, "never marked failed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(app.count("select attempts from outbox").await, 2);
    assert_eq!(app.count("select count(*) from outbox where text_body = '' and html_body = '' and last_error is not null").await, 1);
    // A later restart sends nothing for it: a delivery round finds nothing due.
    mail.restart().await;
    gatehouse::server::mail::worker::deliver_due(&app.state.mailer, &app.state.db)
        .await
        .unwrap();
    assert!(mail.messages().is_empty());
}
