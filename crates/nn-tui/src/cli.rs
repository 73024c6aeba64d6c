//! The command line: clap derive structs, grouped as the crates see them
//! (data, network, training), and the subcommands that combine them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use nn_core::{Activation, Loss, ModelAssumptions};
use nn_run::{DataOptions, OptimizerChoice, Purpose, ScheduleChoice, TrainRequest};
use nn_train::Setting;

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
(0, 1, 2, 3, 4, 5, 7, 9, 12, ...), in its snapshots/ folder.";

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

/// `train --help`'s closing text: the defaults, read from nn-train's one table.
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

/// The flag that sets `setting` (from nn-train's table of settings, [`nn_run::SETTINGS`]).
pub fn flag(setting: Setting) -> &'static str {
    nn_run::flag_of(setting)
}

/// The help text of `setting`, from the table of settings.
fn help(setting: Setting) -> &'static str {
    nn_run::help(setting)
}

/// The help text of `setting` and its fixed default, for a flag clap shows no default for.
fn help_and_default(setting: Setting) -> String {
    let default = nn_run::row(setting)
        .default_for(Purpose::Headless, 2)
        .expect("a fixed default");
    format!("{} [default: {default}]", help(setting))
}

fn parse_speed(text: &str) -> Result<nn_run::Pace, String> {
    text.parse().map_err(|e: nn_train::SettingError| e.problem)
}

fn parse_features(list: &str) -> Result<nn_data::Features, String> {
    list.parse::<nn_data::Features>().map_err(|e| match e {
        nn_data::DataError::Features { problem, .. } => problem,
        e => e.to_string(),
    })
}

/// Where the data comes from and how it is split.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Data")]
pub struct DataArgs {
    /// Samples to generate (generators only).
    #[arg(long, value_name = "N", default_value_t = DataOptions::default().samples,
          help = help(Setting::Samples))]
    pub samples: usize,
    /// Generator noise.
    #[arg(long, value_name = "F", help = help(Setting::Noise))]
    pub noise: Option<f32>,
    /// Fraction held out for validation.
    #[arg(long = "val-split", value_name = "F", help = help(Setting::ValidationFraction))]
    pub val_split: Option<f32>,
    /// Fraction held out for testing.
    #[arg(long = "test-split", value_name = "F", help = help(Setting::TestFraction),
          default_value_t = DataOptions::default().test_fraction)]
    pub test_split: f32,
    /// CSV target column (default: `label`, else the last column).
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
    /// Seed for data generation, splits, initial weights and shuffling.
    #[arg(long, value_name = "N", help = help(Setting::Seed),
          default_value_t = DataOptions::default().seed)]
    pub seed: u64,
}

/// The network's shape.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Network")]
pub struct NetworkArgs {
    /// Input features computed from the columns x1 and x2 of 2-D data.
    #[arg(long, value_name = "LIST", value_parser = parse_features, help = help(Setting::Features))]
    pub features: Option<nn_data::Features>,
    /// Hidden layer sizes.
    #[arg(
        long,
        value_name = "SIZES",
        value_delimiter = ',',
        conflicts_with = "layers",
        help = help(Setting::Hidden)
    )]
    pub hidden: Option<Vec<usize>>,
    /// All layer sizes, inputs first.
    #[arg(long, value_name = "SIZES", value_delimiter = ',', help = help(Setting::Layers))]
    pub layers: Option<Vec<usize>>,
    /// Hidden-layer activation.
    #[arg(long, value_enum, value_name = "NAME", help = help(Setting::Activation))]
    pub activation: Option<HiddenActivation>,
    /// Output-layer activation.
    #[arg(long, value_enum, value_name = "NAME", help = help(Setting::Output))]
    pub output: Option<OutputActivation>,
    /// Loss.
    #[arg(long, value_enum, value_name = "NAME", help = help(Setting::Loss))]
    pub loss: Option<LossArg>,
}

