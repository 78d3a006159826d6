//! The authenticated fast path: a request with a known access token costs neither a
//! signature check nor a database round trip.
//!
//! - Verified tokens, keyed by a SHA-256 of the token (never the token itself), kept until
//!   they expire on the app's clock. A signature does not change, so nothing invalidates
//!   them; what a token may do is decided by its session, below.
//! - Live sessions with their user, at most [`FRESH_FOR`] old: every write that changes
//!   what a request may do (logout, revocation, password change, role change,
//!   deactivation, deletion, step-up) calls [`AuthCache::forget_user`] once it is
//!   committed, so this process sees it at once; another instance's write is seen within
//!   a second.
//!
//! A read that raced a write must not put the old row back: readers note the cache's
//! generation before asking the database and drop what they stored if a write
//! invalidated in between (see [`AuthCache::remember_session`]).

use super::Authenticated;
use crate::server::auth::tokens::AccessClaims;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How long a cached session may be used without asking the database again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// Entries per cache: a few MiB at most.
const CAPACITY: usize = 10_000;

type TokenKey = [u8; 32];

pub struct AuthCache {
    tokens: quick_cache::sync::Cache<TokenKey, Arc<AccessClaims>>,
    sessions: quick_cache::sync::Cache<String, Arc<CachedSession>>,
    /// Bumped by every invalidation.
    generation: AtomicU64,
    /// Where invalidations go to reach the other instances (see `fleet::invalidation`);
    /// unset on a single instance.
    announce: OnceLock<tokio::sync::mpsc::Sender<String>>,
}

struct CachedSession {
    auth: Authenticated,
    expires_at: i64,
    stored: Instant,
}

/// What [`AuthCache::generation`] said before a database read.
#[derive(Clone, Copy)]
pub struct Generation(u64);

impl Default for AuthCache {
    fn default() -> Self {
        Self {
            tokens: quick_cache::sync::Cache::new(CAPACITY),
            sessions: quick_cache::sync::Cache::new(CAPACITY),
            generation: AtomicU64::new(0),
            announce: OnceLock::new(),
        }
    }
}

impl std::fmt::Debug for AuthCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthCache")
            .field("tokens", &self.tokens.len())
            .field("sessions", &self.sessions.len())
            .finish()
    }
}

fn token_key(token: &str) -> TokenKey {
    Sha256::digest(token.as_bytes()).into()
}

impl AuthCache {
    /// The claims of a token verified before, while it has not expired at `now`.
    pub fn verified(&self, token: &str, now: i64) -> Option<Arc<AccessClaims>> {
        let found = self
            .tokens
            .get(&token_key(token))
            .filter(|claims| claims.nbf <= now && claims.exp >= now);
        crate::server::metrics::count_lookup("token", found.is_some());
        found
    }

    pub fn remember_verified(&self, token: &str, claims: Arc<AccessClaims>) {
        self.tokens.insert(token_key(token), claims);
    }

    /// A live session of `user_id` stored less than [`FRESH_FOR`] ago, not expired at `now`.
    pub fn session(&self, session_id: &str, user_id: &str, now: i64) -> Option<Authenticated> {
        let found = self.sessions.get(session_id).filter(|cached| {
            cached.stored.elapsed() < FRESH_FOR
                && cached.expires_at > now
                && cached.auth.user.id == user_id
        });
        crate::server::metrics::count_lookup("session", found.is_some());
        found.map(|cached| cached.auth.clone())
    }

    pub fn generation(&self) -> Generation {
        Generation(self.generation.load(Ordering::SeqCst))
    }

    /// Stores a live session read from the database after `before` was taken. If a write
    /// invalidated meanwhile, what was read may be older than the write: drop it again.
    pub fn remember_session(&self, before: Generation, auth: &Authenticated, expires_at: i64) {
        let key = auth.session_id.to_string();
        self.sessions.insert(
            key.clone(),
            Arc::new(CachedSession {
                auth: auth.clone(),
                expires_at,
                stored: Instant::now(),
            }),
        );
        if self.generation.load(Ordering::SeqCst) != before.0 {
            self.sessions.remove(&key);
        }
    }

