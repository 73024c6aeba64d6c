//! [`RunWriter`]: an observer of trainer events that writes a run directory.
//!
//! On the observer's thread it only decides what to keep, with a few time
//! comparisons per event; a thread of its own serialises and writes, so the
//! trainer never waits on the disk. Records are handed to that thread as they
//! come, or gathered and handed over at most every
//! [`WriterOptions::hand_off_interval`] (a sweep's many short runs: a wake-up of
//! the thread per record cost more than serialising it); a run that ends
//! before its first hand-off writes on the caller's thread at
//! [`RunWriter::finish`] and never starts one; with
//! [`WriterOptions::unseen_until_shown`] its folder is then made only there, whole.
//! The lines handed over together go
//! to a file opened for appending in one `write`, whole lines only (a reader
//! keeps a partial last line for its next look). The snapshot is a model file
//! replaced atomically.
//!
//! Disk use is bounded by thinning, whatever the trainer's pace: at most one
//! progress record a second, every epoch up to the 1,000th (a short run keeps
//! its whole curve) and then at most one every 100 ms (plus every epoch that
//! was the best so far, so the best figure is never lost, and the epoch that
//! stopped the run early or found it stalled), a snapshot at most
//! once a second (and for big networks at most about 1 MB of snapshot a second),
//! messages at most every 200 ms. A run left going for days doubles these
//! intervals each time its log grows by another 16 MiB, so the log grows with
//! the logarithm of the time. What happens just before a pause, a stop or the
//! end is always written.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nn_core::{ModelInfo, Network};

use super::record::{EndStatus, Entry, Record, RunEnd, RunInfo};
use super::{MODEL_FILE, RunDirError};
use crate::session::{Event, RunState, Summary};

mod epoch_line;
mod history;
mod log;
mod thinning;
use log::{Job, Log, LogParts};
use thinning::Thinning;

/// How often each kind of record may be written.
#[derive(Debug, Clone, PartialEq)]
pub struct WriterOptions {
    /// Minimum time between progress records.
    pub progress_interval: Duration,
    /// Minimum time between epoch records (best epochs and the last one are kept
    /// besides), once [`WriterOptions::every_epoch_until`] epochs are recorded.
    pub epoch_interval: Duration,
    /// Every epoch up to this one is recorded, so a short run keeps its whole curve.
    pub every_epoch_until: usize,
    /// Minimum time between snapshots.
    pub snapshot_interval: Duration,
    /// Snapshot bytes per second, at most: big networks are snapshotted less often.
    pub snapshot_bytes_per_second: u64,
    /// Minimum time between recorded messages.
    pub log_interval: Duration,
    /// The intervals double each time the log grows by this many bytes.
    pub doubling_bytes: u64,
    /// Records are gathered and handed to the writing thread at most this often
    /// (zero: each at once). Whatever is gathered is written at
    /// [`RunWriter::finish`], [`RunWriter::publish`] and on drop; an observer
    /// that can go quiet (a paused dashboard) keeps it zero.
    pub hand_off_interval: Duration,
    /// Nothing is on disk until the first hand-off (the folder is then made
    /// as usual); a run that ends before it is written whole at
    /// [`RunWriter::finish`] in a scratch folder ([`super::unseen_folder`])
    /// renamed into place, each file made and written once (a sweep's short
    /// trials: a temporary file, a lock and a rename per file cost more than
    /// the bytes). Whether the folder already holds a run is found only then.
    pub unseen_until_shown: bool,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            progress_interval: Duration::from_secs(1),
            epoch_interval: Duration::from_millis(100),
            every_epoch_until: 1000,
            snapshot_interval: Duration::from_secs(1),
            snapshot_bytes_per_second: 1_000_000,
            log_interval: Duration::from_millis(200),
            doubling_bytes: 16 << 20,
            hand_off_interval: Duration::ZERO,
            unseen_until_shown: false,
        }
    }
}

/// Records gathered or waiting for the writing thread before new ones are dropped (and counted).
const QUEUE: usize = 1024;

