//! Request middleware, outermost first: security headers, same-origin check for writes,
//! authentication with transparent refresh; then, for what browsers open (not the JSON
//! API), browser state (tower-sessions), the flash of no-JavaScript forms, HTTP statuses
//! for server-function errors, and a one-second cache of the pages anonymous visitors see.

pub mod auth;
pub mod csrf;
pub mod flash;
pub mod page_cache;
pub mod request_id;
pub mod security_headers;
pub mod server_fn_status;

/// Static files (the wasm bundle, CSS, images) need no login, flash or refresh.
pub fn is_static_path(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
}

/// Server functions live under this prefix.
pub const SERVER_FN_PREFIX: &str = "/fn/";
