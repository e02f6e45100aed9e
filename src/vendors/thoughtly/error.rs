//! Thoughtly's error texts and body: `{"data":null,"error":{"message":"…"}}`, the success
//! envelope with `data` emptied and `error` filled (Choice). Each text is what a client reads.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::contract::{ErrorStyle, ErrorTexts, FieldError};

pub static ERRORS: ErrorStyle = ErrorStyle {
    texts: ErrorTexts {
        missing_credentials: "Missing x-api-token or team_id header",
        unknown_credentials: "Invalid x-api-token or team_id",
        malformed_body: "Malformed JSON body",
        body_too_large: "Request body is larger than 1 MiB",
        unknown_record: "Contact not found",
        rate_limited: "Rate limit exceeded: 100 requests per minute",
        ..ErrorTexts::PLAIN
    },
    shape,
};

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

pub const CONTACT_ID_REQUIRED: &str = "contact_id is required and must be a non-empty string";
pub const INTERVIEW_ID_REQUIRED: &str =
    "interview_id (or agent_id) is required and must be a non-empty string";
pub const INVALID_METADATA: &str = "metadata must be an object";
pub const METADATA_TOO_LARGE: &str = "metadata must be at most 16384 bytes as JSON";
pub const CONTACT_HAS_NO_PHONE: &str = "The contact has no phone number to call";

fn shape(status: StatusCode, message: &str, _fields: &[FieldError]) -> Response {
    (
        status,
        Json(json!({ "data": null, "error": { "message": message } })),
    )
        .into_response()
}
