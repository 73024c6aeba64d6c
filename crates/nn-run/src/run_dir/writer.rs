//! [`RunWriter`]: an observer of trainer events that writes a run directory.
//!
//! On the observer's thread it only decides what to keep, with a few time
//! comparisons per event; a thread of its own serialises and writes, so the
//! trainer never waits on the disk. Records are handed to that thread as they
//! come, or gathered and handed over at most every
//! [`WriterOptions::hand_off_interval`] (a sweep's many short runs: a wake-up of
//! the thread per record cost more than serialising it); a run that ends
//! before its first hand-off writes on the caller's thread at
//! [`RunWriter::finish`] and never starts one. The lines handed over together go
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

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nn_core::{ModelInfo, Network};

use super::record::{
    EndStatus, Entry, Record, RunEnd, RunInfo, Score, SettingsChange, SnapshotTaken, WeightsReset,
};
use super::{
    EVENTS_FILE, HISTORY_DIR, HISTORY_LIMIT, MODEL_FILE, RUN_INFO_FILE, RunDirError, SNAPSHOT_FILE,
    history_file_name, next_history_epoch,
};
use crate::session::{Event, ProgressReport, RunState, Summary};
use nn_train::EpochReport;

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
    /// Snapshots kept in the history so far (at most [`HISTORY_LIMIT`]).
    history_kept: usize,
}

