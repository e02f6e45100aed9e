//! Vambe's one operation (seed 004, "Get contacts by time filters").

use axum::extract::State;

use super::auth::Workspace;
use super::error::Error;
use super::models::ListParams;
use super::queries;
use crate::http::cache::JsonBytes;
use crate::http::query::QueryPairs;
use crate::state::AppState;

/// `GET /api/public/contacts`: the workspace's contacts matching the time, stage, pipeline and
/// custom-field filters, as a bare array.
pub async fn list_contacts(
    workspace: Workspace,
    State(state): State<AppState>,
    query: QueryPairs,
) -> Result<JsonBytes, Error> {
    // "Last N days" follows the server's clock, so a frozen clock gives exact answers.
    let params =
        ListParams::parse(&query, state.clock().window_end()).map_err(Error::Validation)?;
    let request = format!("vambe:contacts:{}:{params:?}", workspace.id);
    let contacts = state
        .answers()
        .json(&workspace.db, request, move |conn| {
            queries::contacts(conn, workspace.id, &params)
        })
        .await?;
    Ok(contacts)
}
