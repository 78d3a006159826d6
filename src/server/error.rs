//! The server's error: what the flows return. Expected outcomes (bad input, wrong
//! password) map one-to-one onto [`AppError`]; unexpected ones (database down, a bug) are
//! logged whole here and reach the client only as a generic message.

pub use crate::errors::LinkProblem;
use crate::{errors::AppError, validate::FieldErrors};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How long a client should wait before retrying a 503 (seconds).
pub const RETRY_AFTER_SECONDS: u16 = 5;

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
    /// A rule refused the change; each surface words it (page, API, CLI).
    #[error("{}", refusal_words(.0))]
    Refused(Refusal),
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

/// Business rules that refuse a change as asked. Typed, so the page, the JSON API and the
/// CLI each say it in their own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The change would leave no active admin.
    LastAdmin {
        username: String,
        change: AdminChange,
    },
    /// Removing this provider or passkey would leave the account no way to log in.
    LastLoginMethod,
    /// A sensitive change needs a login or confirmation within the re-authentication
    /// window (step-up).
    ReauthRequired(SensitiveAction),
    /// An admin without a second factor, where admins must have one.
    SecondFactorRequired,
    /// The account already has an authenticator app.
    AlreadySetUp,
    /// A login's second step came too late, or after it was finished or dropped.
    LoginExpired,
    /// An address change cannot be undone: the old address now has another account.
    OldAddressTaken,
    /// `create-admin --promote`: no account has both this username and this address.
    NoSuchAccount { username: String, email: String },
    /// `create-admin --promote` of an account whose address is not verified.
    UnverifiedAccount { username: String, email: String },
    /// `create-admin --promote` of a deactivated account.
    DeactivatedAccount { username: String },
    /// `create-admin` with a username or address that already has an account.
    AccountExists { username: String },
}

/// What was about to happen to the last admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminChange {
    Demote,
    Deactivate,
    Delete,
    /// The admin deleting their own account.
    DeleteOwn,
}

/// Changes that need the owner to have proved who they are within the last few minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SensitiveAction {
    ChangePassword,
    ChangeEmail,
    DeleteAccount,
    ConnectProvider,
    DisconnectProvider,
    AddFactor,
    RemoveFactor,
    RegenerateRecoveryCodes,
    /// An admin changing another user (role, deactivation, deletion, factors, sessions).
    ChangeUser,
    /// An admin registering or changing an app that signs people in through Gatehouse.
    ChangeApps,
}

impl SensitiveAction {
    /// What the person was about to do, to finish "Confirm it's you to …".
    pub fn words(self) -> &'static str {
        match self {
            Self::ChangePassword => "change your password",
            Self::ChangeEmail => "change your email address",
            Self::DeleteAccount => "delete your account",
            Self::ConnectProvider => "connect a sign-in provider",
            Self::DisconnectProvider => "disconnect a sign-in provider",
            Self::AddFactor => "add a second factor",
            Self::RemoveFactor => "remove a second factor",
            Self::RegenerateRecoveryCodes => "create new recovery codes",
            Self::ChangeUser => "change another user's account",
            Self::ChangeApps => "register or change an app that signs people in",
        }
    }
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
            Error::Refused(refusal @ Refusal::ReauthRequired(_)) => AppError::ReauthRequired {
                message: refusal_words(&refusal),
            },
            Error::Refused(Refusal::SecondFactorRequired) => AppError::SecondFactorRequired,
            Error::Refused(refusal) => AppError::Conflict {
                message: refusal_words(&refusal),
            },
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

/// A refusal in the words the pages use.
pub fn refusal_words(refusal: &Refusal) -> String {
    match refusal {
        Refusal::LastAdmin {
            change: AdminChange::DeleteOwn,
            ..
        } => "You are the last admin. Make someone else an admin before deleting your account."
            .into(),
        Refusal::LastAdmin { username, change } => {
            let what = match change {
                AdminChange::Demote => "demoted",
                AdminChange::Deactivate => "deactivated",
                AdminChange::Delete | AdminChange::DeleteOwn => "deleted",
            };
            format!(
                "{username} is the last active admin and cannot be {what}. Make someone else an admin first."
            )
        }
        Refusal::LastLoginMethod => "This is the only way you can log in. Set a password first (with “Forgot your password?”), connect a provider or add a passkey, then remove this one.".into(),
        Refusal::ReauthRequired(action) => format!(
            "For your safety, confirm it's you to {}: enter your password, an authenticator code or use a passkey, then try again.",
            action.words()
        ),
        Refusal::SecondFactorRequired => "Admins must protect their account with a second factor: set up an authenticator app or a passkey first.".into(),
        Refusal::LoginExpired => "This sign-in has expired or was already finished. Please log in again.".into(),
        Refusal::AlreadySetUp => "An authenticator app is already set up. Remove it first to set up another.".into(),
        Refusal::OldAddressTaken => "Your old address now belongs to another account, so it cannot be restored. Contact the administrator.".into(),
        Refusal::NoSuchAccount { username, email } => format!(
            "No account has both the username {username:?} and the address {email:?}; nothing was changed."
        ),
        Refusal::UnverifiedAccount { username, email } => format!(
            "{username} has not verified {email}; an unverified account is never promoted. Nothing was changed."
        ),
        Refusal::DeactivatedAccount { username } => {
            format!("{username} is deactivated; reactivate it first. Nothing was changed.")
        }
        Refusal::AccountExists { username } => format!(
            "An account already uses that username or address ({username}). Nothing was changed; to make an existing, verified account an admin, run create-admin --promote with its exact username and address."
        ),
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
