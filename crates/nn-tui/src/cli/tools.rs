//! The flags of the commands around a run: models (eval, predict, info,
//! explain, export), runs (runs, watch, plot, replay), lessons, completions.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use nn_core::{Activation, Loss, ModelAssumptions};

use super::run::DataArgs;

/// How a dashboard view draws and takes input: `dash`, `watch` and `learn` share them.
#[derive(Debug, Clone, Args)]
pub struct ViewArgs {
    /// Ignore the mouse (so the terminal can select text as usual).
    #[arg(long = "no-mouse")]
    pub no_mouse: bool,
    /// At most N frames a second; fewer, on their own, when the link is slower (the status
    /// line then says `slow link: N fps`).
    #[arg(long, value_name = "N", default_value_t = nn_dash::DEFAULT_FPS,
          value_parser = clap::value_parser!(u32).range(1..=60))]
    pub fps: u32,
    /// How plots are drawn: braille dots, blocks, or plain ASCII for any font.
    #[arg(long, value_enum, value_name = "MODE", default_value = "braille")]
    pub plot: PlotArg,
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

pub(super) fn parse_assumptions(text: &str) -> Result<ModelAssumptions, String> {
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
    /// How the view draws and takes input.
    #[command(flatten)]
    pub view: ViewArgs,
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
    /// How the view draws and takes input.
    #[command(flatten)]
    pub view: ViewArgs,
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
