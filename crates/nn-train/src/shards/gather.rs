//! A shard's samples gathered from the data set into its own buffers: the
//! inputs normalised (in two halves side by side when asked), the targets as
//! classes or values.

use nn_data::{Dataset, Normalization, Task};

use super::{Shard, grow};

impl Shard {
    /// Gathers the samples `indices` into this shard's buffers (grown, never shrunk).
    pub(super) fn gather(
        &mut self,
        data: &Dataset,
        normalization: &Normalization,
        indices: &[usize],
    ) {
        let n = indices.len();
        let dim = data.dim();
        grow(&mut self.inputs, n * dim);
        data.write_batch_inputs(indices, normalization, &mut self.inputs[..n * dim]);
        self.gather_targets(data, indices);
    }

    /// The gathered inputs transposed into `inputs_t` (`[features, samples]`),
    /// for a pass that reads them so ([`nn_core::BatchInputs`]).
    pub(super) fn transpose_inputs(&mut self, dim: usize) {
        let n = self.samples;
        grow(&mut self.inputs_t, n * dim);
        let (rows, columns) = (&self.inputs[..n * dim], &mut self.inputs_t[..n * dim]);
        // A feature's values down the samples, written in order; the rows read
        // stay in cache from one feature to the next.
        for (i, column) in columns.chunks_exact_mut(n).enumerate() {
            for (value, row) in column.iter_mut().zip(rows.chunks_exact(dim)) {
                *value = row[i];
            }
        }
        self.transposed = true;
    }

    /// [`Shard::gather`] with the inputs written in two halves side by side on
    /// the current rayon pool when `split`: each row is written alone, so the
    /// values are the same.
    pub(super) fn gather_split(
        &mut self,
        data: &Dataset,
        normalization: &Normalization,
        indices: &[usize],
        split: bool,
    ) {
        let n = indices.len();
        if !split || n < 2 {
            self.gather(data, normalization, indices);
            return;
        }
        let dim = data.dim();
        grow(&mut self.inputs, n * dim);
        let (first, second) = self.inputs[..n * dim].split_at_mut(n / 2 * dim);
        let (left, right) = indices.split_at(n / 2);
        rayon::join(
            || data.write_batch_inputs(left, normalization, first),
            || data.write_batch_inputs(right, normalization, second),
        );
        self.gather_targets(data, indices);
    }

    /// Gathers the targets of `indices` into this shard's buffers.
    pub(super) fn gather_targets(&mut self, data: &Dataset, indices: &[usize]) {
        let n = indices.len();
        match data.task() {
            Task::Classification { .. } => {
                grow(&mut self.classes, n);
                data.write_batch_classes(indices, &mut self.classes[..n]);
            }
            Task::Regression { outputs } => {
                grow(&mut self.values, n * outputs);
                data.write_batch_values(indices, &mut self.values[..n * outputs]);
            }
        }
        self.samples = n;
        // Other samples now: a transposed copy of the last ones is stale.
        self.transposed = false;
    }
}
