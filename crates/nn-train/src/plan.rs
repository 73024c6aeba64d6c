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

/// The threads a run of `config` can keep busy, at most `cores`: one while its
/// steps are below 6 MFLOP (`SERIAL_BELOW_FLOPS`: the thread plan runs them on one
/// thread whatever the pool holds), else for a network of gemm products one
/// per 6 MFLOP of the step (its products split across the threads), and for a
/// tiny network one per shard (shards side by side). A sweep uses it to run
/// small trials one thread each, side by side, and wider ones on several threads.
pub fn useful_threads(config: &crate::TrainConfig, cores: usize) -> usize {
    let flops = config.architecture.flops_per_sample();
    let batch = config.batch_size.max(1);
    let shard = config.shard_size_for(batch);
    let shards = batch.div_ceil(shard);
    let cores = cores.max(1);
    let loops = runs_as_loops(&config.architecture.layer_shapes());
    let plan = ThreadPlan::for_step(flops, batch, shards, cores, loops);
    if plan.shards_in_parallel {
        shards.min(cores)
    } else {
        plan.threads_per_product
    }
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

// Why a step of a network of gemm products runs its local shards as one
// batch, on one thread or many: each layer's weights are packed once per step
// instead of once per shard, and the shards' weight gradients are added in
// place as they are computed (no buffer per shard, no pass adding them). On
// one thread (`NN_TRAIN_WHOLE_BATCH=1 cargo bench -p nn-train --bench
// workloads -- --threads 1 ...`, alternating rounds, load average 4-5 on 2
// cores) W1 (784-100-10, batch 32, shards of 16: 7.6 MFLOP) went from 136,600
// to 163,000 samples/s (medians of 4). On several threads a step ran as one
// batch only once its shards were over 20 MFLOP, since gemm's own split of a
// product forked and joined its threads a dozen times a step; W1 ran its two
// shards side by side instead, at 0.94x one thread on a quiet machine. Now
// the products of a small batch are split over the threads by whole shards
// in nn-core (`row_split.rs`: one fork-join per layer), so every gemm network
// runs as one batch: W2 on two threads went from 39,500 to 51,700 samples/s
// and W1 (with nn-data's four-row gather) from 95,200 to 123,300 (medians
// of alternating runs under load,
// load average 4-6; figures on a quiet machine in `docs/performance-notes.md`).
// Tiny networks (nn-core's loops) keep their one-pass backward, their shards
// side by side.
impl ThreadPlan {
    /// The plan for a step of `samples` local samples in `shards` shards on
    /// `threads` threads; `loops`: the network runs its products as nn-core's
    /// loops ([`runs_as_loops`]).
    pub(crate) fn for_step(
        flops_per_sample: usize,
        samples: usize,
        shards: usize,
        threads: usize,
        loops: bool,
    ) -> Self {
        let step = flops_per_sample.saturating_mul(samples);
        let serial = threads <= 1 || step < SERIAL_BELOW_FLOPS;
        // The bits are the same whichever way (the measurements are above).
        let whole_batch = !loops;
        if serial {
            return Self {
                shards_in_parallel: false,
                threads_per_product: 1,
                whole_batch,
            };
        }
        if whole_batch {
            // Every thread gets at least a serial step's worth of the work.
            return Self {
                shards_in_parallel: false,
                threads_per_product: (step / SERIAL_BELOW_FLOPS).clamp(1, threads),
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

/// Fewest steps from one round of [`PlanTimer`]'s probes to the next.
const PROBE_EVERY: u64 = 512;

/// Most steps from one round of probes to the next.
const PROBE_AT_LEAST_EVERY: u64 = 16_384;

/// Steps from a round of probes to the next when its pick may not last: a
/// round that changed the pick (perhaps on a moment's load: one thread picked
/// so and kept until the next round ran 784-512-512-10 at batch 128 at 37,000
/// samples/s rather than 60,000; or at a run's start, whose first steps, the
/// plan's, pay for the buffers' first use and caches still cold). A first
/// round that keeps the plan is confirmed too, later ([`CONFIRM_FIRST_AFTER`]).
const CONFIRM_AFTER: u64 = 64;

/// Steps from a run's first round of probes to the next when that round kept
/// the plan. Its probes ran on a cold start, and the first steps on one
/// thread pay for what only they use (the helper gathering ahead, its
/// buffers): W1's first timed step on one thread took 8.6 us a sample against
/// the plan's 4.9 (3.1 once warm), or its three took 3.8, 5.0 and 6.5 against
/// the plan's 4.0-5.0, so about one run in six kept W1 spread over both
/// threads for its first second (243,000 samples/s against 305,000).
/// Confirmed this many steps later, a wrong pick costs W1 30 ms; a one-epoch
/// run of W3 (117 steps) never pays for the second round.
const CONFIRM_FIRST_AFTER: u64 = 256;

/// Seconds of training from one round of probes to the next, when that is
/// more than [`PROBE_EVERY`] steps: how soon the timer notices other work
/// taking the cores, or leaving them.
const SECONDS_BETWEEN_ROUNDS: f64 = 1.0;

/// Steps of each probe round: the plan twice, one thread twice, and so on.
const PROBES: u64 = 12;

/// Timed probes of each way in a round: the second step of each pair.
const TIMED: usize = PROBES as usize / 4;

/// How much faster per sample than one thread a plan's probes must be to be kept.
const SPREAD_MARGIN: f64 = 1.05;

/// How much faster per sample one way's first timed probe must be than the
/// other's to end the round there ([`PlanTimer::record`]).
const DECISIVE: f64 = 1.5;

/// Times a step that the plan runs on several threads against the same step on
/// one, and keeps the faster. Every so often it runs [`PROBES`] steps in
/// pairs, as planned and on one thread in turn, and times the second step of
/// each pair, then keeps whichever took less time per sample (the median of
/// each), until the next round: when other work holds
/// the cores, a fork-join waits for a descheduled thread and one thread is
/// faster; when they are free, the plan is. The first step of a pair is not
/// timed: it pays for the switch (the weights and gradients that the other
/// way left in another core's cache, a sleeping thread to wake), which steps
/// kept one way never pay; timed, it made W1's spread look faster than one
/// thread while it ran a fifth slower. Both ways give the same bits, so the
/// choice changes no result. Rounds start [`PROBE_EVERY`] steps apart, or
/// about [`SECONDS_BETWEEN_ROUNDS`] apart when that is more steps (at most
/// [`PROBE_AT_LEAST_EVERY`]), [`CONFIRM_AFTER`] steps after a round that
/// changed the pick and [`CONFIRM_FIRST_AFTER`] after a run's first round
/// that kept it: a round costs [`PROBES`] / 2 steps of the slower way and
/// [`PROBES`] / 4 switches between the ways, or one step of it and one switch
/// when its first timed probes differ by [`DECISIVE`] or more.
#[derive(Debug, Default)]
pub(crate) struct PlanTimer {
    steps: u64,
    /// The step at which the current or next round of probes starts.
    round_start: u64,
    /// Seconds per sample of this round's probes: [planned, one thread].
    probes: [[f64; TIMED]; 2],
    /// Probes recorded this round: [planned, one thread].
    probed: [usize; 2],
    one_thread: bool,
    /// Rounds of probes done.
    rounds: u64,
}

impl PlanTimer {
    /// Whether the next step runs on one thread.
    pub(crate) fn one_thread(&self) -> bool {
        match self.probe() {
            Some(k) => (k / 2) % 2 == 1,
            None => self.one_thread,
        }
    }

    /// Whether the next step is one of this round's probes, whose time
    /// [`PlanTimer::record`] uses (other steps need no clock read).
    pub(crate) fn probing(&self) -> bool {
        self.probe().is_some()
    }

    /// The next step's place in this round of probes, if it is one.
    fn probe(&self) -> Option<u64> {
        let k = self.steps.checked_sub(self.round_start)?;
        (k < PROBES).then_some(k)
    }

    /// Records a step of `samples` samples that took `seconds` (read only
    /// while [`PlanTimer::probing`]), run on one thread if `one_thread`.
    pub(crate) fn record(&mut self, one_thread: bool, samples: usize, seconds: f64) {
        let probe = self.probe();
        self.steps += 1;
        let Some(k) = probe else {
            return;
        };
        let way = usize::from(one_thread);
        let timed = k % 2 == 1;
        if timed && let Some(slot) = self.probes[way].get_mut(self.probed[way]) {
            *slot = seconds / samples.max(1) as f64;
            self.probed[way] += 1;
        }
        let [n_planned, n_one] = self.probed;
        // One timed probe each way can settle the round: a step whose two ways
        // differ this much (W3 spread 1.9 times faster on 2 idle cores, one
        // thread 1.6 times faster beside a busy loop) needs no more probes of
        // the slower way, each a whole step at its price.
        let decided = n_planned == 1 && n_one == 1 && {
            let ratio = self.probes[1][0] / self.probes[0][0];
            !(1.0 / DECISIVE..=DECISIVE).contains(&ratio)
        };
        if decided || k + 1 == PROBES {
            let [planned, one] = &mut self.probes;
            // The plan must win by a margin: three probes each under shifting
            // load are noisy, and a wrong pick of the threads (a quarter
            // slower on W1 under load) costs more than a wrong pick of one.
            let (one, planned) = (median(&mut one[..n_one]), median(&mut planned[..n_planned]));
            let before = self.one_thread;
            self.one_thread = one < SPREAD_MARGIN * planned;
            self.probed = [0, 0];
            // The next round about a second of steps the way kept from now
            // (soon, to confirm a changed pick).
            let step_seconds = one.min(planned) * samples as f64;
            let steps = (SECONDS_BETWEEN_ROUNDS / step_seconds).clamp(0.0, u64::MAX as f64) as u64;
            let first = self.rounds == 0;
            self.rounds += 1;
            self.round_start += if self.one_thread != before {
                CONFIRM_AFTER
            } else if first {
                CONFIRM_FIRST_AFTER
            } else {
                steps.clamp(PROBE_EVERY, PROBE_AT_LEAST_EVERY)
            };
        }
    }
}

/// The median of `values` (reordered; infinite when empty).
pub(crate) fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::INFINITY;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        f64::midpoint(values[mid - 1], values[mid])
    } else {
        values[mid]
    }
}

/// Whether a network of these layers runs its products as nn-core's loops
/// (every layer at most [`nn_core::LOOPS_WIDTH`] wide), whose backward pass
/// is one pass over a shard's rows.
pub(crate) fn runs_as_loops(layers: &[nn_core::LayerShape]) -> bool {
    layers
        .iter()
        .all(|l| l.inputs <= nn_core::LOOPS_WIDTH && l.outputs <= nn_core::LOOPS_WIDTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(flops_per_sample: usize, batch: usize, shard: usize, threads: usize) -> ThreadPlan {
        ThreadPlan::for_step(
            flops_per_sample,
            batch,
            batch.div_ceil(shard),
            threads,
            false,
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
        // Shards side by side for a tiny network, one thread each.
        assert_eq!(useful_threads(&config(vec![16, 16, 16, 2], 16_384), 2), 2);
        assert_eq!(useful_threads(&config(vec![16, 16, 16, 2], 16_384), 8), 8);
        // MNIST 784-100-10 at batch 64: 64 * 6 * 79,400 = 30 MFLOP a step, one
        // thread per 6 MFLOP.
        assert_eq!(useful_threads(&config(vec![784, 100, 10], 64), 2), 2);
        assert_eq!(useful_threads(&config(vec![784, 100, 10], 64), 8), 5);
        assert_eq!(useful_threads(&config(vec![784, 100, 10], 64), 1), 1);
        // 784-256-256-10 at batch 512: shards of 128 (64 MFLOP), 1 GFLOP a
        // step, one batch on every core of 16.
        assert_eq!(
            useful_threads(&config(vec![784, 256, 256, 10], 512), 16),
            16
        );
    }

    /// Runs a round of probes: `seconds(k, one_thread)` for its `k`th step.
    /// Returns the ways the round ran its steps.
    fn round(timer: &mut PlanTimer, seconds: impl Fn(u64, bool) -> f64) -> Vec<bool> {
        let mut ways = Vec::new();
        while timer.probing() {
            let k = ways.len() as u64;
            let one = timer.one_thread();
            timer.record(one, 32, seconds(k, one));
            ways.push(one);
        }
        ways
    }

    /// Steps until the next round, each run the kept way (`one_thread`).
    fn steps_to_next_round(timer: &mut PlanTimer, one_thread: bool) -> u64 {
        let mut steps = 0;
        while !timer.probing() {
            assert_eq!(timer.one_thread(), one_thread);
            timer.record(one_thread, 32, 100.0);
            steps += 1;
        }
        steps
    }

    /// The ways of a round's probe steps: the plan twice, one thread twice, ...
    const PAIRS: [bool; 4] = [false, false, true, true];

    #[test]
    fn the_timer_keeps_the_faster_way_until_the_next_probes() {
        let mut timer = PlanTimer::default();
        // Probes in pairs: the plan twice, one thread twice, ...; one thread
        // a fifth faster. The first step of each pair is not timed: here it
        // pays a switch that would make the plan look far faster.
        let ways = round(&mut timer, |k, one| match (k % 2 == 1, one) {
            (true, true) => 1.0,
            (true, false) => 1.2,
            (false, true) => 100.0,
            (false, false) => 0.1,
        });
        assert_eq!(ways, [PAIRS, PAIRS, PAIRS].concat());
        // One thread until the second round, soon after the run's start.
        assert_eq!(
            steps_to_next_round(&mut timer, true),
            CONFIRM_AFTER - PROBES
        );
        // It finds the plan faster per sample (a short batch too).
        for k in 0..PROBES {
            let one = timer.one_thread();
            assert_eq!(one, (k / 2) % 2 == 1);
            let samples = if k == 1 { 8 } else { 32 };
            timer.record(one, samples, samples as f64 * if one { 1.3 } else { 1.0 });
        }
        // A changed pick is confirmed soon; a confirmed one holds until the
        // next round (steps of seconds: the fewest steps apart).
        assert_eq!(
            steps_to_next_round(&mut timer, false),
            CONFIRM_AFTER - PROBES
        );
        round(&mut timer, |_, one| if one { 1.3 } else { 1.0 });
        assert_eq!(steps_to_next_round(&mut timer, false), PROBE_EVERY - PROBES);
        // A plan less than 5% faster than one thread is not kept.
        round(&mut timer, |_, one| if one { 1.03 } else { 1.0 });
        assert!(timer.one_thread());
    }

    #[test]
    fn a_round_ends_at_its_first_probe_each_way_when_one_is_far_faster() {
        let mut timer = PlanTimer::default();
        // The plan twice as fast (W3 on two idle cores): one probe each way;
        // a run's first round is confirmed a little later (its probes ran
        // cold), then the next round a second of steps after the last one's
        // start.
        assert_eq!(
            round(&mut timer, |_, one| if one { 2e-3 } else { 1e-3 }),
            PAIRS
        );
        assert!(!timer.one_thread());
        assert_eq!(
            steps_to_next_round(&mut timer, false),
            CONFIRM_FIRST_AFTER - 4
        );
        assert_eq!(
            round(&mut timer, |_, one| if one { 2e-3 } else { 1e-3 }),
            PAIRS
        );
        assert!(!timer.one_thread());
        assert_eq!(steps_to_next_round(&mut timer, false), 1_000 - 4);
        // One thread 1.6 times as fast (beside a busy loop): kept at once,
        // then confirmed (a changed pick) by a round that finds the same.
        assert_eq!(
            round(&mut timer, |_, one| if one { 1e-3 } else { 1.6e-3 }),
            PAIRS
        );
        assert_eq!(steps_to_next_round(&mut timer, true), CONFIRM_AFTER - 4);
        assert_eq!(
            round(&mut timer, |_, one| if one { 1e-3 } else { 1.6e-3 }),
            PAIRS
        );
        assert_eq!(steps_to_next_round(&mut timer, true), 1_000 - 4);
        // Closer than 1.5 times: the whole round, and its medians decide.
        let ways = round(&mut timer, |k, one| match (k, one) {
            (3, true) => 1.4e-3,
            (_, true) => 0.9e-3,
            (_, false) => 1e-3,
        });
        assert_eq!(ways, [PAIRS, PAIRS, PAIRS].concat());
        assert!(timer.one_thread());
    }

    #[test]
    fn a_cold_first_round_is_confirmed_soon() {
        // W1 at a run's start: its first timed step on one thread (8.6 us a
        // sample, paying for the helper's first use) against the plan's 4.9
        // ends the round and keeps the threads spread; warm, one thread is
        // faster (3.1 against 3.9), which the confirming round finds.
        let mut timer = PlanTimer::default();
        let cold = round(&mut timer, |_, one| if one { 8.6e-6 } else { 4.9e-6 });
        assert_eq!(cold, PAIRS);
        assert_eq!(
            steps_to_next_round(&mut timer, false),
            CONFIRM_FIRST_AFTER - 4
        );
        let warm = round(&mut timer, |_, one| if one { 3.1e-6 } else { 3.9e-6 });
        assert_eq!(warm, [PAIRS, PAIRS, PAIRS].concat());
        assert!(timer.one_thread());
    }

    #[test]
    fn short_steps_are_probed_about_once_a_second() {
        let mut timer = PlanTimer::default();
        round(&mut timer, |_, _| 1e-4);
        assert_eq!(
            steps_to_next_round(&mut timer, true),
            CONFIRM_AFTER - PROBES
        );
        // Steps of 100 microseconds: the next round 10,000 steps on.
        round(&mut timer, |_, one| if one { 1e-4 } else { 1.2e-4 });
        assert_eq!(steps_to_next_round(&mut timer, true), 10_000 - PROBES);
        // Steps of a microsecond: at most 16,384 steps apart.
        round(&mut timer, |_, _| 1e-6);
        assert_eq!(
            steps_to_next_round(&mut timer, true),
            PROBE_AT_LEAST_EVERY - PROBES
        );
    }

    #[test]
    fn small_steps_stay_on_one_thread_and_large_shards_run_as_one_batch() {
        let one = |whole_batch| ThreadPlan {
            shards_in_parallel: false,
            threads_per_product: 1,
            whole_batch,
        };
        // The Playground's 2-8-8-1 (528 FLOP per sample) at batch 64: one
        // thread, shard after shard (nn-core's loops, one pass each).
        assert_eq!(ThreadPlan::for_step(528, 64, 4, 2, true), one(false));
        // A tiny network's large step: its shards side by side.
        assert_eq!(
            ThreadPlan::for_step(528, 16_384, 64, 2, true),
            ThreadPlan {
                shards_in_parallel: true,
                threads_per_product: 1,
                whole_batch: false
            }
        );
        // One thread is one thread, the shards one batch whatever their size.
        assert_eq!(plan(100_000, 512, 128, 1), one(true));
        // W3 (9.6 MFLOP per sample), batch 512 in 4 shards on 2 threads: one
        // batch, every product on both threads; on 16, all 16.
        let w3 = 6 * (784 * 1024 + 1024 * 1024 + 1024 * 10);
        let whole = |threads| ThreadPlan {
            shards_in_parallel: false,
            threads_per_product: threads,
            whole_batch: true,
        };
        assert_eq!(plan(w3, 512, 128, 2), whole(2));
        assert_eq!(plan(w3, 512, 128, 16), whole(16));
        // W1 (784-100-10, 0.48 MFLOP per sample) at batch 32: two shards of 16
        // (7.6 MFLOP each), one batch whose products are split over two threads,
        // on two threads or more (15 MFLOP a step: two threads' worth).
        let w1 = 6 * (784 * 100 + 100 * 10);
        assert_eq!(plan(w1, 32, 16, 2), whole(2));
        assert_eq!(plan(w1, 32, 16, 4), whole(2));
        assert_eq!(plan(w1, 32, 16, 1), one(true));
        // Below 6 MFLOP a step: one thread, one batch.
        assert_eq!(plan(w1, 8, 2, 4), one(true));
        // W2 (1.4 MFLOP per sample) at batch 128, shards of 32 (45 MFLOP): one
        // batch; 180 MFLOP a step gives each of 16 threads its 6 MFLOP.
        let w2 = 6 * (784 * 256 + 256 * 128 + 128 * 10);
        assert_eq!(plan(w2, 128, 32, 2), whole(2));
        assert_eq!(plan(w2, 128, 32, 16), whole(16));
    }
}
