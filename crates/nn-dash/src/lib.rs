//! nn-dash: the terminal dashboard, the TensorFlow Playground in a terminal.
//!
//! [`run`] trains a network on its own thread, at a pace worth watching, and
//! shows it learning: the decision boundary (or a regression's output) over the
//! input plane, the network with its input features, weights and per-neuron
//! pictures, loss and accuracy curves, and (for images) digits and the
//! confusion matrix; and, on request, the inspector: the seed's backpropagation
//! for one neuron and one training sample, with its numbers, and a step on that
//! sample alone. Keys and the mouse steer the run. The state lives in
//! `app::App` (grouped as `settings`, `status`, `view` and `selection`), keys
//! (`keys::BINDINGS`) and clicks (`ui::hit`) become `action::Action`s applied
//! by a pure `update`, and `ui::draw` renders a state
//! without I/O; `runtime` is the only part that touches the terminal and the
//! trainer. When the user quits, [`run`] returns the run's state line.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod action;
mod app;
mod colors;
mod compare;
mod controls;
mod drawing;
mod follow;
mod frames;
mod history;
mod inspect;
mod keys;
mod ladders;
mod lesson;
mod pictures;
mod plot;
mod runtime;
mod screen_svg;
mod selection;
mod settings;
mod status;
mod sweep_follow;
mod sweep_keys;
mod sweep_runtime;
mod sweep_view;
mod terminal;
mod ui;
mod view;

use std::io::IsTerminal;
use std::path::PathBuf;

use nn_run::{DataOptions, DataSpec, Imported, StateLineError, TrainRequest};
use nn_train::{Setting, TrainError};

pub use compare::labels as run_labels;
pub use controls::key_labels;
pub use frames::DEFAULT_FPS;
pub use lesson::{LessonEnd, LessonRun};

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
    /// What the user asked for; the rest comes from nn-train's dashboard defaults
    /// ([`nn_run::DEFAULTS`], [`nn_run::Purpose::Dashboard`]).
    pub request: TrainRequest,
    /// Where `s` saves the model.
    pub model_path: PathBuf,
    /// How plots are drawn.
    pub plot: PlotMode,
    /// Show the output discretized (`o` toggles it).
    pub discretize: bool,
    /// Show the test points (`t` toggles it).
    pub test_points: bool,
    /// Take clicks and the mouse pointer (which stops the terminal selecting text).
    pub mouse: bool,
    /// At most this many frames a second (`--fps`); fewer when the link is slower.
    pub fps: u32,
    /// Messages for the log line when the dashboard opens (e.g. about an imported URL).
    pub notices: Vec<String>,
    /// Record the run in this folder as it goes (see [`nn_run::RunWriter`]): what
    /// each trainer did, restarts included, for `nn-tui watch` and `nn-tui runs`.
    pub run_dir: Option<PathBuf>,
    /// TensorFlow Playground controls its link hides (`learningRate` for
    /// `learningRate_hide=true`): their keys are left out and refused.
    pub hidden_controls: Vec<String>,
}

/// The dataset when none is named: a two-arm spiral, hard enough to be worth watching.
pub const DEFAULT_DATASET: &str = "spiral";

impl DashOptions {
    /// The dashboard on `data` (a spec as `nn-tui train --data` takes; `None`: the
    /// [`DEFAULT_DATASET`]), with what the user asked for. Everything is checked
    /// here, before any data is loaded or the terminal touched.
    pub fn new(
        data: Option<&str>,
        data_options: DataOptions,
        request: TrainRequest,
    ) -> Result<Self, DashError> {
        request.validate().map_err(TrainError::from)?;
        data_options.validate().map_err(TrainError::from)?;
        Ok(Self {
            data_spec: DataSpec::parse(data.unwrap_or(DEFAULT_DATASET))?,
            data_options,
            request,
            model_path: PathBuf::from("model.safetensors"),
            plot: PlotMode::Braille,
            discretize: nn_run::default_value(Setting::Discretize),
            test_points: nn_run::default_value(Setting::TestPoints),
            mouse: true,
            fps: DEFAULT_FPS,
            notices: Vec::new(),
            run_dir: None,
            hidden_controls: Vec::new(),
        })
    }

    /// The dashboard on the run a state line (or a Playground URL) defines,
    /// with its notices for the log line. `base` supplies what a line does not
    /// hold (threads, a checkpoint folder, ...).
    pub fn from_state(imported: Imported, base: &TrainRequest) -> Result<Self, DashError> {
        let line = imported.line;
        // The flags a line does not hold (epochs, threads, schedule, ...) apply.
        let request = line.request_over(base.clone());
        let mut options = Self::new(Some(&line.data), line.data_options(), request)?;
        options.discretize = line.discretize.unwrap_or(options.discretize);
        options.test_points = line.test_points.unwrap_or(options.test_points);
        options.notices = imported.notices;
        options
            .notices
            .extend(line.defaults_notice(nn_run::Purpose::Dashboard));
        options.hidden_controls = imported.hidden_controls;
        if let Some(tutorial) = imported.tutorial {
            options.notices.push(format!(
                "not mapped: tutorial={tutorial} (the Playground's tutorial pages are not \
                 here; nn-tui learn lists lessons whose goals are checked live)"
            ));
        }
        Ok(options)
    }

