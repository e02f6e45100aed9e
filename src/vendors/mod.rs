//! The one list of emulated vendors. Each vendor is a folder below this one that exports its
//! [`Vendor`] declaration; adding a vendor is adding its folder and one line to [`ALL`].

use crate::state::Vendor;

pub mod agentclara;
pub mod autokonnect;
pub mod tailortalk;
pub mod thoughtly;
pub mod vambe;

/// Every vendor, mounted under `/<slug>` in this order.
pub static ALL: &[&Vendor] = &[
    &tailortalk::VENDOR,
    &agentclara::VENDOR,
    &thoughtly::VENDOR,
    &autokonnect::VENDOR,
    &vambe::VENDOR,
];

/// The vendor whose slug is `slug`.
pub fn by_slug(slug: &str) -> Option<&'static Vendor> {
    ALL.iter().copied().find(|vendor| vendor.slug == slug)
}
