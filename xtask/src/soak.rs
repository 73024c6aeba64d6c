//! `cargo xtask soak`: leaves the dashboard running in a detached tmux session
//! (a real terminal, as a user over SSH has) and samples its resident memory
//! and the size of the run directory it records, so "memory stays flat" and
//! "disk use stays small" are measured figures, not hopes.
//!
//! Prints how long the first screen took, then one line per sample (seconds,
//! RSS in MB, CPU in % of a core since the last sample, run directory in MB,
//! the status line) and, at the end, the growth from the first minute to the
//! last sample and the run directory's growth per hour.
//!
//! `--keys Space` pauses it first (a paused dashboard's CPU); `--watch DIR` runs
//! `nn-tui watch DIR` instead (how soon a long log is on screen).
//!
//! What the dashboard writes to its terminal is counted too (tmux's
//! `pipe-pane`): a `kb_s` column and the mean bytes a second at the end, what
//! an SSH link must carry. `--link 16k` runs it behind a link of that speed
//! (`script -q -c nn-tui /dev/null | pv -q -L 16k`, as a slow SSH link is); with
//! `--expect PAUSED` it says how long the screen took to answer `--keys`, and
//! it says how far the screen's clock is behind the run's.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;

/// Options of `cargo xtask soak`.
#[derive(Debug, Args)]
pub struct Soak {
    /// How long the dashboard runs, in minutes.
    #[arg(long, default_value_t = 10)]
    minutes: u64,
    /// How long the dashboard runs, in seconds (instead of --minutes).
    #[arg(long)]
    seconds: Option<u64>,
    /// Seconds between samples.
    #[arg(long, default_value_t = 30)]
    every: u64,
    /// Arguments for `nn-tui` (e.g. `--data mnist`), space separated; by default the
    /// default run flat out, the most events and snapshots a minute.
    #[arg(long, default_value = "--speed max")]
    args: String,
    /// Terminal size as WIDTHxHEIGHT.
    #[arg(long, default_value = "100x30")]
    size: String,
    /// tmux keys sent once the first screen is up, space separated (e.g. `Space` to pause).
    #[arg(long, default_value = "")]
    keys: String,
    /// Watch this run directory (`nn-tui watch DIR`) instead of running the dashboard.
    #[arg(long, value_name = "DIR")]
    watch: Option<PathBuf>,
    /// Run this binary instead of building `nn-tui` (e.g. a build from before a change).
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,
    /// Run behind a link of this many bytes a second (pv's -L: `16k`), as over slow SSH.
    #[arg(long, value_name = "RATE")]
    link: Option<String>,
    /// Text the screen shows once it has answered `--keys` (e.g. `PAUSED`): prints how long that took.
    #[arg(long, value_name = "TEXT", requires = "keys")]
    expect: Option<String>,
    /// Seconds to watch the screen's clock before sending `--keys` (how far it is behind).
    #[arg(long, default_value_t = 10)]
    lag_seconds: u64,
}

