//! TailorTalk (seed 000): `get_contacts`, the agent's contacts newest first, paged by a
//! strictly-before `created_at` cursor, each contact's custom attributes flattened to top-level
//! keys; and from the vendor's API reference `get_leads` (paged the same way by
//! `last_message_time`, filtered by `lead_status`) and `mark_converted`.
//! `Authorization: Agent <token>` selects the agent.

use axum::Router;
use axum::routing::{get, post};

use crate::kit;
use crate::state::AppState;

kit::vendor!(
    TailorTalk,
    "tailortalk",
    "TailorTalk",
    "service.tailortalk.ai",
    seed::AgentLoader
);

fn routes() -> Router<AppState> {
    // Every known client POSTs; GET with the same JSON body is accepted too for the two
    // reads (a Choice). Any other method is the frame's 405.
    Router::new()
        .route(
            "/api/v1/get_contacts",
            get(handlers::get_contacts).post(handlers::get_contacts),
        )
        .route(
            "/api/v1/get_leads",
            get(handlers::get_leads).post(handlers::get_leads),
        )
        .route("/api/v1/mark_converted", post(handlers::mark_converted))
}
