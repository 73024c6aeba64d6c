//! The event loop: starts the trainer, drains its events, turns keys and the
//! mouse into actions, recomputes the pictures a few times per second and
//! draws at a bounded rate, only when something changed. Idle (paused, nothing
//! arriving), it wakes a few times a second.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event as TermEvent, MouseButton, MouseEventKind};
use nn_core::Workspace;
use nn_run::{
    Command, DataOptions, DataSpec, Event, Pace, Purpose, Recording, Run, RunInfo, RunReader,
    RunState, RunStatus, RunWriter, SessionOptions, StateLine, TrainRequest, TrainerHandle,
    load_data, recovery_path,
};
use nn_train::{TrainConfig, TrainData, Trainer};
use ratatui::layout::Rect;

use crate::action::{Action, Effect};
use crate::app::App;
use crate::colors::ColorDepth;
use crate::compare::Comparison;
use crate::controls::KeyFocus;
use crate::drawing::DrawAction;
use crate::follow::Follower;
use crate::frames::{Pacer, Panel, Urgency};
use crate::inspect::InspectorView;
use crate::keys::handle_key;
use crate::lesson::{LessonEnd, LessonKey, LessonRun};
use crate::plot::{CurveView, Extent, PlaneView, digits_view, image_side, points_of};
use crate::selection::Target;
use crate::settings::{Settings, Shape};
use crate::status::Watch;
use crate::terminal::{Signals, TerminalGuard};
use crate::{DashError, DashOptions, PlotMode, ui};

/// The status lines, the curves and the inspector change on screen at most this often.
const FIGURES_EVERY: Duration = Duration::from_millis(250);
/// The maps (the plane, the network) change on screen at most this often: smooth
/// enough to watch the boundary form, a fraction of the bytes of every frame.
const MAPS_EVERY: Duration = Duration::from_millis(250);
/// The pictures are re-evaluated at most this often.
const PLANE_EVERY: Duration = Duration::from_millis(100);
/// Image predictions are refreshed at most this often.
const DIGITS_EVERY: Duration = Duration::from_secs(1);
/// A followed run directory is read this often.
const FOLLOW_EVERY: Duration = Duration::from_millis(200);
/// Longest wait for a key before looking at the trainer again, while it trains.
const POLL: Duration = Duration::from_millis(8);
/// The same while nothing happens (paused): a few wake-ups a second.
const IDLE_POLL: Duration = Duration::from_millis(250);
/// Test images scanned for mistakes.
const DIGITS_SCANNED: usize = 500;

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
    let follower = Follower::open(dir)?;
    let info = follower.info().clone();
    let (data_spec, data) = info.data.load()?;
    let data_options = info.data.options.clone();
    let mut settings = settings_for(
        &data_spec,
        &data_options,
        &data,
        &info.config,
        pace_of(&info),
    )?;
    settings.dataset.clone_from(&info.dataset);
    settings.threads = threads_of(&info.config);
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
    let mut guard = TerminalGuard::new(mouse)?;
    let result = rt.event_loop(&mut guard, &signals, &mut |_| {}, &mut || Ok(()));
    drop(guard);
    result
}

/// Shows the runs recorded in `dirs` side by side, following them live, until the user quits.
pub fn compare(dirs: &[PathBuf], plot: PlotMode, fps: u32) -> Result<(), DashError> {
    let signals = Signals::register()?;
    let mut readers = dirs
        .iter()
        .map(|dir| RunReader::open(dir))
        .collect::<Result<Vec<_>, _>>()?;
    let runs = readers
        .iter()
        .map(|r| (r.dir(), r.info().clone()))
        .collect();
    let mut comparison = Comparison::new(runs, plot, ColorDepth::detect());
    // Everything written so far, before the terminal is touched.
    read_runs(&mut comparison, &mut readers)?;
    let mut guard = TerminalGuard::new(false)?;
    let mut pacer = Pacer::new(fps, guard.bytes.clone());
    let terminal = &mut guard.terminal;
    let (mut dirty, mut force, mut last_read) = (true, true, Instant::now());
    loop {
        if signals.interrupt.load(Ordering::Relaxed) || signals.terminate.load(Ordering::Relaxed) {
            break;
        }
        if last_read.elapsed() >= FOLLOW_EVERY {
            dirty |= read_runs(&mut comparison, &mut readers)?;
            last_read = Instant::now();
        }
        if dirty && pacer.due(Instant::now()) {
            if pacer.in_flight() {
                // The previous frame first; then the newest runs.
                pacer.wait_for_link();
                continue;
            }
            let panels = [Panel {
                area: terminal.get_frame().area(),
                every: FIGURES_EVERY,
                urgent: true,
            }];
            let urgency = if force {
                Urgency::Answer
            } else {
                Urgency::Paced
            };
            dirty = pacer.draw(terminal, &panels, urgency, |frame| {
                ui::draw_comparison(frame, &comparison);
            })?;
            force = false;
        }
        if event::poll(FOLLOW_EVERY / 4)? {
            match event::read()? {
                TermEvent::Key(key) if handle_key(key) == Some(Action::Quit) => break,
                TermEvent::Resize(..) => {
                    terminal.autoresize()?;
                    (dirty, force) = (true, true);
                }
                _ => {}
            }
        }
    }
    drop(guard);
    Ok(())
}

