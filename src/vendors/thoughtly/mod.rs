//! Thoughtly (seed 002): `GET /contact` with tag filters, search, sorting and 0-based pages,
//! plus `POST /contact/create` and `DELETE /contact/{contact_id}`, scoped to the team that the
//! `x-api-token` and `team_id` headers name together, in the `{"data":…,"error":…}` envelope.

use axum::Router;
use axum::routing::{delete, get, post};

use crate::contract::{ErrorStyle, Styled};
use crate::seed::Section;
use crate::state::{AppState, Vendor};

mod auth;
pub mod error;
mod handlers;
mod models;
mod queries;
mod seed;

/// Names Thoughtly in its errors.
pub struct Thoughtly;

impl Styled for Thoughtly {
    const ERRORS: &'static ErrorStyle = &error::ERRORS;
}

pub static VENDOR: Vendor = Vendor {
    slug: "thoughtly",
    name: "Thoughtly",
    real_host: "api.thoughtly.com",
    schema: queries::SCHEMA,
    openapi: include_str!("../../../openapi/thoughtly.yaml"),
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
        .route("/contact", get(handlers::list_contacts))
        .route("/contact/create", post(handlers::create_contact))
        .route("/contact/{contact_id}", delete(handlers::delete_contact))
}
