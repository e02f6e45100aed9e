//! `Authorization: Agent <token>` selects the agent every query is scoped to.

use rusqlite::Connection;

use super::models::Envelope;
use super::{TailorTalk, VENDOR, queries};
use crate::http::auth::{CredentialScheme, Keys, Secret};
use crate::kit::Tenancy;
use crate::state::Vendor;

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
    const SPEC: &'static Vendor = &VENDOR;

    fn find(conn: &Connection, keys: &Keys) -> rusqlite::Result<Option<Self>> {
        queries::agent_by_token(conn, &keys.secret)
    }

    fn id(&self) -> i64 {
        self.id
    }
}
