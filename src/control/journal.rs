//! The request journal: every vendor request with its answer, newest last, bounded both in
//! entries and in bytes (a URL of 60 KB costs what it weighs, not one entry's share).
//!
//! Entries are shared (`Arc`): a query copies the list of them under the lock, which takes
//! microseconds, and filters with no lock held, so a slow filter never delays recording.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::Method;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::control::glob::Glob;
use crate::time::{ADMIN_TIME, Millis};

/// How many entries are kept unless `--journal-size` says otherwise.
pub const DEFAULT_JOURNAL_SIZE: usize = 10_000;
/// How many bytes the entries may hold unless `--journal-bytes` says otherwise.
pub const DEFAULT_JOURNAL_BYTES: usize = 64 * 1024 * 1024;
/// The most of a request body an entry keeps; the rest is cut, with a marker.
pub const MAX_STORED_BODY: usize = 64 * 1024;
/// What an entry costs besides the bytes of its URL, headers and body: the entry itself, its
/// allocations and its place in the list (an estimate).
const ENTRY_OVERHEAD: usize = std::mem::size_of::<Entry>() + 64;
/// What a header costs besides its name and value: its place in [`Headers`].
const HEADER_OVERHEAD: usize = std::mem::size_of::<(u32, u32)>();

/// A recorded request. Credentials in `headers` and `tenant` are masked when recorded; the rest
/// is kept as the request carried it and rendered only when listed, so recording stays cheap.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: u64,
    /// When the request arrived (real time, not the mock's clock).
    pub received: Millis,
    pub vendor: &'static str,
    pub tenant: Option<String>,
    pub namespace: Option<String>,
    pub method: Method,
    /// The vendor's own path and query, without the slug prefix, as sent.
    pub target: Box<str>,
    pub headers: Headers,
    pub body: Option<String>,
    /// The body was longer than [`MAX_STORED_BODY`]: `body` holds its start and a marker.
    pub body_truncated: bool,
    pub status: u16,
    pub duration_ms: f64,
}

impl Entry {
    /// The path of [`Entry::target`].
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(&self.target, |(path, _query)| path)
    }

    /// The query of [`Entry::target`], if it has one.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_path, query)| query)
    }

    /// Keeps a request body (nothing when empty): at most [`MAX_STORED_BODY`] bytes of it, cut
    /// at a character boundary and marked `…[truncated: N bytes in all]`.
    pub fn keep_body(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if bytes.len() <= MAX_STORED_BODY {
            self.body = Some(String::from_utf8_lossy(bytes).into_owned());
            return;
        }
        let mut kept = &bytes[..MAX_STORED_BODY];
        // A character cut in two at the end is left out rather than shown as U+FFFD.
        if let Err(error) = std::str::from_utf8(kept)
            && error.error_len().is_none()
        {
            kept = &kept[..error.valid_up_to()];
        }
        let mut text = String::from_utf8_lossy(kept).into_owned();
        text.push_str(&format!("…[truncated: {} bytes in all]", bytes.len()));
        self.body = Some(text);
        self.body_truncated = true;
    }

    /// What the entry holds in memory, estimated: its URL, headers, body and overhead.
    pub fn cost(&self) -> usize {
        let text = |text: &Option<String>| text.as_ref().map_or(0, String::len);
        ENTRY_OVERHEAD
            + self.target.len()
            + self.headers.cost()
            + text(&self.body)
            + text(&self.tenant)
            + text(&self.namespace)
    }
}

impl Serialize for Entry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A header sent more than once shows every value, joined as HTTP folds them.
        let mut headers = Map::new();
        for (name, value) in self.headers.iter() {
            match headers.get_mut(name) {
                Some(Value::String(values)) => {
                    values.push_str(", ");
                    values.push_str(value);
                }
                _ => {
                    headers.insert(name.to_owned(), Value::String(value.to_owned()));
                }
            }
        }
        let mut entry = serializer.serialize_struct("Entry", 13)?;
        entry.serialize_field("id", &self.id)?;
        entry.serialize_field("time", &ADMIN_TIME.render(self.received))?;
        entry.serialize_field("vendor", self.vendor)?;
        entry.serialize_field("tenant", &self.tenant)?;
        entry.serialize_field("namespace", &self.namespace)?;
        entry.serialize_field("method", self.method.as_str())?;
        entry.serialize_field("path", self.path())?;
        entry.serialize_field("query", &self.query())?;
        entry.serialize_field("headers", &headers)?;
        entry.serialize_field("body", &self.body)?;
        entry.serialize_field("body_truncated", &self.body_truncated)?;
        entry.serialize_field("status", &self.status)?;
        entry.serialize_field("duration_ms", &self.duration_ms)?;
        entry.end()
    }
}

/// A request's headers as an entry keeps them: every name and value in one buffer, so keeping
/// them costs two allocations however many a request sends.
#[derive(Debug, Clone, Default)]
pub struct Headers {
    text: String,
    /// Where each header's name and then its value end in `text`, in the order they came.
    ends: Vec<(u32, u32)>,
}

