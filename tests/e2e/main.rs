//! End-to-end tests through the real `nn-tui` binary: training quality, the
//! save/info/eval/predict round trip, determinism across thread counts,
//! checkpoint resume and Ctrl-C, and the message and exit status of each bad flag.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_nn-tui");

/// Runs the binary in `dir` with stdin closed.
fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs a command that must succeed and prints one JSON object; returns it.
fn run_json(dir: &Path, args: &[&str]) -> Value {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    serde_json::from_str(&stdout).expect("stdout is one JSON object")
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

fn accuracy(report: &Value, part: &str) -> f64 {
    report[part]["accuracy"]
        .as_f64()
        .unwrap_or_else(|| panic!("{part} accuracy in {report}"))
}

#[test]
fn spiral_and_moons_reach_95_percent_test_accuracy() {
    let dir = tempdir();
    for data in ["spiral", "moons"] {
        let report = run_json(dir.path(), &["train", "--data", data, "--json"]);
        let acc = accuracy(&report, "test");
        assert!(acc >= 0.95, "{data}: test accuracy {acc}");
        assert_eq!(report["epochs"], 100);
        assert_eq!(report["stopped_early"], false);
        assert!(report["validation"].is_null());
    }
}

#[test]
fn plain_progress_lines_when_stderr_is_not_a_terminal() {
    let dir = tempdir();
    let out = run(dir.path(), &["train", "--data", "moons", "--epochs", "3"]);
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    let epochs: Vec<&str> = stderr.lines().filter(|l| l.starts_with("epoch ")).collect();
    assert_eq!(epochs.len(), 3, "{stderr}");
    assert!(epochs[2].starts_with("epoch 3/3  train loss "), "{stderr}");
    assert!(epochs[2].contains("  test loss "), "{stderr}");
    assert!(epochs[2].ends_with(" samples/s"), "{stderr}");
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("trained 3 epochs"), "{stdout}");
    assert!(stdout.contains("test        loss "), "{stdout}");
}

#[test]
fn seed_network_flags_are_accepted() {
    let dir = tempdir();
    let report = run_json(
        dir.path(),
        &[
            "train",
            "--data",
            "moons",
            "--layers",
            "2,30,2",
            "--activation",
            "sigmoid",
            "--output",
            "sigmoid",
            "--loss",
            "mse",
            "--optimizer",
            "sgd",
            "--lr",
            "3.0",
            "--batch",
            "32",
            "--epochs",
            "10",
            "--json",
        ],
    );
    assert_eq!(report["layers"], serde_json::json!([2, 30, 2]));
    assert_eq!(report["output"], "sigmoid");
    assert_eq!(report["loss"], "mse");
    assert_eq!(report["optimizer"], "sgd");
}