/// How the network is trained.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Training")]
pub struct TrainingArgs {
    /// Update rule.
    #[arg(long, value_enum, value_name = "NAME", help = help(Setting::Optimizer))]
    pub optimizer: Option<OptimizerArg>,
    /// Learning rate.
    #[arg(long, value_name = "F", help = help(Setting::LearningRate))]
    pub lr: Option<f32>,
    /// Momentum for --optimizer momentum|nesterov.
    #[arg(long, value_name = "F", help = help_and_default(Setting::Momentum))]
    pub momentum: Option<f32>,
    /// Decoupled weight decay for --optimizer adamw.
    #[arg(long = "weight-decay", value_name = "F", help = help_and_default(Setting::WeightDecay))]
    pub weight_decay: Option<f32>,
    /// L1 penalty on all parameters.
    #[arg(long, value_name = "F", help = help(Setting::L1),
          default_value_t = TrainRequest::default().l1)]
    pub l1: f32,
    /// L2 penalty on all parameters.
    #[arg(long, value_name = "F", help = help(Setting::L2),
          default_value_t = TrainRequest::default().l2)]
    pub l2: f32,
    /// Clip the gradient's global norm to this value.
    #[arg(long, value_name = "F", help = help(Setting::Clip))]
    pub clip: Option<f32>,
    /// Learning-rate schedule.
    #[arg(long, value_enum, value_name = "NAME", default_value = "constant",
          help = help(Setting::Schedule))]
    pub schedule: ScheduleArg,
    /// Epochs between decays of --schedule step.
    #[arg(long = "step-every", value_name = "N", help = help(Setting::StepEvery))]
    pub step_every: Option<usize>,
    /// Factor per decay of --schedule step.
    #[arg(long = "step-factor", value_name = "F", help = help(Setting::StepFactor),
          default_value_t = TrainRequest::default().step_factor)]
    pub step_factor: f32,
    /// The fraction of the rate --schedule cosine ends at.
    #[arg(long = "min-lr-factor", value_name = "F", help = help(Setting::MinLrFactor),
          default_value_t = TrainRequest::default().min_lr_factor)]
    pub min_lr_factor: f32,
    /// Samples per mini-batch.
    #[arg(long, value_name = "N", help = help(Setting::BatchSize))]
    pub batch: Option<usize>,
    /// Take the training samples in the data set's order every epoch instead of a seeded
    /// shuffle (PyTorch's DataLoader(shuffle=False)).
    #[arg(long = "no-shuffle")]
    pub no_shuffle: bool,
    /// Epochs.
    #[arg(long, value_name = "N", help = help(Setting::Epochs))]
    pub epochs: Option<usize>,
    /// Worker threads; 0 = one per core (results are the same for any count).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Early-stopping patience.
    #[arg(long = "early-stop", value_name = "N", help = help(Setting::EarlyStop))]
    pub early_stop: Option<usize>,
}

/// The flags a state line defines, which `--state` therefore replaces.
const STATE_FIELDS: [&str; 20] = [
    "data",
    "samples",
    "noise",
    "val_split",
    "test_split",
    "seed",
    "features",
    "hidden",
    "layers",
    "activation",
    "output",
    "loss",
    "optimizer",
    "lr",
    "momentum",
    "weight_decay",
    "l1",
    "l2",
    "clip",
    "batch",
];

