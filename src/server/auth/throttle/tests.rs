//! Budgets per client and per account, delays, and the memory bound.

use super::*;

const FREE_FAILURES: u32 = 3;

fn settings() -> AccountSettings {
    AccountSettings {
        failed_logins_before_delay: FREE_FAILURES,
        login_attempts_per_ip_per_minute: 5,
        hashes_per_ip_per_minute: 3,
        mails_per_ip_per_minute: 2,
        ..Default::default()
    }
}

#[test]
fn each_client_gets_its_own_budget_per_kind_of_request() {
    let t = Throttle::new(&settings(), Default::default());
    for _ in 0..5 {
        assert!(t.check_client(Spend::Login, Some("10.0.0.1")).is_ok());
    }
    assert!(t.check_client(Spend::Login, Some("10.0.0.1")).is_err());
    assert!(t.check_client(Spend::Login, Some("10.0.0.2")).is_ok());
    assert!(t.check_client(Spend::Mail, Some("10.0.0.1")).is_ok());
    assert!(
        t.check_client(Spend::Login, None).is_ok(),
        "no address, no key"
    );
}

#[test]
fn ipv6_clients_share_a_budget_per_64() {
    assert_eq!(client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    assert_eq!(
        client_key("2001:db8:1:2:ffff::9"),
        client_key("2001:db8:1:2::1")
    );
    assert_ne!(client_key("2001:db8:1:3::1"), client_key("2001:db8:1:2::1"));
    assert_eq!(client_key("::ffff:192.0.2.1"), "192.0.2.1");
    let t = Throttle::new(&settings(), Default::default());
    for i in 0..2 {
        assert!(
            t.check_client(Spend::Mail, Some(&format!("2001:db8::{i}")))
                .is_ok()
        );
    }
    assert!(t.check_client(Spend::Mail, Some("2001:db8::77")).is_err());
}

#[test]
fn failures_grow_a_delay_and_a_success_clears_it() {
    let t = Throttle::new(&settings(), Default::default());
    for _ in 0..FREE_FAILURES {
        assert!(t.begin_password_attempt("user-1", None).is_ok());
        t.finish_password_attempt("user-1", None, false);
    }
    // The third failure started a one-second delay.
    assert!(t.begin_password_attempt("user-1", None).is_err(), "delayed");
    assert!(
        t.begin_password_attempt("user-2", None).is_ok(),
        "another account is not"
    );
    t.failures.lock().unwrap().get_mut("user-1").unwrap().last -= Duration::from_secs(2);
    assert!(
        t.begin_password_attempt("user-1", None).is_ok(),
        "after the delay"
    );
    t.finish_password_attempt("user-1", None, true);
    assert!(
        t.begin_password_attempt("user-1", None).is_ok(),
        "success clears it"
    );
}

#[test]
fn parallel_tries_when_a_delay_ends_get_one_through() {
    let t = Throttle::new(&settings(), Default::default());
    for _ in 0..FREE_FAILURES {
        t.begin_password_attempt("user-1", None).unwrap();
    }
    t.failures.lock().unwrap().get_mut("user-1").unwrap().last -= Duration::from_secs(2);
    // Ten requests arrive together, none finished yet: the first is counted at once.
    let through = (0..10)
        .filter(|_| t.begin_password_attempt("user-1", None).is_ok())
        .count();
    assert_eq!(through, 1);
}

#[test]
fn a_client_that_logged_in_before_is_not_made_to_wait_by_someone_elses_guesses() {
    let t = Throttle::new(&settings(), Default::default());
    t.begin_password_attempt("user-1", Some("192.0.2.1"))
        .unwrap();
    t.finish_password_attempt("user-1", Some("192.0.2.1"), true);
    for _ in 0..FREE_FAILURES + 2 {
        let _ = t.begin_password_attempt("user-1", Some("203.0.113.9"));
    }
    assert!(
        t.begin_password_attempt("user-1", Some("203.0.113.9"))
            .is_err()
    );
    assert!(
        t.begin_password_attempt("user-1", Some("192.0.2.1"))
            .is_ok(),
        "the owner's usual address still gets in"
    );
}

#[test]
fn delays_are_capped_and_allow_under_a_hundred_failures_an_hour() {
    let f = |count| Failures {
        count,
        last: Instant::now(),
    };
    assert_eq!(
        f(FREE_FAILURES + 1).delay(FREE_FAILURES),
        Duration::from_secs(2)
    );
    assert_eq!(f(50).delay(FREE_FAILURES), MAX_DELAY);
    assert_eq!(f(50).delay(0), Duration::ZERO, "0 turns delays off");
    // Worst case for an attacker: every try exactly when its delay ends.
    let mut total = Duration::ZERO;
    let mut tries = 0;
    while total < Duration::from_secs(3600) {
        tries += 1;
        total += f(tries).delay(FREE_FAILURES);
    }
    assert!(tries <= 100, "{tries} tries in an hour");
}

#[test]
fn memory_stays_bounded_under_a_flood_of_keys() {
    let t = Throttle::with_capacity(&settings(), 1000);
    for i in 0..20_000u32 {
        let ip = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
        let _ = t.check_client(Spend::Login, Some(&ip));
        let _ = t.begin_password_attempt(&format!("name-{i}"), None);
        t.finish_password_attempt(&format!("name-{i}"), Some(&ip), true);
    }
    assert!(t.keys_held() <= 2000, "{}", t.keys_held());
}
