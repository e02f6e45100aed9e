//! The request journal: every vendor request with its answer, newest last, bounded.

use std::collections::VecDeque;
use std::sync::Mutex;

use axum::http::{HeaderMap, Method, Uri};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::time::{ADMIN_TIME, Millis};

/// How many entries are kept unless `--journal-size` says otherwise.
pub const DEFAULT_JOURNAL_SIZE: usize = 10_000;

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
    /// The vendor's own path and query, without the slug prefix.
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Option<String>,
    pub status: u16,
    pub duration_ms: f64,
}

impl Serialize for Entry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let headers: Map<String, Value> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), Value::String(text))
            })
            .collect();
        let mut entry = serializer.serialize_struct("Entry", 12)?;
        entry.serialize_field("id", &self.id)?;
        entry.serialize_field("time", &ADMIN_TIME.render(self.received))?;
        entry.serialize_field("vendor", self.vendor)?;
        entry.serialize_field("tenant", &self.tenant)?;
        entry.serialize_field("namespace", &self.namespace)?;
        entry.serialize_field("method", self.method.as_str())?;
        entry.serialize_field("path", self.uri.path())?;
        entry.serialize_field("query", &self.uri.query())?;
        entry.serialize_field("headers", &headers)?;
        entry.serialize_field("body", &self.body)?;
        entry.serialize_field("status", &self.status)?;
        entry.serialize_field("duration_ms", &self.duration_ms)?;
        entry.end()
    }
}

/// Which entries a query wants; every field narrows.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub vendor: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
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
                .as_deref()
                .is_none_or(|p| crate::control::glob_matches(p, entry.uri.path()))
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

#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    entries: Mutex<(u64, VecDeque<Entry>)>,
}

impl Journal {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new((0, VecDeque::new())),
        }
    }

    /// Records `entry`, giving it the next id; the oldest entry goes when full.
    pub fn record(&self, mut entry: Entry) {
        if self.capacity == 0 {
            return;
        }
        let mut guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (next_id, entries) = &mut *guard;
        *next_id += 1;
        entry.id = *next_id;
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// Matching entries, newest first, at most `limit`.
    pub fn find(&self, filter: &Filter, limit: usize) -> Vec<Entry> {
        let guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .1
            .iter()
            .rev()
            .filter(|e| filter.matches(e))
            .take(limit)
            .cloned()
            .collect()
    }

    pub fn count(&self, filter: &Filter) -> usize {
        let guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        guard.1.iter().filter(|e| filter.matches(e)).count()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clear();
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
            uri: path.parse().unwrap(),
            headers: HeaderMap::new(),
            body: None,
            status,
            duration_ms: 0.0,
        }
    }

    #[test]
    fn keeps_the_newest_entries_up_to_capacity() {
        let journal = Journal::new(2);
        for path in ["/a", "/b", "/c"] {
            journal.record(entry(path, 200));
        }
        let found = journal.find(&Filter::default(), 10);
        let paths: Vec<&str> = found.iter().map(|e| e.uri.path()).collect();
        assert_eq!(paths, ["/c", "/b"]);
        assert_eq!(found[0].id, 3);
    }

    #[test]
    fn filters_narrow_and_count_agrees() {
        let journal = Journal::new(10);
        journal.record(entry("/api/v1/contacts", 200));
        journal.record(entry("/api/v1/contacts/tags", 401));
        let filter = Filter {
            status: Some(401),
            ..Filter::default()
        };
        assert_eq!(journal.count(&filter), 1);
        let filter = Filter {
            path: Some("/api/v1/contacts*".into()),
            ..Filter::default()
        };
        assert_eq!(journal.count(&filter), 2);
        journal.clear();
        assert_eq!(journal.count(&Filter::default()), 0);
    }
}
