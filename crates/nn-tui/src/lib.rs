//! The `nn-tui` command line as clap defines it: every command, flag and help text.
//! The binary parses with it; `nn-tui completions` and `cargo xtask-man` generate shell
//! completions and manual pages from the same definition, so they cannot drift apart.

mod cli;

pub use cli::{
    Cli, Command, CompletionsArgs, DashArgs, DataArgs, DataCommandArgs, EvalArgs, ExplainArgs,
    ExportArgs, HiddenActivation, InfoArgs, LearnArgs, LossArg, ModelArgs, NetworkArgs,
    OutputActivation, PlotArg, PlotArgs, PlotKind, PredictArgs, PredictFormat, ReplayArgs,
    RunDirArgs, RunsArgs, ScheduleArg, SweepArgs, TrainArgs, TrainingArgs, WatchArgs, flag,
};

/// The program's name, as completions and manual pages call it.
pub const NAME: &str = "nn-tui";

/// The whole command line, for generators (completions, manual pages).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
