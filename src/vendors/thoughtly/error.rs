//! Thoughtly's error bodies: `{"data":null,"error":{"message":"…"}}`, the success envelope with
//! `data` emptied and `error` filled (CONTRACTS.md, Choice). Messages are constants so tests
//! assert on the exact text.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::http::body::BodyError;
use crate::store::StoreError;

pub const MISSING_CREDENTIALS: &str = "Missing x-api-token or team_id header";
pub const INVALID_CREDENTIALS: &str = "Invalid x-api-token or team_id";
pub const NOT_FOUND: &str = "Not found";
pub const CONTACT_NOT_FOUND: &str = "Contact not found";
pub const METHOD_NOT_ALLOWED: &str = "Method not allowed";
pub const BAD_REQUEST: &str = "Bad request";
pub const INTERNAL: &str = "Internal server error";

pub const INVALID_PHONE_NUMBERS_ONLY: &str = "phone_numbers_only must be a boolean (true or false)";
pub const INVALID_SORT: &str =
    "sort must be one of: name, created_at, updated_at, phone_number, email";
pub const INVALID_SORT_DIRECTION: &str = "sortDirection must be one of: asc, desc";
pub const INVALID_PAGE: &str = "page must be an integer greater than or equal to 0";
pub const INVALID_LIMIT: &str = "limit must be an integer between 1 and 50";

pub const BODY_NOT_OBJECT: &str = "Request body must be a JSON object";
pub const PHONE_NUMBER_REQUIRED: &str = "phone_number is required and must be a non-empty string";
pub const INVALID_NAME: &str = "name must be a string";
pub const INVALID_EMAIL: &str = "email must be a string";
pub const INVALID_COUNTRY_CODE: &str = "country_code must be a string";
pub const INVALID_TAGS: &str = "tags must be an array of non-empty strings";
pub const INVALID_ATTRIBUTES: &str = "attributes must be an object";

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: `x-api-token` or `team_id` is missing or blank.
    #[error("{MISSING_CREDENTIALS}")]
    MissingCredentials,
    /// 401: the two headers do not name a team together.
    #[error("{INVALID_CREDENTIALS}")]
    InvalidCredentials,
    /// 400: a query parameter or body field is invalid; the message says which.
    #[error("{0}")]
    BadRequest(&'static str),
    /// 400 / 413: the body could not be read as JSON.
    #[error(transparent)]
    Body(#[from] BodyError),
    /// 404: no contact with that id in the team.
    #[error("{CONTACT_NOT_FOUND}")]
    ContactNotFound,
    /// 500: the store failed; the cause is logged, never sent.
    #[error("{INTERNAL}")]
    Store(#[from] StoreError),
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::MissingCredentials | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Body(BodyError::TooLarge) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Body(_) => StatusCode::BAD_REQUEST,
            Self::ContactNotFound => StatusCode::NOT_FOUND,
            Self::Store(cause) => {
                tracing::error!(%cause, "thoughtly request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        render(status, &self.to_string())
    }
}

/// Thoughtly's body for a bare status (unknown path, 405, faults, …).
pub fn render_status(status: StatusCode) -> Response {
    let message = match status {
        StatusCode::UNAUTHORIZED => INVALID_CREDENTIALS,
        StatusCode::NOT_FOUND => NOT_FOUND,
        StatusCode::METHOD_NOT_ALLOWED => METHOD_NOT_ALLOWED,
        StatusCode::BAD_REQUEST => BAD_REQUEST,
        StatusCode::INTERNAL_SERVER_ERROR => INTERNAL,
        other => other.canonical_reason().unwrap_or(INTERNAL),
    };
    render(status, message)
}

fn render(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({ "data": null, "error": { "message": message } })),
    )
        .into_response()
}
