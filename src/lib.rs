//! Understudy: a stateful mock server standing in for five vendors' contacts APIs, so client
//! code can be developed and tested in CI without reaching any vendor.
//!
//! # Layout
//!
//! Layers, lowest first; a module imports only from its own layer's modules listed before it
//! and from layers below (`tests/layers.rs` checks that no module reaches itself back).
//!
//! 1. [`time`], [`clock`]: instants, their formats, the freezable clocks (one per namespace).
//! 2. [`store`]: one SQLite database (memory or `--db` file) plus the seeded template that reset
//!    copies back; it knows tables, not HTTP.
//! 3. [`http`]: plumbing no API owns: query pairs, bodies read once, credential schemes, caches
//!    keyed by parsed requests, paging arithmetic, rate limits, the error shape of unknown
//!    paths and methods. [`server`]: the HTTP server under it all (timeouts, a connection
//!    cap, shutdown with a deadline). [`tenancy`]: where a vendor keeps its tenants, listed
//!    and found from that declaration.
//! 4. [`seed`]: seed documents, JSON-path errors, generation bounds, fake data, and the loading
//!    of a vendor's tenant list ([`seed::tenants`]).
//! 5. [`control`]: the test-control state (namespaces, fault rules, journal); it knows no vendor.
//! 6. [`contract`]: what a vendor declares — its [`contract::VendorSpec`], its error texts and
//!    body shape, and the one error type its handlers return.
//! 7. [`state`]: what handlers share: the vendors, the store, clocks, control state and caches.
//! 8. [`kit`]: what every vendor's handlers use: the tenant extractor (rate-limited tenants
//!    included), record ids, bodies' fields, cached answers, and the `kit::vendor!` declaration.
//! 9. [`vendors`]: one folder per vendor holding only its contract; `vendors/mod.rs` is the one
//!    list of them.
//! 10. [`admin`]: `/__admin`, the mock's own API.
//! 11. [`mod@app`] (the whole router, the control middleware and the replay of recorded
//!     answers in front of it) and [`config`] (the server's flags): the top, with [`run`] and
//!     [`serve`], which serve the application on a bound listener, and [`MockServer`], which
//!     serves it in-process for a Rust test suite.
//! 12. [`cli`]: the `understudy` command (`serve`, `seed validate`, `healthcheck`) and its log
//!     lines; `main.rs` only parses and runs it.
//!
//! # In a Rust test suite
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use understudy::MockServer;
//!
//! let server = MockServer::start().await; // every vendor, default seed, a free port
//! let test = server.namespace("checkout-test"); // isolated data, journal and clock
//! let client = reqwest::Client::new();
//! let mut request = client.get(format!("{}/contacts", test.url("agentclara")));
//! for (name, value) in test.headers("agentclara", 0) {
//!     request = request.header(name, value);
//! }
//! let answer: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
//! assert_eq!(answer["success"], true);
//! assert_eq!(test.requests().len(), 1);
//! # }
//! ```

use std::future::Future;

use axum::Router;
use tokio::net::TcpListener;

pub mod admin;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod contract;
pub mod control;
pub mod http;
pub mod kit;
pub mod mock_server;
pub mod seed;
pub mod server;
pub mod state;
pub mod store;
pub mod tenancy;
pub mod time;
pub mod vendors;

pub use app::{app, service, vendor_service};
pub use mock_server::{MockServer, MockServerBuilder};
pub use state::{AppState, StartError, StateOptions};

/// Serves `router` on `listener` until `shutdown` completes, then drains open requests, with
/// the default [`server::ServerOptions`].
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    server::serve(listener, router, shutdown, server::ServerOptions::default()).await
}

/// Serves [`service`] on `listener` until `shutdown` completes.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve(listener, service(state), shutdown).await
}
