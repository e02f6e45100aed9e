//! `Authorization: Bearer <company API key>` resolves the company every query is scoped to.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::error::Error;
use super::queries;
use crate::http::auth::authorization_token;
use crate::state::AppState;
use crate::store::Db;

/// The authenticated company and the database it lives in.
pub struct Company {
    pub id: i64,
    pub db: Db,
}

impl FromRequestParts<AppState> for Company {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let key = credential(&parts.headers).ok_or(Error::Unauthorized)?;
        let db = state.db(parts);
        let id = state
            .tenants()
            .find(&db, format!("autokonnect:{key}"), |conn| {
                queries::company_by_key(conn, key)
            })?;
        id.map(|id| Self { id, db }).ok_or(Error::Unauthorized)
    }
}

/// The company API key of `Authorization: Bearer <key>`.
pub fn credential(headers: &HeaderMap) -> Option<&str> {
    authorization_token(headers, "Bearer")
}
