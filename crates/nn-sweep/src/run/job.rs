//! One job of a sweep: its run directory set up, trained to its rung or its
//! end on the threads it holds, recorded, and its result; and how a trial is the
//! run `nn-tui train --state <line>` trains alone.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nn_run::{
    Event, Pace, RunHeadless, RunInfo, RunState, RunWriter, SessionOptions, StateLine,
    TrainRequest, WriterOptions,
};
use nn_train::{TrainPool, Trainer};

use super::{HAND_OFF, JobOutcome, Live, Plan, Sweep, TRIALS_DIR};
use crate::SweepError;
use crate::cores::Cores;
use crate::cpu::{ThreadTimes, thread_cpu_seconds, thread_times};
use crate::record::{Best, JobResult, JobStatus};
use crate::spec::Job;

impl Sweep {
    /// Trains one job to `epochs` (continuing `live` if given): its run directory,
    /// its best validation epoch. It holds its threads' worth of `cores` while it
    /// trains, not while its run directory is set up or closed. An interrupted
    /// job reports nothing.
    pub(crate) fn run_job(
        &self,
        job: Job,
        plan: &Plan,
        live: Option<Box<Live>>,
        (epochs, rung, last): (usize, usize, bool),
        (cores, workers, kept): (&Cores, &Mutex<Option<ThreadTimes>>, &mut WorkerPools),
        stop: &AtomicBool,
    ) -> JobOutcome {
        let started = Instant::now();
        let trial = &self.trials[job.trial];
        let name = job.dir_name();
        let dir_rel = Path::new(TRIALS_DIR).join(&name);
        // The run trains on this thread (its kept pool is this thread).
        let mut here = false;
        let mut live = if let Some(l) = live {
            l
        } else {
            let data = match job.fold {
                Some(f) => Arc::clone(&plan.folds[f]),
                None => Arc::clone(&plan.data),
            };
            let trainer = if last {
                // A run that ends in this job trains on the worker's kept threads:
                // starting and ending a pool of its own cost ~0.1 ms a trial. A run
                // that goes on to the next rung keeps its own, since it may go on
                // beside the worker's next job.
                let pool;
                (pool, here) = kept
                    .for_threads(plan.config.threads)
                    .map_err(|e| SweepError::trial(trial, &e))?;
                Trainer::new_in(&pool, plan.config.clone(), data)
            } else {
                Trainer::new(plan.config.clone(), data)
            }
            .map_err(|e| SweepError::trial(trial, &e))?;
            let info = RunInfo::new(
                &plan.spec,
                &plan.options,
                &trainer,
                Pace::Max,
                train_command(&plan.line, self.spec.epochs, self.spec.target.as_deref()),
            );
            let writer = RunWriter::create(
                &self.dir.join(&dir_rel),
                &info,
                trainer.model_info(),
                WriterOptions {
                    hand_off_interval: HAND_OFF,
                    unseen_until_shown: true,
                    ..WriterOptions::default()
                },
            )
            .map_err(|e| SweepError::Record(e.to_string()))?;
            // Boxed: a result passes through the results' channel, whose blocks
            // of 31 messages of 5 kB each were allocated and freed with `mmap`.
            Box::new(Live {
                trainer,
                writer: Some(writer),
                best: None,
                seconds: 0.0,
                train_seconds: 0.0,
                train_cpu_seconds: None,
            })
        };
        live.trainer.set_epochs(epochs);
        let session = SessionOptions {
            progress_interval: Duration::from_millis(250),
            snapshot_interval: WriterOptions::default().snapshot_interval,
            ..SessionOptions::default()
        };
        let Live {
            trainer,
            writer,
            best,
            ..
        } = &mut *live;
        let held = cores.take(plan.config.threads);
        let training = Instant::now();
        // The run happens on the trainer's thread (this one, or its pool's), which emits the events:
        // its times from the first event to the last are the training's (the
        // exact CPU clock for its CPU time; schedstat, which lags up to a tick,
        // for its share of the cores' demand).
        let (mut first, mut latest) = (None, None);
        let (mut first_cpu, mut latest_cpu) = (None, None);
        let (mut began, mut ended) = (false, false);
        let summary = trainer.run(stop, &session, &mut |event: Event| {
            if !began {
                began = true;
                // The training's thread, on its tokens' CPUs (see `cores.rs`).
                held.pin_here();
                // On this thread, its times are the worker's own, counted as it ends.
                if !here {
                    first = thread_times();
                }
                first_cpu = thread_cpu_seconds();
            }
            if let Event::EpochEnd(report) = &event
                && let Some(v) = &report.validation
            {
                let this_epoch = Best {
                    epoch: report.epoch,
                    accuracy: v.accuracy(),
                    loss: v.loss,
                };
                if best.is_none_or(|b| this_epoch.better_than(&b)) {
                    *best = Some(this_epoch);
                }
            }
            if let Event::State(state) = &event {
                ended |= *state != RunState::Running;
            }
            // A trial's weights are recorded once, at its end (the latest snapshot,
            // the replay history's one entry, the final model): a snapshot per
            // history epoch, each a file written and synced, would cost more than
            // a small trial's training. `nn-tui train --state` records the full history.
            let snapshot = matches!(event, Event::Snapshot(_));
            if let Some(w) = writer.as_mut()
                && (!snapshot || ended)
            {
                w.observe(&event);
            }
            if matches!(event, Event::Finished(_)) {
                latest_cpu = thread_cpu_seconds();
                if !here {
                    latest = thread_times();
                }
            }
        });
        live.train_seconds += training.elapsed().as_secs_f64();
        drop(held);
        let run_times = first.zip(latest).map(|(a, b)| b - a);
        if !here {
            let mut total = workers.lock().expect("worker times");
            match (total.as_mut(), run_times) {
                (Some(total), Some(t)) => *total += t,
                _ => *total = None,
            }
        }
        // One thread: the trainer's thread did all the training's work.
        if let (1, Some((a, b))) = (plan.config.threads, first_cpu.zip(latest_cpu)) {
            *live.train_cpu_seconds.get_or_insert(0.0) += b - a;
        }
        summary.map_err(|e| SweepError::trial(trial, &e))?;
        live.seconds += started.elapsed().as_secs_f64();
        if stop.load(Ordering::SeqCst) && !live.trainer.is_finished() {
            // Not a result: `--resume` runs it again.
            live.finish(None);
            return Ok(None);
        }
        let diverged = live.trainer.has_diverged();
        let status = match (diverged, last) {
            (true, _) => JobStatus::Diverged,
            (false, true) => JobStatus::Finished,
            (false, false) => JobStatus::Rung,
        };
        let finishing = last || diverged;
        let t = Instant::now();
        if finishing {
            live.finish_recording();
        } else if let Some(w) = live.writer.as_mut() {
            // Waiting for the next rung: its records so far are shown meanwhile.
            w.publish();
        }
        live.seconds += t.elapsed().as_secs_f64();
        let result = JobResult {
            trial: job.trial,
            fold: job.fold,
            config: trial.config,
            rung,
            axes: trial.axes.clone(),
            status,
            epochs: live.trainer.epoch(),
            best: live.best.filter(|b| b.score().is_some()),
            seconds: live.seconds,
            train_seconds: live.train_seconds,
            train_cpu_seconds: live.train_cpu_seconds,
            threads: plan.config.threads,
            dir: dir_rel,
        };
        Ok(Some((result, (!finishing).then_some(live))))
    }
}

