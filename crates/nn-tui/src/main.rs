//! `nn-tui`: the command line. Parses flags with clap and wires nn-data,
//! nn-train and nn-dash together; the work itself lives in those crates.
//!
//! Exit status: 0 ok, 1 the run failed, 2 a usage error (clap's), 130
//! interrupted by Ctrl-C. Every error is one line on stderr; a closed pipe on
//! stdout (`nn-tui predict ... | head`) is not an error.

mod cli;
mod model;
mod predict;
mod progress;
mod setup;
mod train;

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use clap::error::ErrorKind;

use cli::{Cli, Command, DashArgs};

/// How a command ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Finished its work.
    Done,
    /// Stopped by Ctrl-C (exit status 130).
    Interrupted,
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
    };
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Interrupted) => ExitCode::from(130),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
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
    eprintln!("{line} (see --help)");
    ExitCode::from(2)
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

/// The dashboard: with no flags its built-in start, else the flags as `train` reads them
/// (the run lasts until the user quits unless --epochs is given).
fn dash(args: &DashArgs) -> Result<Outcome> {
    // Checked here too so that a pipe fails at once, before any data is loaded.
    if !std::io::stdout().is_terminal() {
        return Err(nn_dash::DashError::NotATerminal.into());
    }
    setup::check_training(&args.training)?;
    let data_options = setup::data_options(&args.data_args, args.training.early_stop.is_some())?;
    let t = &args.training;
    let bare = args.network.hidden.is_none()
        && args.network.layers.is_none()
        && args.network.activation.is_none()
        && args.network.output.is_none()
        && args.network.loss.is_none();
    let options = if args.data.is_none()
        && bare
        && t.optimizer.is_none()
        && t.lr.is_none()
        && t.batch.is_none()
        && t.epochs.is_none()
    {
        // No data or network flags: the dashboard's own start (data set, network, rate, batch),
        // with the data, seed and thread flags the user did give.
        let mut options = nn_dash::DashOptions::default_start();
        options.data_options = data_options;
        options.config.seed = args.data_args.seed;
        options.config.threads = t.threads;
        options
    } else {
        let data_spec = args
            .data
            .clone()
            .unwrap_or_else(|| nn_dash::DashOptions::default_start().data_spec.name());
        let (spec, data) = setup::load(&data_spec, &data_options)?;
        let small = setup::is_small(data.train.dim());
        let network = if bare && small {
            // A small network whose regions are easy to watch form.
            cli::NetworkArgs {
                hidden: Some(vec![8, 8]),
                activation: Some(cli::HiddenActivation::Tanh),
                ..args.network.clone()
            }
        } else {
            args.network.clone()
        };
        let arch = setup::architecture(&network, &data)?;
        let config = setup::config(arch, &args.training, args.data_args.seed, small, usize::MAX);
        nn_dash::DashOptions {
            data_spec: spec,
            data_options,
            config,
            ..nn_dash::DashOptions::default_start()
        }
    };
    let mut options = options;
    options
        .config
        .checkpoint_dir
        .clone_from(&args.checkpoint_dir);
    options.checkpoint_dir.clone_from(&args.checkpoint_dir);
    options.plot = args.plot.into();
    if let Some(save) = &args.save {
        options.model_path.clone_from(save);
    }
    nn_dash::run(options)?;
    Ok(Outcome::Done)
}