/// Folds what each run wrote since the last look into the comparison; true if anything did.
fn read_runs(comparison: &mut Comparison, readers: &mut [RunReader]) -> Result<bool, DashError> {
    let mut changed = false;
    for (i, reader) in readers.iter_mut().enumerate() {
        let (records, status) = reader.poll()?;
        changed |= !records.is_empty();
        for record in &records {
            comparison.add(i, record);
        }
        for warning in reader.take_warnings() {
            comparison.log(warning);
            changed = true;
        }
        comparison.set_status(i, status);
    }
    Ok(changed)
}

/// The worker threads a run's trainer had: as configured, or one per core.
fn threads_of(config: &TrainConfig) -> usize {
    match config.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
}

/// The pace a run's state line names (max if it names none).
fn pace_of(info: &RunInfo) -> Pace {
    StateLine::read(&info.state_line)
        .ok()
        .and_then(|imported| imported.line.pace)
        .unwrap_or(Pace::Max)
}

/// What the dashboard shows of a run on `data` (loaded from `spec` with
/// `options`) with `config` at `pace`: the settings the keys then change.
fn settings_for(
    spec: &DataSpec,
    options: &DataOptions,
    data: &TrainData,
    config: &TrainConfig,
    pace: Pace,
) -> Result<Settings, DashError> {
    let arch = &config.architecture;
    let sizes = &arch.sizes;
    Ok(Settings {
        dataset: spec.name(),
        noise: options.noise_for(spec),
        test_fraction: options.test_fraction,
        own_test_set: matches!(spec, DataSpec::Mnist | DataSpec::IdxFolder(_)),
        data_seed: options.seed,
        raw_columns: raw_columns(spec, options, data)?,
        features: data.input_features(),
        inputs: data.train.dim(),
        task: data.train.task(),
        hidden: sizes[1..sizes.len() - 1].to_vec(),
        activation: arch.hidden,
        learning_rate: config.learning_rate,
        batch_size: config.batch_size,
        l1: config.l1,
        l2: config.l2,
        regularization_rate: config.l1.max(config.l2),
        seed: config.seed,
        pace,
        threads: config.threads,
        optimizer: config.optimizer.name(),
        discretize: false,
        test_points: true,
    })
}

/// The raw columns of the data behind `data` (before its features).
fn raw_columns(
    spec: &DataSpec,
    options: &DataOptions,
    data: &TrainData,
) -> Result<usize, DashError> {
    if data.features.is_none() {
        return Ok(data.train.dim());
    }
    if let DataSpec::Generator(name) = spec
        && let Some(columns) = nn_data::generator_columns(name)
    {
        return Ok(columns);
    }
    let raw = DataOptions {
        features: None,
        ..options.clone()
    };
    Ok(load_data(spec, &raw)?.train.dim())
}

impl Runtime {
    /// The data spec and options the settings ask for.
    fn wanted_data(&self) -> (DataSpec, DataOptions) {
        let s = &self.app.settings;
        let spec = if nn_data::is_generator(&s.dataset) {
            DataSpec::Generator(s.dataset.clone())
        } else {
            self.options.data_spec.clone()
        };
        let options = DataOptions {
            noise: s.noise,
            seed: s.data_seed,
            test_fraction: s.test_fraction,
            features: s.features.clone(),
            ..self.options.data_options.clone()
        };
        (spec, options)
    }

