//! `nn-tui predict` at scale and in its formats: a CSV far larger than the memory
//! bound streams through in bounded memory; `--columns`, `--proba`, `--format`; and
//! empty data is an error naming the file or folder for predict, eval and train.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use nn_test_support::peak_rss_kb;

/// A moons model the tests keep: columns x1, x2, classes 0 and 1.
fn moons_model() -> String {
    workspace()
        .join("tests/e2e/fixtures/moons-csv.safetensors")
        .display()
        .to_string()
}

/// The most memory predict may use on any input: 64 MB.
const BOUND_BYTES: u64 = 64 << 20;

/// A CSV of `mb` megabytes (256 by default, `NN_TUI_PREDICT_MB` to change: 1024 for the
/// README's figure) goes through predict into a file; its peak resident set, sampled from
/// /proc while it runs, stays under 64 MB, and every row comes out.
#[test]
fn a_large_csv_streams_in_bounded_memory() {
    let dir = tempdir();
    let d = dir.path();
    let mb: u64 = std::env::var("NN_TUI_PREDICT_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    // Distinct rows, repeated: generating stays a small part of the test's time.
    let mut block = String::new();
    for i in 0..1000 {
        let t = f64::from(i) * 0.00314;
        let _ = writeln!(
            block,
            "{:.6},{:.6},{}",
            t.cos() * 1.5,
            t.sin() - 0.25,
            i % 2
        );
    }
    let input = d.join("large.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    file.write_all(b"x1,x2,label\n").unwrap();
    let blocks = (mb << 20) / block.len() as u64 + 1;
    for _ in 0..blocks {
        file.write_all(block.as_bytes()).unwrap();
    }
    file.flush().unwrap();
    drop(file);
    let size = std::fs::metadata(&input).unwrap().len();

    let start = Instant::now();
    let mut child = Command::new(BIN)
        .args(["predict", "--model", &moons_model(), "--input", "large.csv"])
        .args(["--output", "out.csv"])
        .current_dir(d)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut peak = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        peak = peak.max(peak_rss_kb(Some(child.id())).unwrap_or(0) * 1024);
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{stderr}");
    eprintln!(
        "predict on {:.0} MB: peak RSS {:.1} MB (bound {} MB), {:.1} s",
        size as f64 / 1e6,
        peak as f64 / 1e6,
        BOUND_BYTES >> 20,
        elapsed.as_secs_f64()
    );
    assert!(peak > 0, "no sample of the child's memory");
    assert!(peak <= BOUND_BYTES, "peak RSS {peak} bytes > {BOUND_BYTES}");
    let lines = bytecount_lines(&d.join("out.csv"));
    assert_eq!(lines, blocks * 1000 + 1, "every row and the header");
}

/// Lines of a file, read in pieces.
fn bytecount_lines(path: &Path) -> u64 {
    let mut file = std::fs::File::open(path).unwrap();
    let mut buf = vec![0; 1 << 20];
    let mut lines = 0;
    loop {
        let n = std::io::Read::read(&mut file, &mut buf).unwrap();
        if n == 0 {
            return lines;
        }
        lines += buf[..n].split(|&b| b == b'\n').count() as u64 - 1;
    }
}

#[test]
fn columns_proba_and_formats() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::write(
        d.join("p.csv"),
        "id,x2,x1,label,note\na7,0.5,-1.0,0,\"x, y\"\nb8,-0.3,1.2,1,z\n",
    )
    .unwrap();
    let model = moons_model();
    let predict = |extra: &[&str]| {
        let out = run(
            d,
            &[&["predict", "--model", &model, "--input", "p.csv"], extra].concat(),
        );
        assert!(out.status.success(), "{extra:?}: {}", text(&out.stderr));
        out.stdout
    };
    // By default: the id and label columns, then the class and its probability.
    let csv = text(&predict(&[]));
    let (header, rows) = csv_rows(&csv);
    assert_eq!(header, ["id", "label", "class", "probability"]);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][..2], ["a7", "0"]);

    let csv = text(&predict(&["--columns", "none", "--proba"]));
    let (header, rows) = csv_rows(&csv);
    assert_eq!(header, ["class", "0", "1"]);
    for row in &rows {
        let p: Vec<f64> = row[1..].iter().map(|v| v.parse().unwrap()).collect();
        assert!((p[0] + p[1] - 1.0).abs() < 1e-5, "{row:?}");
        let class: usize = row[0].parse().unwrap();
        assert!(p[class] >= 0.5, "{row:?}");
    }
    // A field with a comma is quoted again; all: every column in the file's order.
    let csv = text(&predict(&["--columns", "note,x1"]));
    assert!(
        csv.starts_with("note,x1,class,probability\n\"x, y\",-1.0,"),
        "{csv}"
    );
    let csv = text(&predict(&["--columns", "all"]));
    assert!(
        csv.starts_with("id,x2,x1,label,note,class,probability\n"),
        "{csv}"
    );

    let jsonl = text(&predict(&["--format", "jsonl", "--proba"]));
    let lines: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], "a7");
    let class = lines[0]["class"].as_str().unwrap();
    assert!(lines[0][class].as_f64().unwrap() >= 0.5, "{}", lines[0]);

    // npy: the classes as int64, or with --proba the probabilities as float32 [rows, 2].
    let npy = predict(&["--format", "npy"]);
    assert!(npy.starts_with(b"\x93NUMPY\x01\x00"));
    let header = text(&npy[10..128]);
    assert!(
        header.contains("'descr': '<i8'") && header.contains("'shape': (2,)"),
        "{header}"
    );
    assert_eq!(npy.len(), 128 + 2 * 8);
    let out = run(
        d,
        &[
            "predict", "--model", &model, "--input", "p.csv", "--format", "npy", "--proba",
        ],
    );
    assert!(out.status.success());
    assert!(text(&out.stdout[10..128]).contains("'<f4', 'fortran_order': False, 'shape': (2, 2)"));
    let file = run(
        d,
        &[
            "predict", "--model", &model, "--input", "p.csv", "--format", "npy", "--proba",
            "--output", "p.npy",
        ],
    );
    assert!(file.status.success(), "{}", text(&file.stderr));
    assert_eq!(
        std::fs::read(d.join("p.npy")).unwrap(),
        out.stdout,
        "file and stdout agree"
    );

    // Mistakes name the flag.
    let err = |args: &[&str]| {
        let out = run(
            d,
            &[&["predict", "--model", &model, "--input", "p.csv"], args].concat(),
        );
        assert!(!out.status.success());
        text(&out.stderr)
    };
    assert_eq!(
        err(&["--columns", "nope"]),
        "error: --columns: no column `nope` in p.csv; its columns are id, x2, x1, label, note\n"
    );
    assert!(
        err(&["--format", "npy", "--columns", "id"]).starts_with("error: --columns: npy holds")
    );
}

