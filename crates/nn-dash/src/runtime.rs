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
use nn_data::Features;
use nn_train::{
    Command, DataOptions, DataSpec, Event, Purpose, RunState, SessionOptions, StateLine,
    TrainConfig, TrainData, TrainRequest, Trainer, TrainerHandle, load_data, spawn,
};
use ratatui::layout::Rect;

use crate::app::{Action, App, Effect, Settings, Shape, Target};
use crate::colors::ColorDepth;
use crate::inspect::InspectorView;
use crate::keys::handle_key;
use crate::plot::{CurveView, Extent, PlaneView, digits_view, image_side, points_of};
use crate::terminal::{Signals, TerminalGuard};
use crate::{DashError, DashOptions, ui};

/// At most this many frames per second.
const FRAME: Duration = Duration::from_millis(40);
/// The pictures are re-evaluated at most this often.
const PLANE_EVERY: Duration = Duration::from_millis(100);
/// Image predictions are refreshed at most this often.
const DIGITS_EVERY: Duration = Duration::from_secs(1);
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
    started: Instant,
    workspace: Workspace,
}

/// Runs the dashboard on the real terminal; returns the run's state line.
pub fn run(options: DashOptions, observer: &mut dyn FnMut(&Event)) -> Result<String, DashError> {
    let signals = Signals::register()?;
    let data_spec = options.data_spec.clone();
    let data_options = options.data_options.clone();
    let data = Arc::new(load_data(&data_spec, &data_options)?);
    let request = &options.request;
    let config = request.resolve(Purpose::Dashboard, &data)?;
    let arch = &config.architecture;
    let sizes = &arch.sizes;
    let raw_columns = raw_columns(&data_spec, &data_options, &data)?;
    let regularization_rate = config.l1.max(config.l2);
    let settings = Settings {
        dataset: data_spec.name(),
        noise: data_options.noise_for(&data_spec),
        test_fraction: data_options.test_fraction,
        own_test_set: matches!(data_spec, DataSpec::Mnist | DataSpec::IdxFolder(_)),
        data_seed: data_options.seed,
        raw_columns,
        features: features_of(&data),
        inputs: data.train.dim(),
        task: data.train.task(),
        hidden: sizes[1..sizes.len() - 1].to_vec(),
        activation: arch.hidden,
        learning_rate: config.learning_rate,
        batch_size: config.batch_size,
        l1: config.l1,
        l2: config.l2,
        regularization_rate,
        seed: config.seed,
        pace: request.pace(Purpose::Dashboard, data.train.dim()),
        threads: config.threads,
        optimizer: config.optimizer.name(),
        discretize: options.discretize,
        test_points: options.test_points,
    };
    let mut app = App::new(
        settings,
        options.model_path.clone(),
        options.plot,
        ColorDepth::detect(),
    );
    for notice in &options.notices {
        app.log(notice.clone());
    }
    let mouse = options.mouse;
    let mut rt = Runtime {
        options,
        app,
        data,
        data_spec,
        data_options,
        config: None,
        handle: None,
        started: Instant::now(),
        workspace: Workspace::new(),
    };
    // Fails before the terminal is touched if the configuration does not fit the data.
    rt.start(false)?;
    let mut guard = TerminalGuard::new(mouse)?;
    let result = rt.event_loop(&mut guard, &signals, observer);
    if let Some(handle) = rt.handle.take() {
        handle.join();
    }
    drop(guard);
    result.map(|()| rt.state_line())
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

/// The features of the data: those it was computed with, else its own columns
/// when they are x1 (and x2); `None` for data that has no such columns.
fn features_of(data: &TrainData) -> Option<Features> {
    data.features.clone().or_else(|| {
        let raw = Features::raw(data.train.dim());
        raw.misfit(data.train.feature_names())
            .is_none()
            .then_some(raw)
    })
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
            let data = load_data(&spec, &options)?;
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
        s.features = features_of(&data);
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
        let config = request.resolve(Purpose::Dashboard, &data)?;
        let trainer = Trainer::new(config.clone(), Arc::clone(&data))?;
        s.threads = trainer.threads();
        s.optimizer = config.optimizer.name();
        self.handle = Some(spawn(
            trainer,
            SessionOptions {
                start_paused: paused,
                progress_interval: Duration::from_millis(50),
                snapshot_interval: Duration::from_millis(100),
                exit_when_finished: false,
                pace: s.pace,
            },
        ));
        self.config = Some(config);
        self.app.status.state = if paused {
            RunState::Paused
        } else {
            RunState::Running
        };
        self.set_points();
        self.app.train_samples = self.data.train.len();
        self.started = Instant::now();
        self.app.state_line = self.state_line();
        Ok(())
    }

    /// The points the panels draw, from the current data.
    fn set_points(&mut self) {
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
        self.app.train_points = points_of(&source.train);
        self.app.test_points = source
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
                self.app.inspection = None;
            }
            Err(e) => self.app.log(format!("could not generate new points: {e}")),
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
            }
        }
        self.app.state_line = self.state_line();
        fresh
    }

    fn event_loop(
        &mut self,
        guard: &mut TerminalGuard,
        signals: &Signals,
        observer: &mut dyn FnMut(&Event),
    ) -> Result<(), DashError> {
        let terminal = &mut guard.terminal;
        let mut dirty = true;
        let mut last_draw: Option<Instant> = None;
        let mut network_changed = true;
        let mut last_plane: Option<Instant> = None;
        let mut last_digits: Option<Instant> = None;
        let mut shown_seconds = u64::MAX;
        let mut extent: Option<(usize, usize, Extent)> = None;
        let mut size = terminal.size()?;
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
                    network_changed |= matches!(event, Event::Snapshot(_));
                    dirty |= self.app.apply_event(event);
                }
            }
            let elapsed = self.started.elapsed();
            if elapsed.as_secs() != shown_seconds {
                shown_seconds = elapsed.as_secs();
                dirty = true;
            }
            self.app.status.elapsed = elapsed;

            // Pictures from the latest weights, a few times per second.
            let area = Rect::new(0, 0, size.width, size.height);
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
                    self.app.digits = digits_view(
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
                let scroll = &mut self.app.inspector.scroll;
                *scroll = (*scroll).min(limit);
            }
            if dirty && last_draw.is_none_or(|t| now - t >= FRAME) {
                terminal.draw(|frame| ui::draw(frame, &self.app))?;
                dirty = false;
                last_draw = Some(now);
            }

            // Keys, the mouse and resizes.
            let idle = !busy && !dirty && self.app.status.state != RunState::Running;
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
                    TermEvent::Key(key) => handle_key(key, self.app.overlay.is_some()),
                    TermEvent::Mouse(mouse) => {
                        let target = ui::hit(area, &self.app, mouse.column, mouse.row);
                        // Only a click picks a training point; over the plane the pointer looks at nothing.
                        let looked_at = target.filter(|t| !matches!(t, Target::Sample(_)));
                        match mouse.kind {
                            MouseEventKind::Down(MouseButton::Left) => target.map(Action::Click),
                            MouseEventKind::Moved | MouseEventKind::Drag(_)
                                if looked_at != self.app.hover =>
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
                        dirty = true;
                        None
                    }
                    _ => None,
                };
                let Some(action) = action else { continue };
                dirty = true;
                // A different node shown large needs no new pass, only a redraw.
                let effects = self.app.update(action);
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

    /// Works out what the inspector shows when it is open and its weights, sample
    /// or settings changed; true if anything changed.
    fn refresh_inspection(&mut self) -> bool {
        let app = &mut self.app;
        if !app.inspector.open {
            return app.inspection.take().is_some();
        }
        let (Some(network), Some(config)) = (&app.network, &self.config) else {
            return false;
        };
        let n = self.data.train.len();
        if n == 0 {
            return false;
        }
        let sample = app.inspector.sample.min(n - 1);
        if app
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
            Ok(view) => app.inspection = Some(view),
            Err(e) => {
                app.inspection = None;
                app.inspector.open = false;
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
                        .points_extent(w, h)
                        .unwrap_or_else(|| Extent::around([], w, h)),
                };
                *extent = Some((w, h, e));
                let shown = s.available_features();
                self.app.plane = PlaneView::compute(
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
                self.app.curve = CurveView::compute(
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
        let Some(handle) = &self.handle else { return };
        if self.options.request.checkpoint_dir.is_some() {
            handle.send(Command::Checkpoint);
        }
        handle.send(Command::SaveModel(recovery_path(&self.options.model_path)));
    }
}

/// Where the model goes when the dashboard is killed: `model.safetensors` -> `model.recovery.safetensors`.
pub fn recovery_path(model: &Path) -> PathBuf {
    let stem = model
        .file_stem()
        .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
    let name = match model.extension() {
        Some(ext) => format!("{stem}.recovery.{}", ext.to_string_lossy()),
        None => format!("{stem}.recovery"),
    };
    model.with_file_name(name)
}
