//! The seed: the database the seed files produced, read-only once built but for its search
//! indexes, which come in once it is served. Resets copy it; a namespace reads it until its
//! first write, and then copies only the *areas* it writes. Nothing copies it before its search
//! indexes are in, so no copy lacks them.
//!
//! An area is the part of the schema one [`super::SchemaPart`] created (the state makes one per
//! vendor). A namespace's own database is an in-memory database with the seed attached as
//! [`SEED_SCHEMA`]: SQLite looks a name up in `main` before attached databases, so once an
//! area's tables are copied into `main` every statement finds the copies, and until then the
//! seed's. A write that strays outside the areas copied for it meets a read-only table and
//! fails, instead of changing what other namespaces read.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::channel;
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use rusqlite::Connection;

use super::database::{Database, Location};
use super::{Fill, Result, SchemaPart, StoreError, lock, search};

/// The name the seed is attached under in a namespace's own database.
const SEED_SCHEMA: &str = "understudy_seed";

/// The name an area's database is attached under while the seed copies it in.
const PART_SCHEMA: &str = "understudy_part";

/// The page cache, in KiB (negative, as `PRAGMA cache_size` takes it), each namespace keeps of
/// the seed.
const SEED_CACHE_KIB: i64 = -128;

/// The area of the objects Understudy itself creates ([`super::META_SCHEMA`]).
const META_AREA: &str = "";

/// The seeded data, read-only but for its search indexes, which are built once it is served
/// ([`Seed::index`]); and which of its objects each area owns.
#[derive(Debug)]
pub(super) struct Seed {
    pub database: Arc<Database>,
    /// The areas while the search indexes are built (which adds theirs).
    building: Mutex<Vec<Area>>,
    /// The areas once the search indexes are built or given up ([`Seed::settled`]).
    areas: OnceLock<Vec<Area>>,
    settling: Condvar,
}

#[derive(Debug)]
struct Area {
    name: &'static str,
    /// Names of its tables, indexes, triggers and views (as in `sqlite_schema`).
    objects: Vec<String>,
}

/// One area to build: its schema and the fills that load it, in order.
struct AreaWork<'a, E> {
    name: &'static str,
    sql: Vec<&'static str>,
    fills: Vec<Fill<'a, E>>,
}

