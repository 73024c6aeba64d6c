//! The data of `cargo xtask bench-sweep`, split once for both tools: a CSV file's
//! rows cut into a training file and a test file (seeded and stratified, by nn-data's
//! own split), and the fold of each training row as `nn-tui sweep --folds K` cuts the
//! training file, so that scikit-learn cross-validates on the sweep's folds and both
//! winners are scored on the same test points.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use nn_atomic_write::write_atomically;
use nn_data::{CsvOptions, fold_indices, load_csv};

/// The files both tools read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchSplit {
    /// `train.csv`: the header and the training rows, in the file's order.
    pub train: PathBuf,
    /// `test.csv`: the header and the test rows, in the file's order.
    pub test: PathBuf,
    /// `folds.txt`: one line per row of `train.csv`, the fold (0 .. K) that holds it out.
    pub folds: PathBuf,
}

/// Writes the split of `csv` into `out`: `test_fraction` of each class to `test.csv`
/// (`Dataset::split_indices` with `seed`), the rest to `train.csv`, each row copied
/// byte for byte, and `folds.txt`, the fold of each training row.
///
/// The folds are the sweep's: `nn-tui sweep --data train.csv --test-split 0 --seed
/// SEED --folds K` loads the file, orders its samples as a split with no test and no
/// validation part does (`split_indices(0, 0, seed)`), and deals that order into
/// `fold_indices(n, K, seed)` (nn-sweep's `k_folds`; its test checks both).
///
/// # Errors
/// The file does not read as a CSV file of one sample a line, or has too few rows for
/// the folds; a file cannot be written.
pub fn write_split(
    csv: &Path,
    out: &Path,
    test_fraction: f32,
    folds: usize,
    seed: u64,
) -> anyhow::Result<BenchSplit> {
    let text =
        std::fs::read_to_string(csv).with_context(|| format!("reading {}", csv.display()))?;
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let rows: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    let all = load_csv(csv, &CsvOptions::default())?;
    if all.len() != rows.len() {
        bail!(
            "{}: {} samples on {} lines; expected one sample a line",
            csv.display(),
            all.len(),
            rows.len()
        );
    }
    let split = all.split_indices(0.0, test_fraction, seed)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let write = |name: &str, text: String| -> anyhow::Result<PathBuf> {
        let path = out.join(name);
        write_atomically(&path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    };
    let part = |indices: &[usize]| {
        let mut sorted = indices.to_vec();
        sorted.sort_unstable();
        let mut text = format!("{header}\n");
        for i in sorted {
            text.push_str(rows[i]);
            text.push('\n');
        }
        text
    };
    let train = write("train.csv", part(&split.train))?;
    let test = write("test.csv", part(&split.test))?;
    // The sweep's order of train.csv's samples, and its folds of that order.
    let order = load_csv(&train, &CsvOptions::default())?
        .split_indices(0.0, 0.0, seed)?
        .train;
    let mut fold_of = vec![0; order.len()];
    for (fold, positions) in fold_indices(order.len(), folds, seed)?
        .into_iter()
        .enumerate()
    {
        for p in positions {
            fold_of[order[p]] = fold;
        }
    }
    let folds = write(
        "folds.txt",
        fold_of.iter().map(|f| f.to_string() + "\n").collect(),
    )?;
    Ok(BenchSplit { train, test, folds })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .skip(1)
            .map(str::to_owned)
            .collect()
    }

    fn label(row: &str) -> &str {
        row.rsplit(',').next().unwrap()
    }

    #[test]
    fn the_split_is_disjoint_covering_stratified_and_seeded_and_every_fold_is_used() {
        let csv = crate::workspace_root().join("datasets/spiral.csv");
        let tmp = std::env::temp_dir().join(format!("xtask-bench-split-{}", std::process::id()));
        let split = write_split(&csv, &tmp.join("a"), 0.2, 5, 42).unwrap();
        let (train, test) = (rows(&split.train), rows(&split.test));
        let mut both: Vec<String> = train.iter().chain(&test).cloned().collect();
        both.sort();
        let mut original = rows(&csv);
        original.sort();
        assert_eq!(both, original, "every row once, in one part");
        for class in ["0", "1"] {
            let count = |part: &[String]| part.iter().filter(|r| label(r) == class).count();
            let whole = count(&original);
            assert_eq!(
                count(&test),
                (whole as f64 * 0.2).round() as usize,
                "class {class}"
            );
        }
        let folds: Vec<usize> = std::fs::read_to_string(&split.folds)
            .unwrap()
            .lines()
            .map(|l| l.parse().unwrap())
            .collect();
        assert_eq!(folds.len(), train.len());
        for f in 0..5 {
            let size = folds.iter().filter(|&&g| g == f).count();
            assert!(size.abs_diff(train.len() / 5) <= 1, "fold {f}: {size}");
        }
        let again = write_split(&csv, &tmp.join("b"), 0.2, 5, 42).unwrap();
        let other = write_split(&csv, &tmp.join("c"), 0.2, 5, 43).unwrap();
        for (path, same, differ) in [
            (&split.train, &again.train, &other.train),
            (&split.folds, &again.folds, &other.folds),
        ] {
            let read = |p: &PathBuf| std::fs::read(p).unwrap();
            assert_eq!(read(path), read(same), "{}", path.display());
            assert_ne!(read(path), read(differ), "{}", path.display());
        }
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
