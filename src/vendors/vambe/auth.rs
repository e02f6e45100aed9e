//! `x-api-key: <key>` selects the workspace every query is scoped to.

use rusqlite::Connection;

use super::{VENDOR, Vambe, queries};
use crate::http::auth::{CredentialScheme, Keys, Secret};
use crate::kit::Tenancy;
use crate::state::Vendor;

pub const CREDENTIALS: CredentialScheme = CredentialScheme {
    secret: Secret::Header("x-api-key"),
    selectors: &[],
};

/// A workspace: the tenant a key selects.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub id: i64,
}

impl Tenancy for Workspace {
    type Vendor = Vambe;
    const SPEC: &'static Vendor = &VENDOR;

    fn find(conn: &Connection, keys: &Keys) -> rusqlite::Result<Option<Self>> {
        queries::workspace_by_key(conn, &keys.secret).map(|found| found.map(|id| Self { id }))
    }

    fn id(&self) -> i64 {
        self.id
    }
}
