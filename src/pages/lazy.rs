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
                #[cfg(feature = "ssr")]
                preload_chunks();
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

/// Awaits a lazily loaded part of a page (a `#[lazy]` function): the browser fetches its
/// chunk first; the server preloads that chunk in this response.
pub(crate) async fn lazy_part<T>(part: impl Future<Output = T>) -> T {
    let part = part.await;
    #[cfg(feature = "ssr")]
    preload_chunks();
    part
}

/// The list of lazily loaded pages a server render asks for, taken over from Leptos (see
/// [`preload_chunks`]), and the pages whose chunks this response already preloads.
#[cfg(feature = "ssr")]
#[derive(Clone, Default)]
pub struct ChunkPreloads {
    requested: leptos::PrefetchLazyFn,
    written: ArcStoredValue<std::collections::HashSet<&'static str>>,
}

#[cfg(feature = "ssr")]
impl ChunkPreloads {
    /// Called by the shell, on the render's root owner: this list replaces the one Leptos
    /// put there, which then stays empty, so Leptos' own pass writes nothing.
    pub fn provide() {
        let preloads = Self::default();
        provide_context(preloads.requested.clone());
        provide_context(preloads);
    }

    /// The pages rendered so far whose links are not written yet, now marked written.
    fn take_unwritten(&self) -> Vec<&'static str> {
        self.requested.0.with_value(|requested| {
            self.written
                .try_update_value(|written| {
                    requested
                        .iter()
                        .copied()
                        .filter(|page| written.insert(page))
                        .collect()
                })
                .unwrap_or_default()
        })
    }
}

/// Preloads the wasm chunks of the page being rendered, and of the lazily loaded parts it
/// shows, in this response's `<head>`.
///
/// Leptos 0.8 writes these links itself after the render, but outside the request's
/// reactive owner (`leptos_integration_utils`' `from_app`), so it finds whatever owner the
/// worker thread last had: about half the pages got no links, and others got other
/// responses' too (one `/profile` came with six copies of its 66). Here they are written
/// while the page renders, in its own request.
#[cfg(feature = "ssr")]
fn preload_chunks() {
    use leptos::WasmSplitManifest;
    use leptos_meta::Link;
    let (Some(preloads), Some(manifest)) = (
        use_context::<ChunkPreloads>(),
        use_context::<WasmSplitManifest>(),
    ) else {
        return;
    };
    // Leptos records the page or part just before this runs (`prefetch_lazy_fn_on_server`).
    for page in preloads.take_unwritten() {
        let Some(hrefs) = chunk_hrefs(page, &manifest) else {
            continue;
        };
        // Rendering a `leptos_meta` tag hands it to the response's `<head>`. `fetch()`
        // asks for a chunk with the same credentials as `crossorigin="anonymous"`, so the
        // browser uses the preloaded copy.
        for href in hrefs.chunks.iter() {
            _ = view! { <Link rel="preload" href=href.clone() as_="fetch" crossorigin="anonymous"/> }
                .to_html();
        }
        _ = view! { <Link rel="modulepreload" href=hrefs.loader.clone()/> }.to_html();
    }
}

/// The addresses a page preloads: its chunks, and the script that loads them.
#[cfg(feature = "ssr")]
struct ChunkHrefs {
    chunks: Vec<std::sync::Arc<str>>,
    loader: std::sync::Arc<str>,
}

#[cfg(feature = "ssr")]
impl ChunkHrefs {
    /// `None` for a page the build did not split out.
    fn from_manifest(
        page: &str,
        manifest: &leptos::WasmSplitManifest,
    ) -> Option<std::sync::Arc<Self>> {
        manifest.0.with_value(|(pkg, chunks, loader)| {
            let chunks = chunks.get(page)?;
            Some(std::sync::Arc::new(Self {
                chunks: chunks
                    .iter()
                    .map(|c| format!("{pkg}/{c}.wasm").into())
                    .collect(),
                loader: format!("{pkg}/{loader}").into(),
            }))
        })
    }
}

/// A page's addresses, made the first time it renders: the manifest is read once per
/// process (by Leptos), so they never change.
#[cfg(feature = "ssr")]
fn chunk_hrefs(
    page: &'static str,
    manifest: &leptos::WasmSplitManifest,
) -> Option<std::sync::Arc<ChunkHrefs>> {
    use std::{
        collections::HashMap,
        sync::{Arc, LazyLock, Mutex, PoisonError},
    };
    type ByPage = HashMap<&'static str, Option<Arc<ChunkHrefs>>>;
    static HREFS: LazyLock<Mutex<ByPage>> = LazyLock::new(Default::default);
    let mut hrefs = HREFS.lock().unwrap_or_else(PoisonError::into_inner);
    hrefs
        .entry(page)
        .or_insert_with(|| ChunkHrefs::from_manifest(page, manifest))
        .clone()
}
