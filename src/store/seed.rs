//! The seed: the database the seed files produced, read-only once built. Resets copy it; a
//! namespace reads it until its first write, and then copies only the *areas* it writes.
//!
//! An area is the part of the schema one [`super::SchemaPart`] created (the state makes one per
//! vendor). A namespace's own database is an in-memory database with the seed attached as
//! [`SEED_SCHEMA`]: SQLite looks a name up in `main` before attached databases, so once an
//! area's tables are copied into `main` every statement finds the copies, and until then the
//! seed's. A write that strays outside the areas copied for it meets a read-only table and
//! fails, instead of changing what other namespaces read.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use super::database::{Database, Location};
use super::{Result, SchemaPart, StoreError, lock};

/// The name the seed is attached under in a namespace's own database.
const SEED_SCHEMA: &str = "understudy_seed";

/// The page cache, in KiB (negative, as `PRAGMA cache_size` takes it), each namespace keeps of
/// the seed.
const SEED_CACHE_KIB: i64 = -128;

/// The area of the objects Understudy itself creates ([`super::META_SCHEMA`]).
const META_AREA: &str = "";
/// The area of objects the seed's fill made on no area's table: copied with any area.
const ANY_AREA: &str = "*";

/// The seeded data, read-only, and which of its objects each area owns.
#[derive(Debug)]
pub(super) struct Seed {
    pub database: Arc<Database>,
    areas: Vec<Area>,
}

#[derive(Debug)]
struct Area {
    name: &'static str,
    /// Names of its tables, indexes, triggers and views (as in `sqlite_schema`).
    objects: Vec<String>,
}

impl Seed {
    /// Builds the seed: every part's schema (recording what each creates), then `fill` in one
    /// transaction; databases `fill` attached (to copy from) are detached once it is committed.
    /// On error nothing is kept.
    pub fn build<E>(
        parts: &[SchemaPart],
        fill: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(), E>,
    ) -> Result<Self, E>
    where
        E: From<StoreError>,
    {
        let database = Database::open(Location::Memory, &[])?;
        let areas = database.with_writer(|conn| -> Result<Vec<Area>, E> {
            // Nothing of a seed is ever rolled back: on any error the whole database goes. So
            // it is built without a journal, and SQLite no longer copies every page a statement
            // changes into a statement journal first (about a second of a million-contact start).
            let journal: String = conn
                .pragma_query_value(None, "journal_mode", |row| row.get(0))
                .map_err(StoreError::from)?;
            conn.execute_batch("PRAGMA journal_mode = OFF")
                .map_err(StoreError::from)?;
            let tx = conn.transaction().map_err(StoreError::from)?;
            let mut seen = object_names(&tx).map_err(StoreError::from)?;
            let mut areas = vec![Area {
                name: META_AREA,
                objects: seen.iter().cloned().collect(),
            }];
            for part in parts {
                tx.execute_batch(part.sql).map_err(StoreError::from)?;
                let now = object_names(&tx).map_err(StoreError::from)?;
                let mut objects: Vec<String> = now.difference(&seen).cloned().collect();
                objects.sort_unstable();
                match areas.iter_mut().find(|area| area.name == part.area) {
                    Some(area) => area.objects.extend(objects),
                    None => areas.push(Area {
                        name: part.area,
                        objects,
                    }),
                }
                seen = now;
            }
            // Indexes are built after the bulk insert: sorting once beats updating them row by
            // row (a 500,000-contact seed loads in half the time).
            let indexes = super::take_indexes(&tx)?;
            fill(&tx)?;
            // Each index's sort may use every core (the seed's writer does nothing else).
            tx.pragma_update(None, "threads", super::database::reader_count())
                .map_err(StoreError::from)?;
            for sql in indexes {
                tx.execute_batch(&sql).map_err(StoreError::from)?;
            }
            adopt_unowned(&tx, &mut areas, &seen).map_err(StoreError::from)?;
            tx.execute(
                "INSERT OR REPLACE INTO understudy_meta (key, value) VALUES ('seeded', '1')",
                [],
            )
            .map_err(StoreError::from)?;
            tx.commit().map_err(StoreError::from)?;
            conn.execute_batch(&format!("PRAGMA journal_mode = {journal}"))
                .map_err(StoreError::from)?;
            detach_all(conn).map_err(StoreError::from)?;
            Ok(areas)
        })?;
        database.release_memory();
        Ok(Self {
            database: Arc::new(database),
            areas,
        })
    }

    fn area(&self, name: &str) -> Option<&Area> {
        self.areas.iter().find(|area| area.name == name)
    }
}

/// Detaches every database a fill attached to copy from (which only a finished transaction
/// lets go).
fn detach_all(conn: &Connection) -> rusqlite::Result<()> {
    let attached: Vec<String> = conn
        .prepare("SELECT name FROM pragma_database_list WHERE name NOT IN ('main', 'temp')")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for name in attached {
        conn.execute("DETACH ?1", [name])?;
    }
    Ok(())
}

