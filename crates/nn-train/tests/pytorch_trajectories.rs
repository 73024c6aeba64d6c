//! Training trajectories equal to PyTorch's.
//!
//! `tests/pytorch/trajectories.json` (recorded by `tests/pytorch/record_trajectories.py`
//! with real PyTorch) holds, per case, PyTorch's initial weights, a data set fed in order,
//! PyTorch's loss at each of the first 20 steps and its weights after them. Here the real
//! trainer (shards, gradient sum, optimizer) starts from the same weights, takes the same
//! batches (no shuffling, no input normalisation) and must give every loss to 1e-5
//! relative and the final weights to 1e-5.

use std::sync::Arc;

use nn_core::{Activation, Architecture, Loss, Network};
use nn_data::{Dataset, Inputs, Normalization, Targets};
use nn_train::{OptimizerKind, TrainConfig, TrainData, Trainer};
use serde_json::Value;

const FIXTURE: &str = include_str!("../../../tests/pytorch/trajectories.json");

const TOLERANCE: f64 = 1e-5;

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .expect("a list of numbers")
        .iter()
        .map(|x| x.as_f64().expect("a number") as f32)
        .collect()
}

/// A list of rows, flattened row-major.
fn rows(v: &Value) -> Vec<f32> {
    v.as_array()
        .expect("a list of rows")
        .iter()
        .flat_map(floats)
        .collect()
}

fn text<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {}", case["name"]))
}

/// PyTorch's state dict (`layers.{i}.weight` `[out, in]`, `layers.{i}.bias`) in our flat
/// layout: per layer, the weights row-major, then the biases.
fn parameters(state: &Value, layers: usize) -> Vec<f32> {
    (0..layers)
        .flat_map(|l| {
            let mut p = rows(&state[format!("layers.{l}.weight")]);
            p.extend(floats(&state[format!("layers.{l}.bias")]));
            p
        })
        .collect()
}

fn architecture(case: &Value) -> Architecture {
    let sizes = case["sizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_u64().unwrap() as usize)
        .collect();
    let activation = |key| Activation::from_name(text(case, key)).expect("an activation");
    // The output is named as PyTorch has it; our softmax is the one CrossEntropyLoss applies.
    let loss = Loss::from_name(text(case, "loss")).expect("a loss");
    let output = if loss == Loss::CrossEntropy {
        Activation::Softmax
    } else {
        activation("output")
    };
    Architecture::new(sizes, activation("hidden"), output, loss).unwrap()
}

/// Our optimizer, learning rate and L2 for the recorded `torch.optim` settings.
fn optimizer(case: &Value) -> (OptimizerKind, f32, f32) {
    let s = &case["settings"];
    let f = |key: &str| s[key].as_f64().unwrap_or_else(|| panic!("{key} in {s}")) as f32;
    assert_eq!(s["maximize"], false);
    let kind = match text(case, "optimizer") {
        "SGD" if f("momentum") == 0.0 => OptimizerKind::Sgd,
        "SGD" => {
            assert_eq!(f("dampening"), 0.0, "we implement no dampening");
            OptimizerKind::Momentum {
                momentum: f("momentum"),
                nesterov: s["nesterov"] == true,
            }
        }
        "Adam" => {
            assert_eq!(s["amsgrad"], false);
            OptimizerKind::Adam {
                beta1: s["betas"][0].as_f64().unwrap() as f32,
                beta2: s["betas"][1].as_f64().unwrap() as f32,
                epsilon: f("eps"),
            }
        }
        other => panic!("no case for torch.optim.{other}"),
    };
    // SGD's and Adam's weight_decay is an L2 term in the gradient: our l2.
    (kind, f("lr"), f("weight_decay"))
}

fn data(case: &Value, inputs: usize, outputs: usize) -> Arc<TrainData> {
    let x = rows(&case["inputs"]);
    let features = (0..inputs).map(|i| format!("x{i}")).collect();
    let train = if let Some(classes) = case.get("classes") {
        let classes = classes
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap() as u32)
            .collect();
        let names = (0..outputs).map(|c| c.to_string()).collect();
        Dataset::new(
            "pytorch",
            Inputs::F32(x),
            Targets::Classes(classes),
            features,
            vec!["label".into()],
            names,
        )
    } else {
        let names = (0..outputs).map(|k| format!("y{k}")).collect();
        Dataset::new(
            "pytorch",
            Inputs::F32(x),
            Targets::Values(rows(&case["targets"])),
            features,
            names,
            Vec::new(),
        )
    }
    .unwrap();
    Arc::new(TrainData {
        train,
        validation: None,
        test: None,
        // PyTorch saw the inputs as they are.
        normalization: Normalization::identity(inputs),
        features: None,
    })
}

