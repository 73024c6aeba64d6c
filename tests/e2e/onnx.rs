//! `nn-tui export` checked by the real runtime: models trained with every hidden and output
//! activation and with the Playground's input features, regressions and an MNIST model among
//! them, are exported, checked by
//! `onnx.checker` and run by ONNX Runtime (`tests/onnx/run_onnxruntime.py`) on the rows
//! `nn-tui predict` reads; every output equals predict's (and the library's full output
//! rows) to 1e-5.
//!
//! The Python comes from `NN_TUI_PYTHON`, else the virtual environment `.ci/run` installs
//! (`$XDG_CACHE_HOME` or `~/.cache`, then `nn-tui/interop-venv`), and must import numpy,
//! onnx and onnxruntime. Without one the test says so and passes, except where one was asked
//! for (`NN_TUI_PYTHON` set, as `.ci/run` does, or `CI` set): there it fails.

use std::path::Path;
use std::process::Command;

use nn_core::Workspace;
use nn_train::Model;

use crate::common::*;

/// One model to train: a name, the data, the flags.
struct Case {
    name: &'static str,
    data: &'static str,
    flags: &'static [&'static str],
    output: &'static str,
}

const CASES: [Case; 9] = [
    Case {
        name: "relu-softmax",
        data: "moons.csv",
        flags: &["--hidden", "8,8", "--activation", "relu"],
        output: "probabilities",
    },
    Case {
        name: "sigmoid-sigmoid-binary",
        data: "xor.csv",
        flags: &[
            "--layers",
            "2,6,1",
            "--activation",
            "sigmoid",
            "--output",
            "sigmoid",
            "--loss",
            "bce",
        ],
        output: "probabilities",
    },
    Case {
        name: "tanh-linear-regression",
        data: "plane.csv",
        flags: &["--hidden", "6", "--activation", "tanh"],
        output: "values",
    },
    Case {
        name: "relu-linear-regression",
        data: "sine.csv",
        flags: &["--hidden", "16", "--activation", "relu"],
        output: "values",
    },
    Case {
        name: "linear-tanh",
        data: "circle.csv",
        flags: &[
            "--hidden",
            "5",
            "--activation",
            "linear",
            "--output",
            "tanh",
            "--loss",
            "mse",
        ],
        output: "scores",
    },
    Case {
        name: "features-circle",
        data: "circle.csv",
        flags: &[
            "--features",
            "x1^2,x2^2",
            "--hidden",
            "3",
            "--activation",
            "tanh",
        ],
        output: "probabilities",
    },
    Case {
        name: "all-features-spiral",
        data: "spiral.csv",
        flags: &[
            "--features",
            "x1,x2,x1^2,x2^2,x1x2,sinx1,sinx2,cosx1,cosx2",
            "--hidden",
            "8,8",
        ],
        output: "probabilities",
    },
    Case {
        name: "features-sine-regression",
        data: "sine.csv",
        flags: &["--features", "sinx1,cosx1", "--hidden", "4"],
        output: "values",
    },
    Case {
        name: "sigmoid-relu",
        data: "blobs.csv",
        flags: &[
            "--hidden",
            "8",
            "--activation",
            "sigmoid",
            "--output",
            "relu",
            "--loss",
            "mse",
        ],
        output: "scores",
    },
];

fn number(text: &str) -> f64 {
    text.parse()
        .unwrap_or_else(|e| panic!("{text:?} is not a number: {e}"))
}

/// Exports `model` and checks ONNX Runtime's outputs on `input` (a CSV predict reads)
/// against `nn-tui predict`'s and against the library's full rows.
fn check(python: &Path, dir: &Path, name: &str, input: &Path, expected_output: &str) {
    let model_path = format!("{name}.safetensors");
    let onnx_path = format!("{name}.onnx");
    let exported = run(
        dir,
        &["export", "--model", &model_path, "--onnx", &onnx_path],
    );
    assert!(
        exported.status.success(),
        "{name}: {}",
        text(&exported.stderr)
    );
    let model = Model::load(&dir.join(&model_path)).unwrap();
    let arch = model.network.architecture().clone();
    // The graph, as predict, reads the raw columns; the model computes its features.
    let inputs = model.raw_columns();
    assert_eq!(
        text(&exported.stdout),
        format!(
            "{onnx_path}: ONNX opset 17, features [batch, {inputs}] -> {expected_output} [batch, {}]\n",
            arch.outputs()
        )
    );

    let input_arg = input.display().to_string();
    // The raw columns copied before the predictions, for ONNX Runtime to read.
    let columns = model.info.feature_names.join(",");
    let predicted = run(
        dir,
        &[
            "predict",
            "--model",
            &model_path,
            "--input",
            &input_arg,
            "--columns",
            &columns,
        ],
    );
    assert!(
        predicted.status.success(),
        "{name}: {}",
        text(&predicted.stderr)
    );
    let (header, rows) = csv_rows(&text(&predicted.stdout));

    // The feature columns exactly as predict read them, in the model's order.
    let features_csv = dir.join(format!("{name}-features.csv"));
    let mut csv = header[..inputs].join(",");
    for row in &rows {
        csv.push('\n');
        csv.push_str(&row[..inputs].join(","));
    }
    std::fs::write(&features_csv, csv + "\n").unwrap();

    let ran = Command::new(python)
        .arg(workspace().join("tests/onnx/run_onnxruntime.py"))
        .arg(dir.join(&onnx_path))
        .arg(&features_csv)
        .output()
        .expect("python runs");
    assert!(ran.status.success(), "{name}: {}", text(&ran.stderr));
    let stdout = text(&ran.stdout);
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some(expected_output), "{name}: output name");
    let onnx_rows: Vec<Vec<f64>> = lines.map(|l| l.split(',').map(number).collect()).collect();
    assert_eq!(onnx_rows.len(), rows.len(), "{name}: rows");
    assert!(!rows.is_empty());

    // Every output against the library's full rows.
    let values: Vec<f32> = rows
        .iter()
        .flat_map(|r| r[..inputs].iter().map(|t| t.parse::<f32>().unwrap()))
        .collect();
    let mut workspace = Workspace::new();
    let ours = model.predict(&values, &mut workspace).unwrap().to_vec();
    let within = |a: f64, b: f64| (a - b).abs() <= 1e-5;
    for (i, (onnx_row, our_row)) in onnx_rows
        .iter()
        .zip(ours.chunks_exact(arch.outputs()))
        .enumerate()
    {
        assert_eq!(onnx_row.len(), our_row.len(), "{name}, row {i}");
        for (&o, &p) in onnx_row.iter().zip(our_row) {
            assert!(
                within(o, f64::from(p)),
                "{name}, row {i}: ONNX Runtime {onnx_row:?}, nn-tui {our_row:?}"
            );
        }
    }

    // And against what predict printed: values, or the class and its probability.
    let classes = &model.info.class_names;
    for (i, (row, onnx_row)) in rows.iter().zip(&onnx_rows).enumerate() {
        let printed = &row[inputs..];
        if classes.is_empty() {
            assert_eq!(printed.len(), onnx_row.len());
            for (p, &o) in printed.iter().zip(onnx_row) {
                assert!(
                    within(number(p), o),
                    "{name}, row {i}: predict {p}, ONNX {o}"
                );
            }
        } else {
            let as_f32: Vec<f32> = onnx_row.iter().map(|&v| v as f32).collect();
            let (class, probability) = model.classify(&as_f32);
            let mut sorted = as_f32.clone();
            sorted.sort_by(|a, b| b.total_cmp(a));
            // A near tie may fall either way within the tolerance; otherwise the class is predict's.
            if sorted.len() < 2 || sorted[0] - sorted[1] > 1e-5 {
                assert_eq!(printed[0], classes[class], "{name}, row {i}: {onnx_row:?}");
            }
            assert!(
                within(number(&printed[1]), f64::from(probability)),
                "{name}, row {i}: predict {}, ONNX {probability}",
                printed[1]
            );
        }
    }
}

