//! One file per page.

mod admin;
mod cancel_email_change;
mod confirm;
mod consent;
mod devices;
mod forgot_password;
mod home;
mod lazy;
mod login;
mod login_verify;
mod not_found;
mod profile;
mod reset_password;
mod sign_in_link;
mod signup;
mod verify_email;

pub use admin::{AdminAppsPage, AdminOverviewPage, AdminUserPage, AdminUsersPage, AuditPage};
pub use cancel_email_change::CancelEmailChangePage;
pub use confirm::ConfirmPage;
pub use consent::ConsentPage;
pub use devices::DevicesPage;
pub use forgot_password::ForgotPasswordPage;
pub use home::HomePage;
pub use lazy::*;
pub use login::LoginPage;
#[cfg(feature = "hydrate")]
pub use login::load_rendered_parts;
pub use login_verify::LoginVerifyPage;
pub use not_found::NotFound;
pub use profile::ProfilePage;
pub use reset_password::ResetPasswordPage;
pub use sign_in_link::SignInLinkPage;
pub use signup::SignupPage;
pub use verify_email::VerifyEmailPage;

pub(crate) use crate::forms::form_message;
use crate::{errors::AppError, forms::FormSpec, model::FormFlash, server_fns::site::take_flash};
use leptos::prelude::*;

/// The flash a post of one of `forms` left for this page, loaded with the page.
pub(crate) fn flash_resource(
    forms: &'static [&'static FormSpec],
) -> Resource<Result<Option<FormFlash>, AppError>> {
    let ids = forms.iter().map(|f| f.id).collect::<Vec<_>>().join(",");
    Resource::new_blocking(|| (), move |_| take_flash(ids.clone()))
}
