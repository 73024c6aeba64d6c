//! The loss and metrics of a network over a whole data set (validation,
//! test), on the engine's threads, the same bits on any thread count.

use nn_core::Network;
use nn_data::{Dataset, Normalization, Task};
use rayon::prelude::*;

use super::ShardEngine;
use crate::metrics::MetricsAccumulator;

/// Samples per shard when evaluating (no gradients, so larger is fine).
const EVAL_SHARD: usize = 256;

impl ShardEngine {
    /// Loss and metrics of `network` over a whole dataset, in parallel, deterministically.
    pub(crate) fn evaluate(
        &mut self,
        network: &Network,
        data: &Dataset,
        normalization: &Normalization,
    ) -> nn_core::Result<crate::Metrics> {
        let task = data.task();
        let classes = match task {
            Task::Classification { classes } => Some(classes),
            Task::Regression { .. } => None,
        };
        let width = network.architecture().outputs();
        let mut total = MetricsAccumulator::new(classes, width);
        if data.is_empty() {
            return Ok(total.finish());
        }
        // The identity 0..n, grown to the largest set seen: validation and test
        // sets of different sizes share one prefix instead of rebuilding it each epoch.
        if self.eval_indices.len() < data.len() {
            self.eval_indices = (0..data.len()).collect();
        }
        // A bounded number of shard buffers, reused round after round: memory does
        // not grow with the dataset. Chunks and their merge order are fixed, so the
        // metrics do not depend on the thread count.
        let chunks = data.len().div_ceil(EVAL_SHARD);
        let per_round = 2 * self.threads();
        self.ensure_shards(network, per_round.min(chunks));
        let loss = network.architecture().loss;
        let dim = data.dim();
        for first in (0..chunks).step_by(per_round) {
            let round = per_round.min(chunks - first);
            let start = first * EVAL_SHARD;
            let end = ((first + round) * EVAL_SHARD).min(data.len());
            let indices = &self.eval_indices[start..end];
            let shards = &mut self.shards[..round];
            self.pool.install(|| {
                shards
                    .par_iter_mut()
                    .zip(indices.par_chunks(EVAL_SHARD))
                    .try_for_each(|(shard, part)| {
                        shard.gather(data, normalization, part);
                        let (inputs, targets, workspace) = shard.inference_parts(task, dim);
                        let outputs = network.forward(inputs, workspace)?;
                        shard.loss_sum = loss.sum(outputs, &targets, width);
                        Ok::<(), nn_core::CoreError>(())
                    })
            })?;
            let last = network.layers().len() - 1;
            for shard in &self.shards[..round] {
                let outputs = shard.workspace.layer_output(last);
                shard.record(outputs, width, task, &mut total);
            }
        }
        Ok(total.finish())
    }
}