    /// Starts a trainer for the current settings (loading new data if they ask for other data).
    fn start(&mut self, paused: bool) -> Result<(), DashError> {
        let (spec, options) = self.wanted_data();
        if spec != self.data_spec || options != self.data_options {
            let data = match self.drawn_data(&spec, &options) {
                Some(data) => data,
                None => load_data(&spec, &options)?,
            };
            let columns = raw_columns(&spec, &options, &data)?;
            self.data = Arc::new(data);
            self.data_spec = spec;
            self.data_options = options;
            self.app.settings.raw_columns = columns;
        }
        let data = Arc::clone(&self.data);
        let s = &mut self.app.settings;
        s.inputs = data.train.dim();
        s.task = data.train.task();
        s.features = data.input_features();
        s.own_test_set = matches!(self.data_spec, DataSpec::Mnist | DataSpec::IdxFolder(_));
        // The user's request with what the keys have changed since.
        let request = TrainRequest {
            layers: None,
            hidden: Some(s.hidden.clone()),
            activation: Some(s.activation),
            learning_rate: Some(s.learning_rate),
            batch_size: Some(s.batch_size),
            l1: s.l1,
            l2: s.l2,
            seed: s.seed,
            pace: Some(s.pace),
            ..self.options.request.clone()
        };
        let mut run = Run::on_data(
            self.data_spec.clone(),
            self.data_options.clone(),
            data,
            &request,
            Purpose::Dashboard,
        )?;
        let config = run.trainer().config().clone();
        s.threads = run.trainer().threads();
        s.optimizer = config.optimizer.name();
        let pace = s.pace;
        // Recording: a new trainer after a restart goes on in the same folder; a
        // folder that cannot be written costs a line in the log, not the run.
        match (self.writer.take(), &self.options.run_dir) {
            (Some(writer), _) => run.record_again(writer, pace),
            (None, Some(dir)) => {
                if let Err(e) = run.record(&Recording::Into(dir.clone()), pace) {
                    self.app.log(format!("not recording the run: {e}"));
                }
            }
            (None, None) => {}
        }
        let (handle, writer) = run.spawn(SessionOptions {
            start_paused: paused,
            progress_interval: Duration::from_millis(50),
            snapshot_interval: Duration::from_millis(100),
            exit_when_finished: false,
            pace,
        });
        self.handle = Some(handle);
        self.writer = writer;
        self.config = Some(config);
        self.app.status.state = if paused {
            RunState::Paused
        } else {
            RunState::Running
        };
        self.set_points();
        self.app.train_samples = self.data.train.len();
        self.started = Instant::now();
        self.app.view.state_line = self.state_line();
        Ok(())
    }

    /// Applies what the followed run wrote since the last look; returns whether
    /// anything shown changed and whether the network did.
    fn follow(&mut self) -> Result<(bool, bool), DashError> {
        let (mut changed, mut network) = (false, false);
        while let Some(follower) = &mut self.follower {
            let followed = follower.poll(&mut self.app)?;
            changed |= followed.changed;
            network |= followed.network;
            if let Some(line) = followed.state_line {
                self.follow_state_line(&line);
                changed = true;
            }
            let Some(info) = followed.restarted else {
                break;
            };
            self.follow_restart(&info)?;
            (changed, network) = (true, true);
        }
        Ok((changed, network))
    }

    /// A new trainer in the followed run: its data, settings and network.
    fn follow_restart(&mut self, info: &RunInfo) -> Result<(), DashError> {
        let (spec, data) = info.data.load()?;
        let mut settings = settings_for(
            &spec,
            &info.data.options,
            &data,
            &info.config,
            pace_of(info),
        )?;
        settings.dataset.clone_from(&info.dataset);
        settings.threads = threads_of(&info.config);
        settings.discretize = self.app.settings.discretize;
        settings.test_points = self.app.settings.test_points;
        self.app.settings = settings;
        self.app.clear_run();
        self.app.view.state_line.clone_from(&info.state_line);
        self.app.log(format!(
            "the writer restarted: {} {}",
            info.dataset, info.config.architecture
        ));
        self.data = Arc::new(data);
        self.data_spec = spec;
        self.data_options = info.data.options.clone();
        self.config = Some(info.config.clone());
        if let Some(follower) = &mut self.follower {
            follower.expect(info.config.architecture.clone());
        }
        self.set_points();
        Ok(())
    }

