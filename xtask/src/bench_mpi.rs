//! `cargo xtask bench-mpi`: W1-W3 on `mpirun -np 2` (one thread per rank)
//! against one process with two threads, side by side.
//!
//! Builds nn-dist's `workloads` example with MPI, then alternates, round after
//! round: one process on two threads; two ranks summing their pieces of the
//! gradient from each other's rows (what training does); two ranks sending
//! each other shard gradients instead (`NN_TRAIN_SHARD_EXCHANGE=1`, the
//! exchange before 2026-12-06); and two ranks with MPI's own allreduce (for
//! comparison). Prints the medians, the efficiency (two ranks' samples/s over
//! one process's; for the rows also each round's, from runs minutes apart),
//! the exchange's time per step, and whether the final weights equal one
//! process's.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::process::Command;

use anyhow::{Context, bail};
use clap::Args;

use crate::bench::{field, ratios_by_round};
use crate::median::median;

/// Options of `cargo xtask bench-mpi`.
#[derive(Debug, Args)]
pub struct BenchMpi {
    /// Alternating rounds.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Timed passes per workload in each run (after one warm-up).
    #[arg(long, default_value_t = 3)]
    reps: usize,
    /// Only these workloads, comma separated.
    #[arg(long, default_value = "W1,W2,W3")]
    only: String,
}

/// A way a workload is run: its name, the example's flags, and an
/// environment variable set for every rank (`-x`).
type Mode = (
    &'static str,
    &'static [&'static str],
    Option<(&'static str, &'static str)>,
);

/// The ways a workload is run: one process, then ranks (the first of which
/// has its efficiency by round too).
const MODES: [Mode; 4] = [
    ("1 process x 2 threads", &["--threads", "2"], None),
    ("2 ranks x 1 thread, rows", &["--threads", "1"], None),
    (
        "2 ranks x 1 thread, shard gradients",
        &["--threads", "1"],
        Some(("NN_TRAIN_SHARD_EXCHANGE", "1")),
    ),
    (
        "2 ranks x 1 thread, allreduce",
        &["--threads", "1", "--allreduce"],
        None,
    ),
];

/// One run's figures for a workload.
#[derive(Debug, Clone, PartialEq)]
struct Figures {
    samples_per_second: f64,
    exchange_us: Option<f64>,
    weights: String,
}

/// Runs per (workload, mode).
type Runs = BTreeMap<(String, usize), Vec<Figures>>;

pub fn bench_mpi(args: &BenchMpi) -> anyhow::Result<()> {
    let root = super::workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = Command::new(&cargo)
        .args(["build", "-q", "--release", "--locked", "-p", "nn-dist"])
        .args(["--features", "mpi", "--example", "workloads"])
        .current_dir(&root)
        .status()
        .context("cannot run cargo build")?;
    if !build.success() {
        bail!("building nn-dist's workloads example with MPI failed (is Open MPI installed?)");
    }
    let example = root.join("target/release/examples/workloads");
    let reps = args.reps.to_string();
    let load_before = super::bench_sweep_cores::load();
    let mut runs = Runs::new();
    for round in 1..=args.rounds {
        for (mode, (name, flags, env)) in MODES.iter().enumerate() {
            eprintln!("round {round}/{}: {name}", args.rounds);
            let mut command = if mode == 0 {
                Command::new(&example)
            } else {
                let mut mpirun = nn_test_support::mpirun(2, "core");
                if let Some((key, value)) = env {
                    mpirun.env(key, value).args(["-x", key]);
                }
                mpirun.arg(&example);
                mpirun
            };
            command
                .args(*flags)
                .args(["--reps", &reps, "--only", &args.only]);
            collect(&super::bench::run(&mut command)?, mode, &mut runs);
        }
    }
    print!("{}", report(&runs, args.rounds));
    println!(
        "\nload average before: {load_before}; after: {}",
        super::bench_sweep_cores::load()
    );
    Ok(())
}

/// Reads lines like `W2 ranks=2 threads=1 samples/s=97000 exchange_us/step=310.2 weights=9747fa1f459eade1 ...`.
fn collect(text: &str, mode: usize, runs: &mut Runs) {
    for line in text.lines() {
        let Some(name) = line
            .split_whitespace()
            .next()
            .filter(|n| n.starts_with('W'))
        else {
            continue;
        };
        // The weights' hash is text, not a number, so not `field`'s.
        let weights = line
            .split_whitespace()
            .find_map(|f| f.strip_prefix("weights="))
            .map(String::from);
        let exchange = field(line, "exchange_us/step=");
        if let (Some(samples_per_second), Some(weights)) = (field(line, "samples/s="), weights) {
            runs.entry((name.to_string(), mode))
                .or_default()
                .push(Figures {
                    samples_per_second,
                    exchange_us: exchange,
                    weights,
                });
        }
    }
}

