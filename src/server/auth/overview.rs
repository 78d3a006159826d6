//! The admin overview: sign-ups, logins, failed logins and throttled attempts per day for
//! 30 days, and the mail queue. The first three come from the audit log; throttled
//! attempts are not audited (each would be a write an attacker could multiply), so every
//! instance counts them in memory and adds its count to `daily_counts` once a minute.

use super::admin;
use crate::domain::AuditKind;
use crate::model::{DayCounts, MailQueue, Overview};
use crate::server::{auth::sessions::Authenticated, db, error::Result, state::AppState};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub const DAYS: i64 = 30;
const SECONDS_PER_DAY: i64 = 86_400;
/// How often an instance writes what it counted.
const FLUSH_EVERY: Duration = Duration::from_secs(60);
const THROTTLED: &str = "throttled";

pub async fn overview(state: &AppState, auth: &Authenticated) -> Result<Overview> {
    admin::admin_gate(state, auth).await?;
    let now = state.clock.unix();
    let today = now.div_euclid(SECONDS_PER_DAY);
    let first = today - (DAYS - 1);
    let kinds = [
        AuditKind::Signup.as_str(),
        AuditKind::LoginSucceeded.as_str(),
        AuditKind::LoginFailed.as_str(),
    ];
    let pool = &state.db.pool;
    let (events, counted, mail) = tokio::try_join!(
        db::audit::daily_counts(pool, first * SECONDS_PER_DAY, &kinds),
        db::daily_counts::since(pool, first),
        db::outbox::summary(pool, now - SECONDS_PER_DAY),
    )?;
    let mut days: Vec<DayCounts> = (first..=today)
        .map(|day| DayCounts {
            date: date_of(day),
            ..Default::default()
        })
        .collect();
    for (day, kind, count) in events.into_iter().chain(counted) {
        let Some(entry) = usize::try_from(day - first)
            .ok()
            .and_then(|i| days.get_mut(i))
        else {
            continue;
        };
        match kind.as_str() {
            k if k == kinds[0] => entry.signups += count,
            k if k == kinds[1] => entry.logins += count,
            k if k == kinds[2] => entry.failed_logins += count,
            THROTTLED => entry.throttled += count,
            _ => {}
        }
    }
    let (waiting, oldest, failed, sent_last_day) = mail;
    Ok(Overview {
        days,
        mail: MailQueue {
            waiting,
            oldest_wait_seconds: oldest.map_or(0, |at| (now - at).max(0)),
            failed,
            sent_last_day,
        },
    })
}

fn date_of(day: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(day * SECONDS_PER_DAY)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

/// Writes this instance's throttled count now (the worker calls it every minute and at
/// shutdown; tests call it directly).
pub async fn flush_counts(state: &AppState) {
    let refused = state.throttle.take_refused();
    if refused == 0 {
        return;
    }
    let day = state.clock.unix().div_euclid(SECONDS_PER_DAY);
    let n = i64::try_from(refused).unwrap_or(i64::MAX);
    if let Err(e) = db::daily_counts::add(&state.db.pool, day, THROTTLED, n).await {
        tracing::warn!(error = %e, "could not write the throttled count; it is lost");
    }
}

/// The worker: flushes every minute, and once more when the instance stops.
pub async fn keep_counts(state: AppState, stop: CancellationToken) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = tick.tick() => flush_counts(&state).await,
            () = stop.cancelled() => {
                flush_counts(&state).await;
                return;
            }
        }
    }
}