    /// The followed run's state line changed: its rates and pace, and new points
    /// when the writer drew new ones (another data seed, noise, ...).
    fn follow_state_line(&mut self, text: &str) {
        self.app.view.state_line = text.to_string();
        let Ok(imported) = StateLine::read(text) else {
            return;
        };
        let line = imported.line;
        let s = &mut self.app.settings;
        s.learning_rate = line.learning_rate.unwrap_or(s.learning_rate);
        s.batch_size = line.batch_size.unwrap_or(s.batch_size);
        s.l1 = line.l1.unwrap_or(s.l1);
        s.l2 = line.l2.unwrap_or(s.l2);
        s.regularization_rate = s.l1.max(s.l2).max(s.regularization_rate);
        s.pace = line.pace.unwrap_or(s.pace);
        if !matches!(self.data_spec, DataSpec::Generator(_)) {
            return;
        }
        let options = DataOptions {
            target: self.data_options.target.clone(),
            normalization: self.data_options.normalization,
            ..line.data_options()
        };
        if options != self.data_options {
            match load_data(&self.data_spec, &options) {
                Ok(data) => {
                    self.data = Arc::new(data);
                    self.data_options = options;
                    self.set_points();
                }
                Err(e) => self.app.log(format!("could not load the new points: {e}")),
            }
        }
    }

    /// The points the panels draw, from the current data.
    fn set_points(&mut self) {
        if self.is_drawing_data(&self.data_spec) {
            crate::drawing::show_points(&mut self.app);
            return;
        }
        let data = &self.data;
        let raw = DataOptions {
            features: None,
            ..self.data_options.clone()
        };
        // The points are the raw columns: with features, the data before them.
        let raw_data;
        let source = if data.features.is_some() {
            match load_data(&self.data_spec, &raw) {
                Ok(d) => {
                    raw_data = d;
                    &raw_data
                }
                Err(_) => data,
            }
        } else {
            data
        };
        self.app.view.train_points = points_of(&source.train);
        self.app.view.test_points = source
            .test
            .as_ref()
            .or(source.validation.as_ref())
            .map(points_of)
            .unwrap_or_default();
    }

    fn restart(&mut self) {
        let paused = self.app.status.state == RunState::Paused;
        if let Some(handle) = self.handle.take() {
            handle.join();
        }
        if let Err(e) = self.start(paused) {
            self.app.log(format!("could not start: {e}"));
            self.app.status.state = RunState::Stopped;
        }
    }

    /// New points from the settings' data seed; the trainer goes on with its weights.
    fn regenerate(&mut self) {
        let (spec, options) = self.wanted_data();
        match load_data(&spec, &options) {
            Ok(data) => {
                self.data = Arc::new(data);
                self.data_options = options;
                if let Some(h) = &self.handle {
                    h.send(Command::SetData(Arc::clone(&self.data)));
                }
                self.set_points();
                self.app.train_samples = self.data.train.len();
                self.app.view.inspection = None;
            }
            Err(e) => self.app.log(format!("could not generate new points: {e}")),
        }
    }

    /// Whether `spec` is the drawing's file (the data is what is drawn).
    fn is_drawing_data(&self, spec: &DataSpec) -> bool {
        matches!((spec, &self.app.view.drawing), (DataSpec::Csv(path), Some(d)) if *path == d.path)
    }

    /// The drawing's points as data, when `spec` is the drawing's file.
    fn drawn_data(&mut self, spec: &DataSpec, options: &DataOptions) -> Option<TrainData> {
        if !self.is_drawing_data(spec) {
            return None;
        }
        let drawing = self.app.view.drawing.as_ref()?;
        match crate::drawing::train_data(drawing, options) {
            Ok(data) => Some(data),
            Err(e) => {
                self.app.log(format!("cannot train on the drawing: {e}"));
                None
            }
        }
    }

