//! The application shell, router, navigation and the state every page shares.

use crate::{
    components::Avatar,
    errors::AppError,
    model::{SiteInfo, UserView},
    pages::{
        ADMIN_APPS, ADMIN_OVERVIEW, ADMIN_USER, ADMIN_USERS, AUDIT, CANCEL_EMAIL_CHANGE, CONFIRM,
        CONSENT, DEVICES, FORGOT_PASSWORD, HOME, LOGIN, LOGIN_VERIFY, NotFound, PROFILE, PageView,
        RESET_PASSWORD, SIGN_IN_LINK, SIGNUP, VERIFY_EMAIL, lazy_part,
    },
    server_fns::{
        auth::{Login, Logout},
        site::{current_user, get_site_info},
    },
};
use leptos::{prelude::*, server_fn::ServerFn, tachys::view::iterators::StaticVec};
use leptos_meta::MetaTags;
use leptos_router::{
    NestedRoute, PossibleRouteMatch, SsrMode,
    any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute},
    components::{A, Router, Routes, RoutesProps},
    path,
};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        provide_csp_nonce();
        crate::pages::ChunkPreloads::provide();
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // The same on every page, so written here (server only) rather than as
                // `leptos_meta` tags in `App`, whose code the browser would download.
                <link id="leptos" rel="stylesheet" href="/pkg/gatehouse.css"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="description" content="Gatehouse: your accounts, on your server."/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                // Passkey ceremonies (WebAuthn) in plain JavaScript, kept out of the wasm.
                <script src="/passkeys.js" defer></script>
                // Small helpers that also serve pages before (or without) the wasm.
                <script src="/copy.js" defer></script>
                <MetaTags/>
            </head>
            <body>
                <App/>
                {crate::pages::chunk_preload_links()}
            </body>
        </html>
    }
}

