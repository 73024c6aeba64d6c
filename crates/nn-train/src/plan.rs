//! How a step's shards use the pool's threads: the [`ThreadPlan`], chosen per
//! step from its size (floating-point operations), and the thresholds it uses,
//! each measured.

/// Floating-point operations (forward + backward) of a whole step below which
/// the step runs on one thread: handing shards to other threads costs more than
/// it saves. Measured on 2 cores (2 threads, parallel shards against one after
/// another, samples/s): 10-64-64-2 at batch 128 (3.7 MFLOP a step) ran 10-30%
/// faster on one thread, W1 (15 MFLOP a step) 23% faster on two. Measured again
/// after the tiny networks' loops (`NN_TRAIN_SERIAL=0 cargo bench -p nn-train
/// --bench workloads -- --threads 1,2 --custom ...`, 3 rounds, medians, load
/// average 7-9): shards side by side ran at 0.91x one thread at 2.4 MFLOP a
/// step (784-8-10, batch 64), 0.81x at 3.7 (10-64-64-2, batch 128) and 0.93x at
/// 4.9 (784-16-10, batch 64); at 9.8 and 12 MFLOP (784-32-10 and 784-40-10,
/// batch 64) 1.47-1.54x when the second core was free, below 1x while other
/// builds held it.
pub(crate) const SERIAL_BELOW_FLOPS: usize = 6_000_000;

/// Floating-point operations of one shard from which a step runs its local
/// shards as one batch ([`ThreadPlan::whole_batch`]), every product split
/// across all threads. Measured on 2 cores: W3 (784-1024-1024-10, shards of
/// 128, 1.2 GFLOP) used 10% less CPU on one thread; splitting a product across
/// threads inside gemm gained 11% on a shard of 26 MFLOP (784-256-256-10 at
/// 16 samples) and lost on one of 11 MFLOP (784-128-128-10).
pub(crate) const WHOLE_BATCH_ABOVE_FLOPS: usize = 20_000_000;

/// The threads a run of `config` can keep busy, at most `cores`: one while its
/// steps are below 6 MFLOP (`SERIAL_BELOW_FLOPS`: the thread plan runs them on one
/// thread whatever the pool holds), else one per shard of a batch, or more when
/// each shard is big enough to split its products too. A sweep uses it to run
/// small trials one thread each, side by side, and wider ones on several threads.
pub fn useful_threads(config: &crate::TrainConfig, cores: usize) -> usize {
    let flops = config.architecture.flops_per_sample();
    let batch = config.batch_size.max(1);
    let shard = config.shard_size_for(batch);
    let shards = batch.div_ceil(shard);
    let cores = cores.max(1);
    let plan = ThreadPlan::for_step(flops, shard, batch, shards, cores);
    if !plan.shards_in_parallel && plan.threads_per_product <= 1 {
        return 1;
    }
    (shards * plan.threads_per_product).clamp(1, cores)
}

/// How a step's local shards use the pool's threads. Never changes the bits:
/// shards are summed in order whatever runs where, and a product's split across
/// threads leaves each value's inner sum in the same order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ThreadPlan {
    /// Whole shards go to different threads (otherwise one after another here).
    pub(crate) shards_in_parallel: bool,
    /// Threads each matrix product may use (all of them in a whole batch).
    pub(crate) threads_per_product: usize,
    /// The local shards run as one batch ([`nn_core::Network::backward_shards`]): each
    /// layer's products over all their rows at once on every thread, the
    /// weights packed once per step instead of once per shard.
    pub(crate) whole_batch: bool,
}

