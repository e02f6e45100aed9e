//! AutoKonnect (seed 003): `GET /api/v1/contacts` and `GET /api/v1/contacts/tags`, scoped to the
//! company whose API key is the Bearer token, paged 1-based in the
//! `{data,currentPage,totalPages,totalRecords}` envelope.

use axum::Router;
use axum::routing::get;

use crate::kit;
use crate::state::AppState;

kit::vendor!(
    AutoKonnect,
    "autokonnect",
    "AutoKonnect",
    "api.autokonnect.com",
    seed::CompanyLoader
);

fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/contacts", get(handlers::list_contacts))
        .route("/api/v1/contacts/tags", get(handlers::list_tags))
}
