//! Every page but the login page in its own wasm chunk (`cargo leptos build --split`): a
//! first visit loads the app's shell, the login page and what they share, and then only
//! the chunk of the page it opens. The server renders every page exactly as before; the
//! browser fetches a page's chunk before hydrating it, or on the first navigation to it.

use super::{
    AdminAppsPage, AdminOverviewPage, AdminUserPage, AdminUsersPage, AuditPage,
    CancelEmailChangePage, ConfirmPage, ConsentPage, DevicesPage, ForgotPasswordPage, HomePage,
    LoginVerifyPage, ProfilePage, ResetPasswordPage, SignInLinkPage, SignupPage, VerifyEmailPage,
};
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// Declares a lazily loaded route for a page component. `data` loads nothing: each page
/// makes its own resources, as before.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}

lazy_page!(ProfileRoute, ProfilePage);
lazy_page!(DevicesRoute, DevicesPage);
lazy_page!(AdminUsersRoute, AdminUsersPage);
lazy_page!(AdminUserRoute, AdminUserPage);
lazy_page!(AuditRoute, AuditPage);
lazy_page!(AdminOverviewRoute, AdminOverviewPage);
lazy_page!(AdminAppsRoute, AdminAppsPage);
lazy_page!(HomeRoute, HomePage);
lazy_page!(SignupRoute, SignupPage);
lazy_page!(LoginVerifyRoute, LoginVerifyPage);
lazy_page!(SignInLinkRoute, SignInLinkPage);
lazy_page!(ConfirmRoute, ConfirmPage);
lazy_page!(ConsentRoute, ConsentPage);
lazy_page!(VerifyEmailRoute, VerifyEmailPage);
lazy_page!(CancelEmailChangeRoute, CancelEmailChangePage);
lazy_page!(ForgotPasswordRoute, ForgotPasswordPage);
lazy_page!(ResetPasswordRoute, ResetPasswordPage);
