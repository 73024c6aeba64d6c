//! How busy a sweep keeps the cores, from the kernel's own accounts (Linux's
//! `/proc`; elsewhere the figures are absent): each thread's time on a CPU and
//! its time ready to run but waiting for one (which another process on a shared
//! machine took), and the thread's and the process's CPU time (exited threads
//! included), read from the kernel's exact CPU clocks.

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
/// on a CPU, nanoseconds waiting on a run queue, time slices). Each thread opens
/// the file once and reads it again from its start: a sweep's worker reads it
/// twice a trial, and an open, a look at its size and a close are three calls more.
pub fn thread_times() -> Option<ThreadTimes> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::FileExt;
        thread_local! {
            static SCHEDSTAT: Option<std::fs::File> =
                std::fs::File::open("/proc/thread-self/schedstat").ok();
        }
        let mut buf = [0u8; 128];
        let n = SCHEDSTAT.with(|f| f.as_ref()?.read_at(&mut buf, 0).ok())?;
        parse_schedstat(std::str::from_utf8(&buf[..n]).ok()?)
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// `schedstat`'s first two fields, in seconds.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse_schedstat(text: &str) -> Option<ThreadTimes> {
    let mut fields = text.split_whitespace().map(str::parse::<u64>);
    let running = fields.next()?.ok()?;
    let waiting = fields.next()?.ok()?;
    Some(ThreadTimes {
        running: running as f64 * 1e-9,
        waiting: waiting as f64 * 1e-9,
    })
}

/// The calling thread's CPU seconds so far, exact to the moment of the call
/// (`CLOCK_THREAD_CPUTIME_ID`). The schedstat figure of [`thread_times`] is
/// brought up to date only at a scheduler tick or switch: read by a running
/// thread it lags by up to a tick (4 ms at 250 Hz), as much as a small trial's
/// training, so a span of a trial's CPU time is read from this clock.
// `None` off Linux.
#[cfg_attr(target_os = "linux", allow(clippy::unnecessary_wraps))]
pub fn thread_cpu_seconds() -> Option<f64> {
    #[cfg(target_os = "linux")]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        Some(t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9)
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// The process's user + system CPU seconds, every thread's, exited ones
/// included, exact to the moment of the call (`CLOCK_PROCESS_CPUTIME_ID`; the
/// ticks of `/proc/self/stat` are 10 ms and lag behind running threads).
// `None` off Linux.
#[cfg_attr(target_os = "linux", allow(clippy::unnecessary_wraps))]
pub fn process_cpu_seconds() -> Option<f64> {
    #[cfg(target_os = "linux")]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
        Some(t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9)
    }
    #[cfg(not(target_os = "linux"))]
    None
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

    #[test]
    fn the_thread_clock_counts_a_short_busy_span_exactly() {
        let Some(c0) = thread_cpu_seconds() else {
            return; // Not Linux.
        };
        let start = std::time::Instant::now();
        let mut x = 0u64;
        while start.elapsed().as_secs_f64() < 0.002 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        let wall = start.elapsed().as_secs_f64();
        let cpu = thread_cpu_seconds().unwrap() - c0;
        // Never more than the wall time; a tick-stale account would often read 0 here.
        assert!(cpu > 0.0 && cpu <= wall + 1e-4, "{cpu} s CPU in {wall} s");
    }
}
