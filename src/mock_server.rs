//! [`MockServer`]: Understudy in-process, on the caller's tokio runtime, for a Rust test suite:
//! started on a free port with the default seed (or the builder's), stopped when dropped.

use std::net::SocketAddr;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::control::NAMESPACE_HEADER;
use crate::control::journal::Filter;
use crate::seed::{SeedError, SeedSource};
use crate::server::{self, ServerOptions};
use crate::state::{AppState, StartError, StateOptions};

/// A running Understudy serving every vendor on `127.0.0.1` at a free port.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = understudy::MockServer::start().await;
/// let test = server.namespace("my-test"); // data, journal and clock of its own
/// assert!(test.url("agentclara").ends_with("/agentclara"));
/// let headers = test.headers("agentclara", 0);
/// assert!(headers.contains(&("x-understudy-namespace".into(), "my-test".into())));
/// assert!(headers.iter().any(|(name, _)| name == "Authorization"));
/// # }
/// ```
pub struct MockServer {
    address: SocketAddr,
    state: AppState,
    stop: watch::Sender<bool>,
}

/// Options for a [`MockServer`]: seeds, a frozen clock, the server's own limits.
#[derive(Debug, Default)]
pub struct MockServerBuilder {
    options: StateOptions,
    server: ServerOptions,
    seed_error: Option<SeedError>,
}

impl MockServer {
    /// All vendors on the embedded default seed, on a free port.
    ///
    /// # Panics
    /// If the embedded seed cannot load or no port can be bound: nothing a test can recover
    /// from.
    pub async fn start() -> Self {
        Self::builder()
            .start()
            .await
            .expect("Understudy starts on its embedded seed")
    }

    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The base URL of a vendor, to give its client: `http://127.0.0.1:PORT/thoughtly`.
    pub fn url(&self, slug: &str) -> String {
        format!("{}/{slug}", self.base_url())
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The state behind the server, for what the admin API offers: the journal, fault rules,
    /// clocks, resets.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The headers that authenticate as tenant number `tenant` of vendor `slug`, in seed order.
    ///
    /// # Panics
    /// If the vendor or the tenant does not exist.
    pub fn headers(&self, slug: &str, tenant: usize) -> Vec<(String, String)> {
        let tenants = self.state.tenants().expect("the store answers");
        let (vendor, cards) = tenants
            .iter()
            .find(|(vendor, _)| vendor.slug == slug)
            .unwrap_or_else(|| panic!("no vendor `{slug}`"));
        let card = cards
            .get(tenant)
            .unwrap_or_else(|| panic!("{slug} has {} tenants, not {}", cards.len(), tenant + 1));
        vendor.credentials.headers(&card.keys)
    }

    /// A handle on the namespace `name`: its requests see only its own data, journal entries
    /// and clock.
    pub fn namespace(&self, name: &str) -> Namespace<'_> {
        Namespace {
            server: self,
            name: name.to_owned(),
        }
    }

    /// The journal, newest first, as `GET /__admin/requests` renders it.
    pub fn requests(&self) -> Vec<Value> {
        journal(&self.state, Filter::default())
    }

    /// Puts the default namespace's data back to the seed.
    pub async fn reset(&self) {
        let state = self.state.clone();
        tokio::task::spawn_blocking(move || state.reset(None))
            .await
            .expect("reset runs")
            .expect("reset succeeds");
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// One namespace of a [`MockServer`] (see [`MockServer::namespace`]).
pub struct Namespace<'a> {
    server: &'a MockServer,
    name: String,
}

impl Namespace<'_> {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The vendor's base URL (the same for every namespace: the header selects it).
    pub fn url(&self, slug: &str) -> String {
        self.server.url(slug)
    }

    /// The tenant's credential headers plus this namespace's header.
    pub fn headers(&self, slug: &str, tenant: usize) -> Vec<(String, String)> {
        let mut headers = self.server.headers(slug, tenant);
        headers.push((NAMESPACE_HEADER.into(), self.name.clone()));
        headers
    }

    /// This namespace's journal entries, newest first.
    pub fn requests(&self) -> Vec<Value> {
        let filter = Filter {
            namespace: Some(self.name.clone()),
            ..Filter::default()
        };
        journal(&self.server.state, filter)
    }

    /// Puts this namespace's data back to the seed.
    pub async fn reset(&self) {
        let state = self.server.state.clone();
        let name = self.name.clone();
        tokio::task::spawn_blocking(move || state.reset(Some(&name)))
            .await
            .expect("reset runs")
            .expect("reset succeeds");
    }
}

fn journal(state: &AppState, filter: Filter) -> Vec<Value> {
    state
        .journal()
        .find(&filter, usize::MAX)
        .iter()
        .map(|entry| serde_json::to_value(entry.as_ref()).unwrap_or(Value::Null))
        .collect()
}

impl MockServerBuilder {
    /// Adds a seed file (later seeds add tenants to earlier ones); without any, the embedded
    /// default seed is loaded.
    pub fn seed_file(mut self, path: impl AsRef<Path>) -> Self {
        match SeedSource::from_file(path.as_ref()) {
            Ok(source) => self.options.seeds.push(source),
            Err(error) => self.seed_error = self.seed_error.or(Some(error)),
        }
        self
    }

    /// Adds a seed document.
    pub fn seed_json(mut self, document: Value) -> Self {
        self.options.seeds.push(SeedSource {
            name: "MockServer seed".into(),
            text: document.to_string(),
        });
        self
    }

    /// Freezes the default clock at `instant`.
    pub fn now(mut self, instant: DateTime<Utc>) -> Self {
        self.options.now = Some(instant);
        self
    }

    /// Everything the state is built from (seeds, clock, `--db`, journal limits, admin token).
    pub fn options(mut self, options: StateOptions) -> Self {
        self.options = options;
        self
    }

    /// The server's own limits (timeouts, connection cap).
    pub fn server_options(mut self, server: ServerOptions) -> Self {
        self.server = server;
        self
    }

    /// Loads the seeds, binds `127.0.0.1:0` and serves until the server is dropped.
    pub async fn start(self) -> Result<MockServer, StartError> {
        if let Some(error) = self.seed_error {
            return Err(error.into());
        }
        let options = self.options;
        let state = tokio::task::spawn_blocking(move || AppState::build(options))
            .await
            .map_err(|_| StartError::Interrupted)??;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let until_stopped = async move {
            let mut stopped = stopped;
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        let router = crate::service(state.clone());
        tokio::spawn(server::serve(listener, router, until_stopped, self.server));
        Ok(MockServer {
            address,
            state,
            stop,
        })
    }
}