impl Headers {
    /// Room for `count` headers of `bytes` bytes in all (names and values).
    pub fn with_capacity(count: usize, bytes: usize) -> Self {
        Self {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(count),
        }
    }

    /// Adds a header: its name, then whatever `write_value` appends as its value.
    pub fn push_with(&mut self, name: &str, write_value: impl FnOnce(&mut String)) {
        self.text.push_str(name);
        let name_end = self.text.len();
        write_value(&mut self.text);
        // A request's head is far below 4 GiB (hyper refuses one of a few hundred KiB).
        let end = |at: usize| u32::try_from(at).unwrap_or(u32::MAX);
        self.ends.push((end(name_end), end(self.text.len())));
    }

    /// Adds a header whose value is `value`, any byte that is not UTF-8 shown as U+FFFD.
    pub fn push(&mut self, name: &str, value: &[u8]) {
        self.push_with(name, |text| {
            text.push_str(&String::from_utf8_lossy(value));
        });
    }

    /// Each header, name and value, in the order they came.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut start = 0;
        self.ends.iter().map(move |&(name_end, value_end)| {
            let (name_end, value_end) = (name_end as usize, value_end as usize);
            let name = self.text.get(start..name_end).unwrap_or_default();
            let value = self.text.get(name_end..value_end).unwrap_or_default();
            start = value_end;
            (name, value)
        })
    }

    fn cost(&self) -> usize {
        self.text.len() + self.ends.len() * HEADER_OVERHEAD
    }
}

/// Which entries a query wants; every field narrows.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub vendor: Option<String>,
    pub method: Option<String>,
    pub path: Option<Glob>,
    pub status: Option<u16>,
    pub since: Option<Millis>,
    /// `default` for requests without a namespace header.
    pub namespace: Option<String>,
    pub tenant: Option<String>,
    /// Only entries older than this id (the next page after an entry).
    pub before: Option<u64>,
}

impl Filter {
    fn matches(&self, entry: &Entry) -> bool {
        self.before.is_none_or(|before| entry.id < before)
            && self.vendor.as_deref().is_none_or(|v| v == entry.vendor)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(entry.method.as_str()))
            && self
                .path
                .as_ref()
                .is_none_or(|glob| glob.is_match(entry.path()))
            && self.status.is_none_or(|s| s == entry.status)
            && self.since.is_none_or(|since| entry.received >= since)
            && self
                .namespace
                .as_deref()
                .is_none_or(|n| n == entry.namespace.as_deref().unwrap_or("default"))
            && self
                .tenant
                .as_deref()
                .is_none_or(|t| Some(t) == entry.tenant.as_deref())
    }
}

/// The journal: at most `capacity` entries and `byte_budget` bytes (as [`Entry::cost`] counts).
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    byte_budget: usize,
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    next_id: u64,
    /// The sum of the entries' costs.
    bytes: usize,
    /// Each entry with its cost, oldest first.
    entries: VecDeque<(Arc<Entry>, usize)>,
}

impl Journal {
    pub fn new(capacity: usize, byte_budget: usize) -> Self {
        Self {
            capacity,
            byte_budget,
            kept: Mutex::new(Kept::default()),
        }
    }

    /// Records `entry`, giving it the next id; the oldest entries go to make room. An entry
    /// costing more than the whole budget is not kept (its id is still used up).
    pub fn record(&self, entry: Entry) {
        if self.capacity == 0 {
            return;
        }
        let cost = entry.cost();
        // Allocated, and the evicted entries freed, outside the lock: every request records.
        let mut entry = Arc::new(entry);
        let mut evicted = Vec::new();
        {
            let mut kept = self.lock();
            kept.next_id += 1;
            if let Some(unshared) = Arc::get_mut(&mut entry) {
                unshared.id = kept.next_id;
            }
            if cost > self.byte_budget {
                return;
            }
            while kept.entries.len() >= self.capacity || kept.bytes + cost > self.byte_budget {
                match kept.entries.pop_front() {
                    Some((old, freed)) => {
                        kept.bytes -= freed;
                        evicted.push(old);
                    }
                    None => break,
                }
            }
            kept.bytes += cost;
            kept.entries.push_back((entry, cost));
        }
        drop(evicted);
    }

    /// Matching entries, newest first, at most `limit`.
    pub fn find(&self, filter: &Filter, limit: usize) -> Vec<Arc<Entry>> {
        self.snapshot()
            .into_iter()
            .rev()
            .filter(|entry| filter.matches(entry))
            .take(limit)
            .collect()
    }

    pub fn count(&self, filter: &Filter) -> usize {
        self.snapshot()
            .iter()
            .filter(|entry| filter.matches(entry))
            .count()
    }

    pub fn clear(&self) {
        let mut kept = self.lock();
        kept.entries.clear();
        kept.bytes = 0;
    }

