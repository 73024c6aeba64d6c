//! `Cluster`: MPI started once per process, this rank's place in the job,
//! the start-up agreement between ranks, and the way out when one fails.
//!
//! A rank that panics ends the whole job (`MPI_Abort` from a panic hook): a
//! panic unwinds into `MPI_Finalize`, which waits for ranks that are themselves
//! waiting for the panicked one in an exchange, and the job would hang for ever.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use mpi::Threading;
use mpi::collective::SystemOperation;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, CommunicatorCollectives};

use crate::error::DistError;
use crate::job::StopFlags;
use crate::ordered::OrderedReduction;

/// MPI for the life of the process: created once, finalised when dropped.
///
/// Outside `mpirun` the process is a job of one rank (MPI's singleton start),
/// and training is the ordinary single-process run.
pub(crate) struct Cluster {
    // Dropping the universe calls MPI_Finalize.
    universe: Universe,
    rank: usize,
    ranks: usize,
    ranks_on_this_node: usize,
    rank_on_this_node: usize,
}

/// Set from start-up to finalisation in a job of several ranks: while it is, a
/// panic on this rank ends every rank of the job.
static ABORT_ON_PANIC: AtomicBool = AtomicBool::new(false);

/// Exit status of a job a panic ended: Rust's own for a panic.
const PANIC_STATUS: i32 = 101;

/// Installs, once, a panic hook that runs the hook before it (the message and
/// backtrace) and then, while [`ABORT_ON_PANIC`] is set, names this rank and
/// calls `MPI_Abort`. It runs on whichever thread panicked: with serialized
/// threading MPI does not promise that call while another thread is inside
/// MPI, but a job that would otherwise hang loses nothing by trying (Open MPI
/// hands the abort to its runtime, which ends every rank).
fn abort_the_job_on_panic(rank: usize, ranks: usize) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            previous(info);
            if ABORT_ON_PANIC.swap(false, Ordering::SeqCst) {
                #[allow(clippy::print_stderr)] // the panicking rank's last words
                {
                    eprintln!("rank {rank} of {ranks} panicked: ending the job");
                }
                SimpleCommunicator::world().abort(PANIC_STATUS);
            }
        }));
    });
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("rank", &self.rank)
            .field("ranks", &self.ranks)
            .field("ranks_on_this_node", &self.ranks_on_this_node)
            .finish_non_exhaustive()
    }
}

impl Cluster {
    /// Starts MPI (thread support: serialized calls from any thread).
    pub(crate) fn init() -> Result<Self, DistError> {
        let (universe, provided) =
            mpi::initialize_with_threading(Threading::Serialized).ok_or(DistError::Init)?;
        if provided < Threading::Serialized {
            return Err(DistError::Threading {
                provided: format!("{provided:?}"),
            });
        }
        let world = universe.world();
        let node = world.split_shared(world.rank());
        if world.size() > 1 {
            abort_the_job_on_panic(world.rank() as usize, world.size() as usize);
            ABORT_ON_PANIC.store(true, Ordering::SeqCst);
        }
        Ok(Self {
            rank: world.rank() as usize,
            ranks: world.size() as usize,
            ranks_on_this_node: node.size() as usize,
            rank_on_this_node: node.rank() as usize,
            universe,
        })
    }

    /// This process's rank, `0..ranks()`.
    pub(crate) fn rank(&self) -> usize {
        self.rank
    }

    /// Processes in the job.
    pub(crate) fn ranks(&self) -> usize {
        self.ranks
    }

    /// Worker threads for this rank: `requested`, or for 0 ("one per core")
    /// this node's cores shared among the ranks running on it.
    /// This rank's index among the job's ranks on this machine, and their number.
    pub(crate) fn place_on_node(&self) -> (usize, usize) {
        (self.rank_on_this_node, self.ranks_on_this_node)
    }

    pub(crate) fn threads_per_rank(&self, requested: usize) -> usize {
        if requested > 0 {
            return requested;
        }
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        (cores / self.ranks_on_this_node).max(1)
    }

    /// Checks that every rank computed the same `fingerprint`, with one allreduce.
    ///
    /// The maximum of `h` and of `!h` over the ranks equals this rank's own pair
    /// only if every rank has the same `h`; so every rank reaches the same
    /// verdict, and they all refuse together.
    pub(crate) fn agree(&self, fingerprint: u64) -> Result<(), DistError> {
        let world = SimpleCommunicator::world();
        let mine = [fingerprint, !fingerprint];
        let mut max = [0u64; 2];
        world.all_reduce_into(&mine[..], &mut max[..], SystemOperation::max());
        if max == mine {
            Ok(())
        } else {
            Err(DistError::Mismatch {
                rank: self.rank,
                ranks: self.ranks,
                fingerprint,
            })
        }
    }

    /// The lowest rank that `failed`, if any did, with one allreduce: every rank
    /// learns whether start-up went well everywhere, and exactly one reports.
    pub(crate) fn first_failure(&self, failed: bool) -> Option<usize> {
        let world = SimpleCommunicator::world();
        let mine = if failed { self.rank } else { self.ranks } as u64;
        let mut first = 0u64;
        world.all_reduce_into(&mine, &mut first, SystemOperation::min());
        ((first as usize) < self.ranks).then_some(first as usize)
    }

    /// The trainer's gradient reduction across this job's ranks.
    pub(crate) fn reduction(&self, stop: StopFlags) -> OrderedReduction {
        OrderedReduction::new(self.rank, self.ranks, stop)
    }

    /// Ends every rank of the job at once with `code` (MPI_Abort): the way out
    /// when one rank fails while the others wait for it in an exchange.
    pub(crate) fn abort(&self, code: i32) -> ! {
        self.universe.world().abort(code)
    }
}

impl Drop for Cluster {
    /// Runs before the universe's own drop finalises MPI: a panic after this
    /// point is an ordinary one (no MPI left to abort).
    fn drop(&mut self) {
        ABORT_ON_PANIC.store(false, Ordering::SeqCst);
    }
}
