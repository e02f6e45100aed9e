//! AgentClara (seed 001): a stateful contacts resource under `/contacts` — list, search, get,
//! create, update (PUT and PATCH), delete and a contact's conversations — scoped to the account
//! whose API key is the Bearer token, in the `{"success":…,"data":…}` envelope.

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

/// Names AgentClara in its errors.
pub struct AgentClara;

impl Styled for AgentClara {
    const ERRORS: &'static ErrorStyle = &error::ERRORS;
}

pub static VENDOR: Vendor = Vendor {
    slug: "agentclara",
    name: "AgentClara",
    real_host: "api.agentclara.app",
    schema: queries::SCHEMA,
    openapi: include_str!("../../../openapi/agentclara.yaml"),
    routes,
    errors: &error::ERRORS,
    credentials: auth::CREDENTIALS,
    seed: Section {
        tenants: seed::TENANTS.list,
        load: seed::load,
    },
    tenants: queries::tenants,
};

/// `/contacts/search` is a static segment, so the router prefers it to `{contact_id}`: no
/// contact id is ever read from it.
fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/contacts",
            get(handlers::list_contacts).post(handlers::create_contact),
        )
        .route("/contacts/search", get(handlers::search_contacts))
        .route(
            "/contacts/{contact_id}",
            get(handlers::get_contact)
                .put(handlers::update_contact)
                .patch(handlers::update_contact)
                .delete(handlers::delete_contact),
        )
        .route(
            "/contacts/{contact_id}/conversations",
            get(handlers::list_conversations),
        )
}
