//! Reading a sweep directory as its sweep writes it, cheaply enough to do a
//! few times a second: `sweep.json` once; `results.jsonl` again only when it
//! grew; `trials/` listed again only when its modification time moved (a job's
//! run directory appeared or went); and each trial's `events.jsonl` read on from
//! where the last look stopped, only while its writer is alive. A finished
//! job's file is closed, so a sweep of hundreds of trials holds few files open.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use nn_run::{Entry, RunReader, RunStatus};
use nn_sweep::{Best, JobResult, JobStatus, RESULTS_FILE, Sweep, TRIALS_DIR, Trial};

use crate::DashError;
use crate::history::{CURVE_POINTS, Series};
use crate::sweep_view::{SweepView, TrialStatus};

/// What one job's run directory showed so far.
#[derive(Debug)]
struct JobLive {
    /// The trial it belongs to.
    trial: usize,
    /// The fold it holds out (0 without folds): folders sort `fold10` before `fold2`.
    fold: usize,
    /// Its folder.
    dir: PathBuf,
    /// Reads it on while its writer lives; `None` once it ended.
    reader: Option<RunReader>,
    /// The identity of its log, to tell a folder made again (`--resume`) from the old one.
    log_id: Option<(u64, u64, i64, i64)>,
    status: RunStatus,
    /// Anything recorded yet: a job's folder is made before it gets a core, its
    /// first record comes when it starts training.
    started: bool,
    best: Option<Best>,
    epochs: usize,
    seconds: f64,
    loss: Series,
    accuracy: Series,
}

impl JobLive {
    fn open((trial, fold): (usize, usize), dir: PathBuf) -> Option<Self> {
        // Not yet a run: its writer makes the folder before run.json.
        let reader = RunReader::open(&dir).ok()?;
        Some(Self {
            trial,
            fold,
            log_id: log_id(&dir),
            dir,
            reader: Some(reader),
            status: RunStatus::Running,
            started: false,
            best: None,
            epochs: 0,
            seconds: 0.0,
            loss: Series::new(CURVE_POINTS),
            accuracy: Series::new(CURVE_POINTS),
        })
    }

    /// Reads what was written since the last look; true if anything was.
    fn poll(&mut self) -> bool {
        let Some(reader) = &mut self.reader else {
            return false;
        };
        let Ok((records, status)) = reader.poll() else {
            // Gone from under us (a resumed sweep removes it): the next listing finds its successor.
            self.reader = None;
            self.status = RunStatus::StoppedWriting;
            return true;
        };
        // Torn or unreadable lines are the run's own view's to report.
        reader.take_warnings();
        let changed = !records.is_empty() || status != self.status;
        self.started |= !records.is_empty();
        for record in records {
            self.seconds = self.seconds.max(record.t);
            if let Entry::Epoch(report) = record.entry {
                self.epochs = report.epoch;
                let Some(v) = &report.validation else {
                    continue;
                };
                let here = Best {
                    epoch: report.epoch,
                    accuracy: v.accuracy(),
                    loss: v.loss,
                };
                if here.score().is_some() && self.best.is_none_or(|b| here.better_than(&b)) {
                    self.best = Some(here);
                }
                let x = report.epoch as f64;
                self.loss.push(x, v.loss);
                if let Some(a) = v.accuracy() {
                    self.accuracy.push(x, a);
                }
            }
        }
        self.status = status;
        if status != RunStatus::Running {
            // Ended: nothing more will come; the file is closed.
            self.reader = None;
        }
        changed
    }
}

/// The identity of a run directory's recording: its log's device and inode, and
/// when its `run.json` was written (an inode number can be reused at once by a
/// folder made again).
fn log_id(dir: &Path) -> Option<(u64, u64, i64, i64)> {
    use std::os::unix::fs::MetadataExt as _;
    let log = std::fs::metadata(dir.join(nn_run::EVENTS_FILE)).ok()?;
    let info = std::fs::metadata(dir.join(nn_run::RUN_INFO_FILE)).ok()?;
    Some((log.dev(), log.ino(), info.mtime(), info.mtime_nsec()))
}

