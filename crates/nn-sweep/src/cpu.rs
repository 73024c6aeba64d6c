//! How busy a sweep keeps the cores, from the kernel's own accounts (Linux's
//! `/proc`; elsewhere the figures are absent): each thread's time on a CPU and
//! its time ready to run but waiting for one (which another process on a shared
//! machine took), and the process's CPU time, exited threads included.

/// A thread's time on a CPU and time waiting on a run queue, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ThreadTimes {
    /// On a CPU.
    pub running: f64,
    /// Ready to run, waiting for a CPU.
    pub waiting: f64,
}

impl std::ops::Sub for ThreadTimes {
    type Output = Self;
    fn sub(self, rhs: Self) -> Self {
        Self {
            running: self.running - rhs.running,
            waiting: self.waiting - rhs.waiting,
        }
    }
}

impl std::ops::AddAssign for ThreadTimes {
    fn add_assign(&mut self, rhs: Self) {
        self.running += rhs.running;
        self.waiting += rhs.waiting;
    }
}

/// The calling thread's times so far (`/proc/thread-self/schedstat`: nanoseconds
/// on a CPU, nanoseconds waiting on a run queue, time slices).
pub fn thread_times() -> Option<ThreadTimes> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let mut fields = text.split_whitespace().map(str::parse::<u64>);
    let running = fields.next()?.ok()?;
    let waiting = fields.next()?.ok()?;
    Some(ThreadTimes {
        running: running as f64 * 1e-9,
        waiting: waiting as f64 * 1e-9,
    })
}

/// The process's user + system CPU seconds, every thread's, exited ones included
/// (`/proc/self/stat` fields 14 and 15, in clock ticks of 1/100 s, Linux's
/// `USER_HZ` on every architecture it supports).
pub fn process_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (the state).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_work_shows_in_the_thread_and_the_process_accounts() {
        let (Some(t0), Some(p0)) = (thread_times(), process_cpu_seconds()) else {
            return; // Not Linux: nothing to read.
        };
        let start = std::time::Instant::now();
        let mut x = 0u64;
        while start.elapsed().as_secs_f64() < 0.05 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        let t = thread_times().unwrap() - t0;
        assert!(
            t.running > 0.0 && t.running + t.waiting <= start.elapsed().as_secs_f64() + 0.01,
            "{t:?}"
        );
        assert!(process_cpu_seconds().unwrap() >= p0);
    }
}
