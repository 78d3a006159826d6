//! Signup, login, profile and the pages around them, through the real router.

use crate::common;

use axum::http::StatusCode;
use common::{STRONG_PASSWORD, spawn};
use gatehouse::server::db::Backend;

on_both_backends!(
    signup_creates_the_account_logs_in_and_lands_on_the_profile,
    signup_refuses_taken_username_and_email_whatever_their_case,
    signup_reports_every_invalid_field_and_stores_nothing,
    a_mismatched_confirmation_shows_with_the_other_field_errors,
    signup_without_javascript_keeps_what_was_typed_except_passwords,
    login_works_by_username_and_by_email,
    wrong_password_and_unknown_user_get_the_same_answer,
    login_with_empty_fields_says_what_is_missing,
    login_without_javascript_shows_the_error_on_the_login_page,
    next_only_ever_redirects_to_a_local_path,
    profile_needs_a_login_and_sends_back_after_it,
    profile_update_saves_only_the_editable_fields,
    profile_update_refuses_bad_values_and_keeps_the_stored_ones,
    profile_update_without_javascript_saves_and_says_so,
    profile_update_needs_a_login,
    profile_cards_come_in_one_call_and_match_each_cards_own,
    create_admin_creates_then_promotes,
    password_strength_is_scored_for_anyone_within_bounds,
);

async fn signup_creates_the_account_logs_in_and_lands_on_the_profile(backend: Backend) {
    let app = spawn(backend).await;
    let res = app.signup("alice", "Alice@Example.com").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.assert_redirect_to("/profile");
    for name in [app.access_cookie_name(), app.refresh_cookie_name()] {
        let cookie = res
            .set_cookie(&name)
            .unwrap_or_else(|| panic!("{name} set"));
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Lax")
                && cookie.contains("Path=/"),
            "{cookie}"
        );
    }
    let me = app.me().await;
    assert_eq!(me["username"], "alice");
    assert_eq!(
        me["email"], "alice@example.com",
        "emails are stored lower-cased"
    );
    assert_eq!(me["role"], "user");

    let page = app.get("/profile").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("alice@example.com"),
        "profile shows the account"
    );
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'signup'")
            .await,
        1
    );
}

async fn signup_refuses_taken_username_and_email_whatever_their_case(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("alice", "alice@example.com").await;
    app.clear_cookies();

    let res = app.signup("ALICE", "other@example.com").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.json()["fields"]["username"]
            .as_str()
            .unwrap()
            .contains("taken"),
        "{}",
        res.body
    );

    let res = app.signup("bob", "ALICE@example.COM").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.json()["fields"]["email"]
            .as_str()
            .unwrap()
            .contains("already exists"),
        "{}",
        res.body
    );

    assert_eq!(app.count("select count(*) from users").await, 1);
    assert!(app.me().await.is_null(), "a failed signup logs nobody in");
}

