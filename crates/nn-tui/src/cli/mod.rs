//! The command line: the subcommands and their flags. By concern: `flags` the
//! flags of a run's settings, generated from nn-run's one table (no clap field
//! per setting); `run` the commands that define a run (train, dash, sweep,
//! data), which flatten them; `tools` the other commands' flags.

mod flags;
mod run;
mod tools;

pub use flags::{
    DashSettings, DataSettings, Selection, SettingFlags, SweepSettings, TrainSettings, flag,
};
pub use run::{DashArgs, DataArgs, DataCommandArgs, RunArgs, RunDirArgs, SweepArgs, TrainArgs};
pub use tools::{
    CompletionsArgs, EvalArgs, ExplainArgs, ExportArgs, InfoArgs, LearnArgs, ModelArgs, PlotArg,
    PlotArgs, PlotKind, PredictArgs, PredictFormat, ReplayArgs, RunsArgs, ViewArgs, WatchArgs,
};

use clap::{Parser, Subcommand};
use nn_run::Purpose;

const ABOUT: &str =
    "Train, evaluate and run small neural networks, or watch one learn in the terminal dashboard.";

const AFTER_HELP: &str = "\
Examples:
  nn-tui                                   the dashboard on the default 2-D data set
  nn-tui --state '#activation=relu&dataset=xor&networkShape=4'    a TensorFlow Playground URL
  nn-tui train --data moons --save m.safetensors
  nn-tui runs                              the runs written under runs/, with their status
  nn-tui watch runs/spiral-20260101-120000 a run another process trains, live (read-only)
  nn-tui watch runs/spiral-sweep           a sweep's trials ranked live; Enter opens one
  nn-tui eval --model m.safetensors --data moons
  nn-tui explain --model m.safetensors --input 'x1=0.5,x2=-1' --target 1
  nn-tui train --data mnist --layers 784,100,10 --activation sigmoid --output sigmoid \\
               --loss seed --optimizer sgd --lr 3.0 --batch 32 --epochs 10

Exit status: 0 ok, 1 the run failed, 2 bad command line, 130 interrupted (Ctrl-C).";

/// `nn-tui`: one binary, a few commands; with no command it opens the dashboard.
#[derive(Debug, Parser)]
#[command(name = "nn-tui", version, about = ABOUT, after_help = AFTER_HELP)]
#[command(args_conflicts_with_subcommands = true, allow_negative_numbers = true)]
pub struct Cli {
    /// What to do; the dashboard when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Dashboard flags, when no command is given.
    #[command(flatten)]
    pub dash: DashArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Watch a network learn in the terminal dashboard (the default command).
    #[command(after_help = dash_after_help(), allow_negative_numbers = true)]
    Dash(Box<DashArgs>),
    /// Train a network headless, with progress bars (or plain lines when stderr is not a terminal).
    #[command(after_help = train_after_help(), allow_negative_numbers = true)]
    Train(Box<TrainArgs>),
    /// Evaluate a saved model on a data set's test split: loss, accuracy, confusion matrix.
    #[command(allow_negative_numbers = true)]
    Eval(EvalArgs),
    /// Run a saved model on a CSV file of features and write its predictions as CSV.
    Predict(PredictArgs),
    /// Describe a saved model: layers, parameters, activations, normalisation, classes.
    Info(InfoArgs),
    /// Show one sample's backpropagation through a saved model, every neuron layer by layer,
    /// in the seed's terms: inputs o_in (the bias as -1), weights, z, o, d, δ and Δw = r·o_in·δ.
    #[command(after_help = EXPLAIN_AFTER_HELP)]
    Explain(ExplainArgs),
    /// Write a saved model as an ONNX graph (opset 17) that computes what predict computes.
    #[command(after_help = EXPORT_AFTER_HELP)]
    Export(ExportArgs),
    /// Print a shell completion script (see the README for where each shell reads it).
    #[command(after_help = COMPLETIONS_AFTER_HELP)]
    Completions(CompletionsArgs),
    /// Train many runs at once, on every core, over a grid or a random search of settings,
    /// and rank them on a validation split (or K folds): the winner's state line, its test
    /// score (the test set used once) and the command that trains it.
    #[command(after_help = SWEEP_AFTER_HELP, allow_negative_numbers = true)]
    Sweep(Box<SweepArgs>),
    /// List the run directories and sweeps under runs/: data set, network, status, best
    /// accuracy, age.
    Runs(RunsArgs),
    /// Watch a run that another process records, in the dashboard (read-only); several
    /// run directories are compared side by side; a sweep directory shows its trials ranked.
    Watch(WatchArgs),
    /// Draw a model or a run as a picture (PNG or SVG): its decision boundary, its network,
    /// or the loss and accuracy curves of one run or several.
    #[command(after_help = PLOT_AFTER_HELP)]
    Plot(PlotArgs),
    /// Write a data set as CSV with a split column: a generator, a formula, a CSV file,
    /// mnist, as train, eval and the dashboard would load and split it.
    #[command(after_help = DATA_AFTER_HELP, allow_negative_numbers = true)]
    Data(Box<DataCommandArgs>),
    /// Replay a recorded run as an animated GIF: the decision boundary and the network at each
    /// snapshot the run directory kept (epochs on a log scale), with the epoch, loss and
    /// accuracy on each frame.
    #[command(after_help = REPLAY_AFTER_HELP)]
    Replay(ReplayArgs),
    /// Lessons: the seed's backpropagation taught in the dashboard one idea at a time, each
    /// with a preset run and a goal checked live. With no lesson named, lists them and which
    /// are done.
    #[command(after_help = LEARN_AFTER_HELP)]
    Learn(LearnArgs),
}

