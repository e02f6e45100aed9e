//! Vambe (seed 004): `GET /api/public/contacts`, "Get contacts by time filters", scoped to the
//! workspace whose API key is the `x-api-key` header, answered with a bare array paged by
//! `limit`/`offset` and ordered for incremental sync.

use axum::Router;
use axum::routing::get;

use crate::state::AppState;
use crate::vendors::VendorSpec;

mod auth;
pub mod error;
mod handlers;
pub mod models;
mod queries;
mod seed;

pub use auth::API_KEY_HEADER;

pub static VENDOR: VendorSpec = VendorSpec {
    slug: "vambe",
    name: "Vambe",
    real_host: "api.vambe.me",
    schema: queries::SCHEMA,
    openapi: include_str!("../../../openapi/vambe.yaml"),
    routes,
    render_error: error::render_status,
    load_seed: seed::load,
    credential: auth::credential,
    credentials: queries::credentials,
};

fn routes() -> Router<AppState> {
    Router::new().route("/api/public/contacts", get(handlers::list_contacts))
}
