//! Server functions: the endpoints the pages call (and plain HTML forms post to). Thin:
//! read the request, call an `auth` flow, set cookies, answer. Each checks
//! authentication itself, because each is a public HTTP endpoint.

pub mod account;
pub mod admin;
pub mod apps;
pub mod auth;
pub mod connections;
pub mod devices;
pub mod email;
pub mod factors;
pub mod passkeys;
pub mod passwords;
pub mod profile;
pub mod sign_in_links;
pub mod site;

#[cfg(feature = "ssr")]
pub mod ssr;

/// Registers every server function with the router explicitly, so none can go missing
/// when the linker drops an unreferenced registration.
#[cfg(feature = "ssr")]
pub fn register_server_fns() {
    use leptos::server_fn::axum::register_explicit;
    register_explicit::<auth::Signup>();
    register_explicit::<auth::Login>();
    register_explicit::<auth::Logout>();
    register_explicit::<account::UpdateProfile>();
    register_explicit::<account::ChangePassword>();
    register_explicit::<account::ChangeEmail>();
    register_explicit::<email::VerifyEmail>();
    register_explicit::<email::VerifyEmailStatus>();
    register_explicit::<email::CancelEmailChangeStatus>();
    register_explicit::<email::CancelEmailChange>();
    register_explicit::<email::ResendVerification>();
    register_explicit::<email::ForgotPassword>();
    register_explicit::<email::ResetLinkStatus>();
    register_explicit::<email::ResetPassword>();
    register_explicit::<connections::Connections>();
    register_explicit::<connections::DisconnectProvider>();
    register_explicit::<passkeys::Passkeys>();
    register_explicit::<passkeys::RenamePasskey>();
    register_explicit::<passkeys::RemovePasskey>();
    register_explicit::<account::DeleteAccount>();
    register_explicit::<account::MyActivity>();
    register_explicit::<profile::ProfileCards>();
    register_explicit::<admin::AdminUsers>();
    register_explicit::<admin::AdminUser>();
    register_explicit::<admin::AdminSetRole>();
    register_explicit::<admin::AdminSetActive>();
    register_explicit::<admin::AdminSignOutUser>();
    register_explicit::<admin::AdminDeleteUser>();
    register_explicit::<admin::AdminResetFactors>();
    register_explicit::<admin::AuditEvents>();
    register_explicit::<admin::AdminOverview>();
    register_explicit::<devices::Devices>();
    register_explicit::<devices::SignOutDevice>();
    register_explicit::<devices::SignOutOtherDevices>();
    register_explicit::<devices::SignOutEverywhere>();
    register_explicit::<sign_in_links::RequestSignInLink>();
    register_explicit::<sign_in_links::SignInLinkStatus>();
    register_explicit::<sign_in_links::SignInWithLink>();
    register_explicit::<passwords::ScorePassword>();
    register_explicit::<site::CurrentUser>();
    register_explicit::<site::GetSiteInfo>();
    register_explicit::<site::TakeFlash>();
    register_explicit::<factors::PendingLogin>();
    register_explicit::<factors::LoginVerify>();
    register_explicit::<factors::ConfirmIdentity>();
    register_explicit::<factors::Security>();
    register_explicit::<factors::SecurityStep>();
    register_explicit::<apps::PendingApp>();
    register_explicit::<apps::MyApps>();
    register_explicit::<apps::RevokeApp>();
    register_explicit::<apps::AdminApps>();
    register_explicit::<apps::AdminRegisterApp>();
    register_explicit::<apps::AdminUpdateApp>();
}
