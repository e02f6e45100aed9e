//! Seed files: reading, JSON-path errors, bounds on generation, and the deterministic
//! generation context each vendor's seed section is loaded with.
//!
//! This module knows the document's frame (`generate` plus one section per vendor, each a list
//! of tenants) but no vendor's section: each vendor declares a [`Section`] and loads its own
//! through [`SeedContext`], most of it with [`tenants::section`]. The same sections give the
//! format's JSON Schema ([`json_schema`]) and write the data back as a seed document
//! ([`snapshot`]).

use std::path::Path;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rusqlite::{Connection, Transaction};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::store::{Fill, StoreError};
use crate::tenancy::TenantTable;
use crate::time::Millis;

pub mod fakes;
mod schema;
pub mod tenants;

pub use schema::json_schema;

/// The default seed, embedded so `cargo run` needs no file.
pub const DEFAULT_SEED: &str = include_str!("../../seed-data/default.json");

/// What loading a seed comes to: `()` or a value, else the [`SeedError`].
pub type Result<T = (), E = SeedError> = std::result::Result<T, E>;

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

/// Generated data: how much, and the seed that makes it the same on every load.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct GenerateSettings {
    /// Seeds the random generator: the same seed gives the same data.
    pub seed: u64,
    /// Generated contacts added to every tenant besides those listed (a tenant's own
    /// `generate` overrides it).
    #[schemars(range(max = MAX_GENERATED_PER_TENANT))]
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

/// A vendor's section of seed documents: a list of tenants under one key, its loader, its
/// schema and its export.
#[derive(Debug, Clone, Copy)]
pub struct Section {
    /// Where the tenants are listed and kept.
    pub table: TenantTable,
    /// Parses and stores the section (see [`tenants::section`]).
    pub load: fn(&TenantTable, &SeedContext<'_>, &Value) -> Result,
    /// The JSON Schema of one tenant as the section lists it.
    pub tenant_schema: fn(&TenantTable, &mut SchemaGenerator) -> Schema,
    /// Writes the section's tenants and records, as stored in a database, back as a section
    /// (JSON, onto the end of the buffer) that `load` stores again as it is.
    pub export: fn(&TenantTable, &Connection, &mut Vec<u8>) -> rusqlite::Result<()>,
}

/// The most contacts one tenant may have generated, and all tenants of a load together: a
/// million takes seconds and hundreds of MiB; past these, memory runs out long before the load
/// ends (a count's full range, four billion, would take hours), so such a seed is refused
/// before any work.
pub const MAX_GENERATED_PER_TENANT: u64 = 1_000_000;
pub const MAX_GENERATED_TOTAL: u64 = 2_000_000;

/// Seed documents read and checked, ready to load ([`Documents::fills`]).
pub struct Documents<'a> {
    documents: Vec<Document<'a>>,
    sections: &'a [(&'static str, Section)],
}

/// Reads every source and refuses, before any work, a document that is not a seed document or
/// a load that would generate too much. `sections` names each vendor's section by its key (the
/// vendor's slug).
pub fn read<'a>(
    sources: &'a [SeedSource],
    sections: &'a [(&'static str, Section)],
) -> Result<Documents<'a>, SeedError> {
    let documents = sources
        .iter()
        .map(|source| Document::parse(source, sections))
        .collect::<Result<Vec<_>, _>>()?;
    check_generation_bounds(&documents, sections)?;
    Ok(Documents {
        documents,
        sections,
    })
}

impl Documents<'_> {
    /// One fill per vendor with a section, into its area (named by its slug): each loads the
    /// vendor's section of every document, in order, so later files add tenants to earlier
    /// ones. Vendors load side by side: nothing of one vendor's depends on another's.
    pub fn fills(&self, now: Millis) -> Vec<Fill<'_, SeedError>> {
        let progress = Progress::to_terminal();
        self.sections
            .iter()
            .filter(|(slug, _)| {
                self.documents
                    .iter()
                    .any(|document| document.sections.contains_key(*slug))
            })
            .map(|(slug, spec)| {
                Fill::new(slug, move |tx| {
                    let started = std::time::Instant::now();
                    for (source_index, document) in self.documents.iter().enumerate() {
                        let Some(section) = document.sections.get(*slug) else {
                            continue;
                        };
                        let context = SeedContext {
                            tx,
                            now,
                            settings: document.settings,
                            source_name: &document.source.name,
                            source_index,
                            slug,
                        };
                        (spec.load)(&spec.table, &context, section)?;
                    }
                    progress.done(slug, started.elapsed());
                    Ok(())
                })
            })
            .collect()
    }
}

