//! The dashboard's runtime, the only part that touches the terminal and the
//! trainer: the entry points (`run`, `run_lesson`, `watch`, `compare`) and the
//! [`Runtime`] they build. By concern: `trainer` starts and restarts the run,
//! `following` reads a run another process records, `data` the points on
//! screen, `event_loop` the loop that drains events, draws and reads keys.

mod comparison;
mod data;
mod event_loop;
mod following;
mod trainer;

pub use comparison::compare;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use nn_core::Workspace;
use nn_run::{
    DataOptions, DataSpec, Event, Purpose, RunStatus, RunWriter, TrainRequest, TrainerHandle,
    load_data,
};
use nn_train::{TrainConfig, TrainData, Trainer};
use ratatui::layout::Rect;

use crate::app::App;
use crate::colors::ColorDepth;
use crate::controls::KeyFocus;
use crate::follow::Follower;
use crate::lesson::{LessonEnd, LessonRun};
use crate::status::Watch;
use crate::terminal::{Signals, TerminalGuard};
use crate::{DashError, DashOptions, PlotMode};

use following::watched_settings;
use trainer::settings_for;

/// The dashboard's run: state, trainer and data.
struct Runtime {
    options: DashOptions,
    app: App,
    data: Arc<TrainData>,
    data_spec: DataSpec,
    data_options: DataOptions,
    /// The configuration the current trainer started with.
    config: Option<TrainConfig>,
    handle: Option<TrainerHandle>,
    /// Records the run, when asked to.
    writer: Option<RunWriter>,
    /// Reads the run when watching one that another process trains.
    follower: Option<Follower>,
    started: Instant,
    workspace: Workspace,
    /// How a lesson ended (`N`: the next one).
    lesson_end: LessonEnd,
    /// The terminal's area as last drawn (what `S` saves).
    screen: Rect,
}

/// A lesson to run, and what to do when its goal is met (keep the progress).
pub type LessonHooks<'a> = (LessonRun, &'a mut dyn FnMut() -> Result<(), String>);

/// Runs the dashboard on the real terminal; returns the run's state line.
pub fn run(options: DashOptions, observer: &mut dyn FnMut(&Event)) -> Result<String, DashError> {
    run_with(options, observer, None).map(|(line, _)| line)
}

/// Runs the dashboard with a lesson panel; returns how the lesson ended.
pub fn run_lesson(options: DashOptions, hooks: LessonHooks<'_>) -> Result<LessonEnd, DashError> {
    run_with(options, &mut |_| {}, Some(hooks)).map(|(_, end)| end)
}

/// The dashboard, with a lesson or without.
fn run_with(
    options: DashOptions,
    observer: &mut dyn FnMut(&Event),
    lesson: Option<LessonHooks<'_>>,
) -> Result<(String, LessonEnd), DashError> {
    let signals = Signals::register()?;
    let data_spec = options.data_spec.clone();
    let data_options = options.data_options.clone();
    let data = Arc::new(load_data(&data_spec, &data_options)?);
    let request = &options.request;
    let config = request.resolve(Purpose::Dashboard, &data)?;
    let pace = request.pace(Purpose::Dashboard, data.train.dim());
    let mut settings = settings_for(&data_spec, &data_options, &data, &config, pace)?;
    settings.discretize = options.discretize;
    settings.test_points = options.test_points;
    let mut app = App::new(
        settings,
        options.model_path.clone(),
        options.plot,
        ColorDepth::detect(),
    );
    for notice in &options.notices {
        app.log(notice.clone());
    }
    app.view.notices.clone_from(&options.notices);
    let (keys, notice) = KeyFocus::from_playground(&options.hidden_controls);
    app.keys = keys;
    if let Some(notice) = notice {
        app.log(notice.clone());
        app.view.notices.push(notice);
    }
    let (paused, mut on_done) = match lesson {
        Some((run, on_done)) => {
            let paused = run.lesson.paused;
            crate::lesson::open(&mut app, run);
            (paused, Some(on_done))
        }
        None => (false, None),
    };
    let mouse = options.mouse;
    let mut rt = Runtime {
        options,
        app,
        data,
        data_spec,
        data_options,
        config: None,
        handle: None,
        writer: None,
        follower: None,
        started: Instant::now(),
        workspace: Workspace::new(),
        lesson_end: LessonEnd::Quit,
        screen: Rect::new(0, 0, 80, 24),
    };
    // Fails before the terminal is touched if the configuration does not fit the data.
    rt.start(paused)?;
    let mut guard = TerminalGuard::new(mouse)?;
    let mut no_lesson = || Ok(());
    let on_done: &mut dyn FnMut() -> Result<(), String> = match &mut on_done {
        Some(f) => *f,
        None => &mut no_lesson,
    };
    let result = rt.event_loop(&mut guard, &signals, observer, on_done);
    let trainer = rt.handle.take().map(TrainerHandle::join);
    if let Some(mut writer) = rt.writer.take() {
        if rt.app.quit {
            writer.stopped_by_user();
        }
        // Nowhere to say it but the log line, which is closing: the record stays incomplete.
        let _ = writer.finish(trainer.as_ref().map(Trainer::network), None);
    }
    drop(guard);
    result.map(|()| (rt.state_line(), rt.lesson_end))
}

