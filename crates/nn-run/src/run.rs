//! One run, start to end, the same for `nn-tui train`, the dashboard and a sweep:
//! [`Run::start`] loads the data and builds (or resumes) the trainer,
//! [`Run::record`] gives it a run directory, [`Run::train`] trains headless until
//! done or interrupted (the dashboard [`Run::spawn`]s it instead), and the
//! rescue rules keep its work when something fails at the end.
//! Flags, messages and printing stay with the front ends.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use nn_train::{Metrics, TrainConfig, TrainData, TrainError, Trainer};

use crate::rescue::{interrupted_checkpoint, rescue_model};
use crate::run_dir::{RunDirError, RunInfo, RunWriter, WriterOptions, new_run_dir};
use crate::session::{Event, RunHeadless, SessionOptions, Summary, TrainerHandle, spawn};
use crate::setup::{DataOptions, DataSpec, load_data};
use crate::{Pace, Purpose, TrainRequest};

/// A run: its data, its trainer and, once [`Run::record`] gave it one, its recording.
#[derive(Debug)]
pub struct Run {
    spec: DataSpec,
    options: DataOptions,
    trainer: Trainer,
    writer: Option<RunWriter>,
}

/// How a run begins besides its definition.
#[derive(Debug, Clone, Default)]
pub struct Start {
    /// Worker threads, instead of the request's.
    pub threads: Option<usize>,
    /// A checkpoint to continue from; the request's epochs and checkpoint folder,
    /// when it names them, override the checkpoint's.
    pub resume: Option<PathBuf>,
}

/// Why a run could not start, by the step that failed (front ends name the flag).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Loading, splitting or normalising the data.
    #[error(transparent)]
    Data(TrainError),
    /// Reading the checkpoint to resume from.
    #[error(transparent)]
    Resume(TrainError),
    /// Resolving the request or building the trainer.
    #[error(transparent)]
    Trainer(TrainError),
}

/// Where a run is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recording {
    /// Not recorded.
    Off,
    /// In this folder: a failure is an error.
    Into(PathBuf),
    /// In a new folder under this one: a failure leaves the run unrecorded.
    Under(PathBuf),
}

/// What [`Run::record`] came to.
#[derive(Debug)]
pub enum Recorded {
    /// Not recorded, as asked.
    Off,
    /// Recorded in this folder.
    In(PathBuf),
    /// A new folder could not be made or written ([`Recording::Under`]): the run
    /// goes on unrecorded.
    Unrecorded(RunDirError),
}

/// The end of a recording ([`Run::end_recording`]).
#[derive(Debug)]
pub struct RecordingEnd {
    /// The run directory.
    pub dir: PathBuf,
    /// What could not be written at the end, if anything: the record is incomplete.
    pub problem: Option<RunDirError>,
}