/// Empty data is one line naming the file or folder and what was expected.
#[test]
fn empty_data_is_an_error_naming_it() {
    let dir = tempdir();
    let d = dir.path();
    let model = moons_model();
    std::fs::write(d.join("header.csv"), "x1,x2,label\n").unwrap();
    std::fs::write(d.join("empty.csv"), "").unwrap();
    for (file, expected) in [
        (
            "header.csv",
            "error: header.csv:1: no data rows after the header\n",
        ),
        (
            "empty.csv",
            "error: empty.csv: empty file: expected a header row\n",
        ),
    ] {
        let out = run(d, &["predict", "--model", &model, "--input", file]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(text(&out.stderr), expected);
        assert_eq!(text(&out.stdout), "");
    }
    // A predict into a file that fails leaves no file.
    let out = run(
        d,
        &[
            "predict",
            "--model",
            &model,
            "--input",
            "header.csv",
            "--output",
            "o.csv",
        ],
    );
    assert!(!out.status.success());
    assert!(!d.join("o.csv").exists());

    // An IDX folder with no images: train and eval name it.
    let empty = d.join("mnist-empty");
    std::fs::create_dir(&empty).unwrap();
    let idx = |magic: u8, dims: &[u32]| {
        let mut bytes = vec![0, 0, 8, magic];
        for &n in dims {
            bytes.extend_from_slice(&n.to_be_bytes());
        }
        bytes
    };
    for (name, bytes) in [
        ("train-images-idx3-ubyte", idx(3, &[0, 28, 28])),
        ("train-labels-idx1-ubyte", idx(1, &[0])),
        ("t10k-images-idx3-ubyte", idx(3, &[0, 28, 28])),
        ("t10k-labels-idx1-ubyte", idx(1, &[0])),
    ] {
        std::fs::write(empty.join(name), bytes).unwrap();
    }
    let folder = empty.display().to_string();
    let out = run(d, &["train", "--data", &folder, "--epochs", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&folder) && stderr.contains("no images"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let out = run(d, &["eval", "--model", &model, "--data", &folder]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&folder) && stderr.contains("no images"),
        "{stderr}"
    );
}

/// `--model /dev/zero` (an endless input) is refused at once, not read until memory runs out.
#[test]
fn an_endless_model_input_is_refused() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::write(d.join("p.csv"), "x1,x2\n0,0\n").unwrap();
    let start = Instant::now();
    let out = run(d, &["predict", "--model", "/dev/zero", "--input", "p.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: --model: /dev/zero: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
    assert!(start.elapsed() < Duration::from_secs(10));
}