const SWEEP_AFTER_HELP: &str = "\
Examples:
  nn-tui sweep --data spiral --epochs 100 --grid lr=0.003,0.01,0.03 --grid hidden=8:8,16 \\
      --grid activation=relu,tanh --seeds 3
  nn-tui sweep --state 'nn-tui/1 data=xor ...' --random 60 lr=log:1e-4..1 batch=8..64 l2=0,0.001
  nn-tui sweep --data datasets/iris.csv --folds 5 --grid lr=0.01,0.03 --grid hidden=4,8
  nn-tui sweep --resume runs/spiral-20260101-120000     finish a sweep that was stopped

An axis is a state-line key (nn-tui train --help lists the settings) and its values: a
grid's comma-separated list (':' inside a value is the line's ',': hidden=8:8,16 is two
shapes), or for --random a range lo..hi, log:lo..hi, or a list to pick from. Each trial is
the base run with its axes set; nn-tui train --state '<its line>' --epochs N trains it
alone, to the same bits. Trials rank by their best validation epoch: a validation split of
the training data (--val-split, 0.2 unless given), or the mean over --folds K folds. The
test split is used once, on the winner. Small networks run one trial per core; wider ones
get several threads each (as many as a step can use) and fewer run at once.";

const LEARN_AFTER_HELP: &str = "\
Examples:
  nn-tui learn                      the lessons, and which you have done
  nn-tui learn 3                    lesson 3 (or by name: nn-tui learn output-delta)
  nn-tui learn --file course.toml   a teacher's lessons (the format is in the README)
  nn-tui learn --reset              forget which lessons are done

In a lesson, H shows a hint and, once the goal is met, N opens the next lesson.
Progress is kept in $XDG_DATA_HOME/nn-tui/lessons.json (~/.local/share by default).";

const DATA_AFTER_HELP: &str = "\
Examples:
  nn-tui data --data spiral --noise 0.2 --samples 500 --out spiral.csv
  nn-tui data --data 'formula:x1*x2 > 0' --noise 0.05 --out rule.csv
  nn-tui data --data spiral --features x1,x2,x1x2 --out - | head

Columns: the features (with --features, the computed ones), the target (label or y), and
split: train, validation or test, the part each row falls in for these flags and --seed.
Rows are written train first, then validation, then test. Loading the file back leaves the
split column out of the features (and splits by --seed again). The file is written
atomically.";

const REPLAY_AFTER_HELP: &str = "\
Examples:
  nn-tui replay runs/spiral-20260101-120000 --out spiral.gif
  nn-tui replay runs/spiral-20260101-120000 --out spiral.gif --fps 4 --size 720x360

