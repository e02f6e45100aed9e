//! `x-api-token` and `team_id` together resolve the team every query is scoped to: both are
//! required, and a token only opens the team it was issued for.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::error::Error;
use super::queries;
use crate::http::auth::header_text;
use crate::state::AppState;
use crate::store::Db;

pub const TOKEN_HEADER: &str = "x-api-token";
pub const TEAM_HEADER: &str = "team_id";

/// The authenticated team and the database it lives in.
pub struct Team {
    pub id: i64,
    pub db: Db,
}

impl FromRequestParts<AppState> for Team {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let (Some(token), Some(team_id)) = (
            credential(&parts.headers),
            header_text(&parts.headers, TEAM_HEADER),
        ) else {
            return Err(Error::MissingCredentials);
        };
        let db = state.db(parts);
        let id = state
            .tenants()
            .find(&db, format!("thoughtly:{token}:{team_id}"), |conn| {
                queries::team_by_credentials(conn, token, team_id)
            })?;
        id.map(|id| Self { id, db })
            .ok_or(Error::InvalidCredentials)
    }
}

/// The API token of `x-api-token` (the team id alone is no secret).
pub fn credential(headers: &HeaderMap) -> Option<&str> {
    header_text(headers, TOKEN_HEADER)
}
