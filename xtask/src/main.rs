//! Developer tasks, run through the `cargo xtask` alias (plain Rust instead of
//! shell scripts). `cargo xtask gen-data` writes one CSV per generator into
//! `datasets/`; `cargo xtask gen-data --check` fails if any committed file is stale;
//! `cargo xtask bench` measures the trainer against PyTorch side by side;
//! `cargo xtask bench-predict` measures `nn-tui predict` against pandas + ONNX Runtime;
//! `cargo xtask soak` leaves the dashboard running and samples its memory;
//! `cargo xtask man` writes the manual pages; `cargo xtask gen-onnx [--check]`
//! regenerates (or checks) the ONNX protobuf types; `cargo xtask pictures` makes the
//! README's pictures again.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
/// The project's atomic writer (temp file, fsync, rename), as every crate uses it.
use nn_atomic_write::write_atomically;
use nn_data::{
    DEFAULT_SAMPLES, DEFAULT_SEED, Dataset, GENERATORS, Inputs, Targets, default_noise,
    to_csv_string,
};

mod bench;
mod bench_mpi;
mod bench_predict;
mod bench_sweep;
mod bench_sweep_cores;
mod bench_sweep_split;
mod gen_onnx;
mod man;
mod median;
mod pictures;
mod plot;
mod soak;

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "Developer tasks for this workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write one CSV per dataset generator (xor.csv, circle.csv, ...), or check them.
    GenData(GenData),
    /// Time the trainer workloads W1-W4, alternating with PyTorch's, and print the ratios.
    Bench(bench::Bench),
    /// Time `nn-tui predict` and the forward pass against pandas + ONNX Runtime, alternating.
    BenchPredict(bench_predict::BenchPredict),
    /// Time `nn-tui sweep --folds` against scikit-learn's GridSearchCV, alternating.
    BenchSweep(bench_sweep::BenchSweep),
    /// A sweep of many small trials: cores busy, overhead a trial, and over `mpirun -np R`.
    BenchSweepCores(bench_sweep_cores::BenchSweepCores),
    /// Time W1-W3 on `mpirun -np 2` against one process with two threads (needs Open MPI).
    BenchMpi(bench_mpi::BenchMpi),
    /// Leave the dashboard running in tmux and sample its memory.
    Soak(soak::Soak),
    /// Write the manual pages: nn-tui.1 and one per subcommand (nn-tui-train.1, ...).
    Man(man::Man),
    /// Regenerate nn-onnx's Rust types from the committed onnx.proto, or check them.
    GenOnnx(gen_onnx::GenOnnx),
    /// Make the README's pictures (docs/pictures/) again by the commands it gives.
    Pictures(pictures::Pictures),
}

