//! Hands the flash a no-JavaScript form post left behind to the page that shows it. It
//! is taken here, before rendering, so removing it is saved with the response.

use super::{SERVER_FN_PREFIX, is_static_path};
use crate::server::browser_state;
use axum::{
    extract::Request,
    http::{Method, header},
    middleware::Next,
    response::Response,
};
use tower_sessions::Session;

pub async fn take(session: Session, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let is_page_load = req.method() == Method::GET
        && !is_static_path(path)
        && !path.starts_with(SERVER_FN_PREFIX)
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
    if is_page_load && let Some(flash) = browser_state::take_flash(&session).await {
        req.extensions_mut().insert(flash);
    }
    next.run(req).await
}
