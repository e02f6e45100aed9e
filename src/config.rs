//! The command line; every flag is also an environment variable `UNDERSTUDY_<NAME>`.

use std::net::IpAddr;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Parser;

/// Understudy: a stateful mock of five vendors' contacts APIs, for development and CI.
///
/// Every vendor is served under its slug (`/tailortalk`, `/agentclara`, `/thoughtly`,
/// `/autokonnect`, `/vambe`) followed by the vendor's real paths; `/__admin` controls the mock.
#[derive(Debug, Clone, Parser)]
#[command(name = "understudy", version, about, long_about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "UNDERSTUDY_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Port to listen on; 0 picks a free port (the bound address is printed).
    #[arg(long, env = "UNDERSTUDY_PORT", default_value_t = 4010)]
    pub port: u16,

    /// Seed file to load instead of the embedded default; repeat to add tenants from several
    /// files (the environment variable takes a comma-separated list).
    #[arg(
        long = "seed",
        value_name = "FILE",
        env = "UNDERSTUDY_SEED",
        value_delimiter = ','
    )]
    pub seeds: Vec<PathBuf>,

    /// SQLite file that keeps data across restarts (default: in memory). An existing file with
    /// data is served as it is; `POST /__admin/reset` goes back to the seed.
    #[arg(long, value_name = "PATH", env = "UNDERSTUDY_DB")]
    pub db: Option<PathBuf>,

    /// Freeze the clock at this RFC 3339 instant (write timestamps, "last N days" filters).
    #[arg(long, value_name = "RFC3339", env = "UNDERSTUDY_NOW", value_parser = parse_instant)]
    pub now: Option<DateTime<Utc>>,
}

fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|error| format!("not an RFC 3339 instant ({error}), e.g. 2025-01-15T10:00:00Z"))
}
