//! Run directories from the command line: where a run is recorded
//! (`--run-dir DIR`, else a new folder under `runs/`, or nowhere with
//! `--no-run-dir`). The recording is a record, not the run: once training has
//! started, a recording that fails costs a warning, never the run.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use nn_run::{DataSpec, Recording};

use crate::setup;
use nn_tui::RunDirArgs;

/// The folder new run directories go in unless `--run-dir` names one.
pub const RUNS_ROOT: &str = "runs";

/// Checks an explicit `--run-dir` before any data is loaded: a folder that can
/// be written and does not hold a run already.
pub fn check(args: &RunDirArgs) -> Result<()> {
    let Some(dir) = &args.run_dir else {
        return Ok(());
    };
    setup::check_writable_dir("--run-dir", dir)?;
    if dir.join(nn_run::EVENTS_FILE).is_file() {
        bail!(
            "--run-dir {}: already holds a run (events.jsonl); choose another folder",
            dir.display()
        );
    }
    Ok(())
}

/// The folder to record a run on data `spec` in: `--run-dir` as given, else a
/// new folder under `runs/`, or none with `--no-run-dir`. A default folder that
/// cannot be made is a warning (`warn`), and the run goes on unrecorded.
pub fn folder(args: &RunDirArgs, spec: &DataSpec, warn: impl Fn(&str)) -> Option<PathBuf> {
    if args.no_run_dir {
        return None;
    }
    if let Some(dir) = &args.run_dir {
        return Some(dir.clone());
    }
    nn_run::new_run_dir(Path::new(RUNS_ROOT), spec)
        .map_err(|e| warn(&unrecorded(&e)))
        .ok()
}

/// Where `nn-tui train` records its run: `--run-dir` (which must take it), else a
/// new folder under `runs/` (a warning if it cannot), or nowhere with `--no-run-dir`.
pub fn recording(args: &RunDirArgs) -> Recording {
    if args.no_run_dir {
        Recording::Off
    } else if let Some(dir) = &args.run_dir {
        Recording::Into(dir.clone())
    } else {
        Recording::Under(PathBuf::from(RUNS_ROOT))
    }
}

/// The warning when a run goes on without its default run directory.
pub fn unrecorded(e: &impl std::fmt::Display) -> String {
    format!(
        "warning: cannot record the run under {RUNS_ROOT}/ ({e}); training goes on \
         without a run directory (--no-run-dir turns it off)"
    )
}
