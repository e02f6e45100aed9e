//! Errors in a vendor's own words: every failure the frame can produce ([`Failure`]), the texts
//! a vendor names them with ([`ErrorTexts`]), its body shape ([`ErrorStyle`]), and the one error
//! type every vendor's handlers return ([`Error`]). Rendering happens here, once.

use std::fmt;
use std::marker::PhantomData;

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::http::body::BodyError;
use crate::store::StoreError;

/// A failure the frame produces the same way for every vendor.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// 401: the request carries no usable credentials.
    #[error("credentials missing")]
    MissingCredentials,
    /// 401: the credentials name no tenant.
    #[error("credentials unknown")]
    UnknownCredentials,
    /// 400 or 413: the body could not be read as JSON.
    #[error(transparent)]
    Body(#[from] BodyError),
    /// 400: the namespace header names no usable namespace.
    #[error("invalid namespace header")]
    InvalidNamespace,
    /// 404: no route at this path.
    #[error("no such path")]
    NotFound,
    /// 404: the path names a record the tenant does not have (an undecodable id included).
    #[error("no such record")]
    UnknownRecord,
    /// 405: the route does not take this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 429: over the tenant's rate limit; retry after this many seconds.
    #[error("rate limited")]
    RateLimited { retry_after: u64 },
    /// 500: the store failed; the cause is logged, never sent.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// A bare status, as a fault rule asks for it.
    #[error("status {0}")]
    Status(StatusCode),
}

impl Failure {
    fn status(&self) -> StatusCode {
        match self {
            Self::MissingCredentials | Self::UnknownCredentials => StatusCode::UNAUTHORIZED,
            Self::Body(BodyError::TooLarge) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Body(_) | Self::InvalidNamespace => StatusCode::BAD_REQUEST,
            Self::NotFound | Self::UnknownRecord => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Status(status) => *status,
        }
    }
}

/// The texts a vendor gives the frame's failures. Each is what a client reads in the body.
#[derive(Debug)]
pub struct ErrorTexts {
    /// 401 without credentials.
    pub missing_credentials: &'static str,
    /// 401 with credentials that name no tenant.
    pub unknown_credentials: &'static str,
    /// A bare 400 (a fault rule's, an invalid namespace header).
    pub bad_request: &'static str,
    /// 400: the body is not JSON.
    pub malformed_body: &'static str,
    /// 400: the body is declared as something other than JSON.
    pub wrong_content_type: &'static str,
    /// 400: the body's framing is broken or the connection broke.
    pub unreadable_body: &'static str,
    /// 413: the body is over 1 MiB.
    pub body_too_large: &'static str,
    /// 404: no route at this path.
    pub not_found: &'static str,
    /// 404: no such record (a contact, …) for this tenant.
    pub unknown_record: &'static str,
    /// 405.
    pub method_not_allowed: &'static str,
    /// 429.
    pub rate_limited: &'static str,
    /// 500.
    pub internal: &'static str,
}

impl ErrorTexts {
    /// The wording most vendors share: a vendor's texts start from it and name what differs.
    pub const PLAIN: ErrorTexts = ErrorTexts {
        missing_credentials: "Unauthorized",
        unknown_credentials: "Unauthorized",
        bad_request: "Bad request",
        malformed_body: "Request body is not valid JSON",
        wrong_content_type: "Content-Type must be application/json",
        unreadable_body: "Request body could not be read",
        body_too_large: "Request body is too large",
        not_found: "Not found",
        unknown_record: "Not found",
        method_not_allowed: "Method not allowed",
        rate_limited: "Too Many Requests",
        internal: "Internal server error",
    };
}

/// One invalid field of a request, for vendors whose 400 lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

impl FieldError {
    pub const fn new(field: &'static str, message: &'static str) -> Self {
        Self { field, message }
    }
}

/// Renders a vendor's error body: the status, the message, and the invalid fields when the
/// vendor's own validation named them (empty otherwise).
pub type Shape = fn(StatusCode, &str, &[FieldError]) -> Response;

/// How a vendor words and shapes every error.
#[derive(Debug)]
pub struct ErrorStyle {
    pub texts: ErrorTexts,
    pub shape: Shape,
}

impl ErrorStyle {
    /// The body for a bare status: the vendor's text for it, else the status's reason phrase.
    pub fn status(&self, status: StatusCode) -> Response {
        let texts = &self.texts;
        let message = match status {
            StatusCode::BAD_REQUEST => texts.bad_request,
            StatusCode::UNAUTHORIZED => texts.unknown_credentials,
            StatusCode::NOT_FOUND => texts.not_found,
            StatusCode::METHOD_NOT_ALLOWED => texts.method_not_allowed,
            StatusCode::PAYLOAD_TOO_LARGE => texts.body_too_large,
            StatusCode::TOO_MANY_REQUESTS => texts.rate_limited,
            StatusCode::INTERNAL_SERVER_ERROR => texts.internal,
            other => other.canonical_reason().unwrap_or(texts.internal),
        };
        (self.shape)(status, message, &[])
    }

