//! Running a sweep: every trial's run checked before any starts, the data
//! loaded once per data setting, and the jobs spread over the cores.
//!
//! Scheduling: each job asks [`nn_train::useful_threads`] how many threads its
//! run can keep busy. A small network's step runs on one thread whatever the
//! pool holds (below 6 MFLOP a step), so it gets one thread and as many such
//! trials run at once as there are cores; a wider one gets a thread per 6 MFLOP
//! of its step (a tiny network, its layers at most 16 wide, one per shard), up
//! to the cores, and fewer run beside it. A job starts when its
//! threads are free, taking jobs in order from one queue, so a slow trial never
//! holds the others back. Thread counts never change a run's bits, so every
//! trial's model is the one `nn-tui train --state <its line> --epochs <epochs>`
//! trains alone.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nn_run::{DataOptions, DataSpec, Purpose, RunWriter, StateLine};
use nn_train::{TrainConfig, TrainData, Trainer};

use crate::SweepError;
use crate::cores::{Cores, workers_for};
use crate::cpu::{ThreadTimes, process_cpu_seconds, thread_times};
use crate::data::SharedData;
use crate::listing::read_spec;
use crate::record::{Best, JobResult, ResultsLog, read_results, rewrite_results};
use crate::spec::{Job, SweepSpec, Trial};
use crate::spread::TaskHub;

mod job;
pub(crate) use job::WorkerPools;
pub use job::{train_command, trial_request};

/// The spec's file in a sweep directory.
pub const SPEC_FILE: &str = "sweep.json";
/// The folder of the trials' run directories.
pub const TRIALS_DIR: &str = "trials";

/// How often the owner of a sweep spread over processes looks for their
/// requests and results while its own jobs run. Each look runs the message
/// layer's progress engine; a process asks for its next job while it still
/// has one to train, so a millisecond's wait for the answer is hidden.
const HUB_POLL: Duration = Duration::from_millis(1);
/// How long the owner goes on answering the other processes after a stop: a
/// request already sent is answered at once; after a rank died, mpirun kills
/// the others about a second after its signal, and the owner has yet to say so.
const STOP_GRACE: Duration = Duration::from_millis(100);
/// How long finished results may wait to be reported together (one sync of
/// their files and one of `results.jsonl` for all). Each sync writes the file
/// system's changed metadata blocks (bitmaps, inode tables, the trials' folder),
/// which the trials of every batch share: at 25 ms, with a small trial ending
/// every 3-4 ms, the syncs were 0.5% of a sweep's CPU. A result waits a tenth
/// of a second at most, and one lost to a kill is trained again by `--resume`.
const GATHER: Duration = Duration::from_millis(100);
/// How often a trial's records go to its run directory's writing thread while it
/// trains: often enough for a live table, and a trial that ends sooner (most)
/// writes them all at its end on its worker, with no wake-up of a writing
/// thread per epoch and no such thread started.
const HAND_OFF: Duration = Duration::from_millis(100);

/// A sweep directory and what it holds.
pub struct Sweep {
    dir: PathBuf,
    spec: SweepSpec,
    trials: Vec<Trial>,
}

/// How to run a sweep.
pub struct RunOptions {
    /// Cores to use.
    pub cores: usize,
    /// Set to stop: running jobs end (and are run again by `--resume`).
    pub stop: Arc<AtomicBool>,
    /// This process's share of the machine's CPUs, `(index, of)`: with
    /// `of` processes of the sweep on the machine and `cores x of` CPUs to
    /// run on, its trials are pinned to the `index`th `cores` of them (see
    /// `cores.rs`); `None`, never pinned.
    pub cpu_share: Option<(usize, usize)>,
}

