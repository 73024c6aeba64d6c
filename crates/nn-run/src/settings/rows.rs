//! The rows of [`SETTINGS`]: one per setting, in the order a state line writes
//! them (and `--help` lists their flags).

use nn_core::Loss;

use super::values::{
    activation, betas, betas_text, count, decode, encode, flag, float, join, number, one_of, seed,
    sizes,
};
use super::{DefaultValue, NamedValue, SettingRow};
use crate::request::{
    DEFAULT_BETAS, DEFAULT_EPS, DEFAULT_MOMENTUM, OptimizerChoice, Purpose, ScheduleChoice,
    TrainRequest,
};
use crate::setup::DataOptions;
use nn_train::{OptimizerKind, Setting};

/// `--activation`'s values (softmax only at the output).
const HIDDEN_ACTIVATIONS: &[NamedValue] = &[
    NamedValue::new("sigmoid", "The seed's 1 / (1 + e^-z)"),
    NamedValue::new("tanh", "tanh z"),
    NamedValue::new("relu", "max(0, z)"),
    NamedValue::new("linear", "z"),
];

/// `--output`'s values.
const OUTPUT_ACTIVATIONS: &[NamedValue] = &[
    NamedValue::new("sigmoid", "Independent probabilities (with mse or bce)"),
    NamedValue::new("softmax", "A distribution over the classes (with ce)"),
    NamedValue::new("linear", "Regression outputs"),
    NamedValue::new("tanh", "tanh z"),
    NamedValue::new("relu", "max(0, z)"),
];

/// `--loss`'s values.
const LOSSES: &[NamedValue] = &[
    NamedValue::new(
        "mse",
        "PyTorch's MSELoss: the mean of (d - o)^2 over outputs and batch",
    ),
    NamedValue::new(
        "seed",
        "The seed's 1/2 sum_k (d_k - o_k)^2 per sample, mean over the batch: K/2 times mse's \
         gradient",
    ),
    NamedValue::new("ce", "PyTorch's CrossEntropyLoss over a softmax output"),
    NamedValue::new(
        "bce",
        "PyTorch's BCELoss over sigmoid outputs (the mean over outputs)",
    ),
];

/// `--optimizer`'s values.
const OPTIMIZERS: &[NamedValue] = &[
    NamedValue::new("sgd", "Plain gradient descent, the seed's rule"),
    NamedValue::new("momentum", "Heavy-ball momentum"),
    NamedValue::new("nesterov", "Nesterov momentum"),
    NamedValue::new("adam", "Adam"),
    NamedValue::new("adamw", "Adam with decoupled weight decay"),
];

/// `--schedule`'s values.
const SCHEDULES: &[NamedValue] = &[
    NamedValue::new("constant", "The same rate throughout"),
    NamedValue::new(
        "step",
        "Multiply by --step-factor every --step-every epochs",
    ),
    NamedValue::new("cosine", "Cosine annealing over --epochs"),
];