    /// The drawn points changed: train on them, with the same weights while the
    /// network still fits them (classes drawn, features), else from new weights.
    fn train_on_drawing(&mut self) {
        let Some(path) = self.app.view.drawing.as_ref().map(|d| d.path.clone()) else {
            return;
        };
        let spec = DataSpec::Csv(path);
        let fits = |old: &TrainData, new: &TrainData| {
            old.train.task() == new.train.task() && old.train.dim() == new.train.dim()
        };
        self.options.data_spec = spec.clone();
        self.app.settings.dataset = spec.name();
        self.app.settings.noise = None;
        self.app.settings.raw_columns = 2;
        let (_, options) = self.wanted_data();
        let Some(data) = self.drawn_data(&spec, &options) else {
            return;
        };
        let same_run = self.is_drawing_data(&self.data_spec) && self.handle.is_some();
        if same_run && fits(&self.data, &data) {
            self.data = Arc::new(data);
            self.data_options = options;
            if let Some(h) = &self.handle {
                h.send(Command::SetData(Arc::clone(&self.data)));
                if self.app.status.state == RunState::Paused {
                    h.send(Command::Resume);
                    self.app.status.state = RunState::Running;
                }
            }
            self.app.train_samples = self.data.train.len();
            self.app.view.inspection = None;
        } else {
            self.data = Arc::new(data);
            self.data_spec = spec;
            self.data_options = options;
            self.app.status.state = RunState::Running;
            self.app.clear_run();
            self.restart();
            let count = self.app.view.drawing.as_ref().map_or(0, |d| d.points.len());
            self.app.log(format!("training on {count} drawn points"));
        }
        crate::drawing::show_points(&mut self.app);
    }

    /// `w`: the drawing saved (in drawing mode), else the data on screen written as
    /// CSV beside the model, with its split column.
    fn write_data(&mut self) {
        if let Some(drawing) = self.app.view.drawing.as_mut().filter(|d| d.active) {
            let path = drawing.path.clone();
            let count = drawing.points.len();
            let message = match drawing.save(&path) {
                Ok(()) => format!("saved {count} drawn points to {}", path.display()),
                Err(e) => format!("could not save the drawing: {e}"),
            };
            self.app.log(message);
            return;
        }
        let name: String = self
            .data_spec
            .name()
            .rsplit('/')
            .next()
            .unwrap_or("data")
            .trim_end_matches(".csv")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self
            .options
            .model_path
            .with_file_name(format!("{name}-data.csv"));
        let message = match crate::drawing::write_data(&self.data, &path) {
            Ok(rows) => format!("wrote {rows} rows to {}", path.display()),
            Err(e) => format!("could not write the data: {e}"),
        };
        self.app.log(message);
    }