/// The data of a database as a seed document: every vendor's section with every tenant and
/// record, ids and timestamps explicit, and no `generate` block, so that loading it stores the
/// same data again. Run it in one read transaction, so that every section is of one moment.
///
/// Written as JSON text a tenant at a time: a document of a million contacts is hundreds of
/// megabytes as text and several times that as a [`Value`]. Sections come in the order of
/// their slugs, as a JSON object's keys are written everywhere else.
pub fn snapshot(
    conn: &Connection,
    sections: &[(&'static str, Section)],
) -> rusqlite::Result<Vec<u8>> {
    let mut sorted: Vec<&(&'static str, Section)> = sections.iter().collect();
    sorted.sort_unstable_by_key(|(slug, _)| *slug);
    let mut document = Vec::new();
    for (index, (slug, section)) in sorted.into_iter().enumerate() {
        document.push(if index == 0 { b'{' } else { b',' });
        write_json(&mut document, slug)?;
        document.push(b':');
        (section.export)(&section.table, conn, &mut document)?;
    }
    if document.is_empty() {
        document.push(b'{');
    }
    document.push(b'}');
    Ok(document)
}

/// `value` as JSON text onto the end of `out`.
pub fn write_json<T: serde::Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> rusqlite::Result<()> {
    serde_json::to_writer(out, value)
        .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))
}

/// A seed document, parsed and its frame checked.
struct Document<'a> {
    source: &'a SeedSource,
    settings: GenerateSettings,
    sections: serde_json::Map<String, Value>,
}

