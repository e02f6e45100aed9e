//! `x-api-token` and `team_id` together select the team every query is scoped to: both are
//! required, and a token only opens the team it was issued for.

use rusqlite::Connection;

use super::{Thoughtly, VENDOR, queries};
use crate::http::auth::{CredentialScheme, Keys, Secret};
use crate::kit::Tenancy;
use crate::state::Vendor;

/// The API token is the secret; the team id alone is no secret.
pub const CREDENTIALS: CredentialScheme = CredentialScheme {
    secret: Secret::Header("x-api-token"),
    selectors: &["team_id"],
};

/// A team: the tenant a token and team id select together.
#[derive(Debug, Clone)]
pub struct Team {
    pub id: i64,
}

impl Tenancy for Team {
    type Vendor = Thoughtly;
    const SPEC: &'static Vendor = &VENDOR;

    fn find(conn: &Connection, keys: &Keys) -> rusqlite::Result<Option<Self>> {
        let team_id = keys.selectors.first().map_or("", String::as_str);
        queries::team_by_credentials(conn, &keys.secret, team_id)
            .map(|found| found.map(|id| Self { id }))
    }

    fn id(&self) -> i64 {
        self.id
    }
}
