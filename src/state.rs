//! The state every handler shares: the vendors, the store, the clock, the test-control state
//! and the caches.

use std::path::PathBuf;
use std::sync::Arc;

use axum::http::request::Parts;
use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::contract::VendorSpec;
use crate::control::NamespaceDb;
use crate::control::faults::Faults;
use crate::control::journal::{DEFAULT_JOURNAL_BYTES, DEFAULT_JOURNAL_SIZE, Journal};
use crate::http::cache::{AnswerCache, TenantCache};
use crate::http::rate_limit::RateLimiter;
use crate::seed::{self, SeedError, SeedSource};
use crate::store::{Db, Store, StoreError, search};
use crate::tenancy::{self, TenantCard};

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
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("seed: {0}")]
    Seed(#[from] SeedError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
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
}

impl AppState {
    /// Opens the store for `vendors` and loads the seeds. A `--db` file that already holds
    /// seeded data is kept as it is; otherwise the live database starts as the seed.
    pub fn with_vendors(
        vendors: &'static [&'static Vendor],
        options: StateOptions,
    ) -> Result<Self, StartError> {
        let schema = vendors.iter().map(|vendor| vendor.schema).collect();
        let store = Store::open(options.db.as_deref(), schema)?;
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

    /// The namespace `name`, copied from the seed on first use. Blocking.
    pub fn namespace(&self, name: &str) -> Result<Db, StoreError> {
        self.0.store.namespace(name)
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

    /// Drops a namespace; `false` if it did not exist.
    pub fn drop_namespace(&self, name: &str) -> bool {
        self.0.rate_limiter.forget(Some(name));
        self.0.clock.freeze(Some(name), None);
        self.0.store.drop_namespace(name)
    }

    pub fn namespace_names(&self) -> Vec<String> {
        self.0.store.namespace_names()
    }

    /// Replaces the seed with `source` and resets to it; namespaces are dropped, to be made
    /// afresh from the new seed. Blocking. On error nothing changes.
    pub fn reseed(&self, source: SeedSource) -> Result<(), SeedError> {
        self.load_template(std::slice::from_ref(&source))?;
        self.0.rate_limiter.forget(None);
        self.0.store.drop_namespaces();
        Ok(self.0.store.reset()?)
    }

    fn load_template(&self, sources: &[SeedSource]) -> Result<(), SeedError> {
        let now = self.0.clock.now(None);
        let sections: Vec<_> = self
            .0
            .vendors
            .iter()
            .map(|vendor| (vendor.slug, vendor.seed))
            .collect();
        self.0.store.replace_template(|tx| {
            seed::load(sources, &sections, now, tx)?;
            let started = std::time::Instant::now();
            search::build(tx)?;
            tracing::info!(took = ?started.elapsed(), "search indexes built");
            Ok(())
        })
    }

    /// Moves every committed write of a `--db` file out of its write-ahead log into the file
    /// itself, so a copy of the file alone is whole (at shutdown). Blocking.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.0.store.live().checkpoint()
    }

    /// Each vendor with its tenants' credentials, in seed order. Blocking.
    pub fn tenants(&self) -> Result<Vec<(&'static Vendor, Vec<TenantCard>)>, StoreError> {
        self.0.store.live().run_now(|conn| {
            self.0
                .vendors
                .iter()
                .map(|vendor| Ok((*vendor, tenancy::list(conn, &vendor.seed.table)?)))
                .collect()
        })
    }
}