    /// The body for one of the frame's failures.
    pub fn failure(&self, failure: Failure) -> Response {
        let texts = &self.texts;
        let message = match &failure {
            Failure::MissingCredentials => texts.missing_credentials,
            Failure::UnknownCredentials => texts.unknown_credentials,
            Failure::Body(BodyError::TooLarge) => texts.body_too_large,
            Failure::Body(BodyError::WrongContentType) => texts.wrong_content_type,
            Failure::Body(BodyError::Malformed) => texts.malformed_body,
            Failure::Body(BodyError::Unreadable) => texts.unreadable_body,
            Failure::UnknownRecord => texts.unknown_record,
            Failure::Store(cause) => {
                tracing::error!(%cause, "a vendor request failed in the store");
                texts.internal
            }
            Failure::RateLimited { retry_after } => {
                let mut response = self.status(StatusCode::TOO_MANY_REQUESTS);
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(*retry_after));
                return response;
            }
            Failure::InvalidNamespace
            | Failure::NotFound
            | Failure::MethodNotAllowed
            | Failure::Status(_) => return self.status(failure.status()),
        };
        (self.shape)(failure.status(), message, &[])
    }
}

/// Names a vendor for [`Error`]: its texts and shape.
pub trait Styled: 'static {
    const ERRORS: &'static ErrorStyle;
}

/// Why a vendor request failed: the frame's failure or the vendor's own validation.
#[derive(Debug, thiserror::Error)]
pub enum Cause {
    #[error(transparent)]
    Frame(#[from] Failure),
    /// 400 with one of the vendor's texts.
    #[error("{0}")]
    Invalid(&'static str),
    /// 400 listing every invalid field, for vendors whose 400 does.
    #[error("invalid: {}", .0.iter().map(|f| f.field).collect::<Vec<_>>().join(", "))]
    InvalidFields(Vec<FieldError>),
}

/// The error every handler of vendor `V` returns, rendered in `V`'s words and shape.
pub struct Error<V> {
    pub cause: Cause,
    vendor: PhantomData<fn() -> V>,
}

pub type Result<T, V> = std::result::Result<T, Error<V>>;

impl<V> Error<V> {
    /// A 400 with one of the vendor's texts.
    pub fn invalid(text: &'static str) -> Self {
        Cause::Invalid(text).into()
    }

    /// A 400 listing the invalid fields.
    pub fn fields(fields: Vec<FieldError>) -> Self {
        Cause::InvalidFields(fields).into()
    }

    /// The text a client reads, for the vendor's own validation errors.
    pub fn text(&self) -> Option<&'static str> {
        match &self.cause {
            Cause::Invalid(text) => Some(text),
            _ => None,
        }
    }
}

impl<V> From<Cause> for Error<V> {
    fn from(cause: Cause) -> Self {
        Self {
            cause,
            vendor: PhantomData,
        }
    }
}

impl<V> From<Failure> for Error<V> {
    fn from(failure: Failure) -> Self {
        Cause::Frame(failure).into()
    }
}

impl<V> From<StoreError> for Error<V> {
    fn from(error: StoreError) -> Self {
        Failure::Store(error).into()
    }
}

impl<V> From<BodyError> for Error<V> {
    fn from(error: BodyError) -> Self {
        Failure::Body(error).into()
    }
}

impl<V> fmt::Debug for Error<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.cause.fmt(f)
    }
}

impl<V> fmt::Display for Error<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.cause.fmt(f)
    }
}

impl<V> std::error::Error for Error<V> {}

impl<V: Styled> IntoResponse for Error<V> {
    fn into_response(self) -> Response {
        let errors = V::ERRORS;
        match self.cause {
            Cause::Frame(failure) => errors.failure(failure),
            Cause::Invalid(text) => (errors.shape)(StatusCode::BAD_REQUEST, text, &[]),
            Cause::InvalidFields(fields) => {
                (errors.shape)(StatusCode::BAD_REQUEST, errors.texts.bad_request, &fields)
            }
        }
    }
}

/// `{"success":false,"error":"<message>"}`, keys in that order: the error body of APIs that
/// flag every answer with `success`.
pub fn success_false(status: StatusCode, message: &str, _fields: &[FieldError]) -> Response {
    #[derive(Serialize)]
    struct Body<'a> {
        success: bool,
        error: &'a str,
    }
    let body = Body {
        success: false,
        error: message,
    };
    (status, axum::Json(body)).into_response()
}
