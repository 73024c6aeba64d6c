//! The committed `datasets/*.csv` must be exactly what the generators write
//! with their defaults: the in-crate twin of `cargo xtask gen-data --check`,
//! so a plain `cargo test` (which does not build xtask) still catches a stale file.

use std::path::Path;

use nn_data::{CsvOptions, load_csv, to_csv_string};
use nn_data::{DEFAULT_SAMPLES, DEFAULT_SEED, GENERATORS, default_noise, generate};

fn datasets_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets"))
}

#[test]
fn committed_csvs_match_the_generators() {
    for &name in GENERATORS {
        let noise = default_noise(name).expect("every generator has a default noise");
        let dataset = generate(name, DEFAULT_SAMPLES, noise, DEFAULT_SEED).unwrap();
        let path = datasets_dir().join(format!("{name}.csv"));
        let committed = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run `cargo xtask gen-data`", path.display()));
        assert!(
            committed == to_csv_string(&dataset),
            "{} is stale: run `cargo xtask gen-data` and commit the result",
            path.display()
        );
    }
}

#[test]
fn committed_csvs_load_back_as_the_same_task() {
    for &name in GENERATORS {
        let path = datasets_dir().join(format!("{name}.csv"));
        let loaded = load_csv(&path, &CsvOptions::default()).unwrap();
        let noise = default_noise(name).unwrap();
        let generated = generate(name, DEFAULT_SAMPLES, noise, DEFAULT_SEED).unwrap();
        assert_eq!(loaded.task(), generated.task(), "{name}");
        assert_eq!(loaded.len(), generated.len(), "{name}");
        assert_eq!(loaded.class_names(), generated.class_names(), "{name}");
    }
}