/// Follows a sweep directory; see the module docs.
#[derive(Debug)]
pub struct SweepFollower {
    dir: PathBuf,
    trials: Vec<Trial>,
    /// Jobs per trial (its folds, or one).
    folds: usize,
    /// The rung that finishes a trial (0 without halving).
    last_rung: usize,
    /// Each job's run directory's name, to its trial and fold.
    names: BTreeMap<String, (usize, usize)>,
    jobs: BTreeMap<String, JobLive>,
    /// Folders listed that were not runs yet.
    unopened: BTreeSet<String>,
    results: Vec<JobResult>,
    results_len: u64,
    trials_modified: Option<SystemTime>,
}

impl SweepFollower {
    /// Opens the sweep in `dir` (its `sweep.json`) and the view of its trials, nothing read yet.
    pub fn open(
        dir: &Path,
        plot: crate::PlotMode,
        depth: crate::colors::ColorDepth,
    ) -> Result<(Self, SweepView), DashError> {
        let sweep = Sweep::open(dir)?;
        let spec = sweep.spec();
        let axes = spec.axis_keys();
        let trials = sweep.trials().to_vec();
        let names = spec
            .jobs(trials.len())
            .into_iter()
            .map(|j| (j.dir_name(), (j.trial, j.fold.unwrap_or(0))))
            .collect();
        let last_rung = spec
            .halving
            .map_or(0, |h| h.rungs(spec.epochs).len().saturating_sub(1));
        let values = trials
            .iter()
            .map(|t| {
                axes.iter()
                    .map(|k| t.axes.get(k).cloned().unwrap_or_else(|| "-".into()))
                    .collect()
            })
            .collect();
        let view = SweepView::new(dir.display().to_string(), axes, values, plot, depth);
        let follower = Self {
            dir: dir.to_path_buf(),
            trials,
            folds: spec.folds.unwrap_or(1).max(1),
            last_rung,
            names,
            jobs: BTreeMap::new(),
            unopened: BTreeSet::new(),
            results: Vec::new(),
            results_len: 0,
            trials_modified: None,
        };
        Ok((follower, view))
    }

    /// Reads what changed since the last look into `view`; true if anything did.
    pub fn poll(&mut self, view: &mut SweepView) -> Result<bool, DashError> {
        let mut changed = self.read_results()?;
        changed |= self.list_trials();
        for job in self.jobs.values_mut() {
            changed |= job.poll();
        }
        if changed {
            self.fold_into(view);
        }
        Ok(changed)
    }

    /// `results.jsonl` read again if it grew.
    fn read_results(&mut self) -> Result<bool, DashError> {
        let len = std::fs::metadata(self.dir.join(RESULTS_FILE)).map_or(0, |m| m.len());
        if len == self.results_len {
            return Ok(false);
        }
        self.results = nn_sweep::read_results(&self.dir)?;
        self.results_len = len;
        Ok(true)
    }

    /// The trials' run directories: new ones opened, ones made again reopened.
    fn list_trials(&mut self) -> bool {
        let trials_dir = self.dir.join(TRIALS_DIR);
        let modified = std::fs::metadata(&trials_dir)
            .and_then(|m| m.modified())
            .ok();
        let mut changed = false;
        if modified == self.trials_modified {
            // Folders made but not yet runs (run.json comes just after the folder).
            let waiting: Vec<String> = self.unopened.iter().cloned().collect();
            for name in waiting {
                changed |= self.open_job(&name);
            }
        } else {
            self.trials_modified = modified;
            let listed: Vec<String> = std::fs::read_dir(&trials_dir)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            // Folders removed (a resumed sweep clears what a kill left) are forgotten.
            let before = self.jobs.len();
            self.jobs.retain(|name, _| listed.contains(name));
            self.unopened.retain(|name| listed.contains(name));
            changed |= self.jobs.len() != before;
            for name in listed {
                if let Some(job) = self.jobs.get(&name)
                    && job.log_id == log_id(&job.dir)
                {
                    continue;
                }
                changed |= self.jobs.remove(&name).is_some();
                changed |= self.open_job(&name);
            }
        }
        changed
    }

    fn open_job(&mut self, name: &str) -> bool {
        let Some(&job) = self.names.get(name) else {
            return false;
        };
        let dir = self.dir.join(TRIALS_DIR).join(name);
        if let Some(job) = JobLive::open(job, dir) {
            self.unopened.remove(name);
            self.jobs.insert(name.to_string(), job);
            true
        } else {
            self.unopened.insert(name.to_string());
            false
        }
    }

