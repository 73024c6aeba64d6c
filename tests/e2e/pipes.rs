//! `-` as a file name: `predict --input -` reads stdin, `--output -` writes stdout,
//! `train --data -` trains on a CSV from stdin with the file's seeded split; a closed
//! pipe downstream is silent and exit 0; stdin that is a terminal is refused.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::common::*;
use crate::tmux::{Tmux, skip_without_tmux};

/// Runs the binary in `dir` with `input` on its stdin.
fn run_with_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().expect("a stdin pipe");
    // A failing run may stop reading early: a write error then is not the test's concern.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().expect("the binary ends")
}

fn train_moons(dir: &Path) {
    let out = run(
        dir,
        &[
            "train",
            "--data",
            "moons",
            "--epochs",
            "3",
            "--save",
            "m.safetensors",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn cat_points_into_predict_and_head() {
    let dir = tempdir();
    let d = dir.path();
    train_moons(d);
    // Far more output than a pipe buffers, so predict is still writing when head leaves.
    let points = nn_data::moons(30_000, 0.1, 3);
    std::fs::write(d.join("points.csv"), nn_data::to_csv_string(&points)).unwrap();

    let out = Command::new("bash")
        .arg("-c")
        .arg(
            r#"cat points.csv | "$0" predict --model m.safetensors --input - | head -3
               echo "status ${PIPESTATUS[*]}""#,
        )
        .arg(BIN)
        .current_dir(d)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(text(&out.stderr), "", "a closed pipe is silent");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    // predict streams, so it stops reading when head has left: cat may then be stopped
    // by SIGPIPE (141), as under `cat | grep | head`.
    assert!(
        ["status 0 0 0", "status 141 0 0"].contains(&lines[3]),
        "cat, nn-tui predict, head: {}",
        lines[3]
    );

    // The same rows as predict gives from the file.
    let from_file = run(
        d,
        &[
            "predict",
            "--model",
            "m.safetensors",
            "--input",
            "points.csv",
        ],
    );
    assert!(from_file.status.success(), "{}", text(&from_file.stderr));
    let expected: Vec<String> = text(&from_file.stdout)
        .lines()
        .take(3)
        .map(str::to_string)
        .collect();
    assert_eq!(lines[..3], expected);
    assert_eq!(lines[0], "label,class,probability");
}

#[test]
fn output_dash_is_stdout() {
    let dir = tempdir();
    let d = dir.path();
    train_moons(d);
    std::fs::write(d.join("points.csv"), "x1,x2\n0.5,-0.25\n-1,1\n").unwrap();
    let args = [
        "predict",
        "--model",
        "m.safetensors",
        "--input",
        "points.csv",
    ];
    let plain = run(d, &args);
    let dash = run(d, &[&args[..], &["--output", "-"]].concat());
    assert!(dash.status.success(), "{}", text(&dash.stderr));
    assert_eq!(text(&dash.stdout), text(&plain.stdout));
    assert_eq!(text(&dash.stdout).lines().count(), 3);
    assert!(!d.join("-").exists(), "no file named -");

    let piped = run_with_stdin(
        d,
        &[
            "predict",
            "--model",
            "m.safetensors",
            "--input",
            "-",
            "--output",
            "out.csv",
        ],
        b"x1,x2\n0.5,-0.25\n-1,1\n",
    );
    assert!(piped.status.success(), "{}", text(&piped.stderr));
    assert_eq!(
        std::fs::read_to_string(d.join("out.csv")).unwrap(),
        text(&plain.stdout)
    );
}

#[test]
fn train_on_stdin_splits_as_the_file_does() {
    let dir = tempdir();
    let d = dir.path();
    let csv = workspace().join("datasets/moons.csv");
    let csv_arg = csv.display().to_string();
    let flags = ["--epochs", "5", "--seed", "11", "--json"];
    let from_file = run_json(d, &[&["train", "--data", &csv_arg][..], &flags].concat());
    let out = run_with_stdin(
        d,
        &[&["train", "--data", "-"][..], &flags].concat(),
        &std::fs::read(&csv).unwrap(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let from_stdin: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for part in ["train", "test"] {
        assert_eq!(from_stdin[part], from_file[part], "{part}");
    }
    assert_eq!(from_stdin["dataset"], "stdin");

    // The help says so.
    let help = text(&run(d, &["train", "--help"]).stdout);
    assert!(
        help.contains("- for a CSV file on stdin") && help.contains("Stdin is read once"),
        "{help}"
    );
}

#[test]
fn bad_stdin_is_named() {
    let dir = tempdir();
    let d = dir.path();
    train_moons(d);
    let empty = run_with_stdin(d, &["train", "--data", "-"], b"");
    assert_eq!(empty.status.code(), Some(1));
    assert_eq!(
        text(&empty.stderr),
        "error: --data -: <stdin>: empty file: expected a header row\n"
    );
    let bad = run_with_stdin(
        d,
        &["predict", "--model", "m.safetensors", "--input", "-"],
        b"x1,x2\n1,2\n3,oops\n",
    );
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        text(&bad.stderr),
        "error: <stdin>:3: column `x2`: expected a number, found `oops`\n"
    );
    assert_eq!(text(&bad.stdout), "");
}

#[test]
fn a_terminal_on_stdin_is_refused_not_waited_on() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempdir();
    train_moons(dir.path());
    let tmux = Tmux::start("stdin-tty", 200, 10, dir.path());
    tmux.send(&[
        &format!("{BIN} predict --model m.safetensors --input -; echo EXIT=$?"),
        "Enter",
    ]);
    // The typed command holds `EXIT=$?` too: wait for the line the shell prints after it.
    let screen = tmux.wait_for("the exit status", Duration::from_secs(15), |s| {
        s.lines().any(|l| {
            l.strip_prefix("EXIT=")
                .is_some_and(|code| code.parse::<i32>().is_ok())
        })
    });
    assert!(
        screen.contains(
            "error: --input <stdin>: is a terminal: expected a CSV file piped or redirected into it"
        ) && screen.lines().any(|l| l == "EXIT=1"),
        "{screen}"
    );
}
