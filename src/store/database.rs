//! One SQLite database and its connections: the live one, the seed, or a namespace's own copy.
//!
//! Writes go through one writer connection, so they never race each other; reads take one of
//! several reader connections, so they run in parallel (a namespace's copy has its writer alone:
//! one test's requests rarely overlap, and every connection costs memory). In memory the data
//! lives in SQLite's `memdb` VFS, which lets several connections share it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};

use super::seed::{Overlay, Seed};
use super::{Result, Scope, StoreError, lock};

/// How long a connection waits for another's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The most (area, owner) pairs whose writes are counted apart; past it every count starts over
/// (with a new epoch, so no cached answer outlives its data).
const MAX_SCOPES: usize = 100_000;

/// Distinguishes databases within the process.
static NEXT_DATABASE_ID: AtomicU64 = AtomicU64::new(1);

/// What a cached value was computed from, so its key can name the writes that could change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reach {
    /// Anything in the database: every write moves it.
    Everything,
    /// The rows of one area, whoever owns them (a vendor's tenants): writes in the area move it.
    Area(&'static str),
    /// The rows of one owner in one area: writes through that scope move it.
    Scope(Scope),
}

/// Generation values, unique in the process: a count never takes a value any count of any
/// database had, so databases of one lineage (a seed and the copies made of it) that were
/// written apart never share a key.
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);

fn fresh_generation() -> u64 {
    NEXT_GENERATION.fetch_add(1, Ordering::Relaxed)
}

/// Write counters, all under one lock so that a reader never pairs an old epoch with a count
/// started afresh in a new one. Untouched, a reach counts 0: the same as in the database this
/// one was copied from, whose data it still holds there.
#[derive(Debug, Default, Clone)]
struct Generations {
    /// Moved by restores and by writes that name no scope: every older key is dead.
    epoch: u64,
    /// Moved by every write.
    writes: u64,
    areas: HashMap<&'static str, u64>,
    scopes: HashMap<Scope, u64>,
}

impl Generations {
    fn of(&self, reach: Reach) -> (u64, u64) {
        let within = match reach {
            Reach::Everything => self.writes,
            Reach::Area(area) => self.areas.get(area).copied().unwrap_or(0),
            Reach::Scope(scope) => self.scopes.get(&scope).copied().unwrap_or(0),
        };
        (self.epoch, within)
    }

    fn everything_changed(&mut self) {
        self.epoch = fresh_generation();
        self.writes = 0;
        // Counts restart from zero under the new epoch, which keys tell apart.
        self.areas.clear();
        self.scopes.clear();
    }

    fn scope_changed(&mut self, scope: Scope) {
        if self.scopes.len() >= MAX_SCOPES && !self.scopes.contains_key(&scope) {
            self.everything_changed();
            return;
        }
        let generation = fresh_generation();
        self.writes = generation;
        self.areas.insert(scope.area, generation);
        self.scopes.insert(scope, generation);
    }
}

/// A queued write: the rows it may change (`None`: anything) and the work, which runs on the
/// writer inside the batch's transaction.
pub(super) struct WriteJob {
    pub scope: Option<Scope>,
    job: Box<dyn Job>,
}

/// How to answer a write's caller once its batch is committed (or failed to commit).
type Delivery = Box<dyn FnOnce(std::result::Result<(), String>) + Send>;

trait Job: Send {
    /// Runs in a savepoint of the batch's transaction.
    fn run(self: Box<Self>, conn: &mut Connection) -> Delivery;
    /// Answers the caller without running: the write could not be attempted.
    fn refuse(self: Box<Self>, error: StoreError);
}

struct Queued<T, F> {
    work: F,
    answer: tokio::sync::oneshot::Sender<Result<T>>,
}

impl<T, F> Job for Queued<T, F>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
{
    fn run(self: Box<Self>, conn: &mut Connection) -> Delivery {
        let Queued { work, answer } = *self;
        let outcome = in_savepoint(conn, work);
        Box::new(move |committed| {
            let result = match (outcome, committed) {
                (Ok(value), Ok(())) => Ok(value),
                (Err(error), _) => Err(StoreError::Sqlite(error)),
                (Ok(_), Err(message)) => Err(StoreError::CommitFailed(message)),
            };
            let _ = answer.send(result);
        })
    }

    fn refuse(self: Box<Self>, error: StoreError) {
        let _ = self.answer.send(Err(error));
    }
}

