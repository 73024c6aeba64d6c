//! The `nn-tui` command line as clap defines it: every command, flag and help text.
//! The binary parses with it; `nn-tui completions` and `cargo xtask-man` generate shell
//! completions and manual pages from the same definition, so they cannot drift apart.

mod cli;

pub use cli::{
    Cli, Command, CompletionsArgs, DashArgs, DashSettings, DataArgs, DataCommandArgs, DataSettings,
    EvalArgs, ExplainArgs, ExportArgs, InfoArgs, LearnArgs, ModelArgs, PlotArg, PlotArgs, PlotKind,
    PredictArgs, PredictFormat, ReplayArgs, RunArgs, RunDirArgs, RunsArgs, Selection, SettingFlags,
    SweepArgs, SweepSettings, TrainArgs, TrainSettings, ViewArgs, WatchArgs, flag,
};

/// The program's name, as completions and manual pages call it.
pub const NAME: &str = "nn-tui";

/// The whole command line, for generators (completions, manual pages).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
