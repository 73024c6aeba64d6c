//! `cargo xtask bench`: the trainer workloads W1-W4 and PyTorch side by side.
//!
//! Alternates `cargo bench -p nn-train --bench workloads` (each workload on each
//! thread count in a process of its own) with
//! `shared/bench/torch_bench.py` (when a Python with torch is given) for several
//! rounds in one session, then prints the medians and the ratios the trainer is
//! judged by: ours on two threads against PyTorch's best thread count, and two
//! threads against one. Beside them: the machine's own GEMM peak (the gemm crate
//! at 2048^3 on 1 and 2 threads, measured by the same bench), each workload's
//! GFLOP/s and its fraction of that peak (also round by round, each against the
//! peak measured in its own round), the fraction of each step that ran in
//! parallel (Amdahl, from the 1- and 2-thread figures) and what that fraction
//! predicts for 8, 16 and 64 cores. The machine is noisy; alternation and
//! medians are what make the ratios fair.
//!
//! `--widths 128,256,...` adds the width sweep: 784-H-H-10 trained through the
//! real `nn-tui train --data mnist` path (its `samples_per_second`), against the
//! same network in PyTorch (`xtask/torch_widths.py`), at each `--width-batches`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};
use clap::Args;

use crate::median::median;

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
    /// Also sweep these hidden widths H of 784-H-H-10 through `nn-tui train --data mnist`
    /// (comma separated, e.g. 128,256,512,1024,2048).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    widths: Vec<usize>,
    /// Batch sizes of the width sweep (small batches are where per-step costs show).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "32,128,512"
    )]
    width_batches: Vec<usize>,
    /// Threads of the width sweep (ours and PyTorch's).
    #[arg(long, default_value_t = 2)]
    width_threads: usize,
}

/// Samples/s (W4: steps/s) per (workload, threads), one value per round.
type Runs = BTreeMap<(String, usize), Vec<f64>>;

/// What one tool printed over the rounds: the rates the ratios use and the GFLOP/s
/// (workloads, and `GEMM` for the peak).
#[derive(Debug, Default)]
struct Measures {
    rates: Runs,
    gflops: Runs,
}

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
    let (mut ours, mut torch) = (Measures::default(), Measures::default());
    for round in 1..=args.rounds {
        eprintln!("round {round}/{}: nn-train", args.rounds);
        let reps = args.reps.to_string();
        for (threads, workload, peak) in processes(round, &args.only) {
            let mut command =
                Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
            command
                .args([
                    "bench",
                    "-q",
                    "-p",
                    "nn-train",
                    "--bench",
                    "workloads",
                    "--",
                ])
                .args(["--reps", &reps, "--threads", threads, "--only", workload])
                .current_dir(&root);
            if !peak {
                command.arg("--no-peak");
            }
            collect(&run(&mut command)?, &mut ours);
        }
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
    if !args.widths.is_empty() {
        print!("{}", widths(args, &root)?);
    }
    Ok(())
}

/// The harness's processes in round `round` (from 1): (threads, workload, whether
/// it also measures the GEMM peak). Each workload on each thread count in a
/// process of its own, as a user's run is, the thread counts' order swapped every
/// round: in one process the trainers after the first ran at other speeds (W4, one
/// thread after one thread: 805k then 771k steps/s, 4 of 4 times; 1 then 2 threads
/// read as 0.95x where two processes read 1.01x). The peak once per thread count.
fn processes(round: usize, only: &str) -> Vec<(&'static str, &str, bool)> {
    let threads = if round % 2 == 1 {
        ["1", "2"]
    } else {
        ["2", "1"]
    };
    threads
        .into_iter()
        .flat_map(|t| {
            only.split(',')
                .enumerate()
                .map(move |(i, workload)| (t, workload, i == 0))
        })
        .collect()
}

/// Samples/s per (H, batch), one value per round.
type Sweep = BTreeMap<(usize, usize), Vec<f64>>;

