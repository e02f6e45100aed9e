//! `Authorization: Bearer <company API key>` selects the company every query is scoped to.

use super::AutoKonnect;
use crate::http::auth::{CredentialScheme, Secret};
use crate::kit::Plain;

pub const CREDENTIALS: CredentialScheme = CredentialScheme {
    secret: Secret::Authorization { scheme: "Bearer" },
    selectors: &[],
};

/// A company: the tenant an API key selects.
pub type Company = Plain<AutoKonnect>;