/// Hands this response's CSP nonce (made by the security-headers middleware) to Leptos,
/// which puts it on the inline scripts it writes.
#[cfg(feature = "ssr")]
fn provide_csp_nonce() {
    use crate::server::http::middleware::security_headers::CspNonce;
    if let Some(nonce) =
        with_context::<axum::http::request::Parts, _>(|p| p.extensions.get::<CspNonce>().cloned())
            .flatten()
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

/// The app-wide context (not a login session): the current user, which reloads after any
/// action that changes who is logged in or what they look like (`login` here; the pages'
/// own through [`account_action`]), and the site's settings.
#[derive(Clone, Copy)]
pub struct AppActions {
    pub user: Resource<Result<Option<UserView>, AppError>>,
    pub site: Resource<Result<SiteInfo, AppError>>,
    pub login: ServerAction<Login>,
    /// Where the lazily loaded pages' actions of that kind live (see [`account_action`]).
    account_actions: StoredValue<AccountActions>,
}

#[derive(Clone)]
struct AccountActions {
    /// The app's owner: an action made on it lives as long as the app.
    owner: Owner,
    /// The versions of every action the user reloads after.
    versions: ActionVersions,
}

/// The versions of the app-wide actions: the user is keyed on their sum (versions only
/// grow, and an action added later starts at 0).
///
/// Not a signal of a list: a server render adds a page's actions while the user
/// resource's task reads the sum on another thread, and reading a signal another thread is
/// writing fails at once (Leptos takes its lock without waiting), with a panic that says
/// "already disposed". A mutex waits; the trigger tells the sum to track the new version.
#[derive(Clone, Default)]
struct ActionVersions {
    all: Arc<Mutex<Vec<ArcRwSignal<usize>>>>,
    added: ArcTrigger,
}

impl ActionVersions {
    fn add(&self, version: RwSignal<usize>) {
        self.lock().push(version.into());
        self.added.notify();
    }

    /// Tracked: changes when an action answers, and once an action is added.
    fn sum(&self) -> usize {
        self.added.track();
        // Read outside the lock: the versions are signals of their own.
        let all = self.lock().clone();
        all.iter().map(|version| version.get()).sum()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<ArcRwSignal<usize>>> {
        self.all.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The lock an addition holds, held by a test.
    #[cfg(test)]
    fn hold_for_adding(&self) -> impl Sized {
        self.lock()
    }
}

/// One page's app-wide action, told apart from other contexts of the same type.
#[derive(Clone, Copy)]
struct AccountAction<S: ServerFn + 'static>(ServerAction<S>);

pub fn use_app() -> AppActions {
    expect_context::<AppActions>()
}

/// The app-wide action of a lazily loaded page that changes who is logged in or what they
/// look like (signup, the second step of a login, a profile save, ...). Made on the page's
/// first visit, but on the app's owner: like `login`, it outlives the page (an answer that
/// arrives after a navigation still counts), and the user reloads after each of its
/// answers. Made here rather than in `App`, its code stays in the page's wasm chunk
/// instead of the first visit's (4 KiB gzip for five actions, measured).
pub fn account_action<S>() -> ServerAction<S>
where
    S: ServerFn + Send + Sync + Clone + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let AccountActions { owner, versions } = use_app().account_actions.get_value();
    owner.with(|| {
        use_context::<AccountAction<S>>()
            .map(|made| made.0)
            .unwrap_or_else(|| {
                let action = ServerAction::<S>::new();
                // A new action is at version 0: the sum the user is keyed on stays the same.
                versions.add(action.version());
                provide_context(AccountAction(action));
                action
            })
    })
}

/// A resource source keyed on action versions (`action.version()`), safe to read at any
/// time. A resource's source is a memo that its async task may re-run after the owner of
/// the actions is gone: a refetch that ends after the server's render of the page did
/// (the server panicked with "already disposed" there), or a navigation away while an
/// action's result is arriving. `Action::version()` panics on a disposed action, and so
/// does reading a disposed signal; the reference-counted signals held here live as long
/// as the memo does.
pub fn versions_key<const N: usize>(
    versions: [RwSignal<usize>; N],
) -> impl Fn() -> [usize; N] + Send + Sync + Clone + 'static {
    let versions: [ArcRwSignal<usize>; N] = versions.map(ArcRwSignal::from);
    move || versions.each_ref().map(|version| version.get())
}

#[component]
pub fn App() -> impl IntoView {
    // Only the server writes titles with `leptos_meta` (see `set_page_title`).
    #[cfg(feature = "ssr")]
    leptos_meta::provide_meta_context();
    let login = ServerAction::<Login>::new();
    let versions = ActionVersions::default();
    versions.add(login.version());
    let user = Resource::new(
        {
            let versions = versions.clone();
            move || versions.sum()
        },
        |_| current_user(),
    );
    let site = Resource::new(|| (), |_| get_site_info());
    provide_context(AppActions {
        user,
        site,
        login,
        account_actions: StoredValue::new(AccountActions {
            // A component always runs under an owner; a new root would serve as well.
            owner: Owner::current().unwrap_or_default(),
            versions,
        }),
    });

    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Nav/>
            <main id="main" class="container" tabindex="-1">
                // Built by hand: the `view!` macro takes routes as a tuple, a type per
                // route, and no list of one type.
                {Routes(RoutesProps::builder().fallback(NotFound).children(ToChildren::to_children(routes)).build())}
            </main>
            <footer class="site-footer">
                <div class="container">
                    <p>"Gatehouse · self-hosted accounts"</p>
                </div>
            </footer>
        </Router>
    }
}

/// The app's pages. One list of one type (routes with their types erased, every page a
/// [`PageView`]): as a tuple with a type per route, the router's matching and rendering
/// code was made once per route, 5 KiB gzip of the first visit's wasm (measured).
fn routes() -> StaticVec<AnyNestedRoute> {
    vec![
        page(path!(""), HOME),
        page(path!("signup"), SIGNUP),
        page(path!("login"), LOGIN),
        page(path!("login/link"), SIGN_IN_LINK),
        page(path!("login/verify"), LOGIN_VERIFY),
        page(path!("confirm"), CONFIRM),
        page(path!("authorize/consent"), CONSENT),
        page(path!("profile"), PROFILE),
        page(path!("sessions"), DEVICES),
        page(path!("admin"), ADMIN_USERS),
        page(path!("admin/users/:id"), ADMIN_USER),
        page(path!("admin/audit"), AUDIT),
        page(path!("admin/overview"), ADMIN_OVERVIEW),
        page(path!("admin/apps"), ADMIN_APPS),
        page(path!("verify-email"), VERIFY_EMAIL),
        page(path!("cancel-email-change"), CANCEL_EMAIL_CHANGE),
        page(path!("forgot-password"), FORGOT_PASSWORD),
        page(path!("reset-password"), RESET_PASSWORD),
    ]
    .into()
}

/// A route rendered on the server with all its data (`SsrMode::Async`), as every page is.
fn page<P>(path: P, view: PageView) -> AnyNestedRoute
where
    P: PossibleRouteMatch + Clone + Send + Sync + 'static,
{
    NestedRoute::new(path, view)
        .ssr_mode(SsrMode::Async)
        .into_any_nested_route()
}

