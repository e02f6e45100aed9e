//! The `understudy` command: `serve` (also what the bare command does, with the same flags),
//! `seed validate`, `healthcheck`; each run to an exit code.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::config::{self, Config, LogFormat};

mod healthcheck;
pub mod logging;
mod seed;
mod serve;

/// Understudy: a stateful mock of vendors' contacts APIs, for development and CI.
///
/// Without a command it serves, exactly as `understudy serve` does with the same flags.
#[derive(Debug, Parser)]
#[command(
    name = "understudy",
    version,
    about,
    long_about = config::long_about(),
    args_conflicts_with_subcommands = true,
    subcommand_value_name = "COMMAND",
    after_help = "Without a COMMAND, the flags above serve (as `understudy serve`)."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The flags of the bare command, which serves.
    #[command(flatten)]
    serve: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve every vendor and the admin API (what the bare command does).
    Serve(Config),
    /// Work with seed files without starting a server.
    #[command(subcommand)]
    Seed(SeedCommand),
    /// Exit 0 when a running server's `GET /__admin/health` answers 200, else 1 (for container
    /// health checks and CI jobs; needs no curl).
    Healthcheck(HealthcheckArgs),
}

#[derive(Debug, Subcommand)]
pub enum SeedCommand {
    /// Load each file as `serve --seed FILE` would, with every check; print `FILE: ok` or the
    /// file, JSON path and problem. Exit 0 only if every file is valid.
    Validate {
        /// Seed files, each checked on its own.
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the JSON Schema (draft 2020-12) of seed documents, generated from the types the
    /// loader reads (the same as `seed-data/seed.schema.json`).
    Schema,
}

#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// The server's base URL, `http://HOST:PORT` (default: from --host and --port).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// The server's address, when no --url is given; a wildcard address (`0.0.0.0`, `::`) is
    /// reached on loopback.
    #[arg(long, env = "UNDERSTUDY_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// The server's port, when no --url is given.
    #[arg(long, env = "UNDERSTUDY_PORT", default_value_t = 4010)]
    pub port: u16,

    /// Keep trying for up to this many seconds until the server is healthy (default: one try).
    #[arg(long, value_name = "SECONDS", value_parser = config::parse_seconds)]
    pub wait: Option<Duration>,
}

impl Cli {
    /// The command to run: the bare command serves with its own flags.
    pub fn into_command(self) -> Command {
        self.command.unwrap_or(Command::Serve(self.serve))
    }
}

impl Command {
    /// Runs the command to its exit code.
    pub async fn run(self) -> ExitCode {
        match self {
            Self::Serve(config) => {
                logging::init(config.log_format);
                serve::run(config).await
            }
            Self::Seed(SeedCommand::Validate { files }) => {
                logging::init(LogFormat::Text);
                seed::validate(&files).await
            }
            Self::Seed(SeedCommand::Schema) => seed::schema(),
            Self::Healthcheck(args) => healthcheck::run(&args).await,
        }
    }
}
