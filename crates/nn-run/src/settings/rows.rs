//! The rows of [`SETTINGS`], one file per group of settings (`--help`'s headings,
//! and the rows a line does not hold); the order is this list's.

mod course;
mod data;
mod network;
mod training;
mod view;

use super::SettingRow;

/// Every setting of a run, in the order a state line writes them (and `--help`
/// lists their flags).
pub const SETTINGS: &[SettingRow] = &[
    data::DATA,
    data::SAMPLES,
    data::NOISE,
    data::TEST_FRACTION,
    data::VALIDATION_FRACTION,
    data::DATA_SEED,
    data::TARGET,
    network::FEATURES,
    network::HIDDEN,
    network::LAYERS,
    network::ACTIVATION,
    network::OUTPUT,
    network::LOSS,
    training::OPTIMIZER,
    training::MOMENTUM,
    training::WEIGHT_DECAY,
    training::BETAS,
    training::EPS,
    training::LEARNING_RATE,
    training::L1,
    training::L2,
    training::CLIP,
    training::BATCH_SIZE,
    training::SHUFFLE,
    training::SEED,
    view::SPEED,
    view::DISCRETIZE,
    view::TEST_POINTS,
    view::DEFAULTS,
    course::SCHEDULE,
    course::STEP_EVERY,
    course::STEP_FACTOR,
    course::MIN_LR_FACTOR,
    course::EPOCHS,
    course::EARLY_STOP,
    course::CHECKPOINT_EVERY,
    course::SHARD_SIZE,
];
