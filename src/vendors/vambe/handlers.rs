//! Vambe's operations: "Get contacts by time filters" (seed 004) and the pipelines list (the
//! vendor's API reference).

use super::auth::Workspace;
use super::{Error, Result};
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
) -> Result<JsonBytes> {
    // "Last N days" follows the server's clock, so a frozen clock gives exact answers.
    let params = ListParams::parse(&query, || workspace.window_end()).map_err(Error::fields)?;
    workspace
        .answer_found(params, |conn, workspace, params| {
            queries::contacts(conn, workspace.id, params)
        })
        .await
}

/// `GET /api/public/pipeline`: the workspace's pipelines with their stages, as a bare array in
/// seed order. It takes no parameters; any query is ignored.
pub async fn list_pipelines(workspace: Tenant<Workspace>) -> Result<JsonBytes> {
    workspace
        .answer_found(ListPipelines, |conn, workspace, _| {
            queries::pipelines(conn, workspace.id)
        })
        .await
}

/// The parsed request of `GET /api/public/pipeline`: there is nothing to it but the tenant.
#[derive(Clone, PartialEq, Eq, Hash)]
struct ListPipelines;
