//! Throttles that protect owners and never lock them out.
//!
//! - Per client first: every endpoint that burns a password hash or sends mail counts
//!   against its client's budget (the IP address, or its /64 for IPv6), before anything
//!   else; a request refused there touches no account's budget.
//! - Per account: only real password failures count, keyed by the resolved account (the
//!   user id, so `alice` and `alice@example.com` share one budget; the normalised name for
//!   unknown accounts). After a few free failures each further one must wait a growing
//!   delay (1 s, 2 s, 4 s … capped), never a lockout: the owner waits seconds, and an
//!   attacker gets well under ASVS 2.2.1's 100 failed tries an hour.
//! - Memory is bounded: each table holds at most `capacity` keys; when full, expired
//!   entries go first, then the oldest.
//! - With Redis (`[redis] url`) every instance counts against the same budgets
//!   (`shared`); while Redis does not answer, each instance falls back to its own tables.

mod shared;

use crate::server::clock::Clock;
use crate::server::fleet::redis::RedisLink;
use crate::server::{config::AccountSettings, error::Error};
use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// Keys each table may hold before it evicts.
const DEFAULT_CAPACITY: usize = 100_000;
/// The longest delay between two failed tries of one account.
const MAX_DELAY: Duration = Duration::from_secs(60);
/// Failures are forgotten after this long without a new one.
const FAILURE_MEMORY: Duration = Duration::from_secs(3600);

/// What a client spends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Spend {
    /// A login attempt.
    Login,
    /// Another request that computes a password hash (signup, change password,
    /// re-authentication, deleting the account).
    Hash,
    /// A request that may send mail (forgot password, resend verification, change email).
    Mail,
}

/// Fixed-window counters with a bounded number of keys.
struct Windows {
    window: Duration,
    capacity: usize,
    entries: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Windows {
    fn new(window: Duration, capacity: usize) -> Self {
        Self {
            window,
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one use of `key`; `false` when it already had `limit` in this window.
    fn hit(&self, key: &str, limit: u32, now: Instant) -> bool {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if !entries.contains_key(key) && entries.len() >= self.capacity {
            let window = self.window;
            entries.retain(|_, (start, _)| now.duration_since(*start) < window);
            evict_oldest(&mut entries, self.capacity, |(start, _)| *start);
        }
        let entry = entries.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            return false;
        }
        entry.1 += 1;
        true
    }

    fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or_default()
    }
}

/// Drops the oldest half when a table is still full after dropping expired entries.
fn evict_oldest<V>(entries: &mut HashMap<String, V>, capacity: usize, at: impl Fn(&V) -> Instant) {
    if entries.len() < capacity {
        return;
    }
    let mut times: Vec<Instant> = entries.values().map(&at).collect();
    times.sort_unstable();
    let cutoff = times[times.len() / 2];
    entries.retain(|_, v| at(v) > cutoff);
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// How long after the last failure the next try is allowed, once `free` failures
    /// have been used (0: never).
    fn delay(&self, free: u32) -> Duration {
        if free == 0 || self.count < free {
            return Duration::ZERO;
        }
        let exponent = (self.count - free).min(16);
        Duration::from_secs(1u64 << exponent).min(MAX_DELAY)
    }
}

pub struct Throttle {
    limits: HashMap<Spend, u32>,
    clients: Windows,
    failures: Mutex<HashMap<String, Failures>>,
    /// Per account, the client keys that logged in to it before: an attacker guessing
    /// from elsewhere cannot make the owner wait.
    known_clients: Mutex<HashMap<String, Vec<String>>>,
    free_failures: u32,
    capacity: usize,
    clock: Clock,
    /// The budgets every instance shares, when Redis is configured.
    shared: Option<RedisLink>,
    /// Requests refused since the admin overview's counts were last written.
    refused: AtomicU64,
}

/// How many clients per account are remembered as having logged in.
const KNOWN_CLIENTS_PER_ACCOUNT: usize = 8;

impl Throttle {
    pub fn new(settings: &AccountSettings, clock: Clock) -> Self {
        let mut throttle = Self::with_capacity(settings, DEFAULT_CAPACITY);
        throttle.clock = clock;
        throttle
    }

    pub fn with_capacity(settings: &AccountSettings, capacity: usize) -> Self {
        let limits = HashMap::from([
            (Spend::Login, settings.login_attempts_per_ip_per_minute),
            (Spend::Hash, settings.hashes_per_ip_per_minute),
            (Spend::Mail, settings.mails_per_ip_per_minute),
        ]);
        Self {
            limits,
            clients: Windows::new(Duration::from_secs(60), capacity),
            failures: Mutex::new(HashMap::new()),
            known_clients: Mutex::new(HashMap::new()),
            free_failures: settings.failed_logins_before_delay,
            capacity,
            clock: Clock::default(),
            shared: None,
            refused: AtomicU64::new(0),
        }
    }

    /// Counts in Redis, shared by every instance, whenever it answers.
    pub fn with_shared(mut self, link: Option<RedisLink>) -> Self {
        self.shared = link;
        self
    }

    /// Wall-clock milliseconds on the app's clock, for the shared tables.
    fn now_ms(&self) -> u64 {
        u64::try_from(self.clock.now().unix_timestamp_nanos() / 1_000_000).unwrap_or_default()
    }

    /// Monotonic time, moved forward with the app's clock (tests advance it instead of
    /// sleeping through a delay).
    fn now(&self) -> Instant {
        Instant::now() + self.clock.skew()
    }

