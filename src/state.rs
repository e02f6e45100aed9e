//! The state every handler shares: the vendors, the store, the clock, the test-control state
//! and the caches.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::http::request::Parts;
use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::contract::VendorSpec;
use crate::control::NamespaceDb;
use crate::control::faults::Faults;
use crate::control::journal::{DEFAULT_JOURNAL_BYTES, DEFAULT_JOURNAL_SIZE, Journal};
use crate::http::cache::{AnswerCache, TenantCache};
use crate::http::rate_limit::RateLimiter;
use crate::seed::{self, Section, SeedError, SeedSource};
use crate::store::{Db, Gone, NamespaceInfo, NamespaceLimits, SchemaPart, Store, StoreError};
use crate::tenancy::{self, TenantCard};

/// How often idle namespaces are looked for: a quarter of the idle timeout, within these.
const SWEEP_AT_LEAST: Duration = Duration::from_millis(10);
const SWEEP_AT_MOST: Duration = Duration::from_secs(60);

/// A vendor as this state serves it.
pub type Vendor = VendorSpec<AppState>;

/// How to build the state (from the CLI, or a test).
#[derive(Debug, Clone, Default)]
pub struct StateOptions {
    /// A database file that keeps data across restarts; in memory when `None`.
    pub db: Option<PathBuf>,
    /// Seed documents, loaded in order. Empty means the embedded default seed.
    pub seeds: Vec<SeedSource>,
    /// Freezes the clock at this instant.
    pub now: Option<DateTime<Utc>>,
    /// How many requests the journal keeps (`None`: the default).
    pub journal_size: Option<usize>,
    /// How many bytes the journal may hold (`None`: the default).
    pub journal_bytes: Option<usize>,
    /// The bearer token every admin call but health needs (`--admin-token`).
    pub admin_token: Option<String>,
    /// How many namespaces may exist at once (`None`: the default).
    pub max_namespaces: Option<usize>,
    /// How long a namespace may go unused before it is dropped (`None`: the default).
    pub namespace_idle_timeout: Option<Duration>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("seed: {0}")]
    Seed(#[from] SeedError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("cannot listen: {0}")]
    Bind(#[from] std::io::Error),
    #[error("start-up was interrupted")]
    Interrupted,
}

#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    vendors: &'static [&'static Vendor],
    store: Store,
    clock: Clock,
    journal: Journal,
    faults: Faults,
    /// Counts per namespace, forgotten with the namespace's reset or drop and on reseed.
    rate_limiter: RateLimiter,
    answers: AnswerCache,
    tenants: TenantCache,
    admin_token: Option<String>,
    /// How long a namespace may go unused; a task drops idle ones (see [`AppState::namespace`]).
    namespace_idle: Duration,
    /// Whether that task has been started.
    sweeping: AtomicBool,
}

