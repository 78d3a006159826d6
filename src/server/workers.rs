//! Background workers (the mail sender, the hourly purge), supervised: a worker that
//! panics is logged and restarted after a pause, and on shutdown every worker is
//! cancelled and awaited instead of being dropped mid-write.

use std::{future::Future, time::Duration};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

/// How long a crashed worker waits before it is started again.
const RESTART_AFTER: Duration = Duration::from_secs(5);
/// How long shutdown waits for workers to finish what they are doing.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

#[derive(Clone, Default)]
pub struct Workers {
    tracker: TaskTracker,
    stop: CancellationToken,
}

impl Workers {
    /// Runs `make()`'s future until shutdown, starting it again whenever it panics. On
    /// shutdown it is cancelled wherever it is waiting.
    pub fn supervise<F, Fut>(&self, name: &'static str, make: F)
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.supervise_with(name, RESTART_AFTER, false, move |_| make());
    }

    /// Like [`Self::supervise`], for work that must not be cut off midway (sending a
    /// claimed mail): the future gets the shutdown signal, finishes what it started and
    /// returns; shutdown waits for it (a bounded time).
    pub fn supervise_graceful<F, Fut>(&self, name: &'static str, make: F)
    where
        F: Fn(CancellationToken) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.supervise_with(name, RESTART_AFTER, true, make);
    }

    fn supervise_with<F, Fut>(
        &self,
        name: &'static str,
        restart_after: Duration,
        graceful: bool,
        make: F,
    ) where
        F: Fn(CancellationToken) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let stop = self.stop.clone();
        self.tracker.spawn(async move {
            loop {
                let mut task = tokio::spawn(make(stop.clone()));
                tokio::select! {
                    result = &mut task => match result {
                        Ok(()) => break,
                        Err(e) if e.is_panic() => {
                            tracing::error!(worker = name, "worker panicked; restarting it");
                            tokio::select! {
                                () = tokio::time::sleep(restart_after) => {}
                                () = stop.cancelled() => break,
                            }
                        }
                        Err(_) => break,
                    },
                    () = stop.cancelled() => {
                        if !graceful {
                            task.abort();
                        }
                        let _ = task.await;
                        break;
                    }
                }
            }
        });
    }

    /// Stops every worker and waits (a bounded time) until they have.
    pub async fn shutdown(&self) {
        self.stop.cancel();
        self.tracker.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("background workers did not stop in time");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    };

    #[tokio::test]
    async fn a_panicking_worker_is_restarted_and_shutdown_stops_it() {
        let workers = Workers::default();
        let runs = Arc::new(AtomicU32::new(0));
        let counted = runs.clone();
        workers.supervise_with("test", Duration::from_millis(5), false, move |_| {
            let runs = counted.clone();
            async move {
                if runs.fetch_add(1, Ordering::SeqCst) < 2 {
                    panic!("a worker bug");
                }
                std::future::pending::<()>().await
            }
        });
        for _ in 0..200 {
            if runs.load(Ordering::SeqCst) >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(runs.load(Ordering::SeqCst), 3, "restarted after each panic");
        tokio::time::timeout(Duration::from_secs(2), workers.shutdown())
            .await
            .expect("shutdown stops a worker that never ends by itself");
        assert!(workers.tracker.is_empty());
    }

    #[tokio::test]
    async fn a_graceful_worker_finishes_what_it_started_before_shutdown_returns() {
        let workers = Workers::default();
        let finished = Arc::new(AtomicU32::new(0));
        let counted = finished.clone();
        workers.supervise_graceful("test", move |stop| {
            let finished = counted.clone();
            async move {
                stop.cancelled().await;
                // The rest of the job, after the signal.
                tokio::time::sleep(Duration::from_millis(50)).await;
                finished.fetch_add(1, Ordering::SeqCst);
            }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        workers.shutdown().await;
        assert_eq!(finished.load(Ordering::SeqCst), 1);
    }
}
