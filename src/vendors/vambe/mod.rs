//! Vambe (seed 004): `GET /api/public/contacts`, "Get contacts by time filters", scoped to the
//! workspace whose API key is the `x-api-key` header, answered with a bare array paged by
//! `limit`/`offset` and ordered for incremental sync.

use axum::Router;
use axum::routing::get;

use crate::contract::{ErrorStyle, Styled};
use crate::seed::Section;
use crate::state::{AppState, Vendor};

mod auth;
pub mod error;
mod handlers;
pub mod models;
mod queries;
mod seed;

/// Names Vambe in its errors.
pub struct Vambe;

impl Styled for Vambe {
    const ERRORS: &'static ErrorStyle = &error::ERRORS;
}

pub static VENDOR: Vendor = Vendor {
    slug: "vambe",
    name: "Vambe",
    real_host: "api.vambe.me",
    schema: queries::SCHEMA,
    openapi: include_str!("../../../openapi/vambe.yaml"),
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
    Router::new().route("/api/public/contacts", get(handlers::list_contacts))
}
