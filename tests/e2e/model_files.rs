//! The save -> info -> eval -> predict round trip, and predictions through a closed pipe.

use std::process::Command;

use crate::common::*;

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
    let points = nn_data::moons(300, 0.1, 7);
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
            "--columns",
            "x1,x2",
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
            "--columns",
            "x1,x2",
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
    let points = nn_data::moons(30_000, 0.1, 3);
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

/// `train --features` headless: the model file records the features, `info`
/// shows them, `eval` and `predict` compute them from the raw columns x1, x2.
#[test]
fn features_are_recorded_and_applied() {
    let dir = tempdir();
    let d = dir.path();
    let trained = run_json(
        d,
        &[
            "train",
            "--data",
            "circle",
            "--features",
            "x1^2,x2^2",
            "--hidden",
            "4",
            "--epochs",
            "20",
            "--save",
            "c.safetensors",
            "--json",
        ],
    );
    assert_eq!(trained["layers"], serde_json::json!([2, 4, 2]));
    let info = run_json(d, &["info", "--model", "c.safetensors", "--json"]);
    assert_eq!(info["features"], serde_json::json!(["x1", "x2"]));
    assert_eq!(info["input_features"], serde_json::json!(["x1^2", "x2^2"]));
    let evaluated = run_json(
        d,
        &[
            "eval",
            "--model",
            "c.safetensors",
            "--data",
            "circle",
            "--json",
        ],
    );
    assert_eq!(evaluated["loss"], trained["test"]["loss"]);
    assert!(evaluated["accuracy"].as_f64().unwrap() > 0.9, "{evaluated}");

    // A point in the middle is the inner class (1); one far out is the outer (0).
    std::fs::write(d.join("p.csv"), "x1,x2\n0.1,-0.2\n4.5,0.5\n").unwrap();
    let out = run(
        d,
        &[
            "predict",
            "--model",
            "c.safetensors",
            "--input",
            "p.csv",
            "--columns",
            "all",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: Vec<String> = text(&out.stdout).lines().map(String::from).collect();
    assert_eq!(rows[0], "x1,x2,class,probability");
    assert!(rows[1].starts_with("0.1,-0.2,1,"), "{rows:?}");
    assert!(rows[2].starts_with("4.5,0.5,0,"), "{rows:?}");

    let out = run(d, &["train", "--data", "mnist", "--features", "x1,x1^2"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        "error: --features x1,x1^2: expected data with the columns x1, x2 (the 2-D generators), not images"
    );
}

/// A plain PyTorch state dict (no nn-tui metadata; written by
/// crates/nn-core/tests/fixtures/torch_sequential.py): refused without `--assume`,
/// read with it, with a warning of what is assumed, and its predictions are PyTorch's.
#[test]
fn a_file_without_metadata_needs_assume_and_then_predicts_as_pytorch() {
    let dir = tempdir();
    let d = dir.path();
    let model = workspace().join("crates/nn-core/tests/fixtures/torch_sequential.safetensors");
    let model = model.display().to_string();
    let out = run(d, &["info", "--model", &model]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("no nn-tui metadata")
            && stderr.contains("give --assume HIDDEN,OUTPUT,LOSS"),
        "{stderr}"
    );
    std::fs::write(d.join("points.csv"), "a,b\n0.5,-1.0\n2.0,0.25\n").unwrap();
    let out = run(
        d,
        &[
            "predict",
            "--model",
            &model,
            "--assume",
            "tanh,softmax,ce",
            "--input",
            "points.csv",
            "--columns",
            "a,b",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        format!(
            "warning: {model} has no nn-tui metadata; assuming tanh hidden, softmax output, ce loss, raw inputs (no normalisation), no class or feature names\n"
        )
    );
    let stdout = text(&out.stdout);
    let probabilities: Vec<f64> = stdout
        .lines()
        .skip(1)
        .flat_map(|l| {
            l.split(',')
                .skip(2)
                .map(|p| p.parse::<f64>().unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(stdout.lines().next(), Some("a,b,prediction_1,prediction_2"));
    // torch 2.15: softmax(model(x)) = [0.611402392, 0.388597578], [0.632172048, 0.367827982].
    let torch = [0.611_402_392, 0.388_597_578, 0.632_172_048, 0.367_827_982];
    assert_eq!(probabilities.len(), 4, "{stdout}");
    for (got, want) in probabilities.iter().zip(torch) {
        assert!((got - want).abs() < 1e-6, "{stdout}");
    }
}
