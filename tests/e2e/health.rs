//! Saturation caught like divergence: a run that stalls on saturated units says so
//! once, in one line with what to try; the README's runs never do.

use crate::common::*;

#[test]
fn a_too_high_rate_on_a_wide_sigmoid_network_is_caught_within_two_epochs() {
    let dir = tempdir();
    let out = run(
        dir.path(),
        &[
            "train",
            "--data",
            "mnist",
            "--layers",
            "784,256,10",
            "--activation",
            "sigmoid",
            "--output",
            "sigmoid",
            "--loss",
            "seed",
            "--optimizer",
            "sgd",
            "--lr",
            // Far too high: a rate near the edge (3) saturates or not as the last
            // bits of the sigmoid fall.
            "20",
            "--batch",
            "32",
            "--epochs",
            "2",
        ],
    );
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning: training has stalled"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    let w = warnings[0];
    assert!(
        w.contains("of the output layer's 10 sigmoid units are saturated")
            && w.contains("Try a smaller --lr (e.g. 2)")
            && w.contains("--output softmax --loss ce"),
        "{w}"
    );
}

/// The README's runs, as written there (with `--json`): none of them may report a
/// stall, and the MNIST ones reach the test accuracy the README states (as it rounds it).
#[test]
fn the_readme_runs_never_report_a_stall() {
    let dir = tempdir();
    let seed_network = [
        "train",
        "--data",
        "mnist",
        "--layers",
        "784,100,10",
        "--activation",
        "sigmoid",
        "--output",
        "sigmoid",
        "--optimizer",
        "sgd",
        "--batch",
        "32",
        "--epochs",
        "10",
    ];
    let seed_loss = [&seed_network[..], &["--loss", "seed", "--lr", "3.0"]].concat();
    let mse = [&seed_network[..], &["--loss", "mse", "--lr", "15"]].concat();
    let runs: [(&[&str], f64); 5] = [
        (&["train", "--data", "spiral"], 0.95),
        (&["train", "--data", "moons"], 0.95),
        (&seed_loss, 0.9735),
        (&mse, 0.9735),
        (
            &[
                "train",
                "--data",
                "mnist",
                "--hidden",
                "256,128",
                "--activation",
                "relu",
                "--optimizer",
                "adam",
                "--lr",
                "0.001",
                "--batch",
                "128",
                "--epochs",
                "10",
            ],
            0.9775,
        ),
    ];
    for (args, accuracy) in runs {
        let args = [args, &["--json"]].concat();
        let out = run(dir.path(), &args);
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert!(!stderr.contains("stalled"), "{args:?}: {stderr}");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let test = report["test"]["accuracy"].as_f64().unwrap();
        assert!(test >= accuracy, "{args:?}: test accuracy {test}");
    }
}
