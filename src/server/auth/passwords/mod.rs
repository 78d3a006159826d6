//! Password hashing with argon2id, on a fixed set of threads sized to the cores (see
//! [`pool`]): a login storm queues here instead of stalling the async runtime or
//! growing memory, and past `max_concurrent_hashes * 64` waiting it is refused.

mod pool;

use crate::server::config::PasswordSettings;
use anyhow::anyhow;
use argon2::{Algorithm, Params, PasswordHash, Version};
use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

/// A password in memory. Never printed, never serialised.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// Outcome of a verification.
#[derive(Debug, PartialEq, Eq)]
pub struct Verified {
    pub ok: bool,
    /// The stored hash uses other parameters than the current ones: store a fresh hash.
    pub needs_rehash: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Too many hashes already queued: answer 429 rather than pile up memory.
    #[error("password hashing is overloaded")]
    Overloaded,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    pool: Arc<pool::Pool>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    /// Verified against when the user does not exist, so unknown users cost the same.
    dummy_hash: Arc<String>,
}

impl PasswordHasher {
    pub fn new(settings: &PasswordSettings) -> anyhow::Result<Self> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|e| anyhow!("invalid argon2 parameters: {e}"))?;
        let threads = match settings.max_concurrent_hashes {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        Ok(Self {
            dummy_hash: Arc::new(pool::dummy_hash(&params)?),
            params,
            pool: Arc::new(pool::Pool::start(threads)?),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting: threads * 64,
        })
    }

    pub async fn hash(&self, password: &Password) -> Result<String, HashError> {
        let params = self.params.clone();
        let password = password.clone();
        self.run(move |memory| pool::hash(&params, password.expose(), memory))
            .await?
            .map_err(Into::into)
    }

    /// Verifies `password` against `stored`, or against a dummy hash when there is no stored
    /// hash (unknown user, account without a password): same cost, always `ok: false`.
    pub async fn verify(
        &self,
        password: &Password,
        stored: Option<&str>,
    ) -> Result<Verified, HashError> {
        let (hash, real) = match stored {
            Some(h) => (h.to_string(), true),
            None => (self.dummy_hash.as_ref().clone(), false),
        };
        let params = self.params.clone();
        let password = password.clone();
        self.run(move |memory| {
            let parsed =
                PasswordHash::new(&hash).map_err(|e| anyhow!("stored hash is unreadable: {e}"))?;
            let ok = pool::verify(&parsed, password.expose(), memory)? && real;
            Ok(Verified {
                ok,
                needs_rehash: ok && !uses_params(&parsed, &params),
            })
        })
        .await?
        .map_err(HashError::Internal)
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut pool::Memory) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(HashError::Overloaded);
        }
        let waiting = self.waiting.clone();
        self.pool
            .run(move |memory| {
                waiting.fetch_sub(1, Ordering::SeqCst);
                job(memory)
            })
            .await
            .map_err(HashError::Internal)
    }
}

/// Whether a stored hash is argon2id v19 with exactly the current parameters.
fn uses_params(hash: &PasswordHash<'_>, current: &Params) -> bool {
    hash.algorithm == Algorithm::Argon2id.ident()
        && hash.version == Some(Version::V0x13.into())
        && Params::try_from(hash).is_ok_and(|p| {
            p.m_cost() == current.m_cost()
                && p.t_cost() == current.t_cost()
                && p.p_cost() == current.p_cost()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(&PasswordSettings::default()).unwrap()
    }

    #[tokio::test]
    async fn hashes_with_owasp_argon2id_and_verifies() {
        let h = hasher();
        let pw = Password::new("correct horse battery staple");
        let hash = h.hash(&pw).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert_eq!(
            h.verify(&pw, Some(&hash)).await.unwrap(),
            Verified {
                ok: true,
                needs_rehash: false
            }
        );
        let wrong = h.verify(&Password::new("nope"), Some(&hash)).await.unwrap();
        assert!(!wrong.ok);
    }

    #[tokio::test]
    async fn unknown_user_is_verified_against_a_dummy_and_fails() {
        let h = hasher();
        let v = h
            .verify(
                &Password::new("gatehouse dummy password for unknown users"),
                None,
            )
            .await
            .unwrap();
        assert!(!v.ok, "the dummy hash must never let anyone in");
    }

    #[tokio::test]
    async fn old_parameters_ask_for_a_rehash() {
        let old = PasswordSettings {
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            ..PasswordSettings::default()
        };
        let new = PasswordSettings {
            argon2_iterations: 3,
            ..PasswordSettings::default()
        };
        let pw = Password::new("correct horse battery staple");
        let hash = PasswordHasher::new(&old).unwrap().hash(&pw).await.unwrap();
        let v = PasswordHasher::new(&new)
            .unwrap()
            .verify(&pw, Some(&hash))
            .await
            .unwrap();
        assert_eq!(
            v,
            Verified {
                ok: true,
                needs_rehash: true
            }
        );
    }

    #[test]
    fn passwords_do_not_print() {
        assert_eq!(
            format!("{:?}", Password::new("hunter2")),
            "Password([redacted])"
        );
    }
}
