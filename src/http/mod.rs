//! HTTP plumbing every API shares and none owns: query pairs, JSON bodies, credential schemes,
//! caches, paging arithmetic, rate limiting and the error shape of unknown paths and methods.

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER};
use axum::middleware::map_response;
use axum::response::Response;

pub mod auth;
pub mod body;
pub mod cache;
pub mod pagination;
pub mod query;
pub mod rate_limit;

/// Gives `router` an unknown-path 404 in the API's own shape, and re-renders the framework's
/// plain-text errors (405 with its `Allow` header, extractor rejections) the same way, so no
/// foreign body ever leaks.
pub fn with_error_shape<S, R>(router: Router<S>, render: R) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    R: Fn(StatusCode) -> Response + Copy + Send + Sync + 'static,
{
    router
        .fallback(move || async move { render(StatusCode::NOT_FOUND) })
        .layer(map_response(move |response: Response| async move {
            reshape_plain_error(response, render)
        }))
}

fn reshape_plain_error(response: Response, render: impl Fn(StatusCode) -> Response) -> Response {
    let status = response.status();
    let is_plain = response
        .headers()
        .get(CONTENT_TYPE)
        .is_none_or(|value| value.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !is_plain {
        return response;
    }
    let mut reshaped = render(status);
    for name in [ALLOW, RETRY_AFTER] {
        if let Some(value) = response.headers().get(&name) {
            reshaped.headers_mut().insert(name, value.clone());
        }
    }
    reshaped
}