/// `nn-tui train`.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// Dataset: a generator (xor, circle, gauss, spiral, moons, blobs, spiral4, plane, reg-gauss, sine),
    /// a formula ('formula:x1*x2 > 0' classifies points of [-6, 6]² by a rule,
    /// 'formula:reg sin(x1)*cos(x2)' gives them values; --noise blurs them), mnist,
    /// a CSV file with a header row, - for a CSV file on stdin, or a folder of MNIST-format
    /// IDX files. Stdin is read once, to its end, so the splits are still seeded: the same
    /// rows and --seed give the same split as the file would.
    #[arg(long, value_name = "SPEC", required_unless_present = "state")]
    pub data: Option<String>,
    /// The run a state line (as the dashboard prints it) or a TensorFlow Playground URL
    /// defines: data, features, network, optimizer and seeds (its speed is the dashboard's).
    #[arg(long, value_name = "LINE", conflicts_with_all = STATE_FIELDS)]
    pub state: Option<String>,
    /// How the data is generated and split.
    #[command(flatten)]
    pub data_args: DataArgs,
    /// The network's shape.
    #[command(flatten)]
    pub network: NetworkArgs,
    /// How the network is trained.
    #[command(flatten)]
    pub training: TrainingArgs,
    /// Save the trained model (safetensors) here.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub save: Option<PathBuf>,
    /// Write a checkpoint (checkpoint.safetensors) into this folder every --checkpoint-every
    /// epochs and when interrupted.
    #[arg(long = "checkpoint-dir", value_name = "DIR", help_heading = "Output")]
    pub checkpoint_dir: Option<PathBuf>,
    /// Epochs between checkpoints.
    #[arg(
        long = "checkpoint-every",
        value_name = "N",
        default_value_t = TrainRequest::default().checkpoint_every,
        help = help(Setting::CheckpointEvery),
        help_heading = "Output"
    )]
    pub checkpoint_every: usize,
    /// Continue the run stored in this checkpoint (network, optimizer and schedule come from
    /// it; give the same data flags; --epochs sets the total to reach).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub resume: Option<PathBuf>,
    /// Write one CSV row per epoch (epoch, train_loss, train_acc, val_loss, val_acc,
    /// test_loss, test_acc, lr, seconds) at the end of the run: every epoch since the
    /// start, across resumes (at most the latest 10,000).
    #[arg(long = "metrics-out", value_name = "FILE", help_heading = "Output")]
    pub metrics_out: Option<PathBuf>,
    /// Print one JSON object with the final metrics on stdout (progress stays on stderr).
    #[arg(long, help_heading = "Output")]
    pub json: bool,
    /// Where the run is recorded (--run-dir, --no-run-dir).
    #[command(flatten)]
    pub run_dir: RunDirArgs,
}

/// `nn-tui sweep`.
#[derive(Debug, Clone, Args)]
pub struct SweepArgs {
    /// Dataset of the base run (as for train).
    #[arg(long, value_name = "SPEC", required_unless_present_any = ["state", "resume"])]
    pub data: Option<String>,
    /// The base run as a state line (or a TensorFlow Playground URL), instead of flags.
    #[arg(long, value_name = "LINE", conflicts_with_all = STATE_FIELDS)]
    pub state: Option<String>,
    /// How the data is generated and split.
    #[command(flatten)]
    pub data_args: DataArgs,
    /// The network's shape.
    #[command(flatten)]
    pub network: NetworkArgs,
    /// How the network is trained.
    #[command(flatten)]
    pub training: TrainingArgs,
    /// A grid axis: a setting and its values, e.g. lr=0.003,0.01,0.03 or hidden=8:8,16
    /// (repeat for more axes; trials are their product).
    #[arg(long = "grid", value_name = "KEY=V1,V2", help_heading = "Sweep")]
    pub grid: Vec<String>,
    /// A random search: N configurations, each axis drawn as given (lr=log:1e-4..1,
    /// batch=8..64, activation=relu,tanh), e.g. --random 60 lr=log:1e-4..1 l2=0..0.01.
    #[arg(long, num_args = 2.., value_names = ["N", "KEY=RANGE"], help_heading = "Sweep")]
    pub random: Option<Vec<String>>,
    /// Repeats of each configuration, with training seeds --seed, --seed + 1, ...
    #[arg(long, value_name = "K", default_value_t = 1, help_heading = "Sweep",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub seeds: u32,
    /// K-fold cross-validation on the training part instead of a validation split
    /// (seeded by --seed): each trial trains K times.
    #[arg(long, value_name = "K", help_heading = "Sweep", conflicts_with = "val_split",
          value_parser = clap::value_parser!(u32).range(2..=100))]
    pub folds: Option<u32>,
    /// Successive halving: every configuration trains --epochs / eta^k epochs, the best
    /// 1/eta go on, and so on up to --epochs.
    #[arg(long, help_heading = "Sweep")]
    pub halving: bool,
    /// Halving's factor: the share kept at each rung is 1/eta.
    #[arg(long, value_name = "N", default_value_t = 3, requires = "halving", help_heading = "Sweep",
          value_parser = clap::value_parser!(u32).range(2..=100))]
    pub eta: u32,
    /// Cores to use [default: all].
    #[arg(long, value_name = "N", help_heading = "Sweep",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub cores: Option<u32>,
    /// The sweep directory [default: a new folder runs/DATA-TIME].
    #[arg(
        long,
        value_name = "DIR",
        help_heading = "Output",
        conflicts_with = "resume"
    )]
    pub dir: Option<PathBuf>,
    /// Finish the sweep in this directory: the trials without a result run, the others
    /// are kept (its sweep.json says what it is; give no other sweep flags).
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub resume: Option<PathBuf>,
    /// Print one JSON object with the standings and the winner on stdout.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}