A run directory keeps at most 100 snapshots, at epochs each a quarter past the last
(0, 1, 2, 3, 4, 5, 7, 9, 12, ...), in its snapshots/ folder. A sweep's trial keeps its
weights at its end only (its model.safetensors, no snapshots/): its replay is one frame.";

const PLOT_AFTER_HELP: &str = "\
Examples:
  nn-tui plot m.safetensors --out boundary.png        the decision boundary over the plane
  nn-tui plot runs/gauss-20260101-120000 --out boundary.svg --discretize
  nn-tui plot runs/spiral-20260101-120000 --kind network --out network.png
  nn-tui plot runs/a runs/b --kind curves --out curves.svg    runs overlaid, labelled by what differs

The format is the --out file's extension: .png or .svg. Text uses an embedded font, so a
picture looks the same on any machine.";

const EXPLAIN_AFTER_HELP: &str = "\
Examples:
  nn-tui explain --model m.safetensors --input 'x1=0.5,x2=-1' --target 1
  nn-tui explain --model m.safetensors --input=0.5,-1 --target 1 --lr 0.03 --json";

const EXPORT_AFTER_HELP: &str = "\
The graph takes one float input, features [batch, columns], the raw columns in the model's
order (nn-tui info lists them), and applies the model's input features (x1^2, sinx1, ...),
its normalisation, every layer (Gemm) with its activation and the output activation. Its one output is probabilities [batch,
outputs] for a classifier with a softmax or sigmoid output, values for a regression, scores
otherwise; feature and class names are in the model's metadata. Runs in ONNX Runtime 1.12
or later, among others.";

const COMPLETIONS_AFTER_HELP: &str = "\
Install, for example:
  bash  nn-tui completions bash > ~/.local/share/bash-completion/completions/nn-tui
  zsh   nn-tui completions zsh > ~/.zfunc/_nn-tui   (with fpath+=(~/.zfunc) before compinit)
  fish  nn-tui completions fish > ~/.config/fish/completions/nn-tui.fish";

/// `train --help`'s closing text: the defaults, read from nn-run's one table.
fn train_after_help() -> String {
    format!(
        "{}\n\n\
Ctrl-C stops between two mini-batches: the checkpoint is written (to --checkpoint-dir, or
else as nn-tui-interrupted.safetensors next to --save, or in the current folder), the
summary is printed, the model saved if --save was given, and the exit status is 130. A
second Ctrl-C exits at once. Continue with --resume CHECKPOINT and the same data flags.",
        defaults_text(Purpose::Headless)
    )
}

/// `dash --help`'s closing text: the dashboard's defaults.
fn dash_after_help() -> String {
    defaults_text(Purpose::Dashboard)
}

/// The defaults of one purpose, in words, for `--help`.
fn defaults_text(purpose: Purpose) -> String {
    let describe = |inputs: usize| {
        let d = nn_run::defaults(purpose, inputs);
        let hidden: Vec<String> = d.hidden.iter().map(ToString::to_string).collect();
        let epochs = d
            .epochs
            .map_or_else(|| "until stopped".to_string(), |e| format!("{e} epochs"));
        let epochs = match (purpose, d.pace) {
            (Purpose::Dashboard, nn_run::Pace::Max) => format!("{epochs} at full speed"),
            (Purpose::Dashboard, pace) => format!("{epochs} at {pace} epochs/s"),
            (Purpose::Headless, _) => epochs,
        };
        format!(
            "hidden {} {}, {}, lr {}, batch {}, {epochs}; with --optimizer: sgd lr {}, \
             momentum/nesterov {}, adam/adamw {}",
            hidden.join(","),
            d.activation,
            d.optimizer.name(),
            d.rates.of(d.optimizer),
            d.batch_size,
            d.rates.sgd,
            d.rates.momentum,
            d.rates.adam,
        )
    };
    format!(
        "Defaults depend on the data. Small inputs (at most {} features, e.g. the 2-D \
         generators): {}. Wider inputs (e.g. mnist): {}. Classification uses a softmax output \
         with cross-entropy (a sigmoid, tanh, relu or linear --output: the seed's loss), \
         regression a linear output with mse. Any flag you give wins.",
        nn_run::SMALL_INPUTS,
        describe(2),
        describe(nn_run::SMALL_INPUTS + 1),
    )
}

#[cfg(test)]
mod tests;
