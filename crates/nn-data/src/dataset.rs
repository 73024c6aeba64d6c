//! [`Dataset`]: one contiguous `[n, d]` input matrix plus targets, and the
//! allocation-free per-batch gather the trainer calls on its hot path.

use crate::{DataError, Normalization};

/// The input matrix, `[n, dim]` row-major.
///
/// MNIST stays `U8` in memory: 70,000 x 784 bytes is 55 MB, against 220 MB as
/// `f32`. Each batch is converted (and normalised) to `f32` when it is gathered by
/// [`Dataset::write_batch_inputs`], which costs far less than the forward pass.
#[derive(Debug, Clone, PartialEq)]
pub enum Inputs {
    /// Real-valued features (generators, CSV).
    F32(Vec<f32>),
    /// Bytes, e.g. pixels 0..=255 (IDX/MNIST).
    U8(Vec<u8>),
}

impl Inputs {
    /// Number of values (`n * dim`).
    pub fn len(&self) -> usize {
        match self {
            Inputs::F32(values) => values.len(),
            Inputs::U8(values) => values.len(),
        }
    }

    /// True when there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What the model has to predict.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// One class index per sample, each `< class_names.len()`.
    Classes(Vec<u32>),
    /// `[n, outputs]` row-major regression targets.
    Values(Vec<f32>),
}

/// The kind of problem a dataset poses, with its output width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Task {
    /// Predict one of `classes` classes.
    Classification {
        /// Number of classes (at least 1).
        classes: usize,
    },
    /// Predict `outputs` real values.
    Regression {
        /// Number of outputs (at least 1).
        outputs: usize,
    },
}

impl Task {
    /// Width of the network's output layer for this task.
    pub fn outputs(self) -> usize {
        match self {
            Task::Classification { classes } => classes,
            Task::Regression { outputs } => outputs,
        }
    }
}

/// A labelled dataset: `n` samples of `dim` features each, and their targets.
///
/// Invariants, checked by [`Dataset::new`]: `inputs.len() == n * dim` with
/// `dim = feature_names.len() >= 1`; for classification `class_names` is not
/// empty and every class index is below its length; for regression
/// `class_names` is empty and `targets.len() == n * target_names.len()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    name: String,
    inputs: Inputs,
    targets: Targets,
    feature_names: Vec<String>,
    target_names: Vec<String>,
    class_names: Vec<String>,
    len: usize,
}

impl Dataset {
    /// Builds a dataset after checking that its parts fit together.
    ///
    /// `target_names` names the target column(s): one name (e.g. `label`) for
    /// classification, one per output for regression.
    ///
    /// # Errors
    /// [`DataError::InvalidDataset`] when lengths disagree, there are no
    /// features, or a class index is out of range.
    pub fn new(
        name: impl Into<String>,
        inputs: Inputs,
        targets: Targets,
        feature_names: Vec<String>,
        target_names: Vec<String>,
        class_names: Vec<String>,
    ) -> Result<Self, DataError> {
        let name = name.into();
        let invalid = |message: String| DataError::InvalidDataset {
            name: name.clone(),
            message,
        };
        let dim = feature_names.len();
        if dim == 0 {
            return Err(invalid("expected at least one feature".into()));
        }
        if !inputs.len().is_multiple_of(dim) {
            return Err(invalid(format!(
                "{} input values do not make rows of {dim} features",
                inputs.len()
            )));
        }
        let len = inputs.len() / dim;
        match &targets {
            Targets::Classes(classes) => {
                if class_names.is_empty() {
                    return Err(invalid("classification needs class names".into()));
                }
                if target_names.len() != 1 {
                    return Err(invalid("classification needs one target name".into()));
                }
                if classes.len() != len {
                    return Err(invalid(format!(
                        "{} labels for {len} samples",
                        classes.len()
                    )));
                }
                if let Some(bad) = classes.iter().find(|&&c| c as usize >= class_names.len()) {
                    return Err(invalid(format!(
                        "class index {bad} out of range for {} classes",
                        class_names.len()
                    )));
                }
            }
            Targets::Values(values) => {
                if !class_names.is_empty() {
                    return Err(invalid("regression takes no class names".into()));
                }
                if target_names.is_empty() {
                    return Err(invalid("regression needs at least one target name".into()));
                }
                if values.len() != len * target_names.len() {
                    return Err(invalid(format!(
                        "{} target values for {len} samples of {} outputs",
                        values.len(),
                        target_names.len()
                    )));
                }
            }
        }
        Ok(Self {
            name,
            inputs,
            targets,
            feature_names,
            target_names,
            class_names,
            len,
        })
    }

