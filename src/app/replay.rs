//! Answers replayed in front of the routers. A CI suite polls the same list again and again; the
//! answer cache spares the query, but routing, the middleware and the extractors still run for
//! each poll. Here a request whose answer was marked replayable (it depends only on the request
//! and the data it read: see `JsonBytes::replayable`) is recorded by its method, URI and headers
//! (at most [`MAX_REPLAYED_HEAD`] bytes of them) and its body (when it has one of at most
//! [`MAX_REPLAYED_BODY`] bytes of declared length), and the
//! very same request is answered with the recorded status, headers and body while that data is
//! unchanged, without going further. A body is read here only for a head (method, URI,
//! headers) recorded with one before, that is, for a vendor's read; everything else passes
//! untouched.
//!
//! A replayed request is journaled and logged like any other. Nothing is replayed while any
//! fault rule exists (rules act per request), and a namespace is resolved (made, marked used)
//! as the control middleware would, its data (and the clock, for an answer counted back from
//! now) checked before each replay.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use tower::{Layer, Service, ServiceExt};

use crate::http::body::ReadBody;
use crate::http::cache::{BudgetMap, ReadFrom};
use crate::state::{AppState, Vendor};
use crate::time::Millis;

use super::control::{self, Recordable};

/// The most bytes of recordings (requests, headers and bodies) kept per service; past it the
/// recordings start over (those of older data are dead weight anyway).
pub const REPLAY_BUDGET_BYTES: usize = 32 * 1024 * 1024;

/// A response to replay, for the request it was recorded under.
#[derive(Debug)]
struct Recording {
    vendor: &'static Vendor,
    target: Box<str>,
    namespace: Option<String>,
    read_from: ReadFrom,
    /// The instant the answer's time windows counted back from, if it has any.
    window_end: Option<Millis>,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// The recordings of one service, within [`REPLAY_BUDGET_BYTES`].
#[derive(Debug, Default)]
struct Recordings {
    // A std mutex held for a lookup or an insert only, never across `.await`.
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    /// By the request's head ([`request_head`]), or its [`body_key`] when it has a body.
    recordings: BudgetMap<Box<[u8]>, Arc<Recording>, REPLAY_BUDGET_BYTES>,
    /// The heads some recording with a body was made for (one forgotten too early only costs
    /// a recording; one kept too long, a body read before routing).
    heads_with_bodies: BudgetMap<Box<[u8]>, (), HEADS_BUDGET_BYTES>,
}

/// The most bytes of heads remembered as recorded with a body.
const HEADS_BUDGET_BYTES: usize = 1024 * 1024;

impl Recordings {
    fn get(&self, key: &[u8]) -> Option<Arc<Recording>> {
        self.lock().recordings.get(key).cloned()
    }

    /// Whether a request with this head and a body was recorded: only then is the body of
    /// the next such request read before it reaches the router.
    fn has_bodies(&self, head: &[u8]) -> bool {
        self.lock().heads_with_bodies.get(head).is_some()
    }

