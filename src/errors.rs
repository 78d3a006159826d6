//! The error every server function answers with: a plain message for people, a stable
//! `code` for programs, per-field messages for forms, and the HTTP status that goes with it.
//! Internals (database errors, stack traces) never get here; the server logs them instead.

use crate::validate::FieldErrors;
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

// Read back through `ErrorWire`: the derived reader of an internally tagged enum buffers
// the whole object first, and that machinery was 8.7 KiB gzip of the first visit's wasm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case", try_from = "ErrorWire")]
pub enum AppError {
    /// Some fields are wrong; each has its own message.
    #[error("Please correct the highlighted fields.")]
    Invalid { fields: FieldErrors },
    /// One message for every kind of failed login, so it says nothing about which part was wrong.
    #[error("Wrong username/email or password.")]
    InvalidCredentials,
    #[error(
        "This account has been deactivated. Contact an administrator if you think this is a mistake."
    )]
    AccountDeactivated,
    /// The password was right but the address is not verified yet.
    #[error(
        "Please verify your email address first: follow the link we sent you. Need a new one? Ask for it below."
    )]
    EmailNotVerified,
    /// What a sign-in provider round trip ended with, in words for the page.
    #[error("{message}")]
    Provider { message: String },
    /// A rule refused the change as asked (say, removing the last way to log in).
    #[error("{message}")]
    Conflict { message: String },
    /// A sensitive change needs the person to confirm who they are first (step-up): the
    /// page offers "Confirm it's you" at `/confirm`.
    #[error("{message}")]
    ReauthRequired { message: String },
    /// An admin must set up a second factor before using the admin pages.
    #[error(
        "Admins must protect their account with a second factor: set up an authenticator app or a passkey first."
    )]
    SecondFactorRequired,
    #[error("Please log in to continue.")]
    Unauthorized,
    #[error("You do not have permission to do that.")]
    Forbidden,
    /// A state-changing request from another origin (CSRF defence).
    #[error(
        "This request came from another site and was refused. Open Gatehouse at its usual address and try again."
    )]
    CrossOrigin,
    #[error("That page or record does not exist.")]
    NotFound,
    #[error("Too many requests. Please wait a moment and try again.")]
    TooManyRequests,
    /// The request itself could not be read (missing or malformed form fields).
    #[error("The form could not be read. Please reload the page and try again.")]
    BadRequest,
    /// The browser could not reach the server (only ever produced on the client).
    #[error("Could not reach the server. Check your connection and try again.")]
    Network,
    /// A dependency (the database) did not answer: nobody is logged out for it.
    #[error(
        "Gatehouse is temporarily unavailable. Your session is safe: please try again in a moment."
    )]
    Unavailable,
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// A refused one-time link; its own tag (`link_expired`, ...) is the code. Untagged
    /// variants must come last.
    #[error(transparent)]
    #[serde(untagged)]
    Link(LinkProblem),
}

/// Why a one-time link (verification, reset, cancel) was refused: the one type the
/// domain, the pages and the JSON API all use. The serde tag is the stable `code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code")]
pub enum LinkProblem {
    #[error("This link is not valid. Check that you copied all of it, or ask for a new one.")]
    #[serde(rename = "link_invalid")]
    Invalid,
    #[error("This link has expired. Please ask for a new one.")]
    #[serde(rename = "link_expired")]
    Expired,
    #[error("This link has already been used. Please ask for a new one if you still need it.")]
    #[serde(rename = "link_used")]
    Used,
}

impl LinkProblem {
    /// 400 for a link that never worked; 410 for one that did and no longer does.
    pub fn status(self) -> u16 {
        match self {
            Self::Invalid => 400,
            Self::Expired | Self::Used => 410,
        }
    }
}

impl AppError {
    pub fn invalid(fields: FieldErrors) -> Self {
        Self::Invalid { fields }
    }

    /// A single field error.
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(name.to_string(), message.into());
        Self::Invalid { fields }
    }

    /// The message for one form field, if this error has one.
    pub fn field_error(&self, name: &str) -> Option<String> {
        match self {
            Self::Invalid { fields } => fields.get(name).cloned(),
            _ => None,
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid { .. } => 422,
            Self::InvalidCredentials | Self::Unauthorized => 401,
            Self::AccountDeactivated
            | Self::Forbidden
            | Self::CrossOrigin
            | Self::EmailNotVerified
            | Self::ReauthRequired { .. }
            | Self::SecondFactorRequired => 403,
            Self::Provider { .. } => 400,
            Self::Link(problem) => problem.status(),
            Self::NotFound => 404,
            Self::Conflict { .. } => 409,
            Self::TooManyRequests => 429,
            Self::BadRequest => 400,
            Self::Network | Self::Unavailable => 503,
            Self::Internal => 500,
        }
    }
}

/// An error as it travels, every variant's fields side by side: a plain struct, which
/// serde reads in one pass.
#[derive(Deserialize)]
struct ErrorWire {
    code: String,
    fields: Option<FieldErrors>,
    message: Option<String>,
}

impl TryFrom<ErrorWire> for AppError {
    type Error = String;

