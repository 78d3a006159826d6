//! Every page but the login page in its own wasm chunk (`cargo leptos build --split`): a
//! first visit loads the app's shell, the login page and what they share, and then only
//! the chunk of the page it opens. The server renders every page exactly as before; the
//! browser fetches a page's chunk before hydrating it, or on the first navigation to it.

use super::{
    AdminAppsPage, AdminOverviewPage, AdminUserPage, AdminUsersPage, AuditPage,
    CancelEmailChangePage, ConfirmPage, ConsentPage, DevicesPage, ForgotPasswordPage, HomePage,
    LoginPage, LoginVerifyPage, ProfilePage, ResetPasswordPage, SignInLinkPage, SignupPage,
    VerifyEmailPage,
};
use leptos::prelude::*;
use leptos_router::ChooseView;
use std::{future::Future, pin::Pin};

/// What a route shows. Every page is this one type, not a type per page (Leptos'
/// `Lazy<T>`), so the router's code for a route is made once (see `app::routes`).
#[derive(Clone, Copy)]
pub struct PageView {
    view: fn() -> Pin<Box<dyn Future<Output = AnyView>>>,
    #[cfg(feature = "hydrate")]
    preload: fn() -> Pin<Box<dyn Future<Output = ()>>>,
}

impl ChooseView for PageView {
    async fn choose(self) -> AnyView {
        (self.view)().await
    }

    async fn preload(&self) {
        #[cfg(feature = "hydrate")]
        (self.preload)().await;
    }
}

/// Declares lazily loaded pages: each one's view (a `#[lazy]` function, by whose name the
/// browser fetches its chunk) in a wasm chunk of its own.
macro_rules! lazy_pages {
    ($($page:ident = $component:ident, $view:ident, $preload:ident;)*) => {$(
        #[lazy]
        fn $view() -> AnyView {
            view! { <$component/> }.into_any()
        }

        pub const $page: PageView = PageView {
            view: || Box::pin($view()),
            #[cfg(feature = "hydrate")]
            preload: || Box::pin($preload()),
        };
    )*};
}

/// The login page, the one in the main wasm: what a first visit opens.
pub const LOGIN: PageView = PageView {
    view: || Box::pin(async { view! { <LoginPage/> }.into_any() }),
    #[cfg(feature = "hydrate")]
    preload: || Box::pin(async {}),
};

lazy_pages! {
    HOME = HomePage, home_page, __preload_home_page;
    SIGNUP = SignupPage, signup_page, __preload_signup_page;
    SIGN_IN_LINK = SignInLinkPage, sign_in_link_page, __preload_sign_in_link_page;
    LOGIN_VERIFY = LoginVerifyPage, login_verify_page, __preload_login_verify_page;
    CONFIRM = ConfirmPage, confirm_page, __preload_confirm_page;
    CONSENT = ConsentPage, consent_page, __preload_consent_page;
    PROFILE = ProfilePage, profile_page, __preload_profile_page;
    DEVICES = DevicesPage, devices_page, __preload_devices_page;
    ADMIN_USERS = AdminUsersPage, admin_users_page, __preload_admin_users_page;
    ADMIN_USER = AdminUserPage, admin_user_page, __preload_admin_user_page;
    AUDIT = AuditPage, audit_page, __preload_audit_page;
    ADMIN_OVERVIEW = AdminOverviewPage, admin_overview_page, __preload_admin_overview_page;
    ADMIN_APPS = AdminAppsPage, admin_apps_page, __preload_admin_apps_page;
    VERIFY_EMAIL = VerifyEmailPage, verify_email_page, __preload_verify_email_page;
    CANCEL_EMAIL_CHANGE = CancelEmailChangePage, cancel_email_change_page, __preload_cancel_email_change_page;
    FORGOT_PASSWORD = ForgotPasswordPage, forgot_password_page, __preload_forgot_password_page;
    RESET_PASSWORD = ResetPasswordPage, reset_password_page, __preload_reset_password_page;
}

/// Awaits a lazily loaded part of a page (a `#[lazy]` function). It does nothing more, but
/// it matters: the same login page awaiting its two parts directly built a main wasm 76 KB
/// larger (1,040,269 bytes instead of 963,979), measured, so parts go through here.
pub(crate) async fn lazy_part<T>(part: impl Future<Output = T>) -> T {
    part.await
}

/// The lazily loaded pages and parts a server render shows, as Leptos records them
/// (`prefetch_lazy_fn_on_server`) in the list the shell provides.
#[cfg(feature = "ssr")]
#[derive(Clone, Default)]
pub struct ChunkPreloads(leptos::PrefetchLazyFn);

