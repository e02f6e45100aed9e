//! `Authorization: Agent <token>` resolves the agent every query is scoped to.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::error::Error;
use super::models::Envelope;
use super::queries;
use crate::http::auth::authorization_token;
use crate::state::AppState;
use crate::store::Db;

/// The authenticated agent, how its answers are enveloped, and the database it lives in.
pub struct Agent {
    pub id: i64,
    pub envelope: Envelope,
    pub db: Db,
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = credential(&parts.headers).ok_or(Error::Unauthorized)?;
        let db = state.db(parts);
        let agent = state
            .tenants()
            .find(&db, format!("tailortalk:{token}"), |conn| {
                queries::agent_by_token(conn, token)
            })?;
        agent
            .map(|(id, envelope)| Self { id, envelope, db })
            .ok_or(Error::Unauthorized)
    }
}

/// The agent token of `Authorization: Agent <token>`.
pub fn credential(headers: &HeaderMap) -> Option<&str> {
    authorization_token(headers, "Agent")
}
