//! Following a run directory that another process writes (`nn-tui watch`):
//! its records become what the dashboard shows, as the trainer's own events
//! would, and the latest snapshot file becomes the network drawn.
//!
//! A [`Follower`] stops at a `restart` record and hands it to the runtime,
//! which loads the new run's data before the records after it are applied.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use nn_core::Architecture;
use nn_run::{Entry, Event, Record, RunDirError, RunInfo, RunReader, RunStatus, SNAPSHOT_FILE};
use nn_train::Model;

use crate::app::App;

/// Reads a run directory and applies it to an [`App`].
#[derive(Debug)]
pub struct Follower {
    reader: RunReader,
    /// Records read but not applied yet (those after a restart).
    pending: VecDeque<Record>,
    /// The network the snapshots must have (the current trainer's).
    architecture: Architecture,
    snapshot: PathBuf,
    status: RunStatus,
    /// Seconds from the start to the latest record.
    pub last_t: f64,
}

/// What one [`Follower::poll`] brought.
#[derive(Debug, Default)]
pub struct Followed {
    /// Something shown changed.
    pub changed: bool,
    /// A new snapshot was loaded into [`App::network`].
    pub network: bool,
    /// The run's state line changed (keys pressed in the writing dashboard).
    pub state_line: Option<String>,
    /// A new trainer took over: the runtime loads its data, then polls again.
    pub restarted: Option<RunInfo>,
}

impl Follower {
    /// Opens the run in `dir`.
    pub fn open(dir: &Path) -> Result<Self, RunDirError> {
        let reader = RunReader::open(dir)?;
        Ok(Self {
            architecture: reader.info().config.architecture.clone(),
            reader,
            pending: VecDeque::new(),
            snapshot: dir.join(SNAPSHOT_FILE),
            status: RunStatus::Running,
            last_t: 0.0,
        })
    }

    /// What the run is (`run.json` as the follower opened it).
    pub fn info(&self) -> &RunInfo {
        self.reader.info()
    }

    /// The snapshots to come belong to a trainer with this network.
    pub fn expect(&mut self, architecture: Architecture) {
        self.architecture = architecture;
    }

    /// Applies what was written since the last poll to `app`, up to a restart.
    pub fn poll(&mut self, app: &mut App) -> Result<Followed, RunDirError> {
        let mut followed = Followed::default();
        if self.pending.is_empty() {
            let (records, status) = self.reader.poll()?;
            self.pending.extend(records);
            if status != self.status {
                self.status = status;
                if let Some(message) = ended(status) {
                    app.log(message);
                }
                if let Some(watch) = &mut app.watch {
                    watch.status = status;
                }
                followed.changed = true;
            }
            // After the end's message, so that a torn record is what the log line shows;
            // the folder is the one watched, the file's name is enough.
            let folder = format!("{}/", self.reader.dir().display());
            for warning in self.reader.take_warnings() {
                app.log(warning.replacen(&folder, "", 1));
                followed.changed = true;
            }
        }
        let mut snapshot = false;
        while let Some(record) = self.pending.pop_front() {
            followed.changed = true;
            self.last_t = self.last_t.max(record.t);
            match record.entry {
                Entry::Epoch(report) => {
                    app.apply_event(Event::EpochEnd(report));
                }
                Entry::Progress(p) => {
                    app.settings.run.learning_rate = Some(p.learning_rate);
                    app.settings.run.batch_size = Some(p.batch_size);
                    app.apply_event(Event::Progress(p));
                }
                Entry::Settings(change) => {
                    app.settings.run.learning_rate = Some(change.learning_rate);
                    app.settings.run.batch_size = Some(change.batch_size);
                }
                Entry::State(state) => {
                    app.apply_event(Event::State(state));
                }
                Entry::Reset(_) => {
                    app.clear_run();
                    app.log("the weights were reset");
                }
                Entry::Snapshot(_) => snapshot = true,
                Entry::Log(message) => app.log(message),
                Entry::StateLine(line) => followed.state_line = Some(line),
                Entry::Restart(info) => {
                    followed.restarted = Some(*info);
                    // The snapshot file already holds the new trainer's weights.
                    snapshot = false;
                    break;
                }
                Entry::End(end) => {
                    if let Some(summary) = end.summary {
                        app.apply_event(Event::Finished(summary));
                    }
                }
            }
        }
        if snapshot {
            followed.network = self.load_snapshot(app);
        }
        Ok(followed)
    }

    /// Loads the snapshot file into `app` if it holds the expected network.
    fn load_snapshot(&self, app: &mut App) -> bool {
        // Replaced atomically by the writer: never half a file. One that does not
        // load (or belongs to a newer trainer) waits for the next snapshot.
        match Model::load(&self.snapshot) {
            Ok(model) if *model.network.architecture() == self.architecture => {
                app.apply_event(Event::Snapshot(Arc::new(model.network)));
                true
            }
            _ => false,
        }
    }

    /// How long ago, in the run's own time, its latest record was written.
    pub fn run_time(&self) -> Duration {
        Duration::from_secs_f64(self.last_t.max(0.0))
    }
}