    fn record(&self, head: Vec<u8>, recordable: Recordable, response: &Response) {
        let headers = response.headers().clone();
        let header_bytes: usize = headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        let body = recordable.answer.body;
        let with_body = !recordable.request_body.is_empty();
        let key = if with_body {
            body_key(&head, &recordable.request_body)
        } else {
            head.clone()
        };
        let cost = key.len()
            + recordable.target.len()
            + header_bytes
            + body.len()
            + std::mem::size_of::<Recording>();
        let recording = Recording {
            vendor: recordable.vendor,
            target: recordable.target,
            namespace: recordable.namespace,
            read_from: recordable.answer.read_from,
            window_end: recordable.answer.window_end,
            status: response.status(),
            headers,
            body,
        };
        let mut kept = self.lock();
        kept.recordings
            .insert(key.into(), Arc::new(recording), cost);
        if with_body {
            let cost = head.len();
            kept.heads_with_bodies.insert(head.into(), (), cost);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The layer that replays recorded answers in front of a service (outermost, before routing).
#[derive(Debug, Clone)]
pub struct ReplayLayer {
    replayer: Replayer,
}

impl ReplayLayer {
    /// A layer with recordings of its own: one per service built, so requests to two services
    /// (the vendors' shared port, a vendor's own) never share one.
    pub fn new(state: AppState) -> Self {
        Self {
            replayer: Replayer {
                state,
                recordings: Arc::default(),
            },
        }
    }
}

impl<S> Layer<S> for ReplayLayer {
    type Service = Replay<S>;

    fn layer(&self, inner: S) -> Replay<S> {
        Replay {
            inner,
            replayer: self.replayer.clone(),
        }
    }
}

/// See [`ReplayLayer`].
#[derive(Debug, Clone)]
pub struct Replay<S> {
    inner: S,
    replayer: Replayer,
}

type Answer = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S> Service<Request> for Replay<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Answer {
        let started = Instant::now();
        if !self.replayer.state.faults().is_empty() {
            return Box::pin(self.inner.call(request));
        }
        let head = request_head(&request);
        if head.len() > MAX_REPLAYED_HEAD {
            return Box::pin(self.inner.call(request));
        }
        let replayer = self.replayer.clone();
        match body_of(request.headers()) {
            RequestBody::None => {
                if let Some(recording) = replayer.current_recording(&head) {
                    let response = replayer.replay(&recording, request, Bytes::new(), started);
                    return Box::pin(std::future::ready(Ok(response)));
                }
                replayer.recording(head, self.inner.call(request))
            }
            RequestBody::Small if replayer.recordings.has_bodies(&head) => {
                // Served by a vendor's read before: its body is read here, as the control
                // middleware would, to tell whether it is the very same request.
                let inner = self.inner.clone();
                Box::pin(async move {
                    let (mut parts, body) = request.into_parts();
                    let read = ReadBody::read(&parts.headers, body).await;
                    if read.json.is_ok() {
                        let key = body_key(&head, &read.bytes);
                        if let Some(recording) = replayer.current_recording(&key) {
                            let request = Request::from_parts(parts, Body::empty());
                            return Ok(replayer.replay(&recording, request, read.bytes, started));
                        }
                    }
                    let bytes = read.bytes.clone();
                    parts.extensions.insert(read);
                    let request = Request::from_parts(parts, Body::from(bytes));
                    replayer.recording(head, inner.oneshot(request)).await
                })
            }
            RequestBody::Small => replayer.recording(head, self.inner.call(request)),
            RequestBody::Other => Box::pin(self.inner.call(request)),
        }
    }
}

/// What a request's headers say of its body.
enum RequestBody {
    None,
    /// Of a declared length of at most [`MAX_REPLAYED_BODY`].
    Small,
    /// Longer, or of a length not declared (chunked): never recorded.
    Other,
}

/// The longest head (method, URI, headers) a recording is made for: a poll's takes a few hundred
/// bytes, while one of many kilobytes (a 40 KB query string) is seldom asked twice and would
/// crowd the others out of the budget.
const MAX_REPLAYED_HEAD: usize = 8 * 1024;

/// The longest request body a recording is made for (a read's parameters, as TailorTalk's).
const MAX_REPLAYED_BODY: u64 = 64 * 1024;

fn body_of(headers: &HeaderMap) -> RequestBody {
    if headers.contains_key(TRANSFER_ENCODING) {
        return RequestBody::Other;
    }
    let Some(length) = headers.get(CONTENT_LENGTH) else {
        return RequestBody::None;
    };
    match length
        .to_str()
        .ok()
        .and_then(|text| text.parse::<u64>().ok())
    {
        Some(0) => RequestBody::None,
        Some(length) if length <= MAX_REPLAYED_BODY => RequestBody::Small,
        _ => RequestBody::Other,
    }
}

/// What replaying needs: the state (journal, namespaces) and the service's recordings.
#[derive(Debug, Clone)]
struct Replayer {
    state: AppState,
    recordings: Arc<Recordings>,
}

impl Replayer {
    /// The recording under `key`, if there is one, the data it was read from is still its
    /// namespace's and its namespace's clock gives the window end it counted back from.
    fn current_recording(&self, key: &[u8]) -> Option<Arc<Recording>> {
        let recording = self.recordings.get(key)?;
        let namespace = recording.namespace.as_deref();
        let db = self.state.namespace_db(namespace);
        let current = recording.read_from.is_current(&db)
            && recording
                .window_end
                .is_none_or(|end| self.state.clock().window_end(namespace) == end);
        current.then_some(recording)
    }

    /// `recording` as the answer to `request`, whose body was `body`, journaled.
    fn replay(
        &self,
        recording: &Recording,
        request: Request,
        body: Bytes,
        started: Instant,
    ) -> Response {
        let received = Millis::from_datetime(Utc::now());
        let (parts, _read) = request.into_parts();
        let mut entry = control::journal_entry(
            &self.state,
            recording.vendor,
            &parts,
            recording.target.clone(),
            recording.namespace.clone(),
            received,
        );
        entry.keep_body(&body);
        let mut response = Response::new(Body::from(recording.body.clone()));
        *response.status_mut() = recording.status;
        *response.headers_mut() = recording.headers.clone();
        control::finish(&self.state, entry, recording.status, started);
        response
    }

    /// `answer`, recorded under `head` and its request's body when it is replayable.
    fn recording(
        self,
        head: Vec<u8>,
        answer: impl Future<Output = Result<Response, Infallible>> + Send + 'static,
    ) -> Answer {
        Box::pin(async move {
            let mut response = answer.await?;
            if let Some(recordable) = response.extensions_mut().remove::<Recordable>() {
                self.recordings.record(head, recordable, &response);
            }
            Ok(response)
        })
    }
}

/// The request's method, the URI of its request line and every header, in order: two requests
/// with the same head and body are the same request. Names hold no `:` and neither names,
/// values nor the URI a line break, so the head reads back one way only, and holds no empty
/// line: a body is keyed after one ([`body_key`]).
fn request_head(request: &Request) -> Vec<u8> {
    let uri = request.uri();
    let headers = request.headers();
    let mut head = Vec::with_capacity(
        128 + headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 2)
            .sum::<usize>(),
    );
    head.extend_from_slice(request.method().as_str().as_bytes());
    head.push(b' ');
    if let Some(scheme) = uri.scheme_str() {
        head.extend_from_slice(scheme.as_bytes());
        head.extend_from_slice(b"://");
    }
    if let Some(authority) = uri.authority() {
        head.extend_from_slice(authority.as_str().as_bytes());
    }
    head.extend_from_slice(
        uri.path_and_query()
            .map_or("/", |pq| pq.as_str())
            .as_bytes(),
    );
    for (name, value) in headers {
        head.push(b'\n');
        head.extend_from_slice(name.as_str().as_bytes());
        head.push(b':');
        head.extend_from_slice(value.as_bytes());
    }
    head
}

/// The key of a request with a body: its head, an empty line, its body.
fn body_key(head: &[u8], body: &[u8]) -> Vec<u8> {
    [head, b"\n\n", body].concat()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::http::header::AUTHORIZATION;
    use serde_json::json;
    use tower::ServiceExt;

    use super::*;
    use crate::StateOptions;
    use crate::control::faults::RuleSpec;
    use crate::control::journal::Filter;

    const CONTACTS: &str = "/autokonnect/api/v1/contacts?limit=2";
    const KEY: &str = "Bearer ak_live_northwind_4f9c2e7a";

    /// The app behind a replay layer, and how many requests got past the layer.
    struct Replayed {
        state: AppState,
        service: Replay<axum::routing::Router>,
        passed: Arc<AtomicUsize>,
    }

    impl Replayed {
        fn new() -> Self {
            let options = StateOptions {
                now: Some("2026-01-15T12:00:00Z".parse().expect("an instant")),
                ..StateOptions::default()
            };
            let state = AppState::build(options).expect("the default seed loads");
            let passed = Arc::new(AtomicUsize::new(0));
            let counted = Arc::clone(&passed);
            let app = crate::app(state.clone()).layer(axum::middleware::map_request(
                move |request: Request| {
                    counted.fetch_add(1, Ordering::SeqCst);
                    std::future::ready(request)
                },
            ));
            let service = ReplayLayer::new(state.clone()).layer(app);
            Self {
                state,
                service,
                passed,
            }
        }

        /// Sends `request`; answers its status, body and whether it got past the layer.
        async fn send(&self, request: Request) -> (StatusCode, Bytes, bool) {
            let before = self.passed.load(Ordering::SeqCst);
            let response = self.service.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, body, self.passed.load(Ordering::SeqCst) > before)
        }

        async fn get(&self, uri: &str, headers: &[(&str, &str)]) -> (StatusCode, Bytes, bool) {
            let mut request = Request::get(uri);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            self.send(request.body(Body::empty()).unwrap()).await
        }

        fn recordings(&self) -> MutexGuard<'_, Kept> {
            self.service.replayer.recordings.lock()
        }

