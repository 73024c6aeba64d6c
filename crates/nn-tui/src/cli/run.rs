//! The flags that define a run: data, network and training, shared by `train`,
//! `dash`, `sweep` and `data`, and where a run is recorded.

use std::path::PathBuf;

use clap::Args;
use nn_run::OptimizerChoice;
use nn_train::Setting;

use super::table::{
    help, help_and_default, optimizer_parser, parse_betas, parse_features, parse_speed,
    state_fields, table_default, train_data_help,
};
use super::values::{HiddenActivation, LossArg, OutputActivation, PlotArg, ScheduleArg};

/// Where the data comes from and how it is split.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Data")]
pub struct DataArgs {
    /// Samples to generate (generators only).
    #[arg(long, value_name = "N", default_value = table_default(Setting::Samples),
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
          default_value = table_default(Setting::TestFraction))]
    pub test_split: f32,
    /// CSV target column (default: `label`, else the last column).
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
    /// Seed for data generation, splits, initial weights and shuffling.
    #[arg(long, value_name = "N", help = help(Setting::Seed),
          default_value = table_default(Setting::Seed))]
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
    #[arg(long, value_name = "NAME", value_parser = optimizer_parser(),
          help = help(Setting::Optimizer))]
    pub optimizer: Option<OptimizerChoice>,
    /// Learning rate.
    #[arg(long, value_name = "F", help = help(Setting::LearningRate))]
    pub lr: Option<f32>,
    /// Momentum for --optimizer momentum|nesterov.
    #[arg(long, value_name = "F", help = help_and_default(Setting::Momentum))]
    pub momentum: Option<f32>,
    /// Decoupled weight decay for --optimizer adamw.
    #[arg(long = "weight-decay", value_name = "F", help = help_and_default(Setting::WeightDecay))]
    pub weight_decay: Option<f32>,
    /// Adam's decay rates (PyTorch's betas).
    #[arg(long, value_name = "B1,B2", value_parser = parse_betas,
          help = help_and_default(Setting::Betas))]
    pub betas: Option<(f32, f32)>,
    /// L1 penalty on all parameters.
    #[arg(long, value_name = "F", help = help(Setting::L1),
          default_value = table_default(Setting::L1))]
    pub l1: f32,
    /// L2 penalty on all parameters.
    #[arg(long, value_name = "F", help = help(Setting::L2),
          default_value = table_default(Setting::L2))]
    pub l2: f32,
    /// Clip the gradient's global norm to this value.
    #[arg(long, value_name = "F", help = help(Setting::Clip))]
    pub clip: Option<f32>,
    /// Learning-rate schedule.
    #[arg(long, value_enum, value_name = "NAME", default_value = table_default(Setting::Schedule),
          help = help(Setting::Schedule))]
    pub schedule: ScheduleArg,
    /// Epochs between decays of --schedule step.
    #[arg(long = "step-every", value_name = "N", help = help(Setting::StepEvery))]
    pub step_every: Option<usize>,
    /// Factor per decay of --schedule step.
    #[arg(long = "step-factor", value_name = "F", help = help(Setting::StepFactor),
          default_value = table_default(Setting::StepFactor))]
    pub step_factor: f32,
    /// The fraction of the rate --schedule cosine ends at.
    #[arg(long = "min-lr-factor", value_name = "F", help = help(Setting::MinLrFactor),
          default_value = table_default(Setting::MinLrFactor))]
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

/// `nn-tui train`.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// Dataset: a generator, a formula, mnist, a CSV file, stdin or an IDX folder.
    #[arg(long, value_name = "SPEC", required_unless_present = "state", help = train_data_help())]
    pub data: Option<String>,
    /// The run a state line (as the dashboard prints it) or a TensorFlow Playground URL
    /// defines: data, features, network, optimizer and seeds (its speed is the dashboard's).
    #[arg(long, value_name = "LINE", conflicts_with_all = state_fields())]
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
        default_value = table_default(Setting::CheckpointEvery),
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
    #[arg(long, value_name = "LINE", conflicts_with_all = state_fields())]
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
    #[arg(long, value_name = "LINE", conflicts_with_all = state_fields())]
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
