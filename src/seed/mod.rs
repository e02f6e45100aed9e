//! Seed files (CONTRACTS.md "Seed files"): reading, JSON-path errors, and the deterministic
//! generation context each vendor's seed section is loaded with.
//!
//! This module knows the document's frame (`generate` plus one section per vendor) but no
//! vendor's section: each vendor parses and stores its own through [`SeedContext`].

use std::path::Path;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rusqlite::Transaction;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::store::StoreError;
use crate::time::Millis;
use crate::vendors::VendorSpec;

pub mod fakes;

/// The default seed, embedded so `cargo run` needs no file.
pub const DEFAULT_SEED: &str = include_str!("../../seed-data/default.json");

/// Why a seed could not be loaded. Paths are JSON paths such as
/// `vambe.workspaces[0].contacts[3].platform`.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The file could not be read or is not JSON at all.
    #[error("{file}: {message}")]
    Unreadable { file: String, message: String },
    /// The document is JSON but something in it is wrong.
    #[error("{file}: {path}: {message}")]
    Invalid {
        file: String,
        path: String,
        message: String,
    },
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for SeedError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Store(error.into())
    }
}

/// One seed document and where it came from (for messages).
#[derive(Debug, Clone)]
pub struct SeedSource {
    pub name: String,
    pub text: String,
}

impl SeedSource {
    pub fn embedded_default() -> Self {
        Self {
            name: "embedded seed-data/default.json".into(),
            text: DEFAULT_SEED.into(),
        }
    }

    pub fn from_file(path: &Path) -> Result<Self, SeedError> {
        let name = path.display().to_string();
        std::fs::read_to_string(path)
            .map(|text| Self {
                name: name.clone(),
                text,
            })
            .map_err(|error| SeedError::Unreadable {
                file: name,
                message: error.to_string(),
            })
    }
}

/// The most contacts `generate.contacts_per_tenant` may ask for: a million takes seconds and
/// hundreds of MiB; the field's full range (four billion) would take hours and all memory.
pub const MAX_GENERATED_PER_TENANT: u32 = 1_000_000;

/// The document's `generate` block.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GenerateSettings {
    /// Seeds the random generator: the same seed gives the same data.
    pub seed: u64,
    /// Generated contacts added to every tenant besides those listed.
    pub contacts_per_tenant: u32,
}

impl Default for GenerateSettings {
    fn default() -> Self {
        Self {
            seed: 42,
            contacts_per_tenant: 0,
        }
    }
}

/// What a vendor's seed loader gets: the transaction to write into, the generation settings
/// and helpers that name the failing JSON path.
pub struct SeedContext<'a> {
    pub tx: &'a Transaction<'a>,
    /// The instant generated timestamps are spread back from.
    pub now: Millis,
    pub settings: GenerateSettings,
    source_name: &'a str,
    source_index: usize,
    slug: &'static str,
}

impl SeedContext<'_> {
    /// Deserialises a vendor's section; a failure names the JSON path below the section.
    pub fn parse<T: DeserializeOwned>(&self, section: &Value) -> Result<T, SeedError> {
        serde_path_to_error::deserialize(section).map_err(|error| {
            let inner = error.path().to_string();
            self.error(&inner, error.into_inner().to_string())
        })
    }

    /// An error at `path` (relative to the vendor's section, e.g. `companies[0].api_key`).
    pub fn error(&self, path: &str, message: impl Into<String>) -> SeedError {
        let path = match path {
            "" | "." => self.slug.to_string(),
            path if path.starts_with('[') => format!("{}{path}", self.slug),
            path => format!("{}.{path}", self.slug),
        };
        SeedError::Invalid {
            file: self.source_name.to_string(),
            path,
            message: message.into(),
        }
    }

    /// Checks a tenant's credential at `path`: not blank, free of whitespace (it is sent in a
    /// header), and not yet held by another tenant, i.e. no row of `table` has it in `column`.
    /// `tenant` names the kind of tenant for the message ("agent", "team", …).
    pub fn check_credential(
        &self,
        path: &str,
        value: &str,
        table: &str,
        column: &str,
        tenant: &str,
    ) -> Result<(), SeedError> {
        if value.trim().is_empty() {
            return Err(self.error(path, "must not be blank"));
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(self.error(
                path,
                "must not contain whitespace (it could never be sent in a header)",
            ));
        }
        let taken: bool = self.tx.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} = ?1)"),
            [value],
            |row| row.get(0),
        )?;
        if taken {
            return Err(self.error(
                path,
                format!("duplicate credential `{value}`: another {tenant} already uses it"),
            ));
        }
        Ok(())
    }

    /// A generator for one tenant: stable for a given seed, file, vendor and tenant position,
    /// so adding a vendor or a tenant elsewhere changes nothing here.
    pub fn rng(&self, tenant_index: usize) -> StdRng {
        let mut mixed = self.settings.seed ^ 0x9E37_79B9_7F4A_7C15;
        for byte in self.slug.bytes() {
            mixed = (mixed ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3);
        }
        mixed ^= (self.source_index as u64) << 48;
        mixed ^= tenant_index as u64;
        StdRng::seed_from_u64(mixed)
    }

    /// How many contacts to generate for a tenant, given its own `generate` override.
    pub fn contacts_to_generate(&self, tenant_override: Option<u32>) -> u32 {
        tenant_override.unwrap_or(self.settings.contacts_per_tenant)
    }
}

