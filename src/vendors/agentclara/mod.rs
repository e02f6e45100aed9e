//! AgentClara (seed 001): a stateful contacts resource under `/contacts` — list, search, get,
//! create, update (PUT and PATCH), delete and a contact's conversations — scoped to the account
//! whose API key is the Bearer token, in the `{"success":…,"data":…}` envelope.

use axum::Router;
use axum::routing::get;

use crate::kit;
use crate::state::AppState;

kit::vendor!(
    AgentClara,
    "agentclara",
    "AgentClara",
    "api.agentclara.app",
    seed::AccountLoader
);

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