    /// Saves what is on screen (drawn afresh at the terminal's size) and the
    /// pictures of the current network into the run's folder (the current one if
    /// it records none); the log line says where.
    fn save_pictures(&mut self) {
        let area = self.screen;
        // The test backend cannot fail (its error type is `Infallible`).
        let Ok(mut terminal) =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(area.width, area.height));
        let Ok(frame) = terminal.draw(|frame| ui::draw(frame, &self.app));
        let buffer = frame.buffer.clone();
        // The run's folder: the one recorded into, else the one watched.
        let watched = self.app.watch.as_ref().map(|w| PathBuf::from(&w.dir));
        for line in crate::pictures::save(
            self.options.run_dir.as_deref().or(watched.as_deref()),
            &buffer,
            self.app.network.as_deref(),
            &self.data,
        ) {
            self.app.log(line);
        }
    }

    /// The state line of the run as it stands (with the changes made by keys since it started).
    fn state_line(&self) -> String {
        let Some(config) = &self.config else {
            return String::new();
        };
        let s = &self.app.settings;
        let config = TrainConfig {
            learning_rate: s.learning_rate,
            batch_size: s.batch_size,
            l1: s.l1,
            l2: s.l2,
            seed: s.seed,
            ..config.clone()
        };
        let mut line = StateLine::from_run(
            &self.data_spec,
            &self.data_options,
            &self.data,
            &config,
            s.pace,
        );
        line.discretize = s.discretize.then_some(true);
        line.test_points = (!s.test_points).then_some(false);
        line.to_string()
    }

    /// Carries out what an update asks for; true if the pictures must be recomputed.
    fn carry_out(&mut self, effects: Vec<Effect>) -> bool {
        let mut fresh = false;
        for effect in effects {
            match effect {
                Effect::Send(command) => {
                    if let Some(h) = &self.handle {
                        h.send(command);
                    }
                }
                Effect::Restart => {
                    self.restart();
                    fresh = true;
                }
                Effect::Regenerate => {
                    self.regenerate();
                    fresh = true;
                }
                Effect::Quit => {}
                Effect::TrainOnDrawing => {
                    self.train_on_drawing();
                    fresh = true;
                }
                Effect::WriteData => self.write_data(),
                Effect::SavePictures => self.save_pictures(),
            }
        }
        self.app.view.state_line = self.state_line();
        if let Some(writer) = &mut self.writer {
            writer.state_line(&self.app.view.state_line);
        }
        fresh
    }

    fn event_loop(
        &mut self,
        guard: &mut TerminalGuard,
        signals: &Signals,
        observer: &mut dyn FnMut(&Event),
        on_lesson_done: &mut dyn FnMut() -> Result<(), String>,
    ) -> Result<(), DashError> {
        let mut pacer = Pacer::new(self.options.fps, guard.bytes.clone());
        let terminal = &mut guard.terminal;
        let mut dirty = true;
        // The next frame answers a key: the figures at once, whatever their rates.
        let mut force = true;
        // Quiet (paused) and shown in exact shades since.
        let mut settled = false;
        let mut network_changed = true;
        let mut last_plane: Option<Instant> = None;
        let mut last_digits: Option<Instant> = None;
        let mut shown_seconds = u64::MAX;
        let mut extent: Option<(usize, usize, Extent)> = None;
        let mut size = terminal.size()?;
        let mut last_follow: Option<Instant> = None;
        loop {
            if signals.interrupt.load(Ordering::Relaxed) {
                break;
            }
            if signals.terminate.load(Ordering::Relaxed) {
                self.save_for_recovery();
                break;
            }
            // Trainer events: all of them, every turn, so the trainer never waits on us.
            let mut busy = false;
            if let Some(handle) = &self.handle {
                for event in handle.events().try_iter().take(100_000) {
                    busy = true;
                    observer(&event);
                    if let Some(writer) = &mut self.writer {
                        writer.observe(&event);
                    }
                    network_changed |= matches!(event, Event::Snapshot(_));
                    if let Some(lesson) = &mut self.app.lesson {
                        lesson.on_event(&event);
                    }
                    dirty |= self.app.apply_event(event);
                }
            }
            dirty |= self.lesson_met(on_lesson_done);
            if self.follower.is_some() && last_follow.is_none_or(|t| t.elapsed() >= FOLLOW_EVERY) {
                match self.follow() {
                    Ok((changed, network)) => {
                        dirty |= changed;
                        network_changed |= network;
                    }
                    Err(e) => {
                        // What was read stays on screen.
                        self.app.log(format!("stopped following the run: {e}"));
                        self.follower = None;
                        dirty = true;
                    }
                }
                last_follow = Some(Instant::now());
            }
            if let Some(problem) = self.writer.as_mut().and_then(RunWriter::problem) {
                self.app.log(format!("recording the run: {problem}"));
                dirty = true;
            }
            let elapsed = match (&self.follower, &self.app.watch) {
                // A watched run's own clock: since it started while it runs, else
                // up to its last record.
                (Some(f), Some(w)) if w.status != RunStatus::Running => f.run_time(),
                (Some(f), _) => since_unix(f.info().started).max(f.run_time()),
                _ => self.started.elapsed(),
            };
            if elapsed.as_secs() != shown_seconds {
                shown_seconds = elapsed.as_secs();
                dirty = true;
            }
            self.app.status.elapsed = elapsed;

            // Pictures from the latest weights, a few times per second.
            let area = Rect::new(0, 0, size.width, size.height);
            self.screen = area;
            let now = Instant::now();
            if network_changed && last_plane.is_none_or(|t| now - t >= PLANE_EVERY) {
                self.compute_pictures(area, &mut extent);
                network_changed = false;
                last_plane = Some(now);
                dirty = true;
            }
            if image_side(&self.data.train).is_some()
                && self.app.network.is_some()
                && last_digits.is_none_or(|t| now - t >= DIGITS_EVERY)
            {
                let test = self.data.test.as_ref().unwrap_or(&self.data.train);
                if let Some(net) = &self.app.network {
                    self.app.view.digits = digits_view(
                        net,
                        test,
                        &self.data.normalization,
                        DIGITS_SCANNED,
                        6,
                        &mut self.workspace,
                    );
                }
                last_digits = Some(now);
                dirty = true;
            }
            dirty |= self.refresh_inspection();
            if let Some(limit) = ui::inspector_scroll_limit(area, &self.app) {
                let scroll = &mut self.app.selection.inspector.scroll;
                *scroll = (*scroll).min(limit);
            }
            if dirty && pacer.due(now) {
                if pacer.in_flight() {
                    // Never queue frames: wait for the previous one to arrive, take
                    // in what happened meanwhile, then draw only the newest state.
                    pacer.wait_for_link();
                    if let Some(notice) = pacer.notice.take() {
                        self.app.log(notice);
                    }
                    continue;
                }
                let panels = panels(area, &self.app, pacer.interval());
                let urgency = if settled {
                    Urgency::Exact
                } else if force {
                    Urgency::Answer
                } else {
                    Urgency::Paced
                };
                dirty = pacer.draw(terminal, &panels, urgency, |frame| {
                    ui::draw(frame, &self.app);
                })?;
                force = false;
            }

            // Keys, the mouse and resizes.
            let idle = !busy && !dirty && self.app.status.state != RunState::Running;
            // Quiet (paused, nothing arriving): frames in the exact shades (running,
            // cells keep shades a step or two off until they move visibly).
            let quiet = !busy && self.app.status.state != RunState::Running;
            if quiet != settled {
                settled = quiet;
                dirty |= quiet;
            }
            let mut timeout = if idle {
                // Wake for the clock's next second, or a key.
                IDLE_POLL.min(Duration::from_millis(
                    1000 - u64::from(elapsed.subsec_millis()),
                ))
            } else {
                POLL
            };
            while event::poll(timeout)? {
                timeout = Duration::ZERO;
                let action = match event::read()? {
                    TermEvent::Key(key) => {
                        match self.app.lesson.as_mut().and_then(|l| l.key(key)) {
                            Some(LessonKey::Next) => {
                                self.lesson_end = LessonEnd::Next;
                                self.app.quit = true;
                                None
                            }
                            Some(LessonKey::Handled) => {
                                (dirty, force) = (true, true);
                                None
                            }
                            None => crate::drawing::handle_key(&self.app, key)
                                .or_else(|| handle_key(key)),
                        }
                    }
                    TermEvent::Mouse(mouse) => {
                        let target = ui::hit(area, &self.app, mouse.column, mouse.row);
                        // Only a click picks a training point; over the plane the pointer looks at nothing.
                        let looked_at = target.filter(|t| !matches!(t, Target::Sample(_)));
                        match mouse.kind {
                            MouseEventKind::Down(MouseButton::Left)
                                if self.app.view.drawing.as_ref().is_some_and(|d| d.active) =>
                            {
                                ui::plane_point(area, &self.app, mouse.column, mouse.row)
                                    .map(|(x1, x2)| Action::Draw(DrawAction::At(x1, x2)))
                            }
                            MouseEventKind::Down(MouseButton::Left) => target.map(Action::Click),
                            MouseEventKind::Moved | MouseEventKind::Drag(_)
                                if looked_at != self.app.selection.hover =>
                            {
                                Some(Action::Hover(looked_at))
                            }
                            _ => None,
                        }
                    }
                    TermEvent::Resize(..) => {
                        terminal.autoresize()?;
                        size = terminal.size()?;
                        network_changed = true;
                        last_plane = None;
                        (dirty, force) = (true, true);
                        None
                    }
                    _ => None,
                };
                let Some(action) = action else { continue };
                (dirty, force) = (true, true);
                if let Some(binding) = self.app.keys.hidden_binding(action) {
                    self.app
                        .log(format!("{}: hidden by the Playground link", binding.label));
                    continue;
                }
                // A different node shown large needs no new pass, only a redraw.
                let effects = self.app.update(action);
                if let Some(mut lesson) = self.app.lesson.take() {
                    lesson.after_update(action, &effects, &self.app);
                    self.app.lesson = Some(lesson);
                }
                if self.carry_out(effects) {
                    network_changed = true;
                    extent = None;
                    last_plane = None;
                    last_digits = None;
                }
            }
            if self.app.quit {
                break;
            }
        }
        Ok(())
    }

    /// Keeps the progress once a lesson's goal is met, and says so; true if it was just met.
    fn lesson_met(&mut self, on_done: &mut dyn FnMut() -> Result<(), String>) -> bool {
        let Some(lesson) = &mut self.app.lesson else {
            return false;
        };
        if !lesson.take_just_met() {
            return false;
        }
        let next = match &lesson.run.next {
            Some(_) => "N: the next lesson",
            None => "that was the last lesson",
        };
        let message = match on_done() {
            Ok(()) => format!("goal met: lesson done ({next})"),
            Err(e) => format!("goal met, but the progress was not kept: {e}"),
        };
        self.app.log(message);
        true
    }

    /// Works out what the inspector shows when it is open and its weights, sample
    /// or settings changed; true if anything changed.
    fn refresh_inspection(&mut self) -> bool {
        let app = &mut self.app;
        if !app.selection.inspector.open {
            return app.view.inspection.take().is_some();
        }
        let (Some(network), Some(config)) = (&app.network, &self.config) else {
            return false;
        };
        let n = self.data.train.len();
        if n == 0 {
            return false;
        }
        let sample = app.selection.inspector.sample.min(n - 1);
        if app
            .view
            .inspection
            .as_ref()
            .is_some_and(|v| v.shows(network, sample, &app.settings, config))
        {
            return false;
        }
        match InspectorView::compute(
            Arc::clone(network),
            &self.data,
            sample,
            &app.settings,
            config,
        ) {
            Ok(view) => app.view.inspection = Some(view),
            Err(e) => {
                app.view.inspection = None;
                app.selection.inspector.open = false;
                app.log(format!("cannot inspect sample {}: {e}", sample + 1));
            }
        }
        true
    }

    /// The plane (2-D data) or the curve (1-D data) from the latest weights.
    fn compute_pictures(&mut self, area: Rect, extent: &mut Option<(usize, usize, Extent)>) {
        let Some(net) = self.app.network.clone() else {
            return;
        };
        let s = &self.app.settings;
        let features = self.data.features.as_ref();
        match s.shape() {
            Shape::Plane => {
                let Some((w, h)) = ui::boundary_pixels(area, &self.app) else {
                    return;
                };
                let e = match *extent {
                    Some((ew, eh, e)) if (ew, eh) == (w, h) => e,
                    _ => self
                        .app
                        .view
                        .points_extent(w, h)
                        .unwrap_or_else(|| Extent::around([], w, h)),
                };
                *extent = Some((w, h, e));
                let shown = s.available_features();
                self.app.view.plane = PlaneView::compute(
                    &net,
                    &self.data.normalization,
                    features,
                    &shown,
                    e,
                    w,
                    h,
                    &mut self.workspace,
                );
            }
            Shape::Line => {
                let Some(points) = ui::curve_points(area, &self.app) else {
                    return;
                };
                self.app.view.curve = CurveView::compute(
                    &net,
                    &self.data.normalization,
                    features,
                    ui::curve_range(&self.app),
                    points,
                    &mut self.workspace,
                );
            }
            Shape::Wide => {}
        }
    }

    /// On SIGTERM or SIGHUP: a checkpoint (if a folder is set) and the model at the recovery path.
    fn save_for_recovery(&mut self) {
        crate::drawing::rescue(&self.app, &self.options.model_path);
        let Some(handle) = &self.handle else { return };
        if self.options.request.checkpoint_dir.is_some() {
            handle.send(Command::Checkpoint);
        }
        handle.send(Command::SaveModel(recovery_path(&self.options.model_path)));
    }
}

