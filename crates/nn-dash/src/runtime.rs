//! The event loop: starts the trainer, drains its events, turns keys into
//! actions, recomputes the pictures a few times per second and draws at a
//! bounded rate, only when something changed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event as TermEvent};
use nn_core::Workspace;
use nn_train::{
    Command, DataSpec, Event, Purpose, RunState, SessionOptions, TrainData, TrainRequest, Trainer,
    TrainerHandle, load_data, spawn,
};
use ratatui::layout::Rect;

use crate::app::{App, Effect, Settings};
use crate::colors::ColorDepth;
use crate::keys::handle_key;
use crate::plot::{Extent, PlaneView, digits_view, image_side, points_of};
use crate::terminal::{Signals, TerminalGuard};
use crate::{DashError, DashOptions, ui};

/// At most this many frames per second.
const FRAME: Duration = Duration::from_millis(40);
/// The decision boundary is re-evaluated at most this often.
const PLANE_EVERY: Duration = Duration::from_millis(200);
/// Image predictions are refreshed at most this often.
const DIGITS_EVERY: Duration = Duration::from_secs(1);
/// Longest wait for a key before looking at the trainer again.
const POLL: Duration = Duration::from_millis(8);
/// Test images scanned for mistakes.
const DIGITS_SCANNED: usize = 500;

/// The dashboard's run: state, trainer and data.
struct Runtime {
    options: DashOptions,
    app: App,
    data: Arc<TrainData>,
    data_spec: DataSpec,
    handle: Option<TrainerHandle>,
    started: Instant,
    workspace: Workspace,
}

/// Runs the dashboard on the real terminal.
pub fn run(options: DashOptions, observer: &mut dyn FnMut(&Event)) -> Result<(), DashError> {
    let signals = Signals::register()?;
    let data_spec = options.data_spec.clone();
    let data = Arc::new(load_data(&data_spec, &options.data_options)?);
    let config = options.request.resolve(Purpose::Dashboard, &data)?;
    let arch = &config.architecture;
    let sizes = &arch.sizes;
    let settings = Settings {
        dataset: data_spec.name(),
        inputs: data.train.dim(),
        task: data.train.task(),
        hidden: sizes[1..sizes.len() - 1].to_vec(),
        activation: arch.hidden,
        learning_rate: config.learning_rate,
        batch_size: config.batch_size,
        threads: config.threads,
        optimizer: config.optimizer.name(),
    };
    let app = App::new(
        settings,
        options.model_path.clone(),
        options.plot,
        ColorDepth::detect(),
    );
    let mut rt = Runtime {
        options,
        app,
        data,
        data_spec,
        handle: None,
        started: Instant::now(),
        workspace: Workspace::new(),
    };
    // Fails before the terminal is touched if the configuration does not fit the data.
    rt.start(false)?;
    let mut guard = TerminalGuard::new()?;
    let result = rt.event_loop(&mut guard, &signals, observer);
    if let Some(handle) = rt.handle.take() {
        handle.join();
    }
    drop(guard);
    result
}

impl Runtime {
    /// Starts a trainer for the current settings (loading new data if the dataset changed).
    fn start(&mut self, paused: bool) -> Result<(), DashError> {
        let s = &mut self.app.settings;
        let spec = if nn_data::is_generator(&s.dataset) {
            DataSpec::Generator(s.dataset.clone())
        } else {
            self.options.data_spec.clone()
        };
        if spec != self.data_spec {
            self.data = Arc::new(load_data(&spec, &self.options.data_options)?);
            self.data_spec = spec;
        }
        let data = Arc::clone(&self.data);
        s.inputs = data.train.dim();
        s.task = data.train.task();
        // The user's request with what the keys have changed since.
        let request = TrainRequest {
            layers: None,
            hidden: Some(s.hidden.clone()),
            activation: Some(s.activation),
            learning_rate: Some(s.learning_rate),
            batch_size: Some(s.batch_size),
            ..self.options.request.clone()
        };
        let config = request.resolve(Purpose::Dashboard, &data)?;
        let pace = request.pace(Purpose::Dashboard, data.train.dim());
        let trainer = Trainer::new(config, Arc::clone(&data))?;
        s.threads = trainer.threads();
        self.handle = Some(spawn(
            trainer,
            SessionOptions {
                start_paused: paused,
                progress_interval: Duration::from_millis(50),
                snapshot_interval: Duration::from_millis(100),
                exit_when_finished: false,
                pace,
            },
        ));
        self.app.status.state = if paused {
            RunState::Paused
        } else {
            RunState::Running
        };
        self.app.train_points = points_of(&data.train);
        self.app.test_points = data
            .test
            .as_ref()
            .or(data.validation.as_ref())
            .map(points_of)
            .unwrap_or_default();
        self.app.target_scale = match data.train.targets() {
            nn_data::Targets::Values(v) => v.iter().fold(0.0f32, |m, x| m.max(x.abs())).max(1e-6),
            nn_data::Targets::Classes(_) => 1.0,
        };
        self.started = Instant::now();
        Ok(())
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
        loop {
            if signals.interrupt.load(Ordering::Relaxed) {
                break;
            }
            if signals.terminate.load(Ordering::Relaxed) {
                self.save_for_recovery();
                break;
            }
            // Trainer events: all of them, every turn, so the trainer never waits on us.
            if let Some(handle) = &self.handle {
                for event in handle.events().try_iter().take(100_000) {
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
            let size = terminal.size()?;
            let area = Rect::new(0, 0, size.width, size.height);
            let now = Instant::now();
            if network_changed && last_plane.is_none_or(|t| now - t >= PLANE_EVERY) {
                if let (Some(net), Some((w, h))) =
                    (&self.app.network, ui::boundary_pixels(area, &self.app))
                {
                    let e = match extent {
                        Some((ew, eh, e)) if (ew, eh) == (w, h) => e,
                        _ => self
                            .app
                            .points_extent(w, h)
                            .unwrap_or_else(|| Extent::around([], w, h)),
                    };
                    extent = Some((w, h, e));
                    self.app.plane = PlaneView::compute(
                        net,
                        &self.data.normalization,
                        e,
                        w,
                        h,
                        &mut self.workspace,
                    );
                }
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
            if dirty && last_draw.is_none_or(|t| now - t >= FRAME) {
                terminal.draw(|frame| ui::draw(frame, &self.app))?;
                dirty = false;
                last_draw = Some(now);
            }

            // Keys and resizes.
            let mut timeout = POLL;
            while event::poll(timeout)? {
                timeout = Duration::ZERO;
                match event::read()? {
                    TermEvent::Key(key) => {
                        let Some(action) = handle_key(key, self.app.help) else {
                            continue;
                        };
                        dirty = true;
                        for effect in self.app.update(action) {
                            match effect {
                                Effect::Send(command) => {
                                    if let Some(h) = &self.handle {
                                        h.send(command);
                                    }
                                }
                                Effect::Restart => {
                                    self.restart();
                                    network_changed = true;
                                    extent = None;
                                    last_plane = None;
                                    last_digits = None;
                                }
                                Effect::Quit => {}
                            }
                        }
                    }
                    TermEvent::Resize(..) => {
                        terminal.autoresize()?;
                        network_changed = true;
                        last_plane = None;
                        dirty = true;
                    }
                    _ => {}
                }
            }
            if self.app.quit {
                break;
            }
        }
        Ok(())
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
