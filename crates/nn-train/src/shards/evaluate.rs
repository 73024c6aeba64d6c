//! The loss and metrics of a network over a whole data set (validation,
//! test), on the engine's threads, the same bits on any thread count.
//!
//! The set is cut into chunks of [`EVAL_SHARD`] samples, each with its own loss
//! sum, added to the metrics in chunk order. Rounds of chunks run either as one
//! batch, every product split over the threads (each layer's weights packed
//! once a round, not once a chunk, and no thread left waiting), wherever no
//! product's row depends on how many rows it has (then each row, and each
//! chunk's loss sum, has the bits it has alone); or a chunk per thread, side
//! by side (tiny networks, and narrow layers behind wide inputs).

use nn_core::{Network, Targets, rows_never_change_a_value};
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
        let per_round = 2 * self.threads();
        let smallest = match data.len() % EVAL_SHARD {
            0 => EVAL_SHARD,
            last => last,
        };
        let set = EvalSet {
            network,
            data,
            normalization,
            per_round,
        };
        // The other threads spin for the pass's jobs, as for a step's.
        let _awake = (self.threads() > 1 && self.pool.current_thread_index().is_some())
            .then(|| self.awake.step(&self.pool));
        if in_rounds(network, smallest) {
            self.evaluate_in_rounds(&set, &mut total)?;
        } else {
            self.evaluate_by_chunks(&set, &mut total)?;
        }
        Ok(total.finish())
    }

    /// [`ShardEngine::evaluate`] a chunk per thread, side by side, rounds of
    /// `per_round` chunks, their loss sums and outputs added to `total` in order.
    fn evaluate_by_chunks(
        &mut self,
        set: &EvalSet<'_>,
        total: &mut MetricsAccumulator,
    ) -> nn_core::Result<()> {
        let (task, width) = set.task_and_width();
        let chunks = set.data.len().div_ceil(EVAL_SHARD);
        self.ensure_shards(set.network, set.per_round.min(chunks));
        let loss = set.network.architecture().loss;
        let dim = set.data.dim();
        for first in (0..chunks).step_by(set.per_round) {
            let round = set.per_round.min(chunks - first);
            let start = first * EVAL_SHARD;
            let end = ((first + round) * EVAL_SHARD).min(set.data.len());
            let indices = &self.eval_indices[start..end];
            let shards = &mut self.shards[..round];
            self.pool.install(|| {
                shards
                    .par_iter_mut()
                    .zip(indices.par_chunks(EVAL_SHARD))
                    .try_for_each(|(shard, part)| {
                        shard.gather(set.data, set.normalization, part);
                        let (inputs, targets, workspace) = shard.inference_parts(task, dim);
                        let outputs = set.network.forward(inputs, workspace)?;
                        shard.loss_sum = loss.sum(outputs, &targets, width);
                        Ok::<(), nn_core::CoreError>(())
                    })
            })?;
            let last = set.network.layers().len() - 1;
            for shard in &self.shards[..round] {
                let outputs = shard.workspace.layer_output(last);
                shard.record(outputs, width, task, total);
            }
        }
        Ok(())
    }

    /// [`ShardEngine::evaluate`] a round of `per_round` chunks at a time, each
    /// round one batch through the network on every thread, its chunks' loss
    /// sums and outputs then added to `total` in order.
    fn evaluate_in_rounds(
        &mut self,
        set: &EvalSet<'_>,
        total: &mut MetricsAccumulator,
    ) -> nn_core::Result<()> {
        let (task, width) = set.task_and_width();
        let loss = set.network.architecture().loss;
        let threads = self.threads();
        self.ensure_shards(set.network, 1);
        let round_samples = set.per_round * EVAL_SHARD;
        for start in (0..set.data.len()).step_by(round_samples) {
            let indices = &self.eval_indices[start..(start + round_samples).min(set.data.len())];
            let shard = &mut self.shards[0];
            self.pool.install(|| -> nn_core::Result<()> {
                shard.gather_split(set.data, set.normalization, indices, threads > 1);
                let (inputs, targets, workspace) = shard.inference_parts(task, set.data.dim());
                workspace.set_threads(threads);
                let outputs = set.network.forward(inputs, workspace)?;
                for first in (0..indices.len()).step_by(EVAL_SHARD) {
                    let rows = first..(first + EVAL_SHARD).min(indices.len());
                    let part = &outputs[rows.start * width..rows.end * width];
                    let chunk = targets.rows(rows, width);
                    let loss_sum = loss.sum(part, &chunk, width);
                    match chunk {
                        Targets::Classes(c) => total.add_classes(part, width, c, loss_sum),
                        Targets::Values(v) => total.add_values(part, width, v, loss_sum),
                    }
                }
                Ok(())
            })?;
        }
        Ok(())
    }
}

