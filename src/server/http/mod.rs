//! The axum application: Leptos pages and server functions, health probes, static files,
//! and the middleware around them.

pub(crate) mod api;
pub(crate) mod cookies;
pub(crate) mod health;
pub(crate) mod middleware;
pub(crate) mod oauth;
pub(crate) mod passkeys;
pub(crate) mod provider;

use crate::{
    app::{App, shell},
    server::{browser_state, state::AppState},
};
use axum::http::HeaderName;
use axum::{
    Router,
    middleware::{from_fn, from_fn_with_state},
    routing::get,
};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use middleware::request_id;
use tower_http::{
    compression::CompressionLayer,
    request_id::{PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

pub use crate::server::error::RETRY_AFTER_SECONDS;

/// The page routes, found once per process by rendering the app in route-listing mode.
/// Doing that while another render is in flight can leave that render waiting forever
/// (seen as rare hung page loads when tests built routers concurrently), so it happens
/// exactly once, together with registering the server functions.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES
        .get_or_init(|| {
            crate::server_fns::register_server_fns();
            generate_route_list(App)
        })
        .clone()
}

/// The public keys that verify our access tokens and ID tokens (RFC 7517), for other
/// services and apps: the Ed25519 keys, then the RSA keys of the OpenID Provider.
async fn jwks(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> impl axum::response::IntoResponse {
    let mut set = state.access_tokens.jwks();
    match state.provider.keys().await {
        Ok(rsa) => {
            if let Some(keys) = set.get_mut("keys").and_then(|k| k.as_array_mut()) {
                keys.extend(rsa.jwks(state.clock.unix()));
            }
        }
        // Production without GATEHOUSE_OIDC_PRIVATE_KEY: no app signs in, nothing to
        // publish (start-up said so once).
        Err(e) => tracing::debug!(error = ?e, "no ID-token signing key to publish"),
    }
    (
        [(axum::http::header::CACHE_CONTROL, "public, max-age=300")],
        axum::Json(set),
    )
}

/// Builds the whole application for this state.
pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let render_shell = {
        let options = state.leptos.clone();
        move || shell(options.clone())
    };
    let names = state.cookies.clone();

    // What browsers open: pages, server functions, sign-in redirects and static files.
    // Only these need the flash, browser state and the visitors' page cache; the JSON
    // API and the probes skip those layers (each costs every request a little).
    let browser = Router::new()
        .merge(oauth::router())
        .merge(passkeys::router())
        .merge(provider::browser_router())
        .leptos_routes_with_context(&state, routes, context.clone(), render_shell)
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            context, shell,
        ))
        // Innermost first: each `layer` wraps everything above it.
        .layer(from_fn_with_state(
            std::sync::Arc::new(middleware::page_cache::PageCache::new(&names)),
            middleware::page_cache::serve,
        ))
        .layer(from_fn(middleware::server_fn_status::map))
        .layer(from_fn(middleware::flash::take))
        .layer(browser_state::layer(
            state.db.clone(),
            names.browser_state.clone(),
            names.secure(),
        ));

    let app = Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route(
            "/.well-known/jwks.json",
            get(jwks).layer(provider::open_to_apps()),
        )
        .merge(provider::backchannel_router())
        .merge(api::router(&state))
        .merge(browser)
        .layer(from_fn_with_state(
            state.clone(),
            middleware::auth::authenticate,
        ))
        .layer(from_fn_with_state(
            state.clone(),
            middleware::csrf::same_origin_writes,
        ))
        .layer(from_fn_with_state(
            std::sync::Arc::new(middleware::security_headers::SecurityHeaders::new(&state)),
            middleware::security_headers::apply,
        ))
        .layer(CompressionLayer::new());
    // Only with a metrics address: otherwise nothing would read what it counts.
    let app = if state.settings.operations.metrics_address.is_some() {
        app.layer(from_fn(crate::server::metrics::track))
    } else {
        app
    };
    app
        // Outermost last: screen the incoming id, set one, trace with it, echo it back.
        .layer(PropagateRequestIdLayer::new(HeaderName::from_static(
            request_id::HEADER,
        )))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                // The path only: query strings can carry one-time tokens.
                tracing::info_span!(
                    "request",
                    request_id = request_id::of(req.headers()).unwrap_or_default(),
                    method = %req.method(),
                    path = %req.uri().path(),
                )
            }),
        )
        .layer(SetRequestIdLayer::new(
            HeaderName::from_static(request_id::HEADER),
            request_id::MakeId,
        ))
        .layer(request_id::ScreenLayer)
        .with_state(state)
}
