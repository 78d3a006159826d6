//! A request id on every request (`X-Request-Id`): in every log line of the request (the
//! trace span carries it), on the response, and on error pages ("quote this reference").
//! An id a trusted load balancer already set is kept when it looks like one; anything
//! else from outside is replaced, so a client cannot write arbitrary text into the logs.

use axum::http::HeaderValue;
use tower_http::request_id::{MakeRequestId, RequestId};

pub const HEADER: &str = "x-request-id";

/// Random ids: 32 hex digits, from the thread's random generator (a UUID v4 here asked
/// the operating system for randomness, a system call on every request).
#[derive(Clone, Copy, Default)]
pub struct MakeId;

impl MakeRequestId for MakeId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let id = format!("{:032x}", rand::random::<u128>());
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// Whether an incoming id may be kept: short, letters, digits, `-`, `_`, `.`.
fn acceptable(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (8..=64).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Drops an incoming id that does not look like one (the next layer makes a new one).
/// A plain service wrapper rather than `from_fn`: it is on every request's path.
#[derive(Clone, Copy, Default)]
pub struct ScreenLayer;

impl<S> tower::Layer<S> for ScreenLayer {
    type Service = Screen<S>;

    fn layer(&self, inner: S) -> Screen<S> {
        Screen(inner)
    }
}

#[derive(Clone)]
pub struct Screen<S>(S);

impl<S, B> tower::Service<axum::http::Request<B>> for Screen<S>
where
    S: tower::Service<axum::http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut request: axum::http::Request<B>) -> Self::Future {
        if request
            .headers()
            .get(HEADER)
            .is_some_and(|v| !acceptable(v))
        {
            request.headers_mut().remove(HEADER);
        }
        self.0.call(request)
    }
}

/// The id of a request, if it has one.
pub fn of(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers.get(HEADER).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_short_ids_are_kept() {
        assert!(acceptable(&HeaderValue::from_static("3f2a9c1e-lb-0001")));
        assert!(!acceptable(&HeaderValue::from_static("short")));
        assert!(!acceptable(&HeaderValue::from_static(
            "has spaces and=signs ok"
        )));
        assert!(!acceptable(
            &HeaderValue::from_str(&"a".repeat(65)).unwrap()
        ));
    }
}
