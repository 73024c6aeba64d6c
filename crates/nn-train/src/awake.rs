//! The pool's other threads kept awake while steps run: each waits for the
//! steps' jobs spinning instead of asleep.
//!
//! A step spread over the threads forks and joins several times (each product,
//! the gather, the optimizer's update). Between forks, a rayon worker with
//! nothing to do soon sleeps, and the next fork wakes it through the kernel.
//! At W2's size (a step of about a millisecond) two threads ran 14% faster
//! spinning (README, Performance). OpenMP runtimes spin for the same reason
//! (`OMP_WAIT_POLICY`, `KMP_BLOCKTIME`). [`Awake::step`] starts a spinner for
//! each other thread unless they still spin: a spinner runs the steps' jobs as
//! they come ([`rayon::yield_now`]) and ends once no step has run for
//! [`LINGER`], so steps back to back (a run's epoch) wake the threads once,
//! not once a step, and a paused dashboard's threads sleep. A pool with more
//! threads than the machine's cores does not spin (a spinner would hold a core
//! the step's own thread waits for), and a spinner with nothing to run offers
//! its core to the system now and then.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Polls for a job between two offers of the core to the system.
const POLLS_BEFORE_YIELD: u32 = 64;

/// How long spinners outlast the last step: longer than the gap between two
/// steps of a run (its bookkeeping, a progress event), short enough that a
/// paused run's threads are soon asleep.
pub(crate) const LINGER: Duration = Duration::from_millis(1);

/// What the spinners and the steps share.
#[derive(Debug)]
struct Shared {
    /// A step is running.
    busy: AtomicBool,
    /// When the last step ended, in nanoseconds from `clock`.
    last_end: AtomicU64,
    clock: Instant,
    /// Spinners running on each thread of the pool. A spinner runs other
    /// jobs as it waits, and so may carry one that lasts (a whole run the
    /// pool took in from outside, whose steps then run on that thread): a
    /// step counts only the spinners of the other threads.
    spinning: Box<[AtomicUsize]>,
    /// Spinners started, ever.
    started: AtomicUsize,
}

