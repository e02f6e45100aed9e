//! Loading a vendor's list of tenants, the part every vendor's section shares: parsing with
//! JSON-path errors, checking credentials (not blank, sendable in a header, unique within the
//! vendor), inserting the tenant's row, and giving each tenant its path, row id, generator and
//! count of contacts to generate. The vendor stores the rest (contacts, tags, …) itself.
//!
//! The same split serves the section's JSON Schema (the vendor's tenant type plus the
//! credentials and `generate`) and its export (the credentials from the tenants table plus
//! what the vendor writes of each tenant).

use std::cmp::Ordering;

use rand::rngs::StdRng;
use rusqlite::types::{FromSql, Type};
use rusqlite::{Connection, Row, Statement, ToSql, Transaction, params, params_from_iter};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::{MAX_GENERATED_PER_TENANT, Result, Section, SeedContext, SeedError, write_json};
use crate::tenancy::TenantTable;
use crate::time::{Millis, Precision, TimeFormat};

/// A vendor's seed section, implemented by what the vendor keeps while it loads one tenant
/// (the ids it has given out, the instants it has used). The kit owns the rest: the list, each
/// tenant's credentials and row, its path, generator and count of contacts to generate, and the
/// order of loading: [`Tenants::start`], each listed contact, the generated ones,
/// [`Tenants::finish`].
pub trait Tenants: Sized + 'static {
    /// One tenant as the seed lists it, less what the kit takes out before parsing: its
    /// credentials (checked and stored by the kit) and `generate` (its own count of contacts
    /// to generate). Its JSON Schema is the tenant's in the seed format's schema.
    type Seed: DeserializeOwned + JsonSchema;
    /// A contact as the seed lists it.
    type Contact;
    /// Begins loading a tenant whose row the kit has inserted: stores its settings (see
    /// [`Tenant::set`]) and what its contacts refer to (tags, pipelines).
    fn start(tenant: &mut Tenant<'_>, seed: &Self::Seed) -> Result<Self>;
    /// The contacts `seed` lists.
    fn contacts(seed: &Self::Seed) -> &[Self::Contact];
    /// Stores one listed contact, found at `path` in the seed.
    fn insert_listed(
        &mut self,
        tenant: &mut Tenant<'_>,
        path: &str,
        contact: &Self::Contact,
    ) -> Result;
    /// Stores one generated contact.
    fn insert_generated(&mut self, tenant: &mut Tenant<'_>) -> Result;
    /// Stores what the seed lists after the contacts (and may name them): none by default. It
    /// comes after every contact so that it draws nothing from the generator before the
    /// contacts are made (and they stay as they were).
    fn finish(&mut self, _tenant: &mut Tenant<'_>, _seed: &Self::Seed) -> Result {
        Ok(())
    }
    /// Writes the stored tenant back as an object in the shape of [`Tenants::Seed`]: its
    /// settings and every record, each id and timestamp explicit (see [`timestamp`]), in the
    /// order they were stored, so that loading it stores the same again and ties sort the
    /// same. The kit adds the credentials.
    fn export(tenant: &Stored<'_>) -> rusqlite::Result<Value>;
}

/// The [`Section`] of a vendor whose seed section is `T`.
pub const fn section<T: Tenants>(table: TenantTable) -> Section {
    Section {
        table,
        load: load::<T>,
        tenant_schema: tenant_schema::<T>,
        export: export::<T>,
    }
}

/// How exported timestamps are written: RFC 3339 in UTC, with milliseconds when there are
/// any, so that nothing is lost (a vendor's own format may drop them).
const EXPORTED_TIME: TimeFormat = TimeFormat::new(Precision::MillisWhenAny, true);

/// An instant as an export writes it: `2025-11-08T05:39:17Z`, `2025-11-08T05:39:17.250Z`.
pub fn timestamp(at: Millis) -> Value {
    Value::String(EXPORTED_TIME.render(at))
}

/// A TEXT column holding a JSON document (custom fields, attributes, …), parsed.
pub fn json_column(row: &Row<'_>, index: usize) -> rusqlite::Result<Value> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(error))
    })
}

