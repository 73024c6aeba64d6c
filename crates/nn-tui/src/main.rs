//! `nn-tui`: the command line. Parses flags with clap (the definition is this
//! package's library) and wires nn-data, nn-train and nn-dash together; the work
//! itself lives in those crates.
//!
//! Exit status: 0 ok, 1 the run failed, 2 a usage error (clap's), 130
//! interrupted by Ctrl-C. Every error is one line on stderr; a closed pipe on
//! stdout (`nn-tui predict ... | head`) is not an error. In an MPI job each
//! failure is reported once, by the lowest rank that has it.

mod completions;
mod data;
mod explain;
mod export;
mod learn;
mod model;
mod plot;
mod predict;
mod progress;
mod ranks;
mod run_dir;
mod runs;
mod setup;
mod sweep;
#[cfg(feature = "mpi")]
mod sweep_ranks;
mod sweep_report;
mod train;

use std::io::{IsTerminal, Write as _};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use clap::error::ErrorKind;

use nn_dash::DashError;
use nn_run::{StateLine, TrainRequest};
use nn_train::{SettingError, TrainError};
use nn_tui::{Cli, Command, DashArgs, WatchArgs};

/// How a command ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Finished its work.
    Done,
    /// Stopped by Ctrl-C (exit status 130).
    Interrupted,
    /// Failed on another rank of the MPI job, which reported why (exit status 1).
    FailedElsewhere,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let result = match &cli.command {
        None => dash(&cli.dash),
        Some(Command::Dash(args)) => dash(args),
        Some(Command::Train(args)) => train::run(args),
        Some(Command::Eval(args)) => model::eval(args),
        Some(Command::Predict(args)) => predict::run(args),
        Some(Command::Info(args)) => model::info(args),
        Some(Command::Explain(args)) => explain::run(args),
        Some(Command::Export(args)) => export::run(args),
        Some(Command::Completions(args)) => completions::run(args),
        Some(Command::Sweep(args)) => sweep::run(args),
        Some(Command::Runs(args)) => runs::list(args),
        Some(Command::Watch(args)) => watch(args),
        Some(Command::Plot(args)) => plot::run(args),
        Some(Command::Replay(args)) => plot::replay(args),
        Some(Command::Learn(args)) => learn::run(args),
        Some(Command::Data(args)) => data::run(args),
    };
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Interrupted) => ExitCode::from(130),
        Ok(Outcome::FailedElsewhere) => ExitCode::FAILURE,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            progress::say(&error_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// An error as the one line the user reads.
fn error_line(e: &anyhow::Error) -> String {
    format!("error: {}", one_line(&render(e)))
}

/// Help and version go to stdout as clap prints them; usage errors become one line.
fn usage_error(e: &clap::Error) -> ExitCode {
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let rendered = e.render().to_string();
    let text: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect();
    let mut line = text.join(" ");
    if !line.starts_with("error:") {
        line = format!("error: {line}");
    }
    progress::say(&format!("{line} (see --help)"));
    ExitCode::from(2)
}

/// The error as the user reads it: a setting named by its flag, anything else with its causes.
fn render(e: &anyhow::Error) -> String {
    let setting = e.downcast_ref::<SettingError>().or_else(|| {
        match (
            e.downcast_ref::<TrainError>(),
            e.downcast_ref::<DashError>(),
        ) {
            (Some(TrainError::Setting(s)), _)
            | (_, Some(DashError::Train(TrainError::Setting(s)))) => Some(s),
            _ => None,
        }
    });
    match setting {
        Some(s) => match &s.value {
            Some(value) => format!("{} {value}: {}", nn_tui::flag(s.setting), s.problem),
            None => format!("{}: {}", nn_tui::flag(s.setting), s.problem),
        },
        None => with_causes(e),
    }
}

/// The error and its causes, joined by ": " as anyhow's `{:#}` does, but without a cause
/// the message before it already quotes (errors that print their source, such as a run
/// folder's `path: what the system said`, would otherwise say it twice).
fn with_causes(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let cause = cause.to_string();
        if text.is_empty() {
            text = cause;
        } else if !text.ends_with(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `nn-tui watch`: the dashboard on recorded runs, read-only.
fn watch(args: &WatchArgs) -> Result<Outcome> {
    if !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "watch needs a terminal (stdout is not a TTY); without one, `nn-tui runs --json` \
             gives each run's status and best score, and events.jsonl is plain JSON lines"
        );
    }
    let v = &args.view;
    if let [dir] = args.dirs.as_slice()
        && nn_dash::is_sweep_dir(dir)
    {
        nn_dash::watch_sweep(dir, v.plot.into(), !v.no_mouse, v.fps)?;
        return Ok(Outcome::Done);
    }
    for dir in &args.dirs {
        if nn_dash::is_sweep_dir(dir) {
            anyhow::bail!(
                "{}: a sweep directory; watch it alone (nn-tui watch {0}) to see its trials ranked",
                dir.display()
            );
        }
        if !dir.join(nn_run::RUN_INFO_FILE).is_file() {
            anyhow::bail!(
                "{}: not a run directory (no run.json) nor a sweep's (no sweep.json); nn-tui runs lists them",
                dir.display()
            );
        }
    }
    match args.dirs.as_slice() {
        [dir] => nn_dash::watch(dir, v.plot.into(), !v.no_mouse, v.fps)?,
        dirs => nn_dash::compare(dirs, v.plot.into(), v.fps)?,
    }
    Ok(Outcome::Done)
}

/// The dashboard on the flags as `train` reads them, or on a state line; nn-dash
/// fills in the rest (the run lasts until the user quits unless --epochs is
/// given). On quitting, the run's state line is printed as the command that
/// recreates it.
fn dash(args: &DashArgs) -> Result<Outcome> {
    // Checked first so that a pipe fails at once, before any data is loaded.
    if !std::io::stdout().is_terminal() {
        return Err(nn_dash::DashError::NotATerminal.into());
    }
    let base = args.run.base(TrainRequest {
        checkpoint_dir: args.checkpoint_dir.clone(),
        ..TrainRequest::default()
    });
    let mut options = if let Some(text) = &args.state {
        let mut imported = StateLine::read(text).context("--state")?;
        // The flags a line does not hold (epochs, schedule, --speed, ...) apply
        // over it; the others conflict with --state.
        let (line, _, data_options) = args.run.run(None, Some(imported.line), base.clone());
        imported.line = line;
        let mut options = nn_dash::DashOptions::from_state(imported, &base).context("--state")?;
        options.data_options = data_options;
        options
    } else {
        let (_, request, data_options) = args.run.run(args.data.as_deref(), None, base);
        nn_dash::DashOptions::new(args.data.as_deref(), data_options, request)?
    };
    let view = &args.view;
    options.plot = view.plot.into();
    options.mouse = !view.no_mouse;
    options.fps = view.fps;
    if let Some(save) = &args.save {
        options.model_path.clone_from(save);
    }
    run_dir::check(&args.run_dir)?;
    options.run_dir = run_dir::folder(&args.run_dir, &options.data_spec, progress::say);
    let recorded = options.run_dir.clone();
    let notices = options.notices.clone();
    let line = nn_dash::run(options).inspect_err(|_| {
        // A new folder that the dashboard never got to write in goes again.
        if args.run_dir.run_dir.is_none()
            && let Some(dir) = &recorded
        {
            let _ = std::fs::remove_dir(dir);
        }
    })?;
    for notice in notices {
        progress::say(&format!("note: {notice}"));
    }
    if let Some(dir) = &recorded {
        progress::say(&format!(
            "the run is recorded in {0} (nn-tui watch {0})",
            dir.display()
        ));
    }
    // After a hang-up the terminal is gone: the line has nowhere to go, and the run
    // (saved for recovery) did not fail for it.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "nn-tui --state '{line}'").and_then(|()| out.flush());
    Ok(Outcome::Done)
}