/// The medians, efficiencies and weight checks as a Markdown table.
fn report(runs: &Runs, rounds: usize) -> String {
    let figures = |w: &str, mode: usize| runs.get(&(w.to_string(), mode));
    // Each run's samples/s, in round order.
    let rates = |w: &str, mode: usize| -> Vec<f64> {
        figures(w, mode).map_or_else(Vec::new, |f| {
            f.iter().map(|f| f.samples_per_second).collect()
        })
    };
    let speed = |w: &str, mode: usize| median(&rates(w, mode));
    let exchange = |w: &str, mode: usize| {
        figures(w, mode)
            .and_then(|f| median(&f.iter().filter_map(|f| f.exchange_us).collect::<Vec<_>>()))
            .map_or_else(|| "-".into(), |e| format!("{e:.0}"))
    };
    let same_weights = |w: &str, mode: usize| match (figures(w, 0), figures(w, mode)) {
        (Some(one), Some(many)) => {
            let equal = many
                .iter()
                .all(|m| one.iter().all(|o| o.weights == m.weights));
            if equal { "yes" } else { "no" }
        }
        _ => "-",
    };
    let fmt = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{v:.0}"));
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "-".into(),
    };
    // Each round's efficiency from that round's two runs (minutes apart at
    // most), beside the medians' (whose runs may come from different rounds).
    let by_round = |w: &str, mode: usize| ratios_by_round(&rates(w, mode), &rates(w, 0));
    let mut out = format!(
        "medians of {rounds} alternating rounds; samples/s; exchange: the us per step a rank spends in it (sends, sums, gathers, waits: none of it hidden behind compute)\n\n| | {} ",
        MODES[0].0
    );
    let mut rule = String::from("|---|---");
    for (mode, (name, ..)) in MODES.iter().enumerate().skip(1) {
        let by_round = if mode == 1 { "by round | " } else { "" };
        let _ = write!(
            out,
            "| {name} | efficiency | {by_round}exchange | same weights "
        );
        rule.push_str(if mode == 1 {
            "|---|---|---|---|---"
        } else {
            "|---|---|---|---"
        });
    }
    let _ = write!(out, "|\n{rule}|\n");
    let mut names: Vec<&String> = runs.keys().map(|(w, _)| w).collect();
    names.dedup();
    for w in names {
        let one = speed(w, 0);
        let _ = write!(out, "| {w} | {} ", fmt(one));
        for mode in 1..MODES.len() {
            let _ = write!(
                out,
                "| {} | {} ",
                fmt(speed(w, mode)),
                ratio(speed(w, mode), one)
            );
            if mode == 1 {
                let _ = write!(out, "| {} ", by_round(w, mode));
            }
            let _ = write!(out, "| {} | {} ", exchange(w, mode), same_weights(w, mode));
        }
        out.push_str("|\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_example_lines_and_reports_efficiency_and_weights() {
        let mut runs = Runs::new();
        collect(
            "W2 ranks=1 threads=2 samples/s=100000 exchange_us/step=- weights=aa (pass ...)\n",
            0,
            &mut runs,
        );
        collect(
            "W2 ranks=2 threads=1 samples/s=90000 exchange_us/step=300.5 weights=aa (pass ...)\n",
            1,
            &mut runs,
        );
        collect(
            "W2 ranks=2 threads=1 samples/s=80000 exchange_us/step=400.0 weights=aa (pass ...)\n",
            2,
            &mut runs,
        );
        collect(
            "W2 ranks=2 threads=1 samples/s=95000 exchange_us/step=200.0 weights=bb (pass ...)\n",
            3,
            &mut runs,
        );
        let table = report(&runs, 1);
        assert!(
            table.contains(
                "| W2 | 100000 | 90000 | 0.90 | 0.90 | 300 | yes | 80000 | 0.80 | 400 | yes \
                 | 95000 | 0.95 | 200 | no |"
            ),
            "{table}"
        );
        // As many columns in every row as in the header.
        let columns = |line: &str| line.matches('|').count();
        let lines: Vec<&str> = table.lines().filter(|l| l.starts_with('|')).collect();
        assert!(
            lines.iter().all(|l| columns(l) == columns(lines[0])),
            "{table}"
        );
    }

    #[test]
    fn each_round_pairs_the_ranks_with_the_one_process_of_the_same_round() {
        let mut runs = Runs::new();
        // The medians' pair takes the one process from round 3 and the ranks
        // from round 2 (130,000 over 160,000); each round's pairs its own.
        for (one, ranks) in [(150_000, 135_000), (165_000, 130_000), (160_000, 128_000)] {
            collect(
                &format!("W2 ranks=1 threads=2 samples/s={one} exchange_us/step=- weights=aa\n"),
                0,
                &mut runs,
            );
            collect(
                &format!(
                    "W2 ranks=2 threads=1 samples/s={ranks} exchange_us/step=250 weights=aa\n"
                ),
                1,
                &mut runs,
            );
        }
        let table = report(&runs, 3);
        assert!(
            table.contains("| W2 | 160000 | 130000 | 0.81 | 0.90 / 0.79 / 0.80 | 250 | yes |"),
            "{table}"
        );
    }
}
