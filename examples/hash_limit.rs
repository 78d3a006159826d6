//! What the machine allows for password logins: how many argon2id verifications per
//! second Gatehouse's own hasher (same parameters, same concurrency limit) completes with
//! `CONNECTIONS` callers for `SECONDS`. `scripts/bench` reads the login scenario as a share
//! of this. Prints one JSON object.
//!
//! `cargo run --release --features ssr --example hash_limit -- 8 10`

use gatehouse::server::auth::passwords::{Password, PasswordHasher};
use gatehouse::server::config::PasswordSettings;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let callers: usize = args.next().map_or(Ok(8), |s| s.parse())?;
    let seconds: u64 = args.next().map_or(Ok(10), |s| s.parse())?;
    let hasher = PasswordHasher::new(&PasswordSettings::default())?;
    let password = Password::new("correct horse battery staple");
    let stored = hasher.hash(&password).await?;
    let done = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let (hasher, password, stored, done) = (
                hasher.clone(),
                password.clone(),
                stored.clone(),
                done.clone(),
            );
            tokio::spawn(async move {
                while Instant::now() < until {
                    let verified = hasher.verify(&password, Some(&stored)).await;
                    if verified.is_ok_and(|v| v.ok) {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let count = done.load(Ordering::Relaxed);
    println!(
        "{}",
        serde_json::json!({ "callers": callers, "verifications": count, "seconds": elapsed, "per_second": count as f64 / elapsed })
    );
    Ok(())
}