/// One tenant as the seed lists it: `T::Seed`'s schema plus what the kit takes out before
/// parsing that — the credentials (required strings that can be sent in a header) and the
/// tenant's own `generate` count.
fn tenant_schema<T: Tenants>(table: &TenantTable, generator: &mut SchemaGenerator) -> Schema {
    let mut schema = T::Seed::json_schema(generator);
    let object = schema.ensure_object();
    let properties = object
        .entry("properties")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    if let Some(properties) = properties {
        for credential in table.credentials {
            properties.insert(
                (*credential).to_owned(),
                json!({
                    "description": format!(
                        "A credential of the {}, sent in a header: no white space, \
                         held by one {} of the vendor only.",
                        table.kind, table.kind
                    ),
                    "type": "string",
                    "pattern": "^\\S+$",
                }),
            );
        }
        properties.insert(
            "generate".into(),
            json!({
                "description": format!(
                    "How many contacts to generate for this {}, besides those listed \
                     (default: the document's `generate.contacts_per_tenant`).",
                    table.kind
                ),
                "type": ["integer", "null"],
                "minimum": 0,
                "maximum": MAX_GENERATED_PER_TENANT,
            }),
        );
    }
    let mut required: Vec<Value> = table
        .credentials
        .iter()
        .map(|credential| Value::from(*credential))
        .collect();
    if let Some(Value::Array(listed)) = object.remove("required") {
        required.extend(listed);
    }
    object.insert("required".into(), Value::Array(required));
    schema
}

/// Writes the section back onto `out`: `{"<list>": [tenant, …]}`, tenants in row order (the
/// order they were loaded in), each its credentials plus what [`Tenants::export`] writes of it,
/// written out before the next is read (so only one tenant is ever held as a [`Value`]).
fn export<T: Tenants>(
    table: &TenantTable,
    conn: &Connection,
    out: &mut Vec<u8>,
) -> rusqlite::Result<()> {
    let sql = format!(
        "SELECT id, {} FROM {} ORDER BY id",
        table.credentials.join(", "),
        table.table
    );
    let rows: Vec<(i64, Vec<String>)> = conn
        .prepare(&sql)?
        .query_map([], |row| {
            let credentials = (1..=table.credentials.len())
                .map(|index| row.get(index))
                .collect::<rusqlite::Result<_>>()?;
            Ok((row.get(0)?, credentials))
        })?
        .collect::<rusqlite::Result<_>>()?;
    out.push(b'{');
    write_json(out, table.list())?;
    out.extend_from_slice(b":[");
    for (index, (id, credentials)) in rows.into_iter().enumerate() {
        let stored = Stored {
            conn,
            table: *table,
            id,
        };
        let mut tenant = T::export(&stored)?;
        for (field, value) in table.credentials.iter().zip(credentials) {
            tenant[*field] = Value::String(value);
        }
        if index > 0 {
            out.push(b',');
        }
        write_json(out, &tenant)?;
    }
    out.extend_from_slice(b"]}");
    Ok(())
}

/// One stored tenant being written back (see [`Tenants::export`]).
pub struct Stored<'c> {
    pub conn: &'c Connection,
    table: TenantTable,
    /// The tenant's row id.
    pub id: i64,
}

impl<'c> Stored<'c> {
    /// One of the tenant's settings: a column of its row (see [`Tenant::set`]).
    pub fn setting<V: FromSql>(&self, column: &str) -> rusqlite::Result<V> {
        self.conn.query_row(
            &format!("SELECT {column} FROM {} WHERE id = ?1", self.table.table),
            [self.id],
            |row| row.get(0),
        )
    }

    /// The tenant's records that `sql` selects (the tenant's row id is its `?1`), each written
    /// by `write`, in the order selected.
    pub fn records<V>(
        &self,
        sql: &str,
        write: impl FnMut(&Row<'_>) -> rusqlite::Result<V>,
    ) -> rusqlite::Result<Vec<V>> {
        self.conn
            .prepare(sql)?
            .query_map([self.id], write)?
            .collect()
    }

    /// The records below one of the tenant's records (a contact's tags, a pipeline's stages)
    /// that `sql` selects: the tenant's row id is its `?1`, the record's id its `?2`. Prepared
    /// once for all the records.
    pub fn records_below<V>(
        &self,
        sql: &str,
        write: fn(&Row<'_>) -> rusqlite::Result<V>,
    ) -> rusqlite::Result<RecordsBelow<'c, V>> {
        Ok(RecordsBelow {
            statement: self.conn.prepare(sql)?,
            tenant: self.id,
            write,
        })
    }
}

/// The records below each of a tenant's records (see [`Stored::records_below`]).
pub struct RecordsBelow<'c, V> {
    statement: Statement<'c>,
    tenant: i64,
    write: fn(&Row<'_>) -> rusqlite::Result<V>,
}

impl<V> RecordsBelow<'_, V> {
    /// Those below the record `id`, in the order selected.
    pub fn of(&mut self, id: &str) -> rusqlite::Result<Vec<V>> {
        self.statement
            .query_map(params![self.tenant, id], self.write)?
            .collect()
    }
}

/// One tenant being loaded.
pub struct Tenant<'a> {
    pub ctx: &'a SeedContext<'a>,
    table: TenantTable,
    /// The tenant's JSON path within the section, e.g. `accounts[0]`.
    pub path: String,
    /// The tenant's row id.
    pub id: i64,
    /// Its own generator: stable for a given seed, file, vendor and position.
    pub rng: StdRng,
    /// How many contacts to generate for it.
    pub generate: u32,
}

