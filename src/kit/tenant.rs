//! The tenant extractor every vendor's handlers take first: it reads the credentials by the
//! vendor's scheme, finds the tenant (off the async workers, cached per data generation),
//! applies the tenant's rate limits, and only then lets a body error through, so the credential
//! check always comes before any validation.
//!
//! A tenant's writes and cached answers are scoped to it ([`Scope`]: the vendor's slug and the
//! tenant's row id), so a write leaves other tenants' and other vendors' cached answers warm.
//! That holds because every vendor's write through [`TenantDb::run`] changes only rows the
//! tenant owns, which every read of another tenant filters out: a write that could change what
//! another tenant reads must go through [`TenantDb::unscoped`].

use std::hash::Hash;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rusqlite::Connection;
use serde::Serialize;

use crate::contract::{Error, Failure, Styled};
use crate::control::NamespaceDb;
use crate::http::auth::Keys;
use crate::http::body::ReadBody;
use crate::http::cache::JsonBytes;
use crate::http::rate_limit::{Limit, retry_after_seconds};
use crate::state::{AppState, Vendor};
use crate::store::{Db, Reach, Scope, StoreError};
use crate::tenancy;
use crate::time::Millis;

/// A vendor's declaration, reached from its marker type (see the `kit::vendor!` declaration).
pub trait Declared: Styled {
    const SPEC: &'static Vendor;
}

/// A vendor's tenant row: what its credentials select.
pub trait Tenancy: Clone + Send + Sync + 'static {
    /// The vendor: its credential scheme, tenants table and words.
    type Vendor: Declared;
    /// The tenant holding `keys`, if any: one indexed statement (see [`tenancy::find`]).
    fn find(conn: &Connection, keys: &Keys) -> rusqlite::Result<Option<Self>>;
    /// The tenant's row id, which scopes its cached answers.
    fn id(&self) -> i64;
    /// The limits the tenant's requests are under; none unless its seed switches them on.
    fn limits(&self) -> &'static [Limit] {
        &[]
    }
}

/// A tenant known by its row id alone: what most vendors' credentials select.
pub struct Plain<V> {
    pub id: i64,
    vendor: PhantomData<fn() -> V>,
}

impl<V> Clone for Plain<V> {
    fn clone(&self) -> Self {
        Self {
            id: self.id,
            vendor: PhantomData,
        }
    }
}

impl<V: Declared> Tenancy for Plain<V> {
    type Vendor = V;

    fn find(conn: &Connection, keys: &Keys) -> rusqlite::Result<Option<Self>> {
        let found = tenancy::find(conn, &V::SPEC.seed.table, "", keys, |row| row.get(0))?;
        Ok(found.map(|id| Self {
            id,
            vendor: PhantomData,
        }))
    }

    fn id(&self) -> i64 {
        self.id
    }
}

/// A vendor whose documented rate limits hold for the tenants its seed switches them on for.
pub trait RateLimited: Declared {
    /// The vendor's documented limits, per tenant (a tenant holds one credential).
    const RATE_LIMITS: &'static [Limit];
}

/// A tenant known by its row id and its `rate_limit` switch (a column of its row, set from its
/// seed): held to the vendor's [`RateLimited::RATE_LIMITS`] when the switch is on.
pub struct Limited<V> {
    pub id: i64,
    pub rate_limited: bool,
    vendor: PhantomData<fn() -> V>,
}

impl<V> Clone for Limited<V> {
    fn clone(&self) -> Self {
        Self {
            id: self.id,
            rate_limited: self.rate_limited,
            vendor: PhantomData,
        }
    }
}

impl<V: RateLimited> Tenancy for Limited<V> {
    type Vendor = V;

    fn find(conn: &Connection, keys: &Keys) -> rusqlite::Result<Option<Self>> {
        tenancy::find(conn, &V::SPEC.seed.table, "rate_limit", keys, |row| {
            Ok(Self {
                id: row.get(0)?,
                rate_limited: row.get(1)?,
                vendor: PhantomData,
            })
        })
    }

    fn id(&self) -> i64 {
        self.id
    }

    fn limits(&self) -> &'static [Limit] {
        if self.rate_limited {
            V::RATE_LIMITS
        } else {
            &[]
        }
    }
}

/// The database of a tenant's request: its namespace's, with writes scoped to the tenant.
/// Dereferences to the [`Db`] for reads; a clone keeps the scope.
#[derive(Clone, Debug)]
pub struct TenantDb {
    db: Db,
    scope: Scope,
}

impl TenantDb {
    /// Runs a write that changes only the tenant's own rows ([`Db::run_for`] its scope): the
    /// tenant's cached answers are recomputed after it, other tenants' stay.
    pub async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.db.run_for(self.scope, work).await
    }

    /// The namespace's database without the tenant's scope, for a write that may change what
    /// other tenants read ([`Db::run`]: every cached answer is recomputed after it).
    pub fn unscoped(&self) -> &Db {
        &self.db
    }

    /// The tenant's scope: the vendor's slug and the tenant's row id.
    pub fn scope(&self) -> Scope {
        self.scope
    }
}

impl Deref for TenantDb {
    type Target = Db;

