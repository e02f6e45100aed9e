//! The seed format's JSON Schema: generated from the loader's own types, committed as
//! `seed-data/seed.schema.json`, and true of every shipped seed.
//!
//! After changing a seed type, write the new schema with
//! `UPDATE_SEED_SCHEMA=1 cargo test --test seed_schema` (or `understudy seed schema`).

mod common;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/seed-data/seed.schema.json");

/// Every seed file shipped in `seed-data/`: the default and the examples.
fn shipped_seeds() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seed-data");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("examples"))
        .expect("examples folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths.insert(0, root.join("default.json"));
    paths
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("readable");
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&understudy::vendors::seed_schema()).expect("JSON");
    jsonschema::draft202012::new(&schema).expect("a valid draft 2020-12 schema")
}

/// The problems `validator` finds in `document`, as `path: message` lines.
fn problems(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    let generated = understudy::vendors::seed_schema();
    if std::env::var_os("UPDATE_SEED_SCHEMA").is_some() {
        std::fs::write(COMMITTED, &generated).expect("write the schema");
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == generated,
        "seed-data/seed.schema.json is not what the seed types generate; write it again with \
         `UPDATE_SEED_SCHEMA=1 cargo test --test seed_schema`"
    );
}

#[test]
fn the_schema_is_draft_2020_12_and_names_every_vendor_section() {
    let schema: Value = serde_json::from_str(&understudy::vendors::seed_schema()).expect("JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let properties = schema["properties"].as_object().expect("properties");
    let mut keys: Vec<&str> = properties.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "$schema",
            "agentclara",
            "autokonnect",
            "generate",
            "tailortalk",
            "thoughtly",
            "vambe"
        ]
    );
    // The kit's part of each tenant: credentials required, `generate` optional.
    let team = &properties["thoughtly"]["properties"]["teams"]["items"];
    assert_eq!(team["required"], json!(["api_token", "team_id"]));
    assert_eq!(
        team["properties"]["generate"]["type"],
        json!(["integer", "null"])
    );
    assert_eq!(team["additionalProperties"], false);
}

#[test]
fn every_shipped_seed_points_at_the_schema_and_is_valid_against_it() {
    let validator = validator();
    for path in shipped_seeds() {
        let document = read_json(&path);
        let expected = if path.parent().is_some_and(|dir| dir.ends_with("examples")) {
            "../seed.schema.json"
        } else {
            "./seed.schema.json"
        };
        assert_eq!(document["$schema"], expected, "{}", path.display());
        let found = problems(&validator, &document);
        assert!(found.is_empty(), "{}: {found:#?}", path.display());
    }
}

#[test]
fn the_schema_rejects_a_broken_seed() {
    let validator = validator();
    let broken = [
        // An unknown section.
        json!({"salesforce": {}}),
        // A tenant without its credential.
        json!({"agentclara": {"accounts": [{"rate_limit": true}]}}),
        // A credential with white space in it.
        json!({"vambe": {"workspaces": [{"api_key": "two words"}]}}),
        // An unknown key on a record.
        json!({"autokonnect": {"companies": [{"api_key": "k", "contacts": [{"nickname": "x"}]}]}}),
        // A wrong type.
        json!({"thoughtly": {"teams": [{"api_token": "t", "team_id": "i", "rate_limit": "yes"}]}}),
        // A custom attribute that is not a scalar.
        json!({"tailortalk": {"agents": [{"token": "t", "contacts": [{"city": {"name": "Pune"}}]}]}}),
        // A negative count.
        json!({"generate": {"contacts_per_tenant": -1}}),
    ];
    for document in broken {
        assert!(
            !problems(&validator, &document).is_empty(),
            "accepted: {document}"
        );
        // The loader refuses it too: the schema is no stricter than the loader here.
        let refused = understudy::AppState::build(common::options(vec![common::seed_source(
            document.clone(),
        )]));
        assert!(refused.is_err(), "loaded: {document}");
    }
}

#[test]
fn a_snapshot_is_valid_against_the_schema() {
    let validator = validator();
    let state = understudy::AppState::build(common::options(Vec::new())).expect("state");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let snapshot = runtime
        .block_on(state.snapshot(None))
        .expect("snapshot")
        .expect("the default namespace");
    let snapshot: serde_json::Value = serde_json::from_slice(&snapshot).expect("JSON");
    let found = problems(&validator, &snapshot);
    assert!(found.is_empty(), "{found:#?}");
}
