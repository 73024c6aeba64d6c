//! The data loaded as the flags ask, and the output paths checked before any
//! training starts. (What the flags ask for is the lib's: `RunArgs::run`.)

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nn_run::{DataOptions, DataSpec};
use nn_train::TrainData;

/// Parses `--data` and loads, splits and normalises the data.
pub fn load(spec: &str, options: &DataOptions) -> Result<(DataSpec, TrainData)> {
    let parsed = DataSpec::parse(spec)?;
    let data = nn_run::load_data(&parsed, options).with_context(|| format!("--data {spec}"))?;
    Ok((parsed, data))
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
