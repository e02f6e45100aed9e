//! `/__admin`: Understudy's own control API (health, reset, seed, clock, tenants, journal,
//! faults, namespaces, snapshots), described by `openapi/admin.yaml`, which it serves.
//! Errors are `{"error":"…"}` with the status that fits.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::body::{BodyError, JsonBody};
use crate::http::query::QueryPairs;
use crate::http::with_error_shape;
use crate::seed::{SeedError, SeedSource};
use crate::state::AppState;
use crate::store::StoreError;
use crate::time::{ADMIN_TIME, Millis};

/// Errors of the admin API.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// 400: the request is malformed or names something invalid.
    #[error("{0}")]
    BadRequest(String),
    /// 404: no such document.
    #[error("{0}")]
    NotFound(String),
    /// 409: the request is valid but the current state refuses it (the fault rules are full).
    #[error("{0}")]
    Conflict(String),
    /// 413 / 400: the body could not be read as JSON.
    #[error(transparent)]
    Body(#[from] BodyError),
    /// 500: the store failed; the cause is logged.
    #[error("internal error")]
    Internal(String),
}

impl From<StoreError> for AdminError {
    fn from(error: StoreError) -> Self {
        Self::Internal(error.to_string())
    }
}

impl From<SeedError> for AdminError {
    fn from(error: SeedError) -> Self {
        match error {
            SeedError::Store(error) => error.into(),
            invalid => Self::BadRequest(invalid.to_string()),
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Body(BodyError::TooLarge) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Body(_) => StatusCode::BAD_REQUEST,
            Self::Internal(cause) => {
                tracing::error!(%cause, "admin request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        (status, axum::Json(json!({ "error": self.to_string() }))).into_response()
    }
}

type Result<T, E = AdminError> = std::result::Result<T, E>;

mod control;
pub mod guard;
mod ui;

/// This API's OpenAPI document, as kept in `openapi/admin.yaml`: written for a server with
/// `--admin-token` (see [`openapi_document`]).
pub const OPENAPI: &str = include_str!("../../openapi/admin.yaml");
/// The document's top-level requirement of the token, and what a server without a token
/// serves in its place.
const TOKEN_REQUIRED: &str = "\nsecurity:\n  - adminToken: []\n";
const NO_TOKEN_REQUIRED: &str = "\nsecurity: []\n";

/// The document as a server serves it: a server without `--admin-token` requires no credentials.
pub fn openapi_document(has_token: bool) -> String {
    if has_token {
        OPENAPI.to_owned()
    } else {
        OPENAPI.replacen(TOKEN_REQUIRED, NO_TOKEN_REQUIRED, 1)
    }
}

/// The admin routes, behind [`guard`] (the access rules of `state`'s `--admin-token`).
pub fn router(state: &AppState) -> Router<AppState> {
    let document = Bytes::from(openapi_document(state.admin_token().is_some()));
    let routes = Router::new()
        .route("/health", get(health))
        .route(
            "/openapi.yaml",
            get(move || async move { ([(CONTENT_TYPE, "application/yaml")], document) }),
        )
        .route("/reset", post(reset))
        .route("/seed", get(snapshot).post(seed))
        .route(
            "/clock",
            get(clock).put(freeze_clock).delete(unfreeze_clock),
        )
        .route("/openapi/{file}", get(openapi))
        .route(
            "/requests",
            get(control::list_requests).delete(control::clear_requests),
        )
        .route("/requests/count", get(control::count_requests))
        .route(
            "/faults",
            get(control::list_faults)
                .post(control::add_fault)
                .delete(control::clear_faults),
        )
        .route("/faults/{id}", delete(control::remove_fault))
        .route("/tenants", get(tenants))
        .route("/ui", get(ui::page))
        .route("/namespaces", get(control::list_namespaces))
        .route("/namespaces/{name}", delete(control::drop_namespace));
    let access = guard::AdminAccess::new(state.admin_token());
    with_error_shape(routes, render_status)
        .layer(axum::middleware::from_fn_with_state(access, guard::guard))
}

fn render_status(status: StatusCode) -> Response {
    let reason = status.canonical_reason().unwrap_or("error").to_lowercase();
    (status, axum::Json(json!({ "error": reason }))).into_response()
}

/// Readiness probe: answers once the seed is loaded (the server binds only after that), and
/// says whether the seed's search indexes are built yet (searches answer the same either way).
async fn health(State(state): State<AppState>) -> axum::Json<Value> {
    let search = if state.search_ready() {
        "ready"
    } else {
        "indexing"
    };
    axum::Json(json!({ "status": "ok", "search": search }))
}

/// `GET /__admin/tenants`: per vendor, each tenant with the request headers that authenticate
/// as it (what the start-up banner prints), in seed order.
async fn tenants(State(state): State<AppState>) -> Result<axum::Json<Value>> {
    let listed = blocking(move || state.tenants().map_err(AdminError::from)).await?;
    let vendors: Vec<Value> = listed
        .into_iter()
        .map(|(vendor, tenants)| {
            let tenants: Vec<Value> = tenants
                .into_iter()
                .map(|tenant| {
                    let headers: serde_json::Map<String, Value> = vendor
                        .credentials
                        .headers(&tenant.keys)
                        .into_iter()
                        .map(|(name, value)| (name, Value::String(value)))
                        .collect();
                    json!({ "headers": headers, "note": tenant.note })
                })
                .collect();
            json!({
                "slug": vendor.slug,
                "name": vendor.name,
                "base_path": format!("/{}", vendor.slug),
                "tenants": tenants,
            })
        })
        .collect();
    Ok(axum::Json(json!({ "vendors": vendors })))
}

/// Puts the data back to exactly what the seed files produced: the default namespace's, or
/// with `?namespace=<name>` that namespace's.
async fn reset(State(state): State<AppState>, query: QueryPairs) -> Result<axum::Json<Value>> {
    let namespace = query_namespace(&query)?;
    let missing = namespace.clone();
    let found =
        blocking(move || state.reset(namespace.as_deref()).map_err(AdminError::from)).await?;
    if !found {
        return Err(AdminError::NotFound(format!(
            "no namespace `{}`",
            missing.unwrap_or_default()
        )));
    }
    Ok(axum::Json(json!({ "status": "ok" })))
}

/// Replaces all data with the seed document in the body.
async fn seed(
    State(state): State<AppState>,
    JsonBody(body, _): JsonBody<AdminError>,
) -> Result<axum::Json<Value>> {
    let document =
        body.ok_or_else(|| AdminError::BadRequest("a seed document is required".into()))?;
    let source = SeedSource {
        name: "POST /__admin/seed".into(),
        text: document.to_string(),
    };
    blocking(move || state.reseed(source).map_err(AdminError::from)).await?;
    Ok(axum::Json(json!({ "status": "ok" })))
}

/// `GET /__admin/seed[?namespace=<name>]`: the data of the default namespace, or of that
/// namespace, as a seed document that `POST /__admin/seed` (or `--seed`) loads back into the
/// same data.
async fn snapshot(State(state): State<AppState>, query: QueryPairs) -> Result<Response> {
    let namespace = query_namespace(&query)?;
    match state.snapshot(namespace.as_deref()).await? {
        Some(document) => Ok(([(CONTENT_TYPE, "application/json")], document).into_response()),
        None => Err(AdminError::NotFound(format!(
            "no namespace `{}`",
            namespace.unwrap_or_default()
        ))),
    }
}

/// `GET /__admin/clock[?namespace=<name>]`: the default clock, or that namespace's.
async fn clock(State(state): State<AppState>, query: QueryPairs) -> Result<axum::Json<Value>> {
    let namespace = query_namespace(&query)?;
    Ok(axum::Json(clock_body(&state, namespace.as_deref())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FreezeClock {
    now: Millis,
}

/// The most namespaces that may hold a frozen clock of their own at once.
const MAX_NAMESPACE_CLOCKS: usize = 10_000;

/// `PUT /__admin/clock[?namespace=<name>]`: freezes that clock at the given instant.
async fn freeze_clock(
    State(state): State<AppState>,
    query: QueryPairs,
    JsonBody(body, _): JsonBody<AdminError>,
) -> Result<axum::Json<Value>> {
    let namespace = query_namespace(&query)?;
    let body = body.unwrap_or(Value::Null);
    let FreezeClock { now } = serde_json::from_value(body).map_err(|error| {
        AdminError::BadRequest(format!(
            "expected {{\"now\": \"<RFC 3339 instant>\"}}: {error}"
        ))
    })?;
    if namespace.is_some() && state.clock().namespace_clocks() >= MAX_NAMESPACE_CLOCKS {
        return Err(AdminError::BadRequest(format!(
            "namespace: at most {MAX_NAMESPACE_CLOCKS} namespaces may freeze their own clock; \
             release some first (DELETE /__admin/clock?namespace=<name>)"
        )));
    }
    state.clock().freeze(namespace.as_deref(), Some(now));
    Ok(axum::Json(clock_body(&state, namespace.as_deref())))
}

/// `DELETE /__admin/clock[?namespace=<name>]`: the default clock runs again; a namespace's
/// follows the default clock again.
async fn unfreeze_clock(
    State(state): State<AppState>,
    query: QueryPairs,
) -> Result<axum::Json<Value>> {
    let namespace = query_namespace(&query)?;
    state.clock().freeze(namespace.as_deref(), None);
    Ok(axum::Json(clock_body(&state, namespace.as_deref())))
}

/// The `namespace` a call names: `None` for the default one; an unusable name is a 400.
fn query_namespace(query: &QueryPairs) -> Result<Option<String>> {
    let Some(name) = query.get("namespace") else {
        return Ok(None);
    };
    crate::control::namespace_name(name)
        .map_err(|error| AdminError::BadRequest(format!("namespace: {error}")))
}

fn clock_body(state: &AppState, namespace: Option<&str>) -> Value {
    let clock = state.clock();
    json!({
        "now": ADMIN_TIME.render(clock.now(namespace)),
        "frozen": clock.frozen(namespace).is_some(),
    })
}

/// `GET /__admin/openapi/<slug>.yaml`: the vendor's OpenAPI document (`getVendorOpenApi`).
async fn openapi(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response> {
    let vendor = file
        .strip_suffix(".yaml")
        .and_then(|slug| state.vendor(slug))
        .ok_or_else(|| AdminError::NotFound(format!("no OpenAPI document `{file}`")))?;
    Ok(([(CONTENT_TYPE, "application/yaml")], vendor.openapi).into_response())
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| AdminError::Internal(error.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_requires_the_token_once_and_a_server_without_one_serves_it_without() {
        assert_eq!(OPENAPI.matches(TOKEN_REQUIRED).count(), 1);
        assert_eq!(openapi_document(true), OPENAPI);
        let open = openapi_document(false);
        assert!(!open.contains(TOKEN_REQUIRED), "{open}");
        assert_eq!(open.matches(NO_TOKEN_REQUIRED).count(), 1);
    }
}
