//! Vambe (seed 004): `GET /api/public/contacts`, "Get contacts by time filters", answered with
//! a bare array paged by `limit`/`offset` and ordered for incremental sync, and
//! `GET /api/public/pipeline`, the pipelines and stages that name a contact's stage; both scoped
//! to the workspace whose API key is the `x-api-key` header.

use axum::Router;
use axum::routing::get;

use crate::kit;
use crate::state::AppState;

kit::vendor!(
    Vambe,
    "vambe",
    "Vambe",
    "api.vambe.me",
    seed::WorkspaceLoader
);

fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/public/contacts", get(handlers::list_contacts))
        .route("/api/public/pipeline", get(handlers::list_pipelines))
}