#[component]
fn Nav() -> impl IntoView {
    let app = use_app();
    view! {
        <header class="site-header">
            <nav class="nav container" aria-label="Main">
                <A href="/" attr:class="brand">
                    <Logo/>
                    <span>"Gatehouse"</span>
                </A>
                <div class="nav-links">
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match app.user.await {
                                // A chunk of its own: a first visit, to log in, has no use
                                // for it.
                                Ok(Some(user)) => lazy_part(signed_in_links(user)).await,
                                _ => view! {
                                    <A href="/login" attr:class="btn btn-ghost">"Log in"</A>
                                    <A href="/signup" attr:class="btn btn-primary">"Sign up"</A>
                                }
                                .into_any(),
                            }
                        })}
                    </Transition>
                </div>
            </nav>
        </header>
    }
}

/// The id by which the browser finds the signed-in links in the server's HTML.
const SIGNED_IN_LINKS: &str = "nav-user";

/// The header's links for someone logged in: their profile, the admin pages, their devices
/// and logging out.
#[lazy]
fn signed_in_links(user: UserView) -> AnyView {
    let logout = account_action::<Logout>();
    let is_admin = user.role.is_admin();
    view! {
        <A href="/profile" attr:class="nav-user" attr:id=SIGNED_IN_LINKS>
            <Avatar user=user.clone() size="sm"/>
            <span class="nav-user-name">{user.name().to_string()}</span>
        </A>
        {is_admin.then(|| view! { <A href="/admin" attr:class="nav-link">"Admin"</A> })}
        <A href="/sessions" attr:class="nav-link">"Devices"</A>
        <ActionForm action=logout attr:class="nav-logout">
            <button type="submit" class="btn btn-ghost">"Log out"</button>
        </ActionForm>
    }
    .into_any()
}

/// Loads the code of the lazily loaded parts the server rendered into this page, before
/// the page hydrates (see `pages::load_rendered_parts`).
#[cfg(feature = "hydrate")]
pub async fn load_rendered_parts() {
    if document().get_element_by_id(SIGNED_IN_LINKS).is_some() {
        __preload_signed_in_links().await;
    }
    crate::pages::load_rendered_parts().await;
}

#[component]
pub fn Logo() -> impl IntoView {
    view! {
        <svg class="logo" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
            <path d="M4 28V12L16 4l12 8v16h-7v-9a5 5 0 0 0-10 0v9z" fill="currentColor"/>
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::{ActionVersions, versions_key};
    use leptos::prelude::*;
    use std::{sync::mpsc, thread, time::Duration};

    /// A server render adds a page's actions while the user resource's task, on another
    /// thread, reads the sum (a new action's version must be tracked). The read waits for
    /// the addition; it must not fail, as a signal's read does when another thread is
    /// writing it (Leptos then panics with "already disposed").
    #[test]
    fn the_versions_sum_waits_for_an_action_being_added_on_another_thread() {
        let versions = ActionVersions::default();
        Owner::new().with(|| versions.add(RwSignal::new(2)));
        let adding = versions.hold_for_adding();
        let (done, sum) = mpsc::channel();
        let reader = thread::spawn({
            let versions = versions.clone();
            move || done.send(versions.sum()).unwrap()
        });
        // The reader is blocked (or has failed) while the addition is under way.
        assert!(sum.recv_timeout(Duration::from_millis(100)).is_err());
        drop(adding);
        assert_eq!(sum.recv_timeout(Duration::from_secs(5)), Ok(2));
        reader.join().expect("the reader does not panic");
    }

    /// The user reloads after an action added after the key was first read.
    #[test]
    fn the_versions_sum_tracks_actions_added_later() {
        Owner::new().with(|| {
            let versions = ActionVersions::default();
            let key = ArcMemo::new({
                let versions = versions.clone();
                move |_| versions.sum()
            });
            assert_eq!(key.get(), 0);
            let added = RwSignal::new(0);
            versions.add(added);
            assert_eq!(key.get(), 0);
            added.set(3);
            assert_eq!(key.get(), 3);
        });
    }

    #[test]
    fn versions_key_outlives_the_actions_it_watches() {
        let page = Owner::new();
        let (key, version) = page.with(|| {
            let action = Action::new(|_: &()| async {});
            let version = action.version();
            (versions_key([version]), ArcRwSignal::from(version))
        });
        // A resource's source memo, as `Resource::new` makes it, outside the page's owner.
        let source = ArcMemo::new(move |_| key());
        assert_eq!(source.get(), [0]);

        // The page goes away, then the source is asked again (as a resource's task does).
        page.cleanup();
        version.set(1);
        assert_eq!(source.get(), [1]);
    }
}
