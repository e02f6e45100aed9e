//! `x-api-key: <key>` resolves the workspace every query is scoped to.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::error::Error;
use super::queries;
use crate::http::auth::header_text;
use crate::state::AppState;
use crate::store::Db;

pub const API_KEY_HEADER: &str = "x-api-key";

/// The authenticated workspace and the database it lives in.
pub struct Workspace {
    pub id: i64,
    pub db: Db,
}

impl FromRequestParts<AppState> for Workspace {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let key = credential(&parts.headers).ok_or(Error::Unauthorized)?;
        let db = state.db(parts);
        let id = state.tenants().find(&db, format!("vambe:{key}"), |conn| {
            queries::workspace_by_key(conn, key)
        })?;
        id.map(|id| Self { id, db }).ok_or(Error::Unauthorized)
    }
}

/// The workspace key of `x-api-key`.
pub fn credential(headers: &HeaderMap) -> Option<&str> {
    header_text(headers, API_KEY_HEADER)
}
