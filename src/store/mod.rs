//! The one SQLite store behind every vendor. It knows tables, not HTTP: vendors hand it their
//! schema and run their own queries through a [`Db`].
//!
//! The *seed* is built in memory from the seed files, each area (a vendor's tables) in a
//! database of its own and several at once, then copied into one; it is read-only from then on
//! but for its search indexes, built once it is served (and waited for by whatever copies it).
//! The default namespace's data is a file with `--db`, which reset copies the seed over with
//! SQLite's online backup; in memory it is the seed itself until its first write, then a whole
//! copy of it (one page-by-page copy), which a reset lets go. Every other namespace is the seed
//! itself until its first write, then a small database of its own holding copies of only the
//! areas written (see `store::seed`).
//!
//! Every write names the rows it may change — a [`Scope`], or anything — and each database
//! counts writes per scope, so a cached answer is keyed by the writes that could change it
//! ([`View::generation`]) and outlives all others. A copy counts on from the seed it copied
//! ([`View::lineage`]), so it serves the seed's answers until a write changes what they read.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use rusqlite::Connection;

mod database;
mod namespaces;
pub mod search;
mod seed;

pub use database::Reach;
use database::{Database, Location, WriteJob};
use namespaces::Namespaces;
pub use namespaces::{
    DEFAULT_MAX_NAMESPACES, DEFAULT_NAMESPACE_IDLE, Gone, NamespaceInfo, NamespaceLimits,
};
use seed::Seed;

/// What can go wrong in the store; vendors turn it into their own 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("store task panicked or was cancelled")]
    TaskFailed,
    #[error("commit failed: {0}")]
    CommitFailed(String),
    #[error("the write-ahead log could not be emptied: a reader held it")]
    CheckpointBusy,
    #[error("no part of the schema has the area `{0}`")]
    UnknownArea(&'static str),
    #[error(
        "{path}: its table `{table}` is not the one this version of Understudy makes (this \
         version's columns: {wanted}; the file's: {found}): the file was written by another \
         version. Start with a new --db file, or none, to seed afresh"
    )]
    IncompatibleFile {
        path: String,
        table: String,
        wanted: String,
        found: String,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The meta table Understudy itself keeps in every database.
const META_SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS understudy_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);";

/// Part of the schema, owned by one *area* (the state makes one per vendor, named by its slug):
/// a namespace copies an area's tables from the seed on the first write scoped to it.
#[derive(Debug, Clone, Copy)]
pub struct SchemaPart {
    pub area: &'static str,
    pub sql: &'static str,
}

/// Loads one area of a new seed ([`Store::replace_template`]): run on a thread of its own, in a
/// transaction on a database holding only Understudy's own tables and that area's part of the
/// schema.
pub struct Fill<'a, E> {
    area: &'static str,
    run: FillWork<'a, E>,
}

type FillWork<'a, E> = Box<dyn FnOnce(&rusqlite::Transaction<'_>) -> Result<(), E> + Send + 'a>;

impl<'a, E> Fill<'a, E> {
    pub fn new(
        area: &'static str,
        run: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(), E> + Send + 'a,
    ) -> Self {
        Self {
            area,
            run: Box::new(run),
        }
    }
}

/// The rows a write may change: those `owner` holds in `area` (the kit: a vendor's slug and a
/// tenant's row id). A write made for a scope must change no other rows: cached answers of
/// other scopes are kept across it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scope {
    pub area: &'static str,
    pub owner: i64,
}

/// A handle to the data of the default namespace or of one other namespace. Cheap to clone;
/// every clone sees the same data.
#[derive(Clone, Debug)]
pub struct Db(Arc<Source>);

#[derive(Debug)]
enum Source {
    /// The default namespace's data in a file (`--db`): written in place; reset copies the
    /// seed over it.
    File(Arc<Database>),
    /// Data that is the seed's until its first write, then a database of its own, made under
    /// this data's own lock (so namespaces never wait for each other): for the default
    /// namespace a whole copy of the seed (one page-by-page copy, cheaper than area by area,
    /// and no copy at all until something is written); for another namespace only the areas
    /// it writes (made by the thousand, each small). Reset lets the own database go.
    Seeded {
        whole: bool,
        data: Mutex<Seeded>,
        /// Held while an own database is made, so a reset waits for it to be whole.
        making: Mutex<()>,
    },
}

#[derive(Debug)]
struct Seeded {
    seed: Arc<Seed>,
    own: Option<Arc<Database>>,
}

/// The data one read works on: the same for the cache key and the query, even if a write
/// moves the namespace onto a database of its own meanwhile.
#[derive(Clone, Debug)]
pub struct View(Arc<Database>);