async fn signup_reports_every_invalid_field_and_stores_nothing(backend: Backend) {
    let app = spawn(backend).await;
    let cases: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
        // field, username, email, password, confirmation, display name, expected message
        (
            "username",
            "ab",
            "a@example.com",
            STRONG_PASSWORD,
            STRONG_PASSWORD,
            "",
            "at least 3",
        ),
        (
            "username",
            "bad name!",
            "a@example.com",
            STRONG_PASSWORD,
            STRONG_PASSWORD,
            "",
            "only letters",
        ),
        (
            "username",
            "",
            "a@example.com",
            STRONG_PASSWORD,
            STRONG_PASSWORD,
            "",
            "Choose a username",
        ),
        (
            "email",
            "carol",
            "not-an-email",
            STRONG_PASSWORD,
            STRONG_PASSWORD,
            "",
            "valid email",
        ),
        (
            "email",
            "carol",
            "",
            STRONG_PASSWORD,
            STRONG_PASSWORD,
            "",
            "Enter your email",
        ),
        (
            "password",
            "carol",
            "c@example.com",
            "short",
            "short",
            "",
            "at least 8",
        ),
        (
            "password",
            "carol",
            "c@example.com",
            "password123",
            "password123",
            "",
            "too easy to guess",
        ),
        (
            "password",
            "carol",
            "c@example.com",
            "letmein123",
            "letmein123",
            "",
            "too easy to guess",
        ),
        (
            "password_confirm",
            "carol",
            "c@example.com",
            STRONG_PASSWORD,
            "something else",
            "",
            "do not match",
        ),
        (
            "display_name",
            "carol",
            "c@example.com",
            STRONG_PASSWORD,
            STRONG_PASSWORD,
            &"x".repeat(65),
            "at most 64",
        ),
    ];
    for (field, username, email, password, confirm, display_name, expected) in cases {
        let res = app
            .call(
                "/fn/signup",
                &[
                    ("username", username),
                    ("email", email),
                    ("password", password),
                    ("password_confirm", confirm),
                    ("display_name", display_name),
                ],
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            res.body
        );
        let json = res.json();
        assert_eq!(json["code"], "invalid");
        let message = json["fields"][field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} has a message: {json}"));
        assert!(
            message.contains(expected),
            "{field}: {message:?} should mention {expected:?}"
        );
    }
    // A request missing every field is still a clear 422, never a 500.
    let res = app.call("/fn/signup", &[]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(app.count("select count(*) from users").await, 0);
}

