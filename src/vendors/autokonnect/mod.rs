//! AutoKonnect (seed 003): `GET /api/v1/contacts` and `GET /api/v1/contacts/tags`, scoped to the
//! company whose API key is the Bearer token, paged 1-based in the
//! `{data,currentPage,totalPages,totalRecords}` envelope.

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

/// Names AutoKonnect in its errors.
pub struct AutoKonnect;

impl Styled for AutoKonnect {
    const ERRORS: &'static ErrorStyle = &error::ERRORS;
}

pub static VENDOR: Vendor = Vendor {
    slug: "autokonnect",
    name: "AutoKonnect",
    real_host: "api.autokonnect.com",
    schema: queries::SCHEMA,
    openapi: include_str!("../../../openapi/autokonnect.yaml"),
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
    Router::new()
        .route("/api/v1/contacts", get(handlers::list_contacts))
        .route("/api/v1/contacts/tags", get(handlers::list_tags))
}
