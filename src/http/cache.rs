//! Caches in front of the store. A CI suite asks the same list again and again between writes;
//! answering from here costs a hash lookup instead of SQL and serialisation.
//!
//! Entries are keyed by the data read (a database: namespaces that have not written yet share
//! the seed's, and so its answers), what the answer depends on (its [`Reach`]: a tenant's rows,
//! a vendor's tenants) with the generation of that reach (moved by every write that could change
//! something within it, and by every restore, so such a write makes every older entry
//! unreachable), and the parsed request itself: any `Hash + Eq` value, compared by type and
//! value, so no input can be left out of a key by mistake.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use rusqlite::Connection;
use serde::Serialize;

use crate::store::{Db, Reach, StoreError, View};
use crate::time::Millis;

/// The most bytes of answers and their keys kept; past it the cache starts over (older
/// generations are dead weight anyway).
pub const CACHE_BUDGET_BYTES: usize = 32 * 1024 * 1024;

/// A request as a cache key: hashed and compared by its type and value.
trait RequestKey: Send + Sync + 'static {
    fn as_any(&self) -> &dyn Any;
    fn same_as(&self, other: &dyn RequestKey) -> bool;
    fn hash_into(&self, state: &mut dyn Hasher);
}

impl<T: Hash + Eq + Send + Sync + 'static> RequestKey for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn same_as(&self, other: &dyn RequestKey) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }

    fn hash_into(&self, mut state: &mut dyn Hasher) {
        TypeId::of::<T>().hash(&mut state);
        self.hash(&mut state);
    }
}

/// What an answer was read from: the data's lineage and the generation of the reach it read.
/// While both are unchanged, the same request on the same data gets the same answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReadFrom {
    lineage: u64,
    reach: Reach,
    generation: (u64, u64),
}

impl ReadFrom {
    fn new(view: &View, reach: Reach) -> Self {
        // The generation is read before the data: an answer computed while a write lands is
        // filed under the older generation and never served after the write.
        Self {
            lineage: view.lineage(),
            reach,
            generation: view.generation(reach),
        }
    }

    /// Whether `db` still holds the data an answer was read from.
    pub fn is_current(&self, db: &Db) -> bool {
        *self == Self::new(&db.view(), self.reach)
    }
}

struct Key {
    read_from: ReadFrom,
    // Shared with the query that computes the answer on a miss, so a lookup copies nothing.
    request: Arc<dyn RequestKey>,
}

impl Key {
    fn new(view: &View, reach: Reach, request: Arc<dyn RequestKey>) -> Self {
        Self {
            read_from: ReadFrom::new(view, reach),
            request,
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.read_from == other.read_from && self.request.same_as(other.request.as_ref())
    }
}

impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.read_from.hash(state);
        self.request.hash_into(state);
    }
}

/// A JSON answer already rendered to bytes, with the data it was read from.
#[derive(Debug, Clone)]
pub struct JsonBytes {
    pub bytes: Bytes,
    read_from: ReadFrom,
    /// Set by [`JsonBytes::replayable`]: the window end the answer was computed for, if any.
    replayable: Option<Option<Millis>>,
}

impl JsonBytes {
    /// Marks the answer as one that depends on nothing but its request, the data it was read
    /// from and, when `window_end` is given, the instant time windows counted back from (no
    /// other reading of the clock, no rate limit): its response then carries a [`Replayable`],
    /// so the same request may be answered with these bytes again while those are unchanged.
    pub fn replayable(self, window_end: Option<Millis>) -> Self {
        Self {
            replayable: Some(window_end),
            ..self
        }
    }
}

/// In a response's extensions: the answer may be given again to the very same request while
/// [`ReadFrom::is_current`] holds and the clock gives the same `window_end` (see
/// [`JsonBytes::replayable`]).
#[derive(Debug, Clone)]
pub struct Replayable {
    pub body: Bytes,
    pub read_from: ReadFrom,
    pub window_end: Option<Millis>,
}

impl IntoResponse for JsonBytes {
    fn into_response(self) -> Response {
        let replayable = self.replayable.map(|window_end| Replayable {
            body: self.bytes.clone(),
            read_from: self.read_from,
            window_end,
        });
        let mut response = ([(CONTENT_TYPE, "application/json")], self.bytes).into_response();
        if let Some(replayable) = replayable {
            response.extensions_mut().insert(replayable);
        }
        response
    }
}

/// A map holding at most `BUDGET` bytes of entries, each as costly as its inserter says; past
/// it the map starts over (for caches whose older entries are mostly dead weight).
#[derive(Debug)]
pub struct BudgetMap<K, V, const BUDGET: usize> {
    bytes: usize,
    /// Each value with its cost.
    map: HashMap<K, (V, usize)>,
}

