//! TailorTalk's error bodies: `{"success":false,"error":"<message>"}` (CONTRACTS.md, Choice: the
//! shape of the vendor's sibling endpoints).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::http::body::BodyError;
use crate::store::StoreError;

pub const UNAUTHORIZED: &str = "Invalid or missing agent token";
pub const LIMIT_NOT_INTEGER: &str = "limit must be an integer";
pub const LIMIT_OUT_OF_RANGE: &str = "limit must be between 1 and 500";
pub const INVALID_START_AFTER: &str =
    "start_after must be an ISO 8601 timestamp with a timezone, e.g. 2025-11-08T05:39:17+00:00";
pub const BODY_NOT_OBJECT: &str = "Request body must be a JSON object";
pub const MALFORMED_JSON: &str = "Request body is not valid JSON";
pub const WRONG_CONTENT_TYPE: &str = "Content-Type must be application/json";
pub const UNREADABLE_BODY: &str = "Request body could not be read";
pub const BODY_TOO_LARGE: &str = "Request body is too large";
pub const NOT_FOUND: &str = "Not found";
pub const METHOD_NOT_ALLOWED: &str = "Method not allowed";
pub const INTERNAL: &str = "Internal server error";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: the `Agent` token is missing, in another scheme, or no agent's.
    #[error("{UNAUTHORIZED}")]
    Unauthorized,
    /// 400: `limit` is not a JSON number with a whole value.
    #[error("{LIMIT_NOT_INTEGER}")]
    LimitNotInteger,
    /// 400: `limit` is a whole number outside 1..=500.
    #[error("{LIMIT_OUT_OF_RANGE}")]
    LimitOutOfRange,
    /// 400: `start_after` is not a string holding a timestamp with an offset.
    #[error("{INVALID_START_AFTER}")]
    InvalidStartAfter,
    /// 400: the body is JSON but not an object.
    #[error("{BODY_NOT_OBJECT}")]
    BodyNotObject,
    /// 400: the body is not JSON.
    #[error("{MALFORMED_JSON}")]
    MalformedJson,
    /// 400: a non-empty body declared as something other than JSON.
    #[error("{WRONG_CONTENT_TYPE}")]
    WrongContentType,
    /// 400: the connection broke while the body was read.
    #[error("{UNREADABLE_BODY}")]
    UnreadableBody,
    /// 413: the body is over 1 MiB.
    #[error("{BODY_TOO_LARGE}")]
    BodyTooLarge,
    /// 500: the store failed; the cause is logged, never sent.
    #[error("{INTERNAL}")]
    Store(#[from] StoreError),
}

impl From<BodyError> for Error {
    fn from(error: BodyError) -> Self {
        match error {
            BodyError::TooLarge => Self::BodyTooLarge,
            BodyError::WrongContentType => Self::WrongContentType,
            BodyError::Malformed(_) => Self::MalformedJson,
            BodyError::Unreadable => Self::UnreadableBody,
        }
    }
}

impl Error {
    fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::LimitNotInteger
            | Self::LimitOutOfRange
            | Self::InvalidStartAfter
            | Self::BodyNotObject
            | Self::MalformedJson
            | Self::WrongContentType
            | Self::UnreadableBody => StatusCode::BAD_REQUEST,
            Self::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Self::Store(cause) = &self {
            tracing::error!(%cause, "tailortalk request failed");
        }
        render(self.status(), &self.to_string())
    }
}

/// TailorTalk's body for a bare status (unknown path, method not allowed, faults, …).
pub fn render_status(status: StatusCode) -> Response {
    let message = match status {
        StatusCode::UNAUTHORIZED => UNAUTHORIZED,
        StatusCode::NOT_FOUND => NOT_FOUND,
        StatusCode::METHOD_NOT_ALLOWED => METHOD_NOT_ALLOWED,
        StatusCode::PAYLOAD_TOO_LARGE => BODY_TOO_LARGE,
        StatusCode::INTERNAL_SERVER_ERROR => INTERNAL,
        other => other.canonical_reason().unwrap_or(INTERNAL),
    };
    render(status, message)
}

fn render(status: StatusCode, message: &str) -> Response {
    crate::http::success_false(status, message)
}