        fn journaled(&self) -> usize {
            self.state.journal().count(&Filter::default())
        }
    }

    #[tokio::test]
    async fn the_same_get_is_replayed_and_journaled_each_time() {
        let app = Replayed::new();
        let (status, first, passed) = app.get(CONTACTS, &[("authorization", KEY)]).await;
        assert_eq!((status, passed), (StatusCode::OK, true));
        let (status, again, passed) = app.get(CONTACTS, &[("authorization", KEY)]).await;
        assert_eq!((status, passed), (StatusCode::OK, false), "replayed");
        assert_eq!(again, first);
        assert_eq!(app.journaled(), 2);
        let entry = &app.state.journal().find(&Filter::default(), 1)[0];
        assert_eq!(
            (entry.vendor, entry.status, entry.tenant.as_deref()),
            ("autokonnect", 200, Some("****2e7a"))
        );
    }

    #[tokio::test]
    async fn another_uri_or_header_is_another_request() {
        let app = Replayed::new();
        app.get(CONTACTS, &[("authorization", KEY)]).await;
        let other_uri = format!("{CONTACTS}&page=1");
        assert!(app.get(&other_uri, &[("authorization", KEY)]).await.2);
        let (status, _, passed) = app.get(CONTACTS, &[("authorization", "Bearer nope")]).await;
        assert_eq!((status, passed), (StatusCode::UNAUTHORIZED, true));
        let headers = [("authorization", KEY), ("x-understudy-namespace", "other")];
        assert!(app.get(CONTACTS, &headers).await.2);
        assert!(!app.get(CONTACTS, &headers).await.2, "its own recording");
    }

