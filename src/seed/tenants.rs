//! Loading a vendor's list of tenants, the part every vendor's section shares: parsing with
//! JSON-path errors, checking credentials (not blank, sendable in a header, unique within the
//! vendor), inserting the tenant's row, and giving each tenant its path, row id, generator and
//! count of contacts to generate. The vendor stores the rest (contacts, tags, …) itself.

use rand::rngs::StdRng;
use rusqlite::Transaction;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{SeedContext, SeedError};

/// One tenant as a vendor's section lists it.
pub trait TenantSeed: DeserializeOwned {
    /// The credential fields, named as in the seed and as the columns of the tenants table.
    fn credentials(&self) -> Vec<(&'static str, &str)>;
    /// The tenant's own `generate`, overriding the document's `contacts_per_tenant`.
    fn generate(&self) -> Option<u32>;
}

/// Where a vendor keeps its tenants.
#[derive(Debug, Clone, Copy)]
pub struct TenantTable {
    /// The key of the section's list, e.g. `accounts`.
    pub list: &'static str,
    /// The table whose columns hold the credentials, e.g. `agentclara_accounts`.
    pub table: &'static str,
    /// What a tenant is called in messages, e.g. `account`.
    pub kind: &'static str,
}

/// One tenant being loaded.
pub struct Tenant<'a, 'c> {
    pub ctx: &'a SeedContext<'c>,
    /// The tenant's JSON path within the section, e.g. `accounts[0]`.
    pub path: String,
    /// The tenant's row id.
    pub id: i64,
    /// Its own generator: stable for a given seed, file, vendor and position.
    pub rng: StdRng,
    /// How many contacts to generate for it.
    pub generate: u32,
}

impl Tenant<'_, '_> {
    /// The JSON path of `below` within this tenant, e.g. `accounts[0].contacts[3]`.
    pub fn path_of(&self, below: &str) -> String {
        format!("{}.{below}", self.path)
    }

    /// Each of `items` (listed under `key`) with its JSON path, e.g. `accounts[0].contacts[3]`.
    pub fn listed<'i, T>(
        &self,
        key: &str,
        items: &'i [T],
    ) -> impl Iterator<Item = (String, &'i T)> + 'i {
        let prefix = self.path_of(key);
        items
            .iter()
            .enumerate()
            .map(move |(index, item)| (format!("{prefix}[{index}]"), item))
    }

    /// An error at `path` (within the section, as [`Tenant::each`] gives it).
    pub fn error(&self, path: &str, message: impl Into<String>) -> SeedError {
        self.ctx.error(path, message)
    }
}

/// Loads `section` (`{"<list>": [tenant, …]}`): each tenant is parsed as `T`, its credentials
/// checked, its row inserted by `insert` (the row id is read back), then handed to `load`.
pub fn load<T: TenantSeed>(
    ctx: &SeedContext<'_>,
    section: &Value,
    table: TenantTable,
    insert: impl Fn(&Transaction<'_>, &T) -> rusqlite::Result<usize>,
    mut load: impl FnMut(Tenant<'_, '_>, &T) -> Result<(), SeedError>,
) -> Result<(), SeedError> {
    let tenants: Vec<T> = parse_list(ctx, section, table.list)?;
    for (index, tenant) in tenants.iter().enumerate() {
        let path = format!("{}[{index}]", table.list);
        for (field, value) in tenant.credentials() {
            check_credential(ctx, &table, &format!("{path}.{field}"), field, value)?;
        }
        insert(ctx.tx, tenant)?;
        let loading = Tenant {
            ctx,
            path,
            id: ctx.tx.last_insert_rowid(),
            rng: ctx.rng(index),
            generate: ctx.contacts_to_generate(tenant.generate()),
        };
        load(loading, tenant)?;
    }
    Ok(())
}

/// The section's one key, `list`, as a list of `T`; errors name the JSON path.
fn parse_list<T: DeserializeOwned>(
    ctx: &SeedContext<'_>,
    section: &Value,
    list: &str,
) -> Result<Vec<T>, SeedError> {
    let Value::Object(fields) = section else {
        return Err(ctx.error("", format!("expected an object with `{list}`")));
    };
    if let Some(unknown) = fields.keys().find(|key| *key != list) {
        return Err(ctx.error(
            unknown,
            format!("unknown field `{unknown}`, expected `{list}`"),
        ));
    }
    let items = fields
        .get(list)
        .ok_or_else(|| ctx.error("", format!("missing field `{list}`")))?;
    serde_path_to_error::deserialize(items).map_err(|error| {
        let below = error.path().to_string();
        let path = if below == "." {
            list.to_owned()
        } else {
            format!("{list}{}", below_path(&below))
        };
        ctx.error(&path, error.into_inner().to_string())
    })
}

/// `[0].contacts` stays as it is, `name` becomes `.name`.
fn below_path(path: &str) -> String {
    if path.starts_with('[') {
        path.to_owned()
    } else {
        format!(".{path}")
    }
}

/// A credential must be sendable in a header and held by one tenant of the vendor only.
fn check_credential(
    ctx: &SeedContext<'_>,
    table: &TenantTable,
    path: &str,
    column: &str,
    value: &str,
) -> Result<(), SeedError> {
    if value.trim().is_empty() {
        return Err(ctx.error(path, "must not be blank"));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ctx.error(
            path,
            "must not contain whitespace (it could never be sent in a header)",
        ));
    }
    let taken: bool = ctx.tx.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE {column} = ?1)",
            table.table
        ),
        [value],
        |row| row.get(0),
    )?;
    if taken {
        return Err(ctx.error(
            path,
            format!(
                "duplicate credential `{value}`: another {} already uses it",
                table.kind
            ),
        ));
    }
    Ok(())
}