/// Loads every source, in order, into `tx`: later files add tenants to earlier ones.
pub fn load(
    sources: &[SeedSource],
    vendors: &[&'static VendorSpec],
    now: Millis,
    tx: &Transaction<'_>,
) -> Result<(), SeedError> {
    // Every document is read and its `generate` block checked before anything is generated,
    // so an absurd count in the last file is refused at once, not after the first ones load.
    let documents = sources
        .iter()
        .map(read_document)
        .collect::<Result<Vec<_>, _>>()?;
    let progress = Progress::to_terminal();
    for (source_index, (source, (sections, settings))) in sources.iter().zip(documents).enumerate()
    {
        let invalid = |path: &str, message: String| SeedError::Invalid {
            file: source.name.clone(),
            path: path.to_string(),
            message,
        };
        for (name, section) in &sections {
            if name == "generate" {
                continue;
            }
            let Some(vendor) = vendors.iter().find(|vendor| vendor.slug == name) else {
                let known: Vec<&str> = vendors.iter().map(|vendor| vendor.slug).collect();
                return Err(invalid(
                    name,
                    format!(
                        "unknown section `{name}`: expected `generate` or a vendor ({})",
                        known.join(", ")
                    ),
                ));
            };
            let context = SeedContext {
                tx,
                now,
                settings,
                source_name: &source.name,
                source_index,
                slug: vendor.slug,
            };
            let started = std::time::Instant::now();
            progress.start(vendor.slug);
            (vendor.load_seed)(&context, section)?;
            progress.done(vendor.slug, started.elapsed());
        }
    }
    Ok(())
}

/// A seed document's sections and its checked `generate` block.
fn read_document(
    source: &SeedSource,
) -> Result<(serde_json::Map<String, Value>, GenerateSettings), SeedError> {
    let invalid = |path: &str, message: String| SeedError::Invalid {
        file: source.name.clone(),
        path: path.to_string(),
        message,
    };
    let document: Value =
        serde_json::from_str(&source.text).map_err(|error| SeedError::Unreadable {
            file: source.name.clone(),
            message: format!("not valid JSON: {error}"),
        })?;
    let Value::Object(sections) = document else {
        return Err(invalid("$", "a seed document must be a JSON object".into()));
    };
    let settings: GenerateSettings = match sections.get("generate") {
        Some(value) => serde_path_to_error::deserialize(value).map_err(|error| {
            let path = format!("generate.{}", error.path()).replace("generate..", "generate");
            invalid(&path, error.into_inner().to_string())
        })?,
        None => GenerateSettings::default(),
    };
    if settings.contacts_per_tenant > MAX_GENERATED_PER_TENANT {
        return Err(invalid(
            "generate.contacts_per_tenant",
            format!(
                "{} is more than the {MAX_GENERATED_PER_TENANT} contacts a tenant may generate",
                settings.contacts_per_tenant
            ),
        ));
    }
    Ok((sections, settings))
}

/// Progress of a seed load on stderr, shown only when stderr is a terminal (a large seed takes
/// seconds; CI logs should not fill with it).
struct Progress {
    shown: bool,
}

impl Progress {
    fn to_terminal() -> Self {
        use std::io::IsTerminal;
        Self {
            shown: std::io::stderr().is_terminal(),
        }
    }

    fn start(&self, slug: &str) {
        if self.shown {
            eprint!("seeding {slug}…");
        }
    }

    fn done(&self, slug: &str, took: std::time::Duration) {
        if self.shown {
            eprintln!("\rseeding {slug}: done in {:.2} s", took.as_secs_f64());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(text: &str) -> Result<GenerateSettings, SeedError> {
        let source = SeedSource {
            name: "seed.json".into(),
            text: text.into(),
        };
        read_document(&source).map(|(_, settings)| settings)
    }

    #[test]
    fn generate_up_to_the_maximum_per_tenant_is_accepted() {
        let settings = document(r#"{"generate": {"contacts_per_tenant": 1000000}}"#).unwrap();
        assert_eq!(settings.contacts_per_tenant, MAX_GENERATED_PER_TENANT);
    }

    #[test]
    fn generate_above_the_maximum_per_tenant_names_the_json_path() {
        let error = document(r#"{"generate": {"contacts_per_tenant": 4000000000}}"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "seed.json: generate.contacts_per_tenant: 4000000000 is more than the 1000000 \
             contacts a tenant may generate"
        );
    }
}
