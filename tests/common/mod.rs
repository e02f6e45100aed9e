//! Black-box test helpers: the whole app on 127.0.0.1:0 in the test's own runtime, raw HTTP
//! for requests no well-behaved client would send, and ([`process`]) the `understudy` binary
//! as users start it.

#![allow(dead_code)] // each test binary uses its own share of these helpers

pub mod process;

use std::net::SocketAddr;
use std::path::PathBuf;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use understudy::seed::SeedSource;
use understudy::server::ServerOptions;
use understudy::{AppState, MockServer, StateOptions};

/// An object's keys, sorted: for asserting a response's exact field set.
pub fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// The instant the test server's clock is frozen at, unless a test says otherwise.
pub const FROZEN_NOW: &str = "2026-01-15T12:00:00Z";

pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    /// The server behind [`TestApp::address`], when it is a [`MockServer`] (stopped on drop).
    pub server: Option<MockServer>,
}

impl TestApp {
    /// The state behind the server.
    pub fn state(&self) -> &AppState {
        self.server.as_ref().expect("a MockServer").state()
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A GET with the given headers; returns status and JSON body (`Value::Null` if not JSON).
    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, headers, None).await
    }

    /// Freezes the default clock at `now` (`PUT /__admin/clock`), which must succeed.
    pub async fn freeze_clock(&self, now: &str) {
        let body = serde_json::json!({ "now": now });
        let (status, answer) = self
            .send(reqwest::Method::PUT, "/__admin/clock", &[], Some(&body))
            .await;
        assert_eq!(status, 200, "{answer}");
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (u16, Value) {
        let response = self.request(method, path, headers, body).await;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("read body");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("send request")
    }

    /// Asserts `method path` answers 405 with an `Allow` header naming every one of `allowed`,
    /// and exactly `body`.
    pub async fn assert_method_not_allowed(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        allowed: &[&str],
        body: Value,
    ) {
        let response = self.request(method.clone(), path, headers, None).await;
        assert_eq!(response.status(), 405, "{method} {path}");
        let allow = response.headers()["allow"]
            .to_str()
            .expect("allow")
            .to_owned();
        for expected in allowed {
            assert!(
                allow.split(',').any(|m| m.trim() == *expected),
                "{method} {path}: {allow}"
            );
        }
        let answer: Value = response.json().await.expect("json");
        assert_eq!(answer, body, "{method} {path}");
    }

    /// Sends `raw` bytes as-is and returns everything the server answered before closing.
    pub async fn send_raw(&self, raw: &[u8]) -> String {
        let mut stream = TcpStream::connect(self.address).await.expect("connect");
        stream.write_all(raw).await.expect("write");
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            stream.read_to_end(&mut answer),
        )
        .await;
        String::from_utf8_lossy(&answer).into_owned()
    }
}

/// The app on the embedded default seed with the clock frozen at [`FROZEN_NOW`].
pub async fn spawn_app() -> TestApp {
    spawn_app_with(options(Vec::new())).await
}

/// The app on the given seed document only, clock frozen at [`FROZEN_NOW`].
pub async fn spawn_app_with_seed(seed: Value) -> TestApp {
    spawn_app_with(options(vec![seed_source(seed)])).await
}

pub fn options(seeds: Vec<SeedSource>) -> StateOptions {
    StateOptions {
        seeds,
        now: Some(FROZEN_NOW.parse().expect("valid instant")),
        ..StateOptions::default()
    }
}

pub fn seed_source(seed: Value) -> SeedSource {
    SeedSource {
        name: "test seed".into(),
        text: seed.to_string(),
    }
}

/// The message a seed document is refused with (clock frozen as in [`options`]).
pub fn seed_error(seed: Value) -> String {
    AppState::build(options(vec![seed_source(seed)]))
        .expect_err("the seed is refused")
        .to_string()
}

/// A fresh, empty directory for this test process, named after `name`.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("understudy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

pub async fn spawn_app_with(options: StateOptions) -> TestApp {
    spawn_server(options, ServerOptions::default()).await
}

/// The app with the given state and server options, served by [`MockServer`].
pub async fn spawn_server(options: StateOptions, server: ServerOptions) -> TestApp {
    let server = MockServer::builder()
        .options(options)
        .server_options(server)
        .start()
        .await
        .expect("the server starts");
    TestApp {
        address: server.address(),
        client: reqwest::Client::new(),
        server: Some(server),
    }
}

/// A state built by the test itself, served on 127.0.0.1:0.
pub async fn serve_state(state: AppState) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(understudy::run(listener, state, std::future::pending()));
    TestApp {
        address,
        client: reqwest::Client::new(),
        server: None,
    }
}

/// One vendor alone on a port of its own, at its real paths (no slug prefix), on the embedded
/// default seed with the clock frozen at [`FROZEN_NOW`].
pub async fn spawn_vendor_app(slug: &str) -> TestApp {
    let state = AppState::build(options(Vec::new())).expect("state builds");
    let vendor = understudy::vendors::by_slug(slug).expect("a known vendor");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(understudy::serve(
        listener,
        understudy::vendor_service(state, vendor),
        std::future::pending(),
    ));
    TestApp {
        address,
        client: reqwest::Client::new(),
        server: None,
    }
}
