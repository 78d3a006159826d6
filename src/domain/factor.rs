//! How someone proves who they are at a login's second step or a step-up.

use serde::{Deserialize, Serialize};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FactorMethod {
    Password,
    /// An authenticator app's code (TOTP).
    Totp,
    RecoveryCode,
    Passkey,
}
