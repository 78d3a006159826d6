//! One file per page.

mod home;
mod login;
mod not_found;
mod profile;
mod signup;

pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use profile::ProfilePage;
pub use signup::SignupPage;

use crate::{api::site::take_flash, errors::AppError, model::FormFlash};
use leptos::prelude::*;

/// The flash a no-JavaScript post of `form` left for this page, loaded with the page.
pub(crate) fn flash_resource(form: &'static str) -> Resource<Result<Option<FormFlash>, AppError>> {
    Resource::new_blocking(|| (), move |_| take_flash(form.to_string()))
}

/// The message for the form as a whole: anything but per-field problems, which show on
/// their fields.
pub(crate) fn form_message(error: &AppError) -> String {
    match error {
        AppError::Invalid { .. } => "Please correct the highlighted fields.".into(),
        other => other.to_string(),
    }
}
