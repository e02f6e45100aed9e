//! Test control for every vendor request: the namespace it runs in, the faults that may hit it,
//! and its journal entry. One middleware wraps each vendor's router; the admin API
//! (`/__admin/requests`, `/__admin/faults`, `/__admin/namespaces`) reads and changes the state.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::http::body::MAX_BODY_BYTES;
use crate::state::AppState;
use crate::store::Db;
use crate::time::Millis;
use crate::vendors::VendorSpec;

pub mod faults;
pub mod glob;
pub mod journal;

use faults::{Action, Target};
use journal::Entry;

/// The request header that selects a namespace.
pub const NAMESPACE_HEADER: &str = "x-understudy-namespace";
/// The longest namespace name accepted.
pub const MAX_NAMESPACE_LEN: usize = 128;
/// Headers whose values are masked in the journal.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "x-api-key",
    "x-api-token",
    "cookie",
    "proxy-authorization",
];

/// The database a request's namespace resolved to, for [`AppState::db`].
#[derive(Clone, Debug)]
pub struct NamespaceDb(pub Db);

/// The namespace header is present but names no usable namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a namespace is 1 to {MAX_NAMESPACE_LEN} visible ASCII characters")]
pub struct InvalidNamespace;

/// The namespace named by the request, `None` for the default one.
pub fn namespace_of(headers: &HeaderMap) -> Result<Option<String>, InvalidNamespace> {
    let Some(value) = headers.get(NAMESPACE_HEADER) else {
        return Ok(None);
    };
    let name = value.to_str().map_err(|_| InvalidNamespace)?.trim();
    let valid = !name.is_empty()
        && name.len() <= MAX_NAMESPACE_LEN
        && name.bytes().all(|b| b.is_ascii_graphic());
    if !valid {
        return Err(InvalidNamespace);
    }
    Ok((name != "default").then(|| name.to_owned()))
}

/// The middleware around each vendor's router.
pub async fn control(
    State((state, vendor)): State<(AppState, &'static VendorSpec)>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let received = Millis::from_datetime(Utc::now());
    let (parts, body) = request.into_parts();
    let namespace = namespace_of(&parts.headers);
    let mut entry = journal_entry(vendor, &parts, namespace.clone().unwrap_or(None), received);
    // A body declared larger than the limit is passed on unread: the vendor's handler answers it
    // (413 where it reads bodies) and the journal records no body.
    let declared_too_large = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok())
        .is_some_and(|length| length > MAX_BODY_BYTES as u64);
    let body = if declared_too_large {
        Ok(body)
    } else {
        to_bytes(body, MAX_BODY_BYTES).await.map(|bytes| {
            entry.keep_body(&bytes);
            Body::from(bytes)
        })
    };
    let response = match (namespace, body) {
        (Err(InvalidNamespace), _) => (vendor.render_error)(StatusCode::BAD_REQUEST),
        (_, Err(_)) => (vendor.render_error)(StatusCode::PAYLOAD_TOO_LARGE),
        (Ok(namespace), Ok(body)) => serve(&state, vendor, parts, body, namespace, next).await,
    };
    entry.status = response.status().as_u16();
    entry.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    state.journal().record(entry);
    response
}

async fn serve(
    state: &AppState,
    vendor: &'static VendorSpec,
    mut parts: Parts,
    body: Body,
    namespace: Option<String>,
    next: Next,
) -> Response {
    let target = Target {
        vendor: vendor.slug,
        method: parts.method.as_str(),
        path: parts.uri.path(),
        credential: (vendor.credential)(&parts.headers),
        namespace: namespace.as_deref(),
    };
    match state.faults().decide(&target) {
        Some(Action::Respond { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return match body {
                Some(body) => (status, axum::Json(body)).into_response(),
                None => (vendor.render_error)(status),
            };
        }
        Some(Action::RateLimit { retry_after }) => {
            let mut response = (vendor.render_error)(StatusCode::TOO_MANY_REQUESTS);
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after));
            return response;
        }
        Some(Action::Drop) => return Response::new(Body::new(DroppedConnection)),
        Some(Action::Delay(delay)) => tokio::time::sleep(delay).await,
        None => {}
    }
    if let Some(name) = namespace {
        let store_state = state.clone();
        let db = tokio::task::spawn_blocking(move || store_state.namespace(&name)).await;
        match db {
            Ok(Ok(db)) => {
                parts.extensions.insert(NamespaceDb(db));
            }
            _ => {
                tracing::error!(vendor = vendor.slug, "could not make a namespace");
                return (vendor.render_error)(StatusCode::INTERNAL_SERVER_ERROR);
            }
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

fn journal_entry(
    vendor: &'static VendorSpec,
    parts: &Parts,
    namespace: Option<String>,
    received: Millis,
) -> Entry {
    let mut headers = parts.headers.clone();
    for name in SECRET_HEADERS {
        if let Some(value) = headers.get_mut(*name) {
            let masked = mask(&String::from_utf8_lossy(value.as_bytes()));
            *value = HeaderValue::from_str(&masked).unwrap_or(HeaderValue::from_static("****"));
        }
    }
    Entry {
        id: 0,
        received,
        vendor: vendor.slug,
        tenant: (vendor.credential)(&parts.headers).map(mask),
        namespace,
        method: parts.method.clone(),
        uri: parts.uri.clone(),
        headers,
        body: None,
        body_truncated: false,
        status: 0,
        duration_ms: 0.0,
    }
}

/// Keeps a scheme word and the last four characters of a secret: `Bearer ****e7a2`.
pub fn mask(secret: &str) -> String {
    let (scheme, token) = match secret.split_once(' ') {
        Some((scheme, token)) => (format!("{scheme} "), token),
        None => (String::new(), secret),
    };
    let chars: Vec<char> = token.chars().collect();
    let tail: String = if chars.len() > 8 {
        chars[chars.len() - 4..].iter().collect()
    } else {
        String::new()
    };
    format!("{scheme}****{tail}")
}

/// A response body that fails at once, so the server closes the connection unanswered.
struct DroppedConnection;

impl http_body::Body for DroppedConnection {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by a fault rule",
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_keeping_scheme_and_tail() {
        assert_eq!(mask("Bearer ak_live_northwind_4f9c2e7a"), "Bearer ****2e7a");
        assert_eq!(mask("short"), "****");
        assert_eq!(mask("vk_1234567890"), "****7890");
    }

    #[test]
    fn namespace_header_rules() {
        let mut headers = HeaderMap::new();
        assert_eq!(namespace_of(&headers), Ok(None));
        headers.insert(NAMESPACE_HEADER, HeaderValue::from_static("test-42"));
        assert_eq!(namespace_of(&headers), Ok(Some("test-42".into())));
        headers.insert(NAMESPACE_HEADER, HeaderValue::from_static("default"));
        assert_eq!(namespace_of(&headers), Ok(None));
        headers.insert(NAMESPACE_HEADER, HeaderValue::from_static("two words"));
        assert_eq!(namespace_of(&headers), Err(InvalidNamespace));
    }
}
