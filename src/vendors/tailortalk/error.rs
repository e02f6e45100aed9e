//! TailorTalk's error texts and body, `{"success":false,"error":"<message>"}` (Choice: the shape
//! of the vendor's sibling endpoints). Each text is what a client reads.

use crate::contract::{ErrorStyle, ErrorTexts, success_false};

pub static ERRORS: ErrorStyle = ErrorStyle {
    texts: ErrorTexts {
        missing_credentials: UNAUTHORIZED,
        unknown_credentials: UNAUTHORIZED,
        bad_request: "Bad Request",
        ..ErrorTexts::PLAIN
    },
    shape: success_false,
};

const UNAUTHORIZED: &str = "Invalid or missing agent token";

pub const LIMIT_NOT_INTEGER: &str = "limit must be an integer";
pub const LIMIT_OUT_OF_RANGE: &str = "limit must be between 1 and 500";
pub const LEADS_LIMIT_OUT_OF_RANGE: &str = "limit must be between 1 and 100";
pub const LEAD_STATUS_INVALID: &str = "lead_status must be a string";
pub const CONTACT_IDS_INVALID: &str = "contact_ids is required and must be a list of strings";
pub const INVALID_START_AFTER: &str =
    "start_after must be an ISO 8601 timestamp with a timezone, e.g. 2025-11-08T05:39:17+00:00";
pub const BODY_NOT_OBJECT: &str = "Request body must be a JSON object";
