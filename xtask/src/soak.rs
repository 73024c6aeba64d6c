//! `cargo xtask soak`: leaves the dashboard running in a detached tmux session
//! (a real terminal, as a user over SSH has) and samples its resident memory
//! and the size of the run directory it records, so "memory stays flat" and
//! "disk use stays small" are measured figures, not hopes.
//!
//! Prints one line per sample (seconds, RSS in MB, run directory in MB, epochs
//! from the screen) and, at the end, the growth from the first minute to the
//! last sample and the run directory's growth per hour.

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
}

pub fn soak(options: &Soak) -> anyhow::Result<()> {
    let root = super::workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        // The profile `cargo run -p nn-tui` builds: what users leave running.
        .args(["build", "-q", "-p", "nn-tui"])
        .current_dir(&root)
        .status()
        .context("cargo build")?;
    if !status.success() {
        bail!("cargo build -p nn-tui failed");
    }
    let binary = root.join("target/debug/nn-tui");
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
    let command = format!(
        "exec {} {} --save {} --run-dir {}",
        binary.display(),
        options.args,
        dir.join("soak.safetensors").display(),
        run_dir.display()
    );
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
    let pid =
        String::from_utf8_lossy(&tmux(&["list-panes", "-t", "soak", "-F", "#{pane_pid}"])?.stdout)
            .trim()
            .to_string();
    let started = Instant::now();
    let end = Duration::from_secs(options.minutes * 60);
    let mut samples: Vec<(f64, f64)> = Vec::new();
    let mut disk: Vec<(f64, u64)> = Vec::new();
    println!("seconds  rss_mb  run_mb  screen");
    while started.elapsed() <= end {
        let Some(rss) = rss_mb(&pid) else {
            let _ = tmux(&["kill-server"]);
            bail!(
                "the dashboard (pid {pid}) is gone after {:?}",
                started.elapsed()
            );
        };
        let screen = String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "soak"])?.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        let t = started.elapsed().as_secs_f64();
        let bytes = folder_bytes(&run_dir);
        println!("{t:7.0}  {rss:6.1}  {:6.2}  {screen}", bytes as f64 / 1e6);
        samples.push((t, rss));
        disk.push((t, bytes));
        std::thread::sleep(Duration::from_secs(options.every));
    }
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
