//! Run directories from the command line: where a run is recorded
//! (`--run-dir DIR`, else a new folder under `runs/`, or nowhere with
//! `--no-run-dir`). The recording is a record, not the run: once training has
//! started, a recording that fails costs a warning, never the run.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use nn_run::{DataOptions, DataSpec, Pace, RunInfo, RunWriter, WriterOptions};
use nn_train::Trainer;

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

fn unrecorded(e: &impl std::fmt::Display) -> String {
    format!(
        "warning: cannot record the run under {RUNS_ROOT}/ ({e}); training goes on \
         without a run directory (--no-run-dir turns it off)"
    )
}

/// Starts recording `trainer`'s run at `pace` on data `spec` (see [`folder`]). An
/// explicit `--run-dir` that cannot be written is an error.
pub fn start(
    args: &RunDirArgs,
    spec: &DataSpec,
    options: &DataOptions,
    trainer: &Trainer,
    pace: Pace,
    warn: impl Fn(&str),
) -> Result<Option<RunWriter>> {
    let Some(dir) = folder(args, spec, &warn) else {
        return Ok(None);
    };
    let info = RunInfo::new(spec, options, trainer, pace, std::env::args().collect());
    let created = RunWriter::create(&dir, &info, trainer.model_info(), WriterOptions::default());
    match created {
        Ok(writer) => Ok(Some(writer)),
        Err(e) if args.run_dir.is_some() => {
            Err(anyhow::Error::new(e).context(format!("--run-dir {}", dir.display())))
        }
        Err(e) => {
            warn(&unrecorded(&e));
            Ok(None)
        }
    }
}

/// Ends the recording with the final `trainer` (and the error that ended the
/// run, if one did); returns the run directory.
pub fn finish(
    writer: Option<RunWriter>,
    trainer: &Trainer,
    failure: Option<String>,
    warn: impl Fn(&str),
) -> Option<PathBuf> {
    let writer = writer?;
    let dir = writer.dir().to_path_buf();
    if let Err(e) = writer.finish(Some(trainer.network()), failure) {
        warn(&format!("warning: the run directory is incomplete: {e}"));
    }
    Some(dir)
}
