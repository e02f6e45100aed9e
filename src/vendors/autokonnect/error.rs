//! AutoKonnect's error bodies: `{"error":"<message>"}` (CONTRACTS.md, Choice).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::store::StoreError;

pub const UNAUTHORIZED: &str = "Unauthorized";
pub const NOT_FOUND: &str = "Not found";
pub const METHOD_NOT_ALLOWED: &str = "Method not allowed";
pub const INTERNAL: &str = "Internal server error";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: the Bearer key is missing, malformed or no company's.
    #[error("{UNAUTHORIZED}")]
    Unauthorized,
    /// 500: the store failed; the cause is logged, never sent.
    #[error("{INTERNAL}")]
    Store(#[from] StoreError),
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Self::Unauthorized => render_status(StatusCode::UNAUTHORIZED),
            Self::Store(cause) => {
                tracing::error!(%cause, "autokonnect request failed");
                render_status(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

/// AutoKonnect's body for a bare status.
pub fn render_status(status: StatusCode) -> Response {
    let message = match status {
        StatusCode::UNAUTHORIZED => UNAUTHORIZED,
        StatusCode::NOT_FOUND => NOT_FOUND,
        StatusCode::METHOD_NOT_ALLOWED => METHOD_NOT_ALLOWED,
        StatusCode::INTERNAL_SERVER_ERROR => INTERNAL,
        other => other.canonical_reason().unwrap_or(INTERNAL),
    };
    (status, Json(json!({ "error": message }))).into_response()
}