/// What an evaluation runs over, and how many chunks a round has.
#[derive(Clone, Copy)]
struct EvalSet<'a> {
    network: &'a Network,
    data: &'a Dataset,
    normalization: &'a Normalization,
    per_round: usize,
}

impl EvalSet<'_> {
    /// `data`'s task and the network's output width.
    fn task_and_width(&self) -> (Task, usize) {
        (self.data.task(), self.network.architecture().outputs())
    }
}

/// Whether `network` can run a round of chunks, the smallest `smallest` samples,
/// as one batch with every chunk's bits (see the module docs).
fn in_rounds(network: &Network, smallest: usize) -> bool {
    let layers = network.layers();
    !crate::plan::runs_as_loops(layers)
        && layers
            .iter()
            .all(|l| rows_never_change_a_value(l.outputs, l.inputs, smallest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nn_core::{Activation, Architecture, Loss};

    fn data(samples: usize, inputs: usize, task: Task) -> Dataset {
        let x = (0..samples * inputs)
            .map(|i| ((i * 7919 % 1013) as f32 / 506.0 - 1.0) * 0.8)
            .collect();
        let (targets, names) = match task {
            Task::Classification { classes } => (
                nn_data::Targets::Classes((0..samples).map(|i| (i * 7 % classes) as u32).collect()),
                (0..classes).map(|c| c.to_string()).collect(),
            ),
            Task::Regression { outputs } => (
                nn_data::Targets::Values(
                    (0..samples * outputs)
                        .map(|i| (i % 17) as f32 / 17.0)
                        .collect(),
                ),
                Vec::new(),
            ),
        };
        let outputs = match task {
            Task::Classification { .. } => 1,
            Task::Regression { outputs } => outputs,
        };
        Dataset::new(
            "eval",
            nn_data::Inputs::F32(x),
            targets,
            (0..inputs).map(|i| format!("x{i}")).collect(),
            (0..outputs).map(|i| format!("y{i}")).collect(),
            names,
        )
        .unwrap()
    }

    #[test]
    fn rounds_as_one_batch_give_the_metrics_of_chunks_side_by_side() {
        // 868 samples: three chunks of 256 and one of 100, in rounds of 2 to 6 chunks.
        let cases = [
            (
                vec![20, 80, 80, 3],
                Activation::Softmax,
                Loss::CrossEntropy,
                Task::Classification { classes: 3 },
            ),
            (
                vec![20, 96, 3],
                Activation::Linear,
                Loss::Mse,
                Task::Regression { outputs: 3 },
            ),
        ];
        for (sizes, output, loss, task) in cases {
            let arch = Architecture::new(sizes.clone(), Activation::Relu, output, loss).unwrap();
            let network = Network::new(arch, 3).unwrap();
            let data = data(868, sizes[0], task);
            let normalization = Normalization::identity(sizes[0]);
            assert!(in_rounds(&network, 868 % EVAL_SHARD), "{sizes:?}");
            let by_chunks = {
                let mut engine = ShardEngine::new(1).unwrap();
                engine.eval_indices = (0..data.len()).collect();
                let mut total = MetricsAccumulator::new(
                    match task {
                        Task::Classification { classes } => Some(classes),
                        Task::Regression { .. } => None,
                    },
                    network.architecture().outputs(),
                );
                let pool = engine.pool();
                pool.install(|| {
                    let set = EvalSet {
                        network: &network,
                        data: &data,
                        normalization: &normalization,
                        per_round: 2,
                    };
                    engine.evaluate_by_chunks(&set, &mut total)
                })
                .unwrap();
                total.finish()
            };
            for threads in [1, 2, 3] {
                let mut engine = ShardEngine::new(threads).unwrap();
                let pool = engine.pool();
                let got = pool
                    .install(|| engine.evaluate(&network, &data, &normalization))
                    .unwrap();
                assert_eq!(got, by_chunks, "{sizes:?} on {threads} threads");
            }
        }
        // A narrow layer behind wide inputs, or a last chunk too short: chunk by chunk.
        let narrow = Network::new(
            Architecture::new(
                vec![600, 32, 3],
                Activation::Relu,
                Activation::Softmax,
                Loss::CrossEntropy,
            )
            .unwrap(),
            3,
        )
        .unwrap();
        assert!(!in_rounds(&narrow, 256));
        let wide = Network::new(
            Architecture::new(
                vec![20, 80, 80, 3],
                Activation::Relu,
                Activation::Softmax,
                Loss::CrossEntropy,
            )
            .unwrap(),
            3,
        )
        .unwrap();
        assert!(!in_rounds(&wide, 10));
    }
}
