//! From flags to what nn-train takes: data options and a training request, and
//! the output paths checked before any training starts.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nn_train::{DataOptions, DataSpec, TrainData, TrainRequest};

use nn_tui::{DataArgs, NetworkArgs, TrainingArgs};

/// The data options the flags ask for, with the input `features` the network
/// flags name; `early_stop` turns on a 10% validation split when none was given.
/// nn-train checks them ([`DataOptions::validate`]).
pub fn data_options(
    args: &DataArgs,
    features: Option<nn_data::Features>,
    early_stop: bool,
) -> DataOptions {
    DataOptions {
        samples: args.samples,
        noise: args.noise,
        seed: args.seed,
        validation_fraction: args.val_split.unwrap_or(if early_stop { 0.1 } else { 0.0 }),
        test_fraction: args.test_split,
        target: args.target.clone(),
        normalization: None,
        features,
    }
}

/// Parses `--data` and loads, splits and normalises the data.
pub fn load(spec: &str, options: &DataOptions) -> Result<(DataSpec, TrainData)> {
    let parsed = DataSpec::parse(spec)?;
    let data = nn_train::load_data(&parsed, options).with_context(|| format!("--data {spec}"))?;
    Ok((parsed, data))
}

/// What the network and training flags ask for; nn-train checks it and fills in the defaults.
pub fn request(net: &NetworkArgs, t: &TrainingArgs, seed: u64) -> TrainRequest {
    TrainRequest {
        hidden: net.hidden.clone(),
        layers: net.layers.clone(),
        activation: net.activation.map(Into::into),
        output: net.output.map(Into::into),
        loss: net.loss.map(Into::into),
        optimizer: t.optimizer.map(Into::into),
        learning_rate: t.lr,
        momentum: t.momentum,
        weight_decay: t.weight_decay,
        l1: t.l1,
        l2: t.l2,
        clip_norm: t.clip,
        schedule: t.schedule.into(),
        step_every: t.step_every,
        step_factor: t.step_factor,
        batch_size: t.batch,
        shuffle: !t.no_shuffle,
        epochs: t.epochs,
        threads: t.threads,
        seed,
        early_stop_patience: t.early_stop,
        checkpoint_dir: None,
        checkpoint_every: 1,
        pace: None,
    }
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Checks that a file can be written at `path` (by creating and removing a temporary
/// file beside it), so a bad path fails before training rather than after.
pub fn check_writable_file(flag: &str, path: &Path) -> Result<()> {
    if path.is_dir() {
        bail!(
            "{flag} {}: is a folder; expected a file name",
            path.display()
        );
    }
    let dir = folder_of(path);
    if !dir.is_dir() {
        bail!(
            "{flag} {}: the folder {} does not exist",
            path.display(),
            dir.display()
        );
    }
    probe(flag, path, &dir)
}

/// Creates `dir` if needed and checks that files can be written in it.
pub fn check_writable_dir(flag: &str, dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        bail!("{flag} {}: is a file; expected a folder", dir.display());
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{flag} {}: cannot create the folder", dir.display()))?;
    probe(flag, dir, dir)
}

fn probe(flag: &str, path: &Path, dir: &Path) -> Result<()> {
    tempfile::Builder::new()
        .prefix(".nn-tui-check-")
        .tempfile_in(dir)
        .map(drop)
        .with_context(|| {
            format!(
                "{flag} {}: cannot write in {}",
                path.display(),
                dir.display()
            )
        })
}
