//! HTTP plumbing every vendor shares and none owns: query pairs, JSON bodies, credential
//! headers, paging arithmetic, rate limiting and the error shape of unknown paths and methods.

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER};
use axum::middleware::map_response;
use axum::response::{IntoResponse, Response};

pub mod auth;
pub mod body;
pub mod cache;
pub mod pagination;
pub mod query;
pub mod rate_limit;

/// `{"success":false,"error":"<message>"}`, keys in that order: the error body of APIs that
/// flag every answer with `success`.
pub fn success_false(status: StatusCode, message: &str) -> Response {
    #[derive(serde::Serialize)]
    struct ErrorBody<'a> {
        success: bool,
        error: &'a str,
    }
    let body = ErrorBody {
        success: false,
        error: message,
    };
    (status, axum::Json(body)).into_response()
}

/// Renders an API's error body for a bare status.
pub type RenderError = fn(StatusCode) -> Response;

/// Gives `router` an unknown-path 404 in the API's own shape, and re-renders the framework's
/// plain-text errors (405 with its `Allow` header, extractor rejections) the same way, so no
/// foreign body ever leaks.
pub fn with_error_shape<S>(router: Router<S>, render: RenderError) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router
        .fallback(move || async move { render(StatusCode::NOT_FOUND) })
        .layer(map_response(move |response: Response| async move {
            reshape_plain_error(response, render)
        }))
}

fn reshape_plain_error(response: Response, render: RenderError) -> Response {
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
