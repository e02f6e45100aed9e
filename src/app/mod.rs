//! The whole application: every vendor's router under its slug, each wrapped in the test-control
//! middleware and given its own error shape, plus the admin API; and the ways of reaching it
//! (the vendors' real host names, a vendor's own port), each with its recorded answers replayed
//! in front.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::HOST;
use axum::http::{StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};

use crate::http::body::MAX_BODY_BYTES;
use crate::http::with_error_shape;
use crate::state::{AppState, StartError, StateOptions, Vendor};
use crate::{admin, vendors};

mod control;
mod replay;

/// The log target of the one line each vendor request logs (see `cli::logging`).
pub const REQUEST_LOG: &str = "understudy::requests";

impl AppState {
    /// The state for every vendor in [`vendors::ALL`]; see [`AppState::with_vendors`].
    // Defined here, above the list of vendors, so the state itself never depends on it.
    pub fn build(options: StateOptions) -> Result<Self, StartError> {
        Self::with_vendors(vendors::ALL, options)
    }
}

/// Every vendor under `/<slug>`, the admin API under `/__admin`.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new().nest("/__admin", admin::router(&state));
    for vendor in state.vendors() {
        router = router.nest(&format!("/{}", vendor.slug), vendor_router(vendor, &state));
    }
    router
        .fallback(unknown_path)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// A vendor's routes with its unknown-path 404 and its 405s in its own error shape, under the
/// test-control middleware (namespaces, body, faults, journal).
fn vendor_router(vendor: &'static Vendor, state: &AppState) -> Router<AppState> {
    let errors = vendor.errors;
    with_error_shape((vendor.routes)(), move |status| errors.status(status)).layer(
        from_fn_with_state((state.clone(), vendor), control::control),
    )
}

/// An unknown path: the vendor's own 404 when it starts with a vendor's slug (`/autokonnect/`
/// reaches here, not the nested router), else a note on where the vendors are.
async fn unknown_path(
    axum::extract::State(state): axum::extract::State<AppState>,
    uri: Uri,
) -> Response {
    let first_segment = uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    if let Some(vendor) = state.vendor(first_segment) {
        return vendor.errors.status(StatusCode::NOT_FOUND);
    }
    let prefixes: Vec<String> = state
        .vendors()
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
    let vendors = state.vendors();
    rewrite_paths(state, move |host, path| {
        vendors
            .iter()
            .find(|vendor| vendor.real_host.eq_ignore_ascii_case(host))
            .map(|vendor| format!("/{}{path}", vendor.slug))
    })
}

/// One vendor at the root of a port of its own, at its real paths (`--vendor-port`).
pub fn vendor_service(state: AppState, vendor: &'static Vendor) -> Router {
    rewrite_paths(state, move |_host, path| {
        Some(format!("/{}{path}", vendor.slug))
    })
}

/// [`app`] with each request's path rewritten, from its host and path, before routing, and
/// recorded answers replayed before that (middleware inside a router runs after routing, so
/// this router has only a fallback).
fn rewrite_paths(
    state: AppState,
    rewrite: impl Fn(&str, &str) -> Option<String> + Clone + Send + Sync + 'static,
) -> Router {
    let replay = replay::ReplayLayer::new(state.clone());
    Router::new()
        .fallback_service(app(state))
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
        .layer(replay)
}