pub fn soak(options: &Soak) -> anyhow::Result<()> {
    let root = super::workspace_root();
    let binary = match &options.binary {
        Some(path) => std::path::absolute(path)?,
        None => build(&root)?,
    };
    let (width, height) = options
        .size
        .split_once('x')
        .context("--size: expected WIDTHxHEIGHT, e.g. 100x30")?;
    let socket = format!("nn-tui-soak-{}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null"])
            .args(args)
            .output()
    };
    let dir = tempfile_dir()?;
    let run_dir = dir.join("run");
    let command = match &options.watch {
        Some(watched) => format!(
            "exec {} watch {}",
            binary.display(),
            std::path::absolute(watched)?.display()
        ),
        None => format!(
            "exec {} {} --save {} --run-dir {}",
            binary.display(),
            options.args,
            dir.join("soak.safetensors").display(),
            run_dir.display()
        ),
    };
    let command = match &options.link {
        // `script` gives the dashboard a terminal of the pane's size; pv passes on
        // its output at the link's rate, the kernel's buffers queueing the rest.
        Some(rate) => format!("script -q -c '{command}' /dev/null | pv -q -L {rate}"),
        None => command,
    };
    let output = dir.join("terminal.out");
    let launched = Instant::now();
    let out = tmux(&[
        "new-session",
        "-d",
        "-s",
        "soak",
        "-x",
        width,
        "-y",
        height,
        &command,
    ])
    .context("tmux (apt-get install tmux)")?;
    if !out.status.success() {
        bail!("tmux: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    // Everything the pane receives, as the terminal over SSH would.
    tmux(&[
        "pipe-pane",
        "-t",
        "soak",
        "-o",
        &format!("cat >> {}", output.display()),
    ])?;
    let pane_pid =
        String::from_utf8_lossy(&tmux(&["list-panes", "-t", "soak", "-F", "#{pane_pid}"])?.stdout)
            .trim()
            .to_string();
    let mut pid = pane_pid.clone();
    let written = || std::fs::metadata(&output).map_or(0, |m| m.len());
    let status_line = || -> anyhow::Result<String> {
        let screen = tmux(&["capture-pane", "-p", "-t", "soak"])?.stdout;
        Ok(String::from_utf8_lossy(&screen)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string())
    };
    // The first screen: the status line names the run's state.
    while !["RUNNING", "PAUSED", "FINISHED", "WATCH"]
        .iter()
        .any(|state| status_line().is_ok_and(|l| l.contains(state)))
    {
        if launched.elapsed() > Duration::from_secs(60) {
            let _ = tmux(&["kill-server"]);
            bail!("no first screen within 60 s: {}", status_line()?);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    println!(
        "first screen after {:.2} s",
        launched.elapsed().as_secs_f64()
    );
    if options.link.is_some() {
        // Behind `script`, the dashboard is the pane's grandchild.
        pid = descendant_named(&pane_pid, "nn-tui").unwrap_or(pane_pid);
        let lag = screen_lag(
            launched,
            Duration::from_secs(options.lag_seconds),
            &status_line,
        )?;
        println!(
            "screen behind the run: median {:.2} s, worst {:.2} s ({} clock ticks seen; \
             an upper bound: it counts the dashboard's start-up)",
            lag.0, lag.1, lag.2
        );
    }
    if !options.keys.is_empty() {
        let mut send = vec!["send-keys", "-t", "soak"];
        send.extend(options.keys.split_whitespace());
        let sent = Instant::now();
        tmux(&send)?;
        if let Some(expected) = &options.expect {
            let screen = || -> anyhow::Result<String> {
                let out = tmux(&["capture-pane", "-p", "-t", "soak"])?.stdout;
                Ok(String::from_utf8_lossy(&out).into_owned())
            };
            while !screen()?.contains(expected.as_str()) {
                if sent.elapsed() > Duration::from_secs(60) {
                    let _ = tmux(&["kill-server"]);
                    bail!("{expected:?} not on screen 60 s after {:?}", options.keys);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            println!(
                "{:?} answered on screen ({expected:?}) after {:.2} s",
                options.keys,
                sent.elapsed().as_secs_f64()
            );
        }
    }
    let started = Instant::now();
    let end = Duration::from_secs(options.seconds.unwrap_or(options.minutes * 60));
    let mut cpu_before = cpu_seconds(&pid);
    let mut samples: Vec<(f64, f64)> = Vec::new();
    let mut disk: Vec<(f64, u64)> = Vec::new();
    println!("seconds  rss_mb  cpu_%  run_mb   kb_s  screen");
    let mut last = Instant::now();
    let (first_written, mut written_before) = (written(), written());
    while started.elapsed() <= end {
        let Some(rss) = rss_mb(&pid) else {
            let _ = tmux(&["kill-server"]);
            bail!(
                "the dashboard (pid {pid}) is gone after {:?}",
                started.elapsed()
            );
        };
        let screen = status_line()?;
        let t = started.elapsed().as_secs_f64();
        let bytes = folder_bytes(&run_dir);
        // utime + stime of all its threads since the last sample, per second of wall time.
        let cpu_now = cpu_seconds(&pid);
        let seconds = last.elapsed().as_secs_f64().max(1e-9);
        let cpu = (cpu_now - cpu_before) / seconds * 100.0;
        let written_now = written();
        let kb_s = (written_now - written_before) as f64 / seconds / 1e3;
        (cpu_before, last, written_before) = (cpu_now, Instant::now(), written_now);
        println!(
            "{t:7.0}  {rss:6.1}  {cpu:5.2}  {:6.2}  {kb_s:5.1}  {screen}",
            bytes as f64 / 1e6
        );
        samples.push((t, rss));
        disk.push((t, bytes));
        std::thread::sleep(Duration::from_secs(options.every));
    }
    let measured = started.elapsed().as_secs_f64();
    println!(
        "terminal output: {:.2} KB/s over {measured:.0} s (from the first screen on)",
        (written() - first_written) as f64 / measured / 1e3
    );
    let _ = tmux(&["send-keys", "-t", "soak", "q"]);
    std::thread::sleep(Duration::from_secs(1));
    let _ = tmux(&["kill-server"]);
    let recorded = folder_bytes(&run_dir);
    let _ = std::fs::remove_dir_all(&dir);
    if let (Some(&(t0, b0)), Some(&(t1, b1))) = (disk.get(disk.len() / 2), disk.last())
        && t1 > t0
    {
        println!(
            "run directory {:.2} MB after {:.0} s (with the final model), growing {:.2} MB/h over the second half",
            recorded as f64 / 1e6,
            t1,
            (b1.saturating_sub(b0)) as f64 / (t1 - t0) * 3600.0 / 1e6
        );
    }
    let at_one_minute = samples
        .iter()
        .find(|(t, _)| *t >= 60.0)
        .or(samples.first())
        .map_or(f64::NAN, |s| s.1);
    let last = samples.last().map_or(f64::NAN, |s| s.1);
    let peak = samples.iter().map(|s| s.1).fold(f64::NAN, f64::max);
    println!(
        "rss at 1 min {at_one_minute:.1} MB, at the end {last:.1} MB ({:+.1} MB), peak {peak:.1} MB",
        last - at_one_minute
    );
    Ok(())
}

/// How far the screen's clock (`HH:MM:SS` in the status line) is behind the
/// time since `launched`, at each of its ticks over `span`: (median, worst, ticks).
fn screen_lag(
    launched: Instant,
    span: Duration,
    status_line: &dyn Fn() -> anyhow::Result<String>,
) -> anyhow::Result<(f64, f64, usize)> {
    let clock = |line: &str| {
        line.split_whitespace().find_map(|word| {
            let parts: Vec<u64> = word.split(':').filter_map(|p| p.parse().ok()).collect();
            (parts.len() == 3 && word.len() == 8)
                .then(|| parts[0] * 3600 + parts[1] * 60 + parts[2])
        })
    };
    let start = Instant::now();
    let mut shown = None;
    let mut lags = Vec::new();
    while start.elapsed() < span {
        let now = clock(&status_line()?);
        if now != shown {
            if let (Some(_), Some(seconds)) = (shown, now) {
                lags.push(launched.elapsed().as_secs_f64() - seconds as f64);
            }
            shown = now;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    lags.sort_by(f64::total_cmp);
    Ok((
        lags.get(lags.len() / 2).copied().unwrap_or(f64::NAN),
        lags.last().copied().unwrap_or(f64::NAN),
        lags.len(),
    ))
}

/// The first process below `pid` (children, then theirs) whose name is `name`.
fn descendant_named(pid: &str, name: &str) -> Option<String> {
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
    for child in children.split_whitespace() {
        let comm = std::fs::read_to_string(format!("/proc/{child}/comm")).unwrap_or_default();
        if comm.trim() == name {
            return Some(child.to_string());
        }
        if let Some(found) = descendant_named(child, name) {
            return Some(found);
        }
    }
    None
}

/// Builds `nn-tui` in the profile `cargo run -p nn-tui` builds (what users leave running).
fn build(root: &Path) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(["build", "-q", "-p", "nn-tui"])
        .current_dir(root)
        .status()
        .context("cargo build")?;
    if !status.success() {
        bail!("cargo build -p nn-tui failed");
    }
    Ok(root.join("target/debug/nn-tui"))
}

/// Bytes of the files in a folder.
fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum()
    })
}

/// CPU seconds a process has used, all its threads (utime + stime from `/proc/PID/stat`).
fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return f64::NAN;
    };
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => (user + system) / CLOCK_TICKS_PER_SECOND,
        _ => f64::NAN,
    }
}

/// `sysconf(_SC_CLK_TCK)` on Linux, 100 on every architecture it supports.
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// Resident memory of a process, from `/proc/PID/status`.
fn rss_mb(pid: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("nn-tui-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
