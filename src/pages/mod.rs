//! One file per page.

mod admin;
mod cancel_email_change;
mod devices;
mod forgot_password;
mod home;
mod login;
mod not_found;
mod profile;
mod reset_password;
mod signup;
mod verify_email;

pub use admin::{AdminUserPage, AdminUsersPage, AuditPage};
pub use cancel_email_change::CancelEmailChangePage;
pub use devices::DevicesPage;
pub use forgot_password::ForgotPasswordPage;
pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use profile::ProfilePage;
pub use reset_password::ResetPasswordPage;
pub use signup::SignupPage;
pub use verify_email::VerifyEmailPage;

use crate::{errors::AppError, model::FormFlash, server_fns::site::take_flash};
use leptos::prelude::*;

/// The flash a form post left for this page (`forms`: one name or several, comma
/// separated), loaded with the page.
pub(crate) fn flash_resource(forms: &'static str) -> Resource<Result<Option<FormFlash>, AppError>> {
    Resource::new_blocking(|| (), move |_| take_flash(forms.to_string()))
}

/// The message for the form as a whole: anything but per-field problems, which show on
/// their fields.
pub(crate) fn form_message(error: &AppError) -> String {
    match error {
        AppError::Invalid { .. } => "Please correct the highlighted fields.".into(),
        other => other.to_string(),
    }
}
