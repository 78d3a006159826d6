//! The input rules, as the browser and the server both run them.

use super::*;

fn policy() -> PasswordPolicy {
    PasswordPolicy::default()
}

#[test]
fn username_accepts_ordinary_names() {
    for name in ["alice", "Bob_99", "j.doe", "x-y-z", "abc"] {
        assert!(Username::parse(name).is_ok(), "{name}");
    }
    assert_eq!(Username::parse("  alice ").unwrap().as_str(), "alice");
}

#[test]
fn username_rejects_bad_names_with_a_reason() {
    assert_eq!(Username::parse("").unwrap_err(), "Choose a username.");
    assert!(Username::parse("ab").unwrap_err().contains("at least 3"));
    assert!(
        Username::parse(&"a".repeat(33))
            .unwrap_err()
            .contains("at most 32")
    );
    assert!(
        Username::parse("al ice")
            .unwrap_err()
            .contains("only letters")
    );
    assert!(
        Username::parse("ålice")
            .unwrap_err()
            .contains("only letters")
    );
    assert!(
        Username::parse("_alice")
            .unwrap_err()
            .contains("Start with")
    );
    assert!(Username::parse("Admin").unwrap_err().contains("reserved"));
}

#[test]
fn email_is_normalised_and_checked() {
    assert_eq!(
        Email::parse(" Alice@Example.COM ").unwrap().as_str(),
        "alice@example.com"
    );
    for bad in [
        "",
        "alice",
        "alice@",
        "@example.com",
        "alice@localhost",
        "a b@example.com",
        "alice@example.com.",
    ] {
        assert!(Email::parse(bad).is_err(), "{bad}");
    }
    let long = format!("{}@example.com", "a".repeat(250));
    assert!(Email::parse(&long).unwrap_err().contains("at most"));
}

#[cfg(feature = "ssr")]
#[test]
fn common_and_short_passwords_are_refused() {
    let p = policy();
    assert!(new_password("", &p, &[]).unwrap_err().contains("Choose"));
    assert!(
        new_password("Ab1!", &p, &[])
            .unwrap_err()
            .contains("at least 8")
    );
    assert!(
        new_password("password", &p, &[])
            .unwrap_err()
            .contains("too easy")
    );
    assert!(
        new_password("password123", &p, &[])
            .unwrap_err()
            .contains("too easy")
    );
    assert!(
        new_password("qwertyuiop", &p, &[])
            .unwrap_err()
            .contains("too easy")
    );
    assert!(
        new_password(&"x".repeat(p.max_length + 1), &p, &[])
            .unwrap_err()
            .contains("at most")
    );
}

#[cfg(feature = "ssr")]
#[test]
fn passwords_built_from_the_users_own_details_are_refused() {
    let p = policy();
    assert!(new_password("Kv9pzq7wlxTr", &p, &[]).is_ok());
    assert!(new_password("Kv9pzq7wlxTr", &p, &["kv9pzq7wlxtr", "k@example.com"]).is_err());
}

#[cfg(feature = "ssr")]
#[test]
fn strong_passwords_pass() {
    let p = policy();
    assert!(new_password("correct horse battery staple", &p, &[]).is_ok());
    assert!(new_password("Tr0ub4dor&3-vanilla-Sky", &p, &[]).is_ok());
}

/// What the browser checks alone (length) and how it words the server's score.
#[test]
fn browser_side_password_rules_need_no_zxcvbn() {
    let p = policy();
    assert!(new_password_length("", &p).unwrap_err().contains("Choose"));
    assert!(
        new_password_length("Ab1!", &p)
            .unwrap_err()
            .contains("at least 8")
    );
    assert!(new_password_length(&"x".repeat(p.max_length + 1), &p).is_err());
    assert!(new_password_length("password", &p).is_ok());
    let weak = PasswordStrength {
        score: 0,
        feedback: Some("This is a top-10 common password.".into()),
    };
    let message = too_weak(&weak, &p).unwrap();
    assert!(message.starts_with("This password is too easy to guess."));
    assert!(message.contains("top-10"));
    let strong = PasswordStrength {
        score: p.min_score,
        feedback: None,
    };
    assert_eq!(too_weak(&strong, &p), None);
}