    /// Each trial's row from its results and its jobs' run directories.
    fn fold_into(&self, view: &mut SweepView) {
        let keys: Vec<String> = Vec::new();
        let standings = nn_sweep::standings(&self.results, &self.trials, self.folds, &keys);
        // A classifier's trials are ranked by accuracy from their first epoch on.
        let classifier = self.jobs.values().any(|j| j.accuracy.last().is_some());
        view.metric = if classifier {
            "accuracy"
        } else {
            standings.metric
        };
        let scores: BTreeMap<usize, &nn_sweep::TrialScore> =
            standings.trials.iter().map(|s| (s.trial, s)).collect();
        let mut jobs: BTreeMap<usize, Vec<&JobLive>> = BTreeMap::new();
        for job in self.jobs.values() {
            jobs.entry(job.trial).or_default().push(job);
        }
        for trial_jobs in jobs.values_mut() {
            trial_jobs.sort_by_key(|j| j.fold);
        }
        view.live = self.jobs.values().any(|j| j.status == RunStatus::Running);
        for row in &mut view.trials {
            let jobs = jobs.remove(&row.id).unwrap_or_default();
            // The job to show: the one training, else the latest fold.
            let shown = jobs
                .iter()
                .find(|j| j.status == RunStatus::Running)
                .or_else(|| jobs.last())
                .copied();
            let score = scores.get(&row.id).copied();
            row.status = status(score, shown, self.last_rung);
            // Training past a rung: in the next one.
            row.rung = score.map_or(0, |s| {
                s.rung + usize::from(row.status == TrialStatus::Running)
            });
            if let Some(j) = shown {
                // Copied only when they moved on: a poll of a big sweep changes few trials.
                let moved = row.dir.as_ref() != Some(&j.dir)
                    || row.loss.last() != j.loss.last()
                    || row.accuracy.last() != j.accuracy.last();
                if moved {
                    row.loss.clone_from(&j.loss);
                    row.accuracy.clone_from(&j.accuracy);
                }
            }
            row.dir = shown.map(|j| j.dir.clone());
            // With folds, the mean over them once all are done; else the run's own
            // record (every epoch, halving's rungs included).
            let final_score = score.filter(|s| s.status != JobStatus::Rung);
            let from_score = |s: &nn_sweep::TrialScore| {
                let best = s.loss.map(|loss| Best {
                    epoch: s.best_epoch.unwrap_or(0),
                    accuracy: s.accuracy,
                    loss,
                });
                (best, s.epochs, s.seconds)
            };
            (row.best, row.epochs, row.seconds) = match (shown, final_score) {
                (Some(_), Some(s)) if self.folds > 1 => from_score(s),
                (Some(j), _) => {
                    let done = score.map_or(0.0, |s| s.seconds);
                    (j.best, j.epochs, j.seconds.max(done))
                }
                (None, Some(s)) => from_score(s),
                (None, None) => (None, 0, 0.0),
            };
        }
    }
}