/// What the observer has seen and not yet written, and when each kind was last written.
#[derive(Debug, Default)]
struct Thinning {
    progress_at: Option<Instant>,
    epoch_at: Option<Instant>,
    snapshot_at: Option<Instant>,
    log_at: Option<Instant>,
    /// The latest progress, and whether it is written.
    progress: Option<ProgressReport>,
    progress_written: bool,
    /// The best headline figure since the start or the last reset.
    best: Option<Score>,
    /// A best epoch that was not written yet.
    held_best: Option<EpochReport>,
    /// The latest epoch, if not written and not the held best.
    latest_epoch: Option<EpochReport>,
    /// The latest weights, if not written.
    snapshot: Option<Arc<Network>>,
    /// Messages not recorded since the last recorded one.
    dropped_logs: usize,
    /// The epoch from which the next snapshot joins the history (0: the first does).
    history_next: usize,
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

/// Work for the writing thread.
#[derive(Debug)]
enum Job {
    /// Append this record.
    Line(Record),
    /// Replace the snapshot with these weights, then append the record.
    Snapshot(Arc<Network>, Record),
    /// Keep these weights in the history, under this file name.
    History(Arc<Network>, String),
    /// A new trainer: replace `run.json` and the snapshots' model info, then append the record.
    Restart(ModelInfo, Record),
}

/// The writing thread's side: the log file (locked for the writer's life) and
/// what it needs to write snapshots.
#[derive(Debug)]
struct Log {
    file: File,
    path: PathBuf,
    dir: PathBuf,
    model_info: ModelInfo,
    counters: Arc<Counters>,
    problems: Sender<RunDirError>,
    /// An append and a snapshot have each failed already (reported once each).
    append_failed: bool,
    snapshot_failed: bool,
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
        std::fs::create_dir_all(dir).map_err(|e| RunDirError::io(dir, e))?;
        let path = dir.join(EVENTS_FILE);
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| RunDirError::io(&path, e))?;
        // The lock says "the writer is alive" to readers; the OS drops it when we die.
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(RunDirError::Taken(dir.to_path_buf())),
            Err(TryLockError::Error(e)) => return Err(RunDirError::io(&path, e)),
        }
        let length = file
            .metadata()
            .map_err(|e| RunDirError::io(&path, e))?
            .len();
        if length > 0 {
            return Err(RunDirError::Taken(dir.to_path_buf()));
        }
        let json = serde_json::to_vec_pretty(info).expect("run info serialises: plain data");
        nn_atomic_write::write_atomically(&dir.join(RUN_INFO_FILE), &json)?;

        let counters = Arc::new(Counters::default());
        let (problem_tx, problems) = mpsc::channel();
        let log = Log {
            file,
            path,
            dir: dir.to_path_buf(),
            model_info: model_info.clone(),
            counters: Arc::clone(&counters),
            problems: problem_tx,
            append_failed: false,
            snapshot_failed: false,
        };
        let started = Instant::now();
        Ok(Self {
            dir: dir.to_path_buf(),
            snapshot_bytes: info.config.architecture.parameter_count() as u64 * 4,
            options,
            model_info,
            started,
            log: Some(log),
            pending: Vec::new(),
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
        self.hand_off();
    }

    /// A new trainer takes over the run directory (the dashboard restarting with
    /// other data or another network): what is pending of the old one is written,
    /// `run.json` is replaced by `info`, and a `restart` record starts the new one.
    pub fn restart(&mut self, info: &RunInfo, model_info: ModelInfo) {
        let now = Instant::now();
        self.flush(now);
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
        let mut log = self.write_pending();
        let model = network.filter(|n| status != EndStatus::Diverged && all_finite(n));
        let saved = model
            .map(|n| nn_core::save_model(&self.dir.join(MODEL_FILE), n, &self.model_info))
            .transpose();
        let end = RunEnd {
            status,
            message,
            summary: self.summary.take(),
            model: matches!(saved, Ok(Some(()))),
            lost_records: self.counters.lost.load(Ordering::Relaxed),
        };
        let written = log
            .append_now(&[Record {
                t,
                entry: Entry::End(end.clone()),
            }])
            .and_then(|()| {
                // Deferred, the syncs are the caller's (one for many runs: a sweep).
                if nn_atomic_write::syncs_deferred() {
                    return Ok(());
                }
                log.file
                    .sync_data()
                    .map_err(|e| RunDirError::io(&log.path, e))
            });
        saved?;
        written?;
        Ok(end)
    }

    fn observe_at(&mut self, event: &Event, now: Instant) {
        let factor = self.slowdown();
        match event {
            Event::Progress(p) => self.on_progress(p, now, factor),
            Event::EpochEnd(report) => self.on_epoch(report, now, factor),
            Event::Snapshot(network) => self.on_snapshot(network, now),
            Event::State(state) => {
                self.flush(now);
                self.write(now, Entry::State(state.clone()));
                self.state = state.clone();
            }
            Event::Log(message) => {
                let th = &mut self.thinning;
                if due(th.log_at, self.options.log_interval * factor, now) {
                    let text = match th.dropped_logs {
                        0 => message.clone(),
                        n => format!("{message} ({n} earlier messages not recorded)"),
                    };
                    th.log_at = Some(now);
                    th.dropped_logs = 0;
                    self.write(now, Entry::Log(text));
                } else {
                    th.dropped_logs += 1;
                }
            }
            Event::Finished(summary) => {
                self.flush(now);
                self.summary = Some(summary.clone());
            }
        }
        self.hand_off_if_due(now);
    }

    fn on_progress(&mut self, p: &ProgressReport, now: Instant, factor: u32) {
        if let Some(previous) = &self.thinning.progress {
            if p.total_steps < previous.total_steps {
                // What was pending belongs to the weights before the reset.
                self.flush(now);
                self.thinning.best = None;
                self.thinning.history_next = 0;
                self.write(
                    now,
                    Entry::Reset(WeightsReset {
                        learning_rate: p.learning_rate,
                    }),
                );
            } else if p.epoch == previous.epoch
                && (p.learning_rate != previous.learning_rate
                    || p.batch_size != previous.batch_size)
            {
                // Within an epoch only a user changes these; a schedule changes the
                // rate between epochs, and every epoch record has its rate.
                self.write(
                    now,
                    Entry::Settings(SettingsChange {
                        epoch: p.epoch,
                        learning_rate: p.learning_rate,
                        batch_size: p.batch_size,
                    }),
                );
            }
        }
        let th = &mut self.thinning;
        th.progress = Some(p.clone());
        th.progress_written = due(th.progress_at, self.options.progress_interval * factor, now);
        if th.progress_written {
            th.progress_at = Some(now);
            self.write(now, Entry::Progress(p.clone()));
        }
    }

    fn on_epoch(&mut self, report: &EpochReport, now: Instant, factor: u32) {
        let th = &mut self.thinning;
        let score = Score::of(report);
        let best = th.best.is_none_or(|b| score.better_than(&b));
        if best {
            th.best = Some(score);
        }
        // An epoch that ends the run early or finds training stalled says something
        // no later epoch repeats: always recorded.
        let telling = report.stop_early
            || report.stalled.is_some()
            || report.epoch <= self.options.every_epoch_until;
        if telling || due(th.epoch_at, self.options.epoch_interval * factor, now) {
            th.epoch_at = Some(now);
            th.latest_epoch = None;
            if let Some(held) = th.held_best.take() {
                self.write(now, Entry::Epoch(held));
            }
            self.write(now, Entry::Epoch(report.clone()));
        } else if best {
            // Replaces an earlier held best, which this one beats.
            th.held_best = Some(report.clone());
            th.latest_epoch = None;
        } else {
            th.latest_epoch = Some(report.clone());
        }
    }

    fn on_snapshot(&mut self, network: &Arc<Network>, now: Instant) {
        self.keep_in_history(network);
        let every = self.options.snapshot_interval.max(Duration::from_secs_f64(
            self.snapshot_bytes as f64 / self.options.snapshot_bytes_per_second.max(1) as f64,
        ));
        if due(self.thinning.snapshot_at, every, now) {
            self.thinning.snapshot = None;
            self.write_snapshot(Arc::clone(network), now);
        } else {
            self.thinning.snapshot = Some(Arc::clone(network));
        }
    }

    /// Keeps `network` in the history if its epoch has reached the next mark of
    /// the log scale (each mark a quarter past the last, so `n` epochs keep about
    /// `5 + log(n / 5) / log(1.25)` snapshots), and while fewer than [`HISTORY_LIMIT`] are kept.
    fn keep_in_history(&mut self, network: &Arc<Network>) {
        let epoch = self.thinning.progress.as_ref().map_or(0, |p| p.epoch);
        if epoch < self.thinning.history_next
            || self.history_kept >= HISTORY_LIMIT
            || !all_finite(network)
        {
            return;
        }
        self.thinning.history_next = next_history_epoch(epoch);
        let name = history_file_name(self.history_kept, epoch);
        self.history_kept += 1;
        self.send(Job::History(Arc::clone(network), name));
    }

    /// Writes everything pending: where training stands before a pause, a stop or the end.
    fn flush(&mut self, now: Instant) {
        let th = &mut self.thinning;
        let held = th.held_best.take();
        let latest = th.latest_epoch.take();
        let progress = (!th.progress_written)
            .then(|| th.progress.clone())
            .flatten();
        th.progress_written = true;
        let snapshot = th.snapshot.take();
        for report in held.into_iter().chain(latest) {
            self.write(now, Entry::Epoch(report));
        }
        if let Some(p) = progress {
            self.write(now, Entry::Progress(p));
        }
        if let Some(network) = snapshot {
            self.write_snapshot(network, now);
        }
    }

    fn write_snapshot(&mut self, network: Arc<Network>, now: Instant) {
        // Diverged weights would replace the last good snapshot with garbage.
        if !all_finite(&network) {
            return;
        }
        self.thinning.snapshot_at = Some(now);
        let (epoch, total_steps) = self
            .thinning
            .progress
            .as_ref()
            .map_or((0, 0), |p| (p.epoch, p.total_steps));
        let record = Record {
            t: self.seconds(now),
            entry: Entry::Snapshot(SnapshotTaken { epoch, total_steps }),
        };
        self.send(Job::Snapshot(network, record));
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

fn due(last: Option<Instant>, every: Duration, now: Instant) -> bool {
    last.is_none_or(|t| now.saturating_duration_since(t) >= every)
}

fn all_finite(network: &Network) -> bool {
    network.parameters().iter().all(|v| v.is_finite())
}

impl Drop for Log {
    /// Releases the lock explicitly rather than by closing the file: a process
    /// forked meanwhile (any `Command::spawn` of this process, before its `exec`)
    /// holds a copy of the descriptor, and the lock would live on with that copy,
    /// so that readers would still see the writer alive.
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

impl Log {
    fn serve(mut self, jobs: &Receiver<Vec<Job>>) -> Self {
        for batch in jobs {
            let n = batch.len() as u64;
            self.write_batch(batch);
            self.counters.queued.fetch_sub(n, Ordering::Relaxed);
        }
        self
    }

    /// Writes a batch of jobs in order: the lines between two files in one append.
    fn write_batch(&mut self, batch: Vec<Job>) {
        let mut lines = Vec::new();
        for job in batch {
            if !matches!(job, Job::Line(_)) {
                // A file's record follows the file, and the lines before it precede it.
                self.append_all(&std::mem::take(&mut lines));
            }
            match job {
                Job::Line(record) => lines.push(record),
                Job::Restart(model_info, record) => {
                    self.model_info = model_info;
                    if let Entry::Restart(info) = &record.entry {
                        let json = serde_json::to_vec_pretty(info)
                            .expect("run info serialises: plain data");
                        if let Err(e) =
                            nn_atomic_write::write_atomically(&self.dir.join(RUN_INFO_FILE), &json)
                        {
                            let _ = self.problems.send(e.into());
                        }
                    }
                    lines.push(record);
                }
                Job::History(network, name) => {
                    let folder = self.dir.join(HISTORY_DIR);
                    let saved = std::fs::create_dir_all(&folder)
                        .map_err(|source| RunDirError::Io {
                            path: folder.clone(),
                            source,
                        })
                        .and_then(|()| {
                            Ok(nn_core::save_model(
                                &folder.join(name),
                                &network,
                                &self.model_info,
                            )?)
                        });
                    if let Err(e) = saved {
                        self.counters.lost.fetch_add(1, Ordering::Relaxed);
                        if !std::mem::replace(&mut self.snapshot_failed, true) {
                            let _ = self.problems.send(e);
                        }
                    }
                }
                Job::Snapshot(network, record) => {
                    let path = self.dir.join(SNAPSHOT_FILE);
                    match nn_core::save_model(&path, &network, &self.model_info) {
                        Ok(()) => lines.push(record),
                        Err(e) => {
                            self.counters.lost.fetch_add(1, Ordering::Relaxed);
                            if !std::mem::replace(&mut self.snapshot_failed, true) {
                                let _ = self.problems.send(e.into());
                            }
                        }
                    }
                }
            }
        }
        self.append_all(&lines);
    }

    /// Appends records, a line each, in one write; a failure is counted and reported once.
    fn append_all(&mut self, records: &[Record]) {
        if records.is_empty() {
            return;
        }
        if let Err(e) = self.append_now(records) {
            self.counters
                .lost
                .fetch_add(records.len() as u64, Ordering::Relaxed);
            if !std::mem::replace(&mut self.append_failed, true) {
                let _ = self.problems.send(e);
            }
        }
    }

    /// Appends records as whole lines in one write. A write that fails half way
    /// is cut off again, so the next record starts on a line of its own.
    fn append_now(&mut self, records: &[Record]) -> Result<(), RunDirError> {
        let mut line = Vec::new();
        for record in records {
            serde_json::to_writer(&mut line, record).expect("records serialise: plain data");
            line.push(b'\n');
        }
        let before = self.counters.bytes.load(Ordering::Relaxed);
        match self.file.write_all(&line) {
            Ok(()) => {
                self.counters
                    .bytes
                    .fetch_add(line.len() as u64, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                let _ = self.file.set_len(before);
                Err(RunDirError::io(&self.path, e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use nn_core::{Activation, Architecture, Loss};

    use super::*;
    use crate::run_dir::record::RunData;
    use crate::run_dir::record::tests::report;
    use crate::run_dir::{RunReader, RunStatus};
    use nn_train::TrainConfig;

    pub(super) fn architecture() -> Architecture {
        Architecture::new(
            vec![2, 3, 2],
            Activation::Tanh,
            Activation::Softmax,
            Loss::CrossEntropy,
        )
        .unwrap()
    }

    pub(super) fn info() -> RunInfo {
        RunInfo {
            format: super::super::record::FORMAT,
            command: vec!["test".into()],
            pid: std::process::id(),
            started: 0.0,
            dataset: "spiral".into(),
            earlier_datasets: Vec::new(),
            data: RunData {
                spec: "spiral".into(),
                options: crate::setup::DataOptions::default(),
            },
            parts: [400, 0, 100],
            config: TrainConfig::new(architecture()),
            state_line: "nn-tui/1 data=spiral".into(),
            settings: crate::RunSettings::default(),
        }
    }

    /// A writer in a fresh folder, and the instant its synthetic clock starts at.
    fn writer(options: WriterOptions) -> (tempfile::TempDir, RunWriter, Instant) {
        let dir = tempfile::tempdir().unwrap();
        let writer = RunWriter::create(dir.path(), &info(), ModelInfo::default(), options).unwrap();
        let start = writer.started;
        (dir, writer, start)
    }

    fn ms(start: Instant, ms: u64) -> Instant {
        start + Duration::from_millis(ms)
    }

    fn progress(epoch: usize, total_steps: u64, learning_rate: f32, batch_size: usize) -> Event {
        Event::Progress(ProgressReport {
            epoch,
            step_in_epoch: 0,
            steps_per_epoch: 40,
            total_steps,
            steps: 1,
            loss: 0.5,
            samples_per_second: 1000.0,
            learning_rate,
            batch_size,
        })
    }

    /// An epoch whose test accuracy is `right` out of 100.
    fn epoch(epoch: usize, right: u64) -> EpochReport {
        report(epoch, Some((right, 100 - right)), 0.1)
    }

    fn read_back(dir: &Path) -> (Vec<Entry>, RunStatus) {
        let mut reader = RunReader::open(dir).unwrap();
        let (records, status) = reader.poll().unwrap();
        assert!(reader.take_warnings().is_empty());
        (records.into_iter().map(|r| r.entry).collect(), status)
    }

    fn epochs_of(entries: &[Entry]) -> Vec<usize> {
        entries
            .iter()
            .filter_map(|e| match e {
                Entry::Epoch(r) => Some(r.epoch),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn fast_epochs_are_thinned_but_the_best_and_the_last_are_kept() {
        let (dir, mut w, start) = writer(WriterOptions {
            every_epoch_until: 0,
            ..WriterOptions::default()
        });
        // 2,000 epochs in 2 s; accuracy 50-59% except one best epoch of 97%.
        for e in 1..=2000u64 {
            let right = if e == 1234 { 97 } else { 50 + e % 10 };
            w.observe_at(&Event::EpochEnd(epoch(e as usize, right)), ms(start, e));
        }
        w.observe_at(&Event::State(RunState::Finished), ms(start, 2001));
        w.finish(None, None).unwrap();
        let (entries, status) = read_back(dir.path());
        assert_eq!(status, RunStatus::Finished);
        let epochs = epochs_of(&entries);
        // One every 100 ms (20), the bests that came between them, and the last.
        assert!((20..=40).contains(&epochs.len()), "{epochs:?}");
        assert!(epochs.contains(&1234), "{epochs:?}");
        assert_eq!(epochs.last(), Some(&2000), "{epochs:?}");
        assert!(epochs.windows(2).all(|w| w[0] < w[1]), "{epochs:?}");
        let end = entries.last().unwrap();
        assert!(matches!(end, Entry::End(e) if !e.model && e.lost_records == 0));
    }

    #[test]
    fn a_short_run_keeps_every_epoch() {
        let (dir, mut w, start) = writer(WriterOptions {
            every_epoch_until: 300,
            ..WriterOptions::default()
        });
        // 1,000 epochs in 10 ms: the first 300 all, then the thinned ones.
        for e in 1..=1000u64 {
            w.observe_at(
                &Event::EpochEnd(epoch(e as usize, 50)),
                start + Duration::from_micros(e * 10),
            );
        }
        w.finish(None, None).unwrap();
        let epochs = epochs_of(&read_back(dir.path()).0);
        assert_eq!(epochs[..300], (1..=300).collect::<Vec<_>>()[..]);
        assert_eq!(epochs[300..], [1000], "then the last, at the end");
    }

    #[test]
    fn gathered_records_are_written_at_publish_and_at_the_end_as_handed_at_once() {
        let events: Vec<Event> = (1..=50)
            .flat_map(|e| {
                [
                    progress(e, e as u64 * 40, 0.01, 16),
                    Event::EpochEnd(epoch(e, 40 + e as u64)),
                ]
            })
            .collect();
        let run = |interval: Duration, publish_at: usize| {
            let (dir, mut w, start) = writer(WriterOptions {
                hand_off_interval: interval,
                ..WriterOptions::default()
            });
            let mut seen_early = 0;
            for (i, event) in events.iter().enumerate() {
                w.observe_at(event, start + Duration::from_micros(i as u64 * 10));
                if i + 1 == publish_at {
                    w.publish();
                    w.observe_at(&Event::State(RunState::Paused), start);
                    // The writing thread has the records: wait for them to land.
                    let deadline = Instant::now() + Duration::from_secs(10);
                    while seen_early == 0 && Instant::now() < deadline {
                        seen_early = RunReader::open(dir.path()).unwrap().poll().unwrap().0.len();
                    }
                }
            }
            let before_end = std::fs::metadata(dir.path().join(EVENTS_FILE))
                .unwrap()
                .len();
            w.finish(None, None).unwrap();
            (read_back(dir.path()).0, seen_early, before_end)
        };
        let (at_once, _, _) = run(Duration::ZERO, usize::MAX);
        // An hour: nothing is handed over by time, only by publish and finish.
        let (gathered, _, unwritten) = run(Duration::from_secs(3600), usize::MAX);
        assert_eq!(unwritten, 0, "nothing written before the end");
        assert_eq!(gathered.len(), at_once.len());
        for (a, b) in gathered.iter().zip(&at_once) {
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
        assert_eq!(epochs_of(&gathered), (1..=50).collect::<Vec<_>>());
        let (published, early, _) = run(Duration::from_secs(3600), 20);
        assert!(early > 0, "publish hands the records over at once");
        assert!(published.len() > at_once.len(), "the pause record besides");
    }

    #[test]
    fn a_stalled_epoch_is_always_recorded() {
        let (dir, mut w, start) = writer(WriterOptions {
            every_epoch_until: 0,
            ..WriterOptions::default()
        });
        for e in 1..=50u64 {
            let mut report = epoch(e as usize, 50);
            if e == 17 {
                report.stalled = Some(nn_train::Stall {
                    epoch: 17,
                    loss: 0.69,
                    accuracy: Some(0.5),
                    layer: 0,
                    output_layer: false,
                    activation: Activation::Tanh,
                    trouble: nn_train::UnitTrouble::Saturated,
                    units: vec![0, 1, 2],
                    width: 3,
                });
            }
            w.observe_at(&Event::EpochEnd(report), ms(start, e));
        }
        w.finish(None, None).unwrap();
        let (entries, _) = read_back(dir.path());
        let stalled: Vec<usize> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Epoch(r) if r.stalled.is_some() => Some(r.epoch),
                _ => None,
            })
            .collect();
        assert_eq!(stalled, [17]);
        assert_eq!(
            epochs_of(&entries),
            [1, 17, 50],
            "the first, the stalled, the last"
        );
    }

    #[test]
    fn progress_at_most_once_a_second_and_what_stands_before_a_pause() {
        let (dir, mut w, start) = writer(WriterOptions::default());
        // Progress every 50 ms for 5 s.
        for i in 0..100u64 {
            w.observe_at(&progress(0, i * 10, 0.03, 10), ms(start, i * 50));
        }
        w.observe_at(&Event::State(RunState::Paused), ms(start, 4990));
        w.finish(None, None).unwrap();
        let (entries, status) = read_back(dir.path());
        assert_eq!(status, RunStatus::Interrupted);
        let steps: Vec<u64> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Progress(p) => Some(p.total_steps),
                _ => None,
            })
            .collect();
        // At 0, 1, 2, 3, 4 s, then the latest before the pause.
        assert_eq!(steps, [0, 200, 400, 600, 800, 990]);
        assert!(matches!(entries[6], Entry::State(RunState::Paused)));
    }

    #[test]
    fn user_changes_and_resets_are_recorded_schedule_steps_are_not() {
        let (dir, mut w, start) = writer(WriterOptions::default());
        w.observe_at(&progress(3, 120, 0.03, 10), ms(start, 0));
        w.observe_at(&progress(3, 125, 0.3, 10), ms(start, 10)); // user: new rate
        w.observe_at(&progress(3, 126, 0.3, 20), ms(start, 20)); // user: new batch
        w.observe_at(&progress(4, 140, 0.15, 20), ms(start, 30)); // schedule, next epoch
        w.observe_at(&progress(0, 0, 0.15, 20), ms(start, 40)); // reset
        w.finish(None, None).unwrap();
        let (entries, _) = read_back(dir.path());
        let changes: Vec<&Entry> = entries
            .iter()
            .filter(|e| matches!(e, Entry::Settings(_) | Entry::Reset(_)))
            .collect();
        assert_eq!(
            changes,
            [
                &Entry::Settings(SettingsChange {
                    epoch: 3,
                    learning_rate: 0.3,
                    batch_size: 10
                }),
                &Entry::Settings(SettingsChange {
                    epoch: 3,
                    learning_rate: 0.3,
                    batch_size: 20
                }),
                &Entry::Reset(WeightsReset {
                    learning_rate: 0.15
                }),
            ]
        );
    }

    #[test]
    fn snapshots_are_rate_limited_loadable_and_never_diverged() {
        let (dir, mut w, start) = writer(WriterOptions::default());
        let network = Arc::new(Network::new(architecture(), 1).unwrap());
        for i in 0..30u64 {
            w.observe_at(&Event::Snapshot(Arc::clone(&network)), ms(start, i * 100));
        }
        let mut broken = Network::new(architecture(), 2).unwrap();
        broken.parameters_mut()[0] = f32::NAN;
        w.observe_at(&Event::Snapshot(Arc::new(broken)), ms(start, 5000));
        w.observe_at(&Event::State(RunState::Paused), ms(start, 5001));
        w.finish(Some(&network), None).unwrap();
        let (entries, _) = read_back(dir.path());
        let snapshots = entries
            .iter()
            .filter(|e| matches!(e, Entry::Snapshot(_)))
            .count();
        assert_eq!(snapshots, 3, "at 0, 1 and 2 s: {entries:?}");
        let snapshot = nn_train::Model::load(&dir.path().join(SNAPSHOT_FILE)).unwrap();
        assert_eq!(snapshot.network.parameters(), network.parameters());
        let model = std::fs::read(dir.path().join(MODEL_FILE)).unwrap();
        assert_eq!(
            model,
            nn_core::model_to_bytes(&network, &ModelInfo::default())
        );
    }

    #[test]
    fn the_history_keeps_snapshots_at_epochs_on_a_log_scale() {
        let marks: Vec<usize> = (0..20)
            .filter(|&e| super::super::is_history_epoch(e))
            .collect();
        assert_eq!(marks, [0, 1, 2, 3, 4, 5, 7, 9, 12, 15, 19]);
        let (dir, mut w, start) = writer(WriterOptions::default());
        let network = Arc::new(Network::new(architecture(), 1).unwrap());
        // A snapshot every epoch for 10,000 epochs, then a reset and 3 more epochs.
        for epoch in 0..10_000usize {
            let at = ms(start, epoch as u64);
            w.observe_at(&progress(epoch, epoch as u64 * 40, 0.1, 10), at);
            w.observe_at(&Event::Snapshot(Arc::clone(&network)), at);
        }
        for epoch in 0..3usize {
            let at = ms(start, 20_000 + epoch as u64);
            w.observe_at(&progress(epoch, epoch as u64 * 40, 0.1, 10), at);
            w.observe_at(&Event::Snapshot(Arc::clone(&network)), at);
        }
        w.finish(Some(&network), None).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path().join(HISTORY_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let epochs: Vec<usize> = names
            .iter()
            .map(|n| {
                n.trim_end_matches(".safetensors")
                    .rsplit('-')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        // 0, 1, 2, ... then each mark a quarter past the last, 5 + log(10000 / 5) / log(1.25) in all;
        // after the reset the history starts again.
        assert_eq!(&epochs[..8], &[0, 1, 2, 3, 4, 5, 7, 9]);
        assert_eq!(&epochs[epochs.len() - 4..], &[8_279, 0, 1, 2]);
        assert_eq!(names.len(), 38 + 3, "{names:?}");
        for pair in epochs[..epochs.len() - 3].windows(2) {
            assert!(
                pair[1] as f64 >= pair[0] as f64 * super::super::HISTORY_RATIO,
                "{pair:?}"
            );
        }
        let first = nn_train::Model::load(&dir.path().join(HISTORY_DIR).join(&names[0])).unwrap();
        assert_eq!(first.network.parameters(), network.parameters());
    }

    #[test]
    fn a_long_log_stretches_the_intervals() {
        let count = |doubling_bytes| {
            let (dir, mut w, start) = writer(WriterOptions {
                doubling_bytes,
                ..WriterOptions::default()
            });
            for i in 0..600u64 {
                w.observe_at(&progress(0, i, 0.03, 10), ms(start, i * 100));
                // Let the writing thread count its bytes before the next decision.
                if i % 10 == 0 {
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
            w.finish(None, None).unwrap();
            read_back(dir.path()).0.len()
        };
        // 60 s of progress: one a second, or far fewer when every 1,000 bytes doubles the interval.
        let (plain, stretched) = (count(16 << 20), count(1000));
        assert_eq!(
            plain, 62,
            "60 progress records, the latest at the end, and the end"
        );
        // About 5 a second, 5 every 2 s, 5 every 4 s, ... (the exact count depends on
        // when the writing thread has counted its bytes).
        assert!(stretched < plain / 2, "{stretched}");
    }

    #[test]
    fn a_restart_replaces_run_json_and_starts_afresh() {
        let (dir, mut w, start) = writer(WriterOptions::default());
        for e in 1..=5u64 {
            w.observe_at(&Event::EpochEnd(epoch(e as usize, 90)), ms(start, e * 200));
        }
        let mut other = info();
        other.dataset = "circle".into();
        other.state_line = "nn-tui/1 data=circle".into();
        w.restart(&other, ModelInfo::default());
        // The new trainer's first progress is no reset, its first epoch is recorded.
        w.observe_at(&progress(0, 0, 0.03, 10), ms(start, 1001));
        w.observe_at(&Event::EpochEnd(epoch(1, 60)), ms(start, 1002));
        w.finish(None, None).unwrap();
        let (entries, _) = read_back(dir.path());
        let restart = entries
            .iter()
            .position(|e| matches!(e, Entry::Restart(i) if i.dataset == "circle"))
            .unwrap();
        assert_eq!(epochs_of(&entries[..restart]), [1, 2, 3, 4, 5]);
        assert_eq!(epochs_of(&entries[restart..]), [1]);
        assert!(!entries.iter().any(|e| matches!(e, Entry::Reset(_))));
        let summary = crate::RunSummary::read(dir.path()).unwrap();
        assert_eq!(summary.info.dataset, "circle");
        assert_eq!(summary.best.map(|b| b.accuracy), Some(Some(0.6)));
        let on_disk = RunReader::open(dir.path()).unwrap().info().clone();
        assert_eq!(
            on_disk.earlier_datasets,
            ["spiral"],
            "the data before circle"
        );
        assert_eq!(on_disk.datasets_text(), "spiral → circle");
        assert_eq!(
            on_disk,
            RunInfo {
                earlier_datasets: vec!["spiral".into()],
                ..other.clone()
            }
        );
        let mut later = other.clone();
        later.started += 100.0;
        let (dir, mut w, _) = writer(WriterOptions::default());
        w.restart(&later, ModelInfo::default());
        drop(w);
        let on_disk = RunReader::open(dir.path()).unwrap().info().clone();
        assert_eq!(on_disk.started, info().started, "the first trainer's start");
    }

    #[test]
    fn a_changed_state_line_is_recorded_once() {
        let (dir, mut w, _) = writer(WriterOptions::default());
        w.state_line("nn-tui/1 data=spiral"); // as in run.json: nothing new
        w.state_line("nn-tui/1 data=spiral l2=0.001");
        w.state_line("nn-tui/1 data=spiral l2=0.001");
        w.finish(None, None).unwrap();
        let (entries, _) = read_back(dir.path());
        assert_eq!(
            entries[0],
            Entry::StateLine("nn-tui/1 data=spiral l2=0.001".into())
        );
        assert!(matches!(entries[1], Entry::End(_)), "{entries:?}");
        let summary = crate::RunSummary::read(dir.path()).unwrap();
        assert_eq!(summary.info.state_line, "nn-tui/1 data=spiral l2=0.001");
    }

    #[test]
    fn how_the_run_ended() {
        let network = Network::new(architecture(), 1).unwrap();
        let end = |state: Option<RunState>, failure: Option<&str>| {
            let (dir, mut w, start) = writer(WriterOptions::default());
            if let Some(state) = state {
                w.observe_at(&Event::State(state), start);
            }
            let end = w.finish(Some(&network), failure.map(Into::into)).unwrap();
            let model = dir.path().join(MODEL_FILE).is_file();
            assert_eq!(end.model, model);
            (end.status, end.message, model)
        };
        assert_eq!(
            end(Some(RunState::Finished), None),
            (EndStatus::Finished, None, true)
        );
        assert_eq!(
            end(Some(RunState::Stopped), None),
            (EndStatus::Interrupted, None, true)
        );
        assert_eq!(end(None, None), (EndStatus::Interrupted, None, true));
        // A dashboard closed with q: the user stopped it, nothing interrupted it.
        let (dir, mut w, start) = writer(WriterOptions::default());
        w.observe_at(&Event::State(RunState::Stopped), start);
        w.stopped_by_user();
        let stopped = w.finish(Some(&network), None).unwrap();
        assert_eq!(stopped.status, EndStatus::Stopped);
        assert_eq!(stopped.status.name(), "stopped");
        let summary = crate::RunSummary::read(dir.path()).unwrap();
        assert_eq!(summary.status, RunStatus::Stopped);
        assert_eq!(
            end(
                Some(RunState::Diverged("loss NaN".into())),
                Some("diverged")
            ),
            (EndStatus::Diverged, Some("loss NaN".into()), false)
        );
        assert_eq!(
            end(Some(RunState::Running), Some("out of memory")),
            (EndStatus::Failed, Some("out of memory".into()), true)
        );
    }

    /// A process spawned while the writer lives holds a copy of its log's
    /// descriptor until its `exec`; a writer that is gone must not look alive
    /// meanwhile (`nn-dash`'s follow test once saw it under load).
    #[test]
    fn a_gone_writer_is_not_kept_alive_by_a_copy_of_its_descriptor() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(EVENTS_FILE);
        let file = File::create(&path).unwrap();
        file.try_lock().unwrap();
        // What a child forked at this moment holds: the same open file description.
        let inherited = file.try_clone().unwrap();
        let (problems, _) = mpsc::channel();
        drop(Log {
            file,
            path: path.clone(),
            dir: dir.path().to_path_buf(),
            model_info: ModelInfo::default(),
            counters: Arc::default(),
            problems,
            append_failed: false,
            snapshot_failed: false,
        });
        let reader = File::open(&path).unwrap();
        assert!(
            reader.try_lock_shared().is_ok(),
            "the writer's lock outlived it in a copy of its descriptor"
        );
        drop(inherited);
    }

    #[test]
    fn one_writer_per_folder_and_never_over_an_old_run() {
        let (dir, w, _) = writer(WriterOptions::default());
        let again = RunWriter::create(
            dir.path(),
            &info(),
            ModelInfo::default(),
            WriterOptions::default(),
        );
        assert!(matches!(again, Err(RunDirError::Taken(_))), "{again:?}");
        w.finish(None, None).unwrap();
        let after = RunWriter::create(
            dir.path(),
            &info(),
            ModelInfo::default(),
            WriterOptions::default(),
        );
        let message = after.unwrap_err().to_string();
        assert!(
            message.ends_with("already holds a run (events.jsonl); choose another folder"),
            "{message}"
        );
    }
}

/// Every kind of record, with any float a trainer can produce (non-finite ones
/// included: a progress report before its first step, a diverged epoch), written by
/// the real writer reads back unchanged and without a warning.
#[cfg(test)]
mod round_trip {
    use nn_core::{Activation, ModelInfo, Network};
    use proptest::prelude::*;

    use super::tests::{architecture, info};
    use super::*;
    use crate::run_dir::RunReader;
    use nn_train::{ConfusionMatrix, Metrics};
    use nn_train::{Stall, UnitTrouble};

    fn float() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(0.0),
            Just(-0.0),
            any::<f64>(),
            -10.0..10.0f64,
        ]
    }

    fn float32() -> impl Strategy<Value = f32> {
        prop_oneof![
            Just(f32::NAN),
            Just(f32::INFINITY),
            any::<f32>(),
            0.0..1.0f32
        ]
    }

    fn metrics() -> impl Strategy<Value = Metrics> {
        (
            float(),
            proptest::option::of(float()),
            proptest::option::of(float()),
            any::<bool>(),
        )
            .prop_map(|(loss, mse, r2, classifier)| Metrics {
                loss,
                samples: 10,
                confusion: classifier.then(|| {
                    let mut c = ConfusionMatrix::new(2);
                    c.record(0, 1);
                    c
                }),
                mse,
                r2,
            })
    }

    fn epoch_report() -> impl Strategy<Value = EpochReport> {
        (
            metrics(),
            proptest::option::of(metrics()),
            float32(),
            float(),
            float(),
            proptest::option::of((float(), proptest::option::of(float()))),
        )
            .prop_map(
                |(train, test, learning_rate, seconds, samples_per_second, stall)| EpochReport {
                    epoch: 1,
                    train,
                    validation: None,
                    test,
                    learning_rate,
                    seconds,
                    samples_per_second,
                    improved: false,
                    stop_early: false,
                    stalled: stall.map(|(loss, accuracy)| Stall {
                        epoch: 1,
                        loss,
                        accuracy,
                        layer: 0,
                        output_layer: false,
                        activation: Activation::Tanh,
                        trouble: UnitTrouble::Saturated,
                        units: vec![0],
                        width: 3,
                    }),
                },
            )
    }

    fn progress_report() -> impl Strategy<Value = ProgressReport> {
        (float(), float(), float32()).prop_map(|(loss, samples_per_second, learning_rate)| {
            ProgressReport {
                epoch: 1,
                step_in_epoch: 3,
                steps_per_epoch: 40,
                total_steps: 43,
                steps: 4,
                loss,
                samples_per_second,
                learning_rate,
                batch_size: 10,
            }
        })
    }

    /// What a record holds, NaN included (`NaN != NaN`, but its text is the same).
    fn text(entry: &Entry) -> String {
        format!("{entry:?}")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn every_kind_of_record_reads_back_as_written(
            progress in progress_report(),
            epoch in epoch_report(),
            summary_seconds in float(),
            summary_rate in float(),
            message in ".{0,20}",
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut w =
                RunWriter::create(dir.path(), &info(), ModelInfo::default(), WriterOptions::default())
                    .unwrap();
            let start = w.started;
            let at = |s: u64| start + Duration::from_secs(10 * s);
            let mut changed = progress.clone();
            changed.learning_rate = 0.5;
            let mut reset = progress.clone();
            reset.total_steps = 1;
            let summary = Summary {
                epochs: 1,
                total_steps: 43,
                seconds: summary_seconds,
                samples_per_second: summary_rate,
                last_epoch: Some(epoch.clone()),
                stopped_early: false,
                stopped_by_user: true,
                checkpoint: None,
            };
            let network = Arc::new(Network::new(architecture(), 1).unwrap());
            w.observe_at(&Event::Progress(progress.clone()), at(1));
            w.observe_at(&Event::Progress(changed.clone()), at(2)); // settings
            w.observe_at(&Event::Progress(reset.clone()), at(3)); // reset
            w.observe_at(&Event::EpochEnd(epoch.clone()), at(4));
            w.observe_at(&Event::Log(message.clone()), at(5));
            w.observe_at(&Event::Snapshot(network), at(6));
            w.observe_at(&Event::State(RunState::Diverged(message.clone())), at(7));
            w.state_line(&format!("nn-tui/1 data=spiral l2={}", message.len()));
            w.restart(&info(), ModelInfo::default());
            w.observe_at(&Event::Finished(summary.clone()), at(8));
            w.finish(None, Some(message.clone())).unwrap();

            let mut reader = RunReader::open(dir.path()).unwrap();
            let (records, _) = reader.poll().unwrap();
            prop_assert_eq!(reader.take_warnings(), Vec::<String>::new());
            let read: Vec<String> = records.iter().map(|r| text(&r.entry)).collect();
            let kinds = [
                text(&Entry::Progress(progress)),
                text(&Entry::Settings(SettingsChange { epoch: 1, learning_rate: 0.5, batch_size: 10 })),
                text(&Entry::Reset(WeightsReset { learning_rate: reset.learning_rate })),
                text(&Entry::Progress(reset)),
                text(&Entry::Epoch(epoch)),
                text(&Entry::Log(message.clone())),
                text(&Entry::State(RunState::Diverged(message.clone()))),
                text(&Entry::StateLine(format!("nn-tui/1 data=spiral l2={}", message.len()))),
                text(&Entry::Restart(Box::new(info()))),
            ];
            for kind in &kinds {
                prop_assert!(read.contains(kind), "{} not in {:?}", kind, read);
            }
            prop_assert!(read.iter().any(|r| r.starts_with("Snapshot(")), "{:?}", read);
            let Some(Entry::End(end)) = records.last().map(|r| &r.entry) else {
                panic!("no end: {read:?}")
            };
            prop_assert_eq!(format!("{:?}", end.summary), format!("{:?}", Some(summary)));
        }
    }
}