#[test]
fn save_info_eval_predict_round_trip() {
    let dir = tempdir();
    let d = dir.path();
    let trained = run_json(
        d,
        &[
            "train",
            "--data",
            "moons",
            "--epochs",
            "30",
            "--save",
            "m.safetensors",
            "--json",
        ],
    );
    assert_eq!(trained["model"], "m.safetensors");

    let info = run_json(d, &["info", "--model", "m.safetensors", "--json"]);
    assert_eq!(info["layers"], serde_json::json!([2, 16, 16, 2]));
    assert_eq!(info["parameters"], 2 * 16 + 16 + 16 * 16 + 16 + 16 * 2 + 2);
    assert_eq!(info["classes"], serde_json::json!(["0", "1"]));
    assert_eq!(info["features"], serde_json::json!(["x1", "x2"]));
    assert_eq!(info["normalization"], "standardize");
    assert_eq!(info["dataset"], "moons");
    let info_text = text(&run(d, &["info", "--model", "m.safetensors"]).stdout);
    assert!(
        info_text.contains("architecture   2-16-16-2"),
        "{info_text}"
    );
    assert!(info_text.contains("total"), "{info_text}");

    // The same --seed and --test-split give the training run's test split.
    let evaluated = run_json(
        d,
        &[
            "eval",
            "--model",
            "m.safetensors",
            "--data",
            "moons",
            "--json",
        ],
    );
    assert_eq!(evaluated["accuracy"], trained["test"]["accuracy"]);
    assert_eq!(evaluated["loss"], trained["test"]["loss"]);
    let eval_text = text(&run(d, &["eval", "--model", "m.safetensors", "--data", "moons"]).stdout);
    assert!(eval_text.contains("confusion matrix"), "{eval_text}");
    assert!(eval_text.contains("per-class accuracy"), "{eval_text}");

    // Fresh points from the generator, as a CSV with a label column.
    let points = nn_data::generators::moons(300, 0.1, 7);
    std::fs::write(d.join("points.csv"), nn_data::to_csv_string(&points)).unwrap();
    let all = run_json(
        d,
        &[
            "eval",
            "--model",
            "m.safetensors",
            "--data",
            "points.csv",
            "--test-split",
            "0",
            "--json",
        ],
    );
    assert_eq!(all["samples"], 300);
    let out = run(
        d,
        &[
            "predict",
            "--model",
            "m.safetensors",
            "--input",
            "points.csv",
            "--output",
            "predictions.csv",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let predictions = std::fs::read_to_string(d.join("predictions.csv")).unwrap();
    let input = std::fs::read_to_string(d.join("points.csv")).unwrap();
    let mut lines = predictions.lines();
    assert_eq!(lines.next(), Some("x1,x2,class,probability"));
    let mut correct = 0;
    for (prediction, row) in lines.zip(input.lines().skip(1)) {
        let p: Vec<&str> = prediction.split(',').collect();
        let r: Vec<&str> = row.split(',').collect();
        assert_eq!(p[..2], r[..2], "input columns are copied");
        let probability: f64 = p[3].parse().unwrap();
        assert!((0.5..=1.0).contains(&probability), "{prediction}");
        correct += usize::from(p[2] == r[2]);
    }
    let agreement = correct as f64 / 300.0;
    assert!(
        (agreement - all["accuracy"].as_f64().unwrap()).abs() < 1e-9,
        "predict agrees with labels on {correct}/300, eval says {}",
        all["accuracy"]
    );
    assert!(agreement > 0.95);

    // Without --output the CSV goes to stdout, columns matched by name in any order.
    std::fs::write(d.join("swapped.csv"), "label,x2,x1\n0,0.5,-1.0\n").unwrap();
    let out = run(
        d,
        &[
            "predict",
            "--model",
            "m.safetensors",
            "--input",
            "swapped.csv",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("x1,x2,class,probability\n-1.0,0.5,"),
        "{stdout}"
    );
}

#[test]
fn thread_count_does_not_change_the_model() {
    let dir = tempdir();
    let d = dir.path();
    for threads in ["1", "2"] {
        let file = format!("t{threads}.safetensors");
        let out = run(
            d,
            &[
                "train",
                "--data",
                "spiral",
                "--epochs",
                "15",
                "--batch",
                "64",
                "--threads",
                threads,
                "--save",
                &file,
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let one = std::fs::read(d.join("t1.safetensors")).unwrap();
    let two = std::fs::read(d.join("t2.safetensors")).unwrap();
    assert!(one == two, "1 and 2 threads give different model files");
}

#[test]
fn stopping_and_resuming_gives_the_same_model() {
    let dir = tempdir();
    let d = dir.path();
    let common = ["train", "--data", "moons", "--optimizer", "momentum"];
    let straight = run(
        d,
        &[
            &common[..],
            &[
                "--epochs",
                "8",
                "--checkpoint-dir",
                "a",
                "--save",
                "a.safetensors",
            ],
        ]
        .concat(),
    );
    assert!(straight.status.success(), "{}", text(&straight.stderr));
    let first = run(
        d,
        &[&common[..], &["--epochs", "3", "--checkpoint-dir", "b"]].concat(),
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    let second = run(
        d,
        &[
            &common[..],
            &[
                "--resume",
                "b/checkpoint.safetensors",
                "--epochs",
                "8",
                "--save",
                "b.safetensors",
                "--metrics-out",
                "b.csv",
            ],
        ]
        .concat(),
    );
    assert!(second.status.success(), "{}", text(&second.stderr));
    let a = std::fs::read(d.join("a.safetensors")).unwrap();
    let b = std::fs::read(d.join("b.safetensors")).unwrap();
    assert!(a == b, "resumed run differs from the straight run");
    // The resumed run's metrics cover all 8 epochs.
    let csv = std::fs::read_to_string(d.join("b.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "epoch,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,lr,seconds"
    );
    assert_eq!(rows.len(), 9, "{csv}");
    assert!(rows[8].starts_with("8,"), "{csv}");
}

#[test]
fn ctrl_c_stops_cleanly_with_a_checkpoint_and_status_130() {
    let dir = tempdir();
    let d = dir.path();
    let mut child = Command::new(BIN)
        .args([
            "train",
            "--data",
            "spiral",
            "--samples",
            "20000",
            "--epochs",
            "100000",
            "--checkpoint-dir",
            "ck",
            "--checkpoint-every",
            "1000",
            "--save",
            "m.safetensors",
        ])
        .current_dir(d)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    // Wait for the first epoch so the handler is installed and training is under way.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("an epoch line within 20 s");
        if line.starts_with("epoch 1/") {
            break;
        }
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("still running 20 s after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = reader.join().unwrap();
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    assert_eq!(status.code(), Some(130), "stderr: {stderr}");
    assert!(d.join("ck/checkpoint.safetensors").is_file());
    assert!(d.join("m.safetensors").is_file());
    assert!(stdout.starts_with("interrupted after "), "{stdout}");
    assert!(
        stderr.contains("--resume ck/checkpoint.safetensors"),
        "{stderr}"
    );
}

/// A model trained on 3 features, for the width-mismatch checks.
fn three_feature_model(d: &Path) -> PathBuf {
    let mut csv = String::from("a,b,c,label\n");
    for i in 0..40 {
        let x = f64::from(i) / 10.0;
        let _ = writeln!(csv, "{x},{},{},{}", x * 2.0, 1.0 - x, i % 2);
    }
    std::fs::write(d.join("three.csv"), csv).unwrap();
    let out = run(
        d,
        &[
            "train",
            "--data",
            "three.csv",
            "--epochs",
            "1",
            "--save",
            "three.safetensors",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    d.join("three.safetensors")
}

#[test]
fn bad_flags_fail_with_one_clear_line() {
    let dir = tempdir();
    let d = dir.path();
    three_feature_model(d);
    std::fs::write(d.join("not-a-model.safetensors"), "hello").unwrap();
    std::fs::write(d.join("a-file"), "x").unwrap();
    std::fs::write(d.join("bad.csv"), "a,b,c\n1,2,3\n4,oops,6\n").unwrap();
    std::fs::write(d.join("missing.csv"), "a,b\n1,2\n").unwrap();
    let train = |extra: &[&'static str]| -> Vec<&'static str> {
        [&["train", "--data", "moons", "--epochs", "1"][..], extra].concat()
    };
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            train(&["--lr", "0"]),
            1,
            "error: --lr 0: expected a positive learning rate",
        ),
        (
            train(&["--lr", "-1"]),
            1,
            "error: --lr -1: expected a positive",
        ),
        (
            train(&["--lr", "NaN"]),
            1,
            "error: --lr NaN: expected a positive",
        ),
        (
            train(&["--lr", "fast"]),
            2,
            "invalid value 'fast' for '--lr <F>'",
        ),
        (
            train(&["--batch", "0"]),
            1,
            "error: --batch 0: expected at least 1",
        ),
        (
            vec!["train", "--data", "moons", "--epochs", "0"],
            1,
            "error: --epochs 0: expected at least 1 epoch",
        ),
        (
            train(&["--layers", "3,8,2"]),
            1,
            "error: --layers 3,8,2: the network takes 3 inputs but the data has 2 features",
        ),
        (
            train(&["--layers", "2,8,3"]),
            1,
            "error: --layers 2,8,3: the data's 2 classes need 2 outputs (or 1 sigmoid output), the network has 3",
        ),
        (
            train(&["--layers", "2,8,2", "--hidden", "4"]),
            2,
            "cannot be used with",
        ),
        (
            vec!["train", "--data", "nosuch"],
            1,
            "expected one of xor, circle, gauss, spiral, moons, blobs, plane, sine, mnist",
        ),
        (vec!["train"], 2, "--data <SPEC>"),
        (
            train(&["--activation", "softmax"]),
            2,
            "invalid value 'softmax' for '--activation <NAME>'",
        ),
        (
            train(&["--optimizer", "rmsprop"]),
            2,
            "invalid value 'rmsprop'",
        ),
        (
            train(&["--frobnicate"]),
            2,
            "unexpected argument '--frobnicate'",
        ),
        (
            train(&["--momentum", "0.5"]),
            1,
            "error: --momentum: applies only to the momentum and nesterov optimizers",
        ),
        (
            train(&["--val-split", "1.5"]),
            1,
            "error: --val-split 1.5: expected a fraction",
        ),
        (
            train(&["--save", "no/such/folder/m.safetensors"]),
            1,
            "error: --save no/such/folder/m.safetensors: the folder no/such/folder does not exist",
        ),
        (train(&["--save", "."]), 1, "error: --save .: is a folder"),
        (
            train(&["--metrics-out", "no/such/folder/m.csv"]),
            1,
            "error: --metrics-out no/such/folder/m.csv",
        ),
        (
            train(&["--checkpoint-dir", "a-file"]),
            1,
            "error: --checkpoint-dir a-file: is a file; expected a folder",
        ),
        (
            train(&["--resume", "three.safetensors"]),
            1,
            "no checkpoint metadata: is this a model file?",
        ),
        (
            train(&["--resume", "nothing-here"]),
            1,
            "error: --resume nothing-here: no such checkpoint file",
        ),
        (
            vec!["eval", "--model", "three.safetensors", "--data", "spiral"],
            1,
            "error: --model three.safetensors on --data spiral: network does not fit the data: the network takes 3 inputs but the data has 2 features",
        ),
        (
            vec![
                "eval",
                "--model",
                "not-a-model.safetensors",
                "--data",
                "spiral",
            ],
            1,
            "error: --model: not-a-model.safetensors: not a valid safetensors file",
        ),
        (
            vec!["eval", "--model", "absent.safetensors", "--data", "spiral"],
            1,
            "error: --model: absent.safetensors",
        ),
        (
            vec!["info", "--model", "not-a-model.safetensors"],
            1,
            "error: --model: not-a-model.safetensors",
        ),
        (
            vec![
                "predict",
                "--model",
                "three.safetensors",
                "--input",
                "bad.csv",
            ],
            1,
            "error: bad.csv:3: column `b`: expected a number, found `oops`",
        ),
        (
            vec![
                "predict",
                "--model",
                "three.safetensors",
                "--input",
                "missing.csv",
            ],
            1,
            "error: missing.csv:1: missing feature column `c`: the header has a, b",
        ),
        (
            vec![
                "predict",
                "--model",
                "three.safetensors",
                "--input",
                "absent.csv",
            ],
            1,
            "error: --input absent.csv",
        ),
    ];
    for (args, code, expected) in cases {
        let out = run(d, &args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}: expected {expected:?} in {stderr:?}"
        );
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one line: {stderr:?}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr:?}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
    assert!(!d.join("no").exists());
}

#[test]
fn early_stop_uses_a_validation_split() {
    let dir = tempdir();
    let report = run_json(
        dir.path(),
        &["train", "--data", "circle", "--early-stop", "3", "--json"],
    );
    let validation = &report["validation"];
    assert_eq!(validation["samples"], 50, "10% of 500: {report}");
}

#[test]
fn regression_reports_r2() {
    let dir = tempdir();
    let d = dir.path();
    let report = run_json(
        d,
        &[
            "train",
            "--data",
            "plane",
            "--epochs",
            "30",
            "--save",
            "p.safetensors",
            "--json",
        ],
    );
    let r2 = report["test"]["r2"].as_f64().unwrap();
    assert!(r2 > 0.9, "plane r2 {r2}");
    assert!(report["test"]["accuracy"].is_null());
    let evaluated = run_json(
        d,
        &[
            "eval",
            "--model",
            "p.safetensors",
            "--data",
            "plane",
            "--json",
        ],
    );
    assert_eq!(evaluated["r2"], report["test"]["r2"]);
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = tempdir();
    let d = dir.path();
    let out = run(
        d,
        &[
            "train",
            "--data",
            "moons",
            "--epochs",
            "1",
            "--save",
            "m.safetensors",
        ],
    );
    assert!(out.status.success());
    let points = nn_data::generators::moons(30_000, 0.1, 3);
    std::fs::write(d.join("many.csv"), nn_data::to_csv_string(&points)).unwrap();
    let status = Command::new("bash")
        .arg("-c")
        .arg(r#"set -o pipefail; "$0" predict --model m.safetensors --input many.csv | head -n 1 > /dev/null"#)
        .arg(BIN)
        .current_dir(d)
        .status()
        .unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn dashboard_without_a_terminal_points_to_train() {
    let dir = tempdir();
    for args in [&["dash"][..], &[][..]] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(1));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("nn-tui train"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1);
    }
}

/// Model files recorded before the workspace was reorganised (commit 43327b9, `nn-tui train`
/// with the flags below, run from the workspace root): the same seed and flags must keep
/// giving the same bytes, so a refactor cannot silently change what is trained or saved.
#[test]
fn same_seed_and_flags_give_the_recorded_model_bytes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let fixtures = root.join("tests/e2e/fixtures");
    let dir = tempdir();
    let runs: [(&str, &[&str]); 2] = [
        (
            "spiral.safetensors",
            &["train", "--data", "spiral", "--epochs", "20", "--seed", "5"],
        ),
        (
            "moons-csv.safetensors",
            &[
                "train",
                "--data",
                "datasets/moons.csv",
                "--epochs",
                "5",
                "--hidden",
                "8",
                "--activation",
                "tanh",
                "--optimizer",
                "momentum",
                "--lr",
                "0.05",
                "--batch",
                "8",
                "--seed",
                "9",
            ],
        ),
    ];
    for (name, flags) in runs {
        let saved = dir.path().join(name);
        let mut args = flags.to_vec();
        let saved_text = saved.display().to_string();
        args.extend(["--save", &saved_text]);
        let out = run(&root, &args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let expected = std::fs::read(fixtures.join(name)).expect("the recorded fixture");
        let got = std::fs::read(&saved).expect("the saved model");
        assert!(
            got == expected,
            "{name}: the model file differs from the recorded one"
        );
    }
}