impl ThreadPlan {
    /// The plan for a step of `samples` local samples in `shards` shards of
    /// `shard_size`, on `threads` threads.
    pub(crate) fn for_step(
        flops_per_sample: usize,
        shard_size: usize,
        samples: usize,
        shards: usize,
        threads: usize,
    ) -> Self {
        let step = flops_per_sample.saturating_mul(samples);
        let shard = flops_per_sample.saturating_mul(shard_size.min(samples));
        // Packing the weights once instead of once per shard pays once a shard's
        // products are large; the bits are the same either way.
        let whole_batch = shard >= WHOLE_BATCH_ABOVE_FLOPS;
        if threads <= 1 || step < SERIAL_BELOW_FLOPS {
            return Self {
                shards_in_parallel: false,
                threads_per_product: 1,
                whole_batch,
            };
        }
        if whole_batch {
            return Self {
                shards_in_parallel: false,
                threads_per_product: threads,
                whole_batch,
            };
        }
        Self {
            shards_in_parallel: shards > 1,
            threads_per_product: 1,
            whole_batch,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(flops_per_sample: usize, batch: usize, shard: usize, threads: usize) -> ThreadPlan {
        ThreadPlan::for_step(
            flops_per_sample,
            shard,
            batch,
            batch.div_ceil(shard),
            threads,
        )
    }

    #[test]
    fn a_sweep_gives_small_runs_one_thread_and_wide_ones_a_thread_per_shard() {
        use nn_core::{Activation, Architecture, Loss};
        let config = |sizes: Vec<usize>, batch: usize| {
            let arch = Architecture::new(
                sizes,
                Activation::Relu,
                Activation::Softmax,
                Loss::CrossEntropy,
            )
            .unwrap();
            crate::TrainConfig {
                batch_size: batch,
                ..crate::TrainConfig::new(arch)
            }
        };
        // The Playground's nets: one thread each, however many cores.
        assert_eq!(useful_threads(&config(vec![2, 8, 8, 2], 16), 8), 1);
        // MNIST 784-100-10 at batch 64: 64 * 6 * 79,400 = 30 MFLOP a step in 4 shards.
        assert_eq!(useful_threads(&config(vec![784, 100, 10], 64), 2), 2);
        assert_eq!(useful_threads(&config(vec![784, 100, 10], 64), 8), 4);
        assert_eq!(useful_threads(&config(vec![784, 100, 10], 64), 1), 1);
    }

    #[test]
    fn small_steps_stay_on_one_thread_and_wide_shards_split_their_products() {
        let serial = ThreadPlan {
            shards_in_parallel: false,
            threads_per_product: 1,
            whole_batch: false,
        };
        // The Playground's 2-8-8-1 (528 FLOP per sample) at batch 64: one thread.
        assert_eq!(plan(528, 64, 16, 2), serial);
        // One thread is one thread (a small shard: no whole batch either).
        assert_eq!(plan(100_000, 512, 128, 1), serial);
        // W3 (9.6 MFLOP per sample), batch 512 in 4 shards on 2 threads: one
        // batch, every product on both threads.
        let w3 = 6 * (784 * 1024 + 1024 * 1024 + 1024 * 10);
        let whole = |threads| ThreadPlan {
            shards_in_parallel: false,
            threads_per_product: threads,
            whole_batch: true,
        };
        assert_eq!(plan(w3, 512, 128, 2), whole(2));
        // ... on 16 threads, all 16; on one, one (still packing the weights once).
        assert_eq!(plan(w3, 512, 128, 16), whole(16));
        assert_eq!(plan(w3, 512, 128, 1), whole(1));
        // W1 (784-100-10, 0.48 MFLOP per sample) at batch 32: two shards of 16
        // (7.6 MFLOP each) side by side.
        let w1 = 6 * (784 * 100 + 100 * 10);
        assert_eq!(
            plan(w1, 32, 16, 2),
            ThreadPlan {
                shards_in_parallel: true,
                threads_per_product: 1,
                whole_batch: false
            }
        );
        // Two such shards on 4 threads: under the split threshold, one thread each.
        assert_eq!(
            plan(w1, 32, 16, 4),
            ThreadPlan {
                shards_in_parallel: true,
                threads_per_product: 1,
                whole_batch: false
            }
        );
    }
}