    /// Counts one request of `spend` from this client; 429 when over its budget. Comes
    /// before any account is looked at. 0 in the settings turns a limit off.
    pub async fn check_client(&self, spend: Spend, ip: Option<&str>) -> Result<(), Error> {
        let limit = self.limits.get(&spend).copied().unwrap_or(0);
        let Some(ip) = ip.filter(|_| limit > 0) else {
            return Ok(());
        };
        let key = format!("{spend:?}:{}", client_key(ip));
        let shared = match &self.shared {
            Some(link) => shared::client_hit(link, &key, limit, self.clients.window).await,
            None => None,
        };
        if shared.unwrap_or_else(|| self.clients.hit(&key, limit, self.now())) {
            Ok(())
        } else {
            tracing::warn!(?spend, "client throttled");
            self.refused.fetch_add(1, Ordering::Relaxed);
            Err(Error::TooManyRequests)
        }
    }

    /// Starts a password check for `account`: refused (429) while its growing delay runs,
    /// unless this client logged in to it before. The try is counted as a failure at once,
    /// under the same lock, so requests sent in parallel cannot all slip through when a
    /// delay ends; [`Self::finish_password_attempt`] clears it on success.
    pub async fn begin_password_attempt(
        &self,
        account: &str,
        ip: Option<&str>,
    ) -> Result<(), Error> {
        if let Some(link) = &self.shared {
            let rules = shared::AttemptRules {
                now_ms: self.now_ms(),
                free_failures: self.free_failures,
                memory: FAILURE_MEMORY,
                max_delay: MAX_DELAY,
            };
            let client = ip.map(client_key);
            match shared::begin_attempt(link, account, client.as_deref(), rules).await {
                Some(true) => return Ok(()),
                Some(false) => return Err(self.delayed()),
                None => {}
            }
        }
        self.begin_local(account, ip)
    }

    fn begin_local(&self, account: &str, ip: Option<&str>) -> Result<(), Error> {
        let known = ip.is_some_and(|ip| self.is_known(account, &client_key(ip)));
        let now = self.now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = failures.get(account)
            && !known
            && now.duration_since(f.last) < f.delay(self.free_failures)
        {
            return Err(self.delayed());
        }
        if !failures.contains_key(account) && failures.len() >= self.capacity {
            failures.retain(|_, f| now.duration_since(f.last) < FAILURE_MEMORY);
            evict_oldest(&mut failures, self.capacity, |f| f.last);
        }
        let entry = failures.entry(account.to_string()).or_insert(Failures {
            count: 0,
            last: now,
        });
        if now.duration_since(entry.last) >= FAILURE_MEMORY {
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = now;
        Ok(())
    }

    /// Ends a password check begun with [`Self::begin_password_attempt`]: a success clears
    /// the account's failures and remembers the client; a failure stays counted.
    pub async fn finish_password_attempt(&self, account: &str, ip: Option<&str>, ok: bool) {
        if !ok {
            return;
        }
        if let Some(link) = &self.shared {
            let client = ip.map(client_key);
            let now = self.now_ms();
            let keep = KNOWN_CLIENTS_PER_ACCOUNT;
            if shared::succeeded(link, account, client.as_deref(), now, keep)
                .await
                .is_some()
            {
                return;
            }
        }
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(account);
        if let Some(ip) = ip {
            let key = client_key(ip);
            let mut known = self.known_clients.lock().unwrap_or_else(|e| e.into_inner());
            if !known.contains_key(account) && known.len() >= self.capacity {
                // No times kept here: drop half, arbitrarily; the cost is one delay.
                let drop: Vec<String> = known.keys().take(known.len() / 2).cloned().collect();
                for k in drop {
                    known.remove(&k);
                }
            }
            let clients = known.entry(account.to_string()).or_default();
            if !clients.contains(&key) {
                if clients.len() >= KNOWN_CLIENTS_PER_ACCOUNT {
                    clients.remove(0);
                }
                clients.push(key);
            }
        }
    }

    fn is_known(&self, account: &str, key: &str) -> bool {
        self.known_clients
            .lock()
            .map(|k| k.get(account).is_some_and(|c| c.iter().any(|c| c == key)))
            .unwrap_or(false)
    }

    /// A password check about to run for a known account (change password, delete,
    /// re-authenticate): the client's hash budget, then the account's delay.
    pub async fn check_password_attempt(
        &self,
        account: &str,
        ip: Option<&str>,
    ) -> Result<(), Error> {
        self.check_client(Spend::Hash, ip).await?;
        self.begin_password_attempt(account, ip).await
    }

    /// An account's try refused while its delay runs (counted for the admin overview).
    fn delayed(&self) -> Error {
        tracing::warn!("account password tries delayed");
        self.refused.fetch_add(1, Ordering::Relaxed);
        Error::TooManyRequests
    }

    /// How many requests were refused since the last call (the admin overview's counts).
    pub fn take_refused(&self) -> u64 {
        self.refused.swap(0, Ordering::Relaxed)
    }

    /// Forgets what no longer matters (the hourly purge calls this).
    pub fn forget_idle(&self) {
        let now = self.now();
        if let Ok(mut failures) = self.failures.lock() {
            failures.retain(|_, f| now.duration_since(f.last) < FAILURE_MEMORY);
        }
        if let Ok(mut clients) = self.clients.entries.lock() {
            let window = self.clients.window;
            clients.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
    }

    /// Keys held, for tests of the memory bound.
    pub fn keys_held(&self) -> usize {
        self.clients.len()
            + self.failures.lock().map(|f| f.len()).unwrap_or_default()
            + self
                .known_clients
                .lock()
                .map(|k| k.len())
                .unwrap_or_default()
    }
}

/// The budget key of an address: IPv4 as it is, IPv6 by its /64 (one subscriber usually
/// holds a whole /64). Anything unparseable is used as given.
pub fn client_key(ip: &str) -> String {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => ip.to_string(),
    }
}

#[cfg(test)]
mod tests;
