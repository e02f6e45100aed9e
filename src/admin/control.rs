//! `/__admin/requests`, `/__admin/faults`, `/__admin/namespaces`: the journal, fault rules and
//! namespaces of the test-control layer.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{AdminError, Result};
use crate::control::faults::{RuleSpec, RuleView};
use crate::control::glob::Glob;
use crate::control::journal::{Entry, Filter};
use crate::http::body::JsonBody;
use crate::http::query::QueryPairs;
use crate::state::AppState;
use crate::time::{ADMIN_TIME, Millis};

/// How many entries `GET /__admin/requests` returns without `limit`.
const DEFAULT_REQUEST_LIMIT: usize = 100;

/// The journal filters shared by list and count: `vendor`, `method`, `path` (glob), `status`,
/// `since` (RFC 3339), `namespace`, `tenant` (masked, as listed), `before` (an entry id: only
/// older entries, for paging).
fn journal_filter(query: &QueryPairs) -> Result<Filter> {
    let text = |key: &str| query.get(key).filter(|v| !v.is_empty()).map(str::to_owned);
    let status =
        match query.get("status") {
            Some(value) => Some(value.parse::<u16>().map_err(|_| {
                AdminError::BadRequest("status: must be an HTTP status code".into())
            })?),
            None => None,
        };
    let since = match query.get("since") {
        Some(value) => Some(Millis::parse(value).ok_or_else(|| {
            AdminError::BadRequest("since: must be an RFC 3339 timestamp".into())
        })?),
        None => None,
    };
    let path = text("path")
        .map(|pattern| Glob::new(&pattern))
        .transpose()
        .map_err(|error| AdminError::BadRequest(format!("path: {error}")))?;
    let before =
        match query.get("before") {
            Some(value) => Some(value.parse::<u64>().map_err(|_| {
                AdminError::BadRequest("before: must be a journal entry id".into())
            })?),
            None => None,
        };
    Ok(Filter {
        vendor: text("vendor"),
        method: text("method"),
        path,
        status,
        since,
        namespace: text("namespace"),
        tenant: text("tenant"),
        before,
    })
}

/// `GET /__admin/requests`: matching journal entries, newest first.
pub async fn list_requests(
    State(state): State<AppState>,
    query: QueryPairs,
) -> Result<Json<Value>> {
    let filter = journal_filter(&query)?;
    let limit = match query.get("limit") {
        Some(value) => value
            .parse::<usize>()
            .ok()
            .filter(|limit| *limit > 0)
            .ok_or_else(|| AdminError::BadRequest("limit: must be a positive integer".into()))?,
        None => DEFAULT_REQUEST_LIMIT,
    };
    let found = state.journal().find(&filter, limit);
    let requests: Vec<&Entry> = found.iter().map(Arc::as_ref).collect();
    Ok(Json(json!({ "requests": requests })))
}

/// `GET /__admin/requests/count`: how many journal entries match.
pub async fn count_requests(
    State(state): State<AppState>,
    query: QueryPairs,
) -> Result<Json<Value>> {
    let filter = journal_filter(&query)?;
    Ok(Json(json!({ "count": state.journal().count(&filter) })))
}

/// `DELETE /__admin/requests`: empties the journal.
pub async fn clear_requests(State(state): State<AppState>) -> Json<Value> {
    state.journal().clear();
    Json(json!({ "status": "ok" }))
}

/// `POST /__admin/faults`: adds a rule; 201 with the rule and its id.
pub async fn add_fault(
    State(state): State<AppState>,
    JsonBody(body, _): JsonBody<AdminError>,
) -> Result<(StatusCode, Json<RuleView>)> {
    let body =
        body.ok_or_else(|| AdminError::BadRequest("body: a fault rule is required".into()))?;
    let vendors: Vec<&str> = state.vendors().iter().map(|vendor| vendor.slug).collect();
    let rule = RuleSpec::parse(&body, &vendors)
        .map_err(|error| AdminError::BadRequest(error.to_string()))?;
    let added = state
        .faults()
        .add(rule)
        .map_err(|full| AdminError::Conflict(full.to_string()))?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// `GET /__admin/faults`: the rules, with how often each fired.
pub async fn list_faults(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "faults": state.faults().list() }))
}

/// `DELETE /__admin/faults/{id}`.
pub async fn remove_fault(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let removed = id.parse::<u64>().is_ok_and(|id| state.faults().remove(id));
    if !removed {
        return Err(AdminError::NotFound(format!("no fault rule `{id}`")));
    }
    Ok(Json(json!({ "status": "ok" })))
}

/// `DELETE /__admin/faults`: removes every rule.
pub async fn clear_faults(State(state): State<AppState>) -> Json<Value> {
    state.faults().clear();
    Json(json!({ "status": "ok" }))
}

/// `GET /__admin/namespaces`: the namespaces in use, by name, each with the bytes of data it
/// holds of its own (0 until its first write) and its last use (real time):
/// `{"namespaces":[{"name":"a","bytes":123456,"last_used":"2026-01-15T12:00:00.000Z"}]}`.
pub async fn list_namespaces(State(state): State<AppState>) -> Result<Json<Value>> {
    // Idle namespaces are dropped first, and closing their databases is blocking work.
    let listed = tokio::task::spawn_blocking(move || state.namespaces())
        .await
        .map_err(|error| AdminError::Internal(error.to_string()))?;
    let namespaces: Vec<Value> = listed
        .into_iter()
        .map(|namespace| {
            json!({
                "name": namespace.name,
                "bytes": namespace.bytes,
                "last_used": ADMIN_TIME.render(namespace.last_used),
            })
        })
        .collect();
    Ok(Json(json!({ "namespaces": namespaces })))
}

/// `DELETE /__admin/namespaces/{name}`: drops a namespace; its next use starts from the seed.
pub async fn drop_namespace(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Value>> {
    let dropped = {
        let name = name.clone();
        // Closing the namespace's database is blocking work.
        tokio::task::spawn_blocking(move || state.drop_namespace(&name))
            .await
            .map_err(|error| AdminError::Internal(error.to_string()))?
    };
    if !dropped {
        return Err(AdminError::NotFound(format!("no namespace `{name}`")));
    }
    Ok(Json(json!({ "status": "ok" })))
}