impl Seed {
    /// Builds the seed: each area in a database of its own (its schema, then its fills in one
    /// transaction, then its indexes), several areas at once ([`builders`]), each copied into
    /// the seed as soon as it is done. On error nothing is kept and no further area is started;
    /// the error is that of the first area, in the order of `parts`, among those that failed.
    /// The search indexes are not built yet: see [`Seed::index`].
    pub fn build<E>(parts: &[SchemaPart], fills: Vec<Fill<'_, E>>) -> Result<Self, E>
    where
        E: From<StoreError> + Send,
    {
        let mut work: Vec<AreaWork<'_, E>> = Vec::new();
        for part in parts {
            match work.iter_mut().find(|area| area.name == part.area) {
                Some(area) => area.sql.push(part.sql),
                None => work.push(AreaWork {
                    name: part.area,
                    sql: vec![part.sql],
                    fills: Vec::new(),
                }),
            }
        }
        for fill in fills {
            match work.iter_mut().find(|area| area.name == fill.area) {
                Some(area) => area.fills.push(fill),
                None => return Err(StoreError::UnknownArea(fill.area).into()),
            }
        }
        let database = Database::open(Location::Memory, &[])?;
        let mut areas = vec![Area {
            name: META_AREA,
            objects: database
                .with_writer(|conn| object_names(conn))
                .map_err(StoreError::from)?
                .into_iter()
                .collect(),
        }];
        areas.extend(work.iter().map(|area| Area {
            name: area.name,
            objects: Vec::new(),
        }));
        let failed = AtomicBool::new(false);
        let queue = Mutex::new(work.into_iter().enumerate());
        let (done, finished) = channel();
        let mut first_error: Option<(usize, E)> = None;
        std::thread::scope(|scope| {
            for _ in 0..builders() {
                let (done, queue, failed) = (done.clone(), &queue, &failed);
                scope.spawn(move || {
                    while !failed.load(Ordering::Acquire) {
                        let Some((index, area)) = lock(queue).next() else {
                            break;
                        };
                        let built = build_area(area);
                        if built.is_err() {
                            failed.store(true, Ordering::Release);
                        }
                        if done.send((index, built)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done);
            database.with_writer(|conn| {
                for (index, built) in finished {
                    let copied = built.and_then(|part| {
                        if first_error.is_some() {
                            return Ok(());
                        }
                        copy_in(conn, &part, &mut areas[index + 1]).map_err(E::from)
                    });
                    if let Err(error) = copied {
                        failed.store(true, Ordering::Release);
                        if first_error.as_ref().is_none_or(|(first, _)| index < *first) {
                            first_error = Some((index, error));
                        }
                    }
                }
            });
        });
        if let Some((_, error)) = first_error {
            return Err(error);
        }
        database
            .with_writer(|conn| {
                conn.execute(
                    "INSERT OR REPLACE INTO understudy_meta (key, value) VALUES ('seeded', '1')",
                    [],
                )
            })
            .map_err(StoreError::from)?;
        database.release_memory();
        Ok(Self {
            database: Arc::new(database),
            building: Mutex::new(areas),
            areas: OnceLock::new(),
            settling: Condvar::new(),
        })
    }

    /// Builds the search indexes on a thread of their own and then marks the seed settled.
    /// Until then searches answer the same by checking every record, and whatever copies the
    /// seed waits ([`Seed::settled`]), so that no copy lacks them.
    pub fn index(self: &Arc<Self>) {
        let seed = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("search-feed".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                match seed.build_search_indexes() {
                    Ok(()) => tracing::info!(took = ?started.elapsed(), "search indexes built"),
                    Err(error) => tracing::error!(%error, "search indexes not built: searches check every record"),
                }
                seed.settle();
            });
        if spawned.is_err() {
            self.settle();
        }
    }

    fn build_search_indexes(&self) -> Result<()> {
        self.database.with_writer(|conn| {
            let tx = conn.transaction()?;
            let before = object_names(&tx)?;
            search::build(&tx)?;
            adopt_unowned(&tx, &mut lock(&self.building), &before)?;
            tx.commit()?;
            detach_all(conn)?;
            Ok::<_, StoreError>(())
        })?;
        self.database.release_memory();
        Ok(())
    }

    fn settle(&self) {
        let mut building = lock(&self.building);
        let _ = self.areas.set(std::mem::take(&mut *building));
        drop(building);
        self.settling.notify_all();
    }

    /// Whether the search indexes are built (or given up).
    pub fn is_settled(&self) -> bool {
        self.areas.get().is_some()
    }

    /// Waits until the search indexes are built (or given up), and answers the areas then:
    /// whatever copies the seed calls it first. Blocking.
    fn settled(&self) -> &[Area] {
        // Every scoped write of a namespace asks: once settled, no lock.
        if let Some(areas) = self.areas.get() {
            return areas;
        }
        let mut building = lock(&self.building);
        loop {
            if let Some(areas) = self.areas.get() {
                return areas;
            }
            building = self
                .settling
                .wait(building)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// [`Seed::settled`] for a copy made elsewhere (of the whole database). Blocking.
    pub fn wait_settled(&self) {
        self.settled();
    }
}

/// Threads building areas: twice the cores, so that a core whose area is done turns to
/// another while the largest still loads (areas differ several times in size).
fn builders() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) * 2
}

/// Builds one area in a database of its own: its schema, its fills in one transaction without
/// a journal, then its indexes (sorting once beats updating them row by row: a
/// 500,000-contact seed loads in half the time).
fn build_area<E>(area: AreaWork<'_, E>) -> Result<Database, E>
where
    E: From<StoreError>,
{
    let database = Database::open(Location::Memory, &area.sql)?;
    database.with_writer(|conn| -> Result<(), E> {
        // Nothing of an area is ever rolled back: on any error the whole database goes. So it
        // is built without a journal, and SQLite no longer copies every page a statement
        // changes into a statement journal first (about a second of a million-contact start).
        conn.execute_batch("PRAGMA journal_mode = OFF")
            .map_err(StoreError::from)?;
        let tx = conn.transaction().map_err(StoreError::from)?;
        let indexes = super::take_indexes(&tx)?;
        for fill in area.fills {
            (fill.run)(&tx)?;
        }
        for sql in indexes {
            tx.execute_batch(&sql).map_err(StoreError::from)?;
        }
        tx.commit().map_err(StoreError::from)?;
        Ok(())
    })?;
    Ok(database)
}

/// Copies a built area's objects and rows into the seed (`conn`, its writer), with the rows it
/// put in `understudy_meta`, and records them as `area`'s.
fn copy_in(conn: &mut Connection, part: &Database, area: &mut Area) -> Result<()> {
    conn.execute(&format!("ATTACH ?1 AS {PART_SCHEMA}"), [part.name()])?;
    let copied = (|| {
        let known = object_names(conn)?;
        let mut objects: Vec<String> = conn
            .prepare(&format!(
                "SELECT name FROM {PART_SCHEMA}.sqlite_schema
                 WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid"
            ))?
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?;
        objects.retain(|name| !known.contains(name));
        area.objects = objects;
        copy_area(conn, area, PART_SCHEMA)?;
        conn.execute(
            &format!(
                "INSERT OR REPLACE INTO main.understudy_meta SELECT * FROM {PART_SCHEMA}.understudy_meta"
            ),
            [],
        )?;
        Ok(())
    })();
    conn.execute(&format!("DETACH {PART_SCHEMA}"), [])?;
    copied
}

/// Detaches every database the search index build attached to copy from (which only a
/// finished transaction lets go).
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

/// Gives the objects made since `owned` (the search indexes) the area of the object they are
/// named after (`<object>_…`: a search index's tables are named after their view, see
/// [`super::search`]), the longest such name winning (`a_b_c` goes with `a_b` rather than with
/// `a`); Understudy's own area if none.
fn adopt_unowned(
    conn: &Connection,
    areas: &mut [Area],
    owned: &HashSet<String>,
) -> rusqlite::Result<()> {
    let mut unowned: Vec<String> = object_names(conn)?.difference(owned).cloned().collect();
    unowned.sort_unstable();
    for name in unowned {
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
            .enumerate()
            .filter_map(|(index, area)| Some((namesake(area)?, index)))
            .max()
            .map_or(0, |(_, index)| index);
        areas[owner].objects.push(name);
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
        let areas = self.seed.settled();
        let known = area.filter(|name| areas.iter().any(|known| known.name == *name));
        let mut copied = lock(&self.copied);
        for area in areas {
            let wanted = known.is_none_or(|name| area.name == name);
            if !wanted || copied.contains(area.name) {
                continue;
            }
            copy_area(conn, area, SEED_SCHEMA)?;
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

/// Copies one area's objects from the attached database `from` into `main`, rows exactly (row
/// ids included), in one transaction.
fn copy_area(conn: &mut Connection, area: &Area, from: &str) -> rusqlite::Result<()> {
    // The rows are the seed's, which held to its foreign keys; checking them again would only
    // keep SQLite from moving whole records (and the setting cannot change in a transaction).
    let checked: bool = conn.pragma_query_value(None, "foreign_keys", |row| row.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let copied = copy_area_unchecked(conn, area, from);
    conn.pragma_update(None, "foreign_keys", checked)?;
    copied
}

fn copy_area_unchecked(conn: &mut Connection, area: &Area, from: &str) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let objects = area_objects(&tx, area, from)?;
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
        copy_rows(&tx, table, from)?;
    }
    let has = |schema: &str, table: &str| -> rusqlite::Result<bool> {
        tx.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM {schema}.sqlite_schema WHERE name = ?1)"),
            [table],
            |row| row.get(0),
        )
    };
    if has(from, "sqlite_sequence")? && has("main", "sqlite_sequence")? {
        // Copying rows counted them again; the seed's count also remembers deleted ids.
        for table in tables(&["table"]) {
            tx.execute(
                "DELETE FROM main.sqlite_sequence WHERE name = ?1",
                [&table.name],
            )?;
            tx.execute(
                &format!(
                    "INSERT INTO main.sqlite_sequence (name, seq)
                     SELECT name, seq FROM {from}.sqlite_sequence WHERE name = ?1"
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
    if has(from, "sqlite_stat1")? {
        for table in tables(&["table"]) {
            tx.execute_batch(&format!("ANALYZE main.{}", quote(&table.name)))?;
        }
    }
    tx.commit()
}

/// Copies a table's rows from `from` into its empty copy in `main`, row ids included.
///
/// SQLite copies `INSERT INTO t SELECT * FROM s` between tables of one schema record by record
/// (its "transfer optimisation"), which keeps row ids when the table has an index. Where it
/// would not apply, or would number rows afresh, each row is copied with its `rowid` named.
fn copy_rows(tx: &Connection, table: &Object, from: &str) -> rusqlite::Result<()> {
    let name = quote(&table.name);
    let whole = format!("INSERT INTO main.{name} SELECT * FROM {from}.{name}");
    if table.without_rowid || transfers_row_ids(tx, &table.name, &whole)? {
        tx.execute(&whole, [])?;
        return Ok(());
    }
    let mut columns: Vec<String> = tx
        .prepare(&format!(
            "SELECT name FROM pragma_table_xinfo(?1, '{from}') WHERE hidden = 0"
        ))?
        .query_map([&table.name], |row| row.get::<_, String>(0))?
        .map(|name| name.map(|name| quote(&name)))
        .collect::<rusqlite::Result<_>>()?;
    columns.insert(0, "rowid".into());
    let columns = columns.join(", ");
    tx.execute(
        &format!("INSERT INTO main.{name} ({columns}) SELECT {columns} FROM {from}.{name}"),
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

fn area_objects(conn: &Connection, area: &Area, from: &str) -> rusqlite::Result<Vec<Object>> {
    let names = serde_json::to_string(&area.objects)
        .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
    // In the order they were made: tables before the indexes and triggers on them.
    conn.prepare(&format!(
        "SELECT s.type, s.name, s.sql, t.type, coalesce(t.wr, 0)
         FROM {from}.sqlite_schema s
         LEFT JOIN pragma_table_list t ON t.schema = '{from}' AND t.name = s.name
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