#[test]
fn confirmation_must_match() {
    assert!(password_confirmation("a-long-password", "a-long-password").is_ok());
    assert_eq!(
        password_confirmation("a", "b").unwrap_err(),
        "The passwords do not match."
    );
    assert_eq!(
        password_confirmation("a", "").unwrap_err(),
        "Repeat your password."
    );
}

#[cfg(feature = "ssr")]
#[test]
fn signup_reports_every_bad_field_together() {
    let errors = signup("x", "nope", "short", "other", "ok", &policy()).unwrap_err();
    let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        ["email", "password", "password_confirm", "username"]
    );
    let ok = signup(
        "alice",
        "Alice@Example.com",
        "correct horse battery staple",
        "correct horse battery staple",
        "",
        &policy(),
    )
    .unwrap();
    assert_eq!(ok.email.as_str(), "alice@example.com");
    assert_eq!(ok.display_name, None);
}

#[test]
fn profile_fields_are_bounded() {
    assert!(display_name(&"x".repeat(65)).is_err());
    assert_eq!(display_name("  Alice  ").unwrap().as_deref(), Some("Alice"));
    assert!(display_name("bad\u{0007}name").is_err());
    assert!(bio("line one\nline two").is_ok());
    assert!(bio(&"x".repeat(501)).is_err());
}

#[test]
fn avatar_url_must_be_http_or_https() {
    assert_eq!(avatar_url("").unwrap(), None);
    assert!(avatar_url("https://example.com/a.png").unwrap().is_some());
    assert!(avatar_url("http://example.com/a.png").unwrap().is_some());
    for bad in [
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "ftp://example.com/a.png",
        "example.com/a.png",
        "https://",
        "https://user:pw@example.com/a.png",
    ] {
        assert!(avatar_url(bad).is_err(), "{bad}");
    }
    assert!(avatar_url(&format!("https://example.com/{}", "a".repeat(520))).is_err());
}

/// The browser's shape check must never refuse what the server's full parse accepts.
#[test]
fn the_browsers_avatar_check_accepts_all_the_server_does() {
    for input in [
        "https://example.com/a.png",
        "HTTPS://EXAMPLE.COM/a.png",
        "https:example.com/a.png",
        "  http://example.com ",
        "\u{1}https://example.com/",
        "ht\ttps://example.com/",
        "h\nttp://example.com/",
        "https://b\u{fc}cher.example/a.png",
        "https://[::1]/a.png",
        "http://192.168.0.1:8080/a.png?x=1#y",
    ] {
        let server = avatar_url(input);
        assert!(
            server.as_ref().is_ok_and(Option::is_some),
            "{input}: {server:?}"
        );
        assert!(looks_like_web_address(input.trim()), "{input}");
    }
    for input in [
        "ftp://example.com/",
        "example.com",
        "javascript:alert(1)",
        "//example.com",
    ] {
        assert!(!looks_like_web_address(input), "{input}");
    }
}

#[test]
fn next_accepts_only_local_paths() {
    assert_eq!(safe_next(Some("/profile")).as_deref(), Some("/profile"));
    assert_eq!(
        safe_next(Some("/profile?tab=1")).as_deref(),
        Some("/profile?tab=1")
    );
    for bad in [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil",
        "javascript:alert(1)",
        "profile",
        "/a b",
        "/\nx",
        "/caf\u{e9}",
        "",
    ] {
        assert_eq!(safe_next(Some(bad)), None, "{bad:?}");
    }
    assert_eq!(safe_next(None), None);
}

#[test]
fn lookups_refuse_control_characters() {
    assert_eq!(login_identifier(" ada ").as_deref(), Ok("ada"));
    assert!(login_identifier("a\u{0}b").is_err());
    assert_eq!(search_text(" corp "), Ok("corp"));
    assert!(search_text("a\u{0}b").is_err());
}
