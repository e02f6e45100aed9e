//! `Authorization: Agent <token>` selects the agent every query is scoped to.

use rusqlite::Connection;

use super::models::Envelope;
use super::{TailorTalk, VENDOR};
use crate::http::auth::{CredentialScheme, Keys, Secret};
use crate::kit::Tenancy;
use crate::tenancy;

pub const CREDENTIALS: CredentialScheme = CredentialScheme {
    secret: Secret::Authorization { scheme: "Agent" },
    selectors: &[],
};

/// An agent: the tenant a token selects, and how its answers are enveloped.
#[derive(Debug, Clone)]
pub struct Agent {
    pub id: i64,
    pub envelope: Envelope,
}

impl Tenancy for Agent {
    type Vendor = TailorTalk;

    fn find(conn: &Connection, keys: &Keys) -> rusqlite::Result<Option<Self>> {
        tenancy::find(conn, &VENDOR.seed.table, "envelope", keys, |row| {
            Ok(Self {
                id: row.get(0)?,
                envelope: Envelope::from_stored(&row.get::<_, String>(1)?),
            })
        })
    }

    fn id(&self) -> i64 {
        self.id
    }
}
