//! The CSV loader on arbitrary bytes: never a panic; errors are one short
//! line; a dataset that loads is a sane one. The first byte picks the task
//! hint (building the CSV reader dominates a run, so each input is parsed once).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use nn_data::{CsvOptions, MAX_CLASSES, Task, TaskHint, parse_csv};

fuzz_target!(|data: &[u8]| {
    let Some((&hint, data)) = data.split_first() else {
        return;
    };
    {
        let task = [None, Some(TaskHint::Classification), Some(TaskHint::Regression)]
            [usize::from(hint % 3)];
        let options = CsvOptions { target: None, task };
        match parse_csv(data, Path::new("fuzz.csv"), &options) {
            Ok(dataset) => {
                assert!(!dataset.is_empty());
                if let Task::Classification { classes } = dataset.task() {
                    assert!((2..=MAX_CLASSES).contains(&classes), "{classes} classes");
                }
            }
            Err(e) => {
                let message = e.to_string();
                assert!(!message.chars().any(char::is_control), "{message:?}");
                // The file name, a line number, at most a few quoted cells or column names.
                assert!(message.len() < 1000, "{} bytes: {message:.200}", message.len());
            }
        }
    }
});
