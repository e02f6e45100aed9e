//! Understudy: a stateful mock server standing in for five vendors' contacts APIs, so client
//! code can be developed and tested in CI without reaching any vendor.
//!
//! # Layout
//!
//! - [`config`]: the command line (every flag also an `UNDERSTUDY_*` variable).
//! - [`state`]: what handlers share: the store, the clock, the seed it was built from.
//! - [`store`]: one SQLite database (memory or `--db` file) plus the seeded template that reset
//!   copies back; it knows tables, not HTTP.
//! - [`seed`]: seed documents, JSON-path errors, deterministic fake data.
//! - [`http`]: plumbing shared by vendors: query pairs, JSON bodies, credential headers, paging
//!   arithmetic, rate limits, the vendor-shaped 404/405 wrapper.
//! - [`control`]: test control around every vendor request: namespaces, fault rules, journal.
//! - [`vendors`]: the one list of vendors; each `vendors/<slug>/` owns its routes, auth, wire
//!   types, queries, seed section and error shape.
//! - [`admin`]: `/__admin`, the mock's own control API.
//! - [`server`]: the HTTP server under it all: timeouts, a connection cap, shutdown with a
//!   deadline.
//!
//! [`app`] builds the whole router; [`service`] adds routing by the vendors' real host names;
//! [`vendor_service`] serves one vendor at the root of its own port; [`run`] and [`serve`] serve
//! them on a bound listener until shutdown.

use std::future::Future;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::HOST;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub mod admin;
pub mod clock;
pub mod config;
pub mod control;
pub mod http;
pub mod seed;
pub mod server;
pub mod state;
pub mod store;
pub mod time;
pub mod vendors;

pub use state::{AppState, StartError, StateOptions};

/// Every vendor under `/<slug>`, the admin API under `/__admin`.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new().nest("/__admin", admin::router(&state));
    for vendor in vendors::ALL {
        router = router.nest(
            &format!("/{}", vendor.slug),
            vendors::router(vendor, &state),
        );
    }
    router
        .fallback(unknown_path)
        .layer(DefaultBodyLimit::max(http::body::MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// An unknown path: the vendor's own 404 when it starts with a vendor's slug (`/autokonnect/`
/// reaches here, not the nested router), else a note on where the vendors are.
async fn unknown_path(uri: Uri) -> Response {
    let first_segment = uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    if let Some(vendor) = vendors::by_slug(first_segment) {
        return (vendor.render_error)(StatusCode::NOT_FOUND);
    }
    let prefixes: Vec<String> = vendors::ALL
        .iter()
        .map(|v| format!("/{}", v.slug))
        .collect();
    let message = format!(
        "no such path; vendors are served under {} and the admin API under /__admin",
        prefixes.join(", ")
    );
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}

/// [`app`], also answering requests whose `Host` is a vendor's real host (`api.thoughtly.com`)
/// at that vendor's real paths, so a client whose base URL cannot change can be pointed here by
/// name resolution alone.
pub fn service(state: AppState) -> Router {
    rewrite_paths(app(state), |host, path| {
        vendors::ALL
            .iter()
            .find(|vendor| vendor.real_host.eq_ignore_ascii_case(host))
            .map(|vendor| format!("/{}{path}", vendor.slug))
    })
}

/// One vendor at the root of a port of its own, at its real paths (`--vendor-port`).
pub fn vendor_service(state: AppState, vendor: &'static vendors::VendorSpec) -> Router {
    rewrite_paths(app(state), move |_host, path| {
        Some(format!("/{}{path}", vendor.slug))
    })
}

/// Wraps `inner` so each request's path may be rewritten, from its host and path, before
/// routing (middleware inside a router runs after routing, so this router has only a fallback).
fn rewrite_paths(
    inner: Router,
    rewrite: impl Fn(&str, &str) -> Option<String> + Clone + Send + Sync + 'static,
) -> Router {
    Router::new()
        .fallback_service(inner)
        .layer(axum::middleware::map_request(
            move |mut request: Request| {
                let rewrite = rewrite.clone();
                async move {
                    let host = request
                        .headers()
                        .get(HOST)
                        .and_then(|value| value.to_str().ok())
                        .or_else(|| request.uri().host())
                        .unwrap_or_default();
                    let host = host.rsplit_once(':').map_or(host, |(name, _port)| name);
                    if let Some(path) = rewrite(host, request.uri().path()) {
                        let path_and_query = match request.uri().query() {
                            Some(query) => format!("{path}?{query}"),
                            None => path,
                        };
                        if let Ok(uri) = path_and_query.parse::<Uri>() {
                            *request.uri_mut() = uri;
                        }
                    }
                    request
                }
            },
        ))
}

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
