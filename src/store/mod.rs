//! The one SQLite store behind every vendor. It knows tables, not HTTP: vendors hand it their
//! schema and run their own queries through [`Db::run`].
//!
//! Two databases exist at any time: the *template*, built in memory from the seed files, and the
//! *live* database the vendors read and write (in memory, or a file with `--db`). Reset copies the
//! template over the live database with SQLite's online backup, which is fast and exact.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};

pub mod search;

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
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The meta table Understudy itself keeps in every database.
const META_SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS understudy_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);";

/// A handle to one database. Cheap to clone; every clone sees the same data.
///
/// Writes go through one writer connection, so they never race each other; reads take one of
/// several reader connections to the same database, so they run in parallel. In memory the
/// database lives in SQLite's `memdb` VFS, which lets several connections share it.
#[derive(Clone, Debug)]
pub struct Db(Arc<DbInner>);

struct DbInner {
    id: u64,
    // std mutexes: SQLite calls are blocking, run on the blocking pool and never held across
    // `.await`, so an async mutex would only add cost.
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Bumped by every write that changed a row and by every restore, so cached answers
    /// computed before it are never served after it.
    generation: AtomicU64,
    /// Writes waiting for the next group commit.
    pending: Mutex<Vec<WriteJob>>,
}

/// A queued write: runs on the writer inside the batch's transaction and returns how to answer
/// its caller once the batch is committed (or failed to commit).
type WriteJob = Box<dyn FnOnce(&mut Connection) -> Delivery + Send>;
type Delivery = Box<dyn FnOnce(std::result::Result<(), String>) + Send>;

/// Runs `work` in a savepoint: kept when it succeeds, undone when it fails.
fn in_savepoint<T>(
    conn: &mut Connection,
    work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.execute_batch("SAVEPOINT write_job")?;
    let outcome = work(conn);
    let end = if outcome.is_ok() {
        "RELEASE write_job"
    } else {
        "ROLLBACK TO write_job; RELEASE write_job"
    };
    conn.execute_batch(end)?;
    outcome
}

impl std::fmt::Debug for DbInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("id", &self.id)
            .field("readers", &self.readers.len())
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

/// Where a database lives.
#[derive(Debug, Clone, Copy)]
enum Location<'a> {
    Memory,
    File(&'a Path),
}

/// Distinguishes in-memory databases within the process.
static NEXT_DB_ID: AtomicU64 = AtomicU64::new(1);