impl<K, V, const BUDGET: usize> Default for BudgetMap<K, V, BUDGET> {
    fn default() -> Self {
        Self {
            bytes: 0,
            map: HashMap::new(),
        }
    }
}

impl<K: Hash + Eq, V, const BUDGET: usize> BudgetMap<K, V, BUDGET> {
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get(key).map(|(value, _cost)| value)
    }

    /// Keeps `value` under `key` at `cost` bytes, emptying the map first if it would pass the
    /// budget; an entry costlier than the whole budget is not kept.
    pub fn insert(&mut self, key: K, value: V, cost: usize) {
        if cost > BUDGET {
            return;
        }
        if self.bytes + cost > BUDGET {
            self.map.clear();
            self.bytes = 0;
        }
        self.bytes += cost;
        if let Some((_, replaced)) = self.map.insert(key, (value, cost)) {
            self.bytes -= replaced;
        }
    }

    /// The bytes the entries cost, at most `BUDGET`.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Rendered read answers, within [`CACHE_BUDGET_BYTES`].
#[derive(Default)]
pub struct AnswerCache {
    // A std mutex held for a lookup or an insert only, never across `.await`.
    entries: Mutex<Answers>,
    /// Answers computed (not found in the cache) so far.
    computed: AtomicU64,
}

/// Answers, each costing its bytes plus its key's weight.
type Answers = BudgetMap<Key, Bytes, CACHE_BUDGET_BYTES>;

impl std::fmt::Debug for AnswerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnswerCache").finish_non_exhaustive()
    }
}

impl AnswerCache {
    /// The answer to `request` on `db`: from the cache when it has been asked since the last
    /// write within `reach` (what the answer reads), else `query` run on a reader and rendered
    /// as JSON. A query that finds nothing (`None`) is not cached. `weight` is what the key
    /// costs in memory: the size of the request it was parsed from.
    pub async fn json<K, T, F>(
        &self,
        db: &Db,
        reach: Reach,
        request: K,
        weight: usize,
        query: F,
    ) -> Result<Option<JsonBytes>, StoreError>
    where
        K: Hash + Eq + Send + Sync + 'static,
        T: Serialize + Send + 'static,
        F: FnOnce(&Connection, &K) -> rusqlite::Result<Option<T>> + Send + 'static,
    {
        // One view for the key and the query: a namespace's first write may move it onto a
        // database of its own meanwhile, and its data must not be filed under the seed's key.
        let view = db.view();
        let request = Arc::new(request);
        let key = Key::new(&view, reach, request.clone());
        let read_from = key.read_from;
        let answer = |bytes| JsonBytes {
            bytes,
            read_from,
            replayable: None,
        };
        if let Some(bytes) = self.lock().get(&key) {
            return Ok(Some(answer(bytes.clone())));
        }
        self.computed.fetch_add(1, Ordering::Relaxed);
        let rendered = view
            .read(move |conn| {
                query(conn, &request)?
                    .map(|value| serde_json::to_vec(&value))
                    .transpose()
                    .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))
            })
            .await?;
        let Some(bytes) = rendered.map(Bytes::from) else {
            return Ok(None);
        };
        let cost = bytes.len() + weight + std::mem::size_of::<K>();
        self.lock().insert(key, bytes.clone(), cost);
        Ok(Some(answer(bytes)))
    }

    /// How many answers were computed rather than found in the cache, since the start.
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, Answers> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The most tenants remembered; past it the cache starts over.
const MAX_TENANTS: usize = 10_000;

