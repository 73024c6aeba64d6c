//! `mpirun -np N nn-tui sweep` (the `mpi` feature): the sweep's jobs spread
//! over the ranks by nn-dist's task farm. Rank 0 creates (or resumes) the sweep
//! directory, broadcasts its spec, hands out jobs one per request alongside its
//! own cores' jobs, writes every result and reports as a one-process sweep does.
//! The other ranks load the data themselves, run the jobs they are given in a
//! scratch folder and send each back whole: they need no shared file system.
//!
//! Failures: a start-up failure on rank 0 (a bad flag, a taken folder) is
//! reported there and every rank exits with status 1. A failure later on any
//! rank is printed with its rank and ends the job (`MPI_Abort`). A rank that
//! dies makes mpirun stop every rank, naming the one that died; rank 0 takes
//! mpirun's signal as a stop and says how to resume. Every result recorded
//! before stays, and `--resume` (on any number of ranks) runs only the rest.

use anyhow::{Context, Result, bail};
use nn_dist::{Farm, Heard, Job};
use nn_sweep::{RunOptions, Sweep, SweepSpec, TaskHand, TaskHub};
use nn_tui::SweepArgs;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::Outcome;
use crate::ranks::{self, Verdict};

/// Tests only: `RANK:N` makes that rank exit (status [`DIES_WITH`]) right after
/// sending its `N`th result, as a rank that dies mid-sweep.
const DIE_AFTER_VAR: &str = "NN_TUI_TEST_SWEEP_RANK_DIES";
/// The exit status of a rank made to die by [`DIE_AFTER_VAR`].
const DIES_WITH: i32 = 3;

/// Runs this rank's part of the sweep.
pub fn run(args: &SweepArgs, job: &Job) -> Result<Outcome> {
    let cores = args.cores.map_or_else(|| job.threads(0), |c| c as usize);
    let halving = || {
        bail!(
            "--halving: a sweep over MPI ranks runs without halving (a trial's trainer lives \
             between rungs on the rank that trained it); run it in one process"
        )
    };
    let started = if job.is_root() {
        if args.halving {
            // Refused before the sweep directory is made.
            halving()
        } else {
            crate::sweep::open_or_create(args).and_then(|(sweep, shared)| {
                if sweep.spec().halving.is_some() {
                    return halving();
                }
                Ok(Some((sweep, shared)))
            })
        }
    } else {
        Ok(None)
    };
    let Verdict::Go(started) = ranks::verdict(job, started)? else {
        return Ok(Outcome::FailedElsewhere);
    };
    let spec_bytes = started.as_ref().map_or_else(Vec::new, |(sweep, _)| {
        serde_json::to_vec(sweep.spec()).expect("a spec serialises: plain data")
    });
    let spec_bytes = job.broadcast(spec_bytes);
    let result = match (job.farm(), started) {
        (Farm::Hub(hub), Some((sweep, shared))) => {
            let mut hub = HubLink(hub);
            let outcome = crate::sweep::drive(
                &sweep,
                shared,
                cores,
                (job.ranks(), job.place_on_node()),
                args.json,
                &mut |shared, options, on_result| {
                    sweep.run_spread(shared, options, &mut hub, on_result)
                },
            );
            if let Ok(Outcome::Interrupted) = outcome {
                say_unfinished(&sweep, &hub.0);
            }
            outcome
        }
        (Farm::Hand(hand), None) => work(job, &spec_bytes, cores, hand),
        _ => unreachable!("rank 0 alone holds the sweep"),
    };
    ranks::end(job, result)
}

/// After a stop: the ranks that still held jobs. A rank that dies makes
/// mpirun stop the others; the rank holding jobs it never sent back is the one.
fn say_unfinished(sweep: &Sweep, hub: &nn_dist::Hub) {
    let jobs = sweep.spec().jobs(sweep.trials().len());
    for (rank, tasks) in hub.unfinished() {
        let names: Vec<String> = tasks
            .iter()
            .filter_map(|&t| jobs.get(t as usize))
            .map(nn_sweep::Job::dir_name)
            .collect();
        crate::progress::say(&format!(
            "rank {rank} did not send back {} (a rank that died, if mpirun says one did; --resume runs {} again)",
            names.join(", "),
            if names.len() == 1 { "it" } else { "them" }
        ));
    }
}

/// A rank other than 0: runs the jobs it is given until none are left.
fn work(job: &Job, spec: &[u8], cores: usize, hand: nn_dist::Hand) -> Result<Outcome> {
    let spec: SweepSpec = serde_json::from_slice(spec).context("the sweep spec from rank 0")?;
    // In memory where the system offers it (/dev/shm): the trials' files are
    // only read back and sent, and creating files on a busy disk costs more than
    // a small trial's training.
    let mut scratch = tempfile::Builder::new();
    scratch.prefix("nn-tui-sweep-rank");
    let shm = std::path::Path::new("/dev/shm");
    let scratch = shm
        .is_dir()
        .then(|| scratch.tempdir_in(shm).ok())
        .flatten()
        .map_or_else(|| scratch.tempdir(), Ok)
        .context("a scratch folder for this rank's trials")?;
    let sweep = Sweep::elsewhere(spec, scratch.path())?;
    let mut shared = sweep.shared_data()?;
    let stop = Arc::new(AtomicBool::new(false));
    crate::train::register_interrupt(&stop)?;
    let options = RunOptions {
        cores,
        stop,
        cpu_share: Some(job.place_on_node()),
    };
    let die_after = std::env::var(DIE_AFTER_VAR).ok().and_then(|v| {
        let (rank, after) = v.split_once(':')?;
        (rank.parse::<usize>().ok()? == job.rank()).then_some(after.parse::<usize>().ok()?)
    });
    let mut link = HandLink {
        hand,
        sent: 0,
        die_after,
        scratch: scratch.path().to_path_buf(),
    };
    sweep.work_for(&mut shared, &options, &mut link)?;
    link.hand.done();
    Ok(Outcome::Done)
}

/// Rank 0's side of the farm, as the sweep sees it.
struct HubLink(nn_dist::Hub);

impl TaskHub for HubLink {
    fn serve(&mut self, next: &mut dyn FnMut() -> Option<usize>) -> Vec<Vec<u8>> {
        self.0
            .serve(&mut || next().map(|i| i as u64))
            .into_iter()
            .map(|Heard::Result { bytes, .. }| bytes)
            .collect()
    }

    fn all_done(&self) -> bool {
        self.0.all_done()
    }
}

/// Another rank's side of the farm, as the sweep sees it.
struct HandLink {
    hand: nn_dist::Hand,
    sent: usize,
    die_after: Option<usize>,
    /// Removed before a test's death, which skips the `TempDir`'s own removal.
    scratch: std::path::PathBuf,
}

impl TaskHand for HandLink {
    fn request(&mut self) -> Option<usize> {
        self.hand.request().map(|t| t as usize)
    }

    fn send(&mut self, job: usize, packed: &[u8]) {
        self.hand.send(job as u64, packed);
        self.sent += 1;
        if self.die_after == Some(self.sent) {
            let _ = std::fs::remove_dir_all(&self.scratch);
            std::process::exit(DIES_WITH);
        }
    }
}