    /// The dataset's name (generator name, file stem, `mnist-train`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The input matrix.
    pub fn inputs(&self) -> &Inputs {
        &self.inputs
    }

    /// The targets.
    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    /// One name per feature (`x1`, `x2`, `pixel0`, CSV header names).
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// Names of the target columns (`label`, `y`).
    pub fn target_names(&self) -> &[String] {
        &self.target_names
    }

    /// Class names, index `i` naming class `i`; empty for regression.
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of features per sample.
    pub fn dim(&self) -> usize {
        self.feature_names.len()
    }

    /// Classification (with its class count) or regression (with its output count).
    pub fn task(&self) -> Task {
        match self.targets {
            Targets::Classes(_) => Task::Classification {
                classes: self.class_names.len(),
            },
            Targets::Values(_) => Task::Regression {
                outputs: self.target_names.len(),
            },
        }
    }

    /// Samples per class (index `i` counts class `i`); empty for regression.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.class_names.len()];
        if let Targets::Classes(classes) = &self.targets {
            for &c in classes {
                counts[c as usize] += 1;
            }
        }
        counts
    }

    /// A new dataset with the given samples, in the given order (repeats allowed).
    ///
    /// # Panics
    /// If an index is `>= self.len()`.
    #[must_use]
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let dim = self.dim();
        let inputs = match &self.inputs {
            Inputs::F32(values) => Inputs::F32(gather_rows(values, dim, indices)),
            Inputs::U8(values) => Inputs::U8(gather_rows(values, dim, indices)),
        };
        let targets = match &self.targets {
            Targets::Classes(classes) => {
                Targets::Classes(indices.iter().map(|&i| classes[i]).collect())
            }
            Targets::Values(values) => {
                Targets::Values(gather_rows(values, self.target_names.len(), indices))
            }
        };
        Dataset {
            name: self.name.clone(),
            inputs,
            targets,
            feature_names: self.feature_names.clone(),
            target_names: self.target_names.clone(),
            class_names: self.class_names.clone(),
            len: indices.len(),
        }
    }

    /// Writes row `i`, normalised, into `out` (`dim` values).
    ///
    /// # Panics
    /// If `i >= len()`, `out.len() != dim()` or `normalization` has another width.
    pub fn input_row_f32(&self, i: usize, normalization: &Normalization, out: &mut [f32]) {
        self.write_batch_inputs(&[i], normalization, out);
    }

    /// Gathers the rows `indices` into `out` as normalised `f32`, row-major
    /// (`indices.len() * dim()` values). Allocates nothing: this runs once per
    /// batch on the trainer's hot path.
    ///
    /// # Panics
    /// If an index is out of range, `out` has the wrong length, or
    /// `normalization` was fitted for another number of features.
    pub fn write_batch_inputs(
        &self,
        indices: &[usize],
        normalization: &Normalization,
        out: &mut [f32],
    ) {
        let dim = self.dim();
        assert_eq!(
            out.len(),
            indices.len() * dim,
            "output buffer must hold indices.len() * dim values"
        );
        assert_eq!(
            normalization.dim(),
            dim,
            "normalization fitted for another number of features"
        );
        if dim == 0 {
            return;
        }
        let (shift, scale) = (&normalization.shift[..], &normalization.scale[..]);
        // Indexed loops over slices of one known length: the compiler drops the
        // bounds checks and vectorises (a four-way zip did not, and showed in profiles).
        let (shift, scale) = (&shift[..dim], &scale[..dim]);
        // Rows in groups of `ROWS_AT_ONCE`, read side by side: each row of a
        // shuffled batch starts with a cache miss, and several rows' misses in
        // flight at once hide most of that wait (each value is computed as
        // before, so the values are the same).
        let mut groups = out
            .chunks_exact_mut(ROWS_AT_ONCE * dim)
            .zip(indices.chunks_exact(ROWS_AT_ONCE));
        for (group_out, group) in &mut groups {
            let [o0, o1, o2, o3] = split4(group_out, dim);
            let &[i0, i1, i2, i3] = group else {
                unreachable!("chunks of {ROWS_AT_ONCE}")
            };
            match &self.inputs {
                Inputs::F32(values) => {
                    let row = |i: usize| &values[i * dim..(i + 1) * dim];
                    let (r0, r1, r2, r3) = (row(i0), row(i1), row(i2), row(i3));
                    for j in 0..dim {
                        o0[j] = (r0[j] - shift[j]) * scale[j];
                        o1[j] = (r1[j] - shift[j]) * scale[j];
                        o2[j] = (r2[j] - shift[j]) * scale[j];
                        o3[j] = (r3[j] - shift[j]) * scale[j];
                    }
                }
                Inputs::U8(values) => {
                    let row = |i: usize| &values[i * dim..(i + 1) * dim];
                    let (r0, r1, r2, r3) = (row(i0), row(i1), row(i2), row(i3));
                    for j in 0..dim {
                        o0[j] = (f32::from(r0[j]) - shift[j]) * scale[j];
                        o1[j] = (f32::from(r1[j]) - shift[j]) * scale[j];
                        o2[j] = (f32::from(r2[j]) - shift[j]) * scale[j];
                        o3[j] = (f32::from(r3[j]) - shift[j]) * scale[j];
                    }
                }
            }
        }
        let rest = indices.len() % ROWS_AT_ONCE;
        let done = indices.len() - rest;
        for (row_out, &i) in out[done * dim..]
            .chunks_exact_mut(dim)
            .zip(&indices[done..])
        {
            let row_out = &mut row_out[..dim];
            match &self.inputs {
                Inputs::F32(values) => {
                    let row = &values[i * dim..(i + 1) * dim];
                    for j in 0..dim {
                        row_out[j] = (row[j] - shift[j]) * scale[j];
                    }
                }
                Inputs::U8(values) => {
                    let row = &values[i * dim..(i + 1) * dim];
                    for j in 0..dim {
                        row_out[j] = (f32::from(row[j]) - shift[j]) * scale[j];
                    }
                }
            }
        }
    }

    /// Gathers the class indices of `indices` into `out` (`indices.len()` values).
    ///
    /// # Panics
    /// If the dataset is not a classification dataset, an index is out of range
    /// or `out` has the wrong length.
    pub fn write_batch_classes(&self, indices: &[usize], out: &mut [u32]) {
        let Targets::Classes(classes) = &self.targets else {
            panic!("write_batch_classes called on a regression dataset");
        };
        assert_eq!(out.len(), indices.len(), "one class per index");
        for (o, &i) in out.iter_mut().zip(indices) {
            *o = classes[i];
        }
    }

    /// Gathers targets as `f32` rows, `indices.len() * task().outputs()` values:
    /// the regression values, or for classification the one-hot encoding of the
    /// class (for a mean-squared-error loss).
    ///
    /// # Panics
    /// If an index is out of range or `out` has the wrong length.
    pub fn write_batch_values(&self, indices: &[usize], out: &mut [f32]) {
        let width = self.task().outputs();
        assert_eq!(
            out.len(),
            indices.len() * width,
            "output buffer must hold indices.len() * outputs values"
        );
        if width == 0 {
            return;
        }
        match &self.targets {
            Targets::Classes(classes) => {
                for (row_out, &i) in out.chunks_exact_mut(width).zip(indices) {
                    row_out.fill(0.0);
                    row_out[classes[i] as usize] = 1.0;
                }
            }
            // One value a sample (regression, a binary target): a load and a
            // store each, not a call to memcpy for each row.
            Targets::Values(values) if width == 1 => {
                for (o, &i) in out.iter_mut().zip(indices) {
                    *o = values[i];
                }
            }
            Targets::Values(values) => {
                for (row_out, &i) in out.chunks_exact_mut(width).zip(indices) {
                    row_out.copy_from_slice(&values[i * width..(i + 1) * width]);
                }
            }
        }
    }
}

