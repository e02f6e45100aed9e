//! Vambe's error bodies (CONTRACTS.md, Choice): NestJS-style `{"statusCode":…,"message":…}`,
//! with an `errors` list naming every failing parameter on a 400.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::StoreError;

pub const UNAUTHORIZED: &str = "Unauthorized";
pub const VALIDATION_FAILED: &str = "Validation failed";
pub const NOT_FOUND: &str = "Not Found";
pub const METHOD_NOT_ALLOWED: &str = "Method Not Allowed";
pub const INTERNAL: &str = "Internal server error";

/// The `field` of the entry saying that none of `days`, `created_after`, `updated_after` was sent
/// (Choice: the requirement spans three parameters, so it gets a name of its own).
pub const TIME_FILTER_FIELD: &str = "time_filter";

pub const TIME_FILTER_REQUIRED: &str =
    "At least one of days, created_after or updated_after is required";
pub const DAYS_RANGE: &str = "days must be an integer between 1 and 365";
pub const CREATED_AFTER_FORMAT: &str =
    "created_after must be a valid ISO 8601 timestamp with a time zone";
pub const UPDATED_AFTER_FORMAT: &str =
    "updated_after must be a valid ISO 8601 timestamp with a time zone";
pub const LIMIT_RANGE: &str = "limit must be an integer between 1 and 1000";
pub const OFFSET_RANGE: &str = "offset must be an integer greater than or equal to 0";
pub const STAGE_ID_FORMAT: &str = "stage_id must be a UUID";
pub const PIPELINE_ID_FORMAT: &str = "pipeline_id must be a UUID";
pub const CUSTOM_FIELD_KEY_EMPTY: &str = "custom_field_key must not be empty";
pub const CUSTOM_FIELD_VALUE_EMPTY: &str = "custom_field_value must not be empty";
pub const CUSTOM_FIELD_KEY_REQUIRED: &str =
    "custom_field_key must be provided together with custom_field_value";
pub const CUSTOM_FIELD_VALUE_REQUIRED: &str =
    "custom_field_value must be provided together with custom_field_key";
pub const ENTITY_TYPE_VALUES: &str = "entity_type must be one of: ticket, customer";

/// One entry of a 400's `errors`: the parameter and what is wrong with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

impl FieldError {
    pub const fn new(field: &'static str, message: &'static str) -> Self {
        Self { field, message }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: `x-api-key` is missing, blank or no workspace's.
    #[error("{UNAUTHORIZED}")]
    Unauthorized,
    /// 400: one or more query parameters are invalid; every failing one is listed.
    #[error("{VALIDATION_FAILED}")]
    Validation(Vec<FieldError>),
    /// 500: the store failed; the cause is logged, never sent.
    #[error("{INTERNAL}")]
    Store(#[from] StoreError),
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Self::Unauthorized => render_status(StatusCode::UNAUTHORIZED),
            Self::Validation(errors) => (
                StatusCode::BAD_REQUEST,
                Json(Body {
                    status_code: 400,
                    message: VALIDATION_FAILED,
                    errors: Some(errors),
                }),
            )
                .into_response(),
            Self::Store(cause) => {
                tracing::error!(%cause, "vambe request failed");
                render_status(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

/// The body of every Vambe error, keys in the vendor's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    status_code: u16,
    message: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<FieldError>>,
}

/// Vambe's body for a bare status.
pub fn render_status(status: StatusCode) -> Response {
    let message = match status {
        StatusCode::UNAUTHORIZED => UNAUTHORIZED,
        StatusCode::BAD_REQUEST => VALIDATION_FAILED,
        StatusCode::NOT_FOUND => NOT_FOUND,
        StatusCode::METHOD_NOT_ALLOWED => METHOD_NOT_ALLOWED,
        StatusCode::INTERNAL_SERVER_ERROR => INTERNAL,
        other => other.canonical_reason().unwrap_or(INTERNAL),
    };
    let body = Body {
        status_code: status.as_u16(),
        message,
        // A 400 always lists its failures, even when the cause has no field to name.
        errors: (status == StatusCode::BAD_REQUEST).then(Vec::new),
    };
    (status, Json(body)).into_response()
}
