//! A task farm over the job's ranks, for work made of independent tasks (a
//! sweep's trials): rank 0 holds the queue and hands out one task number per
//! request ([`Hub`]), so a slow task never holds the others back; the other
//! ranks ask, work and send each result back as bytes ([`Hand`]). Nothing but
//! these messages passes between ranks: they need no shared file system.
//!
//! Rank 0 never blocks in MPI (Open MPI's blocking calls spin on a core that a
//! task needs): it probes for messages between its own work. A hand waits for
//! its answer by probing too, and for its result to be taken by testing its
//! non-blocking send, sleeping between the tries: a blocking send of a result
//! (larger than Open MPI's eager limit, so it waits for rank 0 to receive it)
//! spun a core for as long as rank 0 took to look (under `perf`, 14% of a
//! 2-rank sweep's CPU samples of 8 ms trials were that progress loop).

use std::time::Duration;

use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, Destination, MatchedReceiveVec, Source};

/// A hand asks for a task (empty message).
const REQUEST: i32 = 0x5e01;
/// Rank 0's answer: a task number, or [`NO_MORE`].
const TASK: i32 = 0x5e02;
/// A hand's result for a task.
const RESULT: i32 = 0x5e03;
/// A hand has sent its last result.
const DONE: i32 = 0x5e04;
/// The answer when the queue is empty.
const NO_MORE: u64 = u64::MAX;

/// How long a hand sleeps between probes for its answer, or tests of its sent
/// result. A hand asks for its next task while it still has one to do, so
/// the wait is hidden; each probe runs Open MPI's progress engine.
const ANSWER_POLL: Duration = Duration::from_micros(200);

/// What rank 0 hears from the other ranks.
#[derive(Debug)]
pub enum Heard {
    /// A task's result, as `rank` sent it.
    Result {
        /// The rank that ran it.
        rank: usize,
        /// The task.
        task: u64,
        /// Its bytes.
        bytes: Vec<u8>,
    },
}

/// Rank 0's side of the farm.
pub struct Hub {
    world: SimpleCommunicator,
    /// Ranks that have sent their last result.
    done: Vec<bool>,
    /// Tasks handed to each rank and not sent back yet.
    unfinished: Vec<std::collections::BTreeSet<u64>>,
}

impl Hub {
    pub(crate) fn new(ranks: usize) -> Self {
        let mut done = vec![false; ranks];
        done[0] = true;
        Self {
            world: SimpleCommunicator::world(),
            done,
            unfinished: vec![std::collections::BTreeSet::new(); ranks],
        }
    }

    /// Answers every message waiting: each request gets `next()` (a task
    /// number, or none left), each result is returned. Never blocks.
    pub fn serve(&mut self, next: &mut dyn FnMut() -> Option<u64>) -> Vec<Heard> {
        let mut heard = Vec::new();
        while let Some(probed) = self.world.any_process().immediate_matched_probe() {
            let (bytes, status) = probed.matched_receive_vec::<u8>();
            let rank = status.source_rank() as usize;
            match status.tag() {
                REQUEST => {
                    let task = next().unwrap_or(NO_MORE);
                    if task != NO_MORE {
                        self.unfinished[rank].insert(task);
                    }
                    self.world
                        .process_at_rank(rank as i32)
                        .send_with_tag(&task, TASK);
                }
                RESULT => {
                    let (task, bytes) = match bytes.split_first_chunk::<8>() {
                        Some((task, rest)) => (u64::from_le_bytes(*task), rest.to_vec()),
                        None => (NO_MORE, Vec::new()),
                    };
                    self.unfinished[rank].remove(&task);
                    heard.push(Heard::Result { rank, task, bytes });
                }
                DONE => self.done[rank] = true,
                // Only this module sends on this communicator outside training.
                other => unreachable!("an unexpected message (tag {other:#x}) from rank {rank}"),
            }
        }
        heard
    }

    /// Whether every other rank has sent its last result.
    pub fn all_done(&self) -> bool {
        self.done.iter().all(|&d| d)
    }

    /// The tasks each rank was handed and has not sent back (ranks holding none left out):
    /// after a stop, what a rank that died took with it.
    pub fn unfinished(&self) -> Vec<(usize, Vec<u64>)> {
        self.unfinished
            .iter()
            .enumerate()
            .filter(|(_, tasks)| !tasks.is_empty())
            .map(|(rank, tasks)| (rank, tasks.iter().copied().collect()))
            .collect()
    }
}

/// The side of the farm on a rank other than 0.
pub struct Hand {
    world: SimpleCommunicator,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Hand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hand").finish_non_exhaustive()
    }
}

impl Hand {
    pub(crate) fn new() -> Self {
        Self {
            world: SimpleCommunicator::world(),
        }
    }

    /// Asks rank 0 for a task: its number, or `None` when the queue is empty.
    pub fn request(&mut self) -> Option<u64> {
        let root = self.world.process_at_rank(0);
        root.send_with_tag(&[0u8; 0][..], REQUEST);
        let probed = loop {
            if let Some(p) = root.immediate_matched_probe_with_tag(TASK) {
                break p;
            }
            std::thread::sleep(ANSWER_POLL);
        };
        let (task, _) = probed.matched_receive_vec::<u64>();
        task.first().copied().filter(|&t| t != NO_MORE)
    }

    /// Sends `task`'s result to rank 0.
    pub fn send(&mut self, task: u64, bytes: &[u8]) {
        let mut message = Vec::with_capacity(8 + bytes.len());
        message.extend_from_slice(&task.to_le_bytes());
        message.extend_from_slice(bytes);
        let root = self.world.process_at_rank(0);
        mpi::request::scope(|scope| {
            let mut sending = root.immediate_send_with_tag(scope, &message[..], RESULT);
            while let Err(pending) = sending.test() {
                sending = pending;
                std::thread::sleep(ANSWER_POLL);
            }
        });
    }

    /// Tells rank 0 this rank has sent its last result.
    pub fn done(self) {
        self.world
            .process_at_rank(0)
            .send_with_tag(&[0u8; 0][..], DONE);
    }
}

/// Rank 0's `bytes` on every rank (the others pass anything; theirs is ignored).
pub(crate) fn broadcast(rank: usize, bytes: Vec<u8>) -> Vec<u8> {
    use mpi::traits::Root;
    let world = SimpleCommunicator::world();
    let root = world.process_at_rank(0);
    let mut len = if rank == 0 { bytes.len() as u64 } else { 0 };
    root.broadcast_into(&mut len);
    let mut buffer = if rank == 0 {
        bytes
    } else {
        vec![0u8; len as usize]
    };
    root.broadcast_into(&mut buffer[..]);
    buffer
}
