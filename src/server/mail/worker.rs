//! The outbox worker: sends due messages, retries failures with exponential backoff, and
//! gives up after `mail.max_attempts`. A message is claimed before sending, so several
//! instances on one PostgreSQL database never send it twice at once.

use super::Mailer;
use crate::server::db::{self, Db};
use std::{sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;

/// How long a claimed message is left alone before another worker may retry it.
const LEASE_SECONDS: i64 = 120;
const BATCH: i64 = 20;
/// The longest the worker sleeps without looking (covers messages queued by another
/// instance, which cannot wake this one).
const MAX_IDLE: Duration = Duration::from_secs(15);

/// Sends until `stop`: a message being sent when it comes is finished (and marked) first,
/// and nothing is claimed after it, so no lease is left behind for another instance to
/// wait out.
pub async fn run(mailer: Arc<Mailer>, db: Db, stop: CancellationToken) {
    while !stop.is_cancelled() {
        match deliver(&mailer, &db, &stop).await {
            // A full batch: there may be more.
            Ok(n) if n as i64 >= BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = ?e, "mail worker"),
        }
        let wait = match db::outbox::next_due_at(&db.pool).await {
            Ok(Some(at)) => {
                Duration::from_secs((at - db::now()).clamp(0, MAX_IDLE.as_secs() as i64) as u64)
            }
            _ => MAX_IDLE,
        };
        tokio::select! {
            () = mailer.wake.notified() => {}
            () = tokio::time::sleep(wait.max(Duration::from_millis(200))) => {}
            () = stop.cancelled() => {}
        }
    }
}

/// Sends what is due now; returns how many messages it looked at.
pub async fn deliver_due(mailer: &Mailer, db: &Db) -> sqlx::Result<usize> {
    deliver(mailer, db, &CancellationToken::new()).await
}

async fn deliver(mailer: &Mailer, db: &Db, stop: &CancellationToken) -> sqlx::Result<usize> {
    let now = db::now();
    let due = db::outbox::due(&db.pool, now, BATCH).await?;
    let settings = &mailer.settings.mail;
    for message in &due {
        if stop.is_cancelled() {
            break;
        }
        if !db::outbox::claim(&db.pool, &message.id, now, now + LEASE_SECONDS).await? {
            continue;
        }
        let result = mailer
            .transport
            .send(
                &settings.from,
                &message.recipient,
                &message.subject,
                &message.text_body,
                &message.html_body,
            )
            .await;
        let attempts = message.attempts + 1;
        match result {
            Ok(()) => {
                metrics::counter!("gatehouse_mail_total", "result" => "sent").increment(1);
                db::outbox::mark_sent(&db.pool, &message.id, db::now()).await?
            }
            Err(error) if attempts >= i64::from(settings.max_attempts) => {
                tracing::error!(id = %message.id, attempts, %error, "giving up on a message");
                metrics::counter!("gatehouse_mail_total", "result" => "failed").increment(1);
                db::outbox::mark_failed(&db.pool, &message.id, &error).await?;
            }
            Err(error) => {
                let delay = backoff(settings.retry_base.as_secs(), attempts);
                tracing::warn!(id = %message.id, attempts, retry_in = delay, %error, "mail not sent; will retry");
                metrics::counter!("gatehouse_mail_total", "result" => "retried").increment(1);
                db::outbox::mark_retry(&db.pool, &message.id, db::now() + delay, &error).await?;
            }
        }
    }
    Ok(due.len())
}

/// base, 2·base, 4·base, ... capped at an hour.
fn backoff(base: u64, attempts: i64) -> i64 {
    let exp = (attempts - 1).clamp(0, 20) as u32;
    (base.saturating_mul(1 << exp)).min(3600) as i64
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!([1, 2, 3, 4].map(|n| backoff(10, n)), [10, 20, 40, 80]);
        assert_eq!(backoff(10, 30), 3600);
    }
}
