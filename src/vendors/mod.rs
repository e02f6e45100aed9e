//! The one list of emulated vendors. Each vendor is a folder below this one that exports its
//! [`Vendor`] declaration; adding a vendor is adding its folder and one line to [`ALL`].

use crate::seed::{self, Section};
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

/// Every vendor's seed section, keyed by its slug, in mounting order.
pub fn seed_sections() -> Vec<(&'static str, Section)> {
    ALL.iter()
        .map(|vendor| (vendor.slug, vendor.seed))
        .collect()
}

/// The JSON Schema of seed documents for every vendor, as `understudy seed schema` prints it
/// and `seed-data/seed.schema.json` holds it: pretty-printed, with a final newline.
pub fn seed_schema() -> String {
    let schema = seed::json_schema(&seed_sections());
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
