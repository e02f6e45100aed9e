//! Request bodies: read once, at most [`MAX_BODY_BYTES`], and parsed as JSON, with the failure
//! causes every vendor words in its own shape.

use std::marker::PhantomData;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http_body::Body as _;
use http_body_util::LengthLimitError;
use serde_json::Value;

/// The largest request body accepted; larger ones get the vendor's 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Why a request body could not be read as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// 413: over [`MAX_BODY_BYTES`], declared or sent.
    #[error("Request body is larger than 1 MiB")]
    TooLarge,
    /// 400: a content type other than JSON.
    #[error("Content-Type must be application/json")]
    WrongContentType,
    /// 400: not parseable JSON.
    #[error("Malformed JSON body")]
    Malformed,
    /// 400: the body's framing is broken (a malformed chunk) or the connection broke.
    #[error("Request body could not be read")]
    Unreadable,
}

/// A request's body as the frame read it, once: the bytes (for the journal) and what they hold
/// as JSON. Kept in the request's extensions so that every extractor and the journal see the
/// one reading.
#[derive(Debug, Clone)]
pub struct ReadBody {
    /// The bytes received; empty when the body could not be read.
    pub bytes: Bytes,
    /// The body as JSON: `None` when it is empty or only white space.
    pub json: Result<Option<Value>, BodyError>,
}

impl ReadBody {
    /// Reads `body` whole, refusing it unread when `headers` declare it too large.
    pub async fn read(headers: &HeaderMap, body: Body) -> Self {
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok()?.trim().parse::<u64>().ok());
        if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
            return Self::failed(BodyError::TooLarge);
        }
        if body.is_end_stream() {
            // Most requests are reads without a body: nothing to poll.
            return Self {
                bytes: Bytes::new(),
                json: Ok(None),
            };
        }
        match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Ok(bytes) => Self {
                json: parse_json(headers, &bytes),
                bytes,
            },
            Err(error) => {
                let cause = error.into_inner();
                Self::failed(if cause.downcast_ref::<LengthLimitError>().is_some() {
                    BodyError::TooLarge
                } else {
                    BodyError::Unreadable
                })
            }
        }
    }

    fn failed(error: BodyError) -> Self {
        Self {
            bytes: Bytes::new(),
            json: Err(error),
        }
    }
}

/// `bytes` as JSON: `None` when empty or only white space; a body declared as anything but
/// JSON is refused (an undeclared one is tried as JSON).
fn parse_json(headers: &HeaderMap, bytes: &[u8]) -> Result<Option<Value>, BodyError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let declared_json = headers
        .get(CONTENT_TYPE)
        .map(|value| is_json_media_type(value.to_str().unwrap_or_default()));
    if declared_json == Some(false) {
        return Err(BodyError::WrongContentType);
    }
    serde_json::from_slice(bytes)
        .map(Some)
        .map_err(|_| BodyError::Malformed)
}

/// The request body parsed as JSON; `None` when the body is empty. The rejection is the API's
/// own error type, so every failure is answered in that API's shape. A body the frame already
/// read (see [`ReadBody`]) is not read again.
#[derive(Debug)]
pub struct JsonBody<E>(pub Option<Value>, pub PhantomData<fn() -> E>);

impl<S, E> FromRequest<S> for JsonBody<E>
where
    S: Send + Sync,
    E: From<BodyError> + axum::response::IntoResponse,
{
    type Rejection = E;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let read = match parts.extensions.remove::<ReadBody>() {
            Some(read) => read,
            None => ReadBody::read(&parts.headers, body).await,
        };
        Ok(Self(read.json?, PhantomData))
    }
}

fn is_json_media_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(content_type: Option<&'static str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(value));
        }
        headers
    }

    fn parse(
        content_type: Option<&'static str>,
        text: &'static str,
    ) -> Result<Option<Value>, BodyError> {
        parse_json(&headers(content_type), text.as_bytes())
    }

    #[test]
    fn json_media_types_with_parameters_and_suffixes_count() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("Application/JSON; charset=utf-8"));
        assert!(is_json_media_type("application/merge-patch+json"));
        assert!(!is_json_media_type("text/plain"));
        assert!(!is_json_media_type("application/x-www-form-urlencoded"));
    }

    #[test]
    fn bodies_parse_to_json_or_name_what_is_wrong() {
        assert_eq!(parse(None, "  \n"), Ok(None));
        assert_eq!(parse(Some("text/plain"), ""), Ok(None));
        assert_eq!(
            parse(Some("application/json"), r#"{"a":1}"#),
            Ok(Some(serde_json::json!({"a": 1})))
        );
        assert_eq!(parse(None, "[1]"), Ok(Some(serde_json::json!([1]))));
        assert_eq!(
            parse(Some("text/plain"), "{}"),
            Err(BodyError::WrongContentType)
        );
        assert_eq!(
            parse(Some("application/json"), "{"),
            Err(BodyError::Malformed)
        );
    }

    #[tokio::test]
    async fn a_body_declared_too_large_is_refused_unread() {
        let mut declared = headers(None);
        declared.insert(CONTENT_LENGTH, HeaderValue::from_static("1048577"));
        let read = ReadBody::read(&declared, Body::from("{}")).await;
        assert_eq!(read.json, Err(BodyError::TooLarge));
        let sent = ReadBody::read(&headers(None), Body::from(vec![b' '; MAX_BODY_BYTES + 1])).await;
        assert_eq!(sent.json, Err(BodyError::TooLarge));
    }
}
