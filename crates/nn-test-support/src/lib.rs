//! Helpers the workspace's tests share, so that each test file does not carry its own copy.
//!
//! A dev-dependency only (`publish = false`): nothing in the product links it.
//!
//! - [`peak_rss_kb`]: a process's peak resident set, from Linux's `/proc`.
//! - [`report_from_child`] and [`run_in_child`]: a test binary re-running itself for one
//!   case in a child process, whose error text and peak memory come back on its stdout, so a
//!   bound on memory measures that case alone.
//! - [`hostile_bound`]: the memory a hostile input may cost (issue 14's rule).
//! - [`mpirun`]: the `mpirun` command the MPI tests and xtask's MPI benchmarks start ranks with.

use std::ffi::OsStr;
use std::fmt::Display;
use std::process::Command;

/// The peak resident set in kB of the process `pid`, or of this process when `pid` is
/// `None`: `VmHWM`, the high-water mark of that process's own address space. `None` when
/// the process has gone or `/proc` has no such line.
///
/// `getrusage`'s `ru_maxrss` would do for this process, but on Linux a child spawned with
/// vfork + exec inherits the spawning process's high-water mark in it: every child then
/// reported the test harness's peak.
#[must_use]
pub fn peak_rss_kb(pid: Option<u32>) -> Option<u64> {
    let path = pid.map_or_else(
        || "/proc/self/status".to_owned(),
        |pid| format!("/proc/{pid}/status"),
    );
    let status = std::fs::read_to_string(path).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
}

/// The most memory a hostile input of `size` bytes may cost: max(2 x its size, 256 MB).
#[must_use]
pub fn hostile_bound(size: u64) -> u64 {
    (2 * size).max(256 << 20)
}

/// The child half of [`run_in_child`]: prints the case's error (or `<none>`) and this
/// process's peak resident set, in the lines [`run_in_child`] reads.
///
/// # Panics
/// Without Linux's `/proc/self/status`.
#[allow(clippy::print_stdout)] // the child's report travels on its stdout
pub fn report_from_child<E: Display>(result: Result<(), E>) {
    let peak = peak_rss_kb(None).expect("a VmHWM line in /proc/self/status");
    match result {
        Ok(()) => println!("error=<none>"),
        Err(e) => println!("error={e}"),
    }
    println!("maxrss_kb={peak}");
}

/// What a child run of one case reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildReport {
    /// The case's error text, `<none>` when it succeeded.
    pub error: String,
    /// The child's peak resident set in bytes.
    pub peak_rss: u64,
}

/// Runs this test binary again as a child, with only the test named `test` (which calls
/// [`report_from_child`] when it finds its variables in `env`), and reads its report.
///
/// # Panics
/// When the child cannot run, fails, or prints no report: the test calling it fails.
pub fn run_in_child<K: AsRef<OsStr>, V: AsRef<OsStr>>(test: &str, env: &[(K, V)]) -> ChildReport {
    let mut command = Command::new(std::env::current_exe().expect("the test binary's path"));
    command.args(["--exact", test, "--nocapture", "--test-threads=1"]);
    for (key, value) in env {
        command.env(key, value);
    }
    let out = command.output().expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.split_once(key).map(|(_, value)| value))
            .unwrap_or_else(|| panic!("no {key} in {stdout}"))
            .to_owned()
    };
    let kb: u64 = field("maxrss_kb=").parse().expect("a number of kB");
    ChildReport {
        error: field("error="),
        peak_rss: kb * 1024,
    }
}

/// `mpirun -np RANKS --oversubscribe --bind-to BIND_TO`, allowed to run as root (CI's
/// containers are root) and with stdin closed; the program and its arguments are the
/// caller's to add. `BIND_TO` is `none` where the ranks place their threads themselves
/// (sweeps pin their trials) and `core` for one training rank a core.
pub fn mpirun(ranks: usize, bind_to: &str) -> Command {
    let mut command = Command::new("mpirun");
    command
        .args([
            "-np",
            &ranks.to_string(),
            "--oversubscribe",
            "--bind-to",
            bind_to,
        ])
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .stdin(std::process::Stdio::null());
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_peak() {
        let kb = peak_rss_kb(None).unwrap();
        assert!(kb > 0);
        // The same process by its pid. Not `>= kb`: the kernel's RSS counters are per-CPU
        // approximations, so two reads of VmHWM can differ a little either way (seen in CI).
        let by_pid = peak_rss_kb(Some(std::process::id())).unwrap();
        assert!(
            by_pid.abs_diff(kb) <= kb / 4 + 1024,
            "{by_pid} kB against {kb} kB"
        );
    }

    #[test]
    fn the_bound_is_twice_the_size_past_256_mb() {
        assert_eq!(hostile_bound(1), 256 << 20);
        assert_eq!(hostile_bound(1 << 30), 2 << 30);
    }

    /// The child half of `a_child_reports_its_error_and_peak`.
    #[test]
    fn child() {
        if std::env::var_os("NN_TEST_SUPPORT_CHILD").is_some() {
            report_from_child(Err("the case's error"));
        }
    }

    #[test]
    fn a_child_reports_its_error_and_peak() {
        let report = run_in_child("tests::child", &[("NN_TEST_SUPPORT_CHILD", "1")]);
        assert_eq!(report.error, "the case's error");
        assert!(report.peak_rss > 0);
    }
}
