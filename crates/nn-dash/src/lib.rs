//! nn-dash: the terminal dashboard, the TensorFlow Playground in a terminal.
//!
//! (Interface fixed first so the binary can wire it; the dashboard itself lands with the dashboard issue.)
#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;

use nn_train::{DataOptions, DataSpec, TrainConfig};

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

/// Why the dashboard could not run.
#[derive(Debug, thiserror::Error)]
pub enum DashError {
    /// Standard output is not a terminal.
    #[error("the dashboard needs a terminal (stdout is not a TTY); for headless training use `nn-tui train`")]
    NotATerminal,
    /// The run could not be set up.
    #[error(transparent)]
    Train(#[from] nn_train::TrainError),
    /// The terminal could not be driven.
    #[error("terminal error: {0}")]
    Terminal(#[from] std::io::Error),
}

/// Runs the dashboard until the user quits.
pub fn run(options: DashOptions) -> Result<(), DashError> {
    let _ = options;
    Err(DashError::Terminal(std::io::Error::other("the dashboard is not built yet")))
}
