//! Security headers on every response: a strict Content-Security-Policy whose only inline
//! scripts are Leptos's own, carrying a per-response nonce; no framing; no sniffing; no
//! referrer to other sites; HSTS when served over https; no caching of pages.

use super::is_static_path;
use crate::server::state::AppState;
use axum::{
    extract::{Request, State},
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;

/// The nonce of this response's inline scripts; the page shell hands it to Leptos.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

pub async fn apply(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let nonce = new_nonce();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let is_static = is_static_path(req.uri().path());
    let mut res = next.run(req).await;

    let https = state.settings.secure_cookies();
    let headers = res.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        &policy(&nonce, &state),
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        headers,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    if https {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    if !is_static && !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    res
}

fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `'wasm-unsafe-eval'` lets the page compile our wasm and nothing else; avatars may come
/// from any http(s) host, as users choose them; forms may lead (through our redirect)
/// to the sign-in providers' pages and nowhere else.
fn policy(nonce: &str, state: &AppState) -> String {
    let reload_port = state.leptos.reload_port;
    let providers: String = state
        .settings
        .oauth
        .values()
        .filter_map(|p| url::Url::parse(&p.authorize_url).ok())
        .map(|u| u.origin().ascii_serialization())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|origin| format!(" {origin}"))
        .collect();
    // `cargo leptos watch` reloads the page over a websocket.
    let live_reload = if std::env::var_os("LEPTOS_WATCH").is_some() {
        format!(" ws://127.0.0.1:{reload_port} ws://localhost:{reload_port}")
    } else {
        String::new()
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data: https: http:; connect-src 'self'{live_reload}; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'{providers}; frame-ancestors 'none'"
    )
}