    fn deref(&self) -> &Db {
        &self.db
    }
}

/// The authenticated tenant `T` of a request, with the database and clock of the request's
/// namespace. Dereferences to the tenant row.
pub struct Tenant<T> {
    pub row: T,
    /// The database of the request's namespace, writes scoped to the tenant.
    pub db: TenantDb,
    /// The request's namespace, `None` for the default one.
    namespace: Option<String>,
    state: AppState,
    /// What the request weighs (URI and body bytes): the cost of caching its answer.
    request_bytes: usize,
    /// Whether the handler asked for now: then its answer depends on more than the request and
    /// the data, and is not [replayable](JsonBytes::replayable).
    read_now: AtomicBool,
    /// The window end the handler read, once for the whole request: its answer is replayable
    /// only while the clock gives the same.
    window_end: OnceLock<Millis>,
}

impl<T> Deref for Tenant<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.row
    }
}

impl<T: Tenancy> FromRequestParts<AppState> for Tenant<T> {
    type Rejection = Error<T::Vendor>;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let spec = <T::Vendor as Declared>::SPEC;
        let keys = spec
            .credentials
            .keys(&parts.headers)
            .ok_or(Failure::MissingCredentials)?;
        let db = state.db(parts);
        let namespace = parts
            .extensions
            .get::<NamespaceDb>()
            .map(|namespace| namespace.name.clone());
        let row = state
            .tenant_cache()
            .find(&db, spec.slug, (spec.slug, keys), |conn, (_, keys)| {
                T::find(conn, keys)
            })
            .await?
            .ok_or(Failure::UnknownCredentials)?;
        let limits = row.limits();
        if !limits.is_empty() {
            // A tenant holds one credential: counting per tenant is counting per credential.
            let scope = namespace.as_deref().unwrap_or("default");
            let key = format!("{}\n{}", spec.slug, row.id());
            state
                .rate_limiter()
                .check(scope, &key, limits)
                .map_err(|wait| Failure::RateLimited {
                    retry_after: retry_after_seconds(wait),
                })?;
        }
        let mut request_bytes = parts.uri.path_and_query().map_or(0, |pq| pq.as_str().len());
        if let Some(body) = parts.extensions.get::<ReadBody>() {
            body.json.as_ref().map_err(|error| Failure::Body(*error))?;
            request_bytes += body.bytes.len();
        }
        let scope = Scope {
            area: spec.slug,
            owner: row.id(),
        };
        Ok(Self {
            row,
            db: TenantDb { db, scope },
            namespace,
            state: state.clone(),
            request_bytes,
            read_now: AtomicBool::new(false),
            window_end: OnceLock::new(),
        })
    }
}

impl<T: Tenancy> Tenant<T> {
    /// The answer to `request` (the parsed request: everything the answer depends on besides
    /// the tenant), from the cache or computed by `query` on a reader; the vendor's 404 when
    /// `query` finds nothing (the record the path names is not the tenant's), which is never
    /// cached. The query must read only the tenant's own rows (and the seed's tenant rows): the
    /// cached answer is kept across other tenants' writes.
    pub async fn answer<K, R, F>(&self, request: K, query: F) -> Result<JsonBytes, Error<T::Vendor>>
    where
        K: Hash + Eq + Send + Sync + 'static,
        R: Serialize + Send + 'static,
        F: FnOnce(&Connection, &T, &K) -> rusqlite::Result<Option<R>> + Send + 'static,
    {
        let row = self.row.clone();
        let key = (<T::Vendor as Declared>::SPEC.slug, row.id(), request);
        let answer = self
            .state
            .answers()
            .json(
                &self.db,
                Reach::Scope(self.db.scope),
                key,
                self.request_bytes,
                move |conn, (_, _, request)| query(conn, &row, request),
            )
            .await?;
        let answer = answer.ok_or(Failure::UnknownRecord)?;
        // A rate-limited tenant's every request must be counted, so none is replayed.
        let replayable = self.row.limits().is_empty() && !self.read_now.load(Ordering::Relaxed);
        Ok(if replayable {
            answer.replayable(self.window_end.get().copied())
        } else {
            answer
        })
    }

    /// [`Tenant::answer`] for a query that always finds an answer.
    pub async fn answer_found<K, R, F>(
        &self,
        request: K,
        query: F,
    ) -> Result<JsonBytes, Error<T::Vendor>>
    where
        K: Hash + Eq + Send + Sync + 'static,
        R: Serialize + Send + 'static,
        F: FnOnce(&Connection, &T, &K) -> rusqlite::Result<R> + Send + 'static,
    {
        self.answer(request, move |conn, row, request| {
            query(conn, row, request).map(Some)
        })
        .await
    }

    /// Now, by the clock of the request's namespace: what writes are stamped with.
    pub fn now(&self) -> Millis {
        self.read_now.store(true, Ordering::Relaxed);
        self.state.clock().now(self.namespace.as_deref())
    }

    /// The instant "last N days" windows count back from, by the namespace's clock: the same
    /// for the whole request.
    pub fn window_end(&self) -> Millis {
        *self
            .window_end
            .get_or_init(|| self.state.clock().window_end(self.namespace.as_deref()))
    }
}