/// A trial's status from its latest rung's result (all folds) and the job shown.
fn status(
    score: Option<&nn_sweep::TrialScore>,
    shown: Option<&JobLive>,
    last_rung: usize,
) -> TrialStatus {
    let from_dir = |status: RunStatus| match status {
        RunStatus::Running => TrialStatus::Running,
        RunStatus::Finished => TrialStatus::Finished,
        RunStatus::Diverged => TrialStatus::Diverged,
        RunStatus::Failed => TrialStatus::Failed,
        RunStatus::Interrupted | RunStatus::Stopped | RunStatus::StoppedWriting => {
            TrialStatus::Stopped
        }
    };
    match (score, shown) {
        (Some(s), _) if s.status == JobStatus::Diverged => TrialStatus::Diverged,
        (Some(s), _) if s.rung >= last_rung => TrialStatus::Finished,
        // Between rungs: its run stays open while it may go on.
        (Some(s), Some(j)) => match j.status {
            RunStatus::Running if j.epochs > s.epochs => TrialStatus::Running,
            RunStatus::Running => TrialStatus::Waiting,
            // Closed after a rung without an error: the cut stopped it.
            RunStatus::Finished => TrialStatus::Halved,
            other => from_dir(other),
        },
        (Some(_), None) => TrialStatus::Stopped,
        // Set up, waiting for a core.
        (None, Some(j)) if j.status == RunStatus::Running && !j.started => TrialStatus::Queued,
        (None, Some(j)) => from_dir(j.status),
        (None, None) => TrialStatus::Queued,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    use nn_run::StateLine;
    use nn_sweep::{GridAxis, Halving, RunOptions, SPEC_FORMAT, SweepSpec};

    use super::*;
    use crate::PlotMode;
    use crate::colors::ColorDepth;

    /// Nine xor configurations (lr x hidden), 9 epochs, halving by 3 if asked.
    fn spec(halving: bool) -> SweepSpec {
        let mut base = StateLine::new("xor");
        // The validation split the trials are ranked on, as `nn-tui sweep` carves it.
        base.set("val", "0.2").unwrap();
        base.set("samples", "200").unwrap();
        SweepSpec {
            format: SPEC_FORMAT,
            base: format!("{base} seed=5"),
            epochs: 9,
            target: None,
            grid: vec![
                GridAxis::parse("lr=0.003,0.01,0.1", &base).unwrap(),
                GridAxis::parse("hidden=2,4,8", &base).unwrap(),
            ],
            random_count: 0,
            random: Vec::new(),
            random_seed: 0,
            seeds: 1,
            folds: None,
            halving: halving.then(|| Halving::for_sweep(9, 9, 3)),
            command: Vec::new(),
        }
    }

    /// Runs the sweep of `spec` in `dir` to its end; its results.
    fn run(dir: &Path, spec: SweepSpec) -> Vec<JobResult> {
        let sweep = Sweep::create(dir, spec).unwrap();
        let mut shared = sweep.shared_data().unwrap();
        let options = RunOptions {
            cores: 2,
            stop: Arc::new(AtomicBool::new(false)),
            cpu_share: None,
        };
        sweep
            .run(&mut shared, &options, &mut |_| {})
            .unwrap()
            .results
    }

    fn follow(dir: &Path) -> (SweepFollower, SweepView) {
        let (mut follower, mut view) =
            SweepFollower::open(dir, PlotMode::Ascii, ColorDepth::TrueColor).unwrap();
        assert!(follower.poll(&mut view).unwrap());
        (follower, view)
    }

    #[test]
    fn a_finished_sweep_reads_as_its_results_and_ranks_as_its_standings() {
        let dir = tempfile::tempdir().unwrap();
        let results = run(dir.path(), spec(false));
        let (mut follower, view) = follow(dir.path());
        assert_eq!(view.axes, ["lr", "hidden"]);
        assert_eq!(view.metric, "accuracy");
        assert!(!view.live);
        assert!(view.settled());
        for r in &results {
            let row = &view.trials[r.trial];
            assert_eq!(row.status, TrialStatus::Finished, "trial {}", r.trial);
            assert_eq!(row.best, r.best, "trial {}", r.trial);
            assert_eq!(row.epochs, 9);
            assert_eq!(row.axes, [r.axes["lr"].clone(), r.axes["hidden"].clone()]);
            assert_eq!(row.loss.points().len(), 9, "a point per epoch");
            assert_eq!(row.dir.as_deref(), Some(dir.path().join(&r.dir).as_path()));
        }
        let standings = nn_sweep::standings(&results, &follower.trials, 1, &[]);
        let ranked: Vec<usize> = standings.trials.iter().map(|t| t.trial).collect();
        assert_eq!(view.ranking(), ranked);
        // Nothing changed: nothing is read again.
        let mut again = view.clone();
        assert!(!follower.poll(&mut again).unwrap());
    }

    #[test]
    fn halving_shows_which_trials_it_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let results = run(dir.path(), spec(true));
        let (_, view) = follow(dir.path());
        let count = |s| view.trials.iter().filter(|t| t.status == s).count();
        // 9 at 1 epoch, 3 go on to 3 epochs, 1 to 9.
        assert_eq!(count(TrialStatus::Halved), 8, "{:?}", view.trials);
        assert_eq!(count(TrialStatus::Finished), 1);
        let winner = view.ranking()[0];
        assert_eq!(view.trials[winner].epochs, 9);
        assert_eq!(view.trials[winner].rung, 2);
        let standings = nn_sweep::standings(&results, &sweep_trials(dir.path()), 1, &[]);
        assert_eq!(winner, standings.trials[0].trial);
    }

    fn sweep_trials(dir: &Path) -> Vec<Trial> {
        Sweep::open(dir).unwrap().trials().to_vec()
    }

    #[test]
    fn a_sweep_resumed_while_watched_replaces_what_its_kill_left() {
        let dir = tempfile::tempdir().unwrap();
        Sweep::create(dir.path(), spec(false)).unwrap();
        let (mut follower, mut view) =
            SweepFollower::open(dir.path(), PlotMode::Ascii, ColorDepth::TrueColor).unwrap();
        killed_job(dir.path(), "t0004");
        follower.poll(&mut view).unwrap();
        assert_eq!(view.trials[4].status, TrialStatus::Stopped);
        let stale = view.trials[4].epochs;

        // `--resume`: the folder goes and is made again, the trial trained whole.
        let sweep = Sweep::open(dir.path()).unwrap();
        let mut shared = sweep.shared_data().unwrap();
        let options = RunOptions {
            cores: 2,
            stop: Arc::new(AtomicBool::new(false)),
            cpu_share: None,
        };
        let results = sweep
            .run(&mut shared, &options, &mut |_| {})
            .unwrap()
            .results;
        assert!(follower.poll(&mut view).unwrap());
        assert!(view.settled(), "{:?}", view.trials);
        let r = results.iter().find(|r| r.trial == 4).unwrap();
        assert_eq!(view.trials[4].best, r.best);
        assert_eq!(view.trials[4].epochs, 9);
        assert!(stale < 9, "the kill's copy stopped early");
        assert_eq!(
            view.trials[4].loss.points().len(),
            9,
            "one run's epochs, not two"
        );
    }

    #[test]
    fn with_folds_a_trial_shows_its_mean_over_them_and_its_last_fold() {
        let dir = tempfile::tempdir().unwrap();
        // Ten folds: the last one's folder, `fold10`, sorts before `fold2`.
        let results = run(
            dir.path(),
            SweepSpec {
                folds: Some(10),
                ..spec(false)
            },
        );
        let (follower, view) = follow(dir.path());
        let standings = nn_sweep::standings(&results, &follower.trials, 10, &[]);
        assert_eq!(
            view.ranking(),
            standings.trials.iter().map(|t| t.trial).collect::<Vec<_>>()
        );
        for t in &standings.trials {
            let row = &view.trials[t.trial];
            assert_eq!(row.status, TrialStatus::Finished);
            assert_eq!(row.best.and_then(|b| b.accuracy), t.accuracy);
            assert!(
                row.dir
                    .as_ref()
                    .is_some_and(|d| d.ends_with(format!("t{:04}-fold10", t.trial))),
                "{:?}",
                row.dir
            );
        }
    }

    /// A copy of job `name`'s folder as a kill leaves it (written, never ended)
    /// into the sweep in `dir`, from the same sweep run whole elsewhere.
    fn killed_job(dir: &Path, name: &str) {
        let other = tempfile::tempdir().unwrap();
        run(other.path(), spec(false));
        let job = dir.join(TRIALS_DIR).join(name);
        std::fs::create_dir_all(&job).unwrap();
        for file in [nn_run::RUN_INFO_FILE, nn_run::EVENTS_FILE] {
            let from = other.path().join(TRIALS_DIR).join(name).join(file);
            let mut text = std::fs::read_to_string(from).unwrap();
            if file == nn_run::EVENTS_FILE {
                // Cut in its fifth epoch's records, before its end.
                let lines: Vec<&str> = text.lines().collect();
                let fifth = lines
                    .iter()
                    .position(|l| l.contains("\"epoch\":{\"epoch\":5"))
                    .unwrap();
                text = lines[..fifth].join("\n") + "\n";
            }
            std::fs::write(job.join(file), text).unwrap();
        }
    }

    #[test]
    fn a_sweep_not_started_is_queued_and_a_killed_one_stopped() {
        let dir = tempfile::tempdir().unwrap();
        Sweep::create(dir.path(), spec(false)).unwrap();
        let (mut follower, mut view) =
            SweepFollower::open(dir.path(), PlotMode::Ascii, ColorDepth::TrueColor).unwrap();
        follower.poll(&mut view).unwrap();
        assert!(view.trials.iter().all(|t| t.status == TrialStatus::Queued));
        assert!(!view.settled());

        // A job's folder left by a kill: written, never ended, no result.
        killed_job(dir.path(), "t0004");
        assert!(follower.poll(&mut view).unwrap());
        assert_eq!(view.trials[4].status, TrialStatus::Stopped);
        assert!(view.trials[4].best.is_some(), "its epochs so far");
        assert_eq!(view.trials[0].status, TrialStatus::Queued);
    }
}