impl AppState {
    /// Opens the store for `vendors` and loads the seeds. A `--db` file that already holds
    /// seeded data is kept as it is; otherwise the live database starts as the seed.
    pub fn with_vendors(
        vendors: &'static [&'static Vendor],
        options: StateOptions,
    ) -> Result<Self, StartError> {
        let schema = vendors
            .iter()
            .map(|vendor| SchemaPart {
                area: vendor.slug,
                sql: vendor.schema,
            })
            .collect();
        let defaults = NamespaceLimits::default();
        let limits = NamespaceLimits {
            max: options.max_namespaces.unwrap_or(defaults.max),
            idle: options.namespace_idle_timeout.unwrap_or(defaults.idle),
        };
        let store = Store::open(options.db.as_deref(), schema, limits)?;
        let state = Self(Arc::new(Shared {
            vendors,
            store,
            clock: Clock::new(options.now),
            journal: Journal::new(
                options.journal_size.unwrap_or(DEFAULT_JOURNAL_SIZE),
                options.journal_bytes.unwrap_or(DEFAULT_JOURNAL_BYTES),
            ),
            faults: Faults::default(),
            rate_limiter: RateLimiter::new(),
            answers: AnswerCache::default(),
            tenants: TenantCache::default(),
            admin_token: options.admin_token,
            namespace_idle: limits.idle,
            sweeping: AtomicBool::new(false),
        }));
        let sources = if options.seeds.is_empty() {
            vec![SeedSource::embedded_default()]
        } else {
            options.seeds
        };
        state.load_template(&sources)?;
        if !state.0.store.live_is_seeded()? {
            state.0.store.reset()?;
        }
        Ok(state)
    }

    /// Every vendor served, in mounting order.
    pub fn vendors(&self) -> &'static [&'static Vendor] {
        self.0.vendors
    }

    /// The vendor whose slug is `slug`.
    pub fn vendor(&self, slug: &str) -> Option<&'static Vendor> {
        self.0
            .vendors
            .iter()
            .copied()
            .find(|vendor| vendor.slug == slug)
    }

    pub fn clock(&self) -> &Clock {
        &self.0.clock
    }

    pub fn journal(&self) -> &Journal {
        &self.0.journal
    }

    pub fn faults(&self) -> &Faults {
        &self.0.faults
    }

    /// The token admin calls must carry (`--admin-token`), if any.
    pub fn admin_token(&self) -> Option<&str> {
        self.0.admin_token.as_deref()
    }

    /// Rendered read answers, for vendors' list and get operations.
    pub fn answers(&self) -> &AnswerCache {
        &self.0.answers
    }

    /// Tenants found by credential, for vendors' auth extractors.
    pub fn tenant_cache(&self) -> &TenantCache {
        &self.0.tenants
    }

    /// Request counts for any vendor's rate limits, on real monotonic time.
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.0.rate_limiter
    }

    /// The database a vendor request reads and writes: its namespace's (resolved by the
    /// test-control middleware), else the default one.
    pub fn db(&self, request: &Parts) -> Db {
        match request.extensions.get::<NamespaceDb>() {
            Some(namespace) => namespace.db.clone(),
            None => self.0.store.live().clone(),
        }
    }

    /// The database of the namespace a request names ([`AppState::namespace`]), else the
    /// default one.
    pub fn namespace_db(&self, namespace: Option<&str>) -> Db {
        match namespace {
            Some(name) => self.namespace(name),
            None => self.0.store.live().clone(),
        }
    }

    /// The namespace `name`, made on first use (a map entry: it reads the seed until its first
    /// write) and marked used. Namespaces let go to make room for it, or for idleness, are
    /// forgotten whole (see [`AppState::drop_namespace`]). Quick: no data is copied here.
    pub fn namespace(&self, name: &str) -> Db {
        let (db, gone) = self.0.store.namespace(name);
        if !gone.is_empty() {
            let state = self.clone();
            // Closing databases is blocking work.
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => drop(runtime.spawn_blocking(move || state.forget_namespaces(gone))),
                Err(_) => state.forget_namespaces(gone),
            }
        }
        self.sweep_idle_namespaces();
        db
    }

    /// Puts the data back to exactly what the seed files produced: the default namespace's, or
    /// the named one's (`false` if it does not exist). Blocking.
    pub fn reset(&self, namespace: Option<&str>) -> Result<bool, StoreError> {
        self.0
            .rate_limiter
            .forget(Some(namespace.unwrap_or("default")));
        match namespace {
            None => self.0.store.reset().map(|()| true),
            Some(name) => self.0.store.reset_namespace(name),
        }
    }

    /// Drops a namespace, with its clock and rate-limit counts; `false` if it did not exist.
    pub fn drop_namespace(&self, name: &str) -> bool {
        let dropped = self.0.store.drop_namespace(name);
        self.forget_namespaces(vec![(name.to_owned(), ())]);
        dropped
    }

    /// Forgets the clocks and rate-limit counts of namespaces that are gone, and closes their
    /// databases (unless a request still holds one). Blocking.
    fn forget_namespaces<D>(&self, gone: Vec<(String, D)>) {
        for (name, data) in gone {
            self.0.rate_limiter.forget(Some(&name));
            self.0.clock.freeze(Some(&name), None);
            drop(data);
        }
    }

    /// Drops the namespaces idle for longer than `--namespace-idle-timeout`. Blocking: their
    /// databases are closed here.
    pub fn expire_namespaces(&self) {
        let gone: Gone = self.0.store.expire_namespaces();
        self.forget_namespaces(gone);
    }

    /// Every namespace with its size and last use, by name (idle ones dropped first).
    pub fn namespaces(&self) -> Vec<NamespaceInfo> {
        self.expire_namespaces();
        self.0.store.namespaces()
    }

    /// Starts, once and only inside a tokio runtime, the task that drops idle namespaces even
    /// when no request comes; it ends with the state.
    fn sweep_idle_namespaces(&self) {
        if self.0.sweeping.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.0.sweeping.store(false, Ordering::Release);
            return;
        };
        let every = (self.0.namespace_idle / 4).clamp(SWEEP_AT_LEAST, SWEEP_AT_MOST);
        let shared: Weak<Shared> = Arc::downgrade(&self.0);
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(shared) = shared.upgrade() else {
                    return;
                };
                let state = AppState(shared);
                // Closing many databases at once is blocking work.
                let swept = tokio::task::spawn_blocking(move || state.expire_namespaces());
                if swept.await.is_err() {
                    tracing::error!("dropping idle namespaces panicked");
                }
            }
        });
    }

    /// Replaces the seed with `source` and resets to it; namespaces are dropped, to be made
    /// afresh from the new seed. Blocking. On error nothing changes.
    pub fn reseed(&self, source: SeedSource) -> Result<(), SeedError> {
        self.load_template(std::slice::from_ref(&source))?;
        self.0.rate_limiter.forget(None);
        let gone = self.0.store.drop_namespaces();
        self.forget_namespaces(gone);
        Ok(self.0.store.reset()?)
    }

    fn load_template(&self, sources: &[SeedSource]) -> Result<(), SeedError> {
        let now = self.0.clock.now(None);
        let sections = self.seed_sections();
        let documents = seed::read(sources, &sections)?;
        self.0.store.replace_template(documents.fills(now))
    }

    /// Whether the seed's search indexes are built ([`Store::search_ready`]).
    pub fn search_ready(&self) -> bool {
        self.0.store.search_ready()
    }

    /// Each served vendor's seed section, keyed by its slug.
    pub fn seed_sections(&self) -> Vec<(&'static str, Section)> {
        self.0
            .vendors
            .iter()
            .map(|vendor| (vendor.slug, vendor.seed))
            .collect()
    }

    /// The data of the default namespace, or of the namespace `name`, as a seed document in
    /// JSON ([`seed::snapshot`]), read on a reader in one transaction; `None` when no namespace
    /// `name` exists.
    pub async fn snapshot(&self, name: Option<&str>) -> Result<Option<Vec<u8>>, StoreError> {
        let db = match name {
            None => self.0.store.live().clone(),
            // Only a namespace already made: reading must not make one.
            Some(name) if self.namespaces().iter().any(|known| known.name == name) => {
                self.namespace(name)
            }
            Some(_) => return Ok(None),
        };
        let sections = self.seed_sections();
        db.read(move |conn| seed::snapshot(conn, &sections))
            .await
            .map(Some)
    }

    /// Moves every committed write of a `--db` file out of its write-ahead log into the file
    /// itself, so a copy of the file alone is whole (at shutdown). Blocking.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.0.store.live().checkpoint()
    }

    /// Each vendor with its tenants' credentials, in seed order. Blocking.
    pub fn tenants(&self) -> Result<Vec<(&'static Vendor, Vec<TenantCard>)>, StoreError> {
        self.0.store.live().read_now(|conn| {
            self.0
                .vendors
                .iter()
                .map(|vendor| Ok((*vendor, tenancy::list(conn, &vendor.seed.table)?)))
                .collect()
        })
    }
}
