//! The flags that define a run: data, network and training, shared by `train`,
//! `dash`, `sweep` and `data`, and where a run is recorded.

use std::path::PathBuf;

use clap::Args;
use nn_run::{DataOptions, StateLine, TrainRequest};

use super::flags::{
    DashSettings, DataSettings, Selection, SettingFlags, SweepSettings, TrainSettings,
    state_fields, train_data_help,
};
use super::tools::ViewArgs;

/// The flags that define a run, but its data: the table's (generated, for the
/// rows `S` selects) and the few no line holds. `train`, `dash` and `sweep`
/// flatten it.
#[derive(Debug, Clone, Args)]
pub struct RunArgs<S: Selection + Send + Sync> {
    /// The settings of the table: data, network, training.
    #[command(flatten)]
    pub settings: SettingFlags<S>,
    /// Take the training samples in the data set's order every epoch instead of a seeded
    /// shuffle (PyTorch's DataLoader(shuffle=False)).
    #[arg(long = "no-shuffle", help_heading = "Training")]
    pub no_shuffle: bool,
    /// Worker threads; 0 = one per core (results are the same for any count).
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Training")]
    pub threads: usize,
}

impl<S: Selection + Send + Sync> RunArgs<S> {
    /// `base` with what no line holds: the threads.
    pub fn base(&self, base: TrainRequest) -> TrainRequest {
        TrainRequest {
            threads: self.threads,
            ..base
        }
    }

    /// The run the flags define: `--state`'s line when given (else a line naming
    /// `data`) with the flags given over it, and the request it defines over what
    /// no line holds (the threads; `base` supplies the rest, e.g. the
    /// checkpoint folder). One path for flags and state lines.
    pub fn run(
        &self,
        data: Option<&str>,
        state: Option<StateLine>,
        base: TrainRequest,
    ) -> (StateLine, TrainRequest, DataOptions) {
        let mut line = self
            .settings
            .over(state.unwrap_or_else(|| StateLine::new(data.unwrap_or_default())));
        if self.no_shuffle {
            line.shuffle = Some(false);
        }
        let request = line.request_over(self.base(base));
        let options = line.data_options();
        (line, request, options)
    }
}

/// How the data is generated and split (`eval`, `data`): the table's `Data` rows.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// The settings of the table's `Data` heading.
    #[command(flatten)]
    pub settings: SettingFlags<DataSettings>,
}

impl DataArgs {
    /// The data options the flags define (`features`: the input features to compute).
    pub fn options(&self, features: Option<nn_data::Features>) -> DataOptions {
        let mut line = self.settings.line();
        line.features = features;
        line.data_options()
    }
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
    /// The run's settings.
    #[command(flatten)]
    pub run: RunArgs<TrainSettings>,
    /// Save the trained model (safetensors) here.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub save: Option<PathBuf>,
    /// Write a checkpoint (checkpoint.safetensors) into this folder every --checkpoint-every
    /// epochs and when interrupted.
    #[arg(long = "checkpoint-dir", value_name = "DIR", help_heading = "Output")]
    pub checkpoint_dir: Option<PathBuf>,
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
    /// The base run's settings.
    #[command(flatten)]
    pub run: RunArgs<SweepSettings>,
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
    #[arg(long, value_name = "K", help_heading = "Sweep", conflicts_with = "val-split",
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

/// `--features` read as a state line's `features=` (the table's parse).
fn parse_features(text: &str) -> Result<nn_data::Features, String> {
    let parse = nn_run::row(nn_train::Setting::Features)
        .parse
        .expect("features= reads");
    let mut line = StateLine::default();
    parse(&mut line, text)?;
    Ok(line.features.expect("its parse sets it"))
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
    #[arg(long, value_name = "LIST", value_parser = parse_features,
          help = nn_run::help(nn_train::Setting::Features))]
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
    /// The run's settings (`--speed` among them).
    #[command(flatten)]
    pub run: RunArgs<DashSettings>,
    /// How the dashboard draws and takes input.
    #[command(flatten)]
    pub view: ViewArgs,
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
