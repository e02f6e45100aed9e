//! TailorTalk (seed 000): `get_contacts`, the agent's contacts newest first, paged by a
//! strictly-before `created_at` cursor, each contact's custom attributes flattened to top-level
//! keys. `Authorization: Agent <token>` selects the agent.

use axum::Router;
use axum::routing::get;

use crate::kit;
use crate::state::AppState;

kit::vendor!(TailorTalk, "tailortalk", seed::Agents);

/// The vendor's own name, for people.
const NAME: &str = "TailorTalk";
/// The host the real API is served from.
const REAL_HOST: &str = "service.tailortalk.ai";

fn routes() -> Router<AppState> {
    // Every known client POSTs; GET with the same JSON body is accepted too (a
    // Choice). Any other method is the frame's 405.
    Router::new().route(
        "/api/v1/get_contacts",
        get(handlers::get_contacts).post(handlers::get_contacts),
    )
}