impl Shared {
    /// No step yet, no spinner, for a pool of `threads`.
    fn new(threads: usize) -> Self {
        Self {
            busy: AtomicBool::new(false),
            last_end: AtomicU64::new(0),
            clock: Instant::now(),
            spinning: (0..threads).map(|_| AtomicUsize::new(0)).collect(),
            started: AtomicUsize::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.clock.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Whether a spinner may end: no step runs and none has for [`LINGER`].
    fn idle(&self) -> bool {
        !self.busy.load(Ordering::SeqCst)
            && self
                .now()
                .saturating_sub(self.last_end.load(Ordering::SeqCst))
                >= LINGER.as_nanos() as u64
    }

    /// Threads other than `here` with a spinner.
    fn others_spinning(&self, here: Option<usize>) -> usize {
        self.spinning
            .iter()
            .enumerate()
            .filter(|&(i, n)| Some(i) != here && n.load(Ordering::SeqCst) > 0)
            .count()
    }
}

/// Keeps a pool's other threads spinning while steps run back to back.
#[derive(Debug, Default)]
pub(crate) struct Awake {
    /// Made at the first step, for its pool.
    shared: OnceLock<Arc<Shared>>,
}

impl Awake {
    /// Marks a step's start until the guard drops, with a spinner on each of
    /// `pool`'s threads but one (none when the pool has more threads than the
    /// machine has cores); spinners still running from the last steps are
    /// kept. Call it on a thread of `pool` (the one that runs the step): the
    /// spinners go to its own queue, from where the others take them.
    pub(crate) fn step(&self, pool: &rayon::ThreadPool) -> StepAwake {
        let threads = pool.current_num_threads();
        let shared = self.shared.get_or_init(|| Arc::new(Shared::new(threads)));
        shared.busy.store(true, Ordering::SeqCst);
        let owner = pool.current_thread_index();
        let wanted = spinners(threads, cores());
        for _ in shared.others_spinning(owner)..wanted {
            shared.started.fetch_add(1, Ordering::Relaxed);
            let shared = Arc::clone(shared);
            pool.spawn(move || {
                let Some(here) = rayon::current_thread_index() else {
                    return;
                };
                // The step's own thread, waiting in a join, may take a spinner
                // left in its queue: it must go back to the join, not spin.
                if Some(here) == owner {
                    return;
                }
                let count = &shared.spinning[here];
                count.fetch_add(1, Ordering::SeqCst);
                loop {
                    spin(&shared);
                    count.fetch_sub(1, Ordering::SeqCst);
                    // A step that started as this spinner ended may have
                    // counted on it: it spins on for that step.
                    if !shared.busy.load(Ordering::SeqCst) {
                        return;
                    }
                    count.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
        StepAwake {
            shared: Arc::clone(shared),
        }
    }
}

/// Runs the steps' jobs until the steps have been idle for [`LINGER`].
fn spin(shared: &Shared) {
    let mut idle = 0u32;
    loop {
        if rayon::yield_now() == Some(rayon::Yield::Executed) {
            idle = 0;
        } else if idle == POLLS_BEFORE_YIELD {
            if shared.idle() {
                return;
            }
            // Another process may be waiting for this core.
            std::thread::yield_now();
            idle = 0;
        } else {
            std::hint::spin_loop();
            idle += 1;
        }
    }
}

/// A step in progress ([`Awake::step`]); its end when dropped.
pub(crate) struct StepAwake {
    shared: Arc<Shared>,
}

impl Drop for StepAwake {
    fn drop(&mut self) {
        self.shared
            .last_end
            .store(self.shared.now(), Ordering::SeqCst);
        self.shared.busy.store(false, Ordering::SeqCst);
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
    fn spinners_may_end_only_once_no_step_has_run_for_the_linger() {
        let shared = Shared::new(2);
        let linger = LINGER.as_nanos() as u64;
        // A step running: never idle.
        shared.busy.store(true, Ordering::SeqCst);
        assert!(!shared.idle());
        // The last step ended just now (set a second ahead, so that no
        // scheduling delay here can make it old): not yet.
        shared.busy.store(false, Ordering::SeqCst);
        shared
            .last_end
            .store(shared.now() + 1_000_000_000, Ordering::SeqCst);
        assert!(!shared.idle());
        // Ended a linger ago: idle.
        std::thread::sleep(LINGER);
        let ended = shared.now().saturating_sub(linger);
        shared.last_end.store(ended, Ordering::SeqCst);
        assert!(shared.idle());
    }

    #[test]
    fn a_step_counts_only_the_spinners_of_the_other_threads() {
        // Thread 1 runs a spinner, and on it (carried as the spinner waited)
        // a step: for that step no other thread spins.
        let shared = Shared::new(3);
        shared.spinning[1].store(1, Ordering::SeqCst);
        let spinning: Vec<usize> = (0..3)
            .map(|here| shared.others_spinning(Some(here)))
            .collect();
        assert_eq!(spinning, [1, 0, 1]);
        assert_eq!(shared.others_spinning(None), 1);
    }

    #[test]
    fn the_other_thread_takes_the_steps_jobs_and_sleeps_after_the_steps() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let awake = Awake::default();
        let mut taken = 0;
        pool.install(|| {
            for _ in 0..200 {
                let step = awake.step(&pool);
                // Each half long enough for a spinning thread to take the other.
                let half = || {
                    std::thread::sleep(std::time::Duration::from_micros(50));
                    rayon::current_thread_index()
                };
                let (here, there) = rayon::join(half, half);
                taken += usize::from(here != there);
                drop(step);
            }
        });
        if cores() >= 2 {
            assert!(taken > 0, "no job ran on the spinning thread");
            // Steps back to back woke the other thread about once, not once
            // a step (a few more where this thread lost its core for a
            // millisecond between two steps).
            let started = awake.shared.get().unwrap().started.load(Ordering::Relaxed);
            assert!(started < 100, "{started} spinners started for 200 steps");
        }
        // Once the steps stop, the spinners end soon after.
        let waited = Instant::now();
        while awake.shared.get().unwrap().others_spinning(None) > 0 {
            assert!(
                waited.elapsed() < Duration::from_secs(5),
                "a spinner still runs 5 s after the last step"
            );
            std::thread::sleep(LINGER);
        }
        // Every spinner has ended: each thread takes a job of its own.
        let ran = pool.broadcast(|context| context.index());
        assert_eq!(ran, [0, 1]);
    }
}
