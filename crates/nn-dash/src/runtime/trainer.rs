//! The dashboard's own trainer: the settings a run shows, starting and
//! restarting it from the settings the keys changed, new points, the state
//! line, the effects an update asks for, and the rescue on SIGTERM.

use std::sync::Arc;
use std::time::{Duration, Instant};

use nn_run::{
    Command, DataOptions, DataSpec, Pace, Purpose, Recording, Run, RunInfo, RunState,
    SessionOptions, StateLine, load_data, recovery_path,
};
use nn_train::{Setting, TrainConfig, TrainData};

use crate::DashError;
use crate::action::Effect;
use crate::settings::Settings;

use super::Runtime;

/// The worker threads a run's trainer had: as configured, or one per core.
pub(super) fn threads_of(config: &TrainConfig) -> usize {
    match config.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
}

/// The pace a run's state line names (max if it names none).
pub(super) fn pace_of(info: &RunInfo) -> Pace {
    StateLine::read(&info.state_line)
        .ok()
        .and_then(|imported| imported.line.pace)
        .unwrap_or(Pace::Max)
}

/// What the dashboard shows of a run on `data` (loaded from `spec` with
/// `options`) with `config` at `pace`: the run's line, which the keys then
/// change, and what the dashboard derives from the data.
pub(super) fn settings_for(
    spec: &DataSpec,
    options: &DataOptions,
    data: &TrainData,
    config: &TrainConfig,
    pace: Pace,
) -> Result<Settings, DashError> {
    Ok(Settings {
        run: StateLine::from_run(spec, options, data, config, pace),
        own_test_set: has_own_test_set(spec),
        raw_columns: raw_columns(spec, options, data)?,
        inputs: data.train.dim(),
        task: data.train.task(),
        threads: config.threads,
        regularization_rate: config.l1.max(config.l2),
        discretize: nn_run::default_value(Setting::Discretize),
        test_points: nn_run::default_value(Setting::TestPoints),
    })
}

/// The data comes with its own test set (MNIST), so the split is not the user's.
fn has_own_test_set(spec: &DataSpec) -> bool {
    matches!(spec, DataSpec::Mnist | DataSpec::IdxFolder(_))
}

/// The raw columns of the data behind `data` (before its features).
pub(super) fn raw_columns(
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
    pub(super) fn wanted_data(&self) -> (DataSpec, DataOptions) {
        let line = &self.app.settings.run;
        let spec = if nn_data::is_generator(&line.data) {
            DataSpec::Generator(line.data.clone())
        } else {
            self.options.data_spec.clone()
        };
        let options = line.data_options_over(self.options.data_options.clone());
        (spec, options)
    }

    /// Starts a trainer for the current settings (loading new data if they ask for other data).
    pub(super) fn start(&mut self, paused: bool) -> Result<(), DashError> {
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
        s.run.features = data.input_features();
        s.own_test_set = has_own_test_set(&self.data_spec);
        let request = s.next_request(&self.options.request);
        let pace = s.pace();
        let mut run = Run::on_data(
            self.data_spec.clone(),
            self.data_options.clone(),
            data,
            &request,
            Purpose::Dashboard,
        )?;
        let config = run.trainer().config().clone();
        s.threads = run.trainer().threads();
        // The run's line, every setting resolved: what it shows and records.
        s.run = StateLine::from_run(
            &self.data_spec,
            &self.data_options,
            &self.data,
            &config,
            pace,
        );
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

    pub(super) fn restart(&mut self) {
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
    pub(super) fn regenerate(&mut self) {
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

    /// The state line of the run as it stands (with the changes made by keys since it started).
    pub(super) fn state_line(&self) -> String {
        if self.config.is_none() {
            return String::new();
        }
        self.app.settings.line().to_string()
    }

    /// Carries out what an update asks for; true if the pictures must be recomputed.
    pub(super) fn carry_out(&mut self, effects: Vec<Effect>) -> bool {
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
        // A watched run's line is its writer's (`follow_state_line` shows it).
        if self.follower.is_none() {
            self.app.view.state_line = self.state_line();
        }
        if let Some(writer) = &mut self.writer {
            writer.state_line(&self.app.view.state_line);
        }
        fresh
    }

    /// On SIGTERM or SIGHUP: a checkpoint (if a folder is set) and the model at the recovery path.
    pub(super) fn save_for_recovery(&mut self) {
        crate::drawing::rescue(&self.app, &self.options.model_path);
        let Some(handle) = &self.handle else { return };
        if self.options.request.checkpoint_dir.is_some() {
            handle.send(Command::Checkpoint);
        }
        handle.send(Command::SaveModel(recovery_path(&self.options.model_path)));
    }
}