    /// The bytes the entries hold now, as [`Entry::cost`] counts them.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Every entry, oldest first, taken under the lock; filtering happens after it is released.
    fn snapshot(&self) -> Vec<Arc<Entry>> {
        let kept = self.lock();
        kept.entries
            .iter()
            .map(|(entry, _)| entry.clone())
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, Kept> {
        // Nothing panics while the lock is held but allocation; the list stays whole.
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, status: u16) -> Entry {
        Entry {
            id: 0,
            received: Millis(0),
            vendor: "autokonnect",
            tenant: None,
            namespace: None,
            method: Method::GET,
            target: path.into(),
            headers: Headers::default(),
            body: None,
            body_truncated: false,
            status,
            duration_ms: 0.0,
        }
    }

    #[test]
    fn keeps_the_newest_entries_up_to_capacity() {
        let journal = Journal::new(2, DEFAULT_JOURNAL_BYTES);
        for path in ["/a", "/b", "/c"] {
            journal.record(entry(path, 200));
        }
        let found = journal.find(&Filter::default(), 10);
        let paths: Vec<&str> = found.iter().map(|e| e.path()).collect();
        assert_eq!(paths, ["/c", "/b"]);
        assert_eq!(found[0].id, 3);
    }

    #[test]
    fn filters_narrow_and_count_agrees() {
        let journal = Journal::new(10, DEFAULT_JOURNAL_BYTES);
        journal.record(entry("/api/v1/contacts", 200));
        journal.record(entry("/api/v1/contacts/tags", 401));
        let filter = Filter {
            status: Some(401),
            ..Filter::default()
        };
        assert_eq!(journal.count(&filter), 1);
        let filter = Filter {
            path: Some(Glob::new("/api/v1/contacts*").unwrap()),
            ..Filter::default()
        };
        assert_eq!(journal.count(&filter), 2);
        journal.clear();
        assert_eq!(journal.count(&Filter::default()), 0);
    }

    #[test]
    fn the_byte_budget_drops_the_oldest_entries_and_is_never_exceeded() {
        let one = entry("/a", 200).cost();
        let journal = Journal::new(100, one * 3);
        for i in 0..10 {
            journal.record(entry(&format!("/{}", (b'a' + i) as char), 200));
            assert!(journal.bytes() <= one * 3);
        }
        let found = journal.find(&Filter::default(), 10);
        let paths: Vec<&str> = found.iter().map(|e| e.path()).collect();
        assert_eq!(paths, ["/j", "/i", "/h"]);
        let long = entry(&format!("/{}", "x".repeat(one * 2)), 200);
        journal.record(long);
        assert_eq!(
            journal.count(&Filter::default()),
            1,
            "a big entry displaces two"
        );
        journal.record(entry(&format!("/{}", "x".repeat(one * 3)), 200));
        assert_eq!(
            journal.count(&Filter::default()),
            1,
            "one beyond the budget is not kept"
        );
        assert!(journal.bytes() <= one * 3);
    }

    #[test]
    fn urls_headers_and_bodies_count_in_the_cost() {
        let base = entry("/a", 200).cost();
        assert_eq!(entry("/a?q=12345", 200).cost(), base + 8);
        let mut with_header = entry("/a", 200);
        with_header
            .headers
            .push("x-long", "v".repeat(1000).as_bytes());
        assert_eq!(with_header.cost(), base + 6 + 1000 + HEADER_OVERHEAD);
        let mut with_body = entry("/a", 200);
        with_body.keep_body(b"{}");
        assert_eq!(with_body.cost(), base + 2);
    }

    #[test]
    fn headers_keep_every_value_in_order_and_show_a_repeated_one_joined() {
        let mut with_headers = entry("/api/v1/contacts?page=2", 200);
        with_headers.headers.push("accept", b"application/json");
        with_headers.headers.push("x-tag", b"one");
        with_headers.headers.push("x-tag", b"tw\xffo");
        let kept: Vec<_> = with_headers.headers.iter().collect();
        assert_eq!(
            kept,
            [
                ("accept", "application/json"),
                ("x-tag", "one"),
                ("x-tag", "tw\u{fffd}o")
            ]
        );
        let shown = serde_json::to_value(&with_headers).unwrap();
        assert_eq!(
            shown["headers"],
            serde_json::json!({"accept": "application/json", "x-tag": "one, tw\u{fffd}o"})
        );
        assert_eq!(shown["path"], "/api/v1/contacts");
        assert_eq!(shown["query"], "page=2");
        assert_eq!(
            serde_json::to_value(entry("/a", 200)).unwrap()["query"],
            Value::Null
        );
    }

    #[test]
    fn a_long_body_is_cut_at_a_character_boundary_and_marked() {
        let mut short = entry("/a", 200);
        short.keep_body(b"{\"a\":1}");
        assert_eq!(short.body.as_deref(), Some("{\"a\":1}"));
        assert!(!short.body_truncated);

        // "é" is two bytes; the cut falls in the middle of the last one.
        let body = format!("{}é", "x".repeat(MAX_STORED_BODY - 1));
        let mut long = entry("/a", 200);
        long.keep_body(body.as_bytes());
        let expected = format!(
            "{}…[truncated: {} bytes in all]",
            "x".repeat(MAX_STORED_BODY - 1),
            MAX_STORED_BODY + 1
        );
        assert_eq!(long.body.as_deref(), Some(expected.as_str()));
        assert!(long.body_truncated);
    }
}
