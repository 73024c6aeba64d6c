//! nn-dash: the terminal dashboard, the TensorFlow Playground in a terminal.
//!
//! [`run`] trains a network on its own thread and shows it learning: the
//! decision boundary over the input plane, the network with its weights and
//! per-neuron pictures, loss and accuracy curves, and (for images) digits and
//! the confusion matrix. Keys steer the run. The state lives in [`app::App`],
//! keys become [`app::Action`]s applied by a pure `update`, and [`ui::draw`]
//! renders a state without I/O; [`runtime`] is the only part that touches the
//! terminal and the trainer.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod app;
pub mod colors;
pub mod history;
pub mod plot;
mod runtime;
mod terminal;
pub mod ui;

use std::io::IsTerminal;
use std::path::PathBuf;

use nn_core::Activation;
use nn_data::Task;
use nn_train::{DataOptions, DataSpec, TrainConfig};

pub use runtime::recovery_path;

/// How plots are drawn: braille dots where the font has them, else blocks or plain ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlotMode {
    /// Unicode braille (2x4 dots per cell), the sharpest.
    #[default]
    Braille,
    /// Half and full block characters.
    Block,
    /// Plain ASCII, for any font.
    Ascii,
}

/// Everything the dashboard needs to start.
#[derive(Debug, Clone)]
pub struct DashOptions {
    /// Where the data comes from (`d` cycles through the 2-D generators).
    pub data_spec: DataSpec,
    /// How the data is generated and split.
    pub data_options: DataOptions,
    /// The run to start with (its architecture must fit the data).
    pub config: TrainConfig,
    /// Where `s` saves the model.
    pub model_path: PathBuf,
    /// Where checkpoints go (on SIGHUP/SIGTERM and on request); `None`: no checkpoints.
    pub checkpoint_dir: Option<PathBuf>,
    /// How plots are drawn.
    pub plot: PlotMode,
}

/// The default run's dataset: a two-arm spiral, hard enough to be worth watching.
pub const DEFAULT_DATASET: &str = "spiral";
/// The default run's hidden layers.
pub const DEFAULT_HIDDEN: [usize; 2] = [8, 8];

impl DashOptions {
    /// The run `nn-tui` starts with no arguments: the two-arm spiral (500
    /// points, 20% held out for testing), a 2-8-8-2 tanh network with a
    /// softmax output, plain SGD at Playground's rate 0.03 with batches of 10,
    /// on every core, training until stopped. It passes 95% test accuracy
    /// within a second of training on two cores.
    pub fn default_start() -> DashOptions {
        let architecture = nn_train::default_architecture(
            Task::Classification { classes: 2 },
            2,
            Some(&DEFAULT_HIDDEN),
            Some(Activation::Tanh),
            None,
            None,
        )
        .expect("the default architecture is valid");
        let mut config = TrainConfig::new(architecture);
        config.learning_rate = 0.03;
        config.batch_size = 10;
        // Like the Playground: keep training until the user stops it.
        config.epochs = 1_000_000_000;
        DashOptions {
            data_spec: DataSpec::Generator(DEFAULT_DATASET.into()),
            data_options: DataOptions::default(),
            config,
            model_path: PathBuf::from("model.safetensors"),
            checkpoint_dir: None,
            plot: PlotMode::Braille,
        }
    }
}

/// Why the dashboard could not run.
#[derive(Debug, thiserror::Error)]
pub enum DashError {
    /// Standard output is not a terminal.
    #[error(
        "the dashboard needs a terminal (stdout is not a TTY); for headless training use `nn-tui train`"
    )]
    NotATerminal,
    /// The run could not be set up.
    #[error(transparent)]
    Train(#[from] nn_train::TrainError),
    /// The terminal could not be driven.
    #[error("terminal error: {0}")]
    Terminal(#[from] std::io::Error),
}

/// What a dashboard run achieved, for measurements (`examples/overhead.rs`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunReport {
    /// Training samples per second from every progress event received.
    pub samples_per_second: Vec<f64>,
    /// Samples per second over wall time, from the first to the last progress event of the last run.
    pub wall_samples_per_second: Option<f64>,
    /// Seconds from the start of the last run until its held-out accuracy first reached 95%.
    pub seconds_to_95_percent: Option<f64>,
}

/// Runs the dashboard until the user quits.
pub fn run(options: DashOptions) -> Result<(), DashError> {
    run_with_report(options).map(|_| ())
}

/// [`run`], returning the throughput the trainer reported while the dashboard drew.
pub fn run_with_report(options: DashOptions) -> Result<RunReport, DashError> {
    if !std::io::stdout().is_terminal() {
        return Err(DashError::NotATerminal);
    }
    runtime::run(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run in a child process whose stdout is a pipe, so the check is deterministic.
    #[test]
    fn not_a_terminal() {
        if std::env::var_os("NN_DASH_CHILD").is_some() {
            let result = run(DashOptions::default_start());
            assert!(matches!(result, Err(DashError::NotATerminal)), "{result:?}");
            return;
        }
        let exe = std::env::current_exe().expect("the test binary has a path");
        let out = std::process::Command::new(exe)
            .args([
                "--exact",
                "tests::not_a_terminal",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("NN_DASH_CHILD", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("the test binary runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"));
    }

    #[test]
    fn recovery_path_sits_beside_the_model() {
        assert_eq!(
            recovery_path(std::path::Path::new("out/model.safetensors")),
            PathBuf::from("out/model.recovery.safetensors")
        );
        assert_eq!(
            recovery_path(std::path::Path::new("m")),
            PathBuf::from("m.recovery")
        );
    }

    #[test]
    fn default_start_fits_its_data() {
        let o = DashOptions::default_start();
        let data = std::sync::Arc::new(nn_train::load_data(&o.data_spec, &o.data_options).unwrap());
        let trainer = nn_train::Trainer::new(o.config, data);
        assert!(trainer.is_ok());
    }
}