/// Where a run is recorded as it goes.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output")]
pub struct RunDirArgs {
    /// Record the run in this folder as it goes: run.json, events.jsonl, the latest weights
    /// and the final model (see `nn-tui runs`). By default a new folder runs/DATA-TIME:
    /// the data set's name and the UTC time, e.g. runs/spiral-20260101-120000.
    #[arg(long = "run-dir", value_name = "DIR", conflicts_with = "no_run_dir")]
    pub run_dir: Option<PathBuf>,
    /// Record nothing.
    #[arg(long = "no-run-dir")]
    pub no_run_dir: bool,
}

/// `nn-tui data`.
#[derive(Debug, Clone, Args)]
pub struct DataCommandArgs {
    /// Dataset, as for train: a generator, a formula ('formula:x1*x2 > 0'), mnist, a CSV file,
    /// - for a CSV file on stdin, or a folder of MNIST-format IDX files.
    #[arg(long, value_name = "SPEC")]
    pub data: String,
    /// How the data is generated and split.
    #[command(flatten)]
    pub data_args: DataArgs,
    /// Input features computed from the columns x1 and x2 of 2-D data, written instead of them.
    #[arg(long, value_name = "LIST", value_parser = parse_features, help = help(Setting::Features))]
    pub features: Option<nn_data::Features>,
    /// The CSV file to write, or - for standard output.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// `nn-tui dash` (and `nn-tui` alone).
#[derive(Debug, Clone, Args)]
pub struct DashArgs {
    /// Dataset (as for train) [default: the dashboard's built-in 2-D data set].
    #[arg(long, value_name = "SPEC")]
    pub data: Option<String>,
    /// Recreate a run: a state line (c shows it in the dashboard, quitting prints it) or a
    /// TensorFlow Playground URL (or its #... part), whose fields are mapped as far as they go.
    #[arg(long, value_name = "LINE", conflicts_with_all = STATE_FIELDS)]
    pub state: Option<String>,
    /// Epochs per second.
    #[arg(long, value_name = "SPEED", value_parser = parse_speed, help = help(Setting::Speed))]
    pub speed: Option<nn_run::Pace>,
    /// Ignore the mouse (so the terminal can select text as usual).
    #[arg(long = "no-mouse")]
    pub no_mouse: bool,
    /// At most N frames a second; fewer, on their own, when the link is slower (the status
    /// line then says `slow link: N fps`).
    #[arg(long, value_name = "N", default_value_t = nn_dash::DEFAULT_FPS,
          value_parser = clap::value_parser!(u32).range(1..=60))]
    pub fps: u32,
    /// How the data is generated and split.
    #[command(flatten)]
    pub data_args: DataArgs,
    /// The network's shape.
    #[command(flatten)]
    pub network: NetworkArgs,
    /// How the network is trained.
    #[command(flatten)]
    pub training: TrainingArgs,
    /// How plots are drawn: braille dots, blocks, or plain ASCII for any font.
    #[arg(
        long,
        value_enum,
        value_name = "MODE",
        default_value = "braille",
        help_heading = "Output"
    )]
    pub plot: PlotArg,
    /// Where the dashboard's save key writes the model.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub save: Option<PathBuf>,
    /// Where checkpoints go (on request and on SIGHUP/SIGTERM).
    #[arg(long = "checkpoint-dir", value_name = "DIR", help_heading = "Output")]
    pub checkpoint_dir: Option<PathBuf>,
    /// Where the run is recorded (--run-dir, --no-run-dir).
    #[command(flatten)]
    pub run_dir: RunDirArgs,
}

/// A model file, and how to read one that has no nn-tui metadata.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// The model file (safetensors, as `train --save` writes it).
    #[arg(long = "model", value_name = "FILE")]
    pub path: PathBuf,
    /// Read a safetensors file without nn-tui metadata (e.g. a PyTorch state dict of
    /// nn.Linear layers) as this network: hidden activation, output activation and loss,
    /// e.g. relu,softmax,ce; with raw inputs (no normalisation) and no names.
    #[arg(long, value_name = "HIDDEN,OUTPUT,LOSS", value_parser = parse_assumptions)]
    pub assume: Option<ModelAssumptions>,
}