async fn a_mismatched_confirmation_shows_with_the_other_field_errors(backend: Backend) {
    let app = spawn(backend).await;
    let res = app
        .call(
            "/fn/signup",
            &[
                ("username", "x"),
                ("email", "gail@example.com"),
                ("password", STRONG_PASSWORD),
                ("password_confirm", "something else"),
                ("display_name", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let fields = &res.json()["fields"];
    assert!(fields["password_confirm"].is_string(), "{fields}");
    assert!(fields["username"].is_string(), "{fields}");
    assert_eq!(app.count("select count(*) from users").await, 0);

    // The JSON API has no confirmation field: the password is the password.
    let res = app
        .another_browser()
        .send(
            axum::http::Request::post("/api/v1/auth/signup")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    serde_json::json!({
                        "username": "gail",
                        "email": "gail@example.com",
                        "password": STRONG_PASSWORD,
                    })
                    .to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert!(res.status.is_success(), "{}: {}", res.status, res.body);
    assert_eq!(app.count("select count(*) from users").await, 1);
}

async fn signup_without_javascript_keeps_what_was_typed_except_passwords(backend: Backend) {
    let app = spawn(backend).await;
    let res = app
        .post_form(
            "/fn/signup",
            &[
                ("username", "dora"),
                ("email", "dora-at-example"),
                ("password", "my secret pw 123"),
                ("password_confirm", "my secret pw 123"),
                ("display_name", "Dora Explorer"),
            ],
            "/signup",
        )
        .await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    res.assert_redirect_to("/signup");

    let page = app.get("/signup").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Enter a valid email address"),
        "error shown on the page"
    );
    assert!(page.body.contains(r#"value="dora""#), "username kept");
    assert!(
        page.body.contains(r#"value="dora-at-example""#),
        "email kept"
    );
    assert!(
        page.body.contains(r#"value="Dora Explorer""#),
        "display name kept"
    );
    assert!(
        !page.body.contains("my secret pw 123"),
        "passwords are never sent back"
    );

    // The flash is shown once.
    let again = app.get("/signup").await;
    assert!(!again.body.contains("Enter a valid email address"));
}

async fn login_works_by_username_and_by_email(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("erin", "erin@example.com").await;
    app.logout().await;
    assert!(app.me().await.is_null());

    for login in ["erin", "ERIN", "erin@example.com", "Erin@Example.com"] {
        let res = app.login(login, STRONG_PASSWORD).await;
        assert_eq!(res.status, StatusCode::OK, "{login}: {}", res.body);
        res.assert_redirect_to("/profile");
        assert_eq!(app.me().await["username"], "erin", "{login}");
        app.logout().await;
    }
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'login_ok'")
            .await,
        5
    );
}

async fn wrong_password_and_unknown_user_get_the_same_answer(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("frank", "frank@example.com").await;
    app.logout().await;

    let wrong = app.login("frank", "not the right password").await;
    let unknown = app.login("nobody-here", "not the right password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong.body, unknown.body,
        "no hint about which part was wrong"
    );
    assert_eq!(wrong.json()["code"], "invalid_credentials");
    assert!(app.me().await.is_null());
    // Recorded after the answer, so that both failures cost the same time.
    let failures = app
        .count_eventually(
            "select count(*) from audit_events where kind = 'login_failed'",
            2,
        )
        .await;
    assert_eq!(failures, 2);
    let leaked = app
        .count("select count(*) from audit_events where detail like '%not the right%' or detail like '%nobody-here%'")
        .await;
    assert_eq!(
        leaked, 0,
        "audit rows hold no password and no attempted login"
    );
}

async fn login_with_empty_fields_says_what_is_missing(backend: Backend) {
    let app = spawn(backend).await;
    let res = app.login("", "").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let json = res.json();
    assert_eq!(json["fields"]["login"], "Enter your username or email.");
    assert_eq!(json["fields"]["password"], "Enter your password.");
}

async fn login_without_javascript_shows_the_error_on_the_login_page(backend: Backend) {
    let app = spawn(backend).await;
    let res = app
        .post_form(
            "/fn/login",
            &[
                ("login", "ghost"),
                ("password", "whatever it is"),
                ("next", "/profile"),
            ],
            "/login?next=/profile",
        )
        .await;
    assert_eq!(res.status, StatusCode::FOUND);
    res.assert_redirect_to("/login?next=%2Fprofile");
    let page = app.get("/login?next=%2Fprofile").await;
    assert!(page.body.contains("Wrong username/email or password."));
    assert!(page.body.contains(r#"value="ghost""#));
    assert!(!page.body.contains("whatever it is"));
}

async fn next_only_ever_redirects_to_a_local_path(backend: Backend) {
    // Many logins of one account in a row: lift the per-account login limit.
    let app = common::spawn_with(backend, |s| s.accounts.failed_logins_before_delay = 0).await;
    app.signup("gina", "gina@example.com").await;
    let attempts = [
        ("/profile?tab=security", "/profile?tab=security"),
        ("https://evil.example/phish", "/profile"),
        ("//evil.example", "/profile"),
        ("/\\evil.example", "/profile"),
        ("javascript:alert(1)", "/profile"),
        ("", "/profile"),
    ];
    for (next, expected) in attempts {
        app.logout().await;
        let res = app
            .call(
                "/fn/login",
                &[
                    ("login", "gina"),
                    ("password", STRONG_PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{next}");
        res.assert_redirect_to(expected);
        // And the same for a browser without JavaScript.
        app.logout().await;
        let res = app
            .post_form(
                "/fn/login",
                &[
                    ("login", "gina"),
                    ("password", STRONG_PASSWORD),
                    ("next", next),
                ],
                "/login",
            )
            .await;
        assert_eq!(res.status, StatusCode::FOUND, "{next}");
        res.assert_redirect_to(expected);
    }
}

async fn profile_needs_a_login_and_sends_back_after_it(backend: Backend) {
    let app = spawn(backend).await;
    let res = app.get("/profile").await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "a real redirect, not a page: {}",
        res.body
    );
    res.assert_redirect_to("/login?next=/profile");
}

async fn profile_update_saves_only_the_editable_fields(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("hana", "hana@example.com").await;
    let id = app.me().await["id"].as_str().unwrap().to_string();
    let res = app
        .call(
            "/fn/profile",
            &[
                ("display_name", "Hana H."),
                ("bio", "Likes tea.\nAnd trains."),
                ("avatar_url", "https://example.com/hana.png"),
                // None of these may change through this form.
                ("username", "root2"),
                ("email", "evil@example.com"),
                ("role", "admin"),
                ("id", "00000000-0000-0000-0000-000000000000"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let saved = res.json();
    assert_eq!(saved["display_name"], "Hana H.");
    let me = app.me().await;
    assert_eq!(me["display_name"], "Hana H.");
    assert_eq!(me["bio"], "Likes tea.\nAnd trains.");
    assert_eq!(me["avatar_url"], "https://example.com/hana.png");
    assert_eq!(me["username"], "hana");
    assert_eq!(me["email"], "hana@example.com");
    assert_eq!(me["role"], "user");
    assert_eq!(me["id"], id.as_str());
    let page = app.get("/profile").await;
    assert!(page.body.contains("Hana H."));

    // Clearing optional fields stores nothing rather than empty strings.
    app.call(
        "/fn/profile",
        &[("display_name", ""), ("bio", " "), ("avatar_url", "")],
    )
    .await;
    let me = app.me().await;
    assert!(
        me["display_name"].is_null() && me["bio"].is_null() && me["avatar_url"].is_null(),
        "{me}"
    );
}

async fn profile_update_refuses_bad_values_and_keeps_the_stored_ones(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("ivan", "ivan@example.com").await;
    app.call(
        "/fn/profile",
        &[("display_name", "Ivan"), ("bio", ""), ("avatar_url", "")],
    )
    .await;
    let long_url = format!("https://example.com/{}", "a".repeat(600));
    for (field, value, expected) in [
        ("avatar_url", "javascript:alert(1)", "https://"),
        ("avatar_url", "ftp://example.com/a.png", "https://"),
        ("avatar_url", long_url.as_str(), "at most 512"),
        ("bio", &"b".repeat(501), "at most 500"),
        ("display_name", &"d".repeat(65), "at most 64"),
    ] {
        let mut fields = vec![("display_name", "Ivan"), ("bio", ""), ("avatar_url", "")];
        fields.retain(|(f, _)| *f != field);
        fields.push((field, value));
        let res = app.call("/fn/profile", &fields).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let message = res.json()["fields"][field].as_str().unwrap().to_string();
        assert!(message.contains(expected), "{field}: {message}");
    }
    assert_eq!(
        app.me().await["display_name"],
        "Ivan",
        "nothing stored was lost"
    );
}

async fn profile_update_without_javascript_saves_and_says_so(backend: Backend) {
    let app = spawn(backend).await;
    app.signup("jade", "jade@example.com").await;
    let res = app
        .post_form(
            "/fn/profile",
            &[("display_name", "Jade"), ("bio", "Hi"), ("avatar_url", "")],
            "/profile",
        )
        .await;
    assert_eq!(res.status, StatusCode::FOUND);
    res.assert_redirect_to("/profile");
    let page = app.get("/profile").await;
    assert!(page.body.contains("Your profile has been saved."));
    assert!(page.body.contains("Jade"));

    let res = app
        .post_form(
            "/fn/profile",
            &[
                ("display_name", "Jade"),
                ("bio", "Hi"),
                ("avatar_url", "nope"),
            ],
            "/profile",
        )
        .await;
    assert_eq!(res.status, StatusCode::FOUND);
    let page = app.get("/profile").await;
    assert!(page.body.contains("Enter a web address"));
    assert!(
        page.body.contains(r#"value="nope""#),
        "the typed value is shown again"
    );
}

async fn profile_update_needs_a_login(backend: Backend) {
    let app = spawn(backend).await;
    let res = app
        .call(
            "/fn/profile",
            &[("display_name", "x"), ("bio", ""), ("avatar_url", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.json()["code"], "unauthorized");
}

async fn profile_cards_come_in_one_call_and_match_each_cards_own(backend: Backend) {
    let app = spawn(backend).await;
    let res = app.signup("nell", "nell@example.com").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // A passkey (stored as a registration would), renamed so the activity has an event of
    // this card, and an authenticator app half set up so the security card has a QR code.
    let passkey = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "insert into passkeys (id, user_id, credential_id, name, passkey, created_at) \
         select $1, id, 'cred-nell', 'Laptop', '{}', 1700000000 from users where username = 'nell'",
    )
    .bind(&passkey)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    let res = app
        .call("/fn/rename-passkey", &[("id", &passkey), ("name", "Phone")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    app.start_totp().await;

    let res = app.call("/fn/profile-cards", &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let cards = res.json();
    assert_eq!(cards["passkeys"][0]["name"], "Phone");
    assert!(
        cards["security"]["setup"]["qr_svg"]
            .as_str()
            .unwrap()
            .contains("<svg")
    );
    assert!(cards["activity"].as_array().unwrap().len() >= 2, "{cards}");
    for (part, own) in [
        ("connections", "/fn/connections"),
        ("apps", "/fn/my-apps"),
        ("security", "/fn/security"),
        ("passkeys", "/fn/passkeys"),
        ("activity", "/fn/activity"),
    ] {
        assert_eq!(cards[part], app.call(own, &[]).await.json(), "{part}");
    }
    // The page renders from it.
    let page = app.get("/profile").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Phone"), "{}", page.body);

    // Someone else sees only their own; nobody logged in gets a 401.
    let other = app.another_browser();
    assert_eq!(
        other.signup("owen", "owen@example.com").await.status,
        StatusCode::OK
    );
    let theirs = other.call("/fn/profile-cards", &[]).await.json();
    assert_eq!(theirs["passkeys"], serde_json::json!([]));
    assert!(theirs["security"]["setup"].is_null());
    let anonymous = app.another_browser();
    assert_eq!(
        anonymous.call("/fn/profile-cards", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn create_admin_creates_then_promotes(backend: Backend) {
    use gatehouse::server::auth::{
        create_admin::{AdminMode, AdminOutcome, create_admin},
        passwords::Password,
    };
    let app = spawn(backend).await;
    let pw = Password::new(STRONG_PASSWORD);
    let (admin, outcome) = create_admin(
        &app.state,
        "boss",
        "boss@example.com",
        Some(&pw),
        AdminMode::Create,
    )
    .await
    .unwrap();
    assert_eq!(
        (admin.role.as_str(), outcome),
        ("admin", AdminOutcome::Created)
    );
    assert!(admin.email_verified_at.is_some());
    let (_, outcome) = create_admin(
        &app.state,
        "boss",
        "boss@example.com",
        None,
        AdminMode::Promote,
    )
    .await
    .unwrap();
    assert_eq!(outcome, AdminOutcome::AlreadyAdmin);

    app.signup("kim", "kim@example.com").await;
    app.execute("update users set email_verified_at = 1 where username = 'kim'")
        .await;
    let (kim, outcome) = create_admin(
        &app.state,
        "kim",
        "kim@example.com",
        None,
        AdminMode::Promote,
    )
    .await
    .unwrap();
    assert_eq!(
        (kim.role.as_str(), outcome),
        ("admin", AdminOutcome::Promoted)
    );
    let weak = Password::new("password");
    assert!(
        create_admin(
            &app.state,
            "newboss",
            "nb@example.com",
            Some(&weak),
            AdminMode::Create
        )
        .await
        .is_err()
    );
}

/// The strength meter asks the server (zxcvbn is not in the browser bundle): no login
/// needed, since signup uses it; the person's details count; over-long input is a 400.
async fn password_strength_is_scored_for_anyone_within_bounds(backend: Backend) {
    let app = spawn(backend).await;
    let res = app
        .call("/fn/password-strength", &[("password", "password")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["score"], 0);
    assert!(res.json()["feedback"].is_string(), "{}", res.body);

    let res = app
        .call("/fn/password-strength", &[("password", STRONG_PASSWORD)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.json()["score"].as_u64().unwrap() >= 3, "{}", res.body);

    // The same password is weak for the person whose name it is built from.
    let own = [
        ("password", "Kv9pzq7wlxTr"),
        ("user_inputs[0]", "kv9pzq7wlxtr"),
    ];
    let res = app.call("/fn/password-strength", &own).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.json()["score"].as_u64().unwrap() < 3, "{}", res.body);

    let long = "x".repeat(129);
    let res = app
        .call("/fn/password-strength", &[("password", long.as_str())])
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    let many = [
        ("password", "a fine password"),
        ("user_inputs[0]", "a"),
        ("user_inputs[1]", "b"),
        ("user_inputs[2]", "c"),
        ("user_inputs[3]", "d"),
    ];
    let res = app.call("/fn/password-strength", &many).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
}