impl View {
    /// The data's lineage: a seed's, shared by every copy made of it (the default namespace's,
    /// other namespaces'), whose [`View::generation`]s tell their states apart. With them it keys
    /// a cached answer, so a copy serves the seed's answers until a write changes what they read.
    pub fn lineage(&self) -> u64 {
        self.0.lineage()
    }

    /// Identifies the database itself among all of the process.
    #[cfg(test)]
    fn database(&self) -> u64 {
        self.0.id()
    }

    /// Changes whenever a write that could change something within `reach` is committed, and
    /// with every restore. Read it before the data: an answer computed while a write lands is
    /// filed under the older generation and never served after the write.
    pub fn generation(&self, reach: Reach) -> (u64, u64) {
        self.0.generation(reach)
    }

    /// Runs read-only work inside one read transaction (one snapshot), on tokio's blocking
    /// pool.
    pub async fn read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let database = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || database.read(work))
            .await
            .map_err(|_| StoreError::TaskFailed)?
    }
}

impl Db {
    fn file(database: Database) -> Self {
        Self(Arc::new(Source::File(Arc::new(database))))
    }

    fn seeded(seed: Arc<Seed>, whole: bool) -> Self {
        Self(Arc::new(Source::Seeded {
            whole,
            data: Mutex::new(Seeded { seed, own: None }),
            making: Mutex::new(()),
        }))
    }

    fn namespace(seed: Arc<Seed>) -> Self {
        Self::seeded(seed, false)
    }

    /// The data reads see now.
    pub fn view(&self) -> View {
        View(match &*self.0 {
            Source::File(database) => Arc::clone(database),
            Source::Seeded { data, .. } => {
                let data = lock(data);
                Arc::clone(data.own.as_ref().unwrap_or(&data.seed.database))
            }
        })
    }

    /// The database writes go to: a seeded data's own, made on its first write. Blocking.
    fn target(&self) -> Result<Arc<Database>> {
        match &*self.0 {
            Source::File(database) => Ok(Arc::clone(database)),
            Source::Seeded {
                whole,
                data,
                making,
            } => {
                let _making = lock(making);
                let seed = {
                    let data = lock(data);
                    if let Some(database) = &data.own {
                        return Ok(Arc::clone(database));
                    }
                    Arc::clone(&data.seed)
                };
                // Made outside the data's lock: reads go on from the seed meanwhile.
                let database = Arc::new(if *whole {
                    seed.wait_settled();
                    Database::copy_of(&seed.database)?
                } else {
                    Database::overlay(seed)?
                });
                lock(data).own = Some(Arc::clone(&database));
                Ok(database)
            }
        }
    }