/// Writes a run directory from a trainer's events; see the module docs.
///
/// ```no_run
/// # fn demo(mut trainer: nn_train::Trainer, spec: nn_run::DataSpec, options: nn_run::DataOptions)
/// # -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::atomic::AtomicBool;
/// use nn_run::{RunHeadless, RunInfo, RunWriter, SessionOptions, WriterOptions};
/// let dir = nn_run::new_run_dir("runs".as_ref(), &spec)?;
/// let session = SessionOptions::default();
/// let info = RunInfo::new(&spec, &options, &trainer, session.pace, std::env::args().collect());
/// let mut writer = RunWriter::create(&dir, &info, trainer.model_info(), WriterOptions::default())?;
/// let result = trainer.run(&AtomicBool::new(false), &session, &mut |e| writer.observe(&e));
/// writer.finish(Some(trainer.network()), result.err().map(|e| e.to_string()))?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct RunWriter {
    dir: PathBuf,
    options: WriterOptions,
    model_info: ModelInfo,
    started: Instant,
    /// The log until the writing thread starts (at the first hand-off).
    log: Option<Log>,
    /// What the log is made with, until its folder is made
    /// ([`WriterOptions::unseen_until_shown`]).
    unmade: Option<LogParts>,
    /// Records gathered since the last hand-off, and when that was.
    pending: Vec<Job>,
    handed_at: Instant,
    jobs: Option<Sender<Vec<Job>>>,
    thread: Option<JoinHandle<Log>>,
    counters: Arc<Counters>,
    problems: Receiver<RunDirError>,
    /// Bytes of one snapshot, for its rate limit.
    snapshot_bytes: u64,
    thinning: Thinning,
    /// The run state last seen.
    state: RunState,
    /// The trainer's summary, once it has ended.
    summary: Option<Summary>,
    /// The state line last recorded.
    state_line: String,
    /// When the first trainer started ([`RunInfo::started`]).
    started_unix: f64,
    /// The user ended the run (quit the dashboard), as opposed to a signal.
    by_user: bool,
    /// The data set trained on now, and those before it.
    dataset: String,
    earlier_datasets: Vec<String>,
    /// Snapshots kept in the history so far (at most [`super::HISTORY_LIMIT`]).
    history_kept: usize,
    /// The history's first entry, written when a second comes or the run ends:
    /// a run whose history is its final weights alone (a sweep's trial) keeps
    /// them once, as its final model, with no `snapshots/` folder to make.
    held_history: Option<(Arc<Network>, String)>,
}

/// Counters shared with the writing thread.
#[derive(Debug, Default)]
struct Counters {
    /// Bytes appended to the log.
    bytes: AtomicU64,
    /// Records that could not be written.
    lost: AtomicU64,
    /// Records handed to the writing thread and not yet written.
    queued: AtomicU64,
}

impl RunWriter {
    /// Starts writing the run described by `info` into `dir` (created if needed;
    /// it must not hold a run already). `model_info` goes into the snapshots and
    /// the final model, as into any saved model ([`nn_train::Trainer::model_info`]).
    pub fn create(
        dir: &Path,
        info: &RunInfo,
        model_info: ModelInfo,
        options: WriterOptions,
    ) -> Result<Self, RunDirError> {
        let counters = Arc::new(Counters::default());
        let (problem_tx, problems) = mpsc::channel();
        let parts = LogParts {
            run_info: serde_json::to_vec_pretty(info).expect("run info serialises: plain data"),
            model_info: model_info.clone(),
            counters: Arc::clone(&counters),
            problems: problem_tx,
        };
        let (log, unmade) = if options.unseen_until_shown {
            (None, Some(parts))
        } else {
            (Some(Log::open(dir, &parts)?), None)
        };
        let started = Instant::now();
        Ok(Self {
            dir: dir.to_path_buf(),
            snapshot_bytes: info.config.architecture.parameter_count() as u64 * 4,
            options,
            model_info,
            started,
            log,
            unmade,
            pending: log::spare_jobs(),
            handed_at: started,
            jobs: None,
            thread: None,
            counters,
            problems,
            thinning: Thinning::default(),
            state: RunState::Running,
            summary: None,
            state_line: info.state_line.clone(),
            started_unix: info.started,
            by_user: false,
            dataset: info.dataset.clone(),
            earlier_datasets: info.earlier_datasets.clone(),
            history_kept: 0,
            held_history: None,
        })
    }

    /// The directory written.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes note of one trainer event; call it for every event, in order.
    pub fn observe(&mut self, event: &Event) {
        self.observe_at(event, Instant::now());
    }

    /// Hands what is gathered to the writing thread now (see
    /// [`WriterOptions::hand_off_interval`]): a run that will be quiet for a
    /// while (between halving's rungs) is shown as far as it went.
    pub fn publish(&mut self) {
        self.release_history();
        self.hand_off();
    }

