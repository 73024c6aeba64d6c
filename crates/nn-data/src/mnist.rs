//! MNIST handwritten digits from the four IDX files in `datasets/mnist/`
//! (gzip or raw): 60,000 training and 10,000 test images of 28 x 28 bytes,
//! labels 0..=9. Inputs stay `u8`; [`crate::NormalizationKind::Scale255`] is
//! the natural normalisation.

use std::path::{Path, PathBuf};

use crate::idx::load_images_and_labels;
use crate::{DataError, Dataset};

/// Digits 0..=9.
pub const MNIST_CLASSES: u32 = 10;

/// The training and test sets as published.
#[derive(Debug, Clone, PartialEq)]
pub struct Mnist {
    /// 60,000 images, named `mnist-train`.
    pub train: Dataset,
    /// 10,000 images, named `mnist-test`.
    pub test: Dataset,
}

/// Loads MNIST from `dir`, preferring `<name>.gz` and falling back to the raw
/// `<name>` file. The test set is decoded on a second thread while the
/// training set is decoded on this one.
///
/// # Errors
/// Any error of the IDX reader (missing file, bad header, label > 9, counts that differ).
pub fn load_mnist(dir: &Path) -> Result<Mnist, DataError> {
    let file = |name: &str| {
        let gz = dir.join(format!("{name}.gz"));
        if gz.exists() { gz } else { dir.join(name) }
    };
    let part = |prefix: &str, name: &str| {
        load_images_and_labels(
            &file(&format!("{prefix}-images-idx3-ubyte")),
            &file(&format!("{prefix}-labels-idx1-ubyte")),
            MNIST_CLASSES,
            name,
        )
    };
    let (train, test) = std::thread::scope(|s| {
        let test = s.spawn(|| part("t10k", "mnist-test"));
        let train = part("train", "mnist-train");
        (train, test.join())
    });
    let test = test.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    Ok(Mnist {
        train: train?,
        test: test?,
    })
}

/// Where MNIST lives: the first `datasets/mnist` found in the current
/// directory or one of its ancestors, else the workspace's own
/// (`CARGO_MANIFEST_DIR/../../datasets/mnist`).
pub fn mnist_dir() -> PathBuf {
    let marker = "train-labels-idx1-ubyte.gz";
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            let candidate = dir.join("datasets").join("mnist");
            if candidate.join(marker).is_file() {
                return candidate;
            }
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/mnist")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Inputs, Task};

    #[test]
    fn loads_the_committed_files_with_the_published_label_counts() {
        let mnist = load_mnist(&mnist_dir()).unwrap();
        assert_eq!(mnist.train.len(), 60_000);
        assert_eq!(mnist.test.len(), 10_000);
        assert_eq!(mnist.train.dim(), 784);
        assert_eq!(mnist.train.task(), Task::Classification { classes: 10 });
        assert_eq!(mnist.train.class_names()[9], "9");
        assert!(matches!(mnist.train.inputs(), Inputs::U8(_)));
        assert_eq!(
            mnist.train.class_counts(),
            [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
        );
        assert_eq!(
            mnist.test.class_counts(),
            [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
        );
    }

    #[test]
    fn missing_directory_names_the_file() {
        let err = load_mnist(Path::new("/nonexistent/mnist")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/nonexistent/mnist/train-images-idx3-ubyte: "),
            "{err}"
        );
    }
}