/// Gives the objects the fill made (not the schema) an area: that of the table an index or
/// trigger is on, or that of the object it is named after (`<object>_…`: a search index's
/// tables are named after their view, see [`super::search`]); [`ANY_AREA`] for the rest,
/// copied with whichever area is copied first.
fn adopt_unowned(
    conn: &Connection,
    areas: &mut Vec<Area>,
    owned: &HashSet<String>,
) -> rusqlite::Result<()> {
    let mut unowned: Vec<String> = object_names(conn)?.difference(owned).cloned().collect();
    unowned.sort_unstable();
    for name in unowned {
        let table: String = conn.query_row(
            "SELECT tbl_name FROM sqlite_schema WHERE name = ?1",
            [&name],
            |row| row.get(0),
        )?;
        // The longest namesake wins: `a_b_c` goes with `a_b` rather than with `a`.
        let namesake = |area: &Area| {
            area.objects
                .iter()
                .filter(|object| {
                    name.strip_prefix(object.as_str())
                        .is_some_and(|rest| rest.starts_with('_'))
                })
                .map(String::len)
                .max()
        };
        let owner = areas
            .iter()
            .position(|area| table != name && area.objects.contains(&table))
            .or_else(|| {
                areas
                    .iter()
                    .enumerate()
                    .filter(|(_, area)| area.name != ANY_AREA)
                    .filter_map(|(index, area)| Some((namesake(area)?, index)))
                    .max()
                    .map(|(_, index)| index)
            });
        match owner {
            Some(index) => areas[index].objects.push(name),
            None => match areas.iter_mut().find(|area| area.name == ANY_AREA) {
                Some(any) => any.objects.push(name),
                None => areas.push(Area {
                    name: ANY_AREA,
                    objects: vec![name],
                }),
            },
        }
    }
    Ok(())
}

/// The schema's objects but SQLite's own (`sqlite_sequence`, statistics, automatic indexes),
/// which come with the objects they serve.
fn object_names(conn: &Connection) -> rusqlite::Result<HashSet<String>> {
    conn.prepare("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")?
        .query_map([], |row| row.get(0))?
        .collect()
}

/// A namespace's own database: the seed attached, and the areas copied so far.
#[derive(Debug)]
pub(super) struct Overlay {
    seed: Arc<Seed>,
    /// Areas whose objects are in `main`; changed only under the writer's lock.
    copied: Mutex<HashSet<&'static str>>,
}

impl Overlay {
    /// Attaches `seed` to `conn`, read-only.
    pub fn attach(conn: &Connection, seed: Arc<Seed>) -> rusqlite::Result<Self> {
        let uri = format!("{}&mode=ro", seed.database.name());
        conn.execute(&format!("ATTACH ?1 AS {SEED_SCHEMA}"), [uri])?;
        // Every namespace's connection caches the seed pages it reads, and a page missed is a
        // copy from memory anyway: a small cache bounds what a thousand namespaces cost.
        conn.pragma_update(Some(SEED_SCHEMA), "cache_size", SEED_CACHE_KIB)?;
        Ok(Self {
            seed,
            copied: Mutex::new(HashSet::new()),
        })
    }

    /// Makes sure the tables a write in `area` may change are copies of the namespace's own:
    /// that area's, or every area's for `None` (or an area the seed does not know).
    pub fn copy_for(&self, conn: &mut Connection, area: Option<&str>) -> rusqlite::Result<()> {
        let wanted: Vec<&Area> = match area.and_then(|name| self.seed.area(name)) {
            Some(area) => std::iter::once(area)
                .chain(self.seed.area(ANY_AREA))
                .collect(),
            None => self.seed.areas.iter().collect(),
        };
        let mut copied = lock(&self.copied);
        for area in wanted {
            if copied.contains(area.name) {
                continue;
            }
            copy_area(conn, area)?;
            copied.insert(area.name);
        }
        Ok(())
    }
}

/// An object of the seed as `sqlite_schema` and `pragma table_list` describe it.
struct Object {
    kind: String,
    name: String,
    sql: Option<String>,
    /// `table_list`'s type for tables: `table`, `virtual`, `shadow`; `None` for the rest.
    table_kind: Option<String>,
    without_rowid: bool,
}

