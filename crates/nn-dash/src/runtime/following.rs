//! Watching a run another process records: what it wrote since the last
//! look, a new trainer taking over, and its changed state line.

use std::sync::Arc;

use nn_run::{DataOptions, DataSpec, RunInfo, StateLine, load_data};
use nn_train::TrainData;

use crate::DashError;
use crate::settings::Settings;

use super::Runtime;
use super::trainer::{pace_of, settings_for, threads_of};

/// What the dashboard shows of a run another process records: its line as
/// the writer resolved it, named by the data's short name (the titles'; the
/// state line shown is the writer's own), with the threads its trainer has.
pub(super) fn watched_settings(
    info: &RunInfo,
    spec: &DataSpec,
    data: &TrainData,
) -> Result<Settings, DashError> {
    let mut settings = settings_for(spec, &info.data.options, data, &info.config, pace_of(info))?;
    settings.run.data.clone_from(&info.dataset);
    settings.threads = threads_of(&info.config);
    Ok(settings)
}

impl Runtime {
    /// anything shown changed and whether the network did.
    pub(super) fn follow(&mut self) -> Result<(bool, bool), DashError> {
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
    pub(super) fn follow_restart(&mut self, info: &RunInfo) -> Result<(), DashError> {
        let (spec, data) = info.data.load()?;
        let mut settings = watched_settings(info, &spec, &data)?;
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
    pub(super) fn follow_state_line(&mut self, text: &str) {
        self.app.view.state_line = text.to_string();
        let Ok(imported) = StateLine::read(text) else {
            return;
        };
        let line = imported.line;
        let s = &mut self.app.settings;
        // The rates and the pace change live; the rest comes with a restart record.
        let run = &mut s.run;
        run.learning_rate = line.learning_rate.or(run.learning_rate);
        run.batch_size = line.batch_size.or(run.batch_size);
        run.l1 = line.l1.or(run.l1);
        run.l2 = line.l2.or(run.l2);
        run.pace = line.pace.or(run.pace);
        s.regularization_rate = s.l1().max(s.l2()).max(s.regularization_rate);
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
}
