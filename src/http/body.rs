//! JSON request bodies, with the failure causes every vendor words in its own shape.

use std::marker::PhantomData;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use serde_json::Value;

/// The largest request body accepted (CONTRACTS.md: larger bodies get the vendor's 413).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Why a request body could not be read as JSON.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// 413: over [`MAX_BODY_BYTES`].
    #[error("Request body is larger than 1 MiB")]
    TooLarge,
    /// 400: a content type other than JSON.
    #[error("Content-Type must be application/json")]
    WrongContentType,
    /// 400: not parseable JSON.
    #[error("Malformed JSON body: {0}")]
    Malformed(String),
    /// 400: the connection broke while the body was read.
    #[error("Request body could not be read")]
    Unreadable,
}

/// The request body parsed as JSON; `None` when the body is empty. The rejection is the
/// vendor's own error type, so every failure is answered in that vendor's shape.
#[derive(Debug)]
pub struct JsonBody<E>(pub Option<Value>, pub PhantomData<fn() -> E>);

impl<S, E> FromRequest<S> for JsonBody<E>
where
    S: Send + Sync,
    E: From<BodyError> + IntoResponse,
{
    type Rejection = E;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let declared_json = request
            .headers()
            .get(CONTENT_TYPE)
            .map(|value| is_json_media_type(value.to_str().unwrap_or_default()));
        let bytes =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => BodyError::TooLarge,
                    _ => BodyError::Unreadable,
                })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(None, PhantomData));
        }
        if declared_json == Some(false) {
            return Err(BodyError::WrongContentType.into());
        }
        serde_json::from_slice(&bytes)
            .map(|value| Self(Some(value), PhantomData))
            .map_err(|error| BodyError::Malformed(error.to_string()).into())
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

    #[test]
    fn json_media_types_with_parameters_and_suffixes_count() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("Application/JSON; charset=utf-8"));
        assert!(is_json_media_type("application/merge-patch+json"));
        assert!(!is_json_media_type("text/plain"));
        assert!(!is_json_media_type("application/x-www-form-urlencoded"));
    }
}