impl Tenant<'_> {
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

    /// Sets one of the tenant's settings: a column of its row.
    pub fn set(&self, column: &str, value: impl ToSql) -> Result {
        self.ctx.tx.execute(
            &format!(
                "UPDATE {} SET {column} = ?1 WHERE id = ?2",
                self.table.table
            ),
            rusqlite::params![value, self.id],
        )?;
        Ok(())
    }

    /// An error at `path` (within the section, as [`Tenant::listed`] gives it).
    pub fn error(&self, path: &str, message: impl Into<String>) -> SeedError {
        self.ctx.error(path, message)
    }

    /// An error at the first of `fields` (name and value, below `path`) that is blank.
    pub fn not_blank(&self, path: &str, fields: &[(&str, &str)]) -> Result {
        match fields.iter().find(|(_, value)| value.trim().is_empty()) {
            Some((field, _)) => Err(self.error(&format!("{path}.{field}"), "must not be blank")),
            None => Ok(()),
        }
    }
}

/// Rows a tenant's load holds back and stores in the order of their table's key, a batch at a
/// time: rows keyed by random ids (contact ids are) land at random places in a big table when
/// stored as they come, and a seed of a million contacts spends seconds on it. Nothing read
/// during the load may need them before [`KeyOrdered::store`], which `finish` calls.
pub struct KeyOrdered<R> {
    held: Vec<R>,
    /// The order of the table's key.
    order: fn(&R, &R) -> Ordering,
    /// Stores rows (as one contact's would be).
    store: fn(&Connection, &[R]) -> rusqlite::Result<()>,
}

impl<R> KeyOrdered<R> {
    /// Rows held at most before they are stored.
    const BATCH: usize = 100_000;

    pub const fn new(
        order: fn(&R, &R) -> Ordering,
        store: fn(&Connection, &[R]) -> rusqlite::Result<()>,
    ) -> Self {
        Self {
            held: Vec::new(),
            order,
            store,
        }
    }

    /// Holds `rows`, storing every row held once there is a full batch of them.
    pub fn hold(&mut self, conn: &Connection, rows: impl IntoIterator<Item = R>) -> Result {
        self.held.extend(rows);
        if self.held.len() >= Self::BATCH {
            self.store(conn)?;
        }
        Ok(())
    }

    /// Stores every row held, in key order; rows of one key keep the order they came in (so
    /// of a key a contact lists twice, `INSERT OR IGNORE` keeps the first, as row by row).
    pub fn store(&mut self, conn: &Connection) -> Result {
        self.held.sort_by(self.order);
        (self.store)(conn, &self.held)?;
        self.held.clear();
        Ok(())
    }
}

/// The creation and update instants a listed record gives: both, or the one given for both;
/// `None` when it gives neither (the vendor generates them).
pub fn given_times(created: Option<Millis>, updated: Option<Millis>) -> Option<(Millis, Millis)> {
    match (created, updated) {
        (Some(created), Some(updated)) => Some((created, updated)),
        (Some(at), None) | (None, Some(at)) => Some((at, at)),
        (None, None) => None,
    }
}

/// Loads `section` (`{"<list>": [tenant, …]}`): each tenant is parsed as `T::Seed`, its
/// credentials checked, its row inserted, then the rest stored by the vendor (see [`Tenants`]).
fn load<T: Tenants>(table: &TenantTable, ctx: &SeedContext<'_>, section: &Value) -> Result {
    let raw = tenant_list(ctx, section, table.list())?;
    for (index, raw) in raw.iter().enumerate() {
        let path = format!("{}[{index}]", table.list());
        let mut fields = match raw {
            Value::Object(fields) => fields.clone(),
            other => {
                let message = serde_json::from_value::<Map<String, Value>>(other.clone())
                    .err()
                    .map_or_else(|| "expected an object".to_owned(), |e| e.to_string());
                return Err(ctx.error(&path, message));
            }
        };
        let credentials = table
            .credentials
            .iter()
            .map(|field| take_credential(ctx, table, &path, field, &mut fields))
            .collect::<Result<Vec<_>, _>>()?;
        let own_count = take_count(ctx, &path, &mut fields)?;
        let seed: T::Seed = parse_at(ctx, &path, &Value::Object(fields))?;
        insert_row(ctx.tx, table, &credentials)?;
        let mut tenant = Tenant {
            ctx,
            table: *table,
            path,
            id: ctx.tx.last_insert_rowid(),
            rng: ctx.rng(index),
            generate: ctx.contacts_to_generate(own_count),
        };
        fill::<T>(&mut tenant, &seed)?;
    }
    Ok(())
}

