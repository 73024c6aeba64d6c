//! Run directories through the binary: `train` records its run (by default under
//! `runs/`, or in `--run-dir`, or nowhere with `--no-run-dir`), and `nn-tui runs`
//! lists runs with their status, including a run whose writer was killed and
//! whose log a crash left torn.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

/// The run directories under `d/runs`.
fn run_dirs(d: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(d.join("runs"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// `nn-tui runs --json ARGS` in `d`: the listed runs.
fn listed(d: &Path, args: &[&str]) -> Vec<Value> {
    let report = run_json(d, &[&["runs", "--json"][..], args].concat());
    report.as_array().expect("a JSON array").clone()
}

#[test]
fn train_records_its_run_and_runs_lists_it() {
    let dir = tempdir();
    let d = dir.path();
    let report = run_json(
        d,
        &[
            "train",
            "--data",
            "spiral",
            "--epochs",
            "30",
            "--save",
            "m.safetensors",
            "--json",
        ],
    );
    let runs = run_dirs(d);
    assert_eq!(runs.len(), 1, "{runs:?}");
    let recorded = &runs[0];
    let name = recorded.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("spiral-20"), "{name}");
    assert_eq!(report["run_dir"], format!("runs/{name}"));
    for file in ["run.json", "events.jsonl", "snapshot.safetensors"] {
        assert!(recorded.join(file).is_file(), "{file}");
    }
    // The final model is the one --save wrote, byte for byte.
    assert_eq!(
        std::fs::read(recorded.join("model.safetensors")).unwrap(),
        std::fs::read(d.join("m.safetensors")).unwrap()
    );

    // run.json's state line recreates the run: the same model, byte for byte.
    let info: Value =
        serde_json::from_slice(&std::fs::read(recorded.join("run.json")).unwrap()).unwrap();
    let line = info["state_line"].as_str().unwrap();
    assert!(line.starts_with("nn-tui/1 data=spiral "), "{line}");
    let again = run(
        d,
        &[
            "train",
            "--state",
            line,
            "--epochs",
            "30",
            "--save",
            "again.safetensors",
            "--no-run-dir",
        ],
    );
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(
        std::fs::read(d.join("again.safetensors")).unwrap(),
        std::fs::read(d.join("m.safetensors")).unwrap()
    );

    let listed = listed(d, &[]);
    assert_eq!(listed.len(), 1);
    let entry = &listed[0];
    assert_eq!(entry["dataset"], "spiral");
    assert_eq!(entry["layers"], serde_json::json!([2, 16, 16, 2]));
    assert_eq!(entry["status"], "finished");
    assert_eq!(entry["epochs"], 30);
    assert_eq!(entry["best"]["part"], "test");
    let best = entry["best"]["accuracy"].as_f64().unwrap();
    assert!(best >= accuracy(&report, "test"), "{entry}");

    let out = run(d, &["runs"]);
    assert!(out.status.success());
    let text = text(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("RUN") && lines[0].ends_with("BEST                   AGE"),
        "{text}"
    );
    assert!(lines[1].starts_with(&name), "{text}");
    assert!(
        lines[1].contains("  spiral  2-16-16-2 relu  finished      30  "),
        "{text}"
    );
}

#[test]
fn run_dir_flags() {
    let dir = tempdir();
    let d = dir.path();
    let train = |extra: &[&str]| {
        run(
            d,
            &[&["train", "--data", "moons", "--epochs", "2"][..], extra].concat(),
        )
    };
    assert!(train(&["--no-run-dir"]).status.success());
    assert!(!d.join("runs").exists(), "--no-run-dir writes nothing");

    assert!(train(&["--run-dir", "mine"]).status.success());
    assert!(d.join("mine/model.safetensors").is_file());
    let again = train(&["--run-dir", "mine"]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        text(&again.stderr).trim_end(),
        "error: --run-dir mine: already holds a run (events.jsonl); choose another folder"
    );
    let both = train(&["--run-dir", "x", "--no-run-dir"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(text(&both.stderr).contains("cannot be used with"));

    // `runs DIR` lists another folder; runs in `.` here: `mine` only.
    let listed = listed(d, &["."]);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["dir"], "./mine");
    let out = run(d, &["runs"]);
    assert_eq!(
        text(&out.stdout),
        "no run directories under runs (nn-tui train records its runs there)\n"
    );
}

#[test]
fn a_default_folder_that_cannot_be_made_costs_a_warning_not_the_run() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::write(d.join("runs"), "a file where the folder would go").unwrap();
    let out = run(d, &["train", "--data", "moons", "--epochs", "2"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: cannot record the run under runs/ (runs: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("training goes on without a run directory"),
        "{stderr}"
    );
    assert!(text(&out.stdout).starts_with("trained 2 epochs"));
}

/// A child process killed (SIGKILL) when dropped, so a failing test leaves no
/// hours-long run behind.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A long spiral run recording into `d/live`, started and left running.
fn start_long_run(d: &Path) -> Killed {
    let mut child = Command::new(BIN)
        .args([
            "train",
            "--data",
            "spiral",
            "--samples",
            "20000",
            "--epochs",
            "100000",
            "--run-dir",
            "live",
        ])
        .current_dir(d)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().unwrap();
    let child = Killed(child);
    let mut lines = BufReader::new(stderr).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    // Epoch lines are thinned to about ten a second: wait for any from the third on.
    let epoch_of = |line: &str| {
        line.strip_prefix("epoch ")
            .and_then(|rest| rest.split('/').next())
            .and_then(|n| n.parse::<u64>().ok())
    };
    for line in lines.by_ref().map_while(Result::ok) {
        if epoch_of(&line).is_some_and(|epoch| epoch >= 3) {
            break;
        }
        assert!(Instant::now() < deadline, "no third epoch within 30 s");
    }
    // Keep draining stderr so the trainer never blocks on it.
    std::thread::spawn(move || lines.for_each(drop));
    child
}

/// The writer killed with SIGKILL: no end record, so `runs` says it stopped
/// writing; and a crash that tore the log's last line costs one warning.
#[test]
fn a_killed_writer_and_a_torn_log() {
    let dir = tempdir();
    let d = dir.path();
    let child = start_long_run(d);
    let live = listed(d, &["."]);
    assert_eq!(live[0]["status"], "running", "{live:?}");
    drop(child); // SIGKILL

    let listed_after = listed(d, &["."]);
    assert_eq!(listed_after[0]["status"], "stopped writing");
    // Epochs are recorded at most every 100 ms: the log may lag the last epoch line a little.
    let epochs = listed_after[0]["epochs"].as_u64().unwrap();
    assert!((1..=100_000).contains(&epochs), "{listed_after:?}");
    assert!(d.join("live/snapshot.safetensors").is_file());
    assert!(!d.join("live/model.safetensors").exists());

    // A crash in the middle of a write: the last line loses its end.
    let log = d.join("live/events.jsonl");
    let bytes = std::fs::read(&log).unwrap();
    std::fs::write(&log, &bytes[..bytes.len() - 5]).unwrap();
    let out = run(d, &["runs", "."]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("  stopped writing  "));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("warning: ./live/events.jsonl: skipped a torn record at line "),
        "{stderr}"
    );
}
