//! The namespaces: bounded in number (the least recently used goes first) and in idleness.
//! Making one costs a map entry: it reads the seed until its first write (see [`super::seed`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::Utc;

use super::seed::Seed;
use super::{Db, lock};
use crate::time::Millis;

/// How many namespaces exist at most by default (`--max-namespaces`).
pub const DEFAULT_MAX_NAMESPACES: usize = 1_000;
/// How long an unused namespace lives by default (`--namespace-idle-timeout`).
pub const DEFAULT_NAMESPACE_IDLE: Duration = Duration::from_secs(30 * 60);

/// The bounds on namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamespaceLimits {
    /// At most this many; making one more drops the least recently used.
    pub max: usize,
    /// One unused for this long is dropped.
    pub idle: Duration,
}

impl Default for NamespaceLimits {
    fn default() -> Self {
        Self {
            max: DEFAULT_MAX_NAMESPACES,
            idle: DEFAULT_NAMESPACE_IDLE,
        }
    }
}

/// A namespace as `GET /__admin/namespaces` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceInfo {
    pub name: String,
    /// The data it holds of its own: 0 until its first write, then the tables it copied.
    pub bytes: u64,
    /// When a request last used it (real time, not the mock's clock).
    pub last_used: Millis,
}

#[derive(Debug)]
pub(super) struct Namespaces {
    limits: NamespaceLimits,
    // A std mutex held for map operations only: nothing in it copies data or waits.
    map: Mutex<Map>,
}

#[derive(Debug)]
struct Map {
    /// What new namespaces start from.
    seed: Arc<Seed>,
    by_name: HashMap<Arc<str>, Entry>,
    /// Names by their last use, oldest first.
    by_use: BTreeMap<u64, Arc<str>>,
    ticks: u64,
}

#[derive(Debug)]
struct Entry {
    db: Db,
    tick: u64,
    used: Instant,
    used_at: Millis,
}

/// Namespaces let go, with their data: to be dropped once the map's lock is released, and
/// where closing databases may block.
pub type Gone = Vec<(String, Db)>;

impl Namespaces {
    pub fn new(seed: Arc<Seed>, limits: NamespaceLimits) -> Self {
        Self {
            limits: NamespaceLimits {
                max: limits.max.max(1),
                ..limits
            },
            map: Mutex::new(Map {
                seed,
                by_name: HashMap::new(),
                by_use: BTreeMap::new(),
                ticks: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Map> {
        lock(&self.map)
    }

    pub fn seed(&self) -> Arc<Seed> {
        Arc::clone(&self.lock().seed)
    }

    /// Makes `seed` what namespaces made from now on start from.
    pub fn set_seed(&self, seed: Arc<Seed>) {
        let old = std::mem::replace(&mut self.lock().seed, seed);
        drop(old);
    }

    /// The namespace `name`, made on first use, marked used `now`; and those let go to make
    /// room or for idleness.
    pub fn get(&self, name: &str, now: Instant) -> (Db, Gone) {
        let mut map = self.lock();
        let mut gone = map.expire(now, self.limits.idle);
        map.ticks += 1;
        let tick = map.ticks;
        let used_at = Millis::from_datetime(Utc::now());
        let db = if let Some((key, entry)) = map.by_name.get_key_value(name) {
            let key = Arc::clone(key);
            let old = entry.tick;
            let db = entry.db.clone();
            map.by_use.remove(&old);
            map.by_use.insert(tick, Arc::clone(&key));
            if let Some(entry) = map.by_name.get_mut(&key) {
                (entry.tick, entry.used, entry.used_at) = (tick, now, used_at);
            }
            db
        } else {
            while map.by_name.len() >= self.limits.max {
                match map.evict_oldest() {
                    Some(evicted) => gone.push(evicted),
                    None => break,
                }
            }
            let db = Db::namespace(Arc::clone(&map.seed));
            let key: Arc<str> = Arc::from(name);
            map.by_use.insert(tick, Arc::clone(&key));
            map.by_name.insert(
                key,
                Entry {
                    db: db.clone(),
                    tick,
                    used: now,
                    used_at,
                },
            );
            db
        };
        drop(map);
        (db, gone)
    }

    /// Lets go the namespaces unused since `now - idle`.
    pub fn expire(&self, now: Instant) -> Gone {
        self.lock().expire(now, self.limits.idle)
    }

    /// The namespace `name` if it exists (not marked used).
    pub fn find(&self, name: &str) -> Option<Db> {
        self.lock().by_name.get(name).map(|entry| entry.db.clone())
    }

    pub fn remove(&self, name: &str) -> bool {
        let mut map = self.lock();
        let removed = map.by_name.remove(name);
        if let Some(entry) = &removed {
            map.by_use.remove(&entry.tick);
        }
        drop(map);
        removed.is_some()
    }

    /// Lets go every namespace.
    pub fn clear(&self) -> Gone {
        let mut map = self.lock();
        let by_name = std::mem::take(&mut map.by_name);
        map.by_use.clear();
        drop(map);
        by_name
            .into_iter()
            .map(|(name, entry)| (name.to_string(), entry.db))
            .collect()
    }

    /// Every namespace, by name.
    pub fn list(&self) -> Vec<NamespaceInfo> {
        let entries: Vec<(String, Db, Millis)> = self
            .lock()
            .by_name
            .iter()
            .map(|(name, entry)| (name.to_string(), entry.db.clone(), entry.used_at))
            .collect();
        let mut listed: Vec<NamespaceInfo> = entries
            .into_iter()
            .map(|(name, db, last_used)| NamespaceInfo {
                name,
                bytes: db.own_bytes(),
                last_used,
            })
            .collect();
        listed.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        listed
    }
}

impl Map {
    fn evict_oldest(&mut self) -> Option<(String, Db)> {
        let (_, name) = self.by_use.pop_first()?;
        let entry = self.by_name.remove(&name)?;
        Some((name.to_string(), entry.db))
    }

    fn expire(&mut self, now: Instant, idle: Duration) -> Gone {
        let mut gone = Vec::new();
        while let Some((_, name)) = self.by_use.first_key_value() {
            let idle_since = self.by_name.get(name).map(|entry| entry.used);
            if idle_since.is_some_and(|used| now.saturating_duration_since(used) < idle) {
                break;
            }
            gone.extend(self.evict_oldest());
        }
        gone
    }
}