    /// The run `nn-tui` starts with no arguments: the two-arm spiral (500
    /// points, 20% held out for testing) and the dashboard's defaults for 2-D
    /// data: a 2-8-8-2 tanh network with a softmax output, plain SGD at the
    /// Playground's rate 0.03 with batches of 10, on every core, training until stopped.
    pub fn default_start() -> DashOptions {
        Self::new(None, DataOptions::default(), TrainRequest::default())
            .expect("the defaults are valid")
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
    /// A run directory could not be read.
    #[error(transparent)]
    Run(#[from] nn_run::RunDirError),
    /// The terminal could not be driven.
    #[error("terminal error: {0}")]
    Terminal(#[from] std::io::Error),
    /// A state line that cannot be read.
    #[error(transparent)]
    StateLine(#[from] StateLineError),
    /// A sweep directory could not be read.
    #[error(transparent)]
    Sweep(#[from] nn_sweep::SweepError),
}

/// Opens the dashboard on the run that another process records in `dir` (see
/// [`nn_run::RunWriter`]): read-only, following it live, saying when its
/// writer finished or stopped writing. Quitting never touches the run.
/// At most `fps` frames a second (fewer when the link is slower).
pub fn watch(
    dir: &std::path::Path,
    plot: PlotMode,
    mouse: bool,
    fps: u32,
) -> Result<(), DashError> {
    require_terminal()?;
    runtime::watch(dir, plot, mouse, fps)
}

/// Shows the runs recorded in `dirs` side by side, following them live: their
/// curves overlaid with a legend naming what differs, and a table of their best
/// score, epochs and time.
pub fn compare(dirs: &[PathBuf], plot: PlotMode, fps: u32) -> Result<(), DashError> {
    require_terminal()?;
    runtime::compare(dirs, plot, fps)
}

/// Shows the sweep in `dir` (made by `nn-tui sweep`, running or done) as a
/// table of its trials ranked by best validation score, with the curves of the
/// top few or of the marked ones; Enter opens a trial in [`watch`]'s view and
/// quitting that comes back. Follows the sweep live until the user quits.
pub fn watch_sweep(
    dir: &std::path::Path,
    plot: PlotMode,
    mouse: bool,
    fps: u32,
) -> Result<(), DashError> {
    require_terminal()?;
    sweep_runtime::watch_sweep(dir, plot, mouse, fps)
}

/// Every view draws on a terminal; piped or redirected, it refuses with one line.
fn require_terminal() -> Result<(), DashError> {
    if std::io::stdout().is_terminal() {
        Ok(())
    } else {
        Err(DashError::NotATerminal)
    }
}

/// Whether `dir` holds a sweep (its `sweep.json`), for `nn-tui watch` to choose the view.
pub fn is_sweep_dir(dir: &std::path::Path) -> bool {
    dir.join(nn_sweep::SPEC_FILE).is_file()
}

/// Runs the dashboard until the user quits; returns the run's state line
/// (`nn-tui --state '<line>'` recreates the run).
pub fn run(options: DashOptions) -> Result<String, DashError> {
    run_observed(options, &mut |_| {})
}

/// Opens the dashboard on a lesson (`nn-tui learn`): its preset run (`options`),
/// its panel, its keys, its goal checked live. `on_done` is called once when the
/// goal is met (to keep the progress; its error goes to the log line). Returns
/// whether the learner quit or asked for the next lesson.
pub fn learn(
    options: DashOptions,
    lesson: LessonRun,
    on_done: &mut dyn FnMut() -> Result<(), String>,
) -> Result<LessonEnd, DashError> {
    require_terminal()?;
    runtime::run_lesson(options, (lesson, on_done))
}

/// [`run`], showing `observer` every trainer event as the dashboard receives it
/// (measurements such as `examples/overhead.rs` are built on this).
pub fn run_observed(
    options: DashOptions,
    observer: &mut dyn FnMut(&nn_run::Event),
) -> Result<String, DashError> {
    require_terminal()?;
    runtime::run(options, observer)
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
    fn default_start_is_the_playground_network() {
        let o = DashOptions::default_start();
        let data = nn_run::load_data(&o.data_spec, &o.data_options).unwrap();
        let config = o
            .request
            .resolve(nn_run::Purpose::Dashboard, &data)
            .unwrap();
        assert_eq!(config.architecture.to_string(), "2-8-8-2");
        assert_eq!(config.architecture.hidden, nn_core::Activation::Tanh);
        assert_eq!(config.optimizer, nn_train::OptimizerKind::Sgd);
        assert_eq!((config.learning_rate, config.batch_size), (0.03, 10));
        assert!(nn_train::Trainer::new(config, std::sync::Arc::new(data)).is_ok());
    }

    #[test]
    fn a_playground_links_page_options_reach_the_dashboard() {
        let imported =
            nn_run::StateLine::read("#learningRate_hide=true&noise_hide=false&tutorial=dp-neurons")
                .unwrap();
        let o = DashOptions::from_state(imported, &TrainRequest::default()).unwrap();
        assert_eq!(o.hidden_controls, ["learningRate"]);
        assert!(
            o.notices.iter().any(|n| n.starts_with(
                "not mapped: tutorial=dp-neurons (the Playground's tutorial pages are not here"
            )),
            "{:?}",
            o.notices
        );
    }

    #[test]
    fn bad_requests_fail_before_any_data_is_loaded() {
        let request = TrainRequest {
            batch_size: Some(0),
            ..TrainRequest::default()
        };
        let err = DashOptions::new(None, DataOptions::default(), request).unwrap_err();
        assert_eq!(
            err.to_string(),
            "batch size 0: expected at least 1 sample per mini-batch"
        );
        let err = DashOptions::new(
            Some("nosuch"),
            DataOptions::default(),
            TrainRequest::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with("data nosuch: expected one of"),
            "{err}"
        );
    }
}
