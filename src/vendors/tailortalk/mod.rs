//! TailorTalk (seed 000): `get_contacts`, the agent's contacts newest first, paged by a
//! strictly-before `created_at` cursor, each contact's custom attributes flattened to top-level
//! keys. `Authorization: Agent <token>` selects the agent.

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
    slug: "tailortalk",
    name: "TailorTalk",
    real_host: "service.tailortalk.ai",
    schema: queries::SCHEMA,
    openapi: include_str!("../../../openapi/tailortalk.yaml"),
    routes,
    render_error: error::render_status,
    load_seed: seed::load,
    credential: auth::credential,
    credentials: queries::credentials,
};

fn routes() -> Router<AppState> {
    // Every known client POSTs; GET with the same JSON body is accepted too (CONTRACTS.md,
    // Choice). Any other method is the frame's 405.
    Router::new().route(
        "/api/v1/get_contacts",
        get(handlers::get_contacts).post(handlers::get_contacts),
    )
}
