//! AutoKonnect's error texts and body, `{"error":"<message>"}` (Choice). Only the 401, 405 and
//! 500 texts are the vendor's documented ones; the body and other texts are the mock's own
//! choices, in the same shape.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::contract::{ErrorStyle, ErrorTexts, FieldError};

pub static ERRORS: ErrorStyle = ErrorStyle {
    texts: ErrorTexts {
        missing_credentials: "Unauthorized",
        unknown_credentials: "Unauthorized",
        bad_request: "Bad Request",
        malformed_body: "Request body is not valid JSON",
        wrong_content_type: "Content-Type must be application/json",
        unreadable_body: "Request body could not be read",
        body_too_large: "Request body is too large",
        not_found: "Not found",
        unknown_record: "Not found",
        method_not_allowed: "Method not allowed",
        rate_limited: "Too many requests",
        internal: "Internal server error",
    },
    shape,
};

/// What every AutoKonnect handler returns on failure.
pub type Error = crate::contract::Error<super::AutoKonnect>;

fn shape(status: StatusCode, message: &str, _fields: &[FieldError]) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}
