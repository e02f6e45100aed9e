//! The vendor kit: what every vendor's handlers use, written once. A vendor folder declares its
//! contract ([`crate::contract`]: spec, error texts and shape) and its seed section
//! ([`crate::seed::tenants`]); its handlers take a [`Tenant`] first (credentials, namespace,
//! rate limit, body errors), read ids with [`RecordId`], bodies with
//! [`crate::http::body::JsonBody`], and answer reads through [`Tenant::answer`], whose cache key
//! is the parsed request itself.

pub mod path;
pub mod tenant;

pub use path::RecordId;
pub use tenant::{Tenancy, Tenant};
