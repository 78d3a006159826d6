//! Login throttling: a token bucket per account name typed and per client address
//! (governor), so password guessing costs minutes, not milliseconds, and a flood from one
//! address cannot keep the password hasher busy for everyone.

use crate::server::{config::AccountSettings, error::Error};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;

pub struct LoginThrottle {
    per_account: Option<DefaultKeyedRateLimiter<String>>,
    per_ip: Option<DefaultKeyedRateLimiter<String>>,
}

impl LoginThrottle {
    pub fn new(settings: &AccountSettings) -> Self {
        let limiter = |per_minute: u32| {
            NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)))
        };
        Self {
            per_account: limiter(settings.login_attempts_per_account_per_minute),
            per_ip: limiter(settings.login_attempts_per_ip_per_minute),
        }
    }

    /// Counts one attempt; refuses (429) when the account or the address is over its limit.
    pub fn check(&self, login: &str, ip: Option<&str>) -> Result<(), Error> {
        let over = |limiter: &Option<DefaultKeyedRateLimiter<String>>, key: String| {
            limiter.as_ref().is_some_and(|l| l.check_key(&key).is_err())
        };
        if over(&self.per_account, login.trim().to_lowercase())
            || ip.is_some_and(|ip| over(&self.per_ip, ip.to_string()))
        {
            tracing::warn!("login attempts throttled");
            return Err(Error::TooManyRequests);
        }
        Ok(())
    }

    /// Forgets keys whose buckets are full again (the hourly purge calls this).
    pub fn forget_idle(&self) {
        for limiter in [&self.per_account, &self.per_ip].into_iter().flatten() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_account_and_address_gets_its_own_bucket() {
        let settings = AccountSettings {
            login_attempts_per_account_per_minute: 3,
            login_attempts_per_ip_per_minute: 5,
            ..Default::default()
        };
        let t = LoginThrottle::new(&settings);
        for _ in 0..3 {
            assert!(t.check("Ann", Some("10.0.0.1")).is_ok());
        }
        assert!(
            matches!(
                t.check("ann", Some("10.0.0.2")),
                Err(Error::TooManyRequests)
            ),
            "same account, any case or address"
        );
        assert!(t.check("bob", Some("10.0.0.1")).is_ok(), "another account");
        assert!(t.check("cid", Some("10.0.0.1")).is_ok(), "its fifth");
        assert!(
            t.check("dee", Some("10.0.0.1")).is_err(),
            "the address used its 5"
        );
        assert!(t.check("dan", None).is_ok());
        let off = LoginThrottle::new(&AccountSettings {
            login_attempts_per_account_per_minute: 0,
            login_attempts_per_ip_per_minute: 0,
            ..Default::default()
        });
        for _ in 0..100 {
            assert!(off.check("ann", Some("10.0.0.1")).is_ok());
        }
    }
}
