//! The seed files shipped in `seed-data/` stay loadable.

mod common;

use understudy::seed::SeedSource;
use understudy::{AppState, StateOptions};

#[test]
fn every_shipped_seed_file_loads() {
    let mut paths: Vec<_> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/seed-data/examples"))
            .expect("examples folder")
            .map(|entry| entry.expect("entry").path())
            .collect();
    paths.push(concat!(env!("CARGO_MANIFEST_DIR"), "/seed-data/default.json").into());
    for path in paths {
        let source = SeedSource::from_file(&path).expect("readable");
        // The real clock, as the binary loads a seed file without `--now`.
        let built = AppState::build(StateOptions {
            now: None,
            ..common::options(vec![source])
        });
        assert!(built.is_ok(), "{}: {:?}", path.display(), built.err());
    }
}
