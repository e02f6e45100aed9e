//! AgentClara's error texts and body, `{"success":false,"error":"<message>"}` (the vendor's
//! documented shape). The texts are the mock's own, named here; each is what a client reads.

use crate::contract::{ErrorStyle, ErrorTexts, success_false};

pub static ERRORS: ErrorStyle = ErrorStyle {
    texts: ErrorTexts {
        missing_credentials: UNAUTHORIZED,
        unknown_credentials: UNAUTHORIZED,
        body_too_large: "Request body is too large (max 1 MiB)",
        unknown_record: "Contact not found",
        rate_limited: "Rate limit exceeded. Please retry later.",
        ..ErrorTexts::PLAIN
    },
    shape: success_false,
};

/// The vendor's one documented error body, used for a missing and an unknown key alike.
const UNAUTHORIZED: &str = "Invalid API key";

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
