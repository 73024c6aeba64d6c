//! The CSV loaders on arbitrary bytes: the training loader (with each task
//! hint) and the features-only reader `predict` uses. Never a panic; errors
//! are one short line; what loads is sane. The first byte picks the loader and
//! its options (building the CSV reader dominates a run, so each input is
//! parsed once).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use nn_data::{CsvOptions, FeatureColumns, MAX_CLASSES, Task, TaskHint, parse_csv, parse_features};

fn check_message(message: &str) {
    assert!(!message.chars().any(char::is_control), "{message:?}");
    // The file name, a line number, at most a few quoted cells or column names.
    let chars = message.chars().count();
    assert!(chars < 1000, "{chars} characters: {message:.200}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, data)) = data.split_first() else {
        return;
    };
    let path = Path::new("fuzz.csv");
    if pick % 4 == 3 {
        // Features by position (all but `label`), as many as the pick byte says.
        let columns = FeatureColumns {
            names: None,
            count: usize::from(pick / 4 % 8),
            ignored: &["label"],
        };
        match parse_features(data, path, &columns) {
            Ok(rows) => {
                assert_eq!(rows.columns.len(), columns.count);
                assert_eq!(rows.values.len(), rows.texts.len());
                assert_eq!(rows.values.len() % columns.count.max(1), 0);
            }
            Err(e) => check_message(&e.to_string()),
        }
        return;
    }
    let task = [
        None,
        Some(TaskHint::Classification),
        Some(TaskHint::Regression),
    ][usize::from(pick % 4)];
    let options = CsvOptions { target: None, task };
    match parse_csv(data, path, &options) {
        Ok(dataset) => {
            assert!(!dataset.is_empty());
            if let Task::Classification { classes } = dataset.task() {
                assert!((2..=MAX_CLASSES).contains(&classes), "{classes} classes");
            }
        }
        Err(e) => check_message(&e.to_string()),
    }
});
