//! The command line; every flag is also an environment variable `UNDERSTUDY_<NAME>`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::Parser;
use clap::builder::TypedValueParser;

use crate::control::journal::DEFAULT_JOURNAL_SIZE;
use crate::server::{self, ServerOptions};
use crate::state::Vendor;
use crate::{store, vendors};

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

    /// How much memory the journal may hold (URLs, headers and bodies counted); the oldest
    /// entries go first. Bytes, or with a unit: `64MiB`, `512KiB`, `1GiB`.
    #[arg(long, value_name = "BYTES", env = "UNDERSTUDY_JOURNAL_BYTES",
          default_value = "64MiB", value_parser = parse_bytes)]
    pub journal_bytes: usize,

    /// How many namespaces (`X-Understudy-Namespace`) may exist at once; making one more drops
    /// the least recently used, whose next use starts from the seed again.
    #[arg(long, value_name = "N", env = "UNDERSTUDY_MAX_NAMESPACES",
          default_value_t = store::DEFAULT_MAX_NAMESPACES,
          value_parser = clap::value_parser!(u32).range(1..).map(|n| n as usize))]
    pub max_namespaces: usize,

    /// Seconds a namespace may go unused before it is dropped (with its clock and rate-limit
    /// counts); its next use starts from the seed again.
    #[arg(long, value_name = "SECONDS", env = "UNDERSTUDY_NAMESPACE_IDLE_TIMEOUT",
          default_value = "1800", value_parser = parse_seconds)]
    pub namespace_idle_timeout: Duration,

    /// Seconds a request's headers may take to arrive, counted from the connection's opening or
    /// the previous answer; so also how long an idle keep-alive connection stays open.
    #[arg(long, value_name = "SECONDS", env = "UNDERSTUDY_HEADER_TIMEOUT",
          default_value = "10", value_parser = parse_seconds)]
    pub header_timeout: Duration,

    /// Seconds a request body may send nothing before the request fails and its connection
    /// closes.
    #[arg(long, value_name = "SECONDS", env = "UNDERSTUDY_BODY_TIMEOUT",
          default_value = "10", value_parser = parse_seconds)]
    pub body_timeout: Duration,

    /// Seconds an answer may wait for the client to read any of it before its connection
    /// closes (a client that stopped reading).
    #[arg(long, value_name = "SECONDS", env = "UNDERSTUDY_WRITE_TIMEOUT",
          default_value = "30", value_parser = parse_seconds)]
    pub write_timeout: Duration,

    /// Open connections at most (per listening port); more wait until one closes.
    #[arg(long, value_name = "N", env = "UNDERSTUDY_MAX_CONNECTIONS",
          default_value_t = server::DEFAULT_MAX_CONNECTIONS,
          value_parser = clap::value_parser!(u32).range(1..).map(|n| n as usize))]
    pub max_connections: usize,

    /// Seconds SIGINT/SIGTERM waits for requests in flight before closing their connections;
    /// the server then exits 0 with the database file checkpointed.
    #[arg(long, value_name = "SECONDS", env = "UNDERSTUDY_SHUTDOWN_TIMEOUT",
          default_value = "5", value_parser = parse_seconds)]
    pub shutdown_timeout: Duration,

    /// Require `Authorization: Bearer TOKEN` on every `/__admin` call but
    /// `GET /__admin/health` and the dashboard's page (which asks for it). Without it, admin calls must come from this machine (a loopback
    /// `Host`), mutating calls from no other site's page, and bodies as `application/json`.
    #[arg(long, value_name = "TOKEN", env = "UNDERSTUDY_ADMIN_TOKEN", value_parser = parse_token)]
    pub admin_token: Option<String>,

    /// Serve the admin API without a token on a non-loopback `--host` (for example on a
    /// private container network); without this or `--admin-token` such a host is refused.
    /// The variable takes `1`/`true`/`yes` or `0`/`false`/`no`.
    #[arg(long, env = "UNDERSTUDY_ADMIN_OPEN",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub admin_open: bool,

    /// Also serve a vendor at the root of its own port, at its real paths, for clients that
    /// cannot take a path prefix: `--vendor-port thoughtly=4012` (repeatable; the environment
    /// variable takes a comma-separated list).
    #[arg(long = "vendor-port", value_name = "SLUG=PORT", env = "UNDERSTUDY_VENDOR_PORT",
          value_delimiter = ',', value_parser = parse_vendor_port)]
    pub vendor_ports: Vec<VendorPort>,

    /// How log lines on stderr are written: `text` for people, or `json` (one JSON object a
    /// line, for a log pipeline; it also logs each vendor request and the start-up by default).
    #[arg(long, value_name = "FORMAT", env = "UNDERSTUDY_LOG_FORMAT", value_enum,
          default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// A configuration that must not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A non-loopback `--host` would open the admin API to the network.
    #[error(
        "refusing to serve the admin API on {0} without a token: anyone who can reach it could \
         reset data or inject faults. Set --admin-token TOKEN (UNDERSTUDY_ADMIN_TOKEN), listen \
         on 127.0.0.1, or pass --admin-open if this exposure is wanted"
    )]
    AdminExposed(IpAddr),
}

