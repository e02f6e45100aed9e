//! Text search, shared by every vendor that has one: Unicode case folding, and an index that
//! finds the records containing a term without reading every record.
//!
//! # What a search matches
//!
//! A record matches a term when [`fold`]ed, the term is a substring of one of the record's
//! fields, folded too: case-insensitive by Unicode (`ÁLVARO` finds `Álvaro`, `ÇAĞRI` finds
//! `çağrı`), never accent-insensitive (`alvaro` does not find `Álvaro`), and every character
//! literal (`%`, `_` and `\` included). SQL sees the fold as `understudy_fold(text)` on every
//! connection ([`install`]), so a vendor's plain predicate is
//! `instr(understudy_fold(field), ?term) > 0` for each field (and
//! `understudy_json_contains(object, ?term)` for each scalar value of a JSON object), with
//! `?term` folded here: no pattern, so no length limit either.
//!
//! # The index
//!
//! A vendor declares a searchable set as a view named `<set>_search` with the columns `tenant`,
//! `row` (the record's rowid) and `text`: `understudy_search_text(field, …)`, the fields folded
//! and joined by [`SEPARATOR`]. [`build`] indexes every such view, per tenant, each on a
//! thread of its own:
//!
//! - `<set>_search_trigrams`: FTS5's `trigram` tokenizer over the folded text, so a phrase
//!   finds exactly the records holding a term of three characters or more, and counts them in
//!   C. The text is folded here, so the tokenizer's own folding is off (`case_sensitive 1`),
//!   which also keeps diacritics (`remove_diacritics` exists only with its folding on). A
//!   document's rowid is `tenant << 32 | row`: a tenant's documents are one rowid range.
//! - `<set>_search_grams`: for each distinct one- or two-character piece of a field, how many
//!   of the tenant's records hold it (so a short term is counted by one lookup), and whether
//!   its records are listed in `<set>_search_postings`. Pieces held by at most [`FEW`] records
//!   at build time are listed (and stay listed, writes included); common ones are not, since
//!   walking the records in order meets one every few rows anyway.
//!
//! [`Index::lookup`] counts the matches when it can and hands back the matching rows when they
//! are few; vendors drive from those, else walk their own order with the plain predicate.
//!
//! Until a database's index is built (an older `--db` file, or a seed just served) a lookup
//! says so and vendors check every record. A write keeps a built index current: the vendor
//! calls [`Index::forget`] before changing or deleting a record and [`Index::add`] after
//! creating or changing it.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, OptionalExtension, ToSql, params};

use super::StoreError;

/// Joins a record's fields in the indexed text. A term holding it (or NUL, which the trigram
/// tokenizer skips) is never looked up in the index: it is checked field by field instead.
pub const SEPARATOR: char = '\u{1f}';

/// Up to this many matching rows, a lookup lists them for the vendor to drive from; past it,
/// walking the vendor's order meets a match every few rows.
pub const FEW: u64 = 2_000;

/// Terms longer than this are looked up by their first this-many characters (fewer candidates
/// than any real field could produce), and the vendor's predicate decides.
const LONGEST_PHRASE: usize = 64;

/// The low 32 bits of a document's rowid: the record's own rowid.
const ROW_MASK: i64 = 0xFFFF_FFFF;

/// Marks a built index in `understudy_meta`; a new version (another fold or layout) makes
/// older indexes count as not built.
const VERSION: &str = "1";

/// `text` folded for case-insensitive comparison by Unicode: each character as the lower case
/// of its upper case (`ı` and `I` both become `i`, `ß` becomes `ss`, `ς` becomes `σ`), and `İ`
/// as `i`. Character by character, never by context, so folding a part of a text gives a part
/// of the folded text: the substring test stays a substring test. No accent is removed.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut folded = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_ascii() {
            folded.push(ch.to_ascii_lowercase());
        } else if ch == 'İ' {
            folded.push('i');
        } else {
            for upper in ch.to_uppercase() {
                folded.extend(upper.to_lowercase());
            }
        }
    }
    folded
}