    /// A new trainer takes over the run directory (the dashboard restarting with
    /// other data or another network): what is pending of the old one is written,
    /// `run.json` is replaced by `info`, and a `restart` record starts the new one.
    pub fn restart(&mut self, info: &RunInfo, model_info: ModelInfo) {
        let now = Instant::now();
        self.flush(now);
        self.release_history();
        self.thinning = Thinning::default();
        self.state = RunState::Running;
        self.summary = None;
        self.state_line.clone_from(&info.state_line);
        self.snapshot_bytes = info.config.architecture.parameter_count() as u64 * 4;
        self.model_info.clone_from(&model_info);
        // The directory's age is the first trainer's, and it keeps the name of the
        // data it started on: its run.json says which data came after.
        if info.dataset != self.dataset {
            self.earlier_datasets
                .push(std::mem::replace(&mut self.dataset, info.dataset.clone()));
        }
        let info = RunInfo {
            started: self.started_unix,
            earlier_datasets: self.earlier_datasets.clone(),
            ..info.clone()
        };
        let record = Record {
            t: self.seconds(now),
            entry: Entry::Restart(Box::new(info)),
        };
        self.send(Job::Restart(model_info, record));
        self.hand_off_if_due(now);
    }

    /// Records the run's state line if it changed (a key changed the pace, the
    /// penalties, the points, ...).
    pub fn state_line(&mut self, line: &str) {
        if line != self.state_line {
            let now = Instant::now();
            self.state_line = line.to_string();
            self.write(now, Entry::StateLine(line.to_string()));
            self.hand_off_if_due(now);
        }
    }

    /// The user ends the run (quits the dashboard): [`RunWriter::finish`] records it
    /// as [`EndStatus::Stopped`] rather than interrupted, unless it finished, diverged or failed.
    pub fn stopped_by_user(&mut self) {
        self.by_user = true;
    }

    /// A write that failed since the last call, if any (each kind of failure is
    /// reported once). Training should go on: the run directory is a record, not the run.
    pub fn problem(&mut self) -> Option<RunDirError> {
        self.problems.try_recv().ok()
    }

    /// Ends the run: writes what is pending, the final model (`network`, unless
    /// the run diverged) and the `end` record, then releases the log. `failure`
    /// names an error that ended the run.
    pub fn finish(
        mut self,
        network: Option<&Network>,
        failure: Option<String>,
    ) -> Result<RunEnd, RunDirError> {
        self.flush(Instant::now());
        let (status, message) = match (&self.state, failure) {
            (RunState::Diverged(m), _) => (EndStatus::Diverged, Some(m.clone())),
            (_, Some(m)) => (EndStatus::Failed, Some(m)),
            (RunState::Finished, None) => (EndStatus::Finished, None),
            (_, None) if self.by_user => (EndStatus::Stopped, None),
            (_, None) => (EndStatus::Interrupted, None),
        };
        let t = self.seconds(Instant::now());
        let model = network.filter(|n| status != EndStatus::Diverged && all_finite(n));
        // A history of one entry, the final weights: the model file stands for it.
        let in_model = self
            .held_history
            .take_if(|(kept, _)| model.is_some_and(|m| log::same_weights(kept, m)));
        self.release_history();
        if let Some(parts) = self.unmade.take() {
            // Nothing shown yet: the folder is written whole and renamed into place.
            self.log = Some(match Log::open_unseen(&self.dir, &parts) {
                Some(log) => log,
                None => Log::open(&self.dir, &parts)?,
            });
        }
        let mut log = self.write_pending();
        let saved = model
            .map(|n| {
                // The log's folder: a scratch one until the end.
                let path = log.dir.join(MODEL_FILE);
                log.save(&path, n)
            })
            .transpose();
        let model_saved = matches!(saved, Ok(Some(())));
        if let (Some((network, name)), false) = (&in_model, model_saved) {
            // No model to stand for it: the history's entry is written after all.
            log.write_batch(vec![Job::History(Arc::clone(network), name.clone())]);
        }
        let end = RunEnd {
            status,
            message,
            summary: self.summary.take(),
            model: model_saved,
            lost_records: self.counters.lost.load(Ordering::Relaxed),
            history_in_model: in_model.is_some() && model_saved,
        };
        let written = log
            .append_now(&[Record {
                t,
                entry: Entry::End(end.clone()),
            }])
            .and_then(|()| log.write_held())
            .and_then(|()| {
                // Deferred, the syncs are the caller's (one for many runs: a sweep).
                if nn_atomic_write::syncs_deferred() {
                    return Ok(());
                }
                log.file
                    .sync_data()
                    .map_err(|e| RunDirError::io(&log.path, e))
            })
            .and_then(|()| log.reveal());
        saved?;
        written?;
        Ok(end)
    }