impl WriteJob {
    /// `work` for the writer; its outcome, once committed, goes to `answer`.
    pub(super) fn new<T, F>(
        scope: Option<Scope>,
        work: F,
        answer: tokio::sync::oneshot::Sender<Result<T>>,
    ) -> Self
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        Self {
            scope,
            job: Box::new(Queued { work, answer }),
        }
    }

    /// Answers the caller without running the work: it could not be attempted.
    pub(super) fn refuse(self, error: StoreError) {
        self.job.refuse(error);
    }
}

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

/// Where a database lives.
#[derive(Debug, Clone, Copy)]
pub(super) enum Location<'a> {
    /// A `memdb` database shared by its connections, named for the process.
    Memory,
    File(&'a std::path::Path),
}

pub(super) struct Database {
    id: u64,
    /// What other connections open to reach this database (`memdb` and files).
    name: String,
    /// The first database of its line: its own id, or that of the seed it was copied from.
    /// Cached answers are keyed by it and the generations, so a copy serves the answers of the
    /// seed it copied until a write changes what they read.
    lineage: u64,
    // std mutexes: SQLite calls are blocking, run on the blocking pool and never held across
    // `.await`, so an async mutex would only add cost.
    writer: Mutex<Connection>,
    /// Empty for a namespace's copy: its writer reads too.
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    generations: Mutex<Generations>,
    /// Writes waiting for the next group commit.
    pending: Mutex<Vec<WriteJob>>,
    /// A namespace's copy: the seed it reads through and copies areas from on their first write.
    overlay: Option<Overlay>,
    /// The bytes of its own data, refreshed after every write (kept for namespaces' copies).
    bytes: AtomicU64,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("id", &self.id)
            .field("readers", &self.readers.len())
            .finish_non_exhaustive()
    }
}

/// Every connection the store opens passes through here (the place to register SQL functions).
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    super::search::install(conn)?;
    // Sorts and temporary indexes stay in memory, like the data.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

fn open_connection(name: &str, flags: OpenFlags) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(name, flags)?;
    configure(&conn)?;
    Ok(conn)
}

const FLAGS: OpenFlags = OpenFlags::SQLITE_OPEN_READ_WRITE
    .union(OpenFlags::SQLITE_OPEN_CREATE)
    .union(OpenFlags::SQLITE_OPEN_URI)
    .union(OpenFlags::SQLITE_OPEN_NO_MUTEX);

const READ_ONLY_FLAGS: OpenFlags = OpenFlags::SQLITE_OPEN_READ_ONLY
    .union(OpenFlags::SQLITE_OPEN_URI)
    .union(OpenFlags::SQLITE_OPEN_NO_MUTEX);

impl Database {
    /// Opens a shared database (in memory or a file) with `schema` applied, and its readers.
    pub(super) fn open(location: Location<'_>, schema: &[&str]) -> Result<Self> {
        let id = NEXT_DATABASE_ID.fetch_add(1, Ordering::Relaxed);
        let name = match location {
            Location::Memory => format!("file:/understudy-{}-{id}?vfs=memdb", std::process::id()),
            Location::File(path) => path.display().to_string(),
        };
        let writer = open_connection(&name, FLAGS)?;
        if let Location::File(_) = location {
            check_tables(&writer, &name, schema)?;
            writer.pragma_update(None, "journal_mode", "WAL")?;
            // Every acknowledged write survives a crash or power loss.
            writer.pragma_update(None, "synchronous", "FULL")?;
        }
        super::apply_schema(&writer, schema)?;
        let readers = (0..reader_count())
            .map(|_| open_connection(&name, READ_ONLY_FLAGS).map(Mutex::new))
            .collect::<rusqlite::Result<_>>()?;
        Ok(Self::new(id, name, writer, readers, None))
    }

    /// A namespace's own database: private to one connection, which reads and writes, with
    /// `seed` attached and nothing copied yet.
    pub(super) fn overlay(seed: Arc<Seed>) -> Result<Self> {
        let id = NEXT_DATABASE_ID.fetch_add(1, Ordering::Relaxed);
        let name = ":memory:".to_owned();
        let conn = open_connection(&name, FLAGS)?;
        let origin = Arc::clone(&seed);
        let overlay = Overlay::attach(&conn, seed)?;
        Ok(Self::new(id, name, conn, Vec::new(), Some(overlay)).descended_from(&origin.database))
    }

