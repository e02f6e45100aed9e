//! `x-api-token` and `team_id` together select the team every query is scoped to: both are
//! required, and a token only opens the team it was issued for. A team whose seed switches the
//! documented rate limit on is held to it.

use std::time::Duration;

use rusqlite::Connection;

use super::{Thoughtly, VENDOR};
use crate::http::auth::{CredentialScheme, Keys, Secret};
use crate::http::rate_limit::Limit;
use crate::kit::Tenancy;
use crate::tenancy;

/// The API token is the secret; the team id alone is no secret.
pub const CREDENTIALS: CredentialScheme = CredentialScheme {
    secret: Secret::Header("x-api-token"),
    selectors: &["team_id"],
};

/// The documented limit: 100 requests a minute. A token opens one team only, so counting per
/// token (the kit's key) is counting per team; each namespace counts on its own.
pub const RATE_LIMITS: [Limit; 1] = [Limit::per(100, Duration::from_secs(60))];

/// A team: the tenant a token and team id select together.
#[derive(Debug, Clone)]
pub struct Team {
    pub id: i64,
    pub rate_limited: bool,
}

impl Tenancy for Team {
    type Vendor = Thoughtly;

    fn find(conn: &Connection, keys: &Keys) -> rusqlite::Result<Option<Self>> {
        tenancy::find(conn, &VENDOR.seed.table, "rate_limit", keys, |row| {
            Ok(Self {
                id: row.get(0)?,
                rate_limited: row.get(1)?,
            })
        })
    }

    fn id(&self) -> i64 {
        self.id
    }

    fn limits(&self) -> &'static [Limit] {
        if self.rate_limited { &RATE_LIMITS } else { &[] }
    }
}