/// Shows the run that another process records in `dir`, read-only, following
/// it live until the user quits.
pub fn watch(dir: &Path, plot: PlotMode, mouse: bool, fps: u32) -> Result<(), DashError> {
    let signals = Signals::register()?;
    let mut rt = watching(dir, plot, mouse, fps)?;
    let mut guard = TerminalGuard::new(mouse)?;
    let result = rt.event_loop(&mut guard, &signals, &mut |_| {}, &mut || Ok(()));
    drop(guard);
    result
}

/// [`watch`] on a terminal that is already set up (the sweep view's, lent while
/// one of its trials is open), so the screen goes from one view to the other
/// without the shell showing in between. The terminal is cleared on return, for
/// the lender to draw whole again; mouse reports are on only while the run shows.
pub fn watch_on(
    guard: &mut TerminalGuard,
    signals: &Signals,
    dir: &Path,
    plot: PlotMode,
    mouse: bool,
    fps: u32,
) -> Result<(), DashError> {
    let mut rt = watching(dir, plot, mouse, fps)?;
    guard.hand_over(mouse)?;
    let result = rt.event_loop(guard, signals, &mut |_| {}, &mut || Ok(()));
    guard.hand_over(false)?;
    result
}

/// The runtime of a read-only view of the run recorded in `dir`, with
/// everything written so far read in.
fn watching(dir: &Path, plot: PlotMode, mouse: bool, fps: u32) -> Result<Runtime, DashError> {
    let follower = Follower::open(dir)?;
    let info = follower.info().clone();
    let (data_spec, data) = info.data.load()?;
    let data_options = info.data.options.clone();
    let settings = watched_settings(&info, &data_spec, &data)?;
    let mut app = App::new(settings, PathBuf::new(), plot, ColorDepth::detect());
    app.watch = Some(Watch {
        dir: dir.display().to_string(),
        status: RunStatus::Running,
    });
    app.view.state_line.clone_from(&info.state_line);
    let options = DashOptions {
        mouse,
        fps,
        ..DashOptions::new(
            Some(&info.data.spec),
            data_options.clone(),
            TrainRequest::default(),
        )?
    };
    let mut rt = Runtime {
        options,
        app,
        data: Arc::new(data),
        data_spec,
        data_options,
        config: Some(info.config),
        handle: None,
        writer: None,
        follower: Some(follower),
        started: Instant::now(),
        workspace: Workspace::new(),
        lesson_end: LessonEnd::Quit,
        screen: Rect::new(0, 0, 80, 24),
    };
    rt.set_points();
    // Everything written so far, before the terminal is touched.
    rt.follow()?;
    Ok(rt)
}
