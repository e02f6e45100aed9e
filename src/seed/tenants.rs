//! Loading a vendor's list of tenants, the part every vendor's section shares: parsing with
//! JSON-path errors, checking credentials (not blank, sendable in a header, unique within the
//! vendor), inserting the tenant's row, and giving each tenant its path, row id, generator and
//! count of contacts to generate. The vendor stores the rest (contacts, tags, …) itself.

use rand::rngs::StdRng;
use rusqlite::Transaction;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Section, SeedContext, SeedError};
use crate::tenancy::TenantTable;

/// A vendor's seed section: a list of tenants, each with its credentials and records.
pub trait Tenants: 'static {
    /// One tenant as the seed lists it, without `generate`: every tenant may give its own
    /// count of contacts to generate, which the kit reads and takes out before parsing.
    type Seed: DeserializeOwned;
    /// Where the seed lists the tenants and where their credentials are kept.
    const TABLE: TenantTable;
    /// Inserts the tenant's own row (credentials and settings); its row id is read back.
    fn insert(tx: &Transaction<'_>, seed: &Self::Seed) -> rusqlite::Result<usize>;
    /// Stores the rest of the tenant: its records, listed and generated.
    fn fill(tenant: Tenant<'_, '_>, seed: &Self::Seed) -> Result<(), SeedError>;
}

/// The [`Section`] of a vendor whose seed section is `T`.
pub const fn section<T: Tenants>() -> Section {
    Section {
        table: T::TABLE,
        load: load::<T>,
    }
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

/// Loads `section` (`{"<list>": [tenant, …]}`): each tenant is parsed as `T::Seed`, its
/// credentials checked, its row inserted, then the rest handed to [`Tenants::fill`].
fn load<T: Tenants>(ctx: &SeedContext<'_>, section: &Value) -> Result<(), SeedError> {
    let table = T::TABLE;
    let raw = tenant_list(ctx, section, table.list)?;
    for (index, raw) in raw.iter().enumerate() {
        let path = format!("{}[{index}]", table.list);
        let (own_count, tenant) = parse_tenant::<T::Seed>(ctx, &path, raw)?;
        for field in table.credentials {
            let value = raw.get(field).and_then(Value::as_str).unwrap_or_default();
            check_credential(ctx, &table, &format!("{path}.{field}"), field, value)?;
        }
        T::insert(ctx.tx, &tenant)?;
        let loading = Tenant {
            ctx,
            path,
            id: ctx.tx.last_insert_rowid(),
            rng: ctx.rng(index),
            generate: ctx.contacts_to_generate(own_count),
        };
        T::fill(loading, &tenant)?;
    }
    Ok(())
}

/// The section's one key, `list`: an array of tenants.
fn tenant_list<'v>(
    ctx: &SeedContext<'_>,
    section: &'v Value,
    list: &str,
) -> Result<&'v [Value], SeedError> {
    let Value::Object(fields) = section else {
        return Err(ctx.error("", format!("expected an object with `{list}`")));
    };
    if let Some(unknown) = fields.keys().find(|key| *key != list) {
        return Err(ctx.error(
            unknown,
            format!("unknown field `{unknown}`, expected `{list}`"),
        ));
    }
    match fields.get(list) {
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(ctx.error(list, "expected an array of tenants")),
        None => Err(ctx.error("", format!("missing field `{list}`"))),
    }
}

/// One tenant at `path`: its own `generate` count, and the rest parsed as `T`.
fn parse_tenant<T: DeserializeOwned>(
    ctx: &SeedContext<'_>,
    path: &str,
    raw: &Value,
) -> Result<(Option<u32>, T), SeedError> {
    let mut fields = raw.clone();
    let own_count = match fields
        .as_object_mut()
        .and_then(|fields| fields.remove("generate"))
    {
        None | Some(Value::Null) => None,
        Some(count) => Some(
            count
                .as_u64()
                .and_then(|count| u32::try_from(count).ok())
                .ok_or_else(|| {
                    ctx.error(
                        &format!("{path}.generate"),
                        "expected a count of contacts (a whole number from 0)",
                    )
                })?,
        ),
    };
    let tenant = serde_path_to_error::deserialize(&fields).map_err(|error| {
        let below = error.path().to_string();
        let at = if below == "." {
            path.to_owned()
        } else {
            format!("{path}{}", below_path(&below))
        };
        ctx.error(&at, error.into_inner().to_string())
    })?;
    Ok((own_count, tenant))
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
