//! AgentClara's error bodies: `{"success":false,"error":"<message>"}` (CONTRACTS.md, Doc); the
//! message texts are the mock's own and are named here so tests can assert on them.

use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use axum::response::{IntoResponse, Response};

use crate::http::body::BodyError;
use crate::store::StoreError;

pub const UNAUTHORIZED: &str = "Invalid or missing API key";
pub const CONTACT_NOT_FOUND: &str = "Contact not found";
pub const NOT_FOUND: &str = "Not found";
pub const METHOD_NOT_ALLOWED: &str = "Method not allowed";
pub const RATE_LIMITED: &str = "Rate limit exceeded. Please retry later.";
pub const INTERNAL: &str = "Internal server error";
pub const BAD_REQUEST: &str = "Bad request";

pub const LIMIT_INVALID: &str = "limit must be an integer between 1 and 100";
pub const OFFSET_INVALID: &str = "offset must be a non-negative integer";
pub const SORT_INVALID: &str = "sort must be one of: created, updated, name";
pub const QUERY_REQUIRED: &str = "q is required";

pub const NAME_REQUIRED: &str = "name is required";
pub const NAME_INVALID: &str = "name must be a non-empty string";
pub const EMAIL_INVALID: &str = "email must be a string";
pub const PHONE_INVALID: &str = "phone must be in E.164 format (e.g. +14155550100)";
pub const TAGS_INVALID: &str = "tags must be an array of strings";
pub const CUSTOM_FIELDS_INVALID: &str = "custom_fields must be an object";
pub const BODY_NOT_OBJECT: &str = "Request body must be a JSON object";
pub const MALFORMED_JSON: &str = "Request body is not valid JSON";
pub const CONTENT_TYPE_INVALID: &str = "Content-Type must be application/json";
pub const BODY_UNREADABLE: &str = "Request body could not be read";
pub const BODY_TOO_LARGE: &str = "Request body is too large (max 1 MiB)";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400: a parameter or the body is invalid; the message is one of the constants above.
    #[error("{0}")]
    BadRequest(&'static str),
    /// 401: the Bearer key is missing, malformed or no account's.
    #[error("{UNAUTHORIZED}")]
    Unauthorized,
    /// 404: no such contact in this account.
    #[error("{CONTACT_NOT_FOUND}")]
    ContactNotFound,
    /// 413: the body is over 1 MiB.
    #[error("{BODY_TOO_LARGE}")]
    TooLarge,
    /// 429: the account's rate limit is switched on and exceeded.
    #[error("{RATE_LIMITED}")]
    RateLimited { retry_after_seconds: u64 },
    /// 500: the store failed; the cause is logged, never sent.
    #[error("{INTERNAL}")]
    Store(#[from] StoreError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<BodyError> for Error {
    fn from(error: BodyError) -> Self {
        match error {
            BodyError::TooLarge => Self::TooLarge,
            BodyError::WrongContentType => Self::BadRequest(CONTENT_TYPE_INVALID),
            BodyError::Malformed(_) => Self::BadRequest(MALFORMED_JSON),
            BodyError::Unreadable => Self::BadRequest(BODY_UNREADABLE),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::ContactNotFound => StatusCode::NOT_FOUND,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Store(cause) => {
                tracing::error!(%cause, "agentclara request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let mut response = render(status, &self.to_string());
        if let Self::RateLimited {
            retry_after_seconds,
        } = self
        {
            response
                .headers_mut()
                .insert(RETRY_AFTER, retry_after_seconds.into());
        }
        response
    }
}

/// AgentClara's body for a bare status (unknown path, 405, faults).
pub fn render_status(status: StatusCode) -> Response {
    let message = match status {
        StatusCode::BAD_REQUEST => BAD_REQUEST,
        StatusCode::UNAUTHORIZED => UNAUTHORIZED,
        StatusCode::NOT_FOUND => NOT_FOUND,
        StatusCode::METHOD_NOT_ALLOWED => METHOD_NOT_ALLOWED,
        StatusCode::PAYLOAD_TOO_LARGE => BODY_TOO_LARGE,
        StatusCode::TOO_MANY_REQUESTS => RATE_LIMITED,
        StatusCode::INTERNAL_SERVER_ERROR => INTERNAL,
        other => other.canonical_reason().unwrap_or(INTERNAL),
    };
    render(status, message)
}

fn render(status: StatusCode, message: &str) -> Response {
    crate::http::success_false(status, message)
}
