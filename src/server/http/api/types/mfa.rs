//! Bodies of second factors: the login's second step, re-authentication (step-up) and
//! managing an authenticator app and recovery codes.

use super::{TokenResponse, User};
use crate::domain::FactorMethod;
use crate::server::{auth::factors::pending::LoginOutcome, db::users::UserRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What `POST /auth/login` answers: tokens, or (an account with a second factor) a
/// challenge to finish with `POST /auth/mfa/verify`.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginAnswer {
    Tokens(Box<TokenResponse>),
    SecondFactor(MfaChallenge),
}

impl LoginAnswer {
    /// What a first factor (password, emailed link) led to, in the API's words.
    pub fn new(user: &UserRow, outcome: LoginOutcome, now: i64) -> Self {
        match outcome {
            LoginOutcome::Session(tokens) => {
                Self::Tokens(Box::new(TokenResponse::new(tokens, Some(User::from(user)))))
            }
            LoginOutcome::SecondFactor(step) => Self::SecondFactor(MfaChallenge {
                mfa_required: true,
                expires_in: step.expires_at - now,
                mfa_token: step.token,
                methods: step.methods,
            }),
        }
    }
}

/// The password was right; a second factor is needed. No tokens yet.
#[derive(Serialize, ToSchema)]
pub struct MfaChallenge {
    /// Always true.
    pub mfa_required: bool,
    /// Single use, valid for `expires_in` seconds: send it to `POST /auth/mfa/verify`.
    pub mfa_token: String,
    /// What the account can finish with (`totp`, `recovery_code`; `passkey` needs a browser).
    #[schema(value_type = Vec<String>, example = json!(["totp", "recovery_code"]))]
    pub methods: Vec<FactorMethod>,
    pub expires_in: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct MfaVerifyBody {
    pub mfa_token: String,
    /// A 6-digit code from the authenticator app, or a recovery code (`xxxxx-xxxxx`).
    #[schema(example = "123456")]
    pub code: String,
}

/// Proves who is calling again, before a sensitive change: a password or an app code.
#[derive(Deserialize, ToSchema)]
pub struct ReauthBody {
    #[serde(default)]
    pub password: Option<String>,
    /// A 6-digit code from the authenticator app.
    #[serde(default)]
    pub code: Option<String>,
}

/// The account's second factors.
#[derive(Serialize, ToSchema)]
pub struct MfaStatus {
    pub totp: bool,
    pub passkeys: i64,
    pub recovery_codes_left: i64,
}

/// An authenticator app being set up: add it with `uri` (or the `secret`), then confirm
/// with a first code.
#[derive(Serialize, ToSchema)]
pub struct TotpSetup {
    /// Base32.
    pub secret: String,
    /// `otpauth://totp/...`
    pub uri: String,
}

#[derive(Deserialize, ToSchema)]
pub struct CodeBody {
    /// A 6-digit code from the authenticator app.
    #[schema(example = "123456")]
    pub code: String,
}

/// New single-use recovery codes: shown this once, stored only as hashes.
#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}
