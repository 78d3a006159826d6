//! Every form of the app: its id, its page, and the fields kept after a failed
//! no-JavaScript post (never a password).

use super::FormSpec;

pub const SIGNUP: FormSpec = FormSpec {
    id: "signup",
    page: "/signup",
    keep: &["username", "email", "display_name"],
};
pub const LOGIN: FormSpec = FormSpec {
    id: "login",
    page: "/login",
    keep: &["login"],
};
/// "Email me a sign-in link" on the login page.
pub const SIGN_IN_LINK_REQUEST: FormSpec = FormSpec {
    id: "sign-in-link-request",
    page: "/login",
    keep: &["email"],
};
/// The "Sign in" button of an emailed sign-in link's page (its path carries the token).
pub const SIGN_IN_LINK: FormSpec = FormSpec {
    id: "sign-in-link",
    page: "/login/link",
    keep: &[],
};
pub const PROFILE: FormSpec = FormSpec {
    id: "profile",
    page: "/profile",
    keep: &["display_name", "bio", "avatar_url"],
};
pub const PASSWORD: FormSpec = FormSpec {
    id: "password",
    page: "/profile",
    keep: &[],
};
pub const EMAIL: FormSpec = FormSpec {
    id: "email",
    page: "/profile",
    keep: &["new_email"],
};
pub const CONNECTIONS: FormSpec = FormSpec {
    id: "connections",
    page: "/profile",
    keep: &[],
};
/// Withdrawing an app's access (the "Apps with access" card).
pub const APPS: FormSpec = FormSpec {
    id: "apps",
    page: "/profile",
    keep: &[],
};
/// Renaming or removing a passkey (adding one is the passkey script's, which leaves its
/// notice for this form too).
pub const PASSKEYS: FormSpec = FormSpec {
    id: "passkeys",
    page: "/profile",
    keep: &[],
};
pub const DELETE_ACCOUNT: FormSpec = FormSpec {
    id: "delete",
    page: "/profile",
    keep: &["confirm"],
};
pub const DEVICES: FormSpec = FormSpec {
    id: "devices",
    page: "/sessions",
    keep: &[],
};
pub const VERIFY: FormSpec = FormSpec {
    id: "verify",
    page: "/verify-email",
    keep: &[],
};
/// Asking for a new verification link from the verification page (the login page's
/// resend form answers as the login form).
pub const RESEND: FormSpec = FormSpec {
    id: "resend",
    page: "/verify-email",
    keep: &["login"],
};
pub const CANCEL_EMAIL_CHANGE: FormSpec = FormSpec {
    id: "cancel-email",
    page: "/cancel-email-change",
    keep: &[],
};
pub const FORGOT_PASSWORD: FormSpec = FormSpec {
    id: "forgot",
    page: "/forgot-password",
    keep: &["email"],
};
pub const RESET_PASSWORD: FormSpec = FormSpec {
    id: "reset",
    page: "/reset-password",
    keep: &[],
};
/// The forms of one account's admin page (its path carries the account's id).
pub const ADMIN_USER: FormSpec = FormSpec {
    id: "admin-user",
    page: "/admin",
    keep: &[],
};
pub const ADMIN_USERS: FormSpec = FormSpec {
    id: "admin-users",
    page: "/admin",
    keep: &[],
};
/// Registering and editing the apps that sign in through Gatehouse.
pub const ADMIN_APPS: FormSpec = FormSpec {
    id: "admin-apps",
    page: "/admin/apps",
    keep: &["name", "redirect_uris", "post_logout_redirect_uris"],
};

/// The second step of a login: an app code or a recovery code.
pub const LOGIN_VERIFY: FormSpec = FormSpec {
    id: "login-verify",
    page: "/login/verify",
    keep: &[],
};
/// Confirming who you are before a sensitive change (step-up).
pub const CONFIRM: FormSpec = FormSpec {
    id: "confirm",
    page: "/confirm",
    keep: &[],
};
/// The Security card: authenticator app and recovery codes.
pub const SECURITY: FormSpec = FormSpec {
    id: "security",
    page: "/profile",
    keep: &[],
};

/// The forms that may leave a flash for the profile page.
pub const PROFILE_PAGE: &[&FormSpec] = &[
    &PROFILE,
    &PASSWORD,
    &EMAIL,
    &RESEND,
    &CONNECTIONS,
    &APPS,
    &PASSKEYS,
    &DELETE_ACCOUNT,
    &SECURITY,
];

#[cfg(test)]
mod tests {
    #[test]
    fn no_form_keeps_a_password() {
        for spec in [
            &super::SIGNUP,
            &super::LOGIN,
            &super::SIGN_IN_LINK_REQUEST,
            &super::SIGN_IN_LINK,
            &super::PROFILE,
            &super::PASSWORD,
            &super::EMAIL,
            &super::CONNECTIONS,
            &super::APPS,
            &super::PASSKEYS,
            &super::DELETE_ACCOUNT,
            &super::DEVICES,
            &super::VERIFY,
            &super::RESEND,
            &super::CANCEL_EMAIL_CHANGE,
            &super::FORGOT_PASSWORD,
            &super::RESET_PASSWORD,
            &super::ADMIN_USER,
            &super::ADMIN_USERS,
            &super::ADMIN_APPS,
        ] {
            assert!(
                spec.keep.iter().all(|f| !f.contains("password")),
                "{} keeps a password",
                spec.id
            );
        }
    }
}