fn parse_assumptions(text: &str) -> Result<ModelAssumptions, String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [hidden, output, loss] = parts[..] else {
        return Err("expected three names: HIDDEN,OUTPUT,LOSS, e.g. relu,softmax,ce".into());
    };
    let activation = |name: &str| {
        Activation::from_name(name).ok_or_else(|| {
            format!("{name:?} is not an activation (sigmoid, tanh, relu, linear, softmax)")
        })
    };
    let loss = Loss::from_name(loss)
        .ok_or_else(|| format!("{loss:?} is not a loss (mse, seed, ce, bce)"))?;
    Ok(ModelAssumptions {
        hidden: activation(hidden)?,
        output: activation(output)?,
        loss,
    })
}

/// `nn-tui eval`.
#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// The model file, and how to read one without nn-tui metadata.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Dataset (as for train); evaluated on its test split (give the --seed and --test-split
    /// the model was trained with), or on all of it with --test-split 0. mnist: its test set.
    #[arg(long, value_name = "SPEC")]
    pub data: String,
    /// How the data is generated and split.
    #[command(flatten)]
    pub data_args: DataArgs,
    /// Worker threads; 0 = one per core.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Print one JSON object on stdout instead of the tables.
    #[arg(long)]
    pub json: bool,
}

/// `nn-tui predict`.
#[derive(Debug, Clone, Args)]
pub struct PredictArgs {
    /// The model file, and how to read one without nn-tui metadata.
    #[command(flatten)]
    pub model: ModelArgs,
    /// CSV of features with a header row (- reads stdin), read in chunks of rows, so any size
    /// fits in a few MB; columns are matched by the model's feature names, and a `label` (or
    /// --target) column is ignored.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Write the predictions here (atomically, as they are made); - or no --output writes
    /// them to stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// A target column to ignore besides `label`.
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
    /// Input columns copied before the predictions: names separated by commas, `all` (every
    /// column, in the file's order) or `none` [default: the input's `id` and label columns,
    /// those it has].
    #[arg(long, value_name = "COLS")]
    pub columns: Option<String>,
    /// Write every class's probability, in a column named by the class, after the class.
    #[arg(long)]
    pub proba: bool,
    /// Output format: csv; jsonl (one JSON object per row, keys as csv's columns); npy (the
    /// predictions as one NumPy array: class indices, or with --proba the probabilities
    /// [rows, classes]; a regression's outputs [rows, outputs]; no input columns).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = PredictFormat::Csv)]
    pub format: PredictFormat,
}

/// `nn-tui predict --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PredictFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
    /// A NumPy `.npy` array.
    Npy,
}

/// `nn-tui explain`.
#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// The model file, and how to read one without nn-tui metadata.
    #[command(flatten)]
    pub model: ModelArgs,
    /// The sample's raw features, by the model's feature names (x1=0.5,x2=-1) or in order
    /// (0.5,-1); normalised as in training, as predict does.
    #[arg(long, value_name = "FEATURES", allow_hyphen_values = true)]
    pub input: String,
    /// The desired output: a class name or index (classifiers), else one value per output.
    #[arg(long, value_name = "TARGET", allow_hyphen_values = true)]
    pub target: String,
    /// The learning rate r in Δw = r·o_in·δ [default: train's plain-SGD rate for the model].
    #[arg(long, value_name = "F")]
    pub lr: Option<f32>,
    /// Print one JSON object on stdout instead of the text.
    #[arg(long)]
    pub json: bool,
}

/// `nn-tui export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The model file, and how to read one without nn-tui metadata.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Write the ONNX graph here (atomically).
    #[arg(long, value_name = "FILE")]
    pub onnx: PathBuf,
}

