//! The one error body of the API and its stable codes.

use crate::{errors::LinkProblem, validate::FieldErrors};
use serde::Serialize;
use utoipa::ToSchema;

/// The error body every endpoint answers with.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A sentence for people.
    pub detail: String,
    /// A stable code for programs.
    pub code: ErrorCode,
    /// Per-field messages (422, and 409 for a taken username or email).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<std::collections::HashMap<String, String>>)]
    pub fields: Option<FieldErrors>,
}

/// What went wrong, for programs: these names do not change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Fields are missing or break a rule; see `fields`.
    Invalid,
    /// The body is not JSON, or the query string cannot be read.
    BadRequest,
    UnsupportedMediaType,
    /// A field the caller may not change here (`PATCH /auth/me`).
    ProtectedField,
    /// Taken (see `fields`), or a rule refused the change (the last admin, say).
    Conflict,
    InvalidCredentials,
    AccountDeactivated,
    EmailNotVerified,
    LinkInvalid,
    LinkExpired,
    LinkUsed,
    /// A sensitive change needs a recent authentication: call `POST /auth/reauth`, then
    /// repeat the request.
    ReauthRequired,
    /// Admins must have a second factor before using the admin API.
    MfaSetupRequired,
    /// `POST /auth/token`: the account has a second factor; use `POST /auth/login`.
    MfaRequired,
    /// No valid bearer access token.
    Unauthorized,
    Forbidden,
    NotFound,
    TooManyRequests,
    /// `POST /auth/token`: the form could not be read.
    InvalidRequest,
    UnsupportedGrantType,
    /// `POST /auth/refresh`: the refresh token is expired, revoked or already used.
    InvalidGrant,
    /// The store did not answer; retry after `Retry-After` seconds.
    Unavailable,
    Internal,
}

impl From<LinkProblem> for ErrorCode {
    fn from(problem: LinkProblem) -> Self {
        match problem {
            LinkProblem::Invalid => Self::LinkInvalid,
            LinkProblem::Expired => Self::LinkExpired,
            LinkProblem::Used => Self::LinkUsed,
        }
    }
}