fn gather_rows<T: Copy>(values: &[T], width: usize, indices: &[usize]) -> Vec<T> {
    let mut out = Vec::with_capacity(indices.len() * width);
    for &i in indices {
        out.extend_from_slice(&values[i * width..(i + 1) * width]);
    }
    out
}

/// Rows [`Dataset::write_batch_inputs`] reads side by side.
const ROWS_AT_ONCE: usize = 4;

/// Four consecutive rows of `dim` values of `block` (which holds exactly four).
fn split4(block: &mut [f32], dim: usize) -> [&mut [f32]; 4] {
    let (a, rest) = block.split_at_mut(dim);
    let (b, rest) = rest.split_at_mut(dim);
    let (c, d) = rest.split_at_mut(dim);
    [a, b, c, &mut d[..dim]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NormalizationKind;

    fn names(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    fn small() -> Dataset {
        Dataset::new(
            "small",
            Inputs::F32(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
            Targets::Classes(vec![0, 1, 2]),
            names("x", 2),
            vec!["label".into()],
            names("", 3),
        )
        .unwrap()
    }

    #[test]
    fn shape_and_task() {
        let d = small();
        assert_eq!((d.len(), d.dim(), d.is_empty()), (3, 2, false));
        assert_eq!(d.task(), Task::Classification { classes: 3 });
        assert_eq!(d.class_counts(), vec![1, 1, 1]);
    }

    #[test]
    fn new_rejects_parts_that_do_not_fit() {
        let err = Dataset::new(
            "bad",
            Inputs::F32(vec![0.0; 5]),
            Targets::Classes(vec![0, 0]),
            names("x", 2),
            vec!["label".into()],
            names("", 1),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid dataset `bad`: 5 input values do not make rows of 2 features"
        );
        let err = Dataset::new(
            "bad",
            Inputs::F32(vec![0.0; 2]),
            Targets::Classes(vec![3]),
            names("x", 2),
            vec!["label".into()],
            names("", 2),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("class index 3 out of range"),
            "{err}"
        );
    }

    #[test]
    fn subset_and_batches() {
        let d = small();
        let s = d.subset(&[2, 0]);
        assert_eq!(s.inputs(), &Inputs::F32(vec![4.0, 5.0, 0.0, 1.0]));
        assert_eq!(s.targets(), &Targets::Classes(vec![2, 0]));

        let norm = Normalization {
            kind: NormalizationKind::Standardize,
            shift: vec![1.0, 0.0],
            scale: vec![2.0, 1.0],
        };
        let mut out = [0.0; 4];
        d.write_batch_inputs(&[1, 2], &norm, &mut out);
        assert_eq!(out, [2.0, 3.0, 6.0, 5.0]);
        let mut row = [0.0; 2];
        d.input_row_f32(0, &norm, &mut row);
        assert_eq!(row, [-2.0, 1.0]);

        let mut classes = [9; 2];
        d.write_batch_classes(&[2, 1], &mut classes);
        assert_eq!(classes, [2, 1]);
        let mut one_hot = [9.0; 6];
        d.write_batch_values(&[2, 0], &mut one_hot);
        assert_eq!(one_hot, [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn u8_inputs_are_converted_per_batch() {
        let d = Dataset::new(
            "bytes",
            Inputs::U8(vec![0, 255, 51, 102]),
            Targets::Values(vec![0.5, 1.5]),
            names("p", 2),
            vec!["y".into()],
            Vec::new(),
        )
        .unwrap();
        assert_eq!(d.task(), Task::Regression { outputs: 1 });
        let norm = Normalization::fit(NormalizationKind::Scale255, &d);
        let mut out = [0.0; 4];
        d.write_batch_inputs(&[1, 0], &norm, &mut out);
        for (got, want) in out.iter().zip([0.2, 0.4, 0.0, 1.0]) {
            assert!((got - want).abs() < 1e-6, "{out:?}");
        }
        let mut values = [0.0; 2];
        d.write_batch_values(&[1, 0], &mut values);
        assert_eq!(values, [1.5, 0.5]);
    }

    #[test]
    fn a_batch_gathered_four_rows_at_a_time_is_each_row_gathered_alone() {
        // 11 rows of 3 bytes, and the same as floats: batches of every length
        // from 0 to 11 (groups of four and a rest), in a shuffled order.
        let bytes: Vec<u8> = (0..33u8).map(|v| v.wrapping_mul(37)).collect();
        let floats: Vec<f32> = bytes.iter().map(|&b| f32::from(b) * 0.5 - 3.0).collect();
        for inputs in [Inputs::U8(bytes), Inputs::F32(floats)] {
            let d = Dataset::new(
                "rows",
                inputs,
                Targets::Values((0..11).map(|v| v as f32).collect()),
                names("p", 3),
                vec!["y".into()],
                Vec::new(),
            )
            .unwrap();
            let norm = Normalization::fit(NormalizationKind::Standardize, &d);
            let order = [7, 2, 10, 0, 5, 5, 9, 1, 3, 8, 6];
            for n in 0..=order.len() {
                let mut batch = vec![f32::NAN; n * 3];
                d.write_batch_inputs(&order[..n], &norm, &mut batch);
                for (row, &i) in batch.chunks_exact(3).zip(&order) {
                    let mut alone = [0.0; 3];
                    d.input_row_f32(i, &norm, &mut alone);
                    assert_eq!(row, alone, "batch of {n}, row {i}");
                }
            }
        }
    }
}
