//! The throttles' state in Redis, so every instance counts against one budget. Each
//! update is one Lua script, atomic on the Redis server: two instances racing on one
//! account cannot both slip through. Keys hold SHA-256 digests, never an address or an
//! account name, and expire on their own.
//!
//! The rules are the in-process ones (see the parent module); time is wall-clock
//! milliseconds from the app's clock, so instances agree as far as NTP does.

use crate::server::fleet::redis::RedisLink;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;
use std::time::Duration;

/// Counts one use in a fixed window; 1 when within the limit, 0 when over it.
static CLIENT_HIT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if c > tonumber(ARGV[2]) then return 0 end
return 1",
    )
});

/// Starts a password check: 0 while the account's delay runs (unless the client is
/// known), else counts the try as a failure and answers 1.
static BEGIN_ATTEMPT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local now = tonumber(ARGV[2])
local free = tonumber(ARGV[3])
local memory = tonumber(ARGV[4])
local known = ARGV[1] ~= '' and redis.call('ZSCORE', KEYS[2], ARGV[1])
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
if count > 0 and not known and free > 0 and count >= free then
  local delay = math.min(1000 * 2 ^ math.min(count - free, 16), tonumber(ARGV[5]))
  if now - last < delay then return 0 end
end
if now - last >= memory then count = 0 end
redis.call('HSET', KEYS[1], 'count', count + 1, 'last', now)
redis.call('PEXPIRE', KEYS[1], memory)
return 1",
    )
});

/// A successful check: forgets the failures, remembers the client (the newest few).
static SUCCEEDED: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
redis.call('DEL', KEYS[1])
if ARGV[1] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[3]) + 1))
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
return 1",
    )
});

/// How long a client stays "known" to an account after its last login there.
const KNOWN_FOR: Duration = Duration::from_secs(90 * 24 * 3600);

fn digest(text: &str) -> String {
    let hash = Sha256::digest(text.as_bytes());
    hash[..16].iter().map(|b| format!("{b:02x}")).collect()
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The account's two keys, under one hash tag so a Redis Cluster keeps them together.
fn account_keys(link: &RedisLink, account: &str) -> (String, String) {
    let tag = digest(account);
    (
        link.key(&format!("throttle:{{{tag}}}:failures")),
        link.key(&format!("throttle:{{{tag}}}:clients")),
    )
}

/// `Some(within limit)`, or `None` when Redis did not answer.
pub async fn client_hit(link: &RedisLink, key: &str, limit: u32, window: Duration) -> Option<bool> {
    let key = link.key(&format!("throttle:client:{}", digest(key)));
    link.run(|mut c| async move {
        CLIENT_HIT
            .key(key)
            .arg(ms(window))
            .arg(limit)
            .invoke_async::<i64>(&mut c)
            .await
    })
    .await
    .map(|ok| ok == 1)
}

pub struct AttemptRules {
    pub now_ms: u64,
    pub free_failures: u32,
    pub memory: Duration,
    pub max_delay: Duration,
}

/// `Some(allowed)`, or `None` when Redis did not answer.
pub async fn begin_attempt(
    link: &RedisLink,
    account: &str,
    client: Option<&str>,
    rules: AttemptRules,
) -> Option<bool> {
    let (failures, clients) = account_keys(link, account);
    let client = client.map(digest).unwrap_or_default();
    link.run(|mut c| async move {
        BEGIN_ATTEMPT
            .key(failures)
            .key(clients)
            .arg(client)
            .arg(rules.now_ms)
            .arg(rules.free_failures)
            .arg(ms(rules.memory))
            .arg(ms(rules.max_delay))
            .invoke_async::<i64>(&mut c)
            .await
    })
    .await
    .map(|ok| ok == 1)
}

/// `Some(())` once recorded, `None` when Redis did not answer.
pub async fn succeeded(
    link: &RedisLink,
    account: &str,
    client: Option<&str>,
    now_ms: u64,
    keep: usize,
) -> Option<()> {
    let (failures, clients) = account_keys(link, account);
    let client = client.map(digest).unwrap_or_default();
    link.run(|mut c| async move {
        SUCCEEDED
            .key(failures)
            .key(clients)
            .arg(client)
            .arg(now_ms)
            .arg(keep)
            .arg(ms(KNOWN_FOR))
            .invoke_async::<i64>(&mut c)
            .await
    })
    .await
    .map(|_| ())
}
