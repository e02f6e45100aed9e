//! The command line; every flag is also an environment variable `UNDERSTUDY_<NAME>`.

use std::net::IpAddr;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Parser;

use crate::control::journal::DEFAULT_JOURNAL_SIZE;
use crate::state::Vendor;
use crate::vendors;

/// Understudy: a stateful mock of vendors' contacts APIs, for development and CI.
#[derive(Debug, Clone, Parser)]
#[command(name = "understudy", version, about, long_about = long_about())]
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

    /// How many vendor requests the journal (`GET /__admin/requests`) keeps; the oldest go first.
    #[arg(long, value_name = "N", env = "UNDERSTUDY_JOURNAL_SIZE", default_value_t = DEFAULT_JOURNAL_SIZE)]
    pub journal_size: usize,

    /// Also serve a vendor at the root of its own port, at its real paths, for clients that
    /// cannot take a path prefix: `--vendor-port thoughtly=4012` (repeatable; the environment
    /// variable takes a comma-separated list).
    #[arg(long = "vendor-port", value_name = "SLUG=PORT", env = "UNDERSTUDY_VENDOR_PORT",
          value_delimiter = ',', value_parser = parse_vendor_port)]
    pub vendor_ports: Vec<VendorPort>,
}

/// A vendor served at the root of a port of its own.
#[derive(Debug, Clone, Copy)]
pub struct VendorPort {
    pub vendor: &'static Vendor,
    pub port: u16,
}

/// The help's description, naming every vendor.
fn long_about() -> String {
    let vendors: Vec<String> = vendors::ALL
        .iter()
        .map(|vendor| format!("`/{}` ({})", vendor.slug, vendor.name))
        .collect();
    format!(
        "Understudy: a stateful mock of vendors' contacts APIs, for development and CI.\n\n\
         Every vendor is served under its slug ({}) followed by the vendor's real paths; \
         `/__admin` controls the mock.",
        vendors.join(", ")
    )
}

fn parse_vendor_port(text: &str) -> Result<VendorPort, String> {
    let slugs: Vec<&str> = vendors::ALL.iter().map(|v| v.slug).collect();
    let (slug, port) = text
        .split_once('=')
        .ok_or_else(|| format!("expected SLUG=PORT, e.g. {}=4012", slugs[0]))?;
    let vendor = vendors::by_slug(slug.trim())
        .ok_or_else(|| format!("unknown vendor `{slug}`; one of {}", slugs.join(", ")))?;
    let port = port
        .trim()
        .parse()
        .map_err(|_| format!("`{port}` is not a port number"))?;
    Ok(VendorPort { vendor, port })
}

fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|error| format!("not an RFC 3339 instant ({error}), e.g. 2025-01-15T10:00:00Z"))
}
