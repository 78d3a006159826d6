//! Small UI pieces shared by the pages.

pub mod alert;
pub mod avatar;
pub mod error_view;
pub mod field;
pub mod passkey_sign_in;
pub mod password_meter;
pub mod providers;
pub mod reloading;
pub mod require_login;
pub mod resend;
pub mod submit;
pub mod title;

pub use alert::{Alert, FormAlerts};
pub use avatar::Avatar;
pub use error_view::ErrorView;
pub use field::{Field, FieldState};
pub use passkey_sign_in::PasskeySignIn;
pub use password_meter::{PasswordMeter, StrengthCheck};
pub use providers::ProviderButtons;
pub use reloading::reloading;
pub use require_login::RequireLogin;
pub use resend::ResendVerification;
pub use submit::SubmitButton;
pub use title::set_page_title;