/// Stores the rest of a tenant whose row is in: [`Tenants::start`], its listed contacts, as
/// many generated ones as it asks for, then [`Tenants::finish`].
fn fill<T: Tenants>(tenant: &mut Tenant<'_>, seed: &T::Seed) -> Result {
    let mut loader = T::start(tenant, seed)?;
    for (path, contact) in tenant.listed("contacts", T::contacts(seed)) {
        loader.insert_listed(tenant, &path, contact)?;
    }
    for _ in 0..tenant.generate {
        loader.insert_generated(tenant)?;
    }
    loader.finish(tenant, seed)
}

/// Inserts a tenant's row with its credentials; settings keep their defaults until set.
fn insert_row(
    tx: &Transaction<'_>,
    table: &TenantTable,
    credentials: &[String],
) -> rusqlite::Result<usize> {
    let places: Vec<String> = (1..=credentials.len()).map(|n| format!("?{n}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.table,
        table.credentials.join(", "),
        places.join(", ")
    );
    tx.execute(&sql, params_from_iter(credentials))
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

/// Takes the tenant's own `generate` count out of its fields.
fn take_count(
    ctx: &SeedContext<'_>,
    path: &str,
    fields: &mut Map<String, Value>,
) -> Result<Option<u32>, SeedError> {
    match fields.remove("generate") {
        None | Some(Value::Null) => Ok(None),
        Some(count) => count
            .as_u64()
            .and_then(|count| u32::try_from(count).ok())
            .map(Some)
            .ok_or_else(|| {
                ctx.error(
                    &format!("{path}.generate"),
                    "expected a count of contacts (a whole number from 0)",
                )
            }),
    }
}

/// `value`, found at `path`, parsed as `T`; errors name the JSON path below it.
fn parse_at<T: DeserializeOwned>(
    ctx: &SeedContext<'_>,
    path: &str,
    value: &Value,
) -> Result<T, SeedError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let below = error.path().to_string();
        let at = if below == "." {
            path.to_owned()
        } else {
            format!("{path}{}", below_path(&below))
        };
        ctx.error(&at, error.into_inner().to_string())
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

/// Takes a credential out of a tenant's fields: a string, sendable in a header, held by one
/// tenant of the vendor only.
fn take_credential(
    ctx: &SeedContext<'_>,
    table: &TenantTable,
    path: &str,
    field: &str,
    fields: &mut Map<String, Value>,
) -> Result<String, SeedError> {
    let value = match fields.remove(field) {
        None => return Err(ctx.error(path, format!("missing field `{field}`"))),
        Some(value) => value,
    };
    let path = format!("{path}.{field}");
    let value: String = parse_at(ctx, &path, &value)?;
    if value.trim().is_empty() {
        return Err(ctx.error(&path, "must not be blank"));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ctx.error(
            &path,
            "must not contain whitespace (it could never be sent in a header)",
        ));
    }
    let taken: bool = ctx.tx.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE {field} = ?1)",
            table.table
        ),
        [&value],
        |row| row.get(0),
    )?;
    if taken {
        return Err(ctx.error(
            &path,
            format!(
                "duplicate credential `{value}`: another {} already uses it",
                table.kind
            ),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Row = (&'static str, i64);

    /// What was stored, in the order it was: `key` and `value` run together.
    fn stored(conn: &Connection) -> Vec<String> {
        conn.prepare("SELECT key || value FROM stored ORDER BY rowid")
            .expect("query")
            .query_map([], |row| row.get(0))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    #[test]
    fn held_rows_are_stored_in_key_order_with_ties_as_given() {
        let conn = Connection::open_in_memory().expect("database");
        conn.execute_batch("CREATE TABLE stored (key TEXT, value INTEGER)")
            .expect("table");
        let mut held: KeyOrdered<Row> = KeyOrdered::new(
            |a, b| a.0.cmp(b.0),
            |conn, rows| {
                for (key, value) in rows {
                    conn.execute("INSERT INTO stored VALUES (?1, ?2)", params![key, value])?;
                }
                Ok(())
            },
        );
        held.hold(&conn, [("b", 1), ("a", 2), ("b", 3), ("a", 4)])
            .expect("held");
        assert!(stored(&conn).is_empty(), "held until stored");
        held.store(&conn).expect("stored");
        assert_eq!(stored(&conn), ["a2", "a4", "b1", "b3"]);
        // A full batch is stored as soon as it is held.
        let batch = KeyOrdered::<Row>::BATCH;
        held.hold(&conn, (0..batch as i64).map(|value| ("b", value)))
            .expect("held");
        assert_eq!(stored(&conn).len(), 4 + batch);
    }
}
