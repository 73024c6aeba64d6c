//! [`Job`]: the processes one training run spans, and what each must do.
//!
//! Built with the `mpi` feature and started by `mpirun -np N`, a job is N ranks:
//! every rank builds the same trainer on the same data, [`Job::join`] checks
//! that they did (one fingerprint, one allreduce) and gives the trainer the
//! shard-order exchange. Without the feature, or outside `mpirun`, a job is
//! this process alone and training is the ordinary single-process run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use nn_train::Trainer;

#[cfg(feature = "mpi")]
use crate::cluster::Cluster;
use crate::error::DistError;

/// A stop asked for on one rank, and the stop that every rank obeys.
///
/// A signal handler sets `requested` on its own rank; each step's exchange
/// shares it, and every rank then sets `agreed` after the same step, so all
/// ranks leave the loop together instead of one waiting for the others forever.
#[derive(Debug, Clone, Default)]
pub struct StopFlags {
    /// Set on this rank (e.g. by SIGINT or SIGTERM).
    pub requested: Arc<AtomicBool>,
    /// Set on every rank after the step in which any rank asked to stop.
    pub agreed: Arc<AtomicBool>,
}

/// Time spent in the exchange, for benchmarks and the run's summary.
#[derive(Debug, Default)]
pub struct ReduceStats {
    nanos: AtomicU64,
    steps: AtomicU64,
}

impl ReduceStats {
    /// Counts one step that spent `took` in an exchange.
    pub fn add(&self, took: Duration) {
        self.nanos
            .fetch_add(took.as_nanos() as u64, Ordering::Relaxed);
        self.steps.fetch_add(1, Ordering::Relaxed);
    }

    /// Steps reduced so far.
    pub fn steps(&self) -> u64 {
        self.steps.load(Ordering::Relaxed)
    }

    /// Mean time per step in the exchange (sends, the piece sum, the gathers,
    /// and any wait for a slower rank).
    pub fn mean(&self) -> Duration {
        let steps = self.steps().max(1);
        Duration::from_nanos(self.nanos.load(Ordering::Relaxed) / steps)
    }
}

/// A rank's side of a task farm: rank 0 hands out tasks, the others run them.
#[cfg(feature = "mpi")]
#[derive(Debug)]
pub enum Farm {
    /// Rank 0.
    Hub(crate::farm::Hub),
    /// Any other rank.
    Hand(crate::farm::Hand),
}

/// This process's place in a training job.
#[derive(Debug)]
pub struct Job {
    rank: usize,
    ranks: usize,
    stop: StopFlags,
    stats: Option<Arc<ReduceStats>>,
    #[cfg(feature = "mpi")]
    cluster: Cluster,
}

impl Job {
    /// Joins the job this process was started in: with the `mpi` feature this
    /// starts MPI (a job of one rank outside `mpirun`).
    pub fn start() -> Result<Self, DistError> {
        #[cfg(feature = "mpi")]
        {
            let cluster = Cluster::init()?;
            Ok(Self {
                rank: cluster.rank(),
                ranks: cluster.ranks(),
                stop: StopFlags::default(),
                stats: None,
                cluster,
            })
        }
        #[cfg(not(feature = "mpi"))]
        Ok(Self {
            rank: 0,
            ranks: 1,
            stop: StopFlags::default(),
            stats: None,
        })
    }

    /// This process's rank, `0..ranks()`.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// Processes training together.
    pub fn ranks(&self) -> usize {
        self.ranks
    }

    /// Whether this is rank 0, the one that prints and writes files.
    pub fn is_root(&self) -> bool {
        self.rank == 0
    }

    /// This rank's index among the job's ranks running on this machine, and
    /// their number (`(0, 1)` alone): which share of the machine's CPUs is its.
    pub fn place_on_node(&self) -> (usize, usize) {
        #[cfg(feature = "mpi")]
        return self.cluster.place_on_node();
        #[cfg(not(feature = "mpi"))]
        (0, 1)
    }

    /// Worker threads for this rank: `requested`, or for 0 ("one per core")
    /// this machine's cores shared among the job's ranks running on it.
    pub fn threads(&self, requested: usize) -> usize {
        #[cfg(feature = "mpi")]
        return self.cluster.threads_per_rank(requested);
        #[cfg(not(feature = "mpi"))]
        requested
    }

    /// The flag a signal handler sets to ask for a stop.
    pub fn interrupt(&self) -> &Arc<AtomicBool> {
        &self.stop.requested
    }

    /// The flag the training loop obeys: the stop asked for on this rank when
    /// it is alone, else the stop every rank agreed on after the same step.
    pub fn stop(&self) -> &Arc<AtomicBool> {
        if self.ranks > 1 {
            &self.stop.agreed
        } else {
            &self.stop.requested
        }
    }

    /// Whether start-up `failed` on any rank, with one allreduce: the lowest
    /// rank that failed (the one to report it), or `None` when all are ready.
    pub fn first_failure(&self, failed: bool) -> Option<usize> {
        #[cfg(feature = "mpi")]
        if self.ranks > 1 {
            return self.cluster.first_failure(failed);
        }
        failed.then_some(self.rank)
    }

    /// Makes `trainer` one of the job's: it computes this rank's shards of each
    /// batch and adds every rank's in shard order. First checks that every
    /// rank has the same run (settings, data, weights, position): a
    /// [`fingerprint`](crate::fingerprint) compared with one allreduce, so every
    /// rank reaches the same verdict. Nothing to do in a job of one.
    // Without MPI a job is one process, and the trainer keeps its local sum.
    #[cfg_attr(not(feature = "mpi"), allow(unused_variables))]
    pub fn join(&mut self, trainer: &mut Trainer) -> Result<(), DistError> {
        #[cfg(feature = "mpi")]
        if self.ranks > 1 {
            self.cluster.agree(crate::fingerprint(trainer))?;
            let reduction = self.cluster.reduction(self.stop.clone());
            self.stats = Some(reduction.stats());
            trainer.set_gradient_reduction(Box::new(reduction));
        }
        Ok(())
    }

    /// Time spent in the exchange between ranks (`None` in a job of one).
    pub fn exchange(&self) -> Option<&ReduceStats> {
        self.stats.as_deref()
    }

    /// Rank 0's `bytes` on every rank (one broadcast; the others' `bytes` are ignored).
    pub fn broadcast(&self, bytes: Vec<u8>) -> Vec<u8> {
        #[cfg(feature = "mpi")]
        if self.ranks > 1 {
            return crate::farm::broadcast(self.rank, bytes);
        }
        bytes
    }

    /// This rank's side of a task farm over the job's ranks (see [`Farm`]).
    #[cfg(feature = "mpi")]
    pub fn farm(&self) -> Farm {
        if self.is_root() {
            Farm::Hub(crate::farm::Hub::new(self.ranks))
        } else {
            Farm::Hand(crate::farm::Hand::new())
        }
    }

    /// Ends every rank of the job with exit status `code`: the way out when
    /// this rank failed while the others may be waiting for it in an exchange
    /// (`MPI_Abort`). A job of one simply exits.
    pub fn abort(&self, code: i32) -> ! {
        #[cfg(feature = "mpi")]
        if self.ranks > 1 {
            self.cluster.abort(code);
        }
        std::process::exit(code)
    }
}
