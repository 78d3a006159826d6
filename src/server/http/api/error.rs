//! `server::error::Error` as the API answers it: a status, API wording and a stable code
//! in the one [`ErrorBody`]. Pages word the same errors their own way (`AppError`).

use super::types::{ErrorBody, ErrorCode};
use crate::{
    errors::{AppError, LinkProblem},
    server::error::{Error, Refusal},
    validate::FieldErrors,
};
use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// An API error: the status and the body that goes with it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                detail: detail.into(),
                code,
                fields: None,
            },
        }
    }

    fn with_fields(mut self, fields: FieldErrors) -> Self {
        self.body.fields = Some(fields);
        self
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "A valid bearer access token is required.",
        )
    }

    /// The store did not answer: retry soon; nothing was changed and nobody logged out.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "Gatehouse is temporarily unavailable. Sessions and tokens are unaffected: retry in a moment.",
        )
    }

    fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "Something went wrong on our side. Please retry in a moment.",
        )
    }

    fn link(problem: LinkProblem) -> Self {
        let detail = match problem {
            LinkProblem::Invalid => "This token is not valid: check that it was copied whole.",
            LinkProblem::Expired => "This token has expired: ask for a new link.",
            LinkProblem::Used => "This token was already used: each link works once.",
        };
        let status = StatusCode::from_u16(problem.status()).unwrap_or(StatusCode::BAD_REQUEST);
        Self::new(status, problem.into(), detail)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = (self.status, self.body.code);
        let mut res = (status, Json(self.body)).into_response();
        let headers = res.headers_mut();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(
                header::RETRY_AFTER,
                super::super::RETRY_AFTER_SECONDS.into(),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750: a wrong password is not a token problem.
            let challenge = if code == ErrorCode::InvalidCredentials {
                "Bearer"
            } else {
                r#"Bearer error="invalid_token""#
            };
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        res
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        use {ErrorCode as C, StatusCode as S};
        match e {
            Error::Invalid(fields) => Self::new(
                S::UNPROCESSABLE_ENTITY,
                C::Invalid,
                "Some fields are not valid: see `fields`.",
            )
            .with_fields(fields),
            Error::Taken(fields) => {
                let detail = fields.values().next().cloned();
                Self::new(
                    S::CONFLICT,
                    C::Conflict,
                    detail.unwrap_or_else(|| "Already taken.".into()),
                )
                .with_fields(fields)
            }
            // One answer for every failed login: it says nothing about which part was wrong.
            Error::InvalidCredentials => Self::new(
                S::UNAUTHORIZED,
                C::InvalidCredentials,
                "Wrong username/email or password.",
            ),
            Error::AccountDeactivated => Self::new(
                S::FORBIDDEN,
                C::AccountDeactivated,
                "This account has been deactivated.",
            ),
            Error::EmailNotVerified => Self::new(
                S::FORBIDDEN,
                C::EmailNotVerified,
                "Verify the email address first (POST /api/v1/auth/resend-verification sends a new link).",
            ),
            Error::Link(problem) => Self::link(problem),
            Error::Unauthorized => Self::unauthorized(),
            Error::Forbidden => {
                Self::new(S::FORBIDDEN, C::Forbidden, "Your role does not allow this.")
            }
            Error::NotFound => Self::new(S::NOT_FOUND, C::NotFound, "No such record."),
            Error::Refused(refusal @ Refusal::ReauthRequired(_)) => {
                Self::new(S::FORBIDDEN, C::ReauthRequired, refused(&refusal))
            }
            Error::Refused(refusal @ Refusal::SecondFactorRequired) => {
                Self::new(S::FORBIDDEN, C::MfaSetupRequired, refused(&refusal))
            }
            Error::Refused(Refusal::LoginExpired) => Self::new(
                S::UNAUTHORIZED,
                C::InvalidGrant,
                "This mfa_token is expired, already used, or unknown: log in again with POST /api/v1/auth/login.",
            ),
            Error::Refused(refusal) => Self::new(S::CONFLICT, C::Conflict, refused(&refusal)),
            Error::TooManyRequests => Self::new(
                S::TOO_MANY_REQUESTS,
                C::TooManyRequests,
                "Too many requests: wait a moment and try again.",
            ),
            // What is left is unexpected: `AppError` logs it whole and keeps it from the client.
            other => match AppError::from(other) {
                AppError::Unavailable => Self::unavailable(),
                _ => Self::internal(),
            },
        }
    }
}

/// A business rule's refusal in the API's words: what to call instead, not where to click.
fn refused(refusal: &Refusal) -> String {
    match refusal {
        Refusal::LastAdmin { username, .. } => format!(
            "{username} is the last active admin. Give another account the admin role first (PATCH /api/v1/users/{{id}} with {{\"role\": \"admin\"}})."
        ),
        Refusal::LastLoginMethod => {
            "This is the account's only way to log in: set a password, connect another provider or add a passkey first.".into()
        }
        Refusal::ReauthRequired(action) => format!(
            "To {} you must have authenticated recently: call POST /api/v1/auth/reauth with your password or an authenticator code, then repeat the request.",
            action.words().replace("your ", "the account's ")
        ),
        Refusal::SecondFactorRequired => "Admins must have a second factor: set one up (POST /api/v1/account/mfa/totp) before using the admin API.".into(),
        // Refusals the API cannot meet (the CLI's, the browser-only undo link) keep the
        // shared wording.
        other => crate::server::error::refusal_words(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_links_keep_their_codes_and_statuses() {
        for (problem, status, code) in [
            (LinkProblem::Invalid, 400, "link_invalid"),
            (LinkProblem::Expired, 410, "link_expired"),
            (LinkProblem::Used, 410, "link_used"),
        ] {
            let e = ApiError::from(Error::Link(problem));
            assert_eq!(e.status.as_u16(), status);
            assert_eq!(serde_json::to_value(&e.body).unwrap()["code"], code);
        }
    }

    #[test]
    fn unexpected_errors_say_nothing_of_their_cause() {
        let e = ApiError::from(Error::Internal(anyhow::anyhow!("secret detail")));
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.body.detail.contains("secret"));
    }
}
