//! `mpirun -np N nn-tui train` on loopback (the binary's `mpi` feature): the
//! model of one process for any N, a resume under another N, a killed rank
//! ending the job, ranks started with different flags refused; `mpirun -np N
//! nn-tui sweep`: the results and trials of one process for 2 and 4 ranks, and a
//! rank that dies stopping the sweep, which `--resume` finishes.
//!
//! Needs Open MPI's `mpirun` (`.ci/run` installs it). As root, Open MPI wants
//! `OMPI_ALLOW_RUN_AS_ROOT*` set; the tests set them for their own runs.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// `mpirun` with `ranks` copies of the binary, all given `args`, in `dir`.
fn mpirun(ranks: usize) -> Command {
    nn_test_support::mpirun(ranks, "none")
}

fn run_ranks(ranks: usize, dir: &Path, args: &[&str]) -> Output {
    let out = mpirun(ranks)
        .arg(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("mpirun runs");
    assert!(
        out.status.success(),
        "mpirun -np {ranks} {args:?} failed: {}",
        text(&out.stderr)
    );
    out
}

/// The per-epoch losses and accuracies of a `--metrics-out` file (its timings dropped).
fn curve(path: &Path) -> Vec<String> {
    let csv = std::fs::read_to_string(path).expect("the metrics file");
    csv.lines()
        .map(|line| {
            line.rsplit_once(',')
                .expect("a seconds column")
                .0
                .to_string()
        })
        .collect()
}

/// Trains with `args` on one process (the mpi build outside mpirun) and on each of
/// `ranks`; every model file and loss curve must be the one process's, byte for byte.
fn same_model_on(ranks: &[usize], dir: &Path, args: &[&str]) {
    let one = run(
        dir,
        &[
            args,
            &["--save", "one.safetensors", "--metrics-out", "one.csv"],
        ]
        .concat(),
    );
    assert!(one.status.success(), "{}", text(&one.stderr));
    let expected = std::fs::read(dir.join("one.safetensors")).unwrap();
    for &n in ranks {
        let (model, metrics) = (format!("np{n}.safetensors"), format!("np{n}.csv"));
        let out = run_ranks(
            n,
            dir,
            &[args, &["--save", &model, "--metrics-out", &metrics]].concat(),
        );
        // Rank 0 alone reports: one summary, one start line.
        let stdout = text(&out.stdout);
        assert_eq!(stdout.matches("trained ").count(), 1, "{stdout}");
        // Without --threads, the machine's cores are shared among its ranks.
        let threads = if args.contains(&"--threads") {
            1
        } else {
            let cores = std::thread::available_parallelism().map_or(1, usize::from);
            (cores / n).max(1)
        };
        assert!(
            text(&out.stderr).contains(&format!("{n} ranks x {threads} threads")),
            "{}",
            text(&out.stderr)
        );
        assert!(
            std::fs::read(dir.join(&model)).unwrap() == expected,
            "{n} ranks: the model differs from one process's ({args:?})"
        );
        assert_eq!(
            curve(&dir.join(&metrics)),
            curve(&dir.join("one.csv")),
            "{n} ranks: the loss curve differs"
        );
    }
}

#[test]
fn mpi_spiral_on_two_and_four_ranks_gives_the_one_process_model() {
    let dir = tempdir();
    // Batch 128: four shards of 32 per batch, so four ranks get one each; the
    // 400 training samples leave a last batch of 16 (one shard). No --threads:
    // each rank takes its share of the cores.
    let args = [
        "train", "--data", "spiral", "--batch", "128", "--epochs", "15",
    ];
    same_model_on(&[2, 4], dir.path(), &args);
}

/// Writes the first `n` images and labels of a shipped MNIST part as raw IDX files.
fn mnist_subset(to: &Path, part: &str, n: usize) {
    use std::io::Read;
    let from = workspace().join("datasets/mnist");
    for (kind, header, bytes_per_item) in [("images-idx3", 16, 784), ("labels-idx1", 8, 1)] {
        let name = format!("{part}-{kind}-ubyte");
        let gz = std::fs::File::open(from.join(format!("{name}.gz"))).unwrap();
        let mut bytes = vec![0u8; header + n * bytes_per_item];
        flate2::read::GzDecoder::new(gz)
            .read_exact(&mut bytes)
            .unwrap();
        // The count is the big-endian u32 after the magic number.
        bytes[4..8].copy_from_slice(&(n as u32).to_be_bytes());
        std::fs::write(to.join(name), bytes).unwrap();
    }
}

#[test]
fn mpi_mnist_subset_on_two_and_four_ranks_gives_the_one_process_model() {
    let dir = tempdir();
    let digits = dir.path().join("digits");
    std::fs::create_dir(&digits).unwrap();
    mnist_subset(&digits, "train", 1000);
    mnist_subset(&digits, "t10k", 200);
    // 784-256-10 at batch 128: shards of 32 samples (39 MFLOP), which each rank
    // runs as one batch (its products over all its rows at once); 1000 samples
    // end each epoch with a batch of 104, its last shard 8 samples.
    let args = [
        "train",
        "--data",
        "digits",
        "--hidden",
        "256",
        "--optimizer",
        "adam",
        "--lr",
        "0.001",
        "--batch",
        "128",
        "--epochs",
        "2",
        "--threads",
        "1",
    ];
    same_model_on(&[2, 4], dir.path(), &args);
}

#[test]
fn mpi_checkpoint_of_two_ranks_resumes_on_three_and_on_one() {
    let dir = tempdir();
    let d = dir.path();
    let common = [
        "train",
        "--data",
        "moons",
        "--batch",
        "64",
        "--threads",
        "1",
        "--optimizer",
        "adam",
    ];
    let straight = run(
        d,
        &[
            &common[..],
            &["--epochs", "6", "--save", "straight.safetensors"],
        ]
        .concat(),
    );
    assert!(straight.status.success(), "{}", text(&straight.stderr));
    run_ranks(
        2,
        d,
        &[&common[..], &["--epochs", "3", "--checkpoint-dir", "ck"]].concat(),
    );
    let resume = ["--resume", "ck/checkpoint.safetensors", "--epochs", "6"];
    run_ranks(
        3,
        d,
        &[&common[..], &resume, &["--save", "three.safetensors"]].concat(),
    );
    let one = run(
        d,
        &[&common[..], &resume, &["--save", "one.safetensors"]].concat(),
    );
    assert!(one.status.success(), "{}", text(&one.stderr));
    let expected = std::fs::read(d.join("straight.safetensors")).unwrap();
    for name in ["three.safetensors", "one.safetensors"] {
        assert!(
            std::fs::read(d.join(name)).unwrap() == expected,
            "{name}: resumed from 2 ranks, differs from the straight run"
        );
    }
}

/// The ranks `mpirun` started: its children running the binary.
fn ranks_of(mpirun: u32) -> Vec<u32> {
    let children = std::fs::read_to_string(format!("/proc/{mpirun}/task/{mpirun}/children"))
        .unwrap_or_default();
    children
        .split_whitespace()
        .filter_map(|pid| pid.parse().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmd| cmd.contains("nn-tui"))
        })
        .collect()
}