    /// Drops every cached session of this user: call after a committed write to the user
    /// or to any of their sessions.
    pub fn forget_user(&self, user_id: &str) {
        self.forget_user_here(user_id);
        if let Some(announce) = self.announce.get() {
            // Full or closed: the other instances still drop the entry within FRESH_FOR.
            let _ = announce.try_send(user_id.to_string());
        }
    }

    /// Sends every later invalidation to `announce` as well (once; later calls are ignored).
    pub fn announce_to(&self, announce: tokio::sync::mpsc::Sender<String>) {
        let _ = self.announce.set(announce);
    }

    /// Drops every cached session: after a gap in the invalidations from other instances.
    pub fn forget_all_sessions(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.sessions.clear();
    }

    /// [`Self::forget_user`] for this instance only: an invalidation another instance sent.
    pub fn forget_user_here(&self, user_id: &str) {
        // Bump first: a reader that read before the write and stores after this bump sees
        // the new generation and removes its entry; one that stored before is removed here.
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.sessions
            .retain(|_, cached| cached.auth.user.id != user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Role, SessionId, UserId};
    use crate::server::db::users::UserRow;

    fn auth(user: &str, session: &str) -> Authenticated {
        Authenticated {
            user: UserRow {
                id: UserId::from(user.to_string()),
                username: user.into(),
                email: format!("{user}@example.com"),
                password_hash: None,
                display_name: None,
                bio: None,
                avatar_url: None,
                role: Role::User,
                email_verified_at: None,
                deactivated_at: None,
                created_at: 0,
                updated_at: 0,
                last_login_at: None,
                credentials_epoch: 0,
            },
            session_id: SessionId::from(session.to_string()),
            authenticated_at: 0,
        }
    }

    #[test]
    fn a_session_is_served_until_its_user_changes() {
        let cache = AuthCache::default();
        let before = cache.generation();
        cache.remember_session(before, &auth("u1", "s1"), 100);
        cache.remember_session(before, &auth("u2", "s2"), 100);
        assert!(cache.session("s1", "u1", 50).is_some());
        // Another user's token naming this session, or an expired session: no.
        assert!(cache.session("s1", "u2", 50).is_none());
        assert!(cache.session("s1", "u1", 100).is_none());
        cache.forget_user("u1");
        assert!(cache.session("s1", "u1", 50).is_none());
        assert!(cache.session("s2", "u2", 50).is_some());
    }

    #[test]
    fn a_read_that_raced_a_write_is_not_kept() {
        let cache = AuthCache::default();
        let before = cache.generation();
        // The write commits and invalidates while the read is in flight...
        cache.forget_user("u1");
        // ...so what the read found may predate it.
        cache.remember_session(before, &auth("u1", "s1"), 100);
        assert!(cache.session("s1", "u1", 50).is_none());
        // A read that started after the write is kept.
        cache.remember_session(cache.generation(), &auth("u1", "s1"), 100);
        assert!(cache.session("s1", "u1", 50).is_some());
    }

    #[test]
    fn a_verified_token_is_served_only_while_it_is_valid() {
        let cache = AuthCache::default();
        let claims = AccessClaims {
            sub: "u1".into(),
            sid: "s1".into(),
            role: "user".into(),
            iat: 10,
            nbf: 10,
            exp: 20,
            iss: "i".into(),
            aud: "a".into(),
            jti: "j".into(),
        };
        cache.remember_verified("token", Arc::new(claims));
        assert!(cache.verified("token", 15).is_some());
        assert!(cache.verified("token", 9).is_none());
        assert!(cache.verified("token", 21).is_none());
        assert!(cache.verified("other", 15).is_none());
    }
}
