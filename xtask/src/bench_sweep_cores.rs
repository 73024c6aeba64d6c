//! `cargo xtask bench-sweep-cores`: what a sweep of many small trials costs
//! beyond their training, and what spreading it over MPI ranks gains. Each round
//! runs `nn-tui sweep --data spiral --random N lr=log:1e-3..0.1` (N default 2-D
//! trials of 100 epochs) in one process on every core and reads the sweep's own
//! account: CPU time (utime + stime of every thread) against wall time x cores,
//! and CPU time a trial beyond its training against a median trial's training.
//! With `--mpi R` the same sweep also runs on `mpirun -np R` (each rank its share
//! of the cores), alternating with the one process; the efficiency is the one
//! process's sweep time over the ranks'. With `--against OTHER` another build
//! runs in every round too, the two alternating, for figures side by side.
//! Medians over the rounds; the load average is printed, since other work on
//! the machine takes cores too. Every sweep writes a folder of its own, all
//! removed at the end.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use serde_json::Value;

use crate::bench::run;
use crate::median::median_or_nan;

/// Options of `cargo xtask bench-sweep-cores`.
#[derive(Debug, Args)]
pub struct BenchSweepCores {
    /// Trials per sweep.
    #[arg(long, default_value_t = 200)]
    trials: usize,
    /// Rounds (each: one process, then the ranks).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Also run the sweep on `mpirun -np RANKS` (builds nn-tui with its `mpi` feature).
    #[arg(long, value_name = "RANKS")]
    mpi: Option<usize>,
    /// Use this nn-tui instead of building the release one.
    #[arg(long, value_name = "PATH")]
    bin: Option<std::path::PathBuf>,
    /// Also run this nn-tui (another build) in every round, alternating with the
    /// first, for figures side by side.
    #[arg(long, value_name = "PATH")]
    against: Option<std::path::PathBuf>,
    /// Write the sweeps in `DIR/bench-sweep-cores` (made, and removed at the
    /// end; nothing else in DIR is touched) instead of `target/bench-sweep-cores`:
    /// another file system, such as a tmpfs or a journaled ext4, to tell the file
    /// system's cost from the sweep's.
    #[arg(long, value_name = "DIR")]
    dir: Option<std::path::PathBuf>,
}

/// One build's figures over the rounds.
#[derive(Default)]
struct Figures {
    seconds: Vec<f64>,
    cpu: Vec<f64>,
    busy: Vec<f64>,
    overhead: Vec<f64>,
    share: Vec<f64>,
    trial: Vec<f64>,
}

impl Figures {
    /// A round: the sweep's seconds and its `CPU ...` line.
    fn add(&mut self, seconds: f64, line: &str) {
        let read = |before| number_after(line, before).unwrap_or(f64::NAN);
        self.seconds.push(seconds);
        self.cpu.push(read("CPU "));
        self.busy.push(read("cores: "));
        self.overhead.push(read("%); "));
        self.share.push(read("beyond its training, "));
        self.trial.push(read("median trial's "));
    }

    fn medians(&mut self) -> String {
        format!(
            "one process: sweep {:.2} s, CPU {:.2} s, cores {:.0}% busy (CPU time over wall x cores), {:.2} ms CPU a trial beyond its training = {:.1}% of a median trial's {:.2} ms",
            median_or_nan(&self.seconds),
            median_or_nan(&self.cpu),
            median_or_nan(&self.busy),
            median_or_nan(&self.overhead),
            median_or_nan(&self.share),
            median_or_nan(&self.trial)
        )
    }
}

