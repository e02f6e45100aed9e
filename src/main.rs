//! The `understudy` binary: parse the command line and run the command (`understudy::cli`).

use std::process::ExitCode;

use clap::Parser;
use understudy::cli::Cli;

// Requests allocate on one worker thread and free on another (the journal, cached answers);
// mimalloc handles that without the system allocator's arena locking.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    Cli::parse().into_command().run().await
}