/// The panels of the dashboard in `area` and how often each may change on
/// screen: the maps as often as frames come, the figures a few times a second.
fn panels(area: Rect, app: &App, frame: Duration) -> Vec<Panel> {
    let Some(areas) = ui::areas(area, app) else {
        return Vec::new();
    };
    let figures = |area| Panel {
        area,
        every: FIGURES_EVERY,
        urgent: true,
    };
    // A large map sends more cells a frame: its rate falls with the square root
    // of its size beyond that of the 80x24 plane (about 1000 cells).
    let maps = |area: Rect| Panel {
        area,
        every: MAPS_EVERY
            .mul_f64((f64::from(area.area()) / 1000.0).sqrt().max(1.0))
            .max(frame),
        urgent: false,
    };
    let mut out = vec![
        figures(areas.status),
        figures(areas.log),
        figures(areas.curves),
    ];
    out.extend(areas.boundary.map(maps));
    out.extend(areas.network.map(maps));
    out.extend(areas.inspector.map(figures));
    out.extend(areas.confusion.map(figures));
    out.extend(areas.lesson.map(figures));
    out.extend(areas.digits.map(|area| Panel {
        area,
        every: DIGITS_EVERY,
        urgent: true,
    }));
    out
}

/// Time since `unix` seconds since 1970 (zero if that is in the future).
fn since_unix(unix: f64) -> Duration {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    Duration::from_secs_f64((now - unix).max(0.0))
}