/// `nn-tui completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `nn-tui info`.
#[derive(Debug, Clone, Args)]
pub struct InfoArgs {
    /// The model file, and how to read one without nn-tui metadata.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `nn-tui runs`.
#[derive(Debug, Clone, Args)]
pub struct RunsArgs {
    /// The folder holding the run directories.
    #[arg(value_name = "DIR", default_value = "runs")]
    pub root: PathBuf,
    /// Print one JSON array on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `nn-tui watch`.
#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// Run directories (`nn-tui runs` lists them); with two or more, their curves side by
    /// side; or one sweep directory: its trials ranked in a live table.
    #[arg(value_name = "DIR", required = true, num_args = 1..)]
    pub dirs: Vec<PathBuf>,
    /// How plots are drawn: braille dots, blocks, or plain ASCII for any font.
    #[arg(long, value_enum, value_name = "MODE", default_value = "braille")]
    pub plot: PlotArg,
    /// Ignore the mouse (lets the terminal select text).
    #[arg(long = "no-mouse")]
    pub no_mouse: bool,
    /// At most N frames a second; fewer, on their own, when the link is slower.
    #[arg(long, value_name = "N", default_value_t = nn_dash::DEFAULT_FPS,
          value_parser = clap::value_parser!(u32).range(1..=60))]
    pub fps: u32,
}

/// `nn-tui plot`.
#[derive(Debug, Clone, Args)]
pub struct PlotArgs {
    /// Model files or run directories (several: their curves overlaid), or one sweep
    /// directory (made by `nn-tui sweep`).
    #[arg(value_name = "MODEL_OR_RUNDIR", required = true, num_args = 1..)]
    pub sources: Vec<PathBuf>,
    /// Write the picture here (atomically); its extension picks the format: .png or .svg.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// What to draw; the boundary for one source (the digits for a model of images), the
    /// curves for several, the marginals for a sweep (curves: its top trials').
    #[arg(long, value_enum, value_name = "KIND")]
    pub kind: Option<PlotKind>,
    /// The picture's size in pixels, WIDTHxHEIGHT (default 800x800; network 1000x600; curves 900x500; digits 1000x560; marginals 320x300 a panel).
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub size: Option<(u32, u32)>,
    /// Show hard classes (or signs) instead of shades of confidence, as the dashboard's `d` key.
    #[arg(long)]
    pub discretize: bool,
}

/// `nn-tui learn`.
#[derive(Debug, Clone, Args)]
pub struct LearnArgs {
    /// The lesson to open: its number or its name (e.g. 3 or output-delta); none: list them.
    #[arg(value_name = "LESSON")]
    pub lesson: Option<String>,
    /// Lessons from this TOML file instead of the built-in ones.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Forget which lessons are done (of every course), then list or open as asked.
    #[arg(long)]
    pub reset: bool,
    /// How plots are drawn: braille dots, blocks, or plain ASCII for any font.
    #[arg(long, value_enum, value_name = "MODE", default_value = "braille")]
    pub plot: PlotArg,
    /// Ignore the mouse (lets the terminal select text).
    #[arg(long = "no-mouse")]
    pub no_mouse: bool,
    /// At most N frames a second; fewer, on their own, when the link is slower.
    #[arg(long, value_name = "N", default_value_t = nn_dash::DEFAULT_FPS,
          value_parser = clap::value_parser!(u32).range(1..=60))]
    pub fps: u32,
}

/// `nn-tui replay`.
#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// The run directory (`nn-tui runs` lists them).
    #[arg(value_name = "RUN")]
    pub run: PathBuf,
    /// Write the animated GIF here (atomically); the name must end in .gif.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Frames per second.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub fps: u32,
    /// The frames' size in pixels, WIDTHxHEIGHT: the boundary and the network side by side (one above the other in a tall frame).
    #[arg(long, value_name = "WxH", value_parser = parse_size, default_value = "960x480")]
    pub size: (u32, u32),
    /// Show hard classes instead of shades of confidence.
    #[arg(long)]
    pub discretize: bool,
}

/// What `nn-tui plot` draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlotKind {
    /// The decision boundary (or a regression's output) over the input plane, with the data.
    Boundary,
    /// The network: a small heatmap per node, connections by sign and size.
    Network,
    /// Loss and accuracy over epochs, from the runs' events.jsonl.
    Curves,
    /// For images (MNIST): held-out digits with their predictions, the misclassified
    /// marked, and the confusion matrix.
    Digits,
    /// For a sweep: per axis, each value's best validation scores over its trials
    /// (min to max, and their mean).
    Marginals,
}

/// `800x600` as `(800, 600)`.
pub fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let bad = || "expected WIDTHxHEIGHT in pixels, such as 800x600, each 100 to 8000".to_string();
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h): (u32, u32) = (
        w.trim().parse().map_err(|_| bad())?,
        h.trim().parse().map_err(|_| bad())?,
    );
    if !(100..=8000).contains(&w) || !(100..=8000).contains(&h) {
        return Err(bad());
    }
    Ok((w, h))
}

