//! Vambe's one operation (seed 004, "Get contacts by time filters").

use super::auth::Workspace;
use super::error::Error;
use super::models::ListParams;
use super::queries;
use crate::http::cache::JsonBytes;
use crate::http::query::QueryPairs;
use crate::kit::Tenant;

/// `GET /api/public/contacts`: the workspace's contacts matching the time, stage, pipeline and
/// custom-field filters, as a bare array.
pub async fn list_contacts(
    workspace: Tenant<Workspace>,
    query: QueryPairs,
) -> Result<JsonBytes, Error> {
    // "Last N days" follows the server's clock, so a frozen clock gives exact answers.
    let params = ListParams::parse(&query, workspace.window_end()).map_err(Error::fields)?;
    workspace
        .answer_found(params, |conn, workspace, params| {
            queries::contacts(conn, workspace.id, params)
        })
        .await
}