#[test]
fn mpi_a_killed_rank_ends_the_job_with_a_failure_within_10_s() {
    let dir = tempdir();
    let mut job = mpirun(2)
        .arg(BIN)
        .args([
            "train",
            "--data",
            "spiral",
            "--epochs",
            "1000000",
            "--threads",
            "1",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mpirun starts");
    // Rank 0's first epoch line: both ranks are past start-up and training.
    let mut stderr = BufReader::new(job.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 && !line.starts_with("epoch ") {
        line.clear();
    }
    assert!(line.starts_with("epoch "), "the job never trained");
    let ranks = ranks_of(job.id());
    assert_eq!(ranks.len(), 2, "two ranks under mpirun: {ranks:?}");
    let victim = ranks[1].to_string();
    let killed = Instant::now();
    let status = Command::new("kill").args(["-9", &victim]).status().unwrap();
    assert!(status.success());
    // Keep reading so mpirun never blocks on a full pipe.
    let reader = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut rest);
        rest
    });
    let status = loop {
        if let Some(status) = job.try_wait().unwrap() {
            break status;
        }
        if killed.elapsed() > Duration::from_secs(10) {
            let _ = job.kill();
            panic!("the job still runs 10 s after a rank was killed");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let said = reader.join().unwrap();
    assert!(!status.success(), "the job exited 0 after losing a rank");
    assert!(
        said.contains("signal 9"),
        "mpirun names the killed rank: {said}"
    );
}

#[test]
fn mpi_ranks_with_different_flags_are_refused() {
    let dir = tempdir();
    let rank = |lr: &'static str| ["train", "--data", "spiral", "--epochs", "1", "--lr", lr];
    let out = mpirun(1)
        .arg(BIN)
        .args(rank("0.1"))
        .args([":", "-np", "1"])
        .arg(BIN)
        .args(rank("0.2"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the ranks' settings, data or starting weights differ"),
        "{stderr}"
    );
    assert!(
        !text(&out.stdout).contains("trained"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn mpi_ctrl_c_stops_every_rank_after_the_same_step_with_a_checkpoint() {
    let dir = tempdir();
    let d = dir.path();
    let common = [
        "train",
        "--data",
        "moons",
        "--batch",
        "64",
        "--threads",
        "1",
        // Adam's state is current on each rank only in its own piece until
        // the ranks agree to stop: the checkpoint must hold all of it.
        "--optimizer",
        "adam",
    ];
    let mut job = mpirun(2)
        .arg(BIN)
        .args(common)
        .args(["--epochs", "1000000", "--checkpoint-dir", "ck"])
        .args(["--checkpoint-every", "1000000", "--save", "m.safetensors"])
        .current_dir(d)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mpirun starts");
    let mut stderr = BufReader::new(job.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 && !line.starts_with("epoch ") {
        line.clear();
    }
    assert!(line.starts_with("epoch "), "the job never trained");
    // Ctrl-C in a terminal: mpirun passes it on to every rank.
    let status = Command::new("kill")
        .args(["-INT", &job.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let reader = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut rest);
        rest
    });
    let asked = Instant::now();
    let status = loop {
        if let Some(status) = job.try_wait().unwrap() {
            break status;
        }
        if asked.elapsed() > Duration::from_secs(20) {
            let _ = job.kill();
            panic!("the job still runs 20 s after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let said = reader.join().unwrap();
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut job.stdout.take().unwrap(), &mut stdout).unwrap();
    assert!(!status.success(), "an interrupted job exits non-zero");
    assert!(stdout.starts_with("interrupted after "), "{stdout}\n{said}");
    assert!(
        said.contains("--resume ck/checkpoint.safetensors"),
        "{said}"
    );
    assert!(d.join("m.safetensors").is_file());
    // The ranks stopped together, so the checkpoint is one consistent run:
    // resumed to a later epoch on one process, it matches a run straight there.
    let epochs: usize = stdout["interrupted after ".len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("interrupted after N epochs");
    let target = (epochs + 2).to_string();
    for (name, extra) in [
        (
            "resumed.safetensors",
            &["--resume", "ck/checkpoint.safetensors"][..],
        ),
        ("straight.safetensors", &[][..]),
    ] {
        let out = run(
            d,
            &[&common[..], extra, &["--epochs", &target, "--save", name]].concat(),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    assert!(
        std::fs::read(d.join("resumed.safetensors")).unwrap()
            == std::fs::read(d.join("straight.safetensors")).unwrap(),
        "the interrupted job's checkpoint, resumed, differs from a straight run"
    );
}

/// A sweep directory's results in job order with their timings left out, and
/// every trial's run directory: its files' names, and its model's bytes.
type SweepOutcome = (
    Vec<serde_json::Value>,
    std::collections::BTreeMap<String, (Vec<String>, Vec<u8>)>,
);

fn sweep_outcome(dir: &Path) -> SweepOutcome {
    let text = std::fs::read_to_string(dir.join("results.jsonl")).expect("results.jsonl");
    let mut results: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a whole result"))
        .collect();
    for r in &mut results {
        let fields = r.as_object_mut().expect("a result is an object");
        for timing in ["seconds", "train_seconds", "train_cpu_seconds"] {
            assert!(fields.remove(timing).is_some(), "{timing} in {fields:?}");
        }
    }
    results.sort_by_key(|r| (r["trial"].as_u64(), r["fold"].as_u64()));
    let mut trials = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(dir.join("trials")).expect("trials/") {
        let path = entry.unwrap().path();
        let mut names: Vec<String> = std::fs::read_dir(&path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let model = std::fs::read(path.join("model.safetensors")).expect("a trial's model");
        trials.insert(
            path.file_name().unwrap().to_string_lossy().into_owned(),
            (names, model),
        );
    }
    (results, trials)
}

/// A sweep's report with its folder's name taken out.
fn report_of(out: &Output, dir: &str) -> String {
    text(&out.stdout).replace(&format!("{dir}/"), "DIR/")
}

#[test]
fn mpi_sweep_on_two_and_four_ranks_gives_the_one_process_results() {
    let dir = tempdir();
    let specs: [&[&str]; 2] = [
        &[
            "sweep",
            "--data",
            "xor",
            "--grid",
            "lr=0.01,0.1",
            "--grid",
            "hidden=4,8",
            "--seeds",
            "2",
            "--epochs",
            "4",
        ],
        // Folds: every trial a job per fold, and the winner trained again on rank 0.
        &[
            "sweep",
            "--data",
            "circle",
            "--grid",
            "lr=0.03,0.3",
            "--folds",
            "2",
            "--epochs",
            "3",
        ],
    ];
    for (s, spec) in specs.iter().enumerate() {
        let one_dir = format!("one{s}");
        let one = run(dir.path(), &[spec, &["--dir", &one_dir][..]].concat());
        assert!(one.status.success(), "{}", text(&one.stderr));
        let expected = sweep_outcome(&dir.path().join(&one_dir));
        assert!(!expected.0.is_empty());
        for n in [2, 4] {
            let np_dir = format!("np{n}-{s}");
            let out = run_ranks(n, dir.path(), &[spec, &["--dir", &np_dir][..]].concat());
            let stderr = text(&out.stderr);
            assert!(stderr.contains(&format!("on {n} MPI ranks")), "{stderr}");
            assert_eq!(
                sweep_outcome(&dir.path().join(&np_dir)),
                expected,
                "{n} ranks: results or trials differ from one process's ({spec:?})"
            );
            // Rank 0 alone reports, and the report is one process's.
            assert_eq!(report_of(&out, &np_dir), report_of(&one, &one_dir));
        }
    }
}

#[test]
fn mpi_sweep_stops_when_a_rank_dies_and_resume_finishes_it() {
    let dir = tempdir();
    let spec = [
        "sweep",
        "--data",
        "xor",
        "--grid",
        "lr=0.01,0.03,0.1",
        "--seeds",
        "4",
        "--epochs",
        "30",
    ];
    let one = run(dir.path(), &[&spec[..], &["--dir", "one"]].concat());
    assert!(one.status.success(), "{}", text(&one.stderr));
    // Rank 1 exits right after sending its first result, holding the job its
    // second thread had already asked for.
    let died = mpirun(2)
        .env("NN_TUI_TEST_SWEEP_RANK_DIES", "1:1")
        .arg(BIN)
        .args([&spec[..], &["--dir", "died"]].concat())
        .current_dir(dir.path())
        .output()
        .expect("mpirun runs");
    assert!(!died.status.success());
    let stderr = text(&died.stderr);
    assert!(stderr.contains("rank 1 did not send back t0"), "{stderr}");
    assert!(
        stderr.contains("continue with nn-tui sweep --resume died"),
        "{stderr}"
    );
    let recorded = sweep_outcome(&dir.path().join("died")).0.len();
    assert!((1..12).contains(&recorded), "{recorded} of 12 recorded");
    // Resumed on two ranks (no rank dies now): the sweep ends as one process's.
    let resumed = run_ranks(2, dir.path(), &["sweep", "--resume", "died"]);
    assert!(
        text(&resumed.stderr).contains(&format!("({recorded} kept from before)")),
        "{}",
        text(&resumed.stderr)
    );
    assert_eq!(
        sweep_outcome(&dir.path().join("died")),
        sweep_outcome(&dir.path().join("one"))
    );
}

#[test]
fn mpi_sweep_refuses_halving_once_before_making_its_folder() {
    let dir = tempdir();
    let out = mpirun(2)
        .arg(BIN)
        .args([
            "sweep",
            "--data",
            "xor",
            "--grid",
            "lr=0.01,0.1",
            "--epochs",
            "4",
            "--halving",
            "--dir",
            "halving",
        ])
        .current_dir(dir.path())
        .output()
        .expect("mpirun runs");
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr.matches("--halving: a sweep over MPI ranks").count(),
        1,
        "{stderr}"
    );
    assert!(!dir.path().join("halving").exists());
}
