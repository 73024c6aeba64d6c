//! Where rescued work goes: three rules for three situations, each written once.
//!
//! - A headless run interrupted (Ctrl-C, SIGHUP) with no checkpoint folder: a
//!   *checkpoint* to resume from, [`INTERRUPTED_CHECKPOINT`] in the model's folder,
//!   else the current one ([`interrupted_checkpoint`]).
//! - A model that could not be saved where asked: the *model* under the same name
//!   in the checkpoint folder, else `nn-tui-rescued-<pid>-<name>` in the temporary
//!   folder ([`rescue_model`]).
//! - The dashboard killed (SIGTERM, SIGHUP, a dropped terminal): the *model*
//!   beside the model's path, `<model>.recovery.<ext>` ([`recovery_path`]).

use std::path::{Path, PathBuf};

use nn_train::Trainer;

/// The checkpoint an interrupted run writes when no checkpoint folder was given.
pub const INTERRUPTED_CHECKPOINT: &str = "nn-tui-interrupted.safetensors";

/// Where an interrupted run without a checkpoint folder leaves its checkpoint:
/// beside the model it was to `save`, else in the current folder.
pub fn interrupted_checkpoint(save: Option<&Path>) -> PathBuf {
    save.map_or_else(
        || PathBuf::from(INTERRUPTED_CHECKPOINT),
        |save| folder_of(save).join(INTERRUPTED_CHECKPOINT),
    )
}

/// Saves the model somewhere else after saving it at `save` failed: the
/// checkpoint folder, else the system's temporary folder. Returns where it went.
pub fn rescue_model(
    trainer: &Trainer,
    save: &Path,
    checkpoint_dir: Option<&Path>,
) -> Option<PathBuf> {
    let name = save.file_name().map_or_else(
        || format!("nn-tui-rescued-{}.safetensors", std::process::id()),
        |n| n.to_string_lossy().into_owned(),
    );
    let candidates =
        checkpoint_dir.map(|d| d.join(&name)).into_iter().chain([
            std::env::temp_dir().join(format!("nn-tui-rescued-{}-{name}", std::process::id()))
        ]);
    candidates
        .filter(|c| c != save)
        .find(|c| trainer.save_model(c).is_ok())
}

/// Where the model goes when the dashboard is killed: `model.safetensors` -> `model.recovery.safetensors`.
pub fn recovery_path(model: &Path) -> PathBuf {
    let stem = model
        .file_stem()
        .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
    let name = match model.extension() {
        Some(ext) => format!("{stem}.recovery.{}", ext.to_string_lossy()),
        None => format!("{stem}.recovery"),
    };
    model.with_file_name(name)
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_path_sits_beside_the_model() {
        assert_eq!(
            recovery_path(Path::new("out/model.safetensors")),
            Path::new("out/model.recovery.safetensors")
        );
        assert_eq!(recovery_path(Path::new("m")), Path::new("m.recovery"));
    }

    #[test]
    fn an_interrupted_checkpoint_sits_beside_the_model_or_here() {
        assert_eq!(
            interrupted_checkpoint(Some(Path::new("out/m.safetensors"))),
            Path::new("out").join(INTERRUPTED_CHECKPOINT)
        );
        assert_eq!(
            interrupted_checkpoint(Some(Path::new("m.safetensors"))),
            Path::new(".").join(INTERRUPTED_CHECKPOINT)
        );
        assert_eq!(
            interrupted_checkpoint(None),
            Path::new(INTERRUPTED_CHECKPOINT)
        );
    }
}
