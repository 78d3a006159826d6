//! Start-up timing: each phase's duration at debug level (`GATEHOUSE_LOG=debug`), so the
//! path to ready can be measured and kept short.

use std::time::Instant;

pub struct Phases(Instant);

impl Phases {
    pub fn start() -> Self {
        Self(Instant::now())
    }

    /// Logs how long the phase since the last call took.
    pub fn done(&mut self, phase: &str) {
        let ms = self.0.elapsed().as_secs_f64() * 1000.0;
        tracing::debug!(phase, ms = format_args!("{ms:.1}"), "start-up phase");
        self.0 = Instant::now();
    }
}