/// What the headless loop reports to its observer.
#[derive(Debug)]
pub enum Happening<'a> {
    /// A trainer event (already given to the recording).
    Event(&'a Event),
    /// A write of the recording failed; training goes on.
    RecordingProblem(&'a RunDirError),
}

/// A model that could not be saved where asked ([`Run::save_model`]).
#[derive(Debug)]
pub struct SaveFailure {
    /// Why it could not be saved.
    pub error: TrainError,
    /// Where it was saved instead, if anywhere.
    pub kept: Option<PathBuf>,
}

/// A checkpoint of an interrupted run that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("writing the interrupted run's checkpoint {}", path.display())]
pub struct CheckpointFailure {
    /// Where it was to go.
    pub path: PathBuf,
    /// Why it could not.
    #[source]
    pub source: TrainError,
}

/// The final network measured on each part of the data (early stopping may have
/// put back an earlier epoch's weights, so the last epoch's figures are not enough).
#[derive(Debug, Clone)]
pub struct FinalMetrics {
    /// On the training part.
    pub train: Metrics,
    /// On the validation part, if there is one.
    pub validation: Option<Metrics>,
    /// On the test part, if there is one.
    pub test: Option<Metrics>,
}

impl Run {
    /// Loads the data `spec` names with `options` and builds the trainer `request`
    /// asks for with `purpose`'s defaults, or resumes the checkpoint `start` names.
    pub fn start(
        spec: DataSpec,
        options: DataOptions,
        request: &TrainRequest,
        purpose: Purpose,
        start: &Start,
    ) -> Result<Self, StartError> {
        let data = Arc::new(load_data(&spec, &options).map_err(StartError::Data)?);
        let trainer = if let Some(path) = &start.resume {
            let mut trainer =
                Trainer::resume(path, data, start.threads).map_err(StartError::Resume)?;
            if let Some(epochs) = request.epochs {
                trainer.set_epochs(epochs);
            }
            if request.checkpoint_dir.is_some() {
                trainer.set_checkpoint_dir(request.checkpoint_dir.clone());
            }
            trainer
        } else {
            Self::build(data, request, purpose, start.threads).map_err(StartError::Trainer)?
        };
        Ok(Self {
            spec,
            options,
            trainer,
            writer: None,
        })
    }

    /// The same on data already loaded from `spec` with `options` (the dashboard
    /// keeps its data between runs).
    pub fn on_data(
        spec: DataSpec,
        options: DataOptions,
        data: Arc<TrainData>,
        request: &TrainRequest,
        purpose: Purpose,
    ) -> Result<Self, TrainError> {
        let trainer = Self::build(data, request, purpose, None)?;
        Ok(Self {
            spec,
            options,
            trainer,
            writer: None,
        })
    }

    fn build(
        data: Arc<TrainData>,
        request: &TrainRequest,
        purpose: Purpose,
        threads: Option<usize>,
    ) -> Result<Trainer, TrainError> {
        let resolved = request.resolve(purpose, &data)?;
        let config = TrainConfig {
            threads: threads.unwrap_or(resolved.threads),
            ..resolved
        };
        Trainer::new(config, data)
    }

    /// The trainer.
    pub fn trainer(&self) -> &Trainer {
        &self.trainer
    }

    /// The trainer, to change before training (e.g. to join it to other processes).
    pub fn trainer_mut(&mut self) -> &mut Trainer {
        &mut self.trainer
    }

    /// The data's spec.
    pub fn spec(&self) -> &DataSpec {
        &self.spec
    }

    /// What run.json says of this run at `pace`, and the model files' metadata.
    fn info(&self, pace: Pace) -> RunInfo {
        RunInfo::new(
            &self.spec,
            &self.options,
            &self.trainer,
            pace,
            std::env::args().collect(),
        )
    }

    /// Starts recording the run, trained at `pace` (see [`Recording`]).
    pub fn record(&mut self, recording: &Recording, pace: Pace) -> Result<Recorded, RunDirError> {
        let dir = match recording {
            Recording::Off => return Ok(Recorded::Off),
            Recording::Into(dir) => dir.clone(),
            Recording::Under(root) => match new_run_dir(root, &self.spec) {
                Ok(dir) => dir,
                Err(e) => return Ok(Recorded::Unrecorded(e)),
            },
        };
        let info = self.info(pace);
        match RunWriter::create(
            &dir,
            &info,
            self.trainer.model_info(),
            WriterOptions::default(),
        ) {
            Ok(writer) => {
                self.writer = Some(writer);
                Ok(Recorded::In(dir))
            }
            Err(e) if matches!(recording, Recording::Under(_)) => Ok(Recorded::Unrecorded(e)),
            Err(e) => Err(e),
        }
    }

    /// Goes on recording in `writer`, which recorded an earlier trainer: the
    /// dashboard's restart, a new trainer in the same folder.
    pub fn record_again(&mut self, mut writer: RunWriter, pace: Pace) {
        writer.restart(&self.info(pace), self.trainer.model_info());
        self.writer = Some(writer);
    }

    /// How a headless run reports: progress ten times a second; snapshots for the
    /// run directory's snapshot file (which takes at most one a second) when
    /// recorded, else hardly ever; flat out (the session's default pace).
    pub fn headless_session(&self) -> SessionOptions {
        SessionOptions {
            progress_interval: Duration::from_millis(100),
            snapshot_interval: if self.writer.is_some() {
                WriterOptions::default().snapshot_interval
            } else {
                Duration::from_secs(3600)
            },
            ..SessionOptions::default()
        }
    }

    /// The pace a headless run goes at (what [`Run::record`] should be told).
    pub fn headless_pace() -> Pace {
        SessionOptions::default().pace
    }

    /// Trains on this thread until done, diverged or `stop` is set (an interrupt:
    /// the run ends cleanly between steps). Every event goes to the recording
    /// first, then to `observe`, as does a failed write of the recording.
    pub fn train(
        &mut self,
        stop: &AtomicBool,
        session: &SessionOptions,
        observe: &mut (dyn FnMut(Happening) + Send),
    ) -> Result<Summary, TrainError> {
        let writer = &mut self.writer;
        self.trainer.run(stop, session, &mut |event: Event| {
            if let Some(w) = writer.as_mut() {
                w.observe(&event);
                if let Some(problem) = w.problem() {
                    observe(Happening::RecordingProblem(&problem));
                }
            }
            observe(Happening::Event(&event));
        })
    }

    /// Moves the trainer to its own thread (the dashboard's way); the recording,
    /// if any, comes back for the caller to feed with the handle's events.
    pub fn spawn(self, session: SessionOptions) -> (TrainerHandle, Option<RunWriter>) {
        (spawn(self.trainer, session), self.writer)
    }

    /// Ends the recording with the final network (and the error that ended the
    /// run, if one did).
    pub fn end_recording(&mut self, failure: Option<String>) -> Option<RecordingEnd> {
        let writer = self.writer.take()?;
        let dir = writer.dir().to_path_buf();
        let problem = writer.finish(Some(self.trainer.network()), failure).err();
        Some(RecordingEnd { dir, problem })
    }

    /// The checkpoint of a run that was interrupted without one: beside the model
    /// it was to `save`, else in the current folder.
    pub fn save_interrupted(&self, save: Option<&Path>) -> Result<PathBuf, CheckpointFailure> {
        let path = interrupted_checkpoint(save);
        match self.trainer.save_checkpoint(&path) {
            Ok(()) => Ok(path),
            Err(source) => Err(CheckpointFailure { path, source }),
        }
    }

    /// Saves the model at `path`; if that fails, keeps it under the same name in
    /// `checkpoint_dir`, else in the temporary folder.
    pub fn save_model(
        &self,
        path: &Path,
        checkpoint_dir: Option<&Path>,
    ) -> Result<(), SaveFailure> {
        self.trainer.save_model(path).map_err(|error| SaveFailure {
            error,
            kept: rescue_model(&self.trainer, path, checkpoint_dir),
        })
    }

    /// The final network on each part of the data.
    pub fn final_metrics(&mut self) -> Result<FinalMetrics, TrainError> {
        let data = Arc::clone(self.trainer.data());
        let trainer = &mut self.trainer;
        Ok(FinalMetrics {
            train: trainer.evaluate(&data.train)?,
            validation: data
                .validation
                .as_ref()
                .map(|v| trainer.evaluate(v))
                .transpose()?,
            test: data
                .test
                .as_ref()
                .map(|t| trainer.evaluate(t))
                .transpose()?,
        })
    }
}