/// Registers `understudy_fold(text)`, `understudy_search_text(field, …)` and the JSON helpers
/// below on `conn`. Every
/// connection that runs a vendor's queries or builds an index needs them.
pub fn install(conn: &Connection) -> rusqlite::Result<()> {
    // Each searchable set adds a few statements of its own to every vendor's.
    conn.set_prepared_statement_cache_capacity(64);
    let flags = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function("understudy_fold", 1, flags, |ctx| {
        Ok(text_of(ctx.get_raw(0)).map(|text| fold(&text)))
    })?;
    // `understudy_json_contains(object, term)`: whether a scalar value of the JSON object, folded,
    // holds the folded term; `understudy_json_values(object)` joins those values (folded or
    // not) by the separator, for the indexed text.
    conn.create_scalar_function("understudy_json_contains", 2, flags, |ctx| {
        let (Some(json), Some(term)) = (text_of(ctx.get_raw(0)), text_of(ctx.get_raw(1))) else {
            return Ok(None);
        };
        Ok(Some(
            json_values(&json)
                .iter()
                .any(|value| fold(value).contains(term.as_str())),
        ))
    })?;
    conn.create_scalar_function("understudy_json_values", 1, flags, |ctx| {
        Ok(text_of(ctx.get_raw(0)).map(|json| json_values(&json).join(&SEPARATOR.to_string())))
    })?;
    conn.create_scalar_function("understudy_search_text", -1, flags, |ctx| {
        let fields: Vec<Option<String>> = (0..ctx.len()).map(|i| text_of(ctx.get_raw(i))).collect();
        Ok(searchable_text(fields.iter().map(Option::as_deref)))
    })?;
    // `understudy_json_shares(array, other)`: whether two JSON arrays hold a string in common;
    // `other` is read once per statement, so a filter can test every row against it cheaply.
    conn.create_scalar_function("understudy_json_shares", 2, flags, |ctx| {
        let Some(array) = text_of(ctx.get_raw(0)) else {
            return Ok(None);
        };
        let other = ctx.get_or_create_aux(1, |value| {
            Ok::<_, rusqlite::Error>(
                text_of(value)
                    .and_then(|json| serde_json::from_str::<Vec<String>>(&json).ok())
                    .unwrap_or_default(),
            )
        })?;
        let strings: Vec<std::borrow::Cow<'_, str>> =
            serde_json::from_str(&array).unwrap_or_default();
        Ok(Some(
            strings
                .iter()
                .any(|string| other.iter().any(|wanted| wanted == string)),
        ))
    })
}

/// A record's searchable text: its fields folded, NUL read as [`SEPARATOR`], joined by it;
/// missing fields left out. A folded term holding neither is in the text exactly when it is in
/// one of the fields, folded ([`spans_one_field`]).
pub fn searchable_text<'a>(fields: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let mut joined = String::new();
    for text in fields.into_iter().flatten() {
        if !joined.is_empty() {
            joined.push(SEPARATOR);
        }
        joined.extend(fold(text).chars().map(|ch| match ch {
            '\0' => SEPARATOR,
            ch => ch,
        }));
    }
    joined
}

/// Whether a folded term, found in a [`searchable_text`], is found in one of its fields: when
/// it holds neither the separator nor NUL, which no match could then straddle.
pub fn spans_one_field(term: &str) -> bool {
    !term.contains([SEPARATOR, '\0'])
}

/// The scalar values of a JSON object as one field of a [`searchable_text`]: as
/// `understudy_json_values` gives them.
pub fn object_values(object: &serde_json::Map<String, serde_json::Value>) -> String {
    scalar_values(object.values()).join(&SEPARATOR.to_string())
}

/// The scalar values of a JSON object as they are searched: strings as they are, numbers and
/// booleans as JSON writes them (what clients see); nested values and `null` are not searched.
fn json_values(json: &str) -> Vec<String> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(json) else {
        return Vec::new();
    };
    scalar_values(fields.values())
}

fn scalar_values<'a>(values: impl Iterator<Item = &'a serde_json::Value>) -> Vec<String> {
    values
        .filter_map(|value| match value {
            serde_json::Value::String(text) => Some(text.clone()),
            serde_json::Value::Number(number) => Some(number.to_string()),
            serde_json::Value::Bool(flag) => Some(flag.to_string()),
            _ => None,
        })
        .collect()
}

/// A value as the text it is compared as: text as it is, numbers as Rust writes them (vendors
/// cast where SQLite's writing matters); NULL and blobs are no text.
fn text_of(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Text(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        ValueRef::Integer(number) => Some(number.to_string()),
        ValueRef::Real(number) => Some(number.to_string()),
        ValueRef::Null | ValueRef::Blob(_) => None,
    }
}

/// A one- or two-character piece as a number: the first character above the second plus one
/// (zero for a single character), so pieces are counted without allocating.
type Piece = u64;

fn piece(first: char, second: Option<char>) -> Piece {
    (u64::from(first) << 22) | second.map_or(0, |ch| u64::from(ch) + 1)
}

fn piece_text(piece: Piece) -> String {
    let char_at = |code: u64| char::from_u32(u32::try_from(code).unwrap_or(0)).unwrap_or('\0');
    let mut text = String::new();
    text.push(char_at(piece >> 22));
    if piece & 0x3F_FFFF != 0 {
        text.push(char_at((piece & 0x3F_FFFF) - 1));
    }
    text
}