    fn write(&mut self, now: Instant, entry: Entry) {
        let record = Record {
            t: self.seconds(now),
            entry,
        };
        self.send(Job::Line(record));
    }

    fn send(&mut self, job: Job) {
        // A full queue means the disk fell behind: the record is lost, not waited for.
        let queued = self.counters.queued.load(Ordering::Relaxed) as usize;
        if self.pending.len() + queued >= QUEUE {
            self.counters.lost.fetch_add(1, Ordering::Relaxed);
        } else {
            self.pending.push(job);
        }
    }

    fn hand_off_if_due(&mut self, now: Instant) {
        if now.saturating_duration_since(self.handed_at) >= self.options.hand_off_interval {
            self.handed_at = now;
            self.hand_off();
        }
    }

    /// Hands the gathered records to the writing thread, started at the first
    /// hand-off (if it cannot start, they are counted as lost).
    fn hand_off(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        if !self.make_folder() {
            self.counters
                .lost
                .fetch_add(self.pending.len() as u64, Ordering::Relaxed);
            self.pending.clear();
            return;
        }
        if let Some(log) = self.log.take() {
            let (jobs, job_rx) = mpsc::channel();
            let Ok(thread) = std::thread::Builder::new()
                .name("nn-run-dir".into())
                .spawn(move || log.serve(&job_rx))
            else {
                // The log went with the closure that failed to start: nothing can be written.
                self.counters
                    .lost
                    .fetch_add(self.pending.len() as u64, Ordering::Relaxed);
                self.pending.clear();
                return;
            };
            self.jobs = Some(jobs);
            self.thread = Some(thread);
        }
        let batch = std::mem::take(&mut self.pending);
        let n = batch.len() as u64;
        self.counters.queued.fetch_add(n, Ordering::Relaxed);
        if self
            .jobs
            .as_ref()
            .is_none_or(|jobs| jobs.send(batch).is_err())
        {
            self.counters.queued.fetch_sub(n, Ordering::Relaxed);
            self.counters.lost.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Makes the run's folder in place if it is not made yet
    /// ([`WriterOptions::unseen_until_shown`]); false if it cannot be (reported,
    /// and tried again at the next hand-off).
    fn make_folder(&mut self) -> bool {
        let Some(parts) = &self.unmade else {
            return true;
        };
        match Log::open(&self.dir, parts) {
            Ok(log) => {
                self.log = Some(log);
                self.unmade = None;
                true
            }
            Err(e) => {
                let _ = parts.problems.send(e);
                false
            }
        }
    }

    /// Writes every record not yet written (on this thread if the writing
    /// thread never started) and returns the log.
    fn write_pending(&mut self) -> Log {
        if let Some(mut log) = self.log.take() {
            log.write_batch(std::mem::take(&mut self.pending));
            return log;
        }
        self.hand_off();
        drop(self.jobs.take());
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(log)) => log,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => unreachable!("the log is the writer's or its thread's until finish or drop"),
        }
    }

    /// Seconds since the start, to the millisecond (shorter lines).
    fn seconds(&self, now: Instant) -> f64 {
        (now.duration_since(self.started).as_secs_f64() * 1000.0).round() / 1000.0
    }

    /// How much the intervals are stretched: doubled per [`WriterOptions::doubling_bytes`] of log.
    fn slowdown(&self) -> u32 {
        let doublings =
            self.counters.bytes.load(Ordering::Relaxed) / self.options.doubling_bytes.max(1);
        1 << doublings.min(20)
    }
}

impl Drop for RunWriter {
    /// Without [`RunWriter::finish`] the queued records are written but no `end`
    /// record: readers then see a run that stopped writing.
    fn drop(&mut self) {
        self.release_history();
        if !self.pending.is_empty() {
            self.make_folder();
        }
        if let Some(mut log) = self.log.take() {
            log.write_batch(std::mem::take(&mut self.pending));
            return;
        }
        self.hand_off();
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn all_finite(network: &Network) -> bool {
    network.parameters().iter().all(|v| v.is_finite())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod history_tests;

#[cfg(test)]
mod round_trip;

#[cfg(test)]
mod unseen_tests;