/// A worker's kept threads for the runs that end in its jobs: its own thread
/// for runs of one thread (no hand-over to another thread and back: about 1%
/// of a sweep of small trials went to handing them over, waking the pool's
/// thread and its spinning before it slept), a pool for wider ones.
#[derive(Default)]
pub(crate) struct WorkerPools {
    /// This thread as a pool ([`TrainPool::on_this_thread`]), once made.
    own: Option<TrainPool>,
    /// The last wider run's pool, kept for the next of its size.
    wider: Option<TrainPool>,
}

impl WorkerPools {
    /// A pool of `threads` workers for a run on this thread: its own thread
    /// for one (made on the first call; a thread that cannot be made one gets a
    /// pool of one other thread, as before), the kept wider pool if its size
    /// fits, else a new one kept in its place; and whether it is this thread.
    fn for_threads(&mut self, threads: usize) -> Result<(TrainPool, bool), nn_train::TrainError> {
        if threads == 1 {
            if self.own.is_none() {
                self.own = TrainPool::on_this_thread().ok();
            }
            if let Some(own) = &self.own {
                return Ok((own.clone(), true));
            }
        }
        let pool = match self.wider.take().filter(|p| p.threads() == threads) {
            Some(pool) => pool,
            None => TrainPool::new(threads)?,
        };
        self.wider = Some(pool.clone());
        Ok((pool, false))
    }
}

/// The request `nn-tui train --state <line> --epochs <epochs>` makes.
pub fn trial_request(line: &StateLine, epochs: usize) -> TrainRequest {
    line.request_over(TrainRequest {
        epochs: Some(epochs),
        ..TrainRequest::default()
    })
}

/// The command that trains `line` alone for `epochs` (on CSV data's `target` column), as words.
pub fn train_command(line: &str, epochs: usize, target: Option<&str>) -> Vec<String> {
    let mut words: Vec<String> = vec![
        "nn-tui".into(),
        "train".into(),
        "--state".into(),
        line.into(),
        "--epochs".into(),
        epochs.to_string(),
    ];
    if let Some(t) = target {
        words.extend(["--target".into(), t.into()]);
    }
    words
}