    /// A new in-memory database holding exactly what `source` holds (page by page), of its
    /// lineage. Blocking.
    pub(super) fn copy_of(source: &Database) -> Result<Self> {
        let copy = Self::open(Location::Memory, &[])?;
        copy.restore_from(source)?;
        Ok(copy.descended_from(source))
    }

    /// This database, holding what `source` holds now, as of `source`'s lineage and
    /// generations.
    fn descended_from(mut self, source: &Database) -> Self {
        self.lineage = source.lineage;
        *self
            .generations
            .get_mut()
            .unwrap_or_else(|e| e.into_inner()) = lock(&source.generations).clone();
        self
    }

    fn new(
        id: u64,
        name: String,
        writer: Connection,
        readers: Vec<Mutex<Connection>>,
        overlay: Option<Overlay>,
    ) -> Self {
        Self {
            id,
            name,
            lineage: id,
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            generations: Mutex::new(Generations::default()),
            pending: Mutex::new(Vec::new()),
            overlay,
            bytes: AtomicU64::new(0),
        }
    }

    #[cfg(test)]
    pub(super) fn id(&self) -> u64 {
        self.id
    }

    pub(super) fn lineage(&self) -> u64 {
        self.lineage
    }

    /// The name other connections open this database by (a `memdb` URI or a path).
    pub(super) fn name(&self) -> &str {
        &self.name
    }

    pub(super) fn generation(&self, reach: Reach) -> (u64, u64) {
        lock(&self.generations).of(reach)
    }

    /// The bytes of the data it holds of its own (pages of its main database).
    pub(super) fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Queues `job` and commits every job queued by then. Blocking.
    pub(super) fn write(&self, job: WriteJob) {
        lock(&self.pending).push(job);
        // Whichever caller gets the writer first commits every job queued by then, this one's
        // included; the others find the queue empty.
        self.commit_pending();
    }

    fn commit_pending(&self) {
        let mut conn = lock(&self.writer);
        loop {
            let mut batch = std::mem::take(&mut *lock(&self.pending));
            if batch.is_empty() {
                return;
            }
            // A job that panicked may have left its batch's transaction open.
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            if let Some(overlay) = &self.overlay {
                // The tables a job may write are copied from the seed first, each area once.
                let mut runnable = Vec::with_capacity(batch.len());
                for job in batch {
                    match overlay.copy_for(&mut conn, job.scope.map(|scope| scope.area)) {
                        Ok(()) => runnable.push(job),
                        Err(error) => job.job.refuse(StoreError::Sqlite(error)),
                    }
                }
                batch = runnable;
            }
            let mut changed: Vec<Option<Scope>> = Vec::new();
            let begun = conn
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(|e| e.to_string());
            let deliveries: Vec<Delivery> = match &begun {
                Ok(()) => batch
                    .into_iter()
                    .map(|job| {
                        let before = conn.total_changes();
                        let delivery = job.job.run(&mut conn);
                        if conn.total_changes() != before {
                            changed.push(job.scope);
                        }
                        delivery
                    })
                    .collect(),
                Err(message) => {
                    for job in batch {
                        job.job.refuse(StoreError::CommitFailed(message.clone()));
                    }
                    Vec::new()
                }
            };
            let committed =
                begun.and_then(|()| conn.execute_batch("COMMIT").map_err(|e| e.to_string()));
            if committed.is_err() && !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            self.changed(&changed);
            if self.overlay.is_some() {
                self.refresh_bytes(&conn);
            }
            for deliver in deliveries {
                deliver(committed.clone());
            }
        }
    }

    /// Moves the generations of what `scopes` wrote (after the data changed, before anyone is
    /// answered, so a key read after the answer names the new data).
    fn changed(&self, scopes: &[Option<Scope>]) {
        if scopes.is_empty() {
            return;
        }
        let mut generations = lock(&self.generations);
        if scopes.contains(&None) {
            generations.everything_changed();
            return;
        }
        for scope in scopes.iter().flatten() {
            generations.scope_changed(*scope);
        }
    }

    fn refresh_bytes(&self, conn: &Connection) {
        let pages = conn.query_row(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |row| row.get::<_, i64>(0),
        );
        if let Ok(bytes) = pages {
            self.bytes
                .store(u64::try_from(bytes).unwrap_or(0), Ordering::Relaxed);
        }
    }