impl Db {
    fn open(location: Location<'_>, schema: &[&'static str]) -> Result<Self> {
        let id = NEXT_DB_ID.fetch_add(1, Ordering::Relaxed);
        let name = match location {
            Location::Memory => format!("file:/understudy-{}-{id}?vfs=memdb", std::process::id()),
            Location::File(path) => path.display().to_string(),
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let writer = Connection::open_with_flags(&name, flags)?;
        if let Location::File(_) = location {
            writer.pragma_update(None, "journal_mode", "WAL")?;
            // Every acknowledged write survives a crash or power loss.
            writer.pragma_update(None, "synchronous", "FULL")?;
        }
        writer.busy_timeout(BUSY_TIMEOUT)?;
        search::install(&writer)?;
        apply_schema(&writer, schema)?;
        let reader_flags =
            (flags - OpenFlags::SQLITE_OPEN_READ_WRITE - OpenFlags::SQLITE_OPEN_CREATE)
                | OpenFlags::SQLITE_OPEN_READ_ONLY;
        let readers = (0..reader_count())
            .map(|_| {
                let reader = Connection::open_with_flags(&name, reader_flags)?;
                reader.busy_timeout(BUSY_TIMEOUT)?;
                search::install(&reader)?;
                Ok(Mutex::new(reader))
            })
            .collect::<rusqlite::Result<_>>()?;
        Ok(Self(Arc::new(DbInner {
            id,
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            generation: AtomicU64::new(0),
            pending: Mutex::new(Vec::new()),
        })))
    }

    /// Identifies this database among all of the process (namespaces included).
    pub fn id(&self) -> u64 {
        self.0.id
    }

    /// Changes whenever the data may have changed; see [`DbInner::generation`].
    pub fn generation(&self) -> u64 {
        self.0.generation.load(Ordering::Acquire)
    }

    /// Runs blocking SQLite work that may write, on tokio's blocking pool, and answers once
    /// it is committed (durably, with `--db`).
    ///
    /// Writes that arrive together are committed together ("group commit"): each job runs in
    /// a savepoint of its own, so one job's error undoes only its own changes, and the batch
    /// pays for one commit (one `fsync` on a file) instead of one per write.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: WriteJob = Box::new(move |conn| {
            let outcome = in_savepoint(conn, work);
            Box::new(move |committed| {
                let result = match (outcome, committed) {
                    (Ok(value), Ok(())) => Ok(value),
                    (Err(error), _) => Err(StoreError::Sqlite(error)),
                    (Ok(_), Err(message)) => Err(StoreError::CommitFailed(message)),
                };
                let _ = answer.send(result);
            })
        });
        lock(&self.0.pending).push(job);
        let db = self.clone();
        // Whichever task gets the writer first commits every job queued by then, this one's
        // included; the others find the queue empty.
        tokio::task::spawn_blocking(move || db.commit_pending())
            .await
            .map_err(|_| StoreError::TaskFailed)?;
        answered.await.map_err(|_| StoreError::TaskFailed)?
    }

    fn commit_pending(&self) {
        let mut conn = lock(&self.0.writer);
        loop {
            let batch = std::mem::take(&mut *lock(&self.0.pending));
            if batch.is_empty() {
                return;
            }
            // A job that panicked may have left its batch's transaction open.
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            let before = conn.total_changes();
            let begun = conn
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(|e| e.to_string());
            let deliveries: Vec<Delivery> = match &begun {
                Ok(()) => batch.into_iter().map(|job| job(&mut conn)).collect(),
                Err(_) => Vec::new(),
            };
            let committed =
                begun.and_then(|()| conn.execute_batch("COMMIT").map_err(|e| e.to_string()));
            if committed.is_err() && !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            if conn.total_changes() != before {
                self.0.generation.fetch_add(1, Ordering::AcqRel);
            }
            for deliver in deliveries {
                deliver(committed.clone());
            }
        }
    }

    /// Runs work that may write right here; for start-up, admin paths and tests.
    pub fn run_now<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let mut conn = lock(&self.0.writer);
        let before = conn.total_changes();
        let result = work(&mut conn);
        if conn.total_changes() != before {
            self.0.generation.fetch_add(1, Ordering::AcqRel);
        }
        result.map_err(StoreError::from)
    }

    /// Copies every committed write from the write-ahead log into the database file and
    /// empties the log (`wal_checkpoint(TRUNCATE)`); nothing to do in memory.
    pub fn checkpoint(&self) -> Result<()> {
        // Row: (busy, pages in the log, pages copied); an in-memory database answers -1 for both
        // counts.
        let busy: i64 = self.run_now(|conn| {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
        })?;
        if busy != 0 {
            return Err(StoreError::CheckpointBusy);
        }
        Ok(())
    }

    /// Runs read-only work on a reader connection, inside one read transaction so every
    /// statement sees the same snapshot, on tokio's blocking pool.
    pub async fn read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.reader();
            let tx = conn.transaction()?;
            let result = work(&tx)?;
            tx.commit()?;
            Ok(result)
        })
        .await
        .map_err(|_| StoreError::TaskFailed)?
    }

    /// Runs a single-statement lookup on a reader right here: small enough not to leave the
    /// async worker, and one statement needs no transaction to see one snapshot.
    pub fn read_now<T>(&self, work: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        Ok(work(&self.reader())?)
    }

    /// A free reader if there is one, else the next in turn.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        let readers = &self.0.readers;
        let start = self.0.next_reader.fetch_add(1, Ordering::Relaxed);
        for offset in 0..readers.len() {
            if let Ok(conn) = readers[(start + offset) % readers.len()].try_lock() {
                return conn;
            }
        }
        lock(&readers[start % readers.len()])
    }

    /// Copies `source` over this database, whole.
    fn restore_from(&self, source: &Connection) -> Result<()> {
        let mut target = lock(&self.0.writer);
        Backup::new(source, &mut target)?.run_to_completion(i32::MAX, Duration::ZERO, None)?;
        self.0.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }
}

/// How long a connection waits for another's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Reader connections per database: one per core, at least two.
fn reader_count() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 8)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic inside a store call leaves SQLite consistent (statements are atomic) and the
    // namespace map whole, so a poisoned lock is still safe to use.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The live database plus the seeded template it is reset from, and the namespaces: isolated
/// in-memory copies of the template, made on first use.
#[derive(Debug)]
pub struct Store {
    live: Db,
    template: Mutex<Connection>,
    schema: Vec<&'static str>,
    namespaces: Mutex<HashMap<String, Db>>,
}

