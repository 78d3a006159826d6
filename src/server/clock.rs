//! The time as the flows see it. One clock per app state, so a test moves it forward (an
//! expiry test advances time instead of sleeping); otherwise it is the system clock.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};
use time::OffsetDateTime;

#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// Seconds added to the system time; only tests move it.
    offset: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + time::Duration::seconds(self.offset.load(Ordering::Relaxed))
    }

    /// Seconds since the Unix epoch: the store's time.
    pub fn unix(&self) -> i64 {
        self.now().unix_timestamp()
    }

    /// How far this clock is ahead of the system's.
    pub fn skew(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.offset.load(Ordering::Relaxed).max(0) as u64)
    }

    /// Moves this clock (and only this app's) forward.
    pub fn advance(&self, by: std::time::Duration) {
        self.offset.fetch_add(seconds(by), Ordering::Relaxed);
    }
}

/// A lifetime as the store's seconds.
pub fn seconds(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_moves_only_when_told() {
        let clock = Clock::default();
        let other = Clock::default();
        let before = clock.unix();
        clock.advance(std::time::Duration::from_secs(3600));
        assert!(clock.unix() >= before + 3600);
        assert!(other.unix() < before + 60, "other apps keep the real time");
        let copy = clock.clone();
        assert!(copy.unix() >= before + 3600, "clones share the clock");
    }
}
