//! `nn-tui sweep`: bad axes refused before anything runs, every trial the model
//! `train --state` trains alone, K folds repeat, and a sweep killed with
//! `kill -9` finishes with `--resume` without redoing its finished trials, with
//! successive halving too.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

#[test]
fn a_bad_axis_is_one_line_naming_the_key_before_anything_runs() {
    let dir = tempdir();
    let d = dir.path();
    let cases: [(&[&str], &str); 5] = [
        (
            &["--grid", "rate=0.1"],
            "error: --grid rate=0.1: unknown setting rate; expected one of data, samples,",
        ),
        (
            &["--grid", "lr=0.1,abc"],
            "error: --grid lr=0.1,abc: lr=abc: expected a number, e.g. 0.03",
        ),
        (
            &["--grid", "activation=relu,softmax"],
            "error: --grid activation=relu,softmax: activation=softmax: expected sigmoid, tanh, relu or linear",
        ),
        (
            &["--random", "5", "lr=log:0..1"],
            "error: --random lr=log:0..1: lr: a log range needs a positive lower end, not 0",
        ),
        (
            &["--random", "five", "lr=0.1..1"],
            "error: --random five: expected the number of configurations first",
        ),
    ];
    for (axis, expected) in cases {
        let out = run(
            d,
            &[&["sweep", "--data", "xor", "--epochs", "2"], axis].concat(),
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{axis:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{axis:?}: {stderr}");
        assert!(stderr.starts_with(expected), "{axis:?}: {stderr}");
        assert!(!d.join("runs").exists(), "{axis:?} made a sweep directory");
    }
}

fn state_line(run_dir: &Path) -> String {
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("run.json")).unwrap()).unwrap();
    info["state_line"].as_str().unwrap().to_string()
}

