//! TailorTalk (seed 000): `get_contacts`, the agent's contacts newest first, paged by a
//! strictly-before `created_at` cursor, each contact's custom attributes flattened to top-level
//! keys. `Authorization: Agent <token>` selects the agent.

use axum::Router;
use axum::routing::get;

use crate::contract::{ErrorStyle, Styled};
use crate::seed::Section;
use crate::state::{AppState, Vendor};

mod auth;
pub mod error;
mod handlers;
mod models;
mod queries;
mod seed;

/// Names TailorTalk in its errors.
pub struct TailorTalk;

impl Styled for TailorTalk {
    const ERRORS: &'static ErrorStyle = &error::ERRORS;
}

pub static VENDOR: Vendor = Vendor {
    slug: "tailortalk",
    name: "TailorTalk",
    real_host: "service.tailortalk.ai",
    schema: queries::SCHEMA,
    openapi: include_str!("../../../openapi/tailortalk.yaml"),
    routes,
    errors: &error::ERRORS,
    credentials: auth::CREDENTIALS,
    seed: Section {
        tenants: seed::TENANTS.list,
        load: seed::load,
    },
    tenants: queries::tenants,
};

fn routes() -> Router<AppState> {
    // Every known client POSTs; GET with the same JSON body is accepted too (CONTRACTS.md,
    // Choice). Any other method is the frame's 405.
    Router::new().route(
        "/api/v1/get_contacts",
        get(handlers::get_contacts).post(handlers::get_contacts),
    )
}
