//! Settings: defaults, the file and the environment, and what start-up refuses.

use super::*;

#[test]
fn defaults_run_with_no_configuration() {
    let s = Settings::default().finish().unwrap();
    assert_eq!(s.tokens.issuer, "http://localhost:3000");
    assert_eq!(s.database.url, "sqlite://data/gatehouse.db");
    assert_eq!(s.tokens.access_ttl, std::time::Duration::from_secs(900));
    assert!(!s.secure_cookies());
}

#[test]
#[allow(clippy::result_large_err)] // figment's Jail API, not ours
fn environment_overrides_the_file() {
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "Leptos.toml",
            "[server]\npublic_url = \"https://file.example\"\n[tokens]\naccess_ttl_seconds = 60\n",
        )?;
        jail.set_env("GATEHOUSE_TOKENS__ACCESS_TTL_SECONDS", "2");
        jail.set_env("DATABASE_URL", "postgres://db.example/gh");
        jail.set_env("GATEHOUSE_MODE", "production");
        jail.set_env("GATEHOUSE_MAIL__SMTP_HOST", "smtp.example");
        // Variables that share the prefix but are not settings are left alone.
        jail.set_env("GATEHOUSE_JWT_PRIVATE_KEY", "secret");
        jail.set_env("GATEHOUSE_LOG", "debug");
        jail.set_env("REDIS_URL", "redis://cache.example:6379/2");
        jail.set_env("GATEHOUSE_OPERATIONS__LOG_FORMAT", "json");
        jail.set_env("GATEHOUSE_OPERATIONS__SHUTDOWN_DRAIN", "3s");
        let s: Settings = Settings::figment("Leptos.toml").extract()?;
        let s = s.finish().unwrap();
        assert_eq!(s.redis.url, "redis://cache.example:6379/2");
        assert_eq!(s.operations.log_format, LogFormat::Json);
        assert_eq!(
            s.operations.shutdown_drain,
            std::time::Duration::from_secs(3)
        );
        assert_eq!(s.server.public_url, "https://file.example");
        assert_eq!(s.tokens.access_ttl, std::time::Duration::from_secs(2));
        assert_eq!(s.database.url, "postgres://db.example/gh");
        assert!(s.secure_cookies());
        assert!(s.is_production());
        Ok(())
    });
}

#[test]
fn oauth_providers_get_their_known_endpoints_and_need_a_secret() {
    let mut s = Settings::default();
    s.oauth.insert(
        "github".into(),
        OAuthProviderSettings {
            client_id: "abc".into(),
            ..Default::default()
        },
    );
    let err = s.clone().finish().unwrap_err().to_string();
    assert!(
        err.contains("GATEHOUSE_OAUTH_GITHUB_CLIENT_SECRET"),
        "{err}"
    );
    s.oauth_secrets.insert("github".into(), "shh".into());
    let s = s.finish().unwrap();
    let github = &s.oauth["github"];
    assert_eq!(github.kind(), ProviderKind::Github);
    assert_eq!(github.display_name, "GitHub");
    assert_eq!(github.emails_url, "https://api.github.com/user/emails");
    assert_eq!(github.subject_field, "id");

    let mut s = Settings::default();
    s.oauth.insert(
        "corp-sso".into(),
        OAuthProviderSettings {
            client_id: "x".into(),
            ..Default::default()
        },
    );
    s.oauth_secrets.insert("corp-sso".into(), "y".into());
    assert!(
        s.finish()
            .unwrap_err()
            .to_string()
            .contains("oauth.corp-sso.authorize_url"),
        "generic providers need endpoints"
    );
}

#[test]
fn debug_never_prints_a_secret() {
    let mut s = Settings::default();
    s.oauth_secrets
        .insert("github".into(), "very-secret-value".into());
    let printed = format!("{s:?}");
    assert!(!printed.contains("very-secret-value"), "{printed}");
    assert!(printed.contains("github"));
}

