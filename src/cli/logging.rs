//! Log lines on stderr, as text for people or as one JSON object a line for a log pipeline
//! (`--log-format`).
//!
//! What is logged, by target:
//! - `understudy::startup` (info): the address listened on and the seed loaded, then `stopped`;
//!   error: why the server could not start.
//! - `understudy::requests` (info): one line per vendor request, with `vendor`, `tenant`
//!   (masked, absent without a credential), `namespace`, `method`, `path`, `status` and
//!   `duration_ms`, written when its answer is ready (the journal's entry, as a line).
//! - everything else: warnings and errors (a failed store call, a shutdown deadline passed).
//!
//! Without `RUST_LOG`, `text` shows warnings and errors only: the banner on stdout says where
//! the server listens, the journal (`GET /__admin/requests`) holds every request, and a test
//! harness that pipes stderr without reading it must not fill the pipe and stall the server.
//! `json` is asked for by a log pipeline that reads every line, so it adds the start-up and
//! request lines. `RUST_LOG` (e.g. `warn,understudy::requests=info`) replaces either default.

use tracing_subscriber::EnvFilter;

use crate::app::REQUEST_LOG;
use crate::config::LogFormat;

/// The target of start-up and shutdown lines.
pub const STARTUP: &str = "understudy::startup";

/// The filter used when `RUST_LOG` is not set.
pub fn default_filter(format: LogFormat) -> String {
    match format {
        LogFormat::Text => "warn".into(),
        LogFormat::Json => format!("warn,{STARTUP}=info,{REQUEST_LOG}=info"),
    }
}

/// Installs the process's log subscriber, writing to stderr.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(default_filter(format)));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second call (a test that runs two commands in one process) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
    };
}

/// Reports why the server stopped or could not start: `understudy: …` on stderr as text, an
/// error line in JSON.
pub fn fatal(format: LogFormat, message: &str) {
    match format {
        LogFormat::Text => eprintln!("understudy: {message}"),
        LogFormat::Json => tracing::error!(target: STARTUP, "{message}"),
    }
}