/// Activations a hidden layer may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HiddenActivation {
    /// The seed's 1 / (1 + e^-z).
    Sigmoid,
    /// tanh z.
    Tanh,
    /// max(0, z).
    Relu,
    /// z.
    Linear,
}

impl From<HiddenActivation> for Activation {
    fn from(a: HiddenActivation) -> Self {
        match a {
            HiddenActivation::Sigmoid => Activation::Sigmoid,
            HiddenActivation::Tanh => Activation::Tanh,
            HiddenActivation::Relu => Activation::Relu,
            HiddenActivation::Linear => Activation::Linear,
        }
    }
}

/// Activations the output layer may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputActivation {
    /// Independent probabilities (with mse or bce).
    Sigmoid,
    /// A distribution over the classes (with ce).
    Softmax,
    /// Regression outputs.
    Linear,
    /// tanh z.
    Tanh,
    /// max(0, z).
    Relu,
}

impl From<OutputActivation> for Activation {
    fn from(a: OutputActivation) -> Self {
        match a {
            OutputActivation::Sigmoid => Activation::Sigmoid,
            OutputActivation::Softmax => Activation::Softmax,
            OutputActivation::Linear => Activation::Linear,
            OutputActivation::Tanh => Activation::Tanh,
            OutputActivation::Relu => Activation::Relu,
        }
    }
}

/// Losses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LossArg {
    /// PyTorch's MSELoss: the mean of (d - o)^2 over outputs and batch.
    Mse,
    /// The seed's 1/2 sum_k (d_k - o_k)^2 per sample, mean over the batch: K/2 times mse's gradient.
    Seed,
    /// PyTorch's CrossEntropyLoss over a softmax output.
    Ce,
    /// PyTorch's BCELoss over sigmoid outputs (the mean over outputs).
    Bce,
}

impl From<LossArg> for Loss {
    fn from(l: LossArg) -> Self {
        match l {
            LossArg::Mse => Loss::Mse,
            LossArg::Seed => Loss::Seed,
            LossArg::Ce => Loss::CrossEntropy,
            LossArg::Bce => Loss::BinaryCrossEntropy,
        }
    }
}

/// Update rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OptimizerArg {
    /// Plain gradient descent, the seed's rule.
    Sgd,
    /// Heavy-ball momentum.
    Momentum,
    /// Nesterov momentum.
    Nesterov,
    /// Adam.
    Adam,
    /// Adam with decoupled weight decay.
    Adamw,
}

impl From<OptimizerArg> for OptimizerChoice {
    fn from(o: OptimizerArg) -> Self {
        match o {
            OptimizerArg::Sgd => OptimizerChoice::Sgd,
            OptimizerArg::Momentum => OptimizerChoice::Momentum,
            OptimizerArg::Nesterov => OptimizerChoice::Nesterov,
            OptimizerArg::Adam => OptimizerChoice::Adam,
            OptimizerArg::Adamw => OptimizerChoice::AdamW,
        }
    }
}

/// Learning-rate schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScheduleArg {
    /// The same rate throughout.
    Constant,
    /// Multiply by --step-factor every --step-every epochs.
    Step,
    /// Cosine annealing over --epochs.
    Cosine,
}

impl From<ScheduleArg> for ScheduleChoice {
    fn from(s: ScheduleArg) -> Self {
        match s {
            ScheduleArg::Constant => ScheduleChoice::Constant,
            ScheduleArg::Step => ScheduleChoice::Step,
            ScheduleArg::Cosine => ScheduleChoice::Cosine,
        }
    }
}

/// Plot drawing modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlotArg {
    /// Unicode braille dots.
    Braille,
    /// Block characters.
    Block,
    /// Plain ASCII.
    Ascii,
}

impl From<PlotArg> for nn_dash::PlotMode {
    fn from(p: PlotArg) -> Self {
        match p {
            PlotArg::Braille => nn_dash::PlotMode::Braille,
            PlotArg::Block => nn_dash::PlotMode::Block,
            PlotArg::Ascii => nn_dash::PlotMode::Ascii,
        }
    }
}