    fn try_from(wire: ErrorWire) -> Result<Self, String> {
        let ErrorWire {
            code,
            fields,
            message,
        } = wire;
        // Called in one arm at most, so the message moves instead of being copied.
        let message = move || message.ok_or("missing field `message`");
        Ok(match code.as_str() {
            "invalid" => Self::Invalid {
                fields: fields.ok_or("missing field `fields`")?,
            },
            "invalid_credentials" => Self::InvalidCredentials,
            "account_deactivated" => Self::AccountDeactivated,
            "email_not_verified" => Self::EmailNotVerified,
            "provider" => Self::Provider {
                message: message()?,
            },
            "conflict" => Self::Conflict {
                message: message()?,
            },
            "reauth_required" => Self::ReauthRequired {
                message: message()?,
            },
            "second_factor_required" => Self::SecondFactorRequired,
            "unauthorized" => Self::Unauthorized,
            "forbidden" => Self::Forbidden,
            "cross_origin" => Self::CrossOrigin,
            "not_found" => Self::NotFound,
            "too_many_requests" => Self::TooManyRequests,
            "bad_request" => Self::BadRequest,
            "network" => Self::Network,
            "unavailable" => Self::Unavailable,
            "internal" => Self::Internal,
            "link_invalid" => Self::Link(LinkProblem::Invalid),
            "link_expired" => Self::Link(LinkProblem::Expired),
            "link_used" => Self::Link(LinkProblem::Used),
            other => return Err(format!("unknown error code `{other}`")),
        })
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Unreadable arguments (server side) or an unreadable answer (client side): in
            // both cases the remedy is reloading the page.
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => Self::BadRequest,
            ServerFnErrorErr::Request(_) => Self::Network,
            _ => Self::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_serialise_with_a_stable_code() {
        let json = serde_json::to_string(&AppError::field("email", "Taken")).unwrap();
        assert_eq!(json, r#"{"code":"invalid","fields":{"email":"Taken"}}"#);
        let json = serde_json::to_string(&AppError::InvalidCredentials).unwrap();
        assert_eq!(json, r#"{"code":"invalid_credentials"}"#);
        let back: AppError = serde_json::from_str(&json).unwrap();
        assert_eq!(back, AppError::InvalidCredentials);
    }

    #[test]
    fn a_refused_link_keeps_its_code_and_status() {
        let err = AppError::Link(LinkProblem::Expired);
        let json = serde_json::to_string(&err).unwrap();
        assert_eq!(json, r#"{"code":"link_expired"}"#);
        assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), err);
        assert_eq!(err.status(), 410);
        assert_eq!(AppError::Link(LinkProblem::Invalid).status(), 400);
    }

    /// Every variant, as the server writes it, reads back as itself: the reader
    /// (`ErrorWire`) names each code by hand, so a new variant must be added there too.
    #[test]
    fn every_error_reads_back_as_written() {
        let message = || "Try again".to_string();
        let all = [
            AppError::field("email", "Taken"),
            AppError::InvalidCredentials,
            AppError::AccountDeactivated,
            AppError::EmailNotVerified,
            AppError::Provider { message: message() },
            AppError::Conflict { message: message() },
            AppError::ReauthRequired { message: message() },
            AppError::SecondFactorRequired,
            AppError::Unauthorized,
            AppError::Forbidden,
            AppError::CrossOrigin,
            AppError::NotFound,
            AppError::TooManyRequests,
            AppError::BadRequest,
            AppError::Network,
            AppError::Unavailable,
            AppError::Internal,
            AppError::Link(LinkProblem::Invalid),
            AppError::Link(LinkProblem::Expired),
            AppError::Link(LinkProblem::Used),
        ];
        for err in &all {
            // Fails to compile when a variant is added, until it is listed above.
            match err {
                AppError::Invalid { .. }
                | AppError::InvalidCredentials
                | AppError::AccountDeactivated
                | AppError::EmailNotVerified
                | AppError::Provider { .. }
                | AppError::Conflict { .. }
                | AppError::ReauthRequired { .. }
                | AppError::SecondFactorRequired
                | AppError::Unauthorized
                | AppError::Forbidden
                | AppError::CrossOrigin
                | AppError::NotFound
                | AppError::TooManyRequests
                | AppError::BadRequest
                | AppError::Network
                | AppError::Unavailable
                | AppError::Internal
                | AppError::Link(_) => {}
            }
            let json = serde_json::to_string(err).unwrap();
            assert_eq!(
                &serde_json::from_str::<AppError>(&json).unwrap(),
                err,
                "{json}"
            );
        }
        // As another program may write them: fields in any order, extra ones ignored.
        let read = |json| serde_json::from_str::<AppError>(json);
        assert_eq!(
            read(r#"{"message":"No","extra":1,"code":"conflict"}"#).unwrap(),
            AppError::Conflict {
                message: "No".into()
            }
        );
        for bad in [
            r#"{"code":"no_such_code"}"#,
            r#"{"code":"invalid"}"#,
            r#"{"code":"provider"}"#,
            r#"{"message":"No"}"#,
            r#"{"code":"invalid","fields":{"email":1}}"#,
            r#""internal""#,
        ] {
            assert!(read(bad).is_err(), "{bad} was read");
        }
    }

    #[test]
    fn argument_errors_are_client_errors() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field".into()));
        assert_eq!(err.status(), 400);
        let err = AppError::from_server_fn_error(ServerFnErrorErr::ServerError("db".into()));
        assert_eq!(err.status(), 500);
    }
}