/// Every setting of a run, in the order a state line writes them.
pub const SETTINGS: &[SettingRow] = &[
    SettingRow {
        setting: Setting::Data,
        key: Some("data"),
        flag: Some("--data"),
        value_name: "SPEC",
        heading: None,
        values: &[],
        playground: Some("dataset"),
        help: "Dataset: a generator, mnist, a CSV file with a header row, - for a CSV file on \
               stdin, or a folder of MNIST-format IDX files",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            l.data = decode(v);
            Ok(())
        }),
        print: Some(|l| Some(encode(&l.data))),
    },
    SettingRow {
        setting: Setting::Samples,
        key: Some("samples"),
        flag: Some("--samples"),
        value_name: "N",
        heading: Some("Data"),
        values: &[],
        playground: None,
        help: "Samples to generate (generators only)",
        default: DefaultValue::Fixed(|| DataOptions::default().samples.to_string()),
        restart: true,
        parse: Some(|l, v| {
            l.samples = Some(count(v, "a number of samples, e.g. 500")?);
            Ok(())
        }),
        print: Some(|l| l.samples.map(|v| v.to_string())),
    },
    SettingRow {
        setting: Setting::Noise,
        key: Some("noise"),
        flag: Some("--noise"),
        value_name: "F",
        heading: Some("Data"),
        values: &[],
        playground: Some("noise"),
        help: "Generator noise (default: the generator's own, e.g. 0.2 for spiral)",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            l.noise = Some(number(v, "a number, e.g. 0.2")?);
            Ok(())
        }),
        print: Some(|l| l.noise.map(float)),
    },
    SettingRow {
        setting: Setting::TestFraction,
        key: Some("test"),
        flag: Some("--test-split"),
        value_name: "F",
        heading: Some("Data"),
        values: &[],
        playground: Some("percTrainData"),
        help: "Fraction held out for testing (mnist has its own 10,000 test images)",
        default: DefaultValue::Fixed(|| float(DataOptions::default().test_fraction)),
        restart: true,
        parse: Some(|l, v| {
            l.test_fraction = Some(number(v, "a fraction, e.g. 0.2")?);
            Ok(())
        }),
        print: Some(|l| l.test_fraction.map(float)),
    },
    SettingRow {
        setting: Setting::ValidationFraction,
        key: Some("val"),
        flag: Some("--val-split"),
        value_name: "F",
        heading: Some("Data"),
        values: &[],
        playground: None,
        help: "Fraction held out for validation (0.1 when --early-stop is given without it)",
        // 0, but 0.1 with --early-stop and 0.2 in a sweep: said in the help.
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            l.validation_fraction = Some(number(v, "a fraction, e.g. 0.1")?);
            Ok(())
        }),
        print: Some(|l| l.validation_fraction.map(float)),
    },
    SettingRow {
        setting: Setting::DataSeed,
        key: Some("data-seed"),
        flag: Some("--seed"),
        value_name: "N",
        heading: Some("Data"),
        values: &[],
        playground: Some("seed"),
        help: "Seed for data generation, splits, initial weights and shuffling",
        default: DefaultValue::Fixed(|| DataOptions::default().seed.to_string()),
        restart: true,
        parse: Some(|l, v| {
            l.data_seed = Some(seed(v)?);
            Ok(())
        }),
        print: Some(|l| l.data_seed.map(|v| v.to_string())),
    },
    SettingRow {
        setting: Setting::Features,
        key: Some("features"),
        flag: Some("--features"),
        value_name: "LIST",
        heading: Some("Network"),
        values: &[],
        playground: None,
        help: "Input features computed from the columns x1 and x2 of 2-D data (the \
               Playground's): x1, x2, x1^2, x2^2, x1x2, sinx1, sinx2, cosx1, cosx2, comma \
               separated [default: the data's own columns]. The model file records them; eval \
               and predict apply them",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            l.features = Some(v.parse().map_err(|e| match e {
                nn_data::DataError::Features { problem, .. } => problem,
                e => e.to_string(),
            })?);
            Ok(())
        }),
        print: Some(|l| l.features.as_ref().map(ToString::to_string)),
    },
    SettingRow {
        setting: Setting::Hidden,
        key: Some("hidden"),
        flag: Some("--hidden"),
        value_name: "SIZES",
        heading: Some("Network"),
        values: &[],
        playground: Some("networkShape"),
        help: "Hidden layer sizes, e.g. 100,50 (inputs and outputs follow from the data)",
        default: DefaultValue::PerPurpose(|d| join(d.hidden)),
        restart: true,
        parse: Some(|l, v| {
            let sizes = sizes(v, "expected layer sizes, e.g. 8,8 (or nothing for none)")?;
            l.hidden = Some(sizes);
            Ok(())
        }),
        print: Some(|l| l.hidden.as_deref().map(join)),
    },
    SettingRow {
        setting: Setting::Layers,
        key: None,
        flag: Some("--layers"),
        value_name: "SIZES",
        heading: Some("Network"),
        values: &[],
        playground: None,
        help: "All layer sizes, inputs first, e.g. 784,100,10 (must match the data)",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            let sizes = sizes(v, "expected layer sizes, inputs first, e.g. 784,100,10")?;
            if sizes.is_empty() {
                return Err("expected layer sizes, inputs first, e.g. 784,100,10".into());
            }
            l.flag_only.layers = Some(sizes);
            Ok(())
        }),
        print: None,
    },
    SettingRow {
        setting: Setting::Activation,
        key: Some("activation"),
        flag: Some("--activation"),
        value_name: "NAME",
        heading: Some("Network"),
        values: HIDDEN_ACTIVATIONS,
        playground: Some("activation"),
        help: "Hidden-layer activation",
        default: DefaultValue::PerPurpose(|d| d.activation.name().into()),
        restart: true,
        parse: Some(|l, v| {
            l.activation = Some(activation(v, false)?);
            Ok(())
        }),
        print: Some(|l| l.activation.map(|a| a.name().into())),
    },
    SettingRow {
        setting: Setting::Output,
        key: Some("output"),
        flag: Some("--output"),
        value_name: "NAME",
        heading: Some("Network"),
        values: OUTPUT_ACTIVATIONS,
        playground: None,
        help: "Output-layer activation",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            l.output = Some(activation(v, true)?);
            Ok(())
        }),
        print: Some(|l| l.output.map(|a| a.name().into())),
    },
    SettingRow {
        setting: Setting::Loss,
        key: Some("loss"),
        flag: Some("--loss"),
        value_name: "NAME",
        heading: Some("Network"),
        values: LOSSES,
        playground: None,
        help: "Loss: mse, ce and bce are PyTorch's; seed is the seed's, whose gradient is K/2 \
               times mse's for K outputs, so --loss seed --lr r trains like --loss mse --lr r*K/2 \
               (5x on MNIST)",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            let names = Loss::ALL.map(Loss::name);
            l.loss = Some(Loss::from_name(v).ok_or_else(|| one_of(&names))?);
            Ok(())
        }),
        print: Some(|l| l.loss.map(|v| v.name().into())),
    },
    SettingRow {
        setting: Setting::Optimizer,
        key: Some("optimizer"),
        flag: Some("--optimizer"),
        value_name: "NAME",
        heading: Some("Training"),
        values: OPTIMIZERS,
        playground: None,
        help: "Update rule",
        default: DefaultValue::PerPurpose(|d| d.optimizer.name().into()),
        restart: true,
        parse: Some(|l, v| {
            let names = OptimizerChoice::ALL.map(OptimizerChoice::name);
            l.optimizer = Some(OptimizerChoice::from_name(v).ok_or_else(|| one_of(&names))?);
            Ok(())
        }),
        print: Some(|l| l.optimizer.map(|v| v.name().into())),
    },
    SettingRow {
        setting: Setting::Momentum,
        key: Some("momentum"),
        flag: Some("--momentum"),
        value_name: "F",
        heading: Some("Training"),
        values: &[],
        playground: None,
        help: "Momentum for --optimizer momentum|nesterov",
        default: DefaultValue::Fixed(|| float(DEFAULT_MOMENTUM)),
        restart: true,
        parse: Some(|l, v| {
            l.momentum = Some(number(v, "a number, e.g. 0.9")?);
            Ok(())
        }),
        print: Some(|l| l.momentum.map(float)),
    },
    SettingRow {
        setting: Setting::WeightDecay,
        key: Some("weight-decay"),
        flag: Some("--weight-decay"),
        value_name: "F",
        heading: Some("Training"),
        values: &[],
        playground: None,
        help: "Decoupled weight decay for --optimizer adamw",
        default: DefaultValue::Fixed(|| match OptimizerKind::ADAMW {
            OptimizerKind::AdamW { weight_decay, .. } => float(weight_decay),
            _ => unreachable!("ADAMW is AdamW"),
        }),
        restart: true,
        parse: Some(|l, v| {
            l.weight_decay = Some(number(v, "a number, e.g. 0.01")?);
            Ok(())
        }),
        print: Some(|l| l.weight_decay.map(float)),
    },
    SettingRow {
        setting: Setting::Betas,
        key: Some("betas"),
        flag: Some("--betas"),
        value_name: "B1,B2",
        heading: Some("Training"),
        values: &[],
        playground: None,
        help: "Decay rates of the running mean of the gradient and of its square, for \
               --optimizer adam|adamw (PyTorch's betas)",
        default: DefaultValue::Fixed(|| betas_text(DEFAULT_BETAS)),
        restart: true,
        parse: Some(|l, v| {
            l.betas = Some(betas(v)?);
            Ok(())
        }),
        print: Some(|l| l.betas.map(betas_text)),
    },
    SettingRow {
        setting: Setting::Eps,
        key: Some("eps"),
        flag: Some("--eps"),
        value_name: "F",
        heading: Some("Training"),
        values: &[],
        playground: None,
        help: "The term added to the denominator of Adam's step, for --optimizer adam|adamw \
               (PyTorch's eps)",
        default: DefaultValue::Fixed(|| float(DEFAULT_EPS)),
        restart: true,
        parse: Some(|l, v| {
            l.eps = Some(number(v, "a number, e.g. 1e-8")?);
            Ok(())
        }),
        print: Some(|l| l.eps.map(float)),
    },
    SettingRow {
        setting: Setting::LearningRate,
        key: Some("lr"),
        flag: Some("--lr"),
        value_name: "F",
        heading: Some("Training"),
        values: &[],
        playground: Some("learningRate"),
        help: "Learning rate (default: see below)",
        default: DefaultValue::PerPurpose(|d| float(d.rates.of(d.optimizer))),
        restart: false,
        parse: Some(|l, v| {
            l.learning_rate = Some(number(v, "a number, e.g. 0.03")?);
            Ok(())
        }),
        print: Some(|l| l.learning_rate.map(float)),
    },
    SettingRow {
        setting: Setting::L1,
        key: Some("l1"),
        flag: Some("--l1"),
        value_name: "F",
        heading: Some("Training"),
        values: &[],
        playground: Some("regularizationRate"),
        help: "L1 penalty on all parameters",
        default: DefaultValue::Fixed(|| float(TrainRequest::default().l1)),
        restart: false,
        parse: Some(|l, v| {
            l.l1 = Some(number(v, "a number, e.g. 0.001")?);
            Ok(())
        }),
        print: Some(|l| l.l1.map(float)),
    },
    SettingRow {
        setting: Setting::L2,
        key: Some("l2"),
        flag: Some("--l2"),
        value_name: "F",
        heading: Some("Training"),
        values: &[],
        playground: Some("regularizationRate"),
        help: "L2 penalty on all parameters",
        default: DefaultValue::Fixed(|| float(TrainRequest::default().l2)),
        restart: false,
        parse: Some(|l, v| {
            l.l2 = Some(number(v, "a number, e.g. 0.001")?);
            Ok(())
        }),
        print: Some(|l| l.l2.map(float)),
    },
    SettingRow {
        setting: Setting::Clip,
        key: Some("clip"),
        flag: Some("--clip"),
        value_name: "F",
        heading: Some("Training"),
        values: &[],
        playground: None,
        help: "Clip the gradient's global norm to this value",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            l.clip = Some(number(v, "a number, e.g. 1")?);
            Ok(())
        }),
        print: Some(|l| l.clip.map(float)),
    },
    SettingRow {
        setting: Setting::BatchSize,
        key: Some("batch"),
        flag: Some("--batch"),
        value_name: "N",
        heading: Some("Training"),
        values: &[],
        playground: Some("batchSize"),
        help: "Samples per mini-batch",
        default: DefaultValue::PerPurpose(|d| d.batch_size.to_string()),
        restart: false,
        parse: Some(|l, v| {
            l.batch_size = Some(count(v, "a number of samples, e.g. 10")?);
            Ok(())
        }),
        print: Some(|l| l.batch_size.map(|v| v.to_string())),
    },
    SettingRow {
        setting: Setting::Seed,
        key: Some("seed"),
        flag: Some("--seed"),
        value_name: "N",
        heading: Some("Data"),
        values: &[],
        playground: Some("seed"),
        help: "Seed for data generation, splits, initial weights and shuffling",
        default: DefaultValue::Fixed(|| TrainRequest::default().seed.to_string()),
        restart: true,
        parse: Some(|l, v| {
            l.seed = Some(seed(v)?);
            Ok(())
        }),
        print: Some(|l| l.seed.map(|v| v.to_string())),
    },
    SettingRow {
        setting: Setting::Speed,
        key: Some("speed"),
        flag: Some("--speed"),
        value_name: "SPEED",
        heading: None,
        values: &[],
        playground: None,
        help: "Epochs per second, from 1, or max [default: 60 on 2-D data (the Playground's \
               pace), max on wider data]; < and > change it",
        default: DefaultValue::PerPurpose(|d| d.pace.to_string()),
        restart: false,
        parse: Some(|l, v| {
            l.pace = Some(v.parse().map_err(|e: nn_train::SettingError| e.problem)?);
            Ok(())
        }),
        print: Some(|l| l.pace.map(|p| p.to_string())),
    },
    SettingRow {
        setting: Setting::Discretize,
        key: Some("discretize"),
        flag: None,
        value_name: "",
        heading: None,
        values: &[],
        playground: Some("discretize"),
        help: "The dashboard shows the output discretized (sign or class, not shades)",
        default: DefaultValue::Fixed(|| false.to_string()),
        restart: false,
        parse: Some(|l, v| {
            l.discretize = Some(flag(v)?);
            Ok(())
        }),
        print: Some(|l| l.discretize.map(|v| v.to_string())),
    },
    SettingRow {
        setting: Setting::TestPoints,
        key: Some("test-points"),
        flag: None,
        value_name: "",
        heading: None,
        values: &[],
        playground: Some("showTestData"),
        help: "The dashboard shows the test points",
        default: DefaultValue::Fixed(|| true.to_string()),
        restart: false,
        parse: Some(|l, v| {
            l.test_points = Some(flag(v)?);
            Ok(())
        }),
        print: Some(|l| l.test_points.map(|v| v.to_string())),
    },
    SettingRow {
        setting: Setting::Defaults,
        key: Some("defaults"),
        flag: None,
        value_name: "",
        heading: None,
        values: &[],
        playground: None,
        help: "Whose defaults fill in the settings a line leaves out: headless (nn-tui train) \
               or dashboard; by default, those of where the line is used",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            let names = Purpose::ALL.map(Purpose::name);
            l.defaults = Some(Purpose::from_name(v).ok_or_else(|| one_of(&names))?);
            Ok(())
        }),
        print: Some(|l| l.defaults.map(|p| p.name().into())),
    },
    SettingRow {
        setting: Setting::Schedule,
        key: None,
        flag: Some("--schedule"),
        value_name: "NAME",
        heading: Some("Training"),
        values: SCHEDULES,
        playground: None,
        help: "Learning-rate schedule: step multiplies by --step-factor every --step-every \
               epochs; cosine anneals to --min-lr-factor of the rate over --epochs",
        default: DefaultValue::Fixed(|| "constant".into()),
        restart: true,
        parse: Some(|l, v| {
            let names = ScheduleChoice::ALL.map(ScheduleChoice::name);
            l.flag_only.schedule =
                Some(ScheduleChoice::from_name(v).ok_or_else(|| one_of(&names))?);
            Ok(())
        }),
        print: None,
    },
    SettingRow {
        setting: Setting::StepEvery,
        key: None,
        flag: Some("--step-every"),
        value_name: "N",
        heading: Some("Training"),
        values: &[],
        playground: None,
        help: "Epochs between decays of --schedule step [default: a third of --epochs]",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            l.flag_only.step_every = Some(count(v, "a number of epochs, e.g. 30")?);
            Ok(())
        }),
        print: None,
    },
    SettingRow {
        setting: Setting::StepFactor,
        key: None,
        flag: Some("--step-factor"),
        value_name: "F",
        heading: Some("Training"),
        values: &[],
        playground: None,
        help: "Factor per decay of --schedule step",
        default: DefaultValue::Fixed(|| float(TrainRequest::default().step_factor)),
        restart: true,
        parse: Some(|l, v| {
            l.flag_only.step_factor = Some(number(v, "a number, e.g. 0.1")?);
            Ok(())
        }),
        print: None,
    },
    SettingRow {
        setting: Setting::MinLrFactor,
        key: None,
        flag: Some("--min-lr-factor"),
        value_name: "F",
        heading: Some("Training"),
        values: &[],
        playground: None,
        help: "The rate --schedule cosine anneals to, as a fraction of the learning rate \
               (PyTorch's eta_min / lr)",
        default: DefaultValue::Fixed(|| float(TrainRequest::default().min_lr_factor)),
        restart: true,
        parse: Some(|l, v| {
            l.flag_only.min_lr_factor = Some(number(v, "a fraction, e.g. 0.01")?);
            Ok(())
        }),
        print: None,
    },
    SettingRow {
        setting: Setting::Epochs,
        key: None,
        flag: Some("--epochs"),
        value_name: "N",
        heading: Some("Training"),
        values: &[],
        playground: None,
        help: "Epochs (full passes over the training data); with --resume, the total to reach",
        default: DefaultValue::PerPurpose(|d| {
            d.epochs
                .map_or_else(|| "until stopped".into(), |e| e.to_string())
        }),
        restart: false,
        parse: Some(|l, v| {
            l.flag_only.epochs = Some(count(v, "a number of epochs, e.g. 100")?);
            Ok(())
        }),
        print: None,
    },
    SettingRow {
        setting: Setting::EarlyStop,
        key: None,
        flag: Some("--early-stop"),
        value_name: "N",
        heading: Some("Training"),
        values: &[],
        playground: None,
        help: "Stop when validation loss has not improved for N epochs, keeping the best weights",
        default: DefaultValue::Derived,
        restart: true,
        parse: Some(|l, v| {
            l.flag_only.early_stop = Some(count(v, "a number of epochs, e.g. 10")?);
            Ok(())
        }),
        print: None,
    },
    SettingRow {
        setting: Setting::CheckpointEvery,
        key: None,
        flag: Some("--checkpoint-every"),
        value_name: "N",
        heading: Some("Output"),
        values: &[],
        playground: None,
        help: "Epochs between checkpoints",
        default: DefaultValue::Fixed(|| TrainRequest::default().checkpoint_every.to_string()),
        restart: false,
        parse: Some(|l, v| {
            l.flag_only.checkpoint_every = Some(count(v, "a number of epochs, e.g. 1")?);
            Ok(())
        }),
        print: None,
    },
    SettingRow {
        setting: Setting::ShardSize,
        key: None,
        flag: None,
        value_name: "",
        heading: None,
        values: &[],
        playground: None,
        help: "Samples per shard (a function of the batch size alone by default)",
        default: DefaultValue::Derived,
        restart: true,
        parse: None,
        print: None,
    },
];
