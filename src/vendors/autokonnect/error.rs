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
        bad_request: "Bad Request",
        ..ErrorTexts::PLAIN
    },
    shape,
};

fn shape(status: StatusCode, message: &str, _fields: &[FieldError]) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}
