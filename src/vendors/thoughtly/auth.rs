//! `x-api-token` and `team_id` together select the team every query is scoped to: both are
//! required, and a token only opens the team it was issued for.

use super::Thoughtly;
use crate::http::auth::{CredentialScheme, Secret};
use crate::kit::Plain;

/// The API token is the secret; the team id alone is no secret.
pub const CREDENTIALS: CredentialScheme = CredentialScheme {
    secret: Secret::Header("x-api-token"),
    selectors: &["team_id"],
};

/// A team: the tenant a token and team id select together.
pub type Team = Plain<Thoughtly>;