#[test]
fn every_trial_is_the_model_train_state_trains_alone_and_runs_lists_the_sweep() {
    let dir = tempdir();
    let d = dir.path();
    let report = run_json(
        d,
        &[
            "sweep",
            "--data",
            "xor",
            "--epochs",
            "6",
            "--grid",
            "lr=0.01,0.1",
            "--grid",
            "hidden=4,8:8",
            "--dir",
            "runs/s",
            "--json",
        ],
    );
    assert_eq!(report["trials"], 4);
    assert_eq!(report["jobs_run"], 4);
    let trials = d.join("runs/s/trials");
    let mut names: Vec<String> = std::fs::read_dir(&trials)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["t0000", "t0001", "t0002", "t0003"]);
    for name in &names {
        let line = state_line(&trials.join(name));
        let out = run(
            d,
            &[
                "train",
                "--state",
                &line,
                "--epochs",
                "6",
                "--save",
                "alone.safetensors",
                "--no-run-dir",
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let alone = std::fs::read(d.join("alone.safetensors")).unwrap();
        let trial = std::fs::read(trials.join(name).join("model.safetensors")).unwrap();
        assert!(
            alone == trial,
            "trial {name} differs from train --state '{line}'"
        );
    }
    // A trial's history of weights is its final model alone, kept once (no
    // snapshots/ folder): its replay is that one frame.
    assert!(!trials.join("t0000/snapshots").exists());
    let out = run(
        d,
        &[
            "replay",
            "runs/s/trials/t0000",
            "--out",
            "t0000.gif",
            "--size",
            "560x280",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("t0000.gif: 1 frames, 560x280 pixels"),
        "{}",
        text(&out.stdout)
    );
    // The winner: its line, the command that trains it, its one test.
    let winner = &report["winner"];
    let line = winner["line"].as_str().unwrap();
    assert!(line.starts_with("nn-tui/1 data=xor"), "{winner}");
    assert!(
        line.contains(" val=0.2 "),
        "the validation split is carved: {line}"
    );
    let command = winner["command"].as_str().unwrap();
    assert!(
        command.starts_with(&format!("nn-tui train --state '{line}' --epochs 6")),
        "{command}"
    );
    assert!(
        winner["test"]["accuracy"].as_f64().unwrap() > 0.5,
        "{winner}"
    );
    assert_eq!(report["configs"][0]["best_trial"], winner["trial"]);
    // Ranked on validation: the first configuration's mean is the highest.
    let means: Vec<f64> = report["configs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["mean"].as_f64().unwrap())
        .collect();
    assert!(means.windows(2).all(|w| w[0] >= w[1]), "{means:?}");
    assert_eq!(report["marginals"][0]["key"], "lr");
    let csv = std::fs::read_to_string(d.join("runs/s/results.csv")).unwrap();
    assert!(
        csv.starts_with("rank,trial,config,lr,hidden,status,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 5, "{csv}");
    let jsonl = std::fs::read_to_string(d.join("runs/s/results.jsonl")).unwrap();
    assert_eq!(jsonl.lines().count(), 4);
    let listed = run(d, &["runs"]);
    let listed = text(&listed.stdout);
    assert!(
        listed.contains("SWEEP") && listed.contains("lr=0.01,0.1 hidden=4,8:8"),
        "{listed}"
    );
    assert!(listed.contains("4/4 jobs"), "{listed}");
}

#[test]
fn folds_are_seeded_and_repeat() {
    let dir = tempdir();
    let d = dir.path();
    let sweep = |name: &str| {
        run_json(
            d,
            &[
                "sweep",
                "--data",
                "xor",
                "--epochs",
                "3",
                "--grid",
                "lr=0.01,0.1",
                "--folds",
                "3",
                "--dir",
                name,
                "--json",
            ],
        )
    };
    let (a, b) = (sweep("a"), sweep("b"));
    assert_eq!(a["jobs_run"], 6, "2 trials x 3 folds");
    for report in [&a, &b] {
        assert!(
            report["winner"]["line"]
                .as_str()
                .unwrap()
                .contains(" test=0.2 ")
        );
        assert!(!report["winner"]["line"].as_str().unwrap().contains(" val="));
        assert!(
            report["winner"]["model"]
                .as_str()
                .unwrap()
                .ends_with("winner.safetensors")
        );
    }
    assert_eq!(a["configs"], b["configs"]);
    assert_eq!(a["winner"]["test"], b["winner"]["test"]);
    let scores = |dir: &str| -> Vec<Value> {
        std::fs::read_to_string(d.join(dir).join("results.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["best"].clone())
            .collect()
    };
    let (mut sa, mut sb) = (scores("a"), scores("b"));
    sa.sort_by_key(ToString::to_string);
    sb.sort_by_key(ToString::to_string);
    assert_eq!(sa, sb);
}

/// Starts `nn-tui ARGS` in `d`, kills it with SIGKILL once `results` holds two
/// lines, and returns what `results` held then.
fn kill_9_after_two_results(d: &Path, args: &[&str], results: &Path) -> String {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(d)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let lines = |p: &Path| std::fs::read_to_string(p).map_or(0, |t| t.lines().count());
    while lines(results) < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no result in a minute"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    std::fs::read_to_string(results).unwrap()
}

#[test]
fn a_sweep_killed_with_kill_9_finishes_with_resume_without_redoing_finished_trials() {
    // 20 trials of 400 epochs on one core (about 1 s): on a loaded machine the
    // poll below may sleep through several results, never through all of them.
    const TRIALS: usize = 20;
    let dir = tempdir();
    let d = dir.path();
    let results = d.join("s/results.jsonl");
    let before = kill_9_after_two_results(
        d,
        &[
            "sweep",
            "--data",
            "spiral",
            "--epochs",
            "400",
            "--grid",
            "lr=0.003,0.01,0.02,0.03",
            "--seeds",
            "5",
            "--cores",
            "1",
            "--dir",
            "s",
        ],
        &results,
    );
    let kept: Vec<Value> = before
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(kept.len() < TRIALS, "killed too late: {before}");
    let modified = |trial: &Value| {
        let dir = d.join("s").join(trial["dir"].as_str().unwrap());
        std::fs::metadata(dir.join("model.safetensors"))
            .unwrap()
            .modified()
            .unwrap()
    };
    let times: Vec<_> = kept.iter().map(modified).collect();

    let out = run(d, &["sweep", "--resume", "s"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("ran {} jobs", TRIALS - kept.len())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("({} kept from before)", kept.len())),
        "{stderr}"
    );
    let after = std::fs::read_to_string(&results).unwrap();
    let all: Vec<Value> = after
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(all.len(), TRIALS, "{after}");
    let mut trials: Vec<u64> = all.iter().map(|r| r["trial"].as_u64().unwrap()).collect();
    trials.sort_unstable();
    assert_eq!(trials, (0..TRIALS as u64).collect::<Vec<u64>>());
    assert_eq!(
        &all[..kept.len()],
        &kept[..],
        "finished results kept as they were"
    );
    for (trial, time) in kept.iter().zip(times) {
        assert_eq!(
            modified(trial),
            time,
            "finished trial {trial} was trained again"
        );
    }
    assert!(
        text(&out.stdout).contains("winner: trial"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn halving_trains_less_than_the_grid_and_its_winner_is_the_model_train_trains_alone() {
    let dir = tempdir();
    let d = dir.path();
    let report = run_json(
        d,
        &[
            "sweep",
            "--data",
            "xor",
            "--epochs",
            "9",
            "--grid",
            "lr=0.003,0.01,0.1",
            "--grid",
            "hidden=2,4,8",
            "--halving",
            "--dir",
            "h",
            "--json",
        ],
    );
    // 9 configurations, eta 3: 9 at 1 epoch, 3 more to 3 epochs, 1 more to 9.
    assert_eq!(report["jobs_run"], 13, "{report}");
    assert_eq!(report["grid_epochs"], 81);
    // Six stop after 1 epoch, two after 3, one trains all 9: 6 + 6 + 9.
    assert_eq!(report["epochs_trained"], 21, "{report}");
    let winner = &report["winner"];
    assert_eq!(report["configs"][0]["rung"], 2);
    let line = winner["line"].as_str().unwrap();
    let out = run(
        d,
        &[
            "train",
            "--state",
            line,
            "--epochs",
            "9",
            "--save",
            "alone.safetensors",
            "--no-run-dir",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let alone = std::fs::read(d.join("alone.safetensors")).unwrap();
    let model = std::fs::read(d.join(winner["model"].as_str().unwrap())).unwrap();
    assert!(
        alone == model,
        "the winner, trained rung by rung, differs from one run of 9 epochs"
    );
}

/// Results without their timings, by (trial, rung): what a sweep found.
fn found(results: &str) -> Vec<(u64, u64, Value, Value, Value)> {
    let mut found: Vec<_> = results
        .lines()
        .map(|l| {
            let r: Value = serde_json::from_str(l).unwrap();
            (
                r["trial"].as_u64().unwrap(),
                r["rung"].as_u64().unwrap(),
                r["epochs"].clone(),
                r["best"].clone(),
                r["status"].clone(),
            )
        })
        .collect();
    found.sort_by_key(|f| (f.0, f.1));
    found
}

/// Successive halving killed with `kill -9` after its first results and resumed: the
/// results written before are kept as they were and not run again, the rest
/// run, and the sweep ends with what one uninterrupted run finds (every rung's
/// results but timings, and the winner's model byte for byte).
#[test]
fn halving_killed_with_kill_9_and_resumed_finds_what_one_run_finds() {
    let dir = tempdir();
    let d = dir.path();
    // 9 configurations, rungs of 300, 900 and 2700 epochs: 9 + 3 + 1 jobs, about
    // a second on one loaded core (enough to be killed well before its end).
    let args = |out: &'static str| {
        vec![
            "sweep",
            "--data",
            "spiral",
            "--epochs",
            "2700",
            "--grid",
            "lr=0.003,0.01,0.03",
            "--grid",
            "hidden=4,8,16",
            "--halving",
            "--cores",
            "1",
            "--dir",
            out,
        ]
    };
    let results = d.join("killed/results.jsonl");
    let before = kill_9_after_two_results(d, &args("killed"), &results);
    let kept = before.lines().filter(|l| l.ends_with('}')).count();
    assert!((2..13).contains(&kept), "killed too late: {before}");

    let out = run(d, &["sweep", "--resume", "killed"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("ran {} jobs", 13 - kept))
            && stderr.contains(&format!("({kept} kept from before)")),
        "{stderr}"
    );
    let after = std::fs::read_to_string(&results).unwrap();
    assert_eq!(after.lines().count(), 13, "{after}");
    let kept_lines: Vec<&str> = before.lines().take(kept).collect();
    assert_eq!(
        after.lines().take(kept).collect::<Vec<_>>(),
        kept_lines,
        "the results from before the kill, kept as they were"
    );

    let reference = run(d, &args("whole"));
    assert!(reference.status.success(), "{}", text(&reference.stderr));
    let whole = std::fs::read_to_string(d.join("whole/results.jsonl")).unwrap();
    assert_eq!(
        found(&after),
        found(&whole),
        "nothing lost, nothing different"
    );
    // results.csv ranks the trials: its first row is the winner.
    let winner = |out: &str| {
        let standings = std::fs::read_to_string(d.join(out).join("results.csv")).unwrap();
        let first = standings.lines().nth(1).unwrap().to_string();
        let trial: usize = first.split(',').nth(1).unwrap().parse().unwrap();
        std::fs::read(
            d.join(out)
                .join(format!("trials/t{trial:04}/model.safetensors")),
        )
        .unwrap()
    };
    assert!(
        winner("killed") == winner("whole"),
        "the winner's model differs from the uninterrupted sweep's"
    );
}

/// A formula data set is a data setting like a generator's name: a sweep trains
/// on it, and the winner's state line names the formula (issue 23 asks formulas
/// to work wherever a generator does).
#[test]
fn a_sweep_trains_on_a_formula_data_set() {
    let dir = tempdir();
    let out = run(
        dir.path(),
        &[
            "sweep",
            "--data",
            "formula:x1*x2 > 0",
            "--epochs",
            "30",
            "--grid",
            "lr=0.01,0.03",
            "--grid",
            "hidden=8",
        ],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("state line: "))
        .unwrap_or_else(|| panic!("no state line in:\n{stdout}"));
    assert!(line.contains("data=formula:x1*x2%20>%200"), "{line}");
    let winner = stdout
        .lines()
        .find(|l| l.starts_with("winner:"))
        .unwrap_or_else(|| panic!("no winner in:\n{stdout}"));
    let accuracy: f64 = winner
        .split("val accuracy ")
        .nth(1)
        .and_then(|rest| rest.split('%').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no accuracy in {winner}"));
    assert!(accuracy >= 90.0, "{winner}");
}