    /// Runs work that may write right here (scoped to nothing: it may change anything).
    pub(super) fn write_now<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let mut conn = lock(&self.writer);
        if let Some(overlay) = &self.overlay {
            overlay.copy_for(&mut conn, None)?;
        }
        let before = conn.total_changes();
        let result = work(&mut conn);
        if conn.total_changes() != before {
            self.changed(&[None]);
        }
        if self.overlay.is_some() {
            self.refresh_bytes(&conn);
        }
        result.map_err(StoreError::from)
    }

    /// Runs read-only work inside one read transaction, so every statement sees one snapshot.
    /// Blocking.
    pub(super) fn read<T>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let mut conn = self.reader();
        let tx = conn.transaction()?;
        let result = work(&tx)?;
        tx.commit()?;
        Ok(result)
    }

    /// Runs a single-statement lookup on a reader right here.
    pub(super) fn read_now<T>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        Ok(work(&self.reader())?)
    }

    /// A free reader if there is one, else the next in turn; the writer when there are none.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        let readers = &self.readers;
        if readers.is_empty() {
            return lock(&self.writer);
        }
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for offset in 0..readers.len() {
            if let Ok(conn) = readers[(start + offset) % readers.len()].try_lock() {
                return conn;
            }
        }
        lock(&readers[start % readers.len()])
    }

    /// Copies `source` over this database, whole. Blocking.
    pub(super) fn restore_from(&self, source: &Database) -> Result<()> {
        let source = source.reader();
        let mut target = lock(&self.writer);
        Backup::new(&source, &mut target)?.run_to_completion(i32::MAX, Duration::ZERO, None)?;
        lock(&self.generations).everything_changed();
        Ok(())
    }

    /// Lets the writer's page cache go (after a bulk load the pages live in `memdb` anyway).
    pub(super) fn release_memory(&self) {
        let _ = lock(&self.writer).execute_batch("PRAGMA shrink_memory");
    }

    /// Runs `work` on the writer with no transaction of the store's (to build the seed).
    pub(super) fn with_writer<T>(&self, work: impl FnOnce(&mut Connection) -> T) -> T {
        work(&mut lock(&self.writer))
    }
}

/// Refuses a file whose tables are not those `schema` makes (one written by another version of
/// Understudy): statements on them would fail request after request instead. Tables the file
/// lacks are no obstacle: the schema creates them.
fn check_tables(file: &Connection, path: &str, schema: &[&str]) -> Result<()> {
    let reference = open_connection(":memory:", FLAGS)?;
    super::apply_schema(&reference, schema)?;
    let tables: Vec<String> = reference
        .prepare(
            "SELECT name FROM pragma_table_list
             WHERE schema = 'main' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
             ORDER BY name",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for table in tables {
        let wanted = columns(&reference, &table)?;
        let found = columns(file, &table)?;
        if !found.is_empty() && found != wanted {
            let names = |columns: &[Column]| {
                columns
                    .iter()
                    .map(|(name, ..)| name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(StoreError::IncompatibleFile {
                path: path.to_owned(),
                table,
                wanted: names(&wanted),
                found: names(&found),
            });
        }
    }
    Ok(())
}

/// A column as `pragma_table_xinfo` describes it: name, declared type, `NOT NULL`, position in
/// the primary key.
type Column = (String, String, bool, i64);

/// `table`'s columns in `main`, in order; none when it has no such table.
fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<Column>> {
    conn.prepare(r#"SELECT name, type, "notnull", pk FROM pragma_table_xinfo(?1, 'main')"#)?
        .query_map([table], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect()
}

/// Reader connections per shared database: one per core, at least two.
pub(super) fn reader_count() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(owner: i64) -> Scope {
        Scope {
            area: "things",
            owner,
        }
    }

    #[test]
    fn scope_counts_are_bounded_and_starting_over_moves_everything() {
        let mut generations = Generations::default();
        let first = generations.of(Reach::Scope(scope(0)));
        for owner in 0..=MAX_SCOPES as i64 {
            generations.scope_changed(scope(owner));
        }
        assert!(generations.scopes.len() <= MAX_SCOPES);
        let now = generations.of(Reach::Scope(scope(0)));
        assert_ne!(now.0, first.0, "a new epoch");
    }
}