/// The number after `before` in `text` (up to the next space, `%` or comma).
fn number_after(text: &str, before: &str) -> Option<f64> {
    let rest = &text[text.find(before)? + before.len()..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

pub(crate) fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".into(),
        |l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

/// One sweep into `dir` (new): its JSON report and stderr, and the command's wall time.
fn sweep(mut command: Command) -> anyhow::Result<(Value, String, f64)> {
    let start = Instant::now();
    let out = command.output().context("running the sweep")?;
    let wall = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        bail!("the sweep failed: {stderr}");
    }
    let report = serde_json::from_slice(&out.stdout).context("nn-tui sweep --json")?;
    Ok((report, stderr, wall))
}

pub fn bench_sweep_cores(args: &BenchSweepCores) -> anyhow::Result<()> {
    let root = super::workspace_root();
    let bin = if let Some(bin) = &args.bin {
        bin.clone()
    } else {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(&cargo);
        build.args(["build", "-q", "--release", "-p", "nn-tui"]);
        if args.mpi.is_some() {
            build.args(["--features", "mpi"]);
        }
        eprintln!("building the release nn-tui");
        run(build.current_dir(&root))?;
        root.join("target/release/nn-tui")
    };
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    // Each sweep writes a folder of its own, all removed at the end. Removing
    // the last round's 1,600 files just before the next round made that round's
    // file creations slow on an ext4 without a journal (this machine's): it
    // skips inodes freed in the last minute, one at a time, under the folder's lock.
    let base = args
        .dir
        .as_ref()
        .unwrap_or(&root.join("target"))
        .join("bench-sweep-cores");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base)?;
    let words = |dir: &std::path::Path| -> Vec<String> {
        [
            "sweep",
            "--data",
            "spiral",
            "--random",
            &args.trials.to_string(),
            "lr=log:1e-3..0.1",
            "--json",
            "--dir",
            &dir.display().to_string(),
        ]
        .map(String::from)
        .to_vec()
    };
    let mut builds = vec![("this build", bin.clone(), Figures::default())];
    if let Some(against) = &args.against {
        builds.push(("--against", against.clone(), Figures::default()));
    }
    let (mut ranks_s, mut efficiency) = (vec![], vec![]);
    eprintln!("load average before: {}", load());
    for round in 0..args.rounds {
        // Alternating which build goes first, so neither always follows the other.
        let order: Vec<usize> = if round % 2 == 0 {
            (0..builds.len()).collect()
        } else {
            (0..builds.len()).rev().collect()
        };
        for b in order {
            let (label, bin, figures) = &mut builds[b];
            let dir = base.join(format!("one-{round}-{b}"));
            let mut command = Command::new(&*bin);
            command.args(words(&dir));
            let (report, stderr, wall) = sweep(command)?;
            let seconds = report["seconds"].as_f64().unwrap_or(f64::NAN);
            let line = stderr
                .lines()
                .find(|l| l.starts_with("CPU "))
                .context("the sweep's CPU line (Linux only)")?;
            figures.add(seconds, line);
            let mut text = format!(
                "round {} ({label}): one process {seconds:.2} s (command {wall:.2} s): {line}",
                round + 1
            );
            if let (Some(ranks), 0) = (args.mpi, b) {
                let dir = base.join(format!("ranks-{round}"));
                let mut command = nn_test_support::mpirun(ranks, "none");
                command.arg(&*bin).args(words(&dir));
                let (report, _, wall) = sweep(command)?;
                let s = report["seconds"].as_f64().unwrap_or(f64::NAN);
                ranks_s.push(s);
                efficiency.push(seconds / s);
                let _ = write!(
                    text,
                    "\n         {ranks} ranks {s:.2} s (command {wall:.2} s), efficiency {:.2}",
                    seconds / s
                );
            }
            eprintln!("{text}");
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    println!(
        "{} default 2-D spiral trials of 100 epochs, {cores} cores, {} rounds, load average after: {}",
        args.trials,
        args.rounds,
        load()
    );
    for (label, bin, figures) in &mut builds {
        println!("{label} ({}):", bin.display());
        println!("{}", figures.medians());
    }
    if let Some(ranks) = args.mpi {
        println!(
            "mpirun -np {ranks}: sweep {:.2} s, efficiency {:.2} (one process's time over the ranks')",
            median_or_nan(&ranks_s),
            median_or_nan(&efficiency)
        );
    }
    Ok(())
}
