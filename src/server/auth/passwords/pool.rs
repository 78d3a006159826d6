//! A fixed set of hashing threads, each keeping its argon2 memory (19 MiB with the default
//! parameters) for the next hash. Ad-hoc blocking threads each allocated fresh blocks,
//! and the allocator kept what they freed: a ten-second login storm left the process at
//! over 500 MiB. Here memory is the thread count times one block set, whatever the load.

use anyhow::{Context, anyhow};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version, password_hash::Output};
use std::sync::{Arc, Mutex, PoisonError, mpsc};

/// The argon2 memory one thread reuses from hash to hash.
pub struct Memory(Vec<Block>);

impl Memory {
    /// Exactly `count` blocks, grown (once) when the parameters need more.
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.0.len() < count {
            self.0.resize(count, Block::default());
        }
        &mut self.0[..count]
    }
}

type Job = Box<dyn FnOnce(&mut Memory) + Send>;

pub struct Pool {
    jobs: mpsc::Sender<Job>,
}

impl Pool {
    /// Starts `threads` hashing threads; they end when the pool is dropped.
    pub fn start(threads: usize) -> anyhow::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    lower_priority();
                    let mut memory = Memory(Vec::new());
                    loop {
                        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        let Ok(job) = job else { return };
                        // A job that panics loses its answer (the caller sees an error),
                        // not the thread.
                        let run = std::panic::AssertUnwindSafe(|| job(&mut memory));
                        let _ = std::panic::catch_unwind(run);
                    }
                })
                .context("starting a password-hashing thread")?;
        }
        Ok(Self { jobs })
    }

    /// Queues `job` for the next free hashing thread; its answer arrives on the receiver.
    pub fn submit<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> anyhow::Result<tokio::sync::oneshot::Receiver<T>> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let queued = std::time::Instant::now();
        metrics::gauge!("gatehouse_password_hash_queue_depth").increment(1);
        self.jobs
            .send(Box::new(move |memory| {
                metrics::gauge!("gatehouse_password_hash_queue_depth").decrement(1);
                metrics::histogram!("gatehouse_password_hash_wait_seconds")
                    .record(queued.elapsed().as_secs_f64());
                let _ = answer.send(job(memory));
            }))
            .map_err(|_| anyhow!("the hashing threads have stopped"))?;
        Ok(answered)
    }

    /// Runs `job` on the next free hashing thread.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        self.submit(job)?.await.context("a hashing job failed")
    }
}

/// Hashing yields the CPU to everything else the server does: in a login storm, health
/// checks and token checks still answer in milliseconds, and logins still get every
/// cycle nothing else wants.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on this thread's own id; a failure only leaves the
    // priority as it was.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 10);
    }
}

fn argon2(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

/// A new PHC-format argon2id hash of `password`, computed in `memory`.
pub fn hash(params: &Params, password: &str, memory: &mut Memory) -> anyhow::Result<String> {
    use argon2::password_hash::{SaltString, errors::Error as PhcError};
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(|e| anyhow!("salt: {e}"))?;
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let blocks = memory.blocks(params.block_count());
    let output = Output::init_with(len, |out| {
        argon2(params)
            .hash_password_into_with_memory(password.as_bytes(), salt_bytes, out, &mut *blocks)
            .map_err(|_| PhcError::Crypto)
    })
    .map_err(|e| anyhow!("hashing failed: {e}"))?;
    phc(params, &salt, output)
}

/// The PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$output`) that is stored.
fn phc(
    params: &Params,
    salt: &argon2::password_hash::SaltString,
    output: Output,
) -> anyhow::Result<String> {
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: params
            .try_into()
            .map_err(|e| anyhow!("argon2 parameters: {e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// A hash no password matches, with the current parameters, for unknown users: verifying
/// against it costs what a real verification costs. Its output is random bytes rather
/// than a computed hash, so making it costs nothing at start-up.
pub fn dummy_hash(params: &Params) -> anyhow::Result<String> {
    use argon2::password_hash::SaltString;
    use rand::RngCore;
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let mut output = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    rand::rngs::OsRng.fill_bytes(&mut output);
    let output = Output::new(&output).map_err(|e| anyhow!("dummy output: {e}"))?;
    phc(params, &salt, output)
}

/// Whether `password` matches `stored` (with the parameters `stored` names), computed
/// in `memory`. The comparison is constant-time ([`Output`]'s equality).
pub fn verify(
    stored: &PasswordHash<'_>,
    password: &str,
    memory: &mut Memory,
) -> anyhow::Result<bool> {
    let unreadable = |e: argon2::password_hash::Error| anyhow!("stored hash is unreadable: {e}");
    let algorithm = Algorithm::try_from(stored.algorithm).map_err(unreadable)?;
    let version = stored
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|e| anyhow!("stored hash version: {e}"))?
        .unwrap_or_default();
    let params = Params::try_from(stored).map_err(unreadable)?;
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return Err(anyhow!("stored hash has no salt or output"));
    };
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf).map_err(unreadable)?;
    let blocks = memory.blocks(params.block_count());
    let computed = Output::init_with(expected.len(), |out| {
        Argon2::new(algorithm, version, params.clone())
            .hash_password_into_with_memory(password.as_bytes(), salt_bytes, out, &mut *blocks)
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(|e| anyhow!("verifying failed: {e}"))?;
    Ok(computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::{PasswordHasher as _, PasswordVerifier as _, password_hash::SaltString};

    // Hashes made here must verify with the argon2 crate's own code, and the other way
    // round: accounts hashed before the pool existed keep working.
    #[test]
    fn hashes_match_the_argon2_crate_both_ways() {
        let params = Params::new(1024, 1, 1, None).unwrap();
        let mut memory = Memory(Vec::new());
        let ours = hash(&params, "pw one", &mut memory).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon2(&params).verify_password(b"pw one", &parsed).is_ok());
        assert!(argon2(&params).verify_password(b"pw two", &parsed).is_err());

        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let theirs = argon2(&params)
            .hash_password(b"pw one", &salt)
            .unwrap()
            .to_string();
        let parsed = PasswordHash::new(&theirs).unwrap();
        assert!(verify(&parsed, "pw one", &mut memory).unwrap());
        assert!(!verify(&parsed, "pw two", &mut memory).unwrap());
        // Other parameters in the stored hash are honoured (memory grows for them).
        let bigger = Params::new(4096, 2, 1, None).unwrap();
        let other = argon2(&bigger)
            .hash_password(b"pw one", &salt)
            .unwrap()
            .to_string();
        assert!(verify(&PasswordHash::new(&other).unwrap(), "pw one", &mut memory).unwrap());
    }

    #[test]
    fn the_dummy_hash_is_well_formed_and_matches_nothing() {
        let params = Params::new(1024, 1, 1, None).unwrap();
        let dummy = dummy_hash(&params).unwrap();
        assert!(
            dummy.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"),
            "{dummy}"
        );
        let parsed = PasswordHash::new(&dummy).unwrap();
        let mut memory = Memory(Vec::new());
        assert!(!verify(&parsed, "", &mut memory).unwrap());
        assert_ne!(
            dummy,
            dummy_hash(&params).unwrap(),
            "a fresh salt each time"
        );
    }
}
