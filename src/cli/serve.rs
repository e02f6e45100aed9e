//! `understudy serve` (and the bare command): load the seed, bind, print the banner, serve until
//! SIGINT/SIGTERM, checkpoint a `--db` file.

use std::net::SocketAddr;
use std::process::ExitCode;

use tokio::net::TcpListener;

use super::logging::{self, STARTUP};
use crate::config::{Config, VendorPort};
use crate::seed::SeedSource;
use crate::server;
use crate::state::{AppState, StateOptions, Vendor};

/// Serves until a signal; a configuration that cannot start is reported in the log format.
pub async fn run(config: Config) -> ExitCode {
    let format = config.log_format;
    match serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            logging::fatal(format, &message);
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), String> {
    config.check_exposure().map_err(|error| error.to_string())?;
    let seeds = config
        .seeds
        .iter()
        .map(|path| SeedSource::from_file(path))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| error.to_string())?;
    let seed_names = if seeds.is_empty() {
        SeedSource::embedded_default().name
    } else {
        seeds
            .iter()
            .map(|seed| seed.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let options = StateOptions {
        db: config.db.clone(),
        seeds,
        now: config.now,
        journal_size: Some(config.journal_size),
        journal_bytes: Some(config.journal_bytes),
        max_namespaces: Some(config.max_namespaces),
        namespace_idle_timeout: Some(config.namespace_idle_timeout),
        admin_token: config.admin_token.clone(),
    };
    let state = tokio::task::spawn_blocking(move || AppState::build(options))
        .await
        .map_err(|error| error.to_string())?
        .map_err(|error| error.to_string())?;
    let listener = TcpListener::bind(SocketAddr::new(config.host, config.port))
        .await
        .map_err(|error| format!("cannot listen on {}:{}: {error}", config.host, config.port))?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    let mut vendor_listeners = Vec::new();
    for VendorPort { vendor, port } in &config.vendor_ports {
        let listener = TcpListener::bind(SocketAddr::new(config.host, *port))
            .await
            .map_err(|error| {
                format!(
                    "cannot listen on {}:{port} for {}: {error}",
                    config.host, vendor.slug
                )
            })?;
        vendor_listeners.push((*vendor, listener));
    }
    let signalled = shutdown_signal();
    print_banner(address, &state, &vendor_listeners);
    log_start(address, &seed_names, &config, &vendor_listeners);

    // One shutdown signal stops every listener.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    };
    let options = config.server_options();
    let mut servers = tokio::task::JoinSet::new();
    for (vendor, listener) in vendor_listeners {
        let router = crate::vendor_service(state.clone(), vendor);
        servers.spawn(server::serve(
            listener,
            router,
            until_stopped(),
            options.clone(),
        ));
    }
    let router = crate::service(state.clone());
    servers.spawn(server::serve(listener, router, until_stopped(), options));
    tokio::spawn(async move {
        signalled.await;
        let _ = stop.send(true);
    });
    while let Some(finished) = servers.join_next().await {
        finished
            .map_err(|error| error.to_string())?
            .map_err(|error| error.to_string())?;
    }
    tracing::info!(target: STARTUP, "stopped");
    // With `--db`, the file alone must hold every acknowledged write, not the file plus its WAL.
    tokio::task::spawn_blocking(move || state.checkpoint())
        .await
        .map_err(|error| error.to_string())?
        .map_err(|error| format!("could not checkpoint the database: {error}"))
}

fn print_banner(address: SocketAddr, state: &AppState, vendor_ports: &[(&Vendor, TcpListener)]) {
    let mut banner = format!("Understudy listening on http://{address}\n");
    for (vendor, tenants) in state.tenants().unwrap_or_default() {
        banner.push_str(&format!(
            "  {:<12} http://{address}/{}\n",
            vendor.name, vendor.slug
        ));
        for tenant in tenants {
            let headers: Vec<String> = vendor
                .credentials
                .headers(&tenant.keys)
                .into_iter()
                .map(|(name, value)| format!("{name}: {value}"))
                .collect();
            let note = tenant
                .note
                .map(|note| format!("  # {note}"))
                .unwrap_or_default();
            banner.push_str(&format!("      {}{note}\n", headers.join("; ")));
        }
    }
    for (vendor, listener) in vendor_ports {
        if let Ok(own) = listener.local_addr() {
            banner.push_str(&format!(
                "  {:<12} http://{own} (own port, real paths)\n",
                vendor.name
            ));
        }
    }
    banner.push_str(&format!("  admin        http://{address}/__admin/health\n"));
    print!("{banner}");
}

/// The start-up's log lines (the banner on stdout stays as it is: tools parse its first line).
fn log_start(
    address: SocketAddr,
    seed: &str,
    config: &Config,
    vendor_ports: &[(&Vendor, TcpListener)],
) {
    let db = config.db.as_ref().map(|path| path.display().to_string());
    tracing::info!(
        target: STARTUP,
        address = %address,
        url = %format!("http://{address}"),
        seed,
        db = db.as_deref(),
        "listening"
    );
    for (vendor, listener) in vendor_ports {
        if let Ok(own) = listener.local_addr() {
            tracing::info!(target: STARTUP, vendor = vendor.slug, address = %own, "listening for one vendor");
        }
    }
}

/// Registers for SIGINT and SIGTERM right away, and completes on either. Called before the
/// banner announces the server: a signal sent as soon as it appears must find the handler in
/// place, not end the process abruptly.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        async move {
            let received = |signal: Option<tokio::signal::unix::Signal>| async move {
                match signal {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = received(interrupt) => {},
                () = received(terminate) => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
