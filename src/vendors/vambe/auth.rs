//! `x-api-key: <key>` selects the workspace every query is scoped to.

use super::Vambe;
use crate::http::auth::{CredentialScheme, Secret};
use crate::kit::Plain;

pub const CREDENTIALS: CredentialScheme = CredentialScheme {
    secret: Secret::Header("x-api-key"),
    selectors: &[],
};

/// A workspace: the tenant a key selects.
pub type Workspace = Plain<Vambe>;
