//! The `understudy` binary: parse the command line and run the command (`understudy::cli`).

use std::process::ExitCode;

use clap::Parser;
use understudy::cli::Cli;

#[tokio::main]
async fn main() -> ExitCode {
    Cli::parse().into_command().run().await
}