impl<'a> Document<'a> {
    fn parse(
        source: &'a SeedSource,
        sections: &[(&'static str, Section)],
    ) -> Result<Self, SeedError> {
        let document: Value =
            serde_json::from_str(&source.text).map_err(|error| SeedError::Unreadable {
                file: source.name.clone(),
                message: format!("not valid JSON: {error}"),
            })?;
        let Value::Object(mut document) = document else {
            return Err(source.invalid("$", "a seed document must be a JSON object"));
        };
        // An editor's schema reference is not part of the data.
        document.remove("$schema");
        let settings = match document.remove("generate") {
            Some(value) => serde_path_to_error::deserialize(&value).map_err(|error| {
                let path = format!("generate.{}", error.path()).replace("generate..", "generate");
                source.invalid(&path, error.into_inner().to_string())
            })?,
            None => GenerateSettings::default(),
        };
        if let Some(name) = document
            .keys()
            .find(|name| !sections.iter().any(|(slug, _)| slug == name))
        {
            let known: Vec<&str> = sections.iter().map(|(slug, _)| *slug).collect();
            return Err(source.invalid(
                name,
                format!(
                    "unknown section `{name}`: expected `generate` or a vendor ({})",
                    known.join(", ")
                ),
            ));
        }
        Ok(Self {
            source,
            settings,
            sections: document,
        })
    }
}

impl SeedSource {
    fn invalid(&self, path: &str, message: impl Into<String>) -> SeedError {
        SeedError::Invalid {
            file: self.name.clone(),
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

/// Refuses, before anything is generated, a load that would generate more contacts than
/// [`MAX_GENERATED_PER_TENANT`] for a tenant or [`MAX_GENERATED_TOTAL`] in all. Tenants are
/// counted from the raw lists, so a section with other errors is refused later, as it is.
fn check_generation_bounds(
    documents: &[Document<'_>],
    sections: &[(&'static str, Section)],
) -> Result<(), SeedError> {
    let mut total: u64 = 0;
    for document in documents {
        let default = u64::from(document.settings.contacts_per_tenant);
        if default > MAX_GENERATED_PER_TENANT {
            return Err(document
                .source
                .invalid("generate.contacts_per_tenant", too_many(default)));
        }
        for (slug, section) in sections {
            let Some(Value::Array(tenants)) = document
                .sections
                .get(*slug)
                .and_then(|value| value.get(section.table.list()))
            else {
                continue;
            };
            for (index, tenant) in tenants.iter().enumerate() {
                let count = match tenant.get("generate") {
                    Some(Value::Number(count)) => count.as_u64().unwrap_or(u64::MAX),
                    _ => default,
                };
                if count > MAX_GENERATED_PER_TENANT {
                    return Err(document.source.invalid(
                        &format!("{slug}.{}[{index}].generate", section.table.list()),
                        too_many(count),
                    ));
                }
                total += count;
            }
        }
    }
    if total > MAX_GENERATED_TOTAL {
        let file = documents
            .last()
            .map_or_else(String::new, |d| d.source.name.clone());
        return Err(SeedError::Invalid {
            file,
            path: "generate".into(),
            message: format!(
                "{total} generated contacts in all; at most {MAX_GENERATED_TOTAL} are allowed"
            ),
        });
    }
    Ok(())
}

fn too_many(count: u64) -> String {
    format!("{count} is more than the {MAX_GENERATED_PER_TENANT} contacts a tenant may generate")
}

/// Progress of a seed load on stderr, shown only when stderr is a terminal (a large seed takes
/// seconds; CI logs should not fill with it).
#[derive(Debug, Clone, Copy)]
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

    fn done(self, slug: &str, took: std::time::Duration) {
        if self.shown {
            eprintln!("seeded {slug} in {:.2} s", took.as_secs_f64());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(text: &str) -> Result<(), SeedError> {
        let source = SeedSource {
            name: "seed.json".into(),
            text: text.into(),
        };
        let section = Section {
            table: TenantTable::new("vendor_accounts", "account", &["key"]),
            load: |_, _, _| Ok(()),
            tenant_schema: |_, _| Schema::default(),
            export: |_, _, _| Ok(()),
        };
        let sections = [("vendor", section)];
        let document = Document::parse(&source, &sections)?;
        check_generation_bounds(&[document], &sections)
    }

    #[test]
    fn a_snapshot_writes_each_section_under_its_slug_in_the_slugs_order() {
        let conn = Connection::open_in_memory().expect("database");
        let section = Section {
            table: TenantTable::new("vendor_accounts", "account", &["key"]),
            load: |_, _, _| Ok(()),
            tenant_schema: |_, _| Schema::default(),
            export: |table, _, out| write_json(out, &[table.kind]),
        };
        let written = snapshot(&conn, &[("zeta", section), ("alpha", section)]);
        assert_eq!(
            String::from_utf8(written.expect("snapshot")).expect("UTF-8"),
            r#"{"alpha":["account"],"zeta":["account"]}"#
        );
        assert_eq!(snapshot(&conn, &[]).expect("snapshot"), b"{}");
    }

    #[test]
    fn generate_up_to_the_maximum_per_tenant_is_accepted() {
        assert!(bounds(r#"{"generate": {"contacts_per_tenant": 1000000}}"#).is_ok());
    }

    #[test]
    fn generate_above_the_maximum_per_tenant_names_the_json_path() {
        let error = bounds(r#"{"generate": {"contacts_per_tenant": 4000000000}}"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "seed.json: generate.contacts_per_tenant: 4000000000 is more than the 1000000 \
             contacts a tenant may generate"
        );
        let error =
            bounds(r#"{"vendor": {"accounts": [{"key": "k", "generate": 1000001}]}}"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "seed.json: vendor.accounts[0].generate: 1000001 is more than the 1000000 \
             contacts a tenant may generate"
        );
    }

    #[test]
    fn generate_above_the_total_maximum_is_refused() {
        let tenants: Vec<String> = (0..3)
            .map(|index| format!(r#"{{"key": "k{index}", "generate": 900000}}"#))
            .collect();
        let text = format!(r#"{{"vendor": {{"accounts": [{}]}}}}"#, tenants.join(","));
        assert_eq!(
            bounds(&text).unwrap_err().to_string(),
            "seed.json: generate: 2700000 generated contacts in all; at most 2000000 are allowed"
        );
    }
}
