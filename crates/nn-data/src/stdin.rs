//! Standard input as a CSV file (`nn-tui train --data -`): read to
//! its end once per process, since a pipe cannot be read twice, and named `<stdin>` in
//! errors. Later loads (the dashboard switching back to the data) get the same bytes, so
//! the seeded splits stay what they were.

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::csv_io::{CsvOptions, parse_csv};
use crate::{DataError, Dataset};

/// How errors and the dataset's name refer to standard input.
const STDIN: &str = "<stdin>";

/// What standard input held, once it has been read.
static CONTENTS: Mutex<Option<Arc<[u8]>>> = Mutex::new(None);

/// Loads a CSV file from standard input, as [`crate::load_csv`] loads one from a file.
///
/// # Errors
/// As [`crate::load_csv`], naming `<stdin>`; also when standard input is a terminal
/// rather than a pipe or a file.
pub fn load_csv_from_stdin(options: &CsvOptions) -> Result<Dataset, DataError> {
    parse_csv(&stdin_bytes()?, Path::new(STDIN), options)
}

/// Everything standard input holds, read on the first call and kept for the next ones.
fn stdin_bytes() -> Result<Arc<[u8]>, DataError> {
    let mut contents = CONTENTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(bytes) = contents.as_ref() {
        return Ok(Arc::clone(bytes));
    }
    let stdin = std::io::stdin();
    // Reading a terminal would wait for typing the user does not know is expected.
    if stdin.is_terminal() {
        return Err(DataError::TerminalInput);
    }
    let mut bytes = Vec::new();
    stdin
        .lock()
        .read_to_end(&mut bytes)
        .map_err(|e| DataError::io(STDIN, e))?;
    let bytes: Arc<[u8]> = bytes.into();
    *contents = Some(Arc::clone(&bytes));
    Ok(bytes)
}