    #[tokio::test]
    async fn a_request_with_a_head_over_8_kib_is_not_recorded() {
        let app = Replayed::new();
        let long = format!("{CONTACTS}&search={}", "z".repeat(MAX_REPLAYED_HEAD));
        for _ in 0..2 {
            let (status, _, passed) = app.get(&long, &[("authorization", KEY)]).await;
            assert_eq!((status, passed), (StatusCode::OK, true));
        }
        assert!(app.recordings().recordings.is_empty());
        let short = format!("{CONTACTS}&search={}", "z".repeat(MAX_REPLAYED_HEAD / 2));
        app.get(&short, &[("authorization", KEY)]).await;
        assert!(!app.get(&short, &[("authorization", KEY)]).await.2);
    }

    #[tokio::test]
    async fn recordings_stay_within_their_budget() {
        let app = Replayed::new();
        let request = Request::get(CONTACTS)
            .header(AUTHORIZATION, KEY)
            .body(Body::empty())
            .unwrap();
        let mut response = crate::app(app.state.clone())
            .oneshot(request)
            .await
            .unwrap();
        let recordable = response
            .extensions_mut()
            .remove::<Recordable>()
            .expect("a replayable answer");
        let recordings = Recordings::default();
        let mut started_over = false;
        for n in 0..1_000 {
            let head = format!("GET /{n:0>65535}").into_bytes();
            recordings.record(head, recordable.clone(), &response);
            let kept = recordings.lock();
            let bytes = kept.recordings.bytes();
            assert!(bytes <= REPLAY_BUDGET_BYTES, "{bytes} bytes");
            started_over |= kept.recordings.len() < n + 1;
        }
        assert!(
            started_over,
            "1,000 heads of 64 KiB are more than the budget"
        );
    }

