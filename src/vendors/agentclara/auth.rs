//! `Authorization: Bearer <API key>` resolves the account every query is scoped to, and applies
//! the account's rate limit when its seed switches it on.

use std::time::Duration;

use axum::extract::{FromRequestParts, Path};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::error::Error;
use super::queries;
use crate::http::auth::authorization_token;
use crate::http::rate_limit::{Limit, retry_after_seconds};
use crate::state::AppState;
use crate::store::Db;

/// The documented limits per API key: 1,000 a minute, with bursts of at most 100 in 10 s.
pub const RATE_LIMITS: [Limit; 2] = [
    Limit::per(1_000, Duration::from_secs(60)),
    Limit::per(100, Duration::from_secs(10)),
];

/// The authenticated account and the database it lives in.
pub struct Account {
    pub id: i64,
    pub db: Db,
}

impl FromRequestParts<AppState> for Account {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let key = credential(&parts.headers).ok_or(Error::Unauthorized)?;
        let db = state.db(parts);
        let (id, rate_limited) = state
            .tenants()
            .find(&db, format!("agentclara:{key}"), |conn| {
                queries::account_by_key(conn, key)
            })?
            .ok_or(Error::Unauthorized)?;
        if rate_limited {
            state
                .rate_limiter()
                .check(&format!("agentclara:{key}"), &RATE_LIMITS)
                .map_err(|wait| Error::RateLimited {
                    retry_after_seconds: retry_after_seconds(wait),
                })?;
        }
        Ok(Self { id, db })
    }
}

/// The API key of `Authorization: Bearer <key>`.
pub fn credential(headers: &HeaderMap) -> Option<&str> {
    authorization_token(headers, "Bearer")
}

/// The `{contact_id}` path segment. It cannot fail: a segment that is not even valid UTF-8
/// names no contact, so it is answered like any unknown id (404).
pub struct ContactId(pub String);

impl FromRequestParts<AppState> for ContactId {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Self(id))
            .map_err(|_| Error::ContactNotFound)
    }
}