/// The distinct one- and two-character pieces of each field of `text` (fields split at
/// [`SEPARATOR`]), sorted.
fn pieces(text: &str) -> Vec<Piece> {
    let mut found = Vec::with_capacity(text.len() * 2);
    for field in text.split(SEPARATOR) {
        let mut chars = field.chars().peekable();
        while let Some(ch) = chars.next() {
            found.push(piece(ch, None));
            if let Some(next) = chars.peek() {
                found.push(piece(ch, Some(*next)));
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// Hashes a piece by multiplication: pieces are already well spread, and SipHash's strength
/// is not needed for a table built from the seed.
#[derive(Default)]
struct PieceHasher(u64);

impl Hasher for PieceHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01B3);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (value ^ (value >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// How many of a tenant's records hold a piece, and which, while they are few.
struct PieceCount {
    docs: u64,
    rows: Option<Vec<i64>>,
}

type TenantPieces = HashMap<Piece, PieceCount, BuildHasherDefault<PieceHasher>>;

/// The tables of the set whose view is `view` (`<set>_search`).
struct Tables {
    trigrams: String,
    grams: String,
    postings: String,
}

fn tables(view: &str) -> Tables {
    Tables {
        trigrams: format!("{view}_trigrams"),
        grams: format!("{view}_grams"),
        postings: format!("{view}_postings"),
    }
}

fn ready_key(view: &str) -> String {
    format!("search:{view}:{VERSION}")
}

/// Builds the index of every searchable set of `conn`'s database, each set on a thread of its
/// own and into a database of its own while this thread reads the next set's texts; then copies
/// the built tables into `conn`'s database (replacing any index there) and marks each set
/// ready. The built databases stay attached to `conn` (SQLite detaches no database a
/// transaction has read): detach them once the transaction is over.
pub fn build(conn: &Connection) -> Result<(), StoreError> {
    let mut sets = Vec::new();
    for view in search_views(conn)? {
        sets.push(SetWorker::feed(conn, view)?);
    }
    for (index, set) in sets.iter_mut().enumerate() {
        let built = set.join()?;
        let schema = format!("{BUILT_SCHEMA}_{index}");
        conn.execute(&format!("ATTACH ?1 AS {schema}"), [&set.name])?;
        // Attached, the database lives on without the worker's connection.
        drop(built);
        copy_set(conn, &set.view, &schema)?;
        conn.execute(
            "INSERT OR REPLACE INTO understudy_meta (key, value) VALUES (?1, '1')",
            [ready_key(&set.view)],
        )?;
    }
    Ok(())
}

/// One set's worker. Dropped unfinished (on an error), it stops and its database goes with it.
struct SetWorker {
    view: String,
    /// Where the set's texts go; `None` once all are handed over.
    work: Option<SyncSender<Vec<Document>>>,
    /// The worker: its connection holds the built database (which lives as long as one does).
    worker: Option<JoinHandle<rusqlite::Result<Connection>>>,
    /// The built database's `memdb` URI, by which the caller's connection attaches it.
    name: String,
    cancelled: Arc<AtomicBool>,
}

struct Document {
    tenant: i64,
    row: i64,
    text: String,
}

/// Documents per message: large enough that the channel costs nothing per record.
const BATCH: usize = 1_024;
/// Messages the caller may run ahead of a set's worker: a bound on what waits in memory.
const QUEUED: usize = 1_024;

/// The schema a set's built database is attached under (`…_<n>` for the n-th set), from
/// [`build`] until the caller's transaction is over and it detaches it.
const BUILT_SCHEMA: &str = "understudy_search_built";

static NEXT_BUILD: AtomicU64 = AtomicU64::new(0);

impl SetWorker {
    /// Starts `view`'s worker, with an empty database of its own, and hands it the set's texts.
    fn feed(conn: &Connection, view: String) -> Result<Self, StoreError> {
        let name = format!(
            "file:/understudy-search-{}-{}?vfs=memdb",
            std::process::id(),
            NEXT_BUILD.fetch_add(1, Ordering::Relaxed)
        );
        let (work, received) = sync_channel(QUEUED);
        let cancelled = Arc::new(AtomicBool::new(false));
        let worker = {
            let (name, view, cancelled) = (name.clone(), view.clone(), Arc::clone(&cancelled));
            std::thread::Builder::new()
                .name("search-index".into())
                .spawn(move || build_set(&name, view, &received, &cancelled))
                .map_err(|_| StoreError::TaskFailed)?
        };
        let mut set = Self {
            view,
            work: Some(work),
            worker: Some(worker),
            name,
            cancelled,
        };
        let mut documents =
            conn.prepare(&format!("SELECT tenant, row, text FROM \"{}\"", set.view))?;
        let mut rows = documents.query([])?;
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(record) = rows.next()? {
            batch.push(Document {
                tenant: record.get(0)?,
                row: record.get(1)?,
                text: record.get(2)?,
            });
            if batch.len() == BATCH {
                set.send(std::mem::take(&mut batch))?;
            }
        }
        if !batch.is_empty() {
            set.send(batch)?;
        }
        // Every text is in: the worker finishes once it has taken them all.
        set.work = None;
        Ok(set)
    }

    /// Passes `documents` on. The worker stops early only on an error, which says why.
    fn send(&mut self, documents: Vec<Document>) -> Result<(), StoreError> {
        if self
            .work
            .as_ref()
            .is_some_and(|to| to.send(documents).is_ok())
        {
            return Ok(());
        }
        self.work = None;
        self.join()?;
        Err(StoreError::TaskFailed)
    }

    fn join(&mut self) -> Result<Connection, StoreError> {
        let worker = self.worker.take().ok_or(StoreError::TaskFailed)?;
        Ok(worker.join().map_err(|_| StoreError::TaskFailed)??)
    }
}

impl Drop for SetWorker {
    fn drop(&mut self) {
        if self.worker.is_some() {
            self.cancelled.store(true, Ordering::Release);
        }
    }
}

/// Every `<set>_search` view of `conn`'s database.
fn search_views(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare(
        "SELECT name FROM sqlite_schema
         WHERE type = 'view' AND name LIKE '%\\_search' ESCAPE '\\'",
    )?
    .query_map([], |row| row.get(0))?
    .collect()
}

/// A set's worker: builds the set into a database of its own, in one transaction, and hands
/// the connection back (the database lives as long as it).
fn build_set(
    name: &str,
    view: String,
    work: &Receiver<Vec<Document>>,
    cancelled: &AtomicBool,
) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        name,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    build_into(&conn, view, work, cancelled)?;
    Ok(conn)
}

fn build_into(
    conn: &Connection,
    view: String,
    work: &Receiver<Vec<Document>>,
    cancelled: &AtomicBool,
) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    let mut set = SetBuild::start(&tx, view)?;
    for documents in work {
        if cancelled.load(Ordering::Acquire) {
            // Nobody waits for this build: what it made goes with the transaction.
            return Ok(());
        }
        set.add(&tx, documents)?;
    }
    if cancelled.load(Ordering::Acquire) {
        return Ok(());
    }
    set.write_pieces(&tx)?;
    tx.commit()
}

/// One set being built: its documents go into the trigram table as they come; its pieces are
/// counted in memory and written once all are in.
struct SetBuild {
    view: String,
    tables: Tables,
    counts: HashMap<i64, TenantPieces>,
}

impl SetBuild {
    fn start(conn: &Connection, view: String) -> rusqlite::Result<Self> {
        let tables = tables(&view);
        create_tables(conn, &tables)?;
        Ok(Self {
            view,
            tables,
            counts: HashMap::new(),
        })
    }

    fn add(&mut self, conn: &Connection, documents: Vec<Document>) -> rusqlite::Result<()> {
        let mut put_text = conn.prepare_cached(&format!(
            "INSERT INTO \"{}\" (rowid, text) VALUES (?1, ?2)",
            self.tables.trigrams
        ))?;
        for Document { tenant, row, text } in documents {
            put_text.execute(params![document_id(tenant, row), text])?;
            let tenant_pieces = self.counts.entry(tenant).or_default();
            for piece in pieces(&text) {
                let count = tenant_pieces.entry(piece).or_insert_with(|| PieceCount {
                    docs: 0,
                    rows: Some(Vec::new()),
                });
                count.docs += 1;
                if let Some(listed) = &mut count.rows {
                    listed.push(row);
                    if listed.len() as u64 > FEW {
                        count.rows = None;
                    }
                }
            }
        }
        Ok(())
    }

    fn write_pieces(self, conn: &Connection) -> rusqlite::Result<()> {
        let Tables {
            grams, postings, ..
        } = &self.tables;
        let mut put_gram = conn.prepare(&format!(
            "INSERT INTO \"{grams}\" (tenant, gram, docs, listed) VALUES (?1, ?2, ?3, ?4)"
        ))?;
        let mut put_posting = conn.prepare(&format!(
            "INSERT INTO \"{postings}\" (tenant, gram, row) VALUES (?1, ?2, ?3)"
        ))?;
        for (tenant, tenant_pieces) in self.counts {
            for (piece, count) in tenant_pieces {
                let gram = piece_text(piece);
                put_gram.execute(params![tenant, gram, count.docs, count.rows.is_some()])?;
                for row in count.rows.into_iter().flatten() {
                    put_posting.execute(params![tenant, gram, row])?;
                }
            }
        }
        tracing::debug!(view = self.view, "search index built");
        Ok(())
    }
}

/// Makes a set's tables afresh (empty) in `conn`'s main database.
fn create_tables(conn: &Connection, tables: &Tables) -> rusqlite::Result<()> {
    let Tables {
        trigrams,
        grams,
        postings,
    } = tables;
    conn.execute_batch(&format!(
        "DROP TABLE IF EXISTS main.\"{trigrams}\";
         DROP TABLE IF EXISTS main.\"{grams}\";
         DROP TABLE IF EXISTS main.\"{postings}\";
         CREATE VIRTUAL TABLE main.\"{trigrams}\" USING fts5(text,
             tokenize = 'trigram case_sensitive 1', content = '', columnsize = 0,
             detail = full);
         CREATE TABLE main.\"{grams}\" (
             tenant INTEGER NOT NULL, gram TEXT NOT NULL, docs INTEGER NOT NULL,
             listed INTEGER NOT NULL, PRIMARY KEY (tenant, gram)) WITHOUT ROWID;
         CREATE TABLE main.\"{postings}\" (
             tenant INTEGER NOT NULL, gram TEXT NOT NULL, row INTEGER NOT NULL,
             PRIMARY KEY (tenant, gram, row)) WITHOUT ROWID;"
    ))
}

