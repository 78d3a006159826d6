//! Budgets per client and per account, delays, and the memory bound: each rule is checked
//! on this instance's own tables and on the tables shared through Redis (the local one at
//! 127.0.0.1:6379, or `GATEHOUSE_TEST_REDIS`).

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

/// A throttle and the clock that moves it.
struct Fixture {
    t: Throttle,
    clock: Clock,
}

fn local() -> Fixture {
    let clock = Clock::default();
    Fixture {
        t: Throttle::new(&settings(), clock.clone()),
        clock,
    }
}

/// A throttle on Redis under a prefix of its own, once the link is up.
pub(crate) async fn test_redis_link() -> RedisLink {
    let url =
        std::env::var("GATEHOUSE_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let prefix = format!("gatehouse-test-{}", uuid::Uuid::new_v4().simple());
    let link = RedisLink::open(&url, &prefix).expect("Redis URL");
    for _ in 0..50 {
        if link.is_healthy() {
            return link;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Redis at {url} does not answer (set GATEHOUSE_TEST_REDIS to use another)");
}

async fn shared() -> Fixture {
    let clock = Clock::default();
    let link = test_redis_link().await;
    Fixture {
        t: Throttle::new(&settings(), clock.clone()).with_shared(Some(link)),
        clock,
    }
}

/// Runs each `async fn name(f: Fixture)` on local and on shared tables.
macro_rules! on_both_tables {
    ($($name:ident),* $(,)?) => {
        mod local_tables {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::local()).await })*
        }
        mod redis_tables {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::shared().await).await })*
        }
    };
}

on_both_tables!(
    each_client_gets_its_own_budget_per_kind_of_request,
    ipv6_clients_share_a_budget_per_64,
    failures_grow_a_delay_and_a_success_clears_it,
    parallel_tries_when_a_delay_ends_get_one_through,
    a_client_that_logged_in_before_is_not_made_to_wait_by_someone_elses_guesses,
    failures_are_forgotten_after_an_hour,
);

async fn each_client_gets_its_own_budget_per_kind_of_request(Fixture { t, .. }: Fixture) {
    for _ in 0..5 {
        assert!(t.check_client(Spend::Login, Some("10.0.0.1")).await.is_ok());
    }
    assert!(
        t.check_client(Spend::Login, Some("10.0.0.1"))
            .await
            .is_err()
    );
    assert!(t.check_client(Spend::Login, Some("10.0.0.2")).await.is_ok());
    assert!(t.check_client(Spend::Mail, Some("10.0.0.1")).await.is_ok());
    assert!(
        t.check_client(Spend::Login, None).await.is_ok(),
        "no address, no key"
    );
}

async fn ipv6_clients_share_a_budget_per_64(Fixture { t, .. }: Fixture) {
    assert_eq!(client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    assert_eq!(
        client_key("2001:db8:1:2:ffff::9"),
        client_key("2001:db8:1:2::1")
    );
    assert_ne!(client_key("2001:db8:1:3::1"), client_key("2001:db8:1:2::1"));
    assert_eq!(client_key("::ffff:192.0.2.1"), "192.0.2.1");
    for i in 0..2 {
        let ip = format!("2001:db8::{i}");
        assert!(t.check_client(Spend::Mail, Some(&ip)).await.is_ok());
    }
    assert!(
        t.check_client(Spend::Mail, Some("2001:db8::77"))
            .await
            .is_err()
    );
}

async fn failures_grow_a_delay_and_a_success_clears_it(Fixture { t, clock }: Fixture) {
    for _ in 0..FREE_FAILURES {
        assert!(t.begin_password_attempt("user-1", None).await.is_ok());
        t.finish_password_attempt("user-1", None, false).await;
    }
    // The third failure started a one-second delay.
    assert!(
        t.begin_password_attempt("user-1", None).await.is_err(),
        "delayed"
    );
    assert!(
        t.begin_password_attempt("user-2", None).await.is_ok(),
        "another account is not"
    );
    clock.advance(Duration::from_secs(2));
    assert!(
        t.begin_password_attempt("user-1", None).await.is_ok(),
        "after the delay"
    );
    assert!(
        t.begin_password_attempt("user-1", None).await.is_err(),
        "the next delay is longer"
    );
    t.finish_password_attempt("user-1", None, true).await;
    assert!(
        t.begin_password_attempt("user-1", None).await.is_ok(),
        "success clears it"
    );
}

async fn parallel_tries_when_a_delay_ends_get_one_through(Fixture { t, clock }: Fixture) {
    for _ in 0..FREE_FAILURES {
        t.begin_password_attempt("user-1", None).await.unwrap();
    }
    clock.advance(Duration::from_secs(2));
    // Ten requests arrive together, none finished yet: the first is counted at once.
    let t = std::sync::Arc::new(t);
    let mut tries = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let t = t.clone();
        tries.spawn(async move { t.begin_password_attempt("user-1", None).await.is_ok() });
    }
    let through = tries.join_all().await.into_iter().filter(|ok| *ok).count();
    assert_eq!(through, 1);
}

async fn a_client_that_logged_in_before_is_not_made_to_wait_by_someone_elses_guesses(
    Fixture { t, .. }: Fixture,
) {
    let owner = Some("192.0.2.1");
    let attacker = Some("203.0.113.9");
    t.begin_password_attempt("user-1", owner).await.unwrap();
    t.finish_password_attempt("user-1", owner, true).await;
    for _ in 0..FREE_FAILURES + 2 {
        let _ = t.begin_password_attempt("user-1", attacker).await;
    }
    assert!(t.begin_password_attempt("user-1", attacker).await.is_err());
    assert!(
        t.begin_password_attempt("user-1", owner).await.is_ok(),
        "the owner's usual address still gets in"
    );
}

async fn failures_are_forgotten_after_an_hour(Fixture { t, clock }: Fixture) {
    for _ in 0..FREE_FAILURES + 3 {
        let _ = t.begin_password_attempt("user-1", None).await;
        clock.advance(MAX_DELAY);
    }
    clock.advance(FAILURE_MEMORY);
    for _ in 0..FREE_FAILURES {
        assert!(t.begin_password_attempt("user-1", None).await.is_ok());
    }
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

#[tokio::test]
async fn memory_stays_bounded_under_a_flood_of_keys() {
    let t = Throttle::with_capacity(&settings(), 1000);
    for i in 0..20_000u32 {
        let ip = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
        let _ = t.check_client(Spend::Login, Some(&ip)).await;
        let _ = t.begin_password_attempt(&format!("name-{i}"), None).await;
        t.finish_password_attempt(&format!("name-{i}"), Some(&ip), true)
            .await;
    }
    assert!(t.keys_held() <= 2000, "{}", t.keys_held());
}

#[tokio::test]
async fn an_unreachable_redis_falls_back_to_this_instances_tables() {
    // Nothing listens on port 1: every shared call fails, and the local budgets apply.
    let link = RedisLink::open("redis://127.0.0.1:1", "unreachable").unwrap();
    let clock = Clock::default();
    let t = Throttle::new(&settings(), clock.clone()).with_shared(Some(link.clone()));
    each_client_gets_its_own_budget_per_kind_of_request(Fixture { t, clock }).await;
    assert!(!link.is_healthy());
    assert!(!link.ping().await);
}
