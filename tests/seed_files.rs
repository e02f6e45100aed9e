//! The seed files shipped in `seed-data/` stay loadable.

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
        let built = AppState::build(StateOptions {
            seeds: vec![source],
            ..StateOptions::default()
        });
        assert!(built.is_ok(), "{}: {:?}", path.display(), built.err());
    }
}
