//! The pool's other threads kept awake for one step: each waits for the step's
//! jobs spinning instead of asleep.
//!
//! A step spread over the threads forks and joins several times (each product,
//! the gather, the optimizer's update). Between forks, a rayon worker with
//! nothing to do soon sleeps, and the next fork wakes it through the kernel.
//! At W2's size (a step of about a millisecond) two threads ran 14% faster
//! spinning (README, Performance). OpenMP runtimes spin for the same reason
//! (`OMP_WAIT_POLICY`). A [`StepAwake`] spawns a spinner for
//! each other thread: it runs the step's jobs as they come
//! ([`rayon::yield_now`]) and returns when the step ends, so the threads spin
//! only while a step runs, never between steps (a paused dashboard stays idle).
//! A pool with more threads than the machine's cores does not spin (a spinner
//! would hold a core the step's own thread waits for), and a spinner with
//! nothing to run offers its core to the system now and then.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// Polls for a job between two offers of the core to the system.
const POLLS_BEFORE_YIELD: u32 = 64;

/// Keeps the pool's other threads spinning until dropped (the step's end).
pub(crate) struct StepAwake {
    done: Arc<AtomicBool>,
}

impl StepAwake {
    /// Starts a spinner on each of `pool`'s threads but one (none when the
    /// pool has more threads than the machine has cores). Call it on a thread
    /// of `pool` (the one that runs the step): the spinners go to its own
    /// queue, from where the others take them.
    pub(crate) fn new(pool: &rayon::ThreadPool) -> Self {
        let done = Arc::new(AtomicBool::new(false));
        let owner = pool.current_thread_index();
        for _ in 0..spinners(pool.current_num_threads(), cores()) {
            let done = Arc::clone(&done);
            pool.spawn(move || {
                // The step's own thread, waiting in a join, may take a spinner
                // left in its queue: it must go back to the join, not spin.
                if rayon::current_thread_index() == owner {
                    return;
                }
                let mut idle = 0u32;
                while !done.load(Ordering::Acquire) {
                    if rayon::yield_now() == Some(rayon::Yield::Executed) {
                        idle = 0;
                    } else if idle == POLLS_BEFORE_YIELD {
                        // Another process may be waiting for this core.
                        std::thread::yield_now();
                        idle = 0;
                    } else {
                        std::hint::spin_loop();
                        idle += 1;
                    }
                }
            });
        }
        Self { done }
    }
}

/// Spinners for a pool of `threads` on a machine of `cores`: one per thread but
/// the step's own, none when the threads outnumber the cores (a spinner would
/// hold a core that the step's own thread waits for).
fn spinners(threads: usize, cores: usize) -> usize {
    if threads <= cores {
        threads.saturating_sub(1)
    } else {
        0
    }
}

/// The cores this process may use (read once).
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

impl Drop for StepAwake {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_with_more_threads_than_cores_has_no_spinners() {
        assert_eq!(spinners(2, 2), 1);
        assert_eq!(spinners(8, 16), 7);
        assert_eq!(spinners(1, 1), 0);
        assert_eq!(spinners(3, 2), 0);
        assert_eq!(spinners(64, 8), 0);
    }

    #[test]
    fn the_other_thread_takes_the_steps_jobs_and_is_free_after_the_step() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let mut taken = 0;
        pool.install(|| {
            for _ in 0..200 {
                let awake = StepAwake::new(&pool);
                // Each half long enough for a spinning thread to take the other.
                let half = || {
                    std::thread::sleep(std::time::Duration::from_micros(50));
                    rayon::current_thread_index()
                };
                let (here, there) = rayon::join(half, half);
                taken += usize::from(here != there);
                drop(awake);
            }
        });
        if cores() >= 2 {
            assert!(taken > 0, "no job ran on the spinning thread");
        }
        // Every spinner has ended: each thread takes a job of its own.
        let ran = pool.broadcast(|context| context.index());
        assert_eq!(ran, [0, 1]);
    }
}
