//! `understudy seed validate FILE…`: each file loaded as `serve --seed FILE` loads it, into a
//! store in memory, with nothing bound.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::seed::SeedSource;
use crate::state::{AppState, StartError, StateOptions};
use crate::vendors;

/// Checks each file on its own (files given together to `serve` also must not share a
/// credential; files checked here may be alternatives to one another). Prints `FILE: ok` on
/// stdout, or the problem on stderr as `serve` words it; exit 0 only if every file is valid.
pub async fn validate(files: &[PathBuf]) -> ExitCode {
    let mut all_valid = true;
    for file in files {
        let file = file.clone();
        let checked = tokio::task::spawn_blocking(move || check(&file).map(|()| file))
            .await
            .unwrap_or_else(|panicked| Err(format!("the check failed: {panicked}")));
        match checked {
            Ok(file) => println!("{}: ok", file.display()),
            Err(problem) => {
                all_valid = false;
                eprintln!("{problem}");
            }
        }
    }
    if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The file's problem, worded `FILE: JSON.PATH: problem` as start-up words it.
fn check(file: &Path) -> Result<(), String> {
    let source = SeedSource::from_file(file).map_err(|error| error.to_string())?;
    let name = source.name.clone();
    // The state `serve` builds, on a store in memory: every check a start-up makes, the same
    // messages, and nothing else.
    let options = StateOptions {
        seeds: vec![source],
        ..StateOptions::default()
    };
    match AppState::build(options) {
        Ok(_) => Ok(()),
        Err(StartError::Seed(error)) => Err(error.to_string()),
        Err(other) => Err(format!("{name}: {other}")),
    }
}

/// `understudy seed schema`: prints the seed documents' JSON Schema.
pub fn schema() -> ExitCode {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_all(vendors::seed_schema().as_bytes())
        .and_then(|()| stdout.flush());
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("understudy: {error}");
            ExitCode::FAILURE
        }
    }
}
