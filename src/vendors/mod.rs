//! The one list of emulated vendors. Each vendor is a folder below this one that exports a
//! [`VendorSpec`]; adding a vendor is adding its folder and one line to [`ALL`].

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use rusqlite::Connection;
use serde_json::Value;

use crate::control;
use crate::http::with_error_shape;
use crate::seed::{SeedContext, SeedError};
use crate::state::AppState;

pub mod agentclara;
pub mod autokonnect;
pub mod tailortalk;
pub mod thoughtly;
pub mod vambe;

/// Every vendor, mounted under `/<slug>` in this order.
pub static ALL: &[&VendorSpec] = &[
    &tailortalk::VENDOR,
    &agentclara::VENDOR,
    &thoughtly::VENDOR,
    &autokonnect::VENDOR,
    &vambe::VENDOR,
];

/// What the frame needs to know of a vendor.
pub struct VendorSpec {
    /// Path prefix and seed section name.
    pub slug: &'static str,
    /// The vendor's own name, for people.
    pub name: &'static str,
    /// The host the real API is served from.
    pub real_host: &'static str,
    /// SQL creating the vendor's tables and indexes (idempotent).
    pub schema: &'static str,
    /// The vendor's OpenAPI document, served at `/__admin/openapi/<slug>.yaml`.
    pub openapi: &'static str,
    /// The vendor's routes at their real paths, without the slug prefix.
    pub routes: fn() -> Router<AppState>,
    /// The vendor's error body for a bare status (404 unknown path, 405, faults, …).
    pub render_error: fn(StatusCode) -> Response,
    /// Loads the vendor's seed section.
    pub load_seed: fn(&SeedContext<'_>, &Value) -> Result<(), SeedError>,
    /// The credential a request carries (token or key, without a scheme), if any; fault rules
    /// match tenants by it and the journal shows it masked.
    pub credential: fn(&HeaderMap) -> Option<&str>,
    /// One line per tenant with the headers that authenticate as it (`; `-separated, a note
    /// after `  # ` if any), for the start-up banner.
    pub credentials: fn(&Connection) -> rusqlite::Result<Vec<String>>,
}

/// A vendor's routes with its unknown-path 404 and its 405s in its own error shape, under the
/// test-control middleware (namespaces, faults, journal).
pub fn router(vendor: &'static VendorSpec, state: &AppState) -> Router<AppState> {
    with_error_shape((vendor.routes)(), vendor.render_error).layer(from_fn_with_state(
        (state.clone(), vendor),
        control::control,
    ))
}

/// The vendor whose slug is `slug`.
pub fn by_slug(slug: &str) -> Option<&'static VendorSpec> {
    ALL.iter().copied().find(|vendor| vendor.slug == slug)
}

impl std::fmt::Debug for VendorSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VendorSpec")
            .field("slug", &self.slug)
            .finish_non_exhaustive()
    }
}
