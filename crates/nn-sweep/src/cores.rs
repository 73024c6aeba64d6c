//! Cores as tokens: a job takes its threads' worth before it trains and gives
//! them back when it ends, so trials of any width share the cores without
//! running more threads than there are.
//!
//! A token is a core of its own: when the sweep's processes on a machine (one,
//! or its MPI ranks there) have every CPU they may run on, a trial's training
//! thread is pinned to its tokens' CPUs, each process's its own share (Linux). Unpinned,
//! the kernel's scheduler often woke a trial's thread on the CPU where another
//! trial trained, and left it waiting there while the other CPU was idle until
//! its next balancing (a few milliseconds, measured on an idle 2-core machine:
//! cores 83-84% busy, 93-94% pinned, with a trial every 3.5 ms).

use std::sync::{Condvar, Mutex};

/// Sweep workers (threads taking jobs) for `cores` cores: one more than
/// cores. A worker sets up and closes its trials' run directories without a
/// core's token (CPU work, its syncs deferred to a batch's one), keeping its
/// own core busy; the spare covers one waiting on the disk, or, on an MPI
/// rank, setting up or sending while the others train. Twice as many plus
/// two (from when each trial synced its own files) cost more in switches than
/// their overlap won: 6 workers against 3 on 2 cores, the same build, 1.347
/// against 1.339 s of CPU a 200-trial sweep, the same sweep time. Over MPI, a
/// job waiting for a core is also one another process cannot take.
pub(crate) fn workers_for(cores: usize) -> usize {
    cores.max(1) + 1
}

/// Cores as tokens: a job takes its threads' worth before it starts.
pub(crate) struct Cores {
    /// The free tokens (indices into `cpus` when pinning).
    free: Mutex<Tokens>,
    freed: Condvar,
    total: usize,
    /// The CPU of each token, when trials are pinned.
    cpus: Option<Vec<usize>>,
}

/// The free tokens, and how many waiting jobs want more than one.
struct Tokens {
    free: Vec<usize>,
    wide_waiting: usize,
}

/// Threads held until dropped.
pub(crate) struct Held<'a> {
    cores: &'a Cores,
    tokens: Vec<usize>,
}

impl Cores {
    /// `total` tokens; with a `share` `(index, of)`, each a CPU of this
    /// process's: the `index`th `total` of the CPUs it may run on, if there are
    /// exactly `total x of` (fewer, they are not the sweep's to divide; more,
    /// other work on the machine may use the rest).
    pub(crate) fn new(total: usize, share: Option<(usize, usize)>) -> Self {
        let allowed = share.and(allowed_cpus()).unwrap_or_default();
        let cpus = share.and_then(|(index, of)| {
            (index < of && allowed.len() == total * of)
                .then(|| allowed[index * total..(index + 1) * total].to_vec())
        });
        Self {
            free: Mutex::new(Tokens {
                free: (0..total).rev().collect(),
                wide_waiting: 0,
            }),
            freed: Condvar::new(),
            total,
            cpus,
        }
    }

    pub(crate) fn take(&self, n: usize) -> Held<'_> {
        let n = n.clamp(1, self.total);
        let mut tokens = self.free.lock().expect("cores");
        if tokens.free.len() < n {
            tokens.wide_waiting += usize::from(n > 1);
            while tokens.free.len() < n {
                tokens = self.freed.wait(tokens).expect("cores");
            }
            tokens.wide_waiting -= usize::from(n > 1);
        }
        let at = tokens.free.len() - n;
        let tokens = tokens.free.split_off(at);
        Held {
            cores: self,
            tokens,
        }
    }
}

impl Held<'_> {
    /// Pins the calling thread to the CPUs of these tokens, when the sweep pins
    /// trials. The thread stays pinned after its training (it sets up and
    /// closes runs there, as well as anywhere): unpinned after each trial and
    /// pinned again before the next, often to the same CPU, a worker made two
    /// calls of the scheduler a trial, about a twentieth of a small trial's cost
    /// beyond its training.
    pub(crate) fn pin_here(&self) {
        if let Some(cpus) = &self.cores.cpus {
            pin_to(self.tokens.iter().map(|&t| cpus[t]));
        }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let freed = self.tokens.len();
        let mut tokens = self.cores.free.lock().expect("cores");
        tokens.free.append(&mut self.tokens);
        if tokens.wide_waiting > 0 {
            self.cores.freed.notify_all();
        } else {
            // Each waiting job wants one token: a token freed wakes one of
            // them, not all (each woken for nothing is a switch to it and back).
            for _ in 0..freed {
                self.cores.freed.notify_one();
            }
        }
    }
}