#[cfg(feature = "ssr")]
impl ChunkPreloads {
    /// Called by the shell, on the render's root owner: this list replaces the one Leptos
    /// put there, which then stays empty, so Leptos' own pass writes nothing.
    ///
    /// Leptos 0.8 writes its preload links after the render, but outside the request's
    /// reactive owner (`leptos_integration_utils`' `from_app`), so it finds whatever owner
    /// the worker thread last had: about half the pages got no links, and others got other
    /// responses' too. [`chunk_preload_links`] writes them in the render itself.
    pub fn provide() {
        let preloads = Self::default();
        provide_context(preloads.0.clone());
        provide_context(preloads);
    }
}

/// Preloads the wasm chunks of the lazily loaded pages and parts this response shows, at
/// the end of the page's `<body>` (`preload` and `modulepreload` links may stand there):
/// the browser fetches them beside the main wasm instead of after it.
///
/// The links of each set of pages and parts shown are one string made once per process;
/// as `leptos_meta` tags, 88 for `/profile`, they were an eighth of the page's server
/// render.
#[cfg(feature = "ssr")]
pub fn chunk_preload_links() -> impl IntoView {
    let preloads = use_context::<ChunkPreloads>();
    let manifest = use_context::<leptos::WasmSplitManifest>();
    Suspend::new(async move {
        // Pending once, so an in-order render comes back to it only after all that comes
        // before it has rendered: by then every page and part shown is recorded.
        tokio::task::yield_now().await;
        let (Some(preloads), Some(manifest)) = (preloads, manifest) else {
            return None;
        };
        let mut shown: Vec<&'static str> = preloads
            .0
            .0
            .with_value(|pages| pages.iter().copied().collect());
        shown.sort_unstable();
        let html = chunk_links(shown, &manifest)?;
        // Hydration starts at the body's first child and ends with the app: it never
        // reaches this, so the browser build needs no part of it.
        Some(view! { <div hidden inner_html=html></div> })
    })
}

/// The page-side stand-in: the browser build never renders the shell.
#[cfg(not(feature = "ssr"))]
pub fn chunk_preload_links() -> impl IntoView {}

/// The preload links of a set of lazily loaded pages and parts, as HTML: each chunk they
/// need once (a page and a part share some), and the script that loads them. `None` when
/// the build split none of them out.
#[cfg(feature = "ssr")]
fn links_from_manifest(
    shown: &[&str],
    manifest: &leptos::WasmSplitManifest,
) -> Option<std::sync::Arc<str>> {
    // The names are the build's own; escaped all the same.
    use crate::server::views::escape_html as attr;
    manifest.0.with_value(|(pkg, chunks, loader)| {
        let mut seen = std::collections::HashSet::new();
        let chunks: String = shown
            .iter()
            .filter_map(|page| chunks.get(*page))
            .flatten()
            .filter(|chunk| seen.insert(chunk.as_str()))
            .map(|chunk| {
                // `fetch()` asks for a chunk with the same credentials as
                // `crossorigin="anonymous"`, so the browser uses the preloaded copy.
                format!(
                    r#"<link rel="preload" href="{}" as="fetch" crossorigin="anonymous">"#,
                    attr(&format!("{pkg}/{chunk}.wasm"))
                )
            })
            .collect();
        (!seen.is_empty()).then(|| {
            let loader = format!(
                r#"<link rel="modulepreload" href="{}">"#,
                attr(&format!("{pkg}/{loader}"))
            );
            (chunks + &loader).into()
        })
    })
}

/// The links of a set of pages and parts, made the first time it renders: the manifest is
/// read once per process (by Leptos), so they never change. The sets are few: a page, and
/// the parts it may show (the header's signed-in links, a form that shows only sometimes).
#[cfg(feature = "ssr")]
fn chunk_links(
    shown: Vec<&'static str>,
    manifest: &leptos::WasmSplitManifest,
) -> Option<std::sync::Arc<str>> {
    use std::{
        collections::HashMap,
        sync::{Arc, LazyLock, Mutex, PoisonError},
    };
    type BySet = HashMap<Vec<&'static str>, Option<Arc<str>>>;
    static LINKS: LazyLock<Mutex<BySet>> = LazyLock::new(Default::default);
    let mut links = LINKS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(made) = links.get(&shown) {
        return made.clone();
    }
    let made = links_from_manifest(&shown, manifest);
    links.insert(shown, made.clone());
    made
}
