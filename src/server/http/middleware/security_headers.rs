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

/// What the headers depend on, worked out once when the router is built: the policy
/// around the nonce, and whether we are served over https.
#[derive(Clone, Debug)]
pub struct SecurityHeaders {
    csp_before_nonce: String,
    csp_after_nonce: String,
    /// The same policy with no inline script allowed, for answers that are not pages.
    csp_without_nonce: HeaderValue,
    https: bool,
}

impl SecurityHeaders {
    /// `'wasm-unsafe-eval'` lets the page compile our wasm and nothing else; avatars may
    /// come from any http(s) host, as users choose them; forms may lead (through our
    /// redirect) to the sign-in providers' pages and nowhere else.
    pub fn new(state: &AppState) -> Self {
        let reload_port = state.leptos.reload_port;
        let providers: String = state
            .settings
            .oauth
            .values()
            // A provider configured by issuer has its pages at the issuer's origin (its
            // discovered authorization endpoint is only known after start-up).
            .filter_map(|p| {
                let page = if p.discovers() {
                    &p.issuer
                } else {
                    &p.authorize_url
                };
                url::Url::parse(page).ok()
            })
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
        let rest = format!(
            "'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data: https: http:; connect-src 'self'{live_reload}; font-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'{providers}; frame-ancestors 'none'"
        );
        Self {
            csp_before_nonce: "default-src 'self'; script-src 'self' 'nonce-".into(),
            csp_after_nonce: format!("' {rest}"),
            csp_without_nonce: HeaderValue::from_str(&format!(
                "default-src 'self'; script-src 'self' {rest}"
            ))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'")),
            https: state.settings.secure_cookies(),
        }
    }

    fn policy(&self, nonce: &str) -> String {
        format!("{}{nonce}{}", self.csp_before_nonce, self.csp_after_nonce)
    }
}

pub async fn apply(
    State(config): State<std::sync::Arc<SecurityHeaders>>,
    mut req: Request,
    next: Next,
) -> Response {
    let is_static = is_static_path(req.uri().path());
    // Only pages (Leptos renders even an unknown path as one) write inline scripts; the
    // JSON API and the probes get the policy without a nonce, and skip making one.
    let nonce = needs_nonce(req.uri().path()).then(new_nonce);
    if let Some(nonce) = &nonce {
        req.extensions_mut().insert(CspNonce(nonce.clone()));
    }
    let mut res = next.run(req).await;

    let https = config.https;
    let headers = res.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    match &nonce {
        Some(nonce) => set(
            headers,
            header::CONTENT_SECURITY_POLICY,
            &config.policy(nonce),
        ),
        None => {
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                config.csp_without_nonce.clone(),
            );
        }
    }
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
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Assets keep their names across builds: a browser may keep them, but must ask
        // (a cheap 304) before using them, so a new build is never mixed with an old one.
        let policy = if is_static { "no-cache" } else { "no-store" };
        set(headers, header::CACHE_CONTROL, policy);
    }
    res
}

fn needs_nonce(path: &str) -> bool {
    !(path.starts_with("/api/")
        || matches!(path, "/healthz" | "/readyz" | "/.well-known/jwks.json"))
}

fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}
