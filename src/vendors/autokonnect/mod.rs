//! AutoKonnect (seed 003): `GET /api/v1/contacts` and `GET /api/v1/contacts/tags`, scoped to the
//! company whose API key is the Bearer token, paged 1-based in the
//! `{data,currentPage,totalPages,totalRecords}` envelope.

use axum::Router;
use axum::routing::get;

use crate::state::AppState;
use crate::vendors::VendorSpec;

mod auth;
pub mod error;
mod handlers;
mod models;
mod queries;
mod seed;

pub static VENDOR: VendorSpec = VendorSpec {
    slug: "autokonnect",
    name: "AutoKonnect",
    real_host: "api.autokonnect.com",
    schema: queries::SCHEMA,
    openapi: include_str!("../../../openapi/autokonnect.yaml"),
    routes,
    render_error: error::render_status,
    load_seed: seed::load,
    credential: auth::credential,
    credentials: queries::credentials,
};

fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/contacts", get(handlers::list_contacts))
        .route("/api/v1/contacts/tags", get(handlers::list_tags))
}