impl Config {
    /// Refuses a configuration that would open the admin API to the network unknowingly.
    pub fn check_exposure(&self) -> Result<(), ConfigError> {
        if self.host.is_loopback() || self.admin_token.is_some() || self.admin_open {
            return Ok(());
        }
        Err(ConfigError::AdminExposed(self.host))
    }

    /// The connection bounds the flags ask for.
    pub fn server_options(&self) -> ServerOptions {
        ServerOptions {
            header_timeout: self.header_timeout,
            body_timeout: self.body_timeout,
            write_timeout: self.write_timeout,
            max_connections: self.max_connections,
            shutdown_timeout: self.shutdown_timeout,
        }
    }
}

/// A vendor served at the root of a port of its own.
#[derive(Debug, Clone, Copy)]
pub struct VendorPort {
    pub vendor: &'static Vendor,
    pub port: u16,
}

/// How log lines are written (`--log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `message` and the event's fields.
    Json,
}

/// The help's description, naming every vendor.
pub fn long_about() -> String {
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

/// Longest timeout accepted: a day.
const MAX_TIMEOUT_SECONDS: f64 = 86_400.0;

/// Seconds, whole or decimal, above zero: `10`, `0.5`.
pub fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(seconds > 0.0 && seconds <= MAX_TIMEOUT_SECONDS) {
        return Err(format!(
            "must be above 0 and at most {MAX_TIMEOUT_SECONDS} seconds"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A byte count, bare or with a binary unit: `1048576`, `512KiB`, `64MiB`, `1GiB`
/// (`K`, `M`, `G` mean the same).
fn parse_bytes(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        _ => {
            return Err(format!(
                "`{text}`: expected bytes, e.g. 1048576, 512KiB or 64MiB"
            ));
        }
    };
    number
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .ok_or_else(|| format!("`{text}`: expected bytes, e.g. 1048576, 512KiB or 64MiB"))
}

/// A token that can be sent in a header: visible ASCII, no spaces.
fn parse_token(text: &str) -> Result<String, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("a token is one or more visible ASCII characters, without spaces".into());
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_take_binary_units() {
        assert_eq!(parse_bytes("1048576"), Ok(1 << 20));
        assert_eq!(parse_bytes("512KiB"), Ok(512 << 10));
        assert_eq!(parse_bytes("64MiB"), Ok(64 << 20));
        assert_eq!(parse_bytes("1g"), Ok(1 << 30));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("12 parsecs").is_err());
    }

    #[test]
    fn seconds_are_positive_and_may_be_fractions() {
        assert_eq!(parse_seconds("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("NaN").is_err());
        assert!(parse_seconds("soon").is_err());
    }

    #[test]
    fn defaults_agree_with_the_constants_they_document() {
        let config = Config::try_parse_from(["understudy"]).expect("parses");
        assert_eq!(config.server_options(), ServerOptions::default());
        assert_eq!(
            config.journal_bytes,
            crate::control::journal::DEFAULT_JOURNAL_BYTES
        );
        assert_eq!(config.max_namespaces, store::DEFAULT_MAX_NAMESPACES);
        assert_eq!(config.namespace_idle_timeout, store::DEFAULT_NAMESPACE_IDLE);
    }

    #[test]
    fn namespace_bounds_are_positive() {
        let parse = |args: &[&str]| Config::try_parse_from(["understudy"].iter().chain(args));
        let config =
            parse(&["--max-namespaces", "5", "--namespace-idle-timeout", "0.5"]).expect("parses");
        assert_eq!(config.max_namespaces, 5);
        assert_eq!(config.namespace_idle_timeout, Duration::from_millis(500));
        assert!(parse(&["--max-namespaces", "0"]).is_err());
        assert!(parse(&["--namespace-idle-timeout", "0"]).is_err());
    }

    #[test]
    fn a_wide_host_needs_a_token_or_admin_open() {
        let config = |args: &[&str]| {
            Config::try_parse_from(["understudy"].iter().chain(args)).expect("parses")
        };
        assert_eq!(config(&[]).check_exposure(), Ok(()));
        assert_eq!(config(&["--host", "::1"]).check_exposure(), Ok(()));
        let wide: IpAddr = "0.0.0.0".parse().expect("address");
        assert_eq!(
            config(&["--host", "0.0.0.0"]).check_exposure(),
            Err(ConfigError::AdminExposed(wide))
        );
        assert_eq!(
            config(&["--host", "0.0.0.0", "--admin-token", "t0k"]).check_exposure(),
            Ok(())
        );
        assert_eq!(
            config(&["--host", "0.0.0.0", "--admin-open"]).check_exposure(),
            Ok(())
        );
    }
}