/// What the log line says when the writer is done.
fn ended(status: RunStatus) -> Option<String> {
    let message = match status {
        RunStatus::Running => return None,
        RunStatus::StoppedWriting => {
            "the writer stopped writing without an end (killed or crashed): this is its last record"
        }
        RunStatus::Finished => "the writer finished: the run is complete",
        RunStatus::Interrupted => "the writer was stopped before the run's end",
        RunStatus::Stopped => "the writer's user stopped the run (quit its dashboard)",
        RunStatus::Diverged => "the writer's run diverged",
        RunStatus::Failed => "the writer's run failed",
    };
    Some(message.into())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use nn_run::{
        DataOptions, DataSpec, Pace, Purpose, RunState, RunWriter, TrainRequest, WriterOptions,
        load_data,
    };
    use nn_train::Trainer;

    use super::*;
    use crate::PlotMode;
    use crate::colors::ColorDepth;
    use crate::status::Watch;

    /// The dashboard's default trainer on the spiral, and a writer recording it in `dir`.
    fn recorded(dir: &Path) -> (Trainer, RunWriter) {
        let spec = DataSpec::Generator("spiral".into());
        let options = DataOptions::default();
        let data = Arc::new(load_data(&spec, &options).unwrap());
        let config = TrainRequest::default()
            .resolve(Purpose::Dashboard, &data)
            .unwrap();
        let trainer = Trainer::new(config, data).unwrap();
        let info = RunInfo::new(&spec, &options, &trainer, Pace::Max, Vec::new());
        let writer =
            RunWriter::create(dir, &info, trainer.model_info(), WriterOptions::default()).unwrap();
        (trainer, writer)
    }

    fn watching() -> App {
        let mut app = App::new(
            crate::app::tests::settings(),
            PathBuf::new(),
            PlotMode::Braille,
            ColorDepth::TrueColor,
        );
        app.watch = Some(Watch {
            dir: "run".into(),
            status: RunStatus::Running,
        });
        app.status.state = RunState::Running;
        app
    }

    #[test]
    fn a_live_run_shows_as_the_trainer_would_show_it() {
        let dir = tempfile::tempdir().unwrap();
        let (mut trainer, mut writer) = recorded(dir.path());
        let mut follower = Follower::open(dir.path()).unwrap();
        let mut app = watching();
        writer.observe(&Event::State(RunState::Running));
        writer.observe(&Event::Snapshot(Arc::new(trainer.network().clone())));
        for report in trainer.run_epochs(3).unwrap() {
            writer.observe(&Event::EpochEnd(report));
        }
        writer.observe(&Event::State(RunState::Paused));
        // The writer's thread writes in the background: wait for the pause.
        let mut shown = Followed::default();
        for _ in 0..200 {
            let followed = follower.poll(&mut app).unwrap();
            shown.network |= followed.network;
            if app.status.state == RunState::Paused {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(app.status.state, RunState::Paused);
        assert_eq!(app.status.epoch, 3);
        assert_eq!(app.history.test_accuracy.points().len(), 3);
        assert!(shown.network);
        assert_eq!(
            app.network.as_deref().map(nn_core::Network::architecture),
            Some(&trainer.config().architecture)
        );
        assert_eq!(
            app.watch.as_ref().map(|w| w.status),
            Some(RunStatus::Running)
        );

        drop(writer); // gone without an end: killed
        let log = dir.path().join(nn_run::EVENTS_FILE);
        let bytes = std::fs::read(&log).unwrap();
        std::fs::write(&log, &bytes[..bytes.len() - 3]).unwrap();
        let mut torn = Follower::open(dir.path()).unwrap();
        let mut app = watching();
        torn.poll(&mut app).unwrap();
        assert_eq!(app.watch.map(|w| w.status), Some(RunStatus::StoppedWriting));
        let torn_warnings = app
            .view
            .log
            .iter()
            .filter(|l| l.contains("skipped a torn record"))
            .count();
        assert_eq!(torn_warnings, 1, "{:?}", app.view.log);
        assert!(
            app.view.log[app.view.log.len() - 2].starts_with("the writer stopped writing"),
            "{:?}",
            app.view.log
        );
        let last = app.view.log.last().unwrap();
        assert!(
            last.starts_with("events.jsonl: skipped a torn record at line "),
            "{last}"
        );
        assert_eq!(app.status.epoch, 3, "the epochs before the torn line");
    }

    #[test]
    fn a_restart_is_handed_over_before_what_follows_it() {
        let dir = tempfile::tempdir().unwrap();
        let (mut trainer, mut writer) = recorded(dir.path());
        for report in trainer.run_epochs(2).unwrap() {
            writer.observe(&Event::EpochEnd(report));
        }
        let mut info = RunReader::open(dir.path()).unwrap().info().clone();
        info.dataset = "circle".into();
        writer.restart(&info, trainer.model_info());
        writer.observe(&Event::State(RunState::Paused));
        writer.finish(None, None).unwrap();

        let mut follower = Follower::open(dir.path()).unwrap();
        let mut app = watching();
        let first = follower.poll(&mut app).unwrap();
        assert_eq!(first.restarted.map(|i| i.dataset), Some("circle".into()));
        assert_eq!(app.status.epoch, 2);
        assert_ne!(
            app.status.state,
            RunState::Paused,
            "not yet: after the restart"
        );
        let second = follower.poll(&mut app).unwrap();
        assert!(second.restarted.is_none());
        assert_eq!(app.status.state, RunState::Paused);
        assert_eq!(app.watch.map(|w| w.status), Some(RunStatus::Interrupted));
    }
}