/// Copies one area's objects from the seed into `main`, rows exactly (row ids included), in one
/// transaction.
fn copy_area(conn: &mut Connection, area: &Area) -> rusqlite::Result<()> {
    // The rows are the seed's, which held to its foreign keys; checking them again would only
    // keep SQLite from moving whole records (and the setting cannot change in a transaction).
    let checked: bool = conn.pragma_query_value(None, "foreign_keys", |row| row.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let copied = copy_area_unchecked(conn, area);
    conn.pragma_update(None, "foreign_keys", checked)?;
    copied
}

fn copy_area_unchecked(conn: &mut Connection, area: &Area) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let objects = area_objects(&tx, area)?;
    let of_kind = |kind: &'static str| objects.iter().filter(move |o| o.kind == kind);
    let tables = |kinds: &'static [&'static str]| {
        objects
            .iter()
            .filter(move |o| o.table_kind.as_deref().is_some_and(|k| kinds.contains(&k)))
    };
    // Tables (a virtual table makes its shadow tables itself) and their indexes first: copying
    // into indexed tables lets SQLite move whole records and index entries at once.
    for object in tables(&["table", "virtual"]).chain(of_kind("index")) {
        if let Some(sql) = &object.sql {
            tx.execute_batch(sql)?;
        }
    }
    for table in tables(&["table", "shadow"]) {
        if table.table_kind.as_deref() == Some("shadow") {
            // A virtual table starts its shadow tables with rows of its own.
            tx.execute(&format!("DELETE FROM main.{}", quote(&table.name)), [])?;
        }
        copy_rows(&tx, table)?;
    }
    let has = |schema: &str, table: &str| -> rusqlite::Result<bool> {
        tx.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM {schema}.sqlite_schema WHERE name = ?1)"),
            [table],
            |row| row.get(0),
        )
    };
    if has(SEED_SCHEMA, "sqlite_sequence")? && has("main", "sqlite_sequence")? {
        // Copying rows counted them again; the seed's count also remembers deleted ids.
        for table in tables(&["table"]) {
            tx.execute(
                "DELETE FROM main.sqlite_sequence WHERE name = ?1",
                [&table.name],
            )?;
            tx.execute(
                &format!(
                    "INSERT INTO main.sqlite_sequence (name, seq)
                     SELECT name, seq FROM {SEED_SCHEMA}.sqlite_sequence WHERE name = ?1"
                ),
                [&table.name],
            )?;
        }
    }
    // Triggers and views once the rows are in (triggers must not fire on the copy).
    for object in of_kind("trigger").chain(of_kind("view")) {
        if let Some(sql) = &object.sql {
            tx.execute_batch(sql)?;
        }
    }
    // Planner statistics, if the seed has them, made the same way from the same rows.
    if has(SEED_SCHEMA, "sqlite_stat1")? {
        for table in tables(&["table"]) {
            tx.execute_batch(&format!("ANALYZE main.{}", quote(&table.name)))?;
        }
    }
    tx.commit()
}

/// Copies a table's rows from the seed into its empty copy in `main`, row ids included.
///
/// SQLite copies `INSERT INTO t SELECT * FROM s` between tables of one schema record by record
/// (its "transfer optimisation"), which keeps row ids when the table has an index. Where it
/// would not apply, or would number rows afresh, each row is copied with its `rowid` named.
fn copy_rows(tx: &Connection, table: &Object) -> rusqlite::Result<()> {
    let name = quote(&table.name);
    let whole = format!("INSERT INTO main.{name} SELECT * FROM {SEED_SCHEMA}.{name}");
    if table.without_rowid || transfers_row_ids(tx, &table.name, &whole)? {
        tx.execute(&whole, [])?;
        return Ok(());
    }
    let mut columns: Vec<String> = tx
        .prepare(&format!(
            "SELECT name FROM pragma_table_xinfo(?1, '{SEED_SCHEMA}') WHERE hidden = 0"
        ))?
        .query_map([&table.name], |row| row.get::<_, String>(0))?
        .map(|name| name.map(|name| quote(&name)))
        .collect::<rusqlite::Result<_>>()?;
    columns.insert(0, "rowid".into());
    let columns = columns.join(", ");
    tx.execute(
        &format!("INSERT INTO main.{name} ({columns}) SELECT {columns} FROM {SEED_SCHEMA}.{name}"),
        [],
    )?;
    Ok(())
}

/// Whether `insert` (a whole-table copy into `table`) moves records as they are, row ids
/// included: SQLite compiled it to its transfer (`RowCell`, or `RowData` with the pre-update
/// hook) and the table has an index, without which the transfer numbers rows afresh.
fn transfers_row_ids(tx: &Connection, table: &str, insert: &str) -> rusqlite::Result<bool> {
    let indexed: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM main.sqlite_schema WHERE type = 'index' AND tbl_name = ?1)",
        [table],
        |row| row.get(0),
    )?;
    if !indexed {
        return Ok(false);
    }
    let opcodes: Vec<String> = tx
        .prepare(&format!("EXPLAIN {insert}"))?
        .query_map([], |row| row.get::<_, String>(1))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(opcodes.iter().any(|op| op == "RowCell" || op == "RowData"))
}

fn area_objects(conn: &Connection, area: &Area) -> rusqlite::Result<Vec<Object>> {
    let names = serde_json::to_string(&area.objects)
        .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
    // In the order they were made: tables before the indexes and triggers on them.
    conn.prepare(&format!(
        "SELECT s.type, s.name, s.sql, t.type, coalesce(t.wr, 0)
         FROM {SEED_SCHEMA}.sqlite_schema s
         LEFT JOIN pragma_table_list t ON t.schema = '{SEED_SCHEMA}' AND t.name = s.name
         WHERE s.name IN (SELECT value FROM json_each(?1))
         ORDER BY s.rowid"
    ))?
    .query_map([names], |row| {
        Ok(Object {
            kind: row.get(0)?,
            name: row.get(1)?,
            sql: row.get(2)?,
            table_kind: row.get(3)?,
            without_rowid: row.get(4)?,
        })
    })?
    .collect()
}

/// `name` as an SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