fn relative(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs().max(f64::MIN_POSITIVE)
}

/// Runs one recorded case through the trainer with the given shards and threads.
fn check(case: &Value, steps: usize, shard_size: Option<usize>, threads: usize) {
    let name = text(case, "name");
    let arch = architecture(case);
    let layers = arch.layer_count();
    let (inputs, outputs) = (arch.inputs(), arch.outputs());
    let (kind, learning_rate, l2) = optimizer(case);
    let config = TrainConfig {
        optimizer: kind,
        learning_rate,
        l2,
        batch_size: case["batch"].as_u64().unwrap() as usize,
        shuffle: false,
        shard_size,
        threads,
        epochs: usize::MAX,
        ..TrainConfig::new(arch.clone())
    };
    let network = Network::from_parameters(arch, parameters(&case["initial"], layers)).unwrap();
    let mut trainer = Trainer::with_network(config, data(case, inputs, outputs), network).unwrap();
    let losses = floats(&case["losses"]);
    assert_eq!(losses.len(), steps, "{name}");
    for (step, &want) in losses.iter().enumerate() {
        let got = trainer.step().unwrap().loss;
        let err = relative(got, f64::from(want));
        assert!(
            err <= TOLERANCE,
            "{name} (shards {shard_size:?}, {threads} threads), step {}: loss {got} here, {want} in PyTorch (relative error {err:.1e})",
            step + 1
        );
    }
    let want = parameters(&case["final"], layers);
    let got = trainer.network().parameters();
    assert_eq!(got.len(), want.len());
    for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
        assert!(
            (f64::from(g) - f64::from(w)).abs() <= TOLERANCE * f64::from(w.abs()).max(1.0),
            "{name} (shards {shard_size:?}, {threads} threads): parameter {i} is {g} here, {w} in PyTorch"
        );
    }
}

#[test]
fn trainer_follows_pytorchs_trajectories() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let steps = fixture["steps"].as_u64().unwrap() as usize;
    let cases = fixture["cases"].as_array().unwrap();
    let covered: Vec<String> = cases
        .iter()
        .map(|c| {
            format!(
                "{}/{}/{}",
                text(c, "hidden"),
                text(c, "loss"),
                text(c, "optimizer")
            )
        })
        .collect();
    for needed in ["sigmoid/mse/SGD", "relu/ce/Adam", "tanh/bce/SGD"] {
        assert!(covered.iter().any(|c| c == needed), "{needed}: {covered:?}");
    }
    assert!(
        cases.iter().any(|c| c.get("targets").is_some()),
        "a regression case"
    );
    for case in cases {
        // One shard per batch on one thread; then shards of 3 samples summed across 2 threads.
        check(case, steps, None, 1);
        check(case, steps, Some(3), 2);
    }
}

#[test]
fn the_seeds_loss_at_a_fifth_of_the_rate_is_mses_trajectory_on_ten_outputs() {
    // Recorded from the same weights and data: lr 1 with 1/2 sum (d - o)^2 against lr 5
    // with MSELoss. PyTorch's losses differ by K/2 = 5 at every step.
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let case = |name: &str| {
        fixture["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("case {name}"))
            .clone()
    };
    let (mse, seed) = (
        case("seed_network_sigmoid_mse_sgd"),
        case("seed_network_sigmoid_seed_loss_sgd"),
    );
    assert_eq!(mse["initial"], seed["initial"]);
    assert_eq!(mse["inputs"], seed["inputs"]);
    for (m, s) in floats(&mse["losses"]).iter().zip(floats(&seed["losses"])) {
        assert!(relative(f64::from(s), 5.0 * f64::from(*m)) < 1e-5);
    }
    let arch = architecture(&seed);
    assert_eq!(
        arch.loss.mse_learning_rate_factor(arch.outputs()),
        Some(5.0)
    );
}
