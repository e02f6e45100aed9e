//! Vambe's error texts and body (Choice): NestJS-style `{"statusCode":…,"message":…}`, with an
//! `errors` list naming every failing parameter on a 400. Each text is what a client reads.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::contract::{ErrorStyle, ErrorTexts, FieldError};

pub static ERRORS: ErrorStyle = ErrorStyle {
    texts: ErrorTexts {
        bad_request: VALIDATION_FAILED,
        body_too_large: "Payload Too Large",
        not_found: "Not Found",
        unknown_record: "Not Found",
        method_not_allowed: "Method Not Allowed",
        ..ErrorTexts::PLAIN
    },
    shape,
};

/// The message of every 400; what failed is in its `errors`.
const VALIDATION_FAILED: &str = "Validation failed";

/// The `field` naming the body in a 400's `errors` (Choice: the request body is not a
/// parameter, so it gets a name of its own).
const BODY_FIELD: &str = "body";

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

/// The body of every Vambe error, keys in the vendor's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    status_code: u16,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<Entry<'a>>>,
}

/// One entry of a 400's `errors`.
#[derive(Serialize)]
struct Entry<'a> {
    field: &'a str,
    message: &'a str,
}

/// A 400 always lists its failures: the invalid fields, or the body's one; other statuses
/// carry the message alone.
fn shape(status: StatusCode, message: &str, fields: &[FieldError]) -> Response {
    let (message, errors) = if status != StatusCode::BAD_REQUEST {
        (message, None)
    } else if fields.is_empty() && message != VALIDATION_FAILED {
        let body = Entry {
            field: BODY_FIELD,
            message,
        };
        (VALIDATION_FAILED, Some(vec![body]))
    } else {
        let fields = fields
            .iter()
            .map(|field| Entry {
                field: field.field,
                message: field.message,
            })
            .collect();
        (VALIDATION_FAILED, Some(fields))
    };
    let body = Body {
        status_code: status.as_u16(),
        message,
        errors,
    };
    (status, Json(body)).into_response()
}
