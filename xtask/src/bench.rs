//! `cargo xtask bench`: the trainer workloads W1-W4 and PyTorch side by side.
//!
//! Alternates `cargo bench -p nn-train --bench workloads` with
//! `shared/bench/torch_bench.py` (when a Python with torch is given) for several
//! rounds in one session, then prints the medians and the ratios the trainer is
//! judged by: ours on two threads against PyTorch's best thread count, and two
//! threads against one. The machine is noisy; alternation and medians are what
//! make the ratios fair.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};
use clap::Args;

/// Options of `cargo xtask bench`.
#[derive(Debug, Args)]
pub struct Bench {
    /// Alternating rounds of ours and PyTorch's.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Timed passes per workload in each round (after one warm-up).
    #[arg(long, default_value_t = 3)]
    reps: usize,
    /// Only these workloads, comma separated (W1,W2,W3,W4).
    #[arg(long, default_value = "W1,W2,W3,W4")]
    only: String,
    /// A Python interpreter with torch installed; without it only nn-train is measured.
    #[arg(long, value_name = "PYTHON")]
    torch_python: Option<PathBuf>,
    /// The PyTorch script (default: shared/bench/torch_bench.py beside the workspace).
    #[arg(long, value_name = "FILE")]
    torch_script: Option<PathBuf>,
}

/// Samples/s (W4: steps/s) per (workload, threads), one value per round.
type Runs = BTreeMap<(String, usize), Vec<f64>>;

pub fn bench(args: &Bench) -> anyhow::Result<()> {
    let root = super::workspace_root();
    let script = args
        .torch_script
        .clone()
        .unwrap_or_else(|| root.join("../shared/bench/torch_bench.py"));
    if args.torch_python.is_some() && !script.is_file() {
        bail!(
            "{}: no PyTorch benchmark script there (give --torch-script)",
            script.display()
        );
    }
    let (mut ours, mut torch) = (Runs::new(), Runs::new());
    for round in 1..=args.rounds {
        eprintln!("round {round}/{}: nn-train", args.rounds);
        let reps = args.reps.to_string();
        let out = run(
            Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args([
                    "bench",
                    "-q",
                    "-p",
                    "nn-train",
                    "--bench",
                    "workloads",
                    "--",
                ])
                .args(["--reps", &reps, "--threads", "1,2", "--only", &args.only])
                .current_dir(&root),
        )?;
        collect(&out, &mut ours);
        if let Some(python) = &args.torch_python {
            eprintln!("round {round}/{}: PyTorch", args.rounds);
            let out = run(Command::new(python).arg(&script).args([
                "--threads",
                "1,2",
                "--reps",
                &reps,
                "--only",
                &args.only,
            ]))?;
            collect(&out, &mut torch);
        }
    }
    print!("{}", report(&ours, &torch, args.rounds));
    Ok(())
}

/// Runs `command`; its stdout, or an error with its stderr.
pub(crate) fn run(command: &mut Command) -> anyhow::Result<String> {
    let output = command
        .output()
        .with_context(|| format!("cannot run {command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Reads lines like `W1 threads=2 samples/s=223,650 steps/s=6,989 ...` (both tools print them).
fn collect(text: &str, runs: &mut Runs) {
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let Some(name) = fields.next().filter(|n| n.starts_with('W')) else {
            continue;
        };
        let mut threads = None;
        let (mut samples, mut steps) = (None, None);
        for field in fields {
            let number = |prefix: &str| {
                field
                    .strip_prefix(prefix)
                    .and_then(|v| v.replace(',', "").parse::<f64>().ok())
            };
            threads = threads.or_else(|| number("threads=").map(|t| t as usize));
            samples = samples.or_else(|| number("samples/s="));
            steps = steps.or_else(|| number("steps/s="));
        }
        // W4 is judged in optimizer steps per second, the others in samples per second.
        let value = if name == "W4" { steps } else { samples };
        if let (Some(threads), Some(value)) = (threads, value) {
            runs.entry((name.to_string(), threads))
                .or_default()
                .push(value);
        }
    }
}

fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// The medians and ratios as a Markdown table.
fn report(ours: &Runs, torch: &Runs, rounds: usize) -> String {
    let get =
        |runs: &Runs, w: &str, t: usize| runs.get(&(w.to_string(), t)).and_then(|v| median(v));
    let fmt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.0}"));
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}x", a / b),
        _ => "-".into(),
    };
    let mut names: Vec<&String> = ours.keys().map(|(w, _)| w).collect();
    names.dedup();
    let mut out = format!(
        "medians of {rounds} alternating rounds; samples/s (W4: steps/s)\n\n\
         | | ours 1t | ours 2t | torch 1t | torch 2t | ours 2t / torch best | ours 2t / 1t |\n\
         |---|---|---|---|---|---|---|\n"
    );
    for w in names {
        let (o1, o2) = (get(ours, w, 1), get(ours, w, 2));
        let (t1, t2) = (get(torch, w, 1), get(torch, w, 2));
        let best = match (t1, t2) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let _ = writeln!(
            out,
            "| {w} | {} | {} | {} | {} | {} | {} |",
            fmt(o1),
            fmt(o2),
            fmt(t1),
            fmt(t2),
            ratio(o2, best),
            ratio(o2, o1)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_tools_lines_and_reports_ratios() {
        let mut ours = Runs::new();
        let mut torch = Runs::new();
        collect(
            "nn-train workloads: median of 3\nW1 threads=1 samples/s=100000 steps/s=3125 GFLOP/s=1\n\
             W1 threads=2 samples/s=200000 steps/s=6250 GFLOP/s=2\nW4 threads=2 samples/s=9 steps/s=450000 GFLOP/s=0\n",
            &mut ours,
        );
        collect(
            "torch 2.15\nW1 threads=1 samples/s=64,000 steps/s=2,000 GFLOP/s=30\n\
             W1 threads=2 samples/s=50,000 steps/s=1,562 GFLOP/s=20\nW4 threads=2 samples/s=30,000 steps/s=3,000 GFLOP/s=0\n",
            &mut torch,
        );
        let table = report(&ours, &torch, 1);
        assert!(
            table.contains("| W1 | 100000 | 200000 | 64000 | 50000 | 3.12x | 2.00x |"),
            "{table}"
        );
        assert!(
            table.contains("| W4 | - | 450000 | - | 3000 | 150.00x | - |"),
            "{table}"
        );
    }
}
