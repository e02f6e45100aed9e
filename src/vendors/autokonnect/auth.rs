//! `Authorization: Bearer <company API key>` selects the company every query is scoped to.

use rusqlite::Connection;

use super::{AutoKonnect, VENDOR, queries};
use crate::http::auth::{CredentialScheme, Keys, Secret};
use crate::kit::Tenancy;
use crate::state::Vendor;

pub const CREDENTIALS: CredentialScheme = CredentialScheme {
    secret: Secret::Authorization { scheme: "Bearer" },
    selectors: &[],
};

/// A company: the tenant an API key selects.
#[derive(Debug, Clone)]
pub struct Company {
    pub id: i64,
}

impl Tenancy for Company {
    type Vendor = AutoKonnect;
    const SPEC: &'static Vendor = &VENDOR;

    fn find(conn: &Connection, keys: &Keys) -> rusqlite::Result<Option<Self>> {
        queries::company_by_key(conn, &keys.secret).map(|found| found.map(|id| Self { id }))
    }

    fn id(&self) -> i64 {
        self.id
    }
}