/// The width sweep: ours through `nn-tui train`, PyTorch through `torch_widths.py`,
/// alternating for `rounds` rounds; a Markdown table of medians and ratios.
fn widths(args: &Bench, root: &std::path::Path) -> anyhow::Result<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(&cargo)
        .args(["build", "-q", "--release", "-p", "nn-tui"])
        .current_dir(root))?;
    let tui = root.join("target/release/nn-tui");
    let torch_script = root.join("xtask/torch_widths.py");
    let list = |v: &[usize]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let threads = args.width_threads.to_string();
    // Each run records its run directory, as `nn-tui train` does for a user, into a
    // scratch folder emptied after it (not into the workspace's runs/).
    let scratch = root.join("target/bench-widths");
    let (mut ours, mut torch) = (Sweep::new(), Sweep::new());
    // The epoch's training steps alone (no test pass, no start-up), as
    // PyTorch's side times them, from the run directory's end record.
    let mut steps_alone = Sweep::new();
    for round in 1..=args.rounds {
        eprintln!("width sweep, round {round}/{}", args.rounds);
        for &batch in &args.width_batches {
            for &h in &args.widths {
                let out = run(Command::new(&tui)
                    .args(["train", "--data", "mnist", "--layers"])
                    .arg(format!("784,{h},{h},10"))
                    .args([
                        "--activation",
                        "relu",
                        "--output",
                        "softmax",
                        "--loss",
                        "ce",
                    ])
                    .args([
                        "--optimizer",
                        "sgd",
                        "--lr",
                        "0.01",
                        "--epochs",
                        "1",
                        "--json",
                    ])
                    .args(["--batch", &batch.to_string(), "--threads", &threads])
                    .current_dir({
                        std::fs::create_dir_all(&scratch)?;
                        &scratch
                    }))?;
                let summary: serde_json::Value = serde_json::from_str(out.trim())
                    .with_context(|| format!("nn-tui's --json output is not JSON: {out}"))?;
                let events = summary["run_dir"]
                    .as_str()
                    .and_then(|dir| {
                        std::fs::read_to_string(scratch.join(dir).join("events.jsonl")).ok()
                    })
                    .unwrap_or_default();
                if let Some(rate) = last_epoch_rate(&events) {
                    steps_alone.entry((h, batch)).or_default().push(rate);
                }
                std::fs::remove_dir_all(&scratch)
                    .with_context(|| format!("cannot remove {}", scratch.display()))?;
                let rate = summary["samples_per_second"]
                    .as_f64()
                    .with_context(|| format!("no samples_per_second in nn-tui's output: {out}"))?;
                ours.entry((h, batch)).or_default().push(rate);
            }
        }
        if let Some(python) = &args.torch_python {
            let out = run(Command::new(python).arg(&torch_script).args([
                "--widths",
                &list(&args.widths),
                "--batches",
                &list(&args.width_batches),
                "--threads",
                &threads,
            ]))?;
            for (h, batch, rate) in out.lines().filter_map(torch_width_line) {
                torch.entry((h, batch)).or_default().push(rate);
            }
        }
    }
    Ok(sweep_report(
        &ours,
        &steps_alone,
        &torch,
        args.width_threads,
    ))
}

/// `torch_widths.py`'s `H=1024 batch=512 samples/s=29872 best/s=31313`: the
/// width, the batch and the median rate (the fastest pass's, `best/s`, is for
/// the reader).
fn torch_width_line(line: &str) -> Option<(usize, usize, f64)> {
    Some((
        field(line, "H=")? as usize,
        field(line, "batch=")? as usize,
        field(line, "samples/s=")?,
    ))
}

/// The number of `line`'s first `name=value` field (`name` given with its `=`),
/// thousands separators allowed (`223,650`).
pub(crate) fn field(line: &str, name: &str) -> Option<f64> {
    line.split_whitespace()
        .find_map(|f| f.strip_prefix(name))
        .and_then(|v| v.replace(',', "").parse().ok())
}

/// The training steps' samples/s of the last epoch, from a run directory's
/// `events.jsonl` (its `end` record's summary).
fn last_epoch_rate(events: &str) -> Option<f64> {
    events
        .lines()
        .rev()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find_map(|record| record["end"]["summary"]["last_epoch"]["samples_per_second"].as_f64())
}