#[derive(Debug, Args)]
struct GenData {
    /// Folder to write into (default: the workspace's `datasets/`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seed of every generator.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Samples per dataset.
    #[arg(long, default_value_t = DEFAULT_SAMPLES)]
    samples: usize,
    /// Noise for every generator (default: each generator's own, see datasets/README.md).
    #[arg(long)]
    noise: Option<f32>,
    /// Only these generators, comma separated; a formula (`'formula:x1*x2 > 0'`) too.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Regenerate in memory and fail, naming the file, if anything differs from what is in the folder.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::GenData(args) => gen_data(&args),
        Command::Bench(args) => bench::bench(&args),
        Command::BenchMpi(args) => bench_mpi::bench_mpi(&args),
        Command::BenchSweep(args) => bench_sweep::bench_sweep(&args),
        Command::BenchSweepCores(args) => bench_sweep_cores::bench_sweep_cores(&args),
        Command::BenchPredict(args) => bench_predict::bench_predict(&args),
        Command::Soak(args) => soak::soak(&args),
        Command::Man(args) => man::man(&args),
        Command::GenOnnx(args) => gen_onnx::gen_onnx(&args),
        Command::Pictures(args) => pictures::pictures(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The file a data set is written to: its name, a formula's characters that do
/// not belong in a file name as `_` (`formula:x1*x2 > 0` -> `formula_x1_x2___0.csv`).
fn csv_name(dataset: &Dataset) -> String {
    let stem: String = dataset
        .name()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{stem}.csv")
}

/// The generated datasets and their CSV text, in [`GENERATORS`] order.
fn generate_all(args: &GenData) -> anyhow::Result<Vec<(Dataset, String)>> {
    let names: Vec<&str> = if args.only.is_empty() {
        GENERATORS.to_vec()
    } else {
        args.only.iter().map(String::as_str).collect()
    };
    names
        .into_iter()
        .map(|name| {
            let noise = args.noise.or_else(|| default_noise(name)).unwrap_or(0.0);
            let dataset = nn_data::generate(name, args.samples, noise, args.seed)?;
            let text = to_csv_string(&dataset);
            Ok((dataset, text))
        })
        .collect()
}

fn gen_data(args: &GenData) -> anyhow::Result<()> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| workspace_root().join("datasets"));
    let generated = generate_all(args)?;
    if args.check {
        let stale = stale_files(&out, &generated);
        if stale.is_empty() {
            println!(
                "{} datasets in {} are up to date",
                generated.len(),
                out.display()
            );
            return Ok(());
        }
        bail!(
            "{} differ{} from what `cargo xtask gen-data` generates; run it and commit the result",
            stale.join(", "),
            if stale.len() == 1 { "s" } else { "" }
        );
    }
    fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    for (dataset, text) in &generated {
        let path = out.join(csv_name(dataset));
        write_atomically(&path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
        println!("{}", summary(dataset));
        for line in plot::scatter(dataset, 40, 16) {
            println!("    {line}");
        }
    }
    Ok(())
}

/// Paths in `dir` whose bytes differ from the generated text (or that are missing).
fn stale_files(dir: &Path, generated: &[(Dataset, String)]) -> Vec<String> {
    generated
        .iter()
        .filter_map(|(dataset, text)| {
            let path = dir.join(csv_name(dataset));
            let fresh = fs::read(&path).is_ok_and(|bytes| bytes == text.as_bytes());
            (!fresh).then(|| path.display().to_string())
        })
        .collect()
}

/// One line: name, rows, features, and class balance or target range.
fn summary(dataset: &Dataset) -> String {
    let head = format!(
        "{:<12} {:>5} rows  {} feature{}",
        csv_name(dataset),
        dataset.len(),
        dataset.dim(),
        if dataset.dim() == 1 { " " } else { "s" }
    );
    match dataset.targets() {
        Targets::Classes(_) => {
            let balance: Vec<String> = dataset
                .class_counts()
                .iter()
                .zip(dataset.class_names())
                .map(|(n, name)| format!("{name}:{n}"))
                .collect();
            format!(
                "{head}  {} classes  {}",
                dataset.class_names().len(),
                balance.join(" ")
            )
        }
        Targets::Values(values) => {
            let (lo, hi) = min_max(values);
            format!("{head}  regression  y in [{lo:.3}, {hi:.3}]")
        }
    }
}

fn min_max(values: &[f32]) -> (f32, f32) {
    values
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// Column `j` of an `f32` input matrix.
fn column(dataset: &Dataset, j: usize) -> Vec<f32> {
    let dim = dataset.dim();
    match dataset.inputs() {
        Inputs::F32(v) => v.iter().skip(j).step_by(dim).copied().collect(),
        Inputs::U8(v) => v
            .iter()
            .skip(j)
            .step_by(dim)
            .map(|&b| f32::from(b))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> GenData {
        GenData {
            out: None,
            seed: DEFAULT_SEED,
            samples: DEFAULT_SAMPLES,
            noise: None,
            only: Vec::new(),
            check: true,
        }
    }

    /// `cargo xtask gen-data --check` as a test, so a stale committed CSV fails `cargo test`.
    #[test]
    fn committed_datasets_are_up_to_date() {
        let generated = generate_all(&defaults()).unwrap();
        let stale = stale_files(&workspace_root().join("datasets"), &generated);
        assert!(
            stale.is_empty(),
            "stale: {stale:?}; run `cargo xtask gen-data`"
        );
    }

    #[test]
    fn check_names_the_stale_file_and_write_is_atomic() {
        let dir = std::env::temp_dir().join(format!("xtask-gen-data-{}", std::process::id()));
        let args = GenData {
            out: Some(dir.clone()),
            only: vec!["xor".into(), "sine".into()],
            check: false,
            ..defaults()
        };
        gen_data(&args).unwrap();
        let checking = GenData {
            check: true,
            ..args
        };
        gen_data(&checking).unwrap();
        fs::write(dir.join("sine.csv"), "x1,y\n").unwrap();
        let err = gen_data(&checking).unwrap_err().to_string();
        assert!(err.contains("sine.csv differs"), "{err}");
        assert!(!err.contains("xor.csv"), "{err}");
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unknown_generator_is_an_error() {
        let args = GenData {
            only: vec!["nope".into()],
            ..defaults()
        };
        assert!(
            generate_all(&args)
                .unwrap_err()
                .to_string()
                .contains("unknown dataset generator `nope`")
        );
    }

    #[test]
    fn a_formula_is_generated_into_a_plain_file_name() {
        let args = GenData {
            only: vec!["formula:x1*x2 > 0".into()],
            samples: 20,
            ..defaults()
        };
        let generated = generate_all(&args).unwrap();
        assert_eq!(csv_name(&generated[0].0), "formula_x1_x2___0.csv");
        assert_eq!(generated[0].0.len(), 20);
    }

    #[test]
    fn summary_lines() {
        let d = nn_data::xor(10, 0.0, 1);
        assert_eq!(
            summary(&d),
            "xor.csv         10 rows  2 features  2 classes  0:5 1:5"
        );
        let d = nn_data::sine(10, 0.0, 1);
        assert!(summary(&d).starts_with("sine.csv        10 rows  1 feature   regression  y in ["));
    }
}