impl Store {
    /// Opens the live database (a file when `path` is given) and an empty template, both with
    /// every vendor's schema.
    pub fn open(path: Option<&Path>, schema: Vec<&'static str>) -> Result<Self> {
        let location = path.map_or(Location::Memory, Location::File);
        let live = Db::open(location, &schema)?;
        let template = Connection::open_in_memory()?;
        search::install(&template)?;
        apply_schema(&template, &schema)?;
        Ok(Self {
            live,
            template: Mutex::new(template),
            schema,
            namespaces: Mutex::new(HashMap::new()),
        })
    }

    /// The database vendors serve from.
    pub fn live(&self) -> &Db {
        &self.live
    }

    /// Builds a new template with `fill`, and makes it the one reset goes back to.
    /// On error the previous template stays.
    pub fn replace_template<E>(
        &self,
        fill: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<StoreError>,
    {
        let mut fresh = Connection::open_in_memory().map_err(StoreError::from)?;
        search::install(&fresh).map_err(StoreError::from)?;
        apply_schema(&fresh, &self.schema)?;
        let tx = fresh.transaction().map_err(StoreError::from)?;
        // Indexes are built after the bulk insert: sorting once beats updating them row by row
        // (a 500,000-contact seed loads in half the time).
        let indexes = take_indexes(&tx)?;
        fill(&tx)?;
        for sql in indexes {
            tx.execute_batch(&sql).map_err(StoreError::from)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO understudy_meta (key, value) VALUES ('seeded', '1')",
            [],
        )
        .map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        *lock(&self.template) = fresh;
        Ok(())
    }

    /// Whether the live database already holds seeded data (a `--db` file from an earlier run).
    pub fn live_is_seeded(&self) -> Result<bool> {
        self.live.run_now(|conn| {
            conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM understudy_meta WHERE key = 'seeded')",
                [],
                |row| row.get(0),
            )
        })
    }

    /// Puts the live database back to exactly the template.
    pub fn reset(&self) -> Result<()> {
        self.copy_template_into(&self.live)
    }

    fn copy_template_into(&self, db: &Db) -> Result<()> {
        db.restore_from(&lock(&self.template))
    }

    /// The namespace `name`, made from the template on first use.
    pub fn namespace(&self, name: &str) -> Result<Db> {
        // The map lock is held while a new namespace is copied, so two first requests for the
        // same name cannot make two copies; the copy takes about a millisecond.
        let mut namespaces = lock(&self.namespaces);
        if let Some(db) = namespaces.get(name) {
            return Ok(db.clone());
        }
        // No schema: the copy brings the template's, tables and indexes alike.
        let db = Db::open(Location::Memory, &[])?;
        self.copy_template_into(&db)?;
        namespaces.insert(name.to_owned(), db.clone());
        Ok(db)
    }

    /// Puts one namespace back to the template; `false` if it does not exist.
    pub fn reset_namespace(&self, name: &str) -> Result<bool> {
        let db = lock(&self.namespaces).get(name).cloned();
        match db {
            Some(db) => self.copy_template_into(&db).map(|()| true),
            None => Ok(false),
        }
    }

    /// Drops one namespace; `false` if it did not exist.
    pub fn drop_namespace(&self, name: &str) -> bool {
        lock(&self.namespaces).remove(name).is_some()
    }

    /// Drops every namespace (after the template changed, they would be stale).
    pub fn drop_namespaces(&self) {
        lock(&self.namespaces).clear();
    }

    /// The namespaces in use, sorted.
    pub fn namespace_names(&self) -> Vec<String> {
        let mut names: Vec<String> = lock(&self.namespaces).keys().cloned().collect();
        names.sort_unstable();
        names
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

fn apply_schema(conn: &Connection, schema: &[&'static str]) -> Result<()> {
    conn.execute_batch(META_SCHEMA)?;
    for sql in schema {
        conn.execute_batch(sql)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS things (name TEXT NOT NULL);";

    fn count(db: &Db) -> i64 {
        db.run_now(|c| c.query_row("SELECT count(*) FROM things", [], |r| r.get(0)))
            .unwrap()
    }

    /// A store whose template (and live data) holds one row, `seeded`.
    fn seeded_store() -> Store {
        let store = Store::open(None, vec![SCHEMA]).unwrap();
        store
            .replace_template::<StoreError>(|tx| {
                tx.execute("INSERT INTO things VALUES ('seeded')", [])?;
                Ok(())
            })
            .unwrap();
        store.reset().unwrap();
        store
    }

    #[test]
    fn reset_restores_the_template_exactly() {
        let store = seeded_store();
        assert_eq!(count(store.live()), 1);
        store
            .live()
            .run_now(|c| c.execute("INSERT INTO things VALUES ('written')", []))
            .unwrap();
        assert_eq!(count(store.live()), 2);
        store.reset().unwrap();
        assert_eq!(count(store.live()), 1);
        assert!(store.live_is_seeded().unwrap());
    }

    #[test]
    fn readers_see_every_committed_write_and_cannot_write() {
        let db = Db::open(Location::Memory, &[SCHEMA]).unwrap();
        db.run_now(|c| c.execute("INSERT INTO things VALUES ('a')", []))
            .unwrap();
        for _ in 0..reader_count() * 2 {
            let seen: i64 = db
                .read_now(|c| c.query_row("SELECT count(*) FROM things", [], |r| r.get(0)))
                .unwrap();
            assert_eq!(seen, 1);
        }
        assert!(
            db.read_now(|c| c.execute("INSERT INTO things VALUES ('b')", []))
                .is_err()
        );
    }

    #[test]
    fn the_generation_moves_with_every_change_and_restore_only() {
        let store = Store::open(None, vec![SCHEMA]).unwrap();
        let db = store.live();
        let start = db.generation();
        db.run_now(|c| c.query_row("SELECT count(*) FROM things", [], |r| r.get::<_, i64>(0)))
            .unwrap();
        db.run_now(|c| c.execute("DELETE FROM things WHERE name = 'none'", []))
            .unwrap();
        assert_eq!(db.generation(), start, "reads and no-op writes keep it");
        db.run_now(|c| c.execute("INSERT INTO things VALUES ('x')", []))
            .unwrap();
        assert_eq!(db.generation(), start + 1);
        store.reset().unwrap();
        assert_eq!(db.generation(), start + 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_all_commit_and_a_failing_one_undoes_only_itself() {
        let db = Db::open(Location::Memory, &[SCHEMA]).unwrap();
        let mut writes = Vec::new();
        for i in 0..40 {
            let db = db.clone();
            writes.push(tokio::spawn(async move {
                db.run(move |c| {
                    c.execute("INSERT INTO things VALUES (?1)", [format!("t{i}")])?;
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
        assert_eq!(count(&db), 36);
    }

    #[tokio::test]
    async fn a_write_is_visible_to_readers_once_answered() {
        let db = Db::open(Location::Memory, &[SCHEMA]).unwrap();
        let generation = db.generation();
        db.run(|c| c.execute("INSERT INTO things VALUES ('x')", []))
            .await
            .unwrap();
        assert!(db.generation() > generation);
        let seen: i64 = db
            .read(|c| c.query_row("SELECT count(*) FROM things", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(seen, 1);
    }

    #[test]
    fn separate_in_memory_databases_do_not_share_data() {
        let a = Db::open(Location::Memory, &[SCHEMA]).unwrap();
        let b = Db::open(Location::Memory, &[SCHEMA]).unwrap();
        a.run_now(|c| c.execute("INSERT INTO things VALUES ('a')", []))
            .unwrap();
        assert_eq!(count(&a), 1);
        assert_eq!(count(&b), 0);
        assert_ne!(a.id(), b.id());
    }

    #[test]
    fn namespaces_are_isolated_copies_of_the_template() {
        let store = seeded_store();
        let a = store.namespace("a").unwrap();
        let b = store.namespace("b").unwrap();
        a.run_now(|c| c.execute("INSERT INTO things VALUES ('in a')", []))
            .unwrap();
        assert_eq!((count(&a), count(&b), count(store.live())), (2, 1, 1));
        assert_eq!(
            count(&store.namespace("a").unwrap()),
            2,
            "the same namespace again"
        );
        assert!(store.reset_namespace("a").unwrap());
        assert_eq!(count(&a), 1);
        assert!(!store.reset_namespace("missing").unwrap());
        assert_eq!(store.namespace_names(), ["a", "b"]);
        assert!(store.drop_namespace("a"));
        assert!(!store.drop_namespace("a"));
        assert_eq!(store.namespace_names(), ["b"]);
    }

    #[test]
    fn a_failed_fill_keeps_the_previous_template() {
        let store = Store::open(None, vec![SCHEMA]).unwrap();
        store
            .replace_template::<StoreError>(|tx| {
                tx.execute("INSERT INTO things VALUES ('kept')", [])?;
                Ok(())
            })
            .unwrap();
        let failed = store.replace_template::<StoreError>(|tx| {
            tx.execute("INSERT INTO nowhere VALUES (1)", [])?;
            Ok(())
        });
        assert!(failed.is_err());
        store.reset().unwrap();
        assert_eq!(count(store.live()), 1);
    }
}