/// What a sweep's run ends with.
pub struct Finished {
    /// Every result, those of earlier runs of the sweep included.
    pub results: Vec<JobResult>,
    /// Jobs run this time.
    pub ran: usize,
    /// Jobs found finished (a resumed sweep).
    pub kept: usize,
    /// Distinct data settings loaded.
    pub data_loaded: usize,
    /// Wall-clock seconds of this run.
    pub seconds: f64,
    /// Stopped before all jobs finished.
    pub interrupted: bool,
    /// The worker threads' time on a CPU and ready to run waiting for one
    /// (Linux; their busy share of the cores is this over wall time x cores).
    pub workers: Option<ThreadTimes>,
    /// The process's CPU seconds over this run, every thread's (Linux).
    pub cpu_seconds: Option<f64>,
}

impl Sweep {
    /// Starts a sweep directory: `dir` (created; it must not hold a sweep) gets `sweep.json`.
    ///
    /// # Errors
    /// The folder holds a sweep or a run, or cannot be written; the spec's lines do not read.
    pub fn create(dir: &Path, spec: SweepSpec) -> Result<Self, SweepError> {
        let trials = spec.trials()?;
        std::fs::create_dir_all(dir).map_err(|e| SweepError::io(dir, e))?;
        if dir.join(SPEC_FILE).exists() || dir.join(nn_run::RUN_INFO_FILE).exists() {
            return Err(SweepError::Taken(dir.to_path_buf()));
        }
        let json = serde_json::to_vec_pretty(&spec).expect("a spec serialises: plain data");
        let path = dir.join(SPEC_FILE);
        nn_atomic_write::write_atomically(&path, &json)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            spec,
            trials,
        })
    }

    /// Opens the sweep in `dir`.
    ///
    /// # Errors
    /// No `sweep.json` there, or one that does not read.
    pub fn open(dir: &Path) -> Result<Self, SweepError> {
        let spec = read_spec(dir)?;
        let trials = spec.trials()?;
        Ok(Self {
            dir: dir.to_path_buf(),
            spec,
            trials,
        })
    }

    pub(crate) fn assemble(dir: PathBuf, spec: SweepSpec, trials: Vec<Trial>) -> Self {
        Self { dir, spec, trials }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The data of its trials, folds cut as the spec says (none loaded yet).
    ///
    /// # Errors
    /// The base line does not read.
    pub fn shared_data(&self) -> Result<SharedData, SweepError> {
        let base: StateLine = self.spec.base.parse()?;
        Ok(SharedData::new(
            self.spec.target.clone(),
            self.spec.folds,
            base.data_seed.unwrap_or_default(),
        ))
    }

    /// The spec.
    pub fn spec(&self) -> &SweepSpec {
        &self.spec
    }

    /// The trials.
    pub fn trials(&self) -> &[Trial] {
        &self.trials
    }

    /// Runs every job without a result yet; `on_result` hears of each as it ends.
    ///
    /// # Errors
    /// A trial's run cannot be set up (before anything runs), data that cannot be
    /// loaded, a job that fails, or results that cannot be written.
    pub fn run(
        &self,
        shared: &mut SharedData,
        options: &RunOptions,
        on_result: &mut dyn FnMut(&JobResult),
    ) -> Result<Finished, SweepError> {
        self.run_with(shared, options, None, on_result)
    }

    /// [`Sweep::run`] as the owner of a sweep spread over processes: `hub`'s
    /// processes take jobs from the same queue as this one's cores (see `spread.rs`).
    ///
    /// # Errors
    /// As [`Sweep::run`]; a sweep with halving; a result sent back that does not read.
    pub fn run_spread(
        &self,
        shared: &mut SharedData,
        options: &RunOptions,
        hub: &mut dyn TaskHub,
        on_result: &mut dyn FnMut(&JobResult),
    ) -> Result<Finished, SweepError> {
        self.refuse_halving()?;
        self.run_with(shared, options, Some(hub), on_result)
    }

    fn run_with(
        &self,
        shared: &mut SharedData,
        options: &RunOptions,
        mut hub: Option<&mut dyn TaskHub>,
        on_result: &mut dyn FnMut(&JobResult),
    ) -> Result<Finished, SweepError> {
        let started = Instant::now();
        let cpu_start = process_cpu_seconds();
        // A trial's files are synced with one sync of the file system per batch of
        // results (below), not one per file: they were ten a trial, more than a
        // small trial's training. A result's line is appended only after its
        // files are durable, so a resume after any crash trusts only whole trials.
        let _deferred = nn_atomic_write::defer_syncs();
        let workers = Mutex::new(Some(ThreadTimes::default()));
        let mut results = read_results(&self.dir)?;
        // A line cut short by a kill goes before new lines are appended.
        rewrite_results(&self.dir, &results)?;
        let kept = results.len();
        let plans = self.plans(shared, options.cores)?;
        let done: BTreeSet<(Job, usize)> = results.iter().map(|r| (r.job(), r.rung)).collect();
        let rungs = match self.spec.halving {
            Some(h) => h.rungs(self.spec.epochs),
            None => vec![self.spec.epochs],
        };
        let mut log = ResultsLog::open(&self.dir)?;
        let mut ran = 0;
        let mut live: BTreeMap<Job, Box<Live>> = BTreeMap::new();
        let mut alive: Vec<usize> = (0..self.trials.len()).collect();
        for (rung, &epochs) in rungs.iter().enumerate() {
            let jobs: Vec<Job> = self
                .spec
                .jobs(self.trials.len())
                .into_iter()
                .filter(|j| alive.contains(&j.trial) && !done.contains(&(*j, rung)))
                .collect();
            // Whatever a killed sweep left of a job goes (its folder, or the
            // scratch folder it was written in): it runs again whole. The
            // folder is listed once, not looked for twice a job.
            let trials_dir = self.dir.join(TRIALS_DIR);
            let left: BTreeSet<std::ffi::OsString> = std::fs::read_dir(&trials_dir)
                .map(|entries| entries.filter_map(|e| Some(e.ok()?.file_name())).collect())
                .unwrap_or_default();
            for job in jobs
                .iter()
                .filter(|j| !left.is_empty() && !live.contains_key(j))
            {
                let dir = trials_dir.join(job.dir_name());
                for dir in [nn_run::unseen_folder(&dir), dir] {
                    if dir.file_name().is_some_and(|name| left.contains(name)) {
                        std::fs::remove_dir_all(&dir).map_err(|e| SweepError::io(&dir, e))?;
                    }
                }
            }
            let last = rung + 1 == rungs.len();
            let work = jobs
                .into_iter()
                .map(|job| (job, live.remove(&job)))
                .collect();
            let batch = self.run_jobs(
                work,
                &plans,
                (epochs, rung, last),
                options,
                (&workers, hub.as_mut().map(|h| &mut **h as &mut dyn TaskHub)),
                &mut |batch| {
                    nn_atomic_write::sync_filesystem(&self.dir)
                        .map_err(|e| SweepError::io(&self.dir, e))?;
                    log.append(batch.iter().map(|(r, _)| r))?;
                    for (r, l) in batch {
                        if let Some(l) = l {
                            live.insert(r.job(), l);
                        }
                        on_result(&r);
                        results.push(r);
                        ran += 1;
                    }
                    log.sync()
                },
            )?;
            if batch {
                return Ok(Finished {
                    results,
                    ran,
                    kept,
                    data_loaded: shared.len(),
                    seconds: started.elapsed().as_secs_f64(),
                    interrupted: true,
                    workers: workers.into_inner().expect("worker times"),
                    cpu_seconds: cpu_start.zip(process_cpu_seconds()).map(|(a, b)| b - a),
                });
            }
            if let (Some(h), false) = (self.spec.halving, last) {
                alive = crate::select::promoted(&results, rung, &alive, &self.trials, h.eta);
                // Trials halted here end their recording.
                let halted: Vec<Job> = live
                    .keys()
                    .filter(|j| !alive.contains(&j.trial))
                    .copied()
                    .collect();
                for job in halted {
                    if let Some(l) = live.remove(&job) {
                        l.finish(None);
                    }
                }
            }
        }
        Ok(Finished {
            results,
            ran,
            kept,
            data_loaded: shared.len(),
            seconds: started.elapsed().as_secs_f64(),
            interrupted: false,
            workers: workers.into_inner().expect("worker times"),
            cpu_seconds: cpu_start.zip(process_cpu_seconds()).map(|(a, b)| b - a),
        })
    }

    /// Every trial's run, set up (and refused) before any starts.
    pub(crate) fn plans(
        &self,
        shared: &mut SharedData,
        cores: usize,
    ) -> Result<Vec<Plan>, SweepError> {
        self.trials
            .iter()
            .map(|trial| self.plan(trial, shared, cores))
            .collect()
    }

    /// A trial's run, resolved against its data (every fold's, with folds).
    fn plan(
        &self,
        trial: &Trial,
        shared: &mut SharedData,
        cores: usize,
    ) -> Result<Plan, SweepError> {
        let line: StateLine = trial.line.parse()?;
        let loaded = shared.of(&line).map_err(|e| SweepError::trial(trial, &e))?;
        let request = trial_request(&line, self.spec.epochs);
        let config = request
            .resolve(Purpose::Headless, &loaded.trials)
            .map_err(|e| SweepError::trial(trial, &e))?;
        config
            .check_against(&loaded.trials)
            .map_err(|e| SweepError::trial(trial, &e))?;
        let threads = nn_train::useful_threads(&config, cores);
        Ok(Plan {
            config: TrainConfig { threads, ..config },
            spec: loaded.spec.clone(),
            options: loaded.options.clone(),
            data: Arc::clone(&loaded.trials),
            folds: loaded.folds.clone(),
            line: trial.line.clone(),
        })
    }

    /// Runs `work` on the cores; returns whether it was stopped. Each worker
    /// adds its thread's times to `workers` as it ends.
    fn run_jobs(
        &self,
        work: Vec<(Job, Option<Box<Live>>)>,
        plans: &[Plan],
        (epochs, rung, last): (usize, usize, bool),
        options: &RunOptions,
        (workers, mut hub): (&Mutex<Option<ThreadTimes>>, Option<&mut dyn TaskHub>),
        report: &mut Report<'_>,
    ) -> Result<bool, SweepError> {
        let cores = options.cores.max(1);
        let queue = Mutex::new(work.into_iter().collect::<VecDeque<_>>());
        let pool = Cores::new(cores, options.cpu_share);
        let (tx, rx) = mpsc::channel::<JobOutcome>();
        let failed = AtomicBool::new(false);
        std::thread::scope(|scope| -> Result<(), SweepError> {
            for _ in 0..workers_for(cores) {
                let tx = tx.clone();
                let (queue, pool, failed) = (&queue, &pool, &failed);
                scope.spawn(move || {
                    let start = thread_times();
                    let mut kept = WorkerPools::default();
                    let add_times = || {
                        let mut total = workers.lock().expect("worker times");
                        match (total.as_mut(), start, thread_times()) {
                            (Some(total), Some(a), Some(b)) => *total += b - a,
                            _ => *total = None,
                        }
                    };
                    loop {
                        if options.stop.load(Ordering::SeqCst) || failed.load(Ordering::SeqCst) {
                            add_times();
                            return;
                        }
                        let Some((job, live)) = queue.lock().expect("queue").pop_front() else {
                            add_times();
                            return;
                        };
                        let plan = &plans[job.trial];
                        let out = self.run_job(
                            job,
                            plan,
                            live,
                            (epochs, rung, last),
                            (pool, workers, &mut kept),
                            &options.stop,
                        );
                        if out.is_err() {
                            failed.store(true, Ordering::SeqCst);
                        }
                        if tx.send(out).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(tx);
            let mut first_error = None;
            let mut local_open = true;
            let mut stop_deadline = None;
            // Results are reported (their files synced, then their lines appended)
            // together, at most every GATHER: a sync of the file system and of the
            // results costs about what a small trial's whole recording does.
            let mut batch = Vec::new();
            let mut reported = Instant::now();
            let mut report_batch = |batch: &mut Vec<_>, first_error: &mut Option<SweepError>| {
                if !batch.is_empty()
                    && let Err(e) = report(std::mem::take(batch))
                {
                    failed.store(true, Ordering::SeqCst);
                    first_error.get_or_insert(e);
                }
            };
            while local_open || hub.as_ref().is_some_and(|h| !h.all_done()) {
                let mut outs = Vec::new();
                match &mut hub {
                    None => {
                        let next = if batch.is_empty() {
                            rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
                        } else {
                            rx.recv_timeout(
                                (reported + GATHER).saturating_duration_since(Instant::now()),
                            )
                        };
                        match next {
                            Ok(out) => {
                                outs.push(out);
                                outs.extend(rx.try_iter());
                            }
                            Err(RecvTimeoutError::Timeout) => {}
                            Err(RecvTimeoutError::Disconnected) => local_open = false,
                        }
                    }
                    Some(hub) => {
                        match rx.recv_timeout(HUB_POLL) {
                            Ok(out) => outs.push(out),
                            Err(RecvTimeoutError::Timeout) => {}
                            Err(RecvTimeoutError::Disconnected) => {
                                local_open = false;
                                std::thread::sleep(HUB_POLL);
                            }
                        }
                        let stopped =
                            options.stop.load(Ordering::SeqCst) || failed.load(Ordering::SeqCst);
                        let mut next = || {
                            let (job, _) = queue.lock().expect("queue").pop_front()?;
                            Some(self.job_index(job))
                        };
                        let mut none = || None;
                        let next: &mut dyn FnMut() -> Option<usize> =
                            if stopped { &mut none } else { &mut next };
                        for packed in hub.serve(next) {
                            outs.push(self.unpack(&packed).map(|r| Some((r, None))));
                        }
                        if stopped && !local_open {
                            // After a stop the others' requests are answered "none"
                            // until they are done, but not for long: a rank that
                            // died (mpirun's signal is the stop) never will be.
                            let deadline =
                                *stop_deadline.get_or_insert_with(|| Instant::now() + STOP_GRACE);
                            if Instant::now() >= deadline {
                                break;
                            }
                        }
                    }
                }
                for out in outs {
                    match out {
                        Ok(None) => {}
                        Ok(Some(ended)) => batch.push(ended),
                        Err(e) => {
                            failed.store(true, Ordering::SeqCst);
                            first_error.get_or_insert(e);
                        }
                    }
                }
                let stopping = options.stop.load(Ordering::SeqCst) || failed.load(Ordering::SeqCst);
                if stopping || reported.elapsed() >= GATHER {
                    report_batch(&mut batch, &mut first_error);
                    reported = Instant::now();
                }
            }
            report_batch(&mut batch, &mut first_error);
            first_error.map_or(Ok(()), Err)
        })?;
        Ok(options.stop.load(Ordering::SeqCst))
    }
}

/// What one job ends with: its result and, between halving's rungs, its open run
/// (`None`: stopped before the end, not a result).
type JobOutcome = Result<Option<(JobResult, Option<Box<Live>>)>, SweepError>;

/// Hears of results that ended together (and keeps the open run of a job that goes on).
type Report<'a> = dyn FnMut(Vec<(JobResult, Option<Box<Live>>)>) -> Result<(), SweepError> + 'a;

/// A trial's run, ready to train.
pub(crate) struct Plan {
    config: TrainConfig,
    spec: DataSpec,
    options: DataOptions,
    data: Arc<TrainData>,
    folds: Vec<Arc<TrainData>>,
    line: String,
}

/// A job between halving's rungs: its trainer and recording stay open.
pub(crate) struct Live {
    trainer: Trainer,
    writer: Option<RunWriter>,
    best: Option<Best>,
    seconds: f64,
    train_seconds: f64,
    train_cpu_seconds: Option<f64>,
}

impl Live {
    fn finish_recording(&mut self) {
        if let Some(w) = self.writer.take() {
            // The recording is a record: a failure costs it, not the sweep.
            let _ = w.finish(Some(self.trainer.network()), None);
        }
    }

    fn finish(mut self, failure: Option<String>) {
        if let Some(w) = self.writer.take() {
            let _ = w.finish(Some(self.trainer.network()), failure);
        }
    }
}