/// Makes the set of `view` afresh in `conn`'s main database as the built database attached as
/// `built` holds it: the trigram table's own tables (rows and all, replacing those a new one starts
/// with) and the pieces' tables, copied record by record.
fn copy_set(conn: &Connection, view: &str, built: &str) -> rusqlite::Result<()> {
    let tables = tables(view);
    create_tables(conn, &tables)?;
    let stored: Vec<String> = conn
        .prepare(&format!(
            "SELECT name FROM {built}.sqlite_schema
             WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'
               AND (name = ?1 OR name = ?2 OR name LIKE ?3 ESCAPE '\\')"
        ))?
        .query_map(
            params![
                tables.grams,
                tables.postings,
                format!("{}\\_%", tables.trigrams.replace('_', "\\_"))
            ],
            |row| row.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    for table in stored {
        conn.execute_batch(&format!(
            "DELETE FROM main.\"{table}\";
             INSERT INTO main.\"{table}\" SELECT * FROM {built}.\"{table}\";"
        ))?;
    }
    Ok(())
}

fn document_id(tenant: i64, row: i64) -> i64 {
    (tenant << 32) | (row & ROW_MASK)
}

/// The `FROM` of a vendor query over `table` (with its alias, e.g. `things t`): the table
/// alone, or driven from `candidates` (their parameters numbered from `?{first}`), joined on
/// the alias's rowid. `CROSS JOIN` keeps the candidates outermost, whatever SQLite estimates.
pub fn from(table: &str, alias: &str, candidates: Option<&Candidates>, first: usize) -> String {
    match candidates {
        None => format!("{table} {alias}"),
        Some(candidates) => format!(
            "({}) search_rows CROSS JOIN {table} {alias} ON {alias}.rowid = search_rows.row",
            candidates.sql(first)
        ),
    }
}

/// The index of one searchable set, named by its view (`<set>_search`).
#[derive(Debug, Clone, Copy)]
pub struct Index {
    pub view: &'static str,
}

/// How to find the records matching a term.
#[derive(Debug)]
pub struct Lookup {
    /// The term, folded: the `?term` of the vendor's plain predicate.
    pub term: String,
    /// How many records match, when the index knows it exactly.
    pub count: Option<u64>,
    /// The matching records, when they are few: drive from them (a superset when the term is
    /// long; keep the plain predicate on top).
    pub candidates: Option<Candidates>,
}

/// A superset of the matching records' rowids, as SQL: see [`Candidates::sql`].
#[derive(Debug, Clone)]
pub enum Candidates {
    /// The documents of a trigram phrase in one tenant's rowid range.
    Phrase {
        table: String,
        phrase: String,
        first: i64,
        last: i64,
    },
    /// The listed records of a short piece.
    Piece {
        table: String,
        tenant: i64,
        gram: String,
    },
}

impl Candidates {
    /// `SELECT row FROM …`, its parameters numbered from `?{first}` (see
    /// [`Candidates::params`]).
    pub fn sql(&self, first: usize) -> String {
        match self {
            Self::Phrase { table, .. } => format!(
                "SELECT rowid & {ROW_MASK} AS row FROM \"{table}\"
                 WHERE \"{table}\" MATCH ?{first} AND rowid BETWEEN ?{} AND ?{}",
                first + 1,
                first + 2
            ),
            Self::Piece { table, .. } => format!(
                "SELECT row FROM \"{table}\" WHERE tenant = ?{first} AND gram = ?{}",
                first + 1
            ),
        }
    }

    /// The parameters of [`Candidates::sql`], in order.
    pub fn params(&self) -> Vec<&dyn ToSql> {
        match self {
            Self::Phrase {
                phrase,
                first,
                last,
                ..
            } => vec![phrase, first, last],
            Self::Piece { tenant, gram, .. } => vec![tenant, gram],
        }
    }
}

impl Index {
    /// Whether the index of `conn`'s database is built.
    pub fn ready(&self, conn: &Connection) -> rusqlite::Result<bool> {
        conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM understudy_meta WHERE key = ?1)")?
            .query_row([ready_key(self.view)], |row| row.get(0))
    }

    /// How to find the tenant's records matching `term` (as the client sent it), with their
    /// exact count when the index knows it.
    pub fn lookup(&self, conn: &Connection, tenant: i64, term: &str) -> rusqlite::Result<Lookup> {
        self.look_up(conn, tenant, term, true)
    }

    /// [`Index::lookup`] for a query that needs no total: a common term's matches are not
    /// counted past [`FEW`], so its `count` may be missing.
    pub fn lookup_uncounted(
        &self,
        conn: &Connection,
        tenant: i64,
        term: &str,
    ) -> rusqlite::Result<Lookup> {
        self.look_up(conn, tenant, term, false)
    }

    fn look_up(
        &self,
        conn: &Connection,
        tenant: i64,
        term: &str,
        counting: bool,
    ) -> rusqlite::Result<Lookup> {
        let term = fold(term);
        let plain = Lookup {
            term,
            count: None,
            candidates: None,
        };
        if !spans_one_field(&plain.term) || !self.ready(conn)? {
            return Ok(plain);
        }
        let tables = tables(self.view);
        let length = plain.term.chars().count();
        if length <= 2 {
            let found: Option<(u64, bool)> = conn
                .prepare_cached(&format!(
                    "SELECT docs, listed FROM \"{}\" WHERE tenant = ?1 AND gram = ?2",
                    tables.grams
                ))?
                .query_row(params![tenant, plain.term], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()?;
            let (docs, listed) = found.unwrap_or((0, true));
            return Ok(Lookup {
                count: Some(docs),
                candidates: (listed && docs <= FEW).then(|| Candidates::Piece {
                    table: tables.postings,
                    tenant,
                    gram: plain.term.clone(),
                }),
                ..plain
            });
        }
        let head: String = plain.term.chars().take(LONGEST_PHRASE).collect();
        let candidates = Candidates::Phrase {
            table: tables.trigrams,
            phrase: format!("\"{}\"", head.replace('"', "\"\"")),
            first: document_id(tenant, 0),
            last: document_id(tenant, ROW_MASK),
        };
        // Counting stops past `FEW` when no total is asked for: the answer is "many" either way.
        let cap = if counting { i64::MAX } else { FEW as i64 + 1 };
        let found: u64 = conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM ({} LIMIT ?4)",
                candidates.sql(1)
            ))?
            .query_row(
                rusqlite::params_from_iter(candidates.params().into_iter().chain([&cap as _])),
                |row| row.get(0),
            )?;
        Ok(Lookup {
            count: (length <= LONGEST_PHRASE && found < cap as u64).then_some(found),
            candidates: (found <= FEW).then_some(candidates),
            ..plain
        })
    }

    /// The record's indexed text, if the index is built and the record exists.
    fn text(&self, conn: &Connection, tenant: i64, row: i64) -> rusqlite::Result<Option<String>> {
        if !self.ready(conn)? {
            return Ok(None);
        }
        conn.prepare_cached(&format!(
            "SELECT text FROM \"{}\" WHERE tenant = ?1 AND row = ?2",
            self.view
        ))?
        .query_row([tenant, row], |found| found.get(0))
        .optional()
    }

    /// Takes the record `row` of `tenant`, as it now is, out of the index: before it is
    /// changed or deleted. Nothing to do while the index is not built.
    pub fn forget(&self, conn: &Connection, tenant: i64, row: i64) -> rusqlite::Result<()> {
        let Some(text) = self.text(conn, tenant, row)? else {
            return Ok(());
        };
        let tables = tables(self.view);
        // A contentless table forgets a document given the very text it was given.
        conn.prepare_cached(&format!(
            "INSERT INTO \"{0}\" (\"{0}\", rowid, text) VALUES ('delete', ?1, ?2)",
            tables.trigrams
        ))?
        .execute(params![document_id(tenant, row), text])?;
        for piece in pieces(&text) {
            let gram = piece_text(piece);
            conn.prepare_cached(&format!(
                "UPDATE \"{}\" SET docs = docs - 1 WHERE tenant = ?1 AND gram = ?2",
                tables.grams
            ))?
            .execute(params![tenant, gram])?;
            conn.prepare_cached(&format!(
                "DELETE FROM \"{}\" WHERE tenant = ?1 AND gram = ?2 AND row = ?3",
                tables.postings
            ))?
            .execute(params![tenant, gram, row])?;
        }
        Ok(())
    }

    /// Puts the record `row` of `tenant`, as it now is, into the index: after it is created or
    /// changed. A piece no record held before is listed from now on.
    pub fn add(&self, conn: &Connection, tenant: i64, row: i64) -> rusqlite::Result<()> {
        let Some(text) = self.text(conn, tenant, row)? else {
            return Ok(());
        };
        let tables = tables(self.view);
        conn.prepare_cached(&format!(
            "INSERT INTO \"{}\" (rowid, text) VALUES (?1, ?2)",
            tables.trigrams
        ))?
        .execute(params![document_id(tenant, row), text])?;
        for piece in pieces(&text) {
            let gram = piece_text(piece);
            conn.prepare_cached(&format!(
                "INSERT INTO \"{}\" (tenant, gram, docs, listed) VALUES (?1, ?2, 1, 1)
                 ON CONFLICT (tenant, gram) DO UPDATE SET docs = docs + 1",
                tables.grams
            ))?
            .execute(params![tenant, gram])?;
            conn.prepare_cached(&format!(
                "INSERT OR IGNORE INTO \"{}\" (tenant, gram, row)
                 SELECT ?1, ?2, ?3 FROM \"{}\" WHERE tenant = ?1 AND gram = ?2 AND listed",
                tables.postings, tables.grams
            ))?
            .execute(params![tenant, gram, row])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_is_by_unicode_and_keeps_accents() {
        assert_eq!(fold("ÁLVARO"), fold("álvaro"));
        assert_eq!(fold("ÖZTÜRK"), fold("Öztürk"));
        assert_eq!(fold("ÇAĞRI"), fold("çağrı"));
        assert_eq!(fold("Ñandú"), fold("ñandú"));
        assert_eq!(fold("İstanbul"), "istanbul");
        assert_eq!(fold("Straße"), "strasse");
        assert_ne!(fold("alvaro"), fold("Álvaro"));
        assert_eq!(fold("50%_a\\b"), "50%_a\\b");
    }

    #[test]
    fn folding_a_part_gives_a_part_of_the_folded_whole() {
        let whole = "ΟΔΟΣ Σοφία ǅemal ﬃ";
        let folded = fold(whole);
        for (start, _) in whole.char_indices() {
            for (end, _) in whole[start..].char_indices().skip(1) {
                assert!(folded.contains(&fold(&whole[start..start + end])));
            }
        }
    }

    #[test]
    fn json_shares_compares_the_strings_of_two_arrays_exactly() {
        let conn = Connection::open_in_memory().unwrap();
        install(&conn).unwrap();
        let shares = |array: Option<&str>, other: &str| -> Option<bool> {
            conn.query_row(
                "SELECT understudy_json_shares(?1, ?2)",
                params![array, other],
                |row| row.get(0),
            )
            .unwrap()
        };
        assert_eq!(
            shares(Some(r#"["lead","vip"]"#), r#"["x","vip"]"#),
            Some(true)
        );
        assert_eq!(shares(Some(r#"["a\"b"]"#), r#"["a\"b"]"#), Some(true));
        assert_eq!(shares(Some(r#"["a\"b"]"#), r#"["a"]"#), Some(false));
        assert_eq!(shares(Some(r#"["vip"]"#), r#"["VIP"]"#), Some(false));
        assert_eq!(shares(Some("[]"), r#"["vip"]"#), Some(false));
        assert_eq!(shares(Some("not json"), r#"["vip"]"#), Some(false));
        assert_eq!(shares(None, r#"["vip"]"#), None);
    }

    #[test]
    fn a_term_without_the_separator_is_in_the_text_exactly_when_in_a_field() {
        let fields = [Some("Ana\0Bé"), None, Some("x")];
        let text = searchable_text(fields);
        assert_eq!(text, "ana\u{1f}bé\u{1f}x");
        for term in ["an", "bé", "x", "é"] {
            assert!(spans_one_field(term) && text.contains(term), "{term}");
        }
        for term in ["a\u{1f}b", "\0", "é\u{1f}x"] {
            assert!(!spans_one_field(term), "{term:?}");
        }
    }

    #[test]
    fn pieces_are_the_distinct_short_pieces_of_each_field() {
        let texts: Vec<String> = pieces("ab\u{1f}bé").into_iter().map(piece_text).collect();
        assert_eq!(texts, ["a", "ab", "b", "bé", "é"]);
        assert!(pieces("").is_empty());
    }

    fn indexed() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        install(&conn).unwrap();
        conn.execute_batch(
            "CREATE TABLE understudy_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE things (tenant INTEGER NOT NULL, name TEXT, note TEXT);
             CREATE VIEW things_search (tenant, row, text) AS
                 SELECT tenant, rowid, understudy_search_text(name, note) FROM things;",
        )
        .unwrap();
        conn
    }

    const INDEX: Index = Index {
        view: "things_search",
    };

    fn matches(conn: &Connection, tenant: i64, term: &str) -> Vec<i64> {
        let lookup = INDEX.lookup(conn, tenant, term).unwrap();
        let candidates = lookup.candidates.expect("few");
        let mut values = candidates.params();
        values.push(&lookup.term);
        let term_at = values.len();
        let mut rows: Vec<i64> = conn
            .prepare(&format!(
                "SELECT t.rowid FROM ({}) m CROSS JOIN things t ON t.rowid = m.row
                 WHERE instr(understudy_fold(t.name), ?{term_at}) > 0
                    OR instr(understudy_fold(t.note), ?{term_at}) > 0",
                candidates.sql(1)
            ))
            .unwrap()
            .query_map(rusqlite::params_from_iter(values), |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        rows.sort_unstable();
        if let Some(count) = lookup.count {
            assert_eq!(count, rows.len() as u64, "{term}");
        }
        rows
    }

    #[test]
    fn the_index_finds_what_the_fold_finds_per_tenant_and_follows_writes() {
        let conn = indexed();
        conn.execute_batch(
            "INSERT INTO things VALUES (1, 'Álvaro Núñez', 'x%y'), (1, 'ALVARO', NULL),
                 (2, 'álvaro', 'a_b\\c'), (1, 'Öztürk', '42');",
        )
        .unwrap();
        assert!(INDEX.lookup(&conn, 1, "al").unwrap().candidates.is_none());
        build(&conn).unwrap();
        assert_eq!(matches(&conn, 1, "ÁLVARO"), [1]);
        assert_eq!(matches(&conn, 1, "alvaro"), [2]);
        assert_eq!(matches(&conn, 1, "á"), [1]);
        assert_eq!(matches(&conn, 1, "öz"), [4]);
        assert_eq!(matches(&conn, 1, "%"), [1]);
        assert_eq!(matches(&conn, 2, "_b\\"), [3]);
        assert_eq!(matches(&conn, 2, "\\"), [3]);
        assert_eq!(matches(&conn, 1, "4"), [4]);
        assert_eq!(matches(&conn, 1, &"a".repeat(70)), Vec::<i64>::new());
        INDEX.forget(&conn, 1, 2).unwrap();
        conn.execute("UPDATE things SET name = 'Zoë' WHERE rowid = 2", [])
            .unwrap();
        INDEX.add(&conn, 1, 2).unwrap();
        assert_eq!(matches(&conn, 1, "ZOË"), [2]);
        assert_eq!(matches(&conn, 1, "alvaro"), Vec::<i64>::new());
        INDEX.forget(&conn, 1, 1).unwrap();
        conn.execute("DELETE FROM things WHERE rowid = 1", [])
            .unwrap();
        assert_eq!(matches(&conn, 1, "á"), Vec::<i64>::new());
        let unindexed = INDEX.lookup(&conn, 1, "a\u{1f}b").unwrap();
        assert!(unindexed.candidates.is_none() && unindexed.count.is_none());
    }

    #[test]
    fn a_builder_indexes_every_set_and_marks_each_ready_once_copied_in() {
        let conn = indexed();
        conn.execute_batch(
            "CREATE TABLE more (tenant INTEGER NOT NULL, name TEXT);
             CREATE VIEW more_search (tenant, row, text) AS
                 SELECT tenant, rowid, understudy_search_text(name) FROM more;
             INSERT INTO things VALUES (1, 'Álvaro', NULL), (1, 'Beatriz', 'álvarez');
             INSERT INTO more VALUES (1, 'Carlota'), (1, 'ÁLVARO'), (2, 'álvaro');",
        )
        .unwrap();
        let more = Index {
            view: "more_search",
        };
        assert!(!more.ready(&conn).unwrap());
        build(&conn).unwrap();
        assert!(more.ready(&conn).unwrap());
        assert_eq!(matches(&conn, 1, "ÁLVAR"), [1, 2]);
        assert_eq!(matches(&conn, 1, "z"), [2]);
        assert_eq!(more.lookup(&conn, 1, "álv").unwrap().count, Some(1));
        assert_eq!(more.lookup(&conn, 2, "Á").unwrap().count, Some(1));
        assert_eq!(more.lookup(&conn, 1, "carl").unwrap().count, Some(1));
    }
}
