//! The server's error: what the flows return. Expected outcomes (bad input, wrong
//! password) map one-to-one onto [`AppError`]; unexpected ones (database down, a bug) are
//! logged whole here and reach the client only as a generic message.

pub use crate::errors::LinkProblem;
use crate::{errors::AppError, validate::FieldErrors};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    /// A unique field (username, email) belongs to another account.
    #[error("taken: {0:?}")]
    Taken(FieldErrors),
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("account deactivated")]
    AccountDeactivated,
    #[error("email not verified")]
    EmailNotVerified,
    #[error("one-time link refused: {0:?}")]
    Link(LinkProblem),
    #[error("not authenticated")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// A rule refused the change; the message says which and what to do.
    #[error("refused: {0}")]
    Conflict(String),
    #[error("too many requests")]
    TooManyRequests,
    /// Signup with an address that has an account, where signup must not say so: answer
    /// as for a new account awaiting verification of this (normalised) address.
    #[error("signup pending verification")]
    SignupPending(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn taken(name: &str, message: impl Into<String>) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(name.into(), message.into());
        Self::Taken(fields)
    }

    pub fn field(name: &str, message: impl Into<String>) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(name.into(), message.into());
        Self::Invalid(fields)
    }
}

impl From<Error> for AppError {
    fn from(err: Error) -> Self {
        match err {
            Error::Invalid(fields) | Error::Taken(fields) => AppError::Invalid { fields },
            Error::InvalidCredentials => AppError::InvalidCredentials,
            Error::AccountDeactivated => AppError::AccountDeactivated,
            Error::EmailNotVerified => AppError::EmailNotVerified,
            Error::Link(problem) => AppError::Link(problem),
            Error::Unauthorized => AppError::Unauthorized,
            Error::Forbidden => AppError::Forbidden,
            Error::NotFound => AppError::NotFound,
            Error::Conflict(message) => AppError::Conflict { message },
            Error::TooManyRequests => AppError::TooManyRequests,
            Error::SignupPending(_) => {
                tracing::error!("a hidden signup reached a caller that cannot answer it");
                AppError::Internal
            }
            // The store did not answer (down, or no connection free in time): a 503 the
            // client retries, never a logout.
            Error::Database(e) if is_unavailable(&e) => {
                tracing::error!(error = ?e, "database unavailable");
                AppError::Unavailable
            }
            Error::Database(e) => {
                tracing::error!(error = ?e, "database error");
                AppError::Internal
            }
            Error::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                AppError::Internal
            }
        }
    }
}

/// Whether a database error means "the store is not reachable right now" rather than a
/// bug in a query.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Protocol(_)
    ) || e.as_database_error().is_some_and(|d| {
        // PostgreSQL: connection exceptions (08), insufficient resources (53), operator
        // intervention such as a shutdown (57); SQLite: busy or locked.
        let code = d.code().unwrap_or_default();
        // SQLite reports extended codes (517 = BUSY_SNAPSHOT, 261 = BUSY_RECOVERY, 262 =
        // LOCKED_SHAREDCACHE …): the primary code is the low byte.
        let sqlite_primary = code.parse::<i32>().ok().map(|c| c & 0xff);
        code.starts_with("08")
            || code.starts_with("53")
            || code.starts_with("57")
            || matches!(sqlite_primary, Some(5 | 6))
    })
}