fn sweep_report(ours: &Sweep, steps_alone: &Sweep, torch: &Sweep, threads: usize) -> String {
    let mut out = format!(
        "\nwidth sweep: 784-H-H-10 relu/softmax, cross-entropy, SGD 0.01, {threads} threads; \
         ours through `nn-tui train --data mnist --epochs 1` (samples_per_second: the whole \
         run, its test pass on 10,000 samples included; and the epoch's training steps \
         alone), PyTorch the median of 3 passes over 20,480 samples (training steps alone); \
         medians over rounds\n\n\
         | batch | H | ours | PyTorch | ratio | ours, steps alone | ratio | steps alone, by round |\n\
         |---|---|---|---|---|---|---|---|\n"
    );
    let number = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{v:.0}"));
    let ratio = |o: Option<f64>, t: Option<f64>| match (o, t) {
        (Some(o), Some(t)) if t > 0.0 => format!("{:.2}x", o / t),
        _ => "-".into(),
    };
    for (&(h, batch), values) in ours {
        let o = median(values);
        let alone = steps_alone.get(&(h, batch)).and_then(|v| median(v));
        let t = torch.get(&(h, batch)).and_then(|v| median(v));
        let by_round = ratios_by_round(
            steps_alone.get(&(h, batch)).map_or(&[], Vec::as_slice),
            torch.get(&(h, batch)).map_or(&[], Vec::as_slice),
        );
        let _ = writeln!(
            out,
            "| {batch} | {h} | {} | {} | {} | {} | {} | {by_round} |",
            number(o),
            number(t),
            ratio(o, t),
            number(alone),
            ratio(alone, t),
        );
    }
    out
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

/// Reads lines like `W1 threads=2 samples/s=223,650 steps/s=6,989 GFLOP/s=98.1 ...` (both
/// tools print them) and the GEMM peak's `GEMM threads=2 GFLOP/s=300.2`.
fn collect(text: &str, runs: &mut Measures) {
    for line in text.lines() {
        let Some(name) = line
            .split_whitespace()
            .next()
            .filter(|n| n.starts_with('W') || *n == "GEMM")
        else {
            continue;
        };
        let Some(threads) = field(line, "threads=").map(|t| t as usize) else {
            continue;
        };
        let (samples, steps, gflops) = (
            field(line, "samples/s="),
            field(line, "steps/s="),
            field(line, "GFLOP/s="),
        );
        let key = (name.to_string(), threads);
        if let Some(g) = gflops {
            runs.gflops.entry(key.clone()).or_default().push(g);
        }
        // W4 is judged in optimizer steps per second, the others in samples per second.
        let value = if name == "W4" { steps } else { samples };
        if let Some(value) = value {
            runs.rates.entry(key).or_default().push(value);
        }
    }
}

/// The fraction `p` of a step that runs in parallel, by Amdahl's law from the
/// speed-up `s` that 2 threads give over 1: `s = 1 / ((1 - p) + p / 2)`.
fn parallel_fraction(one: f64, two: f64) -> f64 {
    (2.0 * (1.0 - one / two)).clamp(0.0, 1.0)
}

/// Amdahl's speed-up on `cores` cores for a parallel fraction `p`.
fn amdahl(p: f64, cores: f64) -> f64 {
    1.0 / ((1.0 - p) + p / cores)
}

/// Each round's ratio of `ours` to `theirs` (one value per round each, in
/// round order), as `1.02 / 1.14`: measured minutes apart rather than over the
/// whole session, so they show how far the machine's drift moved the ratio
/// (`-` when either side has no value).
pub(crate) fn ratios_by_round(ours: &[f64], theirs: &[f64]) -> String {
    if ours.is_empty() || theirs.is_empty() {
        return "-".into();
    }
    ours.iter()
        .zip(theirs)
        .map(|(o, t)| {
            if *t > 0.0 {
                format!("{:.2}", o / t)
            } else {
                "-".into()
            }
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Each round's `gflops` as a percentage of the same round's `peak`, as
/// ` (84 / 87)` (empty for fewer than two rounds): the peak drifts with the
/// machine as much as a workload does (141-186 GFLOP/s on one thread, one machine,
/// one day), so a fraction taken from the medians mixes moments minutes apart.
fn percents_by_round(gflops: &[f64], peak: &[f64]) -> String {
    if gflops.len() < 2 || peak.len() != gflops.len() {
        return String::new();
    }
    let each: Vec<String> = gflops
        .iter()
        .zip(peak)
        .map(|(g, p)| {
            if *p > 0.0 {
                format!("{:.0}", 100.0 * g / p)
            } else {
                "-".into()
            }
        })
        .collect();
    format!(" ({})", each.join(" / "))
}

/// PyTorch's better thread count: the larger of two rates, either one alone.
fn faster(one: Option<f64>, two: Option<f64>) -> Option<f64> {
    match (one, two) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The medians and ratios as a Markdown table.
fn report(ours: &Measures, torch: &Measures, rounds: usize) -> String {
    let get =
        |runs: &Runs, w: &str, t: usize| runs.get(&(w.to_string(), t)).and_then(|v| median(v));
    let fmt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.0}"));
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}x", a / b),
        _ => "-".into(),
    };
    let (peak1, peak2) = (get(&ours.gflops, "GEMM", 1), get(&ours.gflops, "GEMM", 2));
    let mut names: Vec<&String> = ours
        .rates
        .keys()
        .map(|(w, _)| w)
        .filter(|w| *w != "GEMM")
        .collect();
    names.dedup();
    let mut out = format!(
        "medians of {rounds} alternating rounds; samples/s (W4: steps/s)\n\
         GEMM peak (gemm, 2048^3): {} GFLOP/s on 1 thread, {} on 2\n\n\
         | | ours 1t | ours 2t | torch 1t | torch 2t | ours 2t / torch best | ours 2t / 1t \
         | ratio by round | GFLOP/s 2t | of peak 2t | parallel fraction | model 8 / 16 / 64 cores |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|\n",
        fmt(peak1),
        fmt(peak2)
    );
    for w in names {
        let (o1, o2) = (get(&ours.rates, w, 1), get(&ours.rates, w, 2));
        let (t1, t2) = (get(&torch.rates, w, 1), get(&torch.rates, w, 2));
        let best = faster(t1, t2);
        // Round by round: ours on two threads, PyTorch's faster thread count.
        let per_round =
            |runs: &Runs, t: usize| runs.get(&(w.clone(), t)).cloned().unwrap_or_default();
        let torch_best: Vec<f64> = {
            let (a, b) = (per_round(&torch.rates, 1), per_round(&torch.rates, 2));
            (0..a.len().max(b.len()))
                .map(|r| faster(a.get(r).copied(), b.get(r).copied()).unwrap_or(f64::NAN))
                .collect()
        };
        let by_round = ratios_by_round(&per_round(&ours.rates, 2), &torch_best);
        let g2 = get(&ours.gflops, w, 2);
        let of_peak = match (g2, peak2) {
            (Some(g), Some(p)) if p > 0.0 => format!(
                "{:.0}%{}",
                100.0 * g / p,
                percents_by_round(
                    &per_round(&ours.gflops, 2),
                    &ours
                        .gflops
                        .get(&("GEMM".to_string(), 2))
                        .cloned()
                        .unwrap_or_default()
                )
            ),
            _ => "-".into(),
        };
        let (fraction, model) = match (o1, o2) {
            (Some(a), Some(b)) if a > 0.0 && b > 0.0 => {
                let p = parallel_fraction(a, b);
                (
                    format!("{p:.2}"),
                    format!(
                        "{:.1} / {:.1} / {:.1}",
                        amdahl(p, 8.0),
                        amdahl(p, 16.0),
                        amdahl(p, 64.0)
                    ),
                )
            }
            _ => ("-".into(), "-".into()),
        };
        let _ = writeln!(
            out,
            "| {w} | {} | {} | {} | {} | {} | {} | {by_round} | {} | {of_peak} | {fraction} | {model} |",
            fmt(o1),
            fmt(o2),
            fmt(t1),
            fmt(t2),
            ratio(o2, best),
            ratio(o2, o1),
            g2.map_or_else(|| "-".into(), |g| format!("{g:.1}")),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_workload_on_each_thread_count_runs_alone_in_swapped_order() {
        assert_eq!(
            processes(1, "W1,W4"),
            [
                ("1", "W1", true),
                ("1", "W4", false),
                ("2", "W1", true),
                ("2", "W4", false)
            ]
        );
        assert_eq!(processes(2, "W3"), [("2", "W3", true), ("1", "W3", true)]);
    }

    #[test]
    fn reads_both_tools_lines_and_reports_ratios() {
        let mut ours = Measures::default();
        let mut torch = Measures::default();
        collect(
            "nn-train workloads: median of 3\nGEMM threads=1 GFLOP/s=100\nGEMM threads=2 GFLOP/s=200\nW1 threads=1 samples/s=100000 steps/s=3125 GFLOP/s=1\n\
             W1 threads=2 samples/s=200000 steps/s=6250 GFLOP/s=2\nW4 threads=2 samples/s=9 steps/s=450000 GFLOP/s=0\n",
            &mut ours,
        );
        collect(
            "torch 2.15\nW1 threads=1 samples/s=64,000 steps/s=2,000 GFLOP/s=30\n\
             W1 threads=2 samples/s=50,000 steps/s=1,562 GFLOP/s=20\nW4 threads=2 samples/s=30,000 steps/s=3,000 GFLOP/s=0\n",
            &mut torch,
        );
        let table = report(&ours, &torch, 1);
        assert!(table.contains("GEMM peak (gemm, 2048^3): 100 GFLOP/s on 1 thread, 200 on 2"));
        // 2 threads twice as fast as 1: all of the step ran in parallel.
        assert!(
            table.contains(
                "| W1 | 100000 | 200000 | 64000 | 50000 | 3.12x | 2.00x | 3.12 | 2.0 | 1% | 1.00 | 8.0 / 16.0 / 64.0 |"
            ),
            "{table}"
        );
        assert!(
            table.contains(
                "| W4 | - | 450000 | - | 3000 | 150.00x | - | 150.00 | 0.0 | 0% | - | - |"
            ),
            "{table}"
        );
    }

    #[test]
    fn each_round_pairs_our_figure_with_theirs_from_the_same_round() {
        // The machine slowed down between the rounds: the medians' ratio (1.25x)
        // hides that each round, measured minutes apart, gave 1.20 and 1.30.
        let (ours, theirs) = ([120.0, 65.0], [100.0, 50.0]);
        assert_eq!(ratios_by_round(&ours, &theirs), "1.20 / 1.30");
        assert_eq!(ratios_by_round(&ours, &[]), "-");
        assert_eq!(ratios_by_round(&[1.0], &[0.0]), "-");
        // PyTorch's best thread count is taken round by round.
        let mut ours = Measures::default();
        let mut torch = Measures::default();
        for (o, t1, t2) in [(300.0, 100.0, 150.0), (280.0, 200.0, 120.0)] {
            collect(
                &format!("W3 threads=2 samples/s={o} steps/s=1 GFLOP/s=1\n"),
                &mut ours,
            );
            collect(
                &format!(
                    "W3 threads=1 samples/s={t1} steps/s=1\nW3 threads=2 samples/s={t2} steps/s=1\n"
                ),
                &mut torch,
            );
        }
        let table = report(&ours, &torch, 2);
        assert!(table.contains("| 2.00 / 1.40 |"), "{table}");
    }

    #[test]
    fn the_fraction_of_the_peak_pairs_each_round_with_its_own_peak() {
        // The machine halved its speed between the rounds, the peak with it: each
        // round's fraction (85%, 90%) beside the medians' (130 of 150: 87%).
        let mut ours = Measures::default();
        for (peak, w3) in [(200.0, 170.0), (100.0, 90.0)] {
            collect(
                &format!(
                    "GEMM threads=2 GFLOP/s={peak}\nW3 threads=2 samples/s=1 steps/s=1 GFLOP/s={w3}\n"
                ),
                &mut ours,
            );
        }
        let table = report(&ours, &Measures::default(), 2);
        assert!(table.contains("| 87% (85 / 90) |"), "{table}");
        assert_eq!(percents_by_round(&[1.0], &[2.0]), "");
        assert_eq!(percents_by_round(&[1.0, 2.0], &[2.0]), "");
    }

    #[test]
    fn amdahl_fraction_from_one_and_two_threads() {
        // 1.6x on 2 threads: p = 2 (1 - 1/1.6) = 0.75; on 8 cores 1 / (0.25 + 0.75/8).
        let p = parallel_fraction(100.0, 160.0);
        assert!((p - 0.75).abs() < 1e-12);
        assert!((amdahl(p, 8.0) - 1.0 / (0.25 + 0.75 / 8.0)).abs() < 1e-12);
        assert_eq!(parallel_fraction(100.0, 90.0), 0.0);
    }

    #[test]
    fn width_sweep_reads_nn_tui_json_and_torch_lines() {
        let events = concat!(
            r#"{"t":0.0,"state":"Running"}"#,
            "\n",
            r#"{"t":1.2,"end":{"status":"finished","summary":{"samples_per_second":900.5,"last_epoch":{"epoch":1,"samples_per_second":1000.25}}}}"#,
            "\n"
        );
        assert_eq!(last_epoch_rate(events), Some(1000.25));
        assert_eq!(last_epoch_rate(r#"{"t":0.0,"state":"Running"}"#), None);
        assert_eq!(
            torch_width_line("H=1024 batch=512 samples/s=29872 best/s=31313"),
            Some((1024, 512, 29872.0))
        );
        assert_eq!(torch_width_line("torch 2.15.0"), None);
        let mut ours = Sweep::new();
        ours.entry((256, 512)).or_default().push(200.0);
        let mut alone = Sweep::new();
        alone.entry((256, 512)).or_default().push(250.0);
        let mut torch = Sweep::new();
        torch.entry((256, 512)).or_default().push(100.0);
        let table = sweep_report(&ours, &alone, &torch, 2);
        assert!(
            table.contains("| 512 | 256 | 200 | 100 | 2.00x | 250 | 2.50x | 2.50 |"),
            "{table}"
        );
    }
}