/// Tenants found by credential, per generation of their vendor's area (tenants change only by a
/// write that may change anything, or a restore, but a vendor's writes are counted there too, to
/// be safe), so checking a known credential costs a hash lookup instead of SQL. Only found
/// tenants are kept: unknown credentials (a fuzzer's) cannot fill it.
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
    /// The tenant `credentials` name in `db`, found by `lookup` on a reader off the async
    /// workers, unless asked since the last write in `area` (the vendor's). `credentials`
    /// should carry the vendor, as credentials of two vendors may match.
    pub async fn find<C, T, F>(
        &self,
        db: &Db,
        area: &'static str,
        credentials: C,
        lookup: F,
    ) -> Result<Option<T>, StoreError>
    where
        C: Hash + Eq + Send + Sync + 'static,
        T: Clone + Send + Sync + 'static,
        F: FnOnce(&Connection, &C) -> rusqlite::Result<Option<T>> + Send + 'static,
    {
        let view = db.view();
        let credentials = Arc::new(credentials);
        let key = Key::new(&view, Reach::Area(area), credentials.clone());
        let known = self
            .lock()
            .get(&key)
            .and_then(|tenant| tenant.downcast_ref::<T>().cloned());
        if known.is_some() {
            return Ok(known);
        }
        let found = view.read(move |conn| lookup(conn, &credentials)).await?;
        if let Some(tenant) = &found {
            let mut entries = self.lock();
            if entries.len() >= MAX_TENANTS {
                entries.clear();
            }
            entries.insert(key, Arc::new(tenant.clone()));
        }
        Ok(found)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Arc<dyn Any + Send + Sync>>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::store::{Fill, NamespaceLimits, SchemaPart, Scope, Store};

    const SCHEMA: SchemaPart = SchemaPart {
        area: "things",
        sql: "CREATE TABLE IF NOT EXISTS things (name TEXT NOT NULL, owner INTEGER);",
    };
    const EVERYTHING: Reach = Reach::Everything;

    fn store() -> Store {
        Store::open(None, vec![SCHEMA], NamespaceLimits::default()).unwrap()
    }

    fn scope(area: &'static str, owner: i64) -> Scope {
        Scope { area, owner }
    }

    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    struct Names {
        prefix: String,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    struct OtherNames {
        prefix: String,
    }

    async fn names<K: Hash + Eq + Send + Sync + 'static>(
        cache: &AnswerCache,
        db: &Db,
        key: K,
        runs: &Arc<AtomicUsize>,
    ) -> Bytes {
        names_within(cache, db, EVERYTHING, key, runs).await
    }

    async fn names_within<K: Hash + Eq + Send + Sync + 'static>(
        cache: &AnswerCache,
        db: &Db,
        reach: Reach,
        key: K,
        runs: &Arc<AtomicUsize>,
    ) -> Bytes {
        let runs = Arc::clone(runs);
        let answer = cache
            .json(db, reach, key, 0, move |conn, _| {
                runs.fetch_add(1, Ordering::SeqCst);
                conn.prepare("SELECT name FROM things ORDER BY name")?
                    .query_map([], |row| row.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(Some)
            })
            .await
            .unwrap();
        answer.unwrap().bytes
    }

    fn names_key(prefix: &str) -> Names {
        Names {
            prefix: prefix.into(),
        }
    }

    #[tokio::test]
    async fn an_answer_is_reused_until_the_data_changes() {
        let store = store();
        let db = store.live().clone();
        let cache = AnswerCache::default();
        let runs = Arc::new(AtomicUsize::new(0));
        assert_eq!(names(&cache, &db, names_key("a"), &runs).await, "[]");
        assert_eq!(names(&cache, &db, names_key("a"), &runs).await, "[]");
        assert_eq!(
            runs.load(Ordering::SeqCst),
            1,
            "the second answer came from the cache"
        );
        db.run(|c| c.execute("INSERT INTO things (name) VALUES ('new')", []))
            .await
            .unwrap();
        assert_eq!(
            names(&cache, &db, names_key("a"), &runs).await,
            r#"["new"]"#
        );
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn keys_differ_by_value_and_by_type() {
        let store = store();
        let db = store.live().clone();
        let cache = AnswerCache::default();
        let runs = Arc::new(AtomicUsize::new(0));
        names(&cache, &db, names_key("a"), &runs).await;
        names(&cache, &db, names_key("b"), &runs).await;
        let other = OtherNames { prefix: "a".into() };
        names(&cache, &db, other, &runs).await;
        assert_eq!(
            runs.load(Ordering::SeqCst),
            3,
            "no two keys were taken as one"
        );
    }

    #[tokio::test]
    async fn a_tenant_is_looked_up_once_per_generation_and_unknown_ones_not_kept() {
        let store = store();
        let db = store.live();
        let tenants = TenantCache::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let find = |key: &'static str, found: Option<i64>| {
            let runs = Arc::clone(&runs);
            tenants.find(db, "things", key, move |_, _| {
                runs.fetch_add(1, Ordering::SeqCst);
                Ok(found)
            })
        };
        for _ in 0..3 {
            assert_eq!(find("v:key", Some(7)).await.unwrap(), Some(7));
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        db.run_now(|c| c.execute("INSERT INTO things (name) VALUES ('x')", []))
            .unwrap();
        find("v:key", Some(7)).await.unwrap();
        assert_eq!(
            runs.load(Ordering::SeqCst),
            2,
            "a write makes it look again"
        );
        assert_eq!(find("v:nope", None).await.unwrap(), None);
        assert_eq!(tenants.lock().len(), 2);
    }

    #[tokio::test]
    async fn nothing_found_is_not_cached() {
        let store = store();
        let cache = AnswerCache::default();
        let found = cache
            .json(store.live(), EVERYTHING, names_key("none"), 0, |_, _| {
                Ok(None::<u8>)
            })
            .await
            .unwrap();
        assert!(found.is_none());
        assert!(cache.lock().is_empty());
    }

    #[test]
    fn a_budget_map_counts_replaced_entries_once_and_starts_over_past_its_budget() {
        let mut map = BudgetMap::<&str, u8, 100>::default();
        map.insert("a", 1, 40);
        map.insert("a", 2, 50);
        assert_eq!((map.bytes(), map.get("a")), (50, Some(&2)));
        map.insert("too big", 3, 101);
        assert_eq!(
            (map.bytes(), map.len()),
            (50, 1),
            "an entry over the budget is not kept"
        );
        map.insert("b", 4, 60);
        assert_eq!(
            (map.bytes(), map.get("a"), map.get("b")),
            (60, None, Some(&4))
        );
    }

    #[tokio::test]
    async fn the_budget_counts_the_weight_of_keys() {
        let store = store();
        let cache = AnswerCache::default();
        for index in 0..3 {
            cache
                .json(
                    store.live(),
                    EVERYTHING,
                    index,
                    CACHE_BUDGET_BYTES / 2,
                    |_, _| Ok(Some(1)),
                )
                .await
                .unwrap();
        }
        let answers = cache.lock();
        assert!(answers.bytes() <= CACHE_BUDGET_BYTES, "{}", answers.bytes());
        assert_eq!(answers.len(), 1, "heavy keys pushed older answers out");
    }

    #[tokio::test]
    async fn a_write_in_one_scope_keeps_other_scopes_answers_and_recomputes_its_own() {
        let store = store();
        let db = store.live().clone();
        let cache = AnswerCache::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let ask = async |reach: Reach, key: &str| {
            names_within(&cache, &db, reach, names_key(key), &runs).await
        };
        let (one, two, other_vendor) = (
            Reach::Scope(scope("things", 1)),
            Reach::Scope(scope("things", 2)),
            Reach::Scope(scope("others", 1)),
        );
        for (reach, key) in [(one, "one"), (two, "two"), (other_vendor, "other")] {
            ask(reach, key).await;
        }
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        db.run_for(scope("things", 1), |c| {
            c.execute("INSERT INTO things VALUES ('new', 1)", [])
        })
        .await
        .unwrap();
        assert_eq!(ask(two, "two").await, "[]", "another tenant's answer stays");
        assert_eq!(
            ask(other_vendor, "other").await,
            "[]",
            "another vendor's stays"
        );
        assert_eq!(runs.load(Ordering::SeqCst), 3, "neither was recomputed");
        assert_eq!(ask(one, "one").await, r#"["new"]"#, "the writer's own is");
        assert_eq!(runs.load(Ordering::SeqCst), 4);
        db.run(|c| c.execute("DELETE FROM things", []))
            .await
            .unwrap();
        assert_eq!(ask(two, "two").await, "[]");
        assert_eq!(ask(other_vendor, "other").await, "[]");
        assert_eq!(
            runs.load(Ordering::SeqCst),
            6,
            "a write that names no scope recomputes everything"
        );
    }

    #[tokio::test]
    async fn namespaces_that_have_not_written_share_the_seeds_answers() {
        let store = store();
        store
            .replace_template::<StoreError>(vec![Fill::new("things", |tx| {
                tx.execute("INSERT INTO things VALUES ('seeded', 1)", [])?;
                Ok(())
            })])
            .unwrap();
        let cache = AnswerCache::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let (a, b) = (store.namespace("a").0, store.namespace("b").0);
        let reach = Reach::Scope(scope("things", 1));
        assert_eq!(
            names_within(&cache, &a, reach, names_key("k"), &runs).await,
            r#"["seeded"]"#
        );
        names_within(&cache, &b, reach, names_key("k"), &runs).await;
        assert_eq!(runs.load(Ordering::SeqCst), 1, "b was answered from a's");
        a.run_for(scope("things", 1), |c| {
            c.execute("INSERT INTO things VALUES ('in a', 1)", [])
        })
        .await
        .unwrap();
        assert_eq!(
            names_within(&cache, &a, reach, names_key("k"), &runs).await,
            r#"["in a","seeded"]"#
        );
        assert_eq!(
            names_within(&cache, &b, reach, names_key("k"), &runs).await,
            r#"["seeded"]"#
        );
        assert_eq!(runs.load(Ordering::SeqCst), 2, "b still shares the seed's");
    }
}
