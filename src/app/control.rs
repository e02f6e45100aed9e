//! The middleware around each vendor's router: resolves the request's namespace, reads its body
//! once, lets fault rules act on it, records it in the journal with secrets masked, and marks a
//! replayable answer with what replaying it needs (see `replay`).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::contract::Failure;
use crate::control::faults::{Action, Target};
use crate::control::journal::{Entry, Headers};
use crate::control::{InvalidNamespace, NamespaceDb, mask, mask_into, namespace_of};
use crate::http::body::ReadBody;
use crate::http::cache::Replayable;
use crate::state::{AppState, Vendor};
use crate::time::Millis;

use super::REQUEST_LOG;

/// How the namespace of a request without the namespace header is named (as fault rules name
/// it).
const DEFAULT_NAMESPACE: &str = "default";

/// Secrets of any request, whatever the vendor; each vendor's own secret header is added.
const GENERIC_SECRET_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie"];

/// In a vendor's response, set here from its [`Replayable`]: the answer with what replaying it
/// needs (see `replay`).
#[derive(Debug, Clone)]
pub(super) struct Recordable {
    pub vendor: &'static Vendor,
    /// The vendor's own path and query, as journaled.
    pub target: Box<str>,
    pub namespace: Option<String>,
    /// The request's body, as read.
    pub request_body: Bytes,
    pub answer: Replayable,
}

/// The middleware around each vendor's router.
pub async fn control(
    State((state, vendor)): State<(AppState, &'static Vendor)>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let received = Millis::from_datetime(Utc::now());
    let (mut parts, body) = request.into_parts();
    let namespace = namespace_of(&parts.headers);
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut entry = journal_entry(
        &state,
        vendor,
        &parts,
        target.into(),
        namespace.clone().unwrap_or(None),
        received,
    );
    // The replay layer may have read it already.
    let body = match parts.extensions.remove::<ReadBody>() {
        Some(read) => read,
        None => ReadBody::read(&parts.headers, body).await,
    };
    entry.keep_body(&body.bytes);
    let request_body = body.bytes.clone();
    parts.extensions.insert(body);
    let body = Body::from(request_body.clone());
    let mut response = match namespace {
        Err(InvalidNamespace) => vendor.errors.failure(Failure::InvalidNamespace),
        Ok(namespace) => serve(&state, vendor, parts, body, namespace, next).await,
    };
    if let Some(answer) = response.extensions_mut().remove::<Replayable>() {
        let recordable = Recordable {
            vendor,
            target: entry.target.clone(),
            namespace: entry.namespace.clone(),
            request_body,
            answer,
        };
        response.extensions_mut().insert(recordable);
    }
    finish(&state, entry, response.status(), started);
    response
}

/// Completes a request's journal entry with its answer's status and duration, logs it and
/// records it.
pub(super) fn finish(state: &AppState, mut entry: Entry, status: StatusCode, started: Instant) {
    entry.status = status.as_u16();
    entry.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    log_request(&entry);
    state.journal().record(entry);
}

/// The request's log line: its journal entry's summary, at info under [`REQUEST_LOG`].
fn log_request(entry: &Entry) {
    tracing::info!(
        target: REQUEST_LOG,
        vendor = entry.vendor,
        tenant = entry.tenant.as_deref(),
        namespace = entry.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE),
        method = %entry.method,
        path = entry.path(),
        status = entry.status,
        // Microseconds are all a duration measured here can tell.
        duration_ms = (entry.duration_ms * 1000.0).round() / 1000.0,
        "request"
    );
}

async fn serve(
    state: &AppState,
    vendor: &'static Vendor,
    mut parts: Parts,
    body: Body,
    namespace: Option<String>,
    next: Next,
) -> Response {
    let target = Target {
        vendor: vendor.slug,
        method: parts.method.as_str(),
        path: parts.uri.path(),
        credential: vendor.credentials.secret(&parts.headers),
        namespace: namespace.as_deref(),
    };
    match state.faults().decide(&target) {
        Some(Action::Respond { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return match body {
                Some(body) => (status, axum::Json(body)).into_response(),
                None => vendor.errors.failure(Failure::Status(status)),
            };
        }
        Some(Action::RateLimit { retry_after }) => {
            return vendor.errors.failure(Failure::RateLimited { retry_after });
        }
        Some(Action::Drop) => return Response::new(Body::new(DroppedConnection)),
        Some(Action::Delay(delay)) => tokio::time::sleep(delay).await,
        None => {}
    }
    if let Some(name) = namespace {
        // Quick: a namespace reads the seed until its first write, so making one copies nothing.
        let db = state.namespace(&name);
        parts.extensions.insert(NamespaceDb { name, db });
    }
    next.run(Request::from_parts(parts, body)).await
}

/// A vendor request's journal entry, before its answer; `target` is the vendor's own path and
/// query.
pub(super) fn journal_entry(
    state: &AppState,
    vendor: &'static Vendor,
    parts: &Parts,
    target: Box<str>,
    namespace: Option<String>,
    received: Millis,
) -> Entry {
    Entry {
        id: 0,
        received,
        vendor: vendor.slug,
        tenant: vendor.credentials.secret(&parts.headers).map(mask),
        namespace,
        method: parts.method.clone(),
        target,
        headers: journaled_headers(state, &parts.headers),
        body: None,
        body_truncated: false,
        status: 0,
        duration_ms: 0.0,
    }
}

/// `headers` with every secret (any vendor's credential header, and the generic ones) masked.
// Copied, not shared: what the request parsed shares the connection's read buffer, and an entry
// holding it would keep that whole buffer alive for as long as the journal keeps the entry.
fn journaled_headers(state: &AppState, headers: &HeaderMap) -> Headers {
    let secret = |name: &HeaderName| {
        GENERIC_SECRET_HEADERS.contains(&name.as_str())
            || state
                .vendors()
                .iter()
                .any(|vendor| vendor.credentials.secret_header() == name.as_str())
    };
    let bytes = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    let mut kept = Headers::with_capacity(headers.len(), bytes);
    for (name, value) in headers {
        if secret(name) {
            kept.push_with(name.as_str(), |text| {
                mask_into(&String::from_utf8_lossy(value.as_bytes()), text);
            });
        } else {
            kept.push(name.as_str(), value.as_bytes());
        }
    }
    kept
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