fn train(dir: &Path, name: &str, data: &str, flags: &[&str]) {
    let model = format!("{name}.safetensors");
    let mut args = vec![
        "train",
        "--data",
        data,
        "--epochs",
        "5",
        "--save",
        &model,
        "--no-run-dir",
    ];
    args.extend(flags);
    let out = run(dir, &args);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
}

/// What `tests/onnx/run_onnxruntime.py` imports.
const MODULES: [&str; 3] = ["numpy", "onnx", "onnxruntime"];

#[test]
fn onnx_runtime_reproduces_predict_for_every_activation() {
    let Some(python) = interop_python(&MODULES) else {
        return;
    };
    let dir = tempdir();
    let datasets = workspace().join("datasets");
    for case in &CASES {
        let data = datasets.join(case.data);
        train(
            dir.path(),
            case.name,
            &data.display().to_string(),
            case.flags,
        );
        check(&python, dir.path(), case.name, &data, case.output);
    }
}

#[test]
fn onnx_runtime_reproduces_predict_on_mnist() {
    let Some(python) = interop_python(&MODULES) else {
        return;
    };
    let dir = tempdir();
    let d = dir.path();
    // The seed's network, narrower, one epoch: 784-32-10, sigmoid throughout, squared error.
    let flags = [
        "--layers",
        "784,32,10",
        "--activation",
        "sigmoid",
        "--output",
        "sigmoid",
        "--loss",
        "mse",
        "--optimizer",
        "sgd",
        "--lr",
        "3",
        "--batch",
        "32",
        "--epochs",
        "1",
    ];
    let mut args = vec!["train", "--data", "mnist", "--save", "mnist.safetensors"];
    args.extend(flags);
    let out = run(d, &args);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // 300 test images as a CSV of raw pixels, named as the model names its features.
    let mnist = nn_data::load_mnist(&nn_data::mnist_dir()).unwrap();
    let test = &mnist.test;
    let nn_data::Inputs::U8(pixels) = test.inputs() else {
        panic!("MNIST images are bytes");
    };
    let mut csv = test.feature_names().join(",");
    for image in pixels.chunks_exact(test.dim()).take(300) {
        csv.push('\n');
        csv.push_str(
            &image
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    let input = d.join("digits.csv");
    std::fs::write(&input, csv + "\n").unwrap();
    check(&python, d, "mnist", &input, "probabilities");
}

#[test]
fn export_errors_name_the_flag_and_leave_no_file() {
    let dir = tempdir();
    let d = dir.path();
    train(d, "m", "moons", &[]);
    let fail = |args: &[&str]| {
        let out = run(d, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        text(&out.stderr)
    };
    assert_eq!(
        fail(&[
            "export",
            "--model",
            "m.safetensors",
            "--onnx",
            "./m.safetensors"
        ]),
        "error: --onnx ./m.safetensors: is the --model file; expected another file name, such \
         as model.onnx\n"
    );
    assert_eq!(
        fail(&[
            "export",
            "--model",
            "m.safetensors",
            "--onnx",
            "no/such/m.onnx"
        ]),
        "error: --onnx no/such/m.onnx: the folder no/such does not exist\n"
    );
    std::fs::write(d.join("bad.safetensors"), b"not a model").unwrap();
    let err = fail(&["export", "--model", "bad.safetensors", "--onnx", "bad.onnx"]);
    assert!(
        err.starts_with("error: --model: bad.safetensors: "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let mut files: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["bad.safetensors", "m.safetensors"]);
}
