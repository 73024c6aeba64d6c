//! The losses' names: `mse` is PyTorch's `MSELoss`, `seed` the seed's `1/2 sum (d - o)^2`,
//! and model files saved before the two were told apart still load and say which they are.

use crate::common::{run, run_json, tempdir, text, workspace};

/// Recorded with commit 27c85ba, when `--loss mse` meant the seed's loss and files named it
/// `squared_error`: `nn-tui train --data xor --hidden 4 --activation sigmoid --output sigmoid
/// --loss mse --lr 1 --epochs 3 --seed 3`.
const OLD_FILE: &str = "tests/e2e/fixtures/squared-error-v1.safetensors";

#[test]
fn an_old_squared_error_model_loads_and_says_it_was_trained_with_the_seeds_loss() {
    let root = workspace();
    let info = run(&root, &["info", "--model", OLD_FILE]);
    assert!(info.status.success(), "{}", text(&info.stderr));
    let stdout = text(&info.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("loss "))
        .unwrap_or_else(|| panic!("a loss line in {stdout}"));
    assert!(
        line.contains("seed: 1/2 sum_k (d_k - o_k)^2") && line.contains("K/2 = 1 times mse's"),
        "{line}"
    );
    let report = run_json(&root, &["info", "--model", OLD_FILE, "--json"]);
    assert_eq!(report["loss"], "seed");
    // And it still evaluates, on the seed's loss.
    let eval = run_json(
        &root,
        &["eval", "--model", OLD_FILE, "--data", "xor", "--json"],
    );
    assert!(eval["accuracy"].as_f64().unwrap() > 0.8, "{eval}");
}

#[test]
fn saved_seed_models_state_the_learning_rate_relation_to_mse() {
    let dir = tempdir();
    run_json(
        dir.path(),
        &[
            "train",
            "--data",
            "blobs",
            "--hidden",
            "8",
            "--output",
            "sigmoid",
            "--loss",
            "seed",
            "--optimizer",
            "sgd",
            "--lr",
            "0.5",
            "--epochs",
            "2",
            "--save",
            "m.safetensors",
            "--json",
        ],
    );
    let bytes = std::fs::read(dir.path().join("m.safetensors")).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + header_len]).unwrap();
    let ours: serde_json::Value =
        serde_json::from_str(header["__metadata__"]["nn_tui"].as_str().unwrap()).unwrap();
    assert_eq!(ours["architecture"]["loss"], "seed");
    let classes = ours["class_names"].as_array().unwrap().len();
    let definition = ours["loss_definition"].as_str().unwrap();
    let factor = classes as f64 / 2.0;
    assert!(
        definition.contains(&format!(
            "K/2 = {factor} times mse's for these K = {classes}"
        )),
        "{definition}"
    );
}

#[test]
fn the_help_says_how_the_seeds_learning_rate_relates_to_mse() {
    let out = run(&workspace(), &["train", "--help"]);
    let help = text(&out.stdout);
    assert!(
        help.contains("--loss seed --lr r trains like --loss mse --lr r*K/2")
            && help.contains("PyTorch's MSELoss: the mean of (d - o)^2 over outputs and batch"),
        "{help}"
    );
}