    /// Runs blocking SQLite work that may change anything, on tokio's blocking pool, and
    /// answers once it is committed (durably, with `--db`). Every cached answer of this data
    /// is recomputed after it; prefer [`Db::run_for`].
    ///
    /// Writes that arrive together are committed together ("group commit"): each job runs in
    /// a savepoint of its own, so one job's error undoes only its own changes, and the batch
    /// pays for one commit (one `fsync` on a file) instead of one per write.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.write(None, work).await
    }

    /// [`Db::run`] for work that changes only the rows of `scope`: cached answers of other
    /// scopes stay. In a namespace the first such write copies the scope's area from the seed.
    pub async fn run_for<T, F>(&self, scope: Scope, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.write(Some(scope), work).await
    }

    async fn write<T, F>(&self, scope: Option<Scope>, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job = WriteJob::new(scope, work, answer);
        let db = self.clone();
        tokio::task::spawn_blocking(move || match db.target() {
            Ok(database) => database.write(job),
            Err(error) => job.refuse(error),
        })
        .await
        .map_err(|_| StoreError::TaskFailed)?;
        answered.await.map_err(|_| StoreError::TaskFailed)?
    }

    /// Runs work that may change anything right here; for start-up, admin paths and tests.
    pub fn run_now<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        self.target()?.write_now(work)
    }

    /// Runs read-only work inside one read transaction, so every statement sees the same
    /// snapshot, on tokio's blocking pool.
    pub async fn read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.view().read(work).await
    }

    /// Runs a single-statement lookup on a reader right here: small enough not to leave the
    /// async worker, and one statement needs no transaction to see one snapshot.
    pub fn read_now<T>(&self, work: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        self.view().0.read_now(work)
    }

    /// Copies every committed write from the write-ahead log into the database file and
    /// empties the log (`wal_checkpoint(TRUNCATE)`); nothing to do in memory.
    pub fn checkpoint(&self) -> Result<()> {
        let Source::File(database) = &*self.0 else {
            return Ok(());
        };
        // Row: (busy, pages in the log, pages copied); an in-memory database answers -1 for both
        // counts.
        let busy: i64 = database.write_now(|conn| {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
        })?;
        if busy != 0 {
            return Err(StoreError::CheckpointBusy);
        }
        Ok(())
    }

    /// The bytes of data a namespace holds of its own (0 while it reads the seed's).
    fn own_bytes(&self) -> u64 {
        match &*self.0 {
            Source::File(database) => database.bytes(),
            Source::Seeded { data, .. } => lock(data).own.as_ref().map_or(0, |db| db.bytes()),
        }
    }

    /// Puts the data back to exactly `seed`. Blocking for a file, which the seed is copied
    /// over; seeded data just lets its own database go.
    fn reset(&self, seed: &Arc<Seed>) -> Result<()> {
        match &*self.0 {
            Source::File(database) => {
                seed.wait_settled();
                database.restore_from(&seed.database)
            }
            Source::Seeded { data, making, .. } => {
                let _making = lock(making);
                let dropped = {
                    let mut data = lock(data);
                    data.seed = Arc::clone(seed);
                    data.own.take()
                };
                drop(dropped);
                Ok(())
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic inside a store call leaves SQLite consistent (statements are atomic) and the
    // namespace map whole, so a poisoned lock is still safe to use.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The live database, the seed it is reset from, and the namespaces.
#[derive(Debug)]
pub struct Store {
    live: Db,
    parts: Vec<SchemaPart>,
    namespaces: Namespaces,
}

impl Store {
    /// Opens the live database (a file when `path` is given) with every part of the schema, and
    /// an empty seed.
    pub fn open(
        path: Option<&Path>,
        parts: Vec<SchemaPart>,
        limits: NamespaceLimits,
    ) -> Result<Self> {
        let seed = Arc::new(Seed::build::<StoreError>(&parts, Vec::new())?);
        seed.index();
        let live = match path {
            Some(path) => {
                let sql: Vec<&str> = parts.iter().map(|part| part.sql).collect();
                Db::file(Database::open(Location::File(path), &sql)?)
            }
            None => Db::seeded(Arc::clone(&seed), true),
        };
        Ok(Self {
            live,
            parts,
            namespaces: Namespaces::new(seed, limits),
        })
    }

    /// The database of the default namespace.
    pub fn live(&self) -> &Db {
        &self.live
    }

    /// Builds a new seed with `fills` (each area's side by side), and makes it the one resets
    /// and new namespaces start from. On error the previous seed stays. Its search indexes are
    /// built next, in the background ([`Store::search_ready`]).
    pub fn replace_template<E>(&self, fills: Vec<Fill<'_, E>>) -> Result<(), E>
    where
        E: From<StoreError> + Send,
    {
        let seed = Arc::new(Seed::build(&self.parts, fills)?);
        seed.index();
        self.namespaces.set_seed(seed);
        Ok(())
    }

    /// Whether the seed's search indexes are built: until then searches check every record
    /// (the same answers, slower) and a namespace's first write waits for them.
    pub fn search_ready(&self) -> bool {
        self.namespaces.seed().is_settled()
    }

    /// Whether the default namespace's data is a file that already holds seeded data (from an
    /// earlier run): then it is kept as it is, where data in memory starts as the seed.
    pub fn live_is_seeded(&self) -> Result<bool> {
        let Source::File(database) = &*self.live.0 else {
            return Ok(false);
        };
        database.read_now(|conn| {
            conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM understudy_meta WHERE key = 'seeded')",
                [],
                |row| row.get(0),
            )
        })
    }

    /// Puts the live database back to exactly the seed. Blocking.
    pub fn reset(&self) -> Result<()> {
        self.live.reset(&self.namespaces.seed())
    }

    /// The namespace `name`, made on first use (which costs a map entry: it reads the seed
    /// until its first write), marked used now; and the namespaces let go to make room for it
    /// or for idleness.
    pub fn namespace(&self, name: &str) -> (Db, Gone) {
        self.namespaces.get(name, Instant::now())
    }

    /// Lets go the namespaces idle for longer than the limit.
    pub fn expire_namespaces(&self) -> Gone {
        self.namespaces.expire(Instant::now())
    }

    /// Puts one namespace back to the seed; `false` if it does not exist.
    pub fn reset_namespace(&self, name: &str) -> Result<bool> {
        match self.namespaces.find(name) {
            Some(db) => db.reset(&self.namespaces.seed()).map(|()| true),
            None => Ok(false),
        }
    }

    /// Drops one namespace; `false` if it did not exist.
    pub fn drop_namespace(&self, name: &str) -> bool {
        self.namespaces.remove(name)
    }

    /// Lets go every namespace (after the seed changed, they would be stale).
    pub fn drop_namespaces(&self) -> Gone {
        self.namespaces.clear()
    }

    /// The namespaces in use, by name, with their size and last use.
    pub fn namespaces(&self) -> Vec<NamespaceInfo> {
        self.namespaces.list()
    }
}

/// Drops the schema's explicit indexes, returning the SQL that recreates them. (Indexes behind
/// `PRIMARY KEY` and `UNIQUE` stay, so credential and id lookups while seeding stay fast.)
fn take_indexes(conn: &Connection) -> Result<Vec<String>> {
    let indexes: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &indexes {
        conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(indexes.into_iter().map(|(_, sql)| sql).collect())
}

/// Applies Understudy's own schema and then `schema`, in one transaction (one commit instead of
/// one per statement).
fn apply_schema(conn: &Connection, schema: &[&str]) -> Result<()> {
    conn.execute_batch("BEGIN")?;
    let applied = std::iter::once(&META_SCHEMA)
        .chain(schema)
        .try_for_each(|sql| conn.execute_batch(sql));
    match applied {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(error) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(error.into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const THINGS: SchemaPart = SchemaPart {
        area: "things",
        sql: "CREATE TABLE IF NOT EXISTS things (owner INTEGER NOT NULL, name TEXT NOT NULL);
              CREATE INDEX IF NOT EXISTS things_by_name ON things (name);",
    };
    /// A searchable set of `watchers`, named after `things` too.
    const WATCHERS: SchemaPart = SchemaPart {
        area: "watchers",
        sql: "CREATE TABLE IF NOT EXISTS watchers (name TEXT NOT NULL);
              CREATE VIEW IF NOT EXISTS things_watched_search AS
                  SELECT 1 AS tenant, rowid AS row, understudy_search_text(name) AS text
                  FROM watchers;",
    };
    const OTHERS: SchemaPart = SchemaPart {
        area: "others",
        sql: "CREATE TABLE IF NOT EXISTS others (name TEXT NOT NULL);",
    };

    fn scope(owner: i64) -> Scope {
        Scope {
            area: "things",
            owner,
        }
    }

    /// The tables and indexes a database holds itself (not those it reads from the seed).
    fn own_objects(db: &Db) -> Vec<String> {
        db.read_now(|c| {
            c.prepare("SELECT name FROM main.sqlite_schema ORDER BY name")?
                .query_map([], |r| r.get(0))?
                .collect()
        })
        .unwrap()
    }

    fn count(db: &Db, table: &str) -> i64 {
        db.read_now(|c| c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)))
            .unwrap()
    }

    fn insert(db: &Db, table: &str, name: &str) {
        db.run_now(|c| c.execute(&format!("INSERT INTO {table} (name) VALUES (?1)"), [name]))
            .unwrap();
    }

    fn open(parts: Vec<SchemaPart>, limits: NamespaceLimits) -> Store {
        Store::open(None, parts, limits).unwrap()
    }

    /// A store whose seed (and live data) holds one row in `things`, owned by 1, and one in
    /// `others`.
    fn seeded_store_with(limits: NamespaceLimits) -> Store {
        let store = open(vec![THINGS, OTHERS], limits);
        store
            .replace_template::<StoreError>(vec![
                Fill::new("things", |tx| {
                    tx.execute("INSERT INTO things VALUES (1, 'seeded')", [])?;
                    Ok(())
                }),
                Fill::new("others", |tx| {
                    tx.execute("INSERT INTO others VALUES ('seeded')", [])?;
                    Ok(())
                }),
            ])
            .unwrap();
        store.reset().unwrap();
        store
    }

    fn seeded_store() -> Store {
        seeded_store_with(NamespaceLimits::default())
    }

    fn namespace(store: &Store, name: &str) -> Db {
        store.namespace(name).0
    }

    #[test]
    fn reset_restores_the_seed_exactly() {
        let store = seeded_store();
        assert_eq!(count(store.live(), "things"), 1);
        insert(store.live(), "others", "written");
        assert_eq!(count(store.live(), "others"), 2);
        store.reset().unwrap();
        assert_eq!(count(store.live(), "others"), 1);
    }

    #[test]
    fn the_default_namespace_reads_the_seed_until_it_writes_and_a_reset_lets_its_copy_go() {
        let store = seeded_store();
        let live = store.live();
        let seed = live.view().database();
        assert_eq!(
            namespace(&store, "x").view().database(),
            seed,
            "both read the seed"
        );
        insert(live, "others", "written");
        assert_ne!(live.view().database(), seed);
        assert_eq!((count(live, "things"), count(live, "others")), (1, 2));
        store.reset().unwrap();
        assert_eq!(live.view().database(), seed);
        assert_eq!(count(live, "others"), 1);
        store
            .replace_template::<StoreError>(vec![Fill::new("things", |tx| {
                tx.execute("INSERT INTO things VALUES (2, 'reseeded')", [])?;
                Ok(())
            })])
            .unwrap();
        assert_eq!(count(live, "things"), 1, "the old seed until the reset");
        store.reset().unwrap();
        assert_eq!((count(live, "things"), count(live, "others")), (1, 0));
        assert_ne!(live.view().database(), seed);
    }

    #[test]
    fn readers_see_every_committed_write_and_cannot_write() {
        let store = open(vec![OTHERS], NamespaceLimits::default());
        let db = store.live();
        insert(db, "others", "a");
        for _ in 0..database::reader_count() * 2 {
            assert_eq!(count(db, "others"), 1);
        }
        assert!(
            db.read_now(|c| c.execute("INSERT INTO others VALUES ('b')", []))
                .is_err()
        );
    }

    #[tokio::test]
    async fn a_scoped_write_moves_only_its_scope_and_area_and_a_reset_moves_reads_elsewhere() {
        let store = seeded_store();
        let db = store.live();
        // The first write moves the data off the seed, onto a database of its own.
        insert(db, "others", "first");
        let view = db.view();
        let (mine, theirs, area, other_area, all) = (
            Reach::Scope(scope(1)),
            Reach::Scope(scope(2)),
            Reach::Area("things"),
            Reach::Area("others"),
            Reach::Everything,
        );
        let reaches = [mine, theirs, area, other_area, all];
        let before = reaches.map(|reach| view.generation(reach));
        db.run_for(scope(1), |c| {
            c.execute("DELETE FROM things WHERE owner = 9", [])
        })
        .await
        .unwrap();
        assert_eq!(
            reaches.map(|reach| view.generation(reach)),
            before,
            "a write that changed nothing moves nothing"
        );
        db.run_for(scope(1), |c| {
            c.execute("INSERT INTO things VALUES (1, 'mine')", [])
        })
        .await
        .unwrap();
        let after = reaches.map(|reach| view.generation(reach));
        let moved: Vec<bool> = before.iter().zip(&after).map(|(b, a)| b != a).collect();
        assert_eq!(moved, [true, false, true, false, true]);
        db.run(|c| c.execute("INSERT INTO others VALUES ('anything')", []))
            .await
            .unwrap();
        let unscoped = reaches.map(|reach| view.generation(reach));
        assert!(
            after.iter().zip(&unscoped).all(|(a, u)| a != u),
            "moves all"
        );
        store.reset().unwrap();
        let restored = db.view();
        assert!(
            reaches
                .iter()
                .zip(&unscoped)
                .all(|(reach, u)| restored.generation(*reach) != *u),
            "a reset moves all"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_all_commit_and_a_failing_one_undoes_only_itself() {
        let store = open(vec![OTHERS], NamespaceLimits::default());
        let db = store.live().clone();
        let mut writes = Vec::new();
        for i in 0..40 {
            let db = db.clone();
            writes.push(tokio::spawn(async move {
                db.run(move |c| {
                    c.execute("INSERT INTO others VALUES (?1)", [format!("t{i}")])?;
                    if i % 10 == 0 {
                        // A failure after a write: the savepoint takes this write back.
                        c.execute("INSERT INTO nowhere VALUES (1)", [])?;
                    }
                    Ok(i)
                })
                .await
            }));
        }
        let mut failed = 0;
        for write in writes {
            if write.await.unwrap().is_err() {
                failed += 1;
            }
        }
        assert_eq!(failed, 4);
        assert_eq!(count(&db, "others"), 36);
    }

    #[tokio::test]
    async fn a_write_is_visible_to_readers_once_answered() {
        let store = open(vec![OTHERS], NamespaceLimits::default());
        let db = store.live();
        let generation = db.view().generation(Reach::Everything);
        db.run(|c| c.execute("INSERT INTO others VALUES ('x')", []))
            .await
            .unwrap();
        assert!(db.view().generation(Reach::Everything) > generation);
        let seen: i64 = db
            .read(|c| c.query_row("SELECT count(*) FROM others", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(seen, 1);
    }

    #[test]
    fn separate_stores_do_not_share_data() {
        let a = open(vec![OTHERS], NamespaceLimits::default());
        let b = open(vec![OTHERS], NamespaceLimits::default());
        insert(a.live(), "others", "a");
        assert_eq!(count(a.live(), "others"), 1);
        assert_eq!(count(b.live(), "others"), 0);
        assert_ne!(a.live().view().database(), b.live().view().database());
    }

    #[tokio::test]
    async fn namespaces_are_isolated_and_start_as_the_seed() {
        let store = seeded_store();
        let a = namespace(&store, "a");
        let b = namespace(&store, "b");
        a.run_for(scope(1), |c| {
            c.execute("INSERT INTO things VALUES (1, 'in a')", [])
        })
        .await
        .unwrap();
        assert_eq!(
            [&a, &b, store.live()].map(|db| count(db, "things")),
            [2, 1, 1]
        );
        assert_eq!(
            count(&namespace(&store, "a"), "things"),
            2,
            "the same again"
        );
        assert!(store.reset_namespace("a").unwrap());
        assert_eq!(count(&a, "things"), 1);
        assert!(!store.reset_namespace("missing").unwrap());
        let names = |store: &Store| -> Vec<String> {
            store.namespaces().into_iter().map(|n| n.name).collect()
        };
        assert_eq!(names(&store), ["a", "b"]);
        assert!(store.drop_namespace("a"));
        assert!(!store.drop_namespace("a"));
        assert_eq!(names(&store), ["b"]);
        assert_eq!(store.drop_namespaces().len(), 1);
        assert!(names(&store).is_empty());
    }

    #[tokio::test]
    async fn a_namespace_reads_the_seed_until_it_writes_then_copies_only_that_area() {
        let store = seeded_store();
        let seed = namespace(&store, "x").view().database();
        assert_eq!(
            namespace(&store, "y").view().database(),
            seed,
            "both read the seed"
        );
        assert_eq!(
            store.live().view().database(),
            seed,
            "so does the default namespace"
        );
        let x = namespace(&store, "x");
        let bytes = |store: &Store| {
            store
                .namespaces()
                .iter()
                .map(|n| n.bytes)
                .collect::<Vec<_>>()
        };
        assert_eq!(bytes(&store), [0, 0]);

        x.run_for(scope(1), |c| {
            c.execute("INSERT INTO things VALUES (1, 'x')", [])
        })
        .await
        .unwrap();
        assert_ne!(x.view().database(), seed);
        assert_eq!(
            own_objects(&x),
            ["things", "things_by_name"],
            "only the area written"
        );
        assert_eq!(count(&x, "others"), 1, "the rest is read from the seed");
        let [x_bytes, y_bytes] = bytes(&store)[..] else {
            panic!("two namespaces")
        };
        assert!(x_bytes > 0 && y_bytes == 0, "{x_bytes} {y_bytes}");

        // A write scoped to one area that strays into another meets the read-only seed.
        let strayed = x
            .run_for(scope(1), |c| {
                c.execute("INSERT INTO others VALUES ('no')", [])
            })
            .await;
        assert!(strayed.is_err());
        assert_eq!(count(store.live(), "others"), 1);
        assert_eq!(count(&namespace(&store, "y"), "others"), 1);

        // A write that names no scope copies everything.
        x.run(|c| c.execute("INSERT INTO others VALUES ('x')", []))
            .await
            .unwrap();
        assert_eq!(count(&x, "others"), 2);
        assert_eq!(count(&namespace(&store, "y"), "others"), 1);
    }

    #[tokio::test]
    async fn objects_a_fill_made_go_with_its_area_and_search_indexes_with_their_views() {
        // `things_watched_search`'s index tables are named after `things` too: the longer
        // name, the view's, wins.
        let store = open(vec![THINGS, WATCHERS], NamespaceLimits::default());
        store
            .replace_template::<StoreError>(vec![
                Fill::new("things", |tx| {
                    tx.execute_batch(
                        "CREATE INDEX things_by_owner ON things (owner);
                         CREATE TABLE extra (x); INSERT INTO extra VALUES (1);",
                    )?;
                    Ok(())
                }),
                Fill::new("watchers", |tx| {
                    tx.execute("INSERT INTO watchers VALUES ('Ada')", [])?;
                    Ok(())
                }),
            ])
            .unwrap();
        let things = namespace(&store, "things");
        things.run_for(scope(1), |_| Ok(())).await.unwrap();
        assert_eq!(
            own_objects(&things),
            ["extra", "things", "things_by_name", "things_by_owner"]
        );
        assert_eq!(count(&things, "extra"), 1);
        let watchers = namespace(&store, "watchers");
        let written = Scope {
            area: "watchers",
            owner: 1,
        };
        watchers.run_for(written, |_| Ok(())).await.unwrap();
        let objects = own_objects(&watchers);
        assert!(
            objects.contains(&"things_watched_search_trigrams".to_owned()),
            "{objects:?}"
        );
        assert!(
            objects
                .iter()
                .all(|name| name == "watchers" || name.starts_with("things_watched_search")),
            "{objects:?}"
        );
    }

    #[tokio::test]
    async fn a_copied_area_is_exactly_the_seed() {
        let area = SchemaPart {
            area: "exact",
            sql: "CREATE TABLE IF NOT EXISTS plain (name TEXT);
                  CREATE TABLE IF NOT EXISTS counted (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);
                  CREATE TABLE IF NOT EXISTS keyed (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
                  CREATE TABLE IF NOT EXISTS log (name TEXT);
                  CREATE TRIGGER IF NOT EXISTS logged AFTER INSERT ON plain
                      BEGIN INSERT INTO log VALUES (new.name); END;
                  CREATE VIRTUAL TABLE IF NOT EXISTS words USING fts5(body);
                  CREATE VIEW IF NOT EXISTS plain_names AS SELECT name FROM plain;
                  CREATE TABLE IF NOT EXISTS parents (id INTEGER PRIMARY KEY);
                  CREATE TABLE IF NOT EXISTS children (
                      id TEXT PRIMARY KEY, parent INTEGER NOT NULL REFERENCES parents(id),
                      name TEXT);
                  CREATE INDEX IF NOT EXISTS children_by_name ON children (name);",
        };
        let store = open(vec![area], NamespaceLimits::default());
        store
            .replace_template::<StoreError>(vec![Fill::new("exact", |tx| {
                tx.execute_batch(
                    "INSERT INTO plain (rowid, name) VALUES (7, 'seven'), (3, 'three');
                     INSERT INTO counted (name) VALUES ('a'), ('b');
                     DELETE FROM counted WHERE name = 'b';
                     INSERT INTO keyed VALUES ('k', 'v');
                     INSERT INTO words VALUES ('the quick brown fox'), ('lazy dogs');
                     INSERT INTO parents VALUES (1);
                     INSERT INTO children VALUES ('c1', 1, 'one'), ('c2', 1, 'two'),
                                                 ('c3', 1, 'three');
                     DELETE FROM children WHERE id = 'c2';
                     INSERT INTO children VALUES ('c4', 1, 'four');
                     ANALYZE;",
                )?;
                Ok(())
            })])
            .unwrap();
        let scope = Scope {
            area: "exact",
            owner: 1,
        };
        let snapshot = |db: &Db| -> Vec<String> {
            db.read_now(|c| {
                let rows = "SELECT 'plain', rowid, name FROM plain
                    UNION ALL SELECT 'counted', id, name FROM counted
                    UNION ALL SELECT 'keyed', k, v FROM keyed
                    UNION ALL SELECT 'log', rowid, name FROM log
                    UNION ALL SELECT 'words', rowid, body FROM words WHERE words MATCH 'quick OR dogs'
                    UNION ALL SELECT 'view', 0, name FROM plain_names
                    UNION ALL SELECT 'children', rowid, id || name FROM children
                    ORDER BY 1, 2";
                c.prepare(rows)?
                    .query_map([], |r| {
                        Ok(format!(
                            "{}/{}/{}",
                            r.get::<_, String>(0)?,
                            r.get::<_, rusqlite::types::Value>(1).map(|v| format!("{v:?}"))?,
                            r.get::<_, String>(2)?
                        ))
                    })?
                    .collect()
            })
            .unwrap()
        };
        let seed = namespace(&store, "seed-only");
        let copy = namespace(&store, "copy");
        // A write that changes nothing still copies the area it names.
        copy.run_for(scope, |_| Ok(())).await.unwrap();
        assert_ne!(copy.view().database(), seed.view().database(), "copied");
        assert_eq!(snapshot(&copy), snapshot(&seed));
        // The copy keeps working like the seed: sequence, trigger, full-text index.
        copy.run_for(scope, |c| {
            c.execute_batch(
                "INSERT INTO counted (name) VALUES ('c');
                 INSERT INTO plain VALUES ('eight');
                 INSERT INTO words VALUES ('quick again');",
            )
        })
        .await
        .unwrap();
        let next_id: i64 = copy
            .read_now(|c| c.query_row("SELECT max(id) FROM counted", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(
            next_id, 3,
            "AUTOINCREMENT continues after the seed's deleted 2"
        );
        assert_eq!(
            count(&copy, "log"),
            3,
            "the seed's two and the trigger's one"
        );
        let found: i64 = copy
            .read_now(|c| {
                c.query_row(
                    "SELECT count(*) FROM words WHERE words MATCH 'quick'",
                    [],
                    |r| r.get(0),
                )
            })
            .unwrap();
        assert_eq!(found, 2);
        assert_eq!(count(&seed, "log"), 2, "the seed is untouched");
        let orphan = copy
            .run_for(scope, |c| {
                c.execute("INSERT INTO children VALUES ('x', 9, 'x')", [])
            })
            .await;
        assert!(orphan.is_err(), "foreign keys are still enforced");
    }

    #[test]
    fn making_a_namespace_beyond_the_cap_lets_the_least_recently_used_go() {
        let store = seeded_store_with(NamespaceLimits {
            max: 2,
            idle: Duration::from_secs(60),
        });
        namespace(&store, "a");
        namespace(&store, "b");
        namespace(&store, "a");
        let (_, gone) = store.namespace("c");
        let gone: Vec<&str> = gone.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(gone, ["b"]);
        let names: Vec<String> = store.namespaces().into_iter().map(|n| n.name).collect();
        assert_eq!(names, ["a", "c"]);
    }

    #[test]
    fn namespaces_unused_for_the_idle_time_are_let_go() {
        let store = seeded_store_with(NamespaceLimits {
            max: 10,
            idle: Duration::from_secs(60),
        });
        let start = Instant::now();
        store.namespaces.get("old", start);
        store
            .namespaces
            .get("recent", start + Duration::from_secs(30));
        let gone = store.namespaces.expire(start + Duration::from_secs(61));
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].0, "old");
        let (_, gone) = store.namespaces.get("new", start + Duration::from_secs(95));
        assert_eq!(gone.len(), 1, "using any namespace lets idle ones go too");
        assert_eq!(gone[0].0, "recent");
    }

    #[test]
    fn namespaces_made_at_once_by_many_threads_are_one_each() {
        let store = Arc::new(seeded_store());
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    for i in 0..50 {
                        let db = namespace(&store, &format!("n{}", (t * 50 + i) % 100));
                        db.run_now(|c| c.execute("INSERT INTO things VALUES (?1, 'w')", [t]))
                            .unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let namespaces = store.namespaces();
        assert_eq!(namespaces.len(), 100);
        let total: i64 = namespaces
            .iter()
            .map(|n| count(&namespace(&store, &n.name), "things") - 1)
            .sum();
        assert_eq!(total, 8 * 50, "no write was lost to a second copy");
    }

    #[test]
    fn the_error_is_the_first_failing_areas_in_schema_order() {
        let store = open(vec![THINGS, OTHERS], NamespaceLimits::default());
        let failed = store.replace_template::<StoreError>(vec![
            Fill::new("others", |tx| {
                tx.execute("INSERT INTO missing_other VALUES (1)", [])?;
                Ok(())
            }),
            Fill::new("things", |tx| {
                // Fails after the other area has.
                std::thread::sleep(Duration::from_millis(100));
                tx.execute("INSERT INTO missing_thing VALUES (1)", [])?;
                Ok(())
            }),
        ]);
        let error = failed.expect_err("both fail").to_string();
        assert!(error.contains("missing_thing"), "{error}");
        let unknown =
            store.replace_template::<StoreError>(vec![Fill::new("elsewhere", |_| Ok(()))]);
        assert!(
            matches!(unknown, Err(StoreError::UnknownArea("elsewhere"))),
            "{unknown:?}"
        );
    }

    #[test]
    fn copies_of_the_seed_wait_for_its_search_indexes() {
        let fill = Fill::new("watchers", |tx| {
            tx.execute("INSERT INTO watchers VALUES ('Ada')", [])?;
            Ok(())
        });
        let seed = Arc::new(Seed::build::<StoreError>(&[WATCHERS], vec![fill]).unwrap());
        let index = search::Index {
            view: "things_watched_search",
        };
        let indexed = |db: &Db| db.read_now(|c| index.ready(c)).unwrap();
        let live = Db::seeded(Arc::clone(&seed), true);
        assert!(!seed.is_settled());
        assert!(!indexed(&live), "the seed is served before its indexes");
        let (written, done) = std::sync::mpsc::channel();
        for db in [live, Db::namespace(Arc::clone(&seed))] {
            let written = written.clone();
            std::thread::spawn(move || {
                insert(&db, "watchers", "Grace");
                written.send(db).unwrap();
            });
        }
        assert!(
            done.recv_timeout(Duration::from_millis(300)).is_err(),
            "no copy is made before the indexes are in"
        );
        seed.index();
        for _ in 0..2 {
            let db = done.recv_timeout(Duration::from_secs(10)).expect("written");
            assert!(indexed(&db), "the copy holds the indexes");
            assert_eq!(count(&db, "watchers"), 2);
        }
        assert!(seed.is_settled());
    }

    #[test]
    fn a_failed_fill_keeps_the_previous_seed() {
        let store = open(vec![OTHERS], NamespaceLimits::default());
        store
            .replace_template::<StoreError>(vec![Fill::new("others", |tx| {
                tx.execute("INSERT INTO others VALUES ('kept')", [])?;
                Ok(())
            })])
            .unwrap();
        let failed = store.replace_template::<StoreError>(vec![Fill::new("others", |tx| {
            tx.execute("INSERT INTO nowhere VALUES (1)", [])?;
            Ok(())
        })]);
        assert!(failed.is_err());
        store.reset().unwrap();
        assert_eq!(count(store.live(), "others"), 1);
        assert_eq!(count(&namespace(&store, "n"), "others"), 1);
    }
}