/// The CPUs this process may run on (Linux), in order.
fn allowed_cpus() -> Option<Vec<usize>> {
    #[cfg(target_os = "linux")]
    {
        let set = rustix::thread::sched_getaffinity(None).ok()?;
        Some(
            (0..rustix::thread::CpuSet::MAX_CPU)
                .filter(|&c| set.is_set(c))
                .collect(),
        )
    }
    #[cfg(not(target_os = "linux"))]
    None
}

#[cfg(target_os = "linux")]
thread_local! {
    /// The CPUs the calling thread was last pinned to by [`pin_to`], if any.
    static PINNED: std::cell::RefCell<Option<Vec<usize>>> = const { std::cell::RefCell::new(None) };
}

/// Pins the calling thread to `cpus` (best effort: a refusal leaves it as it
/// was); a thread pinned to them already is left as it is, with no call.
fn pin_to(cpus: impl Iterator<Item = usize>) {
    #[cfg(target_os = "linux")]
    {
        let cpus: Vec<usize> = cpus.collect();
        PINNED.with_borrow_mut(|pinned| {
            if pinned.as_ref() == Some(&cpus) {
                return;
            }
            let mut set = rustix::thread::CpuSet::new();
            for &c in &cpus {
                set.set(c);
            }
            *pinned = rustix::thread::sched_setaffinity(None, &set)
                .is_ok()
                .then_some(cpus);
        });
    }
    #[cfg(not(target_os = "linux"))]
    drop(cpus);
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::atomic::Ordering;

    #[test]
    fn jobs_of_one_token_and_of_two_all_get_theirs_and_never_too_many() {
        let cores = Cores::new(2, None);
        let held = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for worker in 0..6 {
                let (cores, held) = (&cores, &held);
                s.spawn(move || {
                    for job in 0..300 {
                        let n = if (worker + job) % 5 == 0 { 2 } else { 1 };
                        let tokens = cores.take(n);
                        let now = held.fetch_add(n, Ordering::SeqCst) + n;
                        assert!(now <= 2, "{now} tokens held of 2");
                        std::thread::yield_now();
                        held.fetch_sub(n, Ordering::SeqCst);
                        drop(tokens);
                    }
                });
            }
        });
        assert_eq!(cores.free.lock().unwrap().free.len(), 2);
    }

    #[test]
    fn tokens_come_back_and_a_pinned_trial_runs_on_its_tokens_cpus() {
        let Some(all) = allowed_cpus() else {
            return; // Not Linux: nothing to pin.
        };
        let cores = Cores::new(all.len(), Some((0, 1)));
        let held = cores.take(1);
        held.pin_here();
        let mine = allowed_cpus().unwrap();
        assert_eq!(mine, vec![all[held.tokens[0]]], "pinned to its token's CPU");
        drop(held);
        assert_eq!(cores.free.lock().unwrap().free.len(), all.len());
        pin_to(all.iter().copied());
        // Given fewer cores than its CPUs, or no share, the sweep does not pin.
        if all.len() > 1 {
            let cores = Cores::new(all.len() - 1, Some((0, 1)));
            cores.take(1).pin_here();
            assert_eq!(allowed_cpus().unwrap(), all);
            // The second of two processes with one core each: the second CPU.
            if all.len() == 2 {
                let cores = Cores::new(1, Some((1, 2)));
                let held = cores.take(1);
                held.pin_here();
                assert_eq!(allowed_cpus().unwrap(), vec![all[1]]);
                drop(held);
                pin_to(all.iter().copied());
            }
        }
        Cores::new(all.len(), None).take(1).pin_here();
        assert_eq!(allowed_cpus().unwrap(), all);
    }
}
