//! The JSON Schema (draft 2020-12) of seed documents, generated from the types the loader
//! parses, so that it cannot drift from them. This module writes the frame (`$schema`,
//! `generate`, one property per vendor section, each a list of tenants); each vendor's
//! [`Section`] gives the schema of its tenant.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::{GenerateSettings, Section};

/// The draft the schema is written in.
const META_SCHEMA: &str = "https://json-schema.org/draft/2020-12/schema";

/// The JSON Schema of a seed document whose vendor sections are `sections`, keyed by slug.
/// Subschemas shared by name live under `$defs`; every key is sorted, so the output is stable.
pub fn json_schema(sections: &[(&'static str, Section)]) -> Value {
    let mut generator = SchemaSettings::draft2020_12().into_generator();
    let mut properties = Map::new();
    properties.insert(
        "$schema".into(),
        json!({
            "description": "Where editors find this schema; the loader ignores it.",
            "type": "string",
        }),
    );
    properties.insert(
        "generate".into(),
        GenerateSettings::json_schema(&mut generator).to_value(),
    );
    for (slug, section) in sections {
        let list = section.table.list();
        let tenant = (section.tenant_schema)(&section.table, &mut generator).to_value();
        properties.insert(
            (*slug).to_owned(),
            json!({
                "description": format!(
                    "The {slug} section: its tenants (`{list}`), each a {} with its credentials, \
                     settings and records.",
                    section.table.kind
                ),
                "type": "object",
                "properties": { list: { "type": "array", "items": tenant } },
                "required": [list],
                "additionalProperties": false,
            }),
        );
    }
    json!({
        "$schema": META_SCHEMA,
        "title": "Understudy seed document",
        "description": "Tenants and records for the emulated vendors, loaded by `understudy --seed FILE` \
                        or `POST /__admin/seed`. Every section is optional.",
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
        "$defs": generator.take_definitions(true),
    })
}
