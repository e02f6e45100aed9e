//! The `understudy` binary: parse the CLI, load the seed, bind, serve until SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
use understudy::config::Config;
use understudy::seed::SeedSource;
use understudy::{AppState, StateOptions, vendors};

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("understudy: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let seeds = config
        .seeds
        .iter()
        .map(|path| SeedSource::from_file(path))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| error.to_string())?;
    let options = StateOptions {
        db: config.db.clone(),
        seeds,
        now: config.now,
    };
    let state = tokio::task::spawn_blocking(move || AppState::build(options))
        .await
        .map_err(|error| error.to_string())?
        .map_err(|error| error.to_string())?;
    let listener = TcpListener::bind(SocketAddr::new(config.host, config.port))
        .await
        .map_err(|error| format!("cannot listen on {}:{}: {error}", config.host, config.port))?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    print_banner(address, &state);
    understudy::run(listener, state, shutdown_signal())
        .await
        .map_err(|error| error.to_string())
}

fn print_banner(address: SocketAddr, state: &AppState) {
    let credentials = state.credentials().unwrap_or_default();
    let mut banner = format!("Understudy listening on http://{address}\n");
    for vendor in vendors::ALL {
        banner.push_str(&format!(
            "  {:<12} http://{address}/{}\n",
            vendor.name, vendor.slug
        ));
        let lines = credentials
            .iter()
            .find(|(slug, _)| *slug == vendor.slug)
            .map(|(_, lines)| lines.as_slice())
            .unwrap_or_default();
        for line in lines {
            banner.push_str(&format!("      {line}\n"));
        }
    }
    banner.push_str(&format!("  admin        http://{address}/__admin/health\n"));
    print!("{banner}");
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
