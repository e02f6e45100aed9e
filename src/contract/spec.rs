//! [`VendorSpec`]: everything the frame needs to know of a vendor, declared once in the vendor's
//! folder. The state type `S` is a parameter so that this declaration sits below the state that
//! holds the list of vendors.

use axum::Router;

use super::error::ErrorStyle;
use crate::http::auth::CredentialScheme;
use crate::seed::Section;

/// What the frame needs to know of a vendor.
pub struct VendorSpec<S: 'static> {
    /// Path prefix and seed section name.
    pub slug: &'static str,
    /// The vendor's own name, for people.
    pub name: &'static str,
    /// The host the real API is served from.
    pub real_host: &'static str,
    /// SQL creating the vendor's tables and indexes (idempotent).
    pub schema: &'static str,
    /// The vendor's OpenAPI document, served at `/__admin/openapi/<slug>.yaml`.
    pub openapi: &'static str,
    /// The vendor's routes at their real paths, without the slug prefix.
    pub routes: fn() -> Router<S>,
    /// How the vendor words and shapes its errors.
    pub errors: &'static ErrorStyle,
    /// Where requests carry credentials: tenants are found by them, fault rules match them,
    /// the journal masks them.
    pub credentials: CredentialScheme,
    /// The vendor's seed section, with where its tenants are kept.
    pub seed: Section,
}

impl<S> std::fmt::Debug for VendorSpec<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VendorSpec")
            .field("slug", &self.slug)
            .finish_non_exhaustive()
    }
}
