//! `Authorization: Bearer <API key>` selects the account every query is scoped to; an account
//! whose seed switches the documented rate limit on is held to it.

use std::time::Duration;

use rusqlite::Connection;

use super::{AgentClara, VENDOR};
use crate::http::auth::{CredentialScheme, Keys, Secret};
use crate::http::rate_limit::Limit;
use crate::kit::Tenancy;
use crate::tenancy;

pub const CREDENTIALS: CredentialScheme = CredentialScheme {
    secret: Secret::Authorization { scheme: "Bearer" },
    selectors: &[],
};

/// The documented limits per API key: 1,000 a minute, with bursts of at most 100 in 10 s.
pub const RATE_LIMITS: [Limit; 2] = [
    Limit::per(1_000, Duration::from_secs(60)),
    Limit::per(100, Duration::from_secs(10)),
];

/// An account: the tenant an API key selects.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub rate_limited: bool,
}

impl Tenancy for Account {
    type Vendor = AgentClara;

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
