//! `nn-tui explain`: a saved model's backpropagation for one sample, checked
//! against `predict` (the same normalisation) and against the seed's rules.

use serde_json::Value;

use crate::common::*;

fn train_spiral(d: &std::path::Path) {
    run_json(
        d,
        &[
            "train",
            "--data",
            "spiral",
            "--epochs",
            "5",
            "--save",
            "m.safetensors",
            "--json",
        ],
    );
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("a number: {v}"))
}

#[test]
fn explains_every_neuron_and_agrees_with_predict() {
    let dir = tempdir();
    let d = dir.path();
    train_spiral(d);
    let args = [
        "explain",
        "--model",
        "m.safetensors",
        "--input",
        "x1=0.5,x2=-1",
        "--target",
        "1",
        "--lr",
        "0.5",
    ];
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let report = run_json(d, &json_args);
    assert_eq!(report["architecture"], serde_json::json!([2, 16, 16, 2]));
    assert_eq!(report["input"]["raw"], serde_json::json!([0.5, -1.0]));
    assert_eq!(report["input"]["normalization"], "standardize");
    assert_eq!(report["target"]["class"], 1);
    let layers = report["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 3);
    let widths: Vec<usize> = layers
        .iter()
        .map(|l| l["neurons"].as_array().unwrap().len())
        .collect();
    assert_eq!(widths, [16, 16, 2]);

    // The outputs are predict's probabilities: the same raw input, the same normalisation.
    std::fs::write(d.join("one.csv"), "x1,x2\n0.5,-1\n").unwrap();
    let predicted = run(
        d,
        &["predict", "--model", "m.safetensors", "--input", "one.csv"],
    );
    let line = text(&predicted.stdout).lines().nth(1).unwrap().to_string();
    let fields: Vec<&str> = line.split(',').collect();
    let (class, probability): (usize, f64) =
        (fields[0].parse().unwrap(), fields[1].parse().unwrap());
    let outputs = layers[2]["neurons"].as_array().unwrap();
    assert!(
        (f(&outputs[class]["output"]) - probability).abs() < 1e-5,
        "{line}"
    );

    // Softmax with cross-entropy: delta = d - o; every weight change is r * o_in * delta.
    for (k, neuron) in outputs.iter().enumerate() {
        let (o, d_k, delta) = (
            f(&neuron["output"]),
            f(&neuron["desired"]),
            f(&neuron["delta"]),
        );
        assert_eq!(d_k, if k == 1 { 1.0 } else { 0.0 });
        assert!((delta - (d_k - o)).abs() < 1e-6);
        assert_eq!(neuron["rule"]["kind"], "cancelled");
    }
    for layer in layers {
        for neuron in layer["neurons"].as_array().unwrap() {
            let delta = f(&neuron["delta"]);
            let incoming = neuron["incoming"].as_array().unwrap();
            assert_eq!(incoming[0]["source"], "bias");
            assert_eq!(f(&incoming[0]["input"]), -1.0);
            for i in incoming {
                let want = 0.5 * f(&i["input"]) * delta;
                assert!((f(&i["change"]) - want).abs() <= 1e-7 + 1e-6 * want.abs());
            }
            assert!(
                neuron["formulas"]["delta"]
                    .as_str()
                    .unwrap()
                    .starts_with("δ = ")
            );
        }
    }

    let out = run(d, &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    for needle in [
        "input   x1 = 0.5, x2 = -1 (raw)",
        "normalised as in training (standardize), as predict does",
        "target  class 1 (\"1\")",
        "rate    r = 0.5 (--lr)",
        "layer 1: 16 hidden neurons, relu",
        "layer 3: 2 output neurons, softmax",
        "\nn1.1\n",
        "\nn2.16\n",
        "\nn3.2\n",
        "  d = 1\n",
        "δ = d−o = (1−",
        "softmax with cross-entropy",
        "  bias ",
        "  n2.16 ",
    ] {
        assert!(shown.contains(needle), "no {needle:?} in\n{shown}");
    }
    // Without --lr: train's plain-SGD default, said so.
    let out = run(d, &args[..7]);
    assert!(
        text(&out.stdout).contains("rate    r = 0.1 (train's plain-SGD default; --lr sets it)")
    );
}

#[test]
fn bad_samples_name_the_flag() {
    let dir = tempdir();
    let d = dir.path();
    train_spiral(d);
    let cases: [(&[&str], &str); 6] = [
        (
            &["--input", "x1=0.5,x3=1", "--target", "1"],
            "error: --input \"x1=0.5,x3=1\": the model has no input \"x3\"; its inputs are x1, x2",
        ),
        (
            &["--input", "x1=0.5", "--target", "1"],
            "error: --input \"x1=0.5\": missing x2; give x1, x2 as name=value pairs, or 2 values in that order",
        ),
        (
            &["--input", "0.5,abc", "--target", "1"],
            "error: --input \"0.5,abc\": \"abc\" is not a finite number",
        ),
        (
            &["--input", "0.5,-1", "--target", "7"],
            "error: --target \"7\": expected a class: one of 0, 1 or an index 0 to 1",
        ),
        (
            &["--input", "0.5,-1", "--target", "1", "--lr", "0"],
            "error: --lr 0: expected a positive learning rate such as 0.01",
        ),
        (
            &[
                "--input",
                "0.5,-1",
                "--target",
                "1",
                "--model",
                "nope.safetensors",
            ],
            "error: --model: ",
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["explain"];
        if !extra.contains(&"--model") {
            args.extend(["--model", "m.safetensors"]);
        }
        args.extend(extra);
        let out = run(d, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(stderr.starts_with(want), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn explains_a_regression_with_desired_values() {
    let dir = tempdir();
    let d = dir.path();
    run_json(
        d,
        &[
            "train",
            "--data",
            "sine",
            "--epochs",
            "3",
            "--save",
            "s.safetensors",
            "--json",
        ],
    );
    let report = run_json(
        d,
        &[
            "explain",
            "--model",
            "s.safetensors",
            "--input",
            "-0.3",
            "--target",
            "-0.25",
            "--json",
        ],
    );
    // Leading minus signs are values, not flags.
    assert_eq!(f(&report["input"]["raw"][0]), f64::from(-0.3f32));
    let output = &report["layers"][2]["neurons"][0];
    assert_eq!(f(&output["desired"]), -0.25);
    // A linear output under mse, the mean over K = 1 outputs: delta = (2/K) f'(o)(d - o), f' = 1.
    assert_eq!(output["rule"]["kind"], "squared_error");
    assert_eq!(output["rule"]["loss"], "mse");
    assert_eq!(output["rule"]["scale"]["numerator"], 2);
    assert_eq!(output["rule"]["derivative"]["activation"], "linear");
    assert!(
        (f(&output["delta"]) - 2.0 * (-0.25 - f(&output["output"]))).abs() < 1e-6,
        "{output}"
    );
    assert!(
        output["formulas"]["delta"]
            .as_str()
            .unwrap()
            .starts_with("δ = (2/K)·(d−o) = (2/1)·(-0.25−"),
        "{output}"
    );
}

#[test]
fn a_model_with_input_features_is_given_its_raw_columns() {
    let dir = tempdir();
    let d = dir.path();
    run_json(
        d,
        &[
            "train",
            "--data",
            "circle",
            "--features",
            "x1,x2,x1^2,x2^2",
            "--epochs",
            "3",
            "--save",
            "c.safetensors",
            "--json",
        ],
    );
    let args = [
        "explain",
        "--model",
        "c.safetensors",
        "--input",
        "x1=0.5,x2=-1",
        "--target",
        "0",
    ];
    let out = run(d, &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("input features x1, x2, x1^2, x2^2 computed, normalised as in training"),
        "{shown}"
    );
    assert!(
        shown.contains("  x2^2 "),
        "the table names the features\n{shown}"
    );
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let report = run_json(d, &json_args);
    assert_eq!(report["input"]["names"], serde_json::json!(["x1", "x2"]));
    assert_eq!(
        report["input"]["network_names"],
        serde_json::json!(["x1", "x2", "x1^2", "x2^2"])
    );
    // The outputs are predict's, features and all.
    std::fs::write(d.join("one.csv"), "x1,x2\n0.5,-1\n").unwrap();
    let predicted = run(
        d,
        &["predict", "--model", "c.safetensors", "--input", "one.csv"],
    );
    let line = text(&predicted.stdout).lines().nth(1).unwrap().to_string();
    let fields: Vec<&str> = line.split(',').collect();
    let (class, probability): (usize, f64) =
        (fields[0].parse().unwrap(), fields[1].parse().unwrap());
    let o = f(&report["layers"][2]["neurons"][class]["output"]);
    assert!((o - probability).abs() < 1e-5, "{line} vs {o}");
}
