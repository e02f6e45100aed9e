//! Thoughtly (seed 002): `GET /contact` with tag filters, search, sorting and 0-based pages,
//! plus `POST /contact/create`, `GET` and `DELETE /contact/{contact_id}` and
//! `POST /contact/call` (stored, never dialled), scoped to the team that the `x-api-token` and
//! `team_id` headers name together, in the `{"data":…,"error":…}` envelope, under the
//! documented 100-a-minute limit when the team's seed switches it on.

use axum::Router;
use axum::routing::{get, post};

use crate::kit;
use crate::state::AppState;

kit::vendor!(
    Thoughtly,
    "thoughtly",
    "Thoughtly",
    "api.thoughtly.com",
    seed::TeamLoader
);

fn routes() -> Router<AppState> {
    Router::new()
        .route("/contact", get(handlers::list_contacts))
        .route("/contact/create", post(handlers::create_contact))
        // Static segments win over `{contact_id}`: `create` and `call` are never read as ids.
        .route("/contact/call", post(handlers::call_contact))
        .route(
            "/contact/{contact_id}",
            get(handlers::get_contact).delete(handlers::delete_contact),
        )
}