    #[tokio::test]
    async fn a_write_to_what_an_answer_read_ends_its_replay_and_no_other() {
        let app = Replayed::new();
        let agentclara = [("authorization", "Bearer sk_test_bistro_4f8a2c9e71d3")];
        let list = "/agentclara/contacts?limit=100";
        let (_, before, _) = app.get(list, &agentclara).await;
        assert!(!app.get(list, &agentclara).await.2);
        app.get(CONTACTS, &[("authorization", KEY)]).await;
        let create = Request::post("/agentclara/contacts")
            .header(AUTHORIZATION, agentclara[0].1)
            .header("content-type", "application/json")
            .body(Body::from(r#"{"name":"Replay"}"#))
            .unwrap();
        let (status, created, _) = app.send(create).await;
        assert_eq!(status, StatusCode::CREATED, "{created:?}");
        let (status, after, passed) = app.get(list, &agentclara).await;
        assert_eq!((status, passed), (StatusCode::OK, true));
        assert_ne!(after, before);
        assert!(!app.get(list, &agentclara).await.2);
        assert!(
            !app.get(CONTACTS, &[("authorization", KEY)]).await.2,
            "another vendor's answer is still replayed"
        );
    }

    #[tokio::test]
    async fn nothing_is_replayed_while_a_fault_rule_exists() {
        let app = Replayed::new();
        app.get(CONTACTS, &[("authorization", KEY)]).await;
        let rule = json!({"vendor": "vambe", "effect": {"type": "status", "status": 503}});
        let vendors: Vec<&str> = app.state.vendors().iter().map(|v| v.slug).collect();
        let parsed = RuleSpec::parse(&rule, &vendors).expect("a valid rule");
        app.state.faults().add(parsed).expect("room for a rule");
        assert!(app.get(CONTACTS, &[("authorization", KEY)]).await.2);
        app.state.faults().clear();
        assert!(!app.get(CONTACTS, &[("authorization", KEY)]).await.2);
    }

    #[tokio::test]
    async fn an_answer_counted_back_from_now_is_replayed_while_the_clock_agrees() {
        let app = Replayed::new();
        let vambe = [("x-api-key", "vk_live_andes_7c41e9b2d05a")];
        let days = "/vambe/api/public/contacts?days=30";
        assert!(app.get(days, &vambe).await.2);
        assert!(
            !app.get(days, &vambe).await.2,
            "the frozen clock has not moved"
        );
        let later: chrono::DateTime<Utc> = "2026-02-15T12:00:00Z".parse().expect("an instant");
        app.state
            .clock()
            .freeze(None, Some(Millis::from_datetime(later)));
        let (status, _, passed) = app.get(days, &vambe).await;
        assert_eq!((status, passed), (StatusCode::OK, true), "the clock moved");
        assert!(!app.get(days, &vambe).await.2);
        let in_a_namespace = [vambe[0], ("x-understudy-namespace", "own-clock")];
        assert!(app.get(days, &in_a_namespace).await.2);
        assert!(!app.get(days, &in_a_namespace).await.2);
        app.state.clock().freeze(Some("own-clock"), Some(Millis(0)));
        assert!(
            app.get(days, &in_a_namespace).await.2,
            "its own clock moved"
        );
    }

    fn tailortalk_read(body: &'static str) -> Request {
        Request::post("/tailortalk/api/v1/get_contacts")
            .header(AUTHORIZATION, "Agent tt_agent_5f2c9a7e41d86b03")
            .header("content-type", "application/json")
            .header("content-length", body.len())
            .body(Body::from(body))
            .unwrap()
    }

    #[tokio::test]
    async fn a_read_with_a_body_is_replayed_for_the_very_same_body_only() {
        let app = Replayed::new();
        let first_page = r#"{"limit": 2}"#;
        let (status, first, passed) = app.send(tailortalk_read(first_page)).await;
        assert_eq!((status, passed), (StatusCode::OK, true));
        let (status, again, passed) = app.send(tailortalk_read(first_page)).await;
        assert_eq!((status, passed), (StatusCode::OK, false), "replayed");
        assert_eq!(again, first);
        let entry = &app.state.journal().find(&Filter::default(), 1)[0];
        assert_eq!(
            entry.body.as_deref(),
            Some(first_page),
            "journaled with its body"
        );
        let (status, other, passed) = app.send(tailortalk_read(r#"{"limit": 3}"#)).await;
        assert_eq!((status, passed), (StatusCode::OK, true));
        assert_ne!(other, first);
        let (status, malformed, passed) = app.send(tailortalk_read(r#"{"limit": "#)).await;
        assert_eq!(
            (status, passed),
            (StatusCode::BAD_REQUEST, true),
            "{malformed:?}"
        );
        assert!(!app.send(tailortalk_read(first_page)).await.2);
    }

    #[tokio::test]
    async fn a_write_is_never_replayed() {
        let app = Replayed::new();
        let create = || {
            Request::post("/agentclara/contacts")
                .header(AUTHORIZATION, "Bearer sk_test_bistro_4f8a2c9e71d3")
                .header("content-type", "application/json")
                .header("content-length", 16)
                .body(Body::from(r#"{"name":"Twice"}"#))
                .unwrap()
        };
        for _ in 0..2 {
            let (status, created, passed) = app.send(create()).await;
            assert_eq!((status, passed), (StatusCode::CREATED, true), "{created:?}");
        }
    }
}
