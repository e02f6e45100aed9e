//! A cache of rendered read answers. A CI suite asks the same list again and again between
//! writes; answering from here costs a hash lookup instead of SQL and serialisation.
//!
//! Entries are keyed by the database (namespaces have their own), its generation (bumped by
//! every write and restore, so a write makes every older answer unreachable) and a text that
//! the vendor builds from everything the answer depends on: operation, tenant, parameters.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use rusqlite::Connection;
use serde::Serialize;

use crate::store::{Db, StoreError};

/// The most answer bytes kept; past it the cache starts over (older generations are dead
/// weight anyway).
pub const CACHE_BUDGET_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Hash, PartialEq, Eq)]
struct Key {
    db: u64,
    generation: u64,
    request: String,
}

#[derive(Debug, Default)]
pub struct AnswerCache {
    // A std mutex held for a lookup or an insert only, never across `.await`.
    entries: Mutex<(usize, HashMap<Key, Bytes>)>,
}

/// A JSON answer already rendered to bytes.
#[derive(Debug, Clone)]
pub struct JsonBytes(pub Bytes);

impl IntoResponse for JsonBytes {
    fn into_response(self) -> Response {
        ([(CONTENT_TYPE, "application/json")], self.0).into_response()
    }
}

impl AnswerCache {
    /// The answer to `request` on `db`: from the cache when this generation of the data has
    /// been asked it before, else `query` run on a reader and rendered as JSON.
    pub async fn json<T, F>(
        &self,
        db: &Db,
        request: String,
        query: F,
    ) -> Result<JsonBytes, StoreError>
    where
        T: Serialize + Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let found = self
            .json_if_found(db, request, move |conn| query(conn).map(Some))
            .await?;
        Ok(found.unwrap_or_else(|| JsonBytes(Bytes::from_static(b"null"))))
    }

    /// [`AnswerCache::json`] for a query that may find nothing (`None`, never cached).
    pub async fn json_if_found<T, F>(
        &self,
        db: &Db,
        request: String,
        query: F,
    ) -> Result<Option<JsonBytes>, StoreError>
    where
        T: Serialize + Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<Option<T>> + Send + 'static,
    {
        // Read the generation before the data: an answer computed while a write lands is filed
        // under the older generation and never served after the write.
        let key = Key {
            db: db.id(),
            generation: db.generation(),
            request,
        };
        if let Some(bytes) = self.lock().1.get(&key) {
            return Ok(Some(JsonBytes(bytes.clone())));
        }
        let rendered = db
            .read(move |conn| {
                query(conn)?
                    .map(|value| serde_json::to_vec(&value))
                    .transpose()
                    .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))
            })
            .await?;
        let Some(bytes) = rendered.map(Bytes::from) else {
            return Ok(None);
        };
        let mut guard = self.lock();
        let (size, entries) = &mut *guard;
        if *size + bytes.len() > CACHE_BUDGET_BYTES {
            entries.clear();
            *size = 0;
        }
        *size += bytes.len();
        entries.insert(key, bytes.clone());
        Ok(Some(JsonBytes(bytes)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (usize, HashMap<Key, Bytes>)> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The most tenants remembered; past it the cache starts over.
const MAX_TENANTS: usize = 10_000;

/// Tenants found by credential, per database generation, so checking a known credential costs
/// a hash lookup instead of SQL. Only found tenants are kept: unknown credentials (a fuzzer's)
/// cannot fill it.
#[derive(Default)]
pub struct TenantCache {
    // A std mutex held for a lookup or an insert only, never across `.await`.
    entries: Mutex<HashMap<Key, Arc<dyn Any + Send + Sync>>>,
}

impl std::fmt::Debug for TenantCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantCache").finish_non_exhaustive()
    }
}

impl TenantCache {
    /// The tenant `credential` names in `db`, found by `lookup` (run right here: it is one
    /// indexed statement) unless this generation of the data already answered it.
    /// `credential` should carry the vendor's name, as credentials of two vendors may match.
    pub fn find<T, F>(
        &self,
        db: &Db,
        credential: String,
        lookup: F,
    ) -> Result<Option<T>, StoreError>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<Option<T>>,
    {
        let key = Key {
            db: db.id(),
            generation: db.generation(),
            request: credential,
        };
        let known = self
            .lock()
            .get(&key)
            .and_then(|tenant| tenant.downcast_ref::<T>().cloned());
        if known.is_some() {
            return Ok(known);
        }
        let found = db.read_now(lookup)?;
        if let Some(tenant) = &found {
            let mut entries = self.lock();
            if entries.len() >= MAX_TENANTS {
                entries.clear();
            }
            entries.insert(key, Arc::new(tenant.clone()));
        }
        Ok(found)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Arc<dyn Any + Send + Sync>>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::store::Store;

    const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS things (name TEXT NOT NULL);";

    async fn names(cache: &AnswerCache, db: &Db, runs: &Arc<AtomicUsize>) -> Bytes {
        let runs = Arc::clone(runs);
        let answer = cache
            .json(db, "things".into(), move |conn| {
                runs.fetch_add(1, Ordering::SeqCst);
                conn.prepare("SELECT name FROM things ORDER BY name")?
                    .query_map([], |row| row.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await
            .unwrap();
        answer.0
    }

    #[tokio::test]
    async fn an_answer_is_reused_until_the_data_changes() {
        let store = Store::open(None, vec![SCHEMA]).unwrap();
        let db = store.live().clone();
        let cache = AnswerCache::default();
        let runs = Arc::new(AtomicUsize::new(0));
        assert_eq!(names(&cache, &db, &runs).await, "[]");
        assert_eq!(names(&cache, &db, &runs).await, "[]");
        assert_eq!(
            runs.load(Ordering::SeqCst),
            1,
            "the second answer came from the cache"
        );
        db.run(|c| c.execute("INSERT INTO things VALUES ('new')", []))
            .await
            .unwrap();
        assert_eq!(names(&cache, &db, &runs).await, r#"["new"]"#);
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_tenant_is_looked_up_once_per_generation_and_unknown_ones_not_kept() {
        let store = Store::open(None, vec![SCHEMA]).unwrap();
        let db = store.live();
        let tenants = TenantCache::default();
        let mut runs = 0;
        for _ in 0..3 {
            let found = tenants
                .find(db, "v:key".into(), |_| {
                    runs += 1;
                    Ok(Some(7_i64))
                })
                .unwrap();
            assert_eq!(found, Some(7));
        }
        assert_eq!(runs, 1);
        db.run_now(|c| c.execute("INSERT INTO things VALUES ('x')", []))
            .unwrap();
        tenants
            .find(db, "v:key".into(), |_| {
                runs += 1;
                Ok(Some(7_i64))
            })
            .unwrap();
        assert_eq!(runs, 2, "a write makes it look again");
        assert_eq!(
            tenants
                .find(db, "v:nope".into(), |_| Ok(None::<i64>))
                .unwrap(),
            None
        );
        assert_eq!(tenants.lock().len(), 2);
    }

    #[tokio::test]
    async fn nothing_found_is_not_cached() {
        let store = Store::open(None, vec![SCHEMA]).unwrap();
        let cache = AnswerCache::default();
        let found = cache
            .json_if_found(store.live(), "none".into(), |_| Ok(None::<u8>))
            .await
            .unwrap();
        assert!(found.is_none());
        assert!(cache.lock().1.is_empty());
    }
}
