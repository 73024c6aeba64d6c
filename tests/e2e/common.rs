//! What every end-to-end test needs: the binary, running it, reading its output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The binary under test, built by cargo for this test target.
pub const BIN: &str = env!("CARGO_BIN_EXE_nn-tui");

/// The workspace root (for the shipped datasets and fixtures).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the binary in `dir` with stdin closed.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs a command that must succeed and prints one JSON object; returns it.
pub fn run_json(dir: &Path, args: &[&str]) -> Value {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    serde_json::from_str(&stdout).expect("stdout is one JSON object")
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

pub fn accuracy(report: &Value, part: &str) -> f64 {
    report[part]["accuracy"]
        .as_f64()
        .unwrap_or_else(|| panic!("{part} accuracy in {report}"))
}

/// The Python the interop tests run, if it imports every one of `modules`: `NN_TUI_PYTHON`,
/// else the virtual environment `.ci/run` installs (`$XDG_CACHE_HOME` or `~/.cache`, then
/// `nn-tui/interop-venv`). Without one the calling test says it is skipped, except where
/// one was asked for: `NN_TUI_PYTHON` set (as `.ci/run` does) or `CI` set, where it fails.
pub fn interop_python(modules: &[&str]) -> Option<PathBuf> {
    let python = std::env::var_os("NN_TUI_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
            Some(cache.join("nn-tui/interop-venv/bin/python"))
        });
    let imports = format!("import {}", modules.join(", "));
    let ready = python.as_ref().is_some_and(|p| {
        Command::new(p)
            .args(["-c", &imports])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if ready {
        return python;
    }
    let missing = format!(
        "no Python that can `{imports}`: set NN_TUI_PYTHON to one (bash .ci/run installs one \
         in ~/.cache/nn-tui/interop-venv)"
    );
    assert!(
        std::env::var_os("CI").is_none() && std::env::var_os("NN_TUI_PYTHON").is_none(),
        "{missing}"
    );
    eprintln!("skipped: {missing}");
    None
}

/// A CSV (no quoting) as its header and rows of fields.
pub fn csv_rows(csv: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = csv
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>());
    let header = lines.next().expect("a header row");
    (header, lines.collect())
}