#[test]
fn production_refuses_unsafe_mail_proxies_and_providers() {
    let prod = || {
        let mut s = Settings {
            mode: Mode::Production,
            ..Settings::default()
        };
        s.server.public_url = "https://id.example".into();
        s.mail.smtp_host = "smtp.example".into();
        s
    };
    assert!(prod().finish().is_ok());
    let mut s = prod();
    s.mail.smtp_host.clear();
    assert!(s.finish().unwrap_err().to_string().contains("SMTP"));
    let mut s = prod();
    s.mail.tls = MailTls::None;
    assert!(s.finish().unwrap_err().to_string().contains("clear text"));
    let mut s = prod();
    s.server.trust_forwarded_for = true;
    assert!(
        s.finish()
            .unwrap_err()
            .to_string()
            .contains("trusted_proxies")
    );
    let mut s = prod();
    s.server.trust_forwarded_for = true;
    s.server.trusted_proxies = vec!["10.0.0.0/8".into(), "127.0.0.1".into()];
    assert_eq!(s.finish().unwrap().server.trusted_proxy_nets.len(), 2);
    let mut s = prod();
    s.oauth.insert(
        "corp".into(),
        OAuthProviderSettings {
            client_id: "x".into(),
            authorize_url: "http://sso.example/auth".into(),
            token_url: "https://sso.example/token".into(),
            userinfo_url: "https://sso.example/me".into(),
            ..Default::default()
        },
    );
    s.oauth_secrets.insert("corp".into(), "y".into());
    assert!(s.finish().unwrap_err().to_string().contains("not https"));
}

#[test]
fn unsafe_settings_are_refused_with_a_reason() {
    let mut s = Settings::default();
    s.passwords.argon2_memory_kib = 1024;
    assert!(s.finish().unwrap_err().to_string().contains("OWASP"));

    let s = Settings {
        mode: Mode::Production,
        ..Settings::default()
    };
    assert!(s.finish().unwrap_err().to_string().contains("https"));

    let mut s = Settings::default();
    s.passwords.min_length = 4;
    assert!(s.finish().is_err());

    let mut s = Settings::default();
    s.server.public_url = "not a url".into();
    assert!(s.finish().is_err());
}

#[test]
#[allow(clippy::result_large_err)] // figment's Jail API, not ours
fn lifetimes_read_as_durations_and_the_old_second_counts_still_work() {
    use std::time::Duration;
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "Leptos.toml",
            "[tokens]\naccess_ttl = \"5m\"\nrefresh_ttl_seconds = 7200\n\
             [accounts]\nverify_email_ttl = \"2h 30m\"\naudit_retention_days = 30\n",
        )?;
        jail.set_env("GATEHOUSE_MAIL__TIMEOUT", "20s");
        let s: Settings = Settings::figment("Leptos.toml").extract()?;
        let s = s.finish().unwrap();
        assert_eq!(s.tokens.access_ttl, Duration::from_secs(300));
        assert_eq!(s.tokens.refresh_ttl, Duration::from_secs(7200));
        assert_eq!(s.accounts.verify_email_ttl, Duration::from_secs(9000));
        assert_eq!(s.accounts.audit_retention, Duration::from_secs(30 * 86_400));
        assert_eq!(s.mail.timeout, Duration::from_secs(20));

        jail.create_file("Leptos.toml", "[tokens]\naccess_ttl = \"soon\"\n")?;
        let err = Settings::figment("Leptos.toml")
            .extract::<Settings>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a duration"), "{err}");
        Ok(())
    });
}

#[test]
fn the_settings_file_in_the_repository_loads() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml");
    let s: Settings = Settings::figment(file).extract().unwrap();
    let s = s.finish().unwrap();
    assert_eq!(s.tokens.access_ttl, std::time::Duration::from_secs(900));
    assert_eq!(
        s.accounts.audit_retention,
        std::time::Duration::from_secs(400 * 86_400)
    );
}

#[test]
#[allow(clippy::result_large_err)] // figment's Jail API, not ours
fn an_old_name_in_the_environment_overrides_a_new_one_in_the_file() {
    use std::time::Duration;
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "Leptos.toml",
            "[tokens]\naccess_ttl = \"15m\"\n[mail]\nretry_base_seconds = 10\n",
        )?;
        jail.set_env("GATEHOUSE_TOKENS__ACCESS_TTL_SECONDS", "2");
        jail.set_env("GATEHOUSE_MAIL__RETRY_BASE", "1s");
        let s: Settings = Settings::figment("Leptos.toml").extract()?;
        assert_eq!(s.tokens.access_ttl, Duration::from_secs(2));
        assert_eq!(s.mail.retry_base, Duration::from_secs(1));
        Ok(())
    });
}

#[test]
fn a_redis_url_must_be_one() {
    let mut s = Settings::default();
    s.redis.url = "http://cache.example".into();
    let err = s.finish().unwrap_err().to_string();
    assert!(err.contains("redis.url"), "{err}");
}
