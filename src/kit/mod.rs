//! The vendor kit: what every vendor's handlers use, written once. A vendor folder declares its
//! contract ([`crate::contract`]: spec, error texts and shape) and its seed section
//! ([`crate::seed::tenants`]); its handlers take a [`Tenant`] first (credentials, namespace,
//! rate limit, body errors), read ids with [`RecordId`], bodies with
//! [`crate::http::body::JsonBody`] and an object's fields with [`body::fields`], and answer
//! reads through [`Tenant::answer`], whose cache key is the parsed request itself.

pub mod body;
pub mod path;
pub mod tenant;

pub use path::RecordId;
pub use tenant::{Declared, Limited, Plain, RateLimited, Tenancy, Tenant, TenantDb};

/// Declares a vendor from the conventional parts of its folder, so that no vendor re-types the
/// wiring. It declares the folder's modules — `auth` (with `CREDENTIALS` and the tenant type),
/// `error` (with `ERRORS`: texts and body shape), `handlers`, `models` (wire types),
/// `queries` (with `SCHEMA`) and `seed` (with the section type named here) —
/// and reads the OpenAPI document `openapi/<slug>.yaml`; the folder's `mod.rs` adds the route
/// table `routes()`. It defines the vendor's marker type, which names the vendor in its
/// errors, the vendor's `Error` and `Result`, and `pub static VENDOR`, the declaration
/// `vendors/mod.rs` lists.
///
/// `kit::vendor!(Marker, "slug", "Name", "real.host", seed::SectionType);`: the vendor's own
/// name, for people, and the host its real API is served from come between the slug and the
/// seed section.
macro_rules! vendor {
    ($marker:ident, $slug:literal, $name:literal, $real_host:literal, $seed:ty) => {
        mod auth;
        mod error;
        mod handlers;
        mod models;
        mod queries;
        mod seed;

        /// Names the vendor in its errors.
        pub struct $marker;

        /// What every handler of the vendor returns on failure: an error in its words and
        /// shape.
        pub type Error = $crate::contract::Error<$marker>;
        pub type Result<T, E = Error> = std::result::Result<T, E>;

        impl $crate::contract::Styled for $marker {
            const ERRORS: &'static $crate::contract::ErrorStyle = &error::ERRORS;
        }

        pub static VENDOR: $crate::state::Vendor = $crate::state::Vendor {
            slug: $slug,
            name: $name,
            real_host: $real_host,
            schema: queries::SCHEMA,
            openapi: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/openapi/",
                $slug,
                ".yaml"
            )),
            routes,
            errors: &error::ERRORS,
            credentials: auth::CREDENTIALS,
            seed: $crate::seed::tenants::section::<$seed>(seed::TENANTS),
        };

        impl $crate::kit::Declared for $marker {
            const SPEC: &'static $crate::state::Vendor = &VENDOR;
        }
    };
}

pub(crate) use vendor;
