//! The model file read outside nn-tui: `examples/numpy_load.py` (numpy and safetensors
//! only) must reproduce `nn-tui predict`'s outputs to 1e-5, on a softmax classifier, a
//! one-sigmoid-output classifier, a regression and a classifier on input features, each
//! with its input normalisation.
//!
//! The Python comes from `NN_TUI_PYTHON`, else the virtual environment `.ci/run` installs
//! (`$XDG_CACHE_HOME` or `~/.cache`, then `nn-tui/interop-venv`), if it imports numpy and
//! safetensors. Without one the test says so and passes, except in CI (`CI` set), where it
//! fails. `NN_TUI_TORCH_PYTHON`, a Python with torch (never in CI), also checks
//! `examples/pytorch_load.py`.

use std::path::PathBuf;
use std::process::Command;

use crate::common::{csv_rows, interop_python, run, tempdir, text, workspace};

/// Both outputs have the same columns and rows, the same texts and classes, and numbers within 1e-5.
fn assert_same_predictions(what: &str, ours: &str, theirs: &str) {
    let (ours_header, ours) = csv_rows(ours);
    let (theirs_header, theirs) = csv_rows(theirs);
    assert_eq!(ours_header, theirs_header, "{what}");
    assert_eq!(ours.len(), theirs.len(), "{what}: rows");
    assert!(!ours.is_empty(), "{what}: no rows");
    let numeric: Vec<bool> = ours_header
        .iter()
        .map(|h| h == "probability" || h.starts_with("prediction"))
        .collect();
    assert!(numeric.contains(&true), "{what}: {ours_header:?}");
    for (line, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        for ((x, y), &number) in a.iter().zip(b).zip(&numeric) {
            if number {
                let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
                assert!(
                    (x - y).abs() <= 1e-5,
                    "{what}, row {}: nn-tui predict {x}, Python {y}",
                    line + 1
                );
            } else {
                assert_eq!(x, y, "{what}, row {}", line + 1);
            }
        }
    }
}

#[test]
fn numpy_reproduces_nn_tui_predict() {
    let Some(python) = interop_python(&["numpy", "safetensors"]) else {
        return;
    };
    let torch = std::env::var_os("NN_TUI_TORCH_PYTHON").map(PathBuf::from);
    let root = workspace();
    let datasets = root.join("datasets");
    let dir = tempdir();
    let models: [(&str, &str, &[&str]); 4] = [
        (
            "softmax",
            "moons.csv",
            &["--hidden", "8,8", "--activation", "relu"],
        ),
        (
            "sigmoid",
            "xor.csv",
            &[
                "--layers",
                "2,6,1",
                "--activation",
                "sigmoid",
                "--output",
                "sigmoid",
                "--loss",
                "bce",
            ],
        ),
        (
            "regression",
            "plane.csv",
            &["--hidden", "6", "--activation", "tanh"],
        ),
        (
            "features",
            "circle.csv",
            &["--features", "x1^2,x2^2,x1x2,sinx1,cosx2", "--hidden", "4"],
        ),
    ];
    for (name, csv, flags) in models {
        let data = datasets.join(csv).display().to_string();
        let model = format!("{name}.safetensors");
        let mut args = vec!["train", "--data", &data, "--epochs", "3", "--save", &model];
        args.extend(flags);
        let trained = run(dir.path(), &args);
        assert!(
            trained.status.success(),
            "{args:?}: {}",
            text(&trained.stderr)
        );
        let predicted = run(
            dir.path(),
            // numpy_load.py writes the feature columns before the predictions.
            &[
                "predict",
                "--model",
                &model,
                "--input",
                &data,
                "--columns",
                "x1,x2",
            ],
        );
        assert!(predicted.status.success(), "{}", text(&predicted.stderr));
        let ours = text(&predicted.stdout);
        let scripts = std::iter::once((&python, "numpy_load.py"))
            .chain(torch.as_ref().map(|t| (t, "pytorch_load.py")));
        for (interpreter, script) in scripts {
            let out = Command::new(interpreter)
                .arg(root.join("examples").join(script))
                .args([&model, &data])
                .current_dir(dir.path())
                .output()
                .unwrap_or_else(|e| panic!("{}: {e}", interpreter.display()));
            assert!(out.status.success(), "{script}: {}", text(&out.stderr));
            assert_same_predictions(&format!("{script} on {name}"), &ours, &text(&out.stdout));
        }
    }
}
