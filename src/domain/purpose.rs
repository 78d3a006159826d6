//! What a one-time emailed link is for.

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, strum::EnumString, strum::IntoStaticStr, strum::Display,
)]
#[strum(serialize_all = "snake_case")]
pub enum TokenPurpose {
    VerifyEmail,
    /// Confirms a new address; the link goes to that address.
    ChangeEmail,
    ResetPassword,
    /// The old address's "this wasn't me" link: undoes an address change.
    CancelEmailChange,
    /// Logs in without a password (`accounts.sign_in_links`).
    SignIn,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}
