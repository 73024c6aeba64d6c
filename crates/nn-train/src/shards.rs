//! Data-parallel gradient computation: a mini-batch cut into fixed-size shards.
//!
//! Each shard gathers its samples, runs nn-core's batched forward/backward into
//! its own gradient buffer, and the shard gradients are then added in shard
//! order (0 + 1 + 2 + ...), split by parameter range across the threads. Shard
//! size depends only on the batch size and the order of the sum never changes,
//! so any thread count gives bit-identical weights.
//!
//! Where the work runs is a [`ThreadPlan`] (`plan.rs`): a small step stays on
//! one thread; a tiny network (nn-core's loops) sends its shards to the threads
//! side by side; any other network runs its local shards as one batch
//! ([`Network::backward_shards`]): each layer's forward and delta products over
//! all their rows, the weights packed once per step instead of once per shard,
//! and every product split across the threads (by whole shards for the
//! products of small batches, inside the GEMM over the outputs for large ones;
//! either leaves every value's inner sum in its order). Only the
//! weight gradients stay one product per shard, so their sum keeps its order;
//! when every shard is computed here ([`LocalSum`]), each shard's product is
//! added in place into one buffer as it is computed
//! ([`nn_core::ShardGradients::Summed`]): the same bits as a buffer per shard
//! added afterwards, without those buffers or the pass that adds them. A
//! reduction that sends shards to other processes gets a buffer per shard.
//! So the threads a step can use grow with the layer sizes and the batch, not
//! with the shard count, and no choice of plan changes a bit
//! (`crates/nn-core/tests/shard_passes.rs`, and the thread-count tests in
//! `crates/nn-train/tests/training.rs`).
//!
//! Which shards this process computes, and how the results of all processes
//! meet, is the engine's [`GradientReduction`] ([`LocalSum`] by default: all of
//! them, here).

use std::ops::Range;
use std::sync::Arc;
use std::time::Instant;

use nn_core::{
    Architecture, BatchInputs, Gradients, InPlaceStep, Network, ShardGradients, ShardPass, Targets,
    Workspace,
};
use nn_data::{Dataset, Normalization, Task};
use rayon::prelude::*;

mod ahead_timer;
mod evaluate;
mod gather;
mod overrides;
mod prefetch;
mod rows;
mod sum;

use overrides::Overrides;
use prefetch::{PREFETCH_FROM_VALUES, Prefetch};
use rows::RowBuffers;
pub(crate) use sum::sum_in_order;

use crate::awake::Awake;
use crate::error::TrainError;
use crate::metrics::MetricsAccumulator;
use crate::optimizer::StepUpdate;
use crate::plan::{PlanTimer, ThreadPlan, runs_as_loops};
use crate::reduction::{BatchShards, GradientReduction, LocalSum, ShardView};

/// One shard's reusable buffers.
#[derive(Debug, Default)]
pub(crate) struct Shard {
    workspace: Workspace,
    /// Allocated on the first training pass: evaluation needs none.
    gradients: Option<Gradients>,
    inputs: Vec<f32>,
    /// The inputs transposed (`[features, samples]`), when `transposed` says
    /// they are there: gathered ahead for a pass that reads them so
    /// ([`nn_core::BatchInputs`]).
    inputs_t: Vec<f32>,
    transposed: bool,
    classes: Vec<u32>,
    values: Vec<f32>,
    /// The network's outputs for the shard's samples, as the reduction shares them.
    outputs: Vec<f32>,
    samples: usize,
    loss_sum: f64,
}

impl Shard {
    fn gradients(&self) -> &Gradients {
        self.gradients
            .as_ref()
            .expect("a training pass allocated the gradients")
    }

    pub(crate) fn gradients_mut(&mut self) -> &mut [f32] {
        self.gradients
            .as_mut()
            .expect("a training pass allocated the gradients")
            .as_mut_slice()
    }

    /// This shard as a reduction sees it.
    pub(crate) fn view(&mut self, local: bool) -> ShardView<'_> {
        ShardView {
            local,
            // None after a pass that summed pieces from rows instead.
            gradients: self
                .gradients
                .as_mut()
                .map_or(&mut [][..], Gradients::as_mut_slice),
            loss_sum: &mut self.loss_sum,
            outputs: &mut self.outputs,
        }
    }

    /// Prepares a shard computed elsewhere: its targets here for the metrics,
    /// buffers for the outputs, loss and (when `gradients`) the gradient the
    /// reduction brings.
    fn expect_remote(
        &mut self,
        data: &Dataset,
        indices: &[usize],
        network: &Network,
        gradients: bool,
    ) {
        self.gather_targets(data, indices);
        self.outputs_sized(network);
        if gradients {
            self.gradients
                .get_or_insert_with(|| Gradients::zeros(network.architecture()));
        }
    }

    /// Sizes the shared outputs for this shard's samples.
    fn outputs_sized(&mut self, network: &Network) {
        let len = self.samples * network.architecture().outputs();
        grow(&mut self.outputs, len);
        self.outputs.truncate(len);
    }

    /// Copies the last pass's outputs into the shared outputs.
    fn keep_outputs(&mut self, network: &Network) {
        self.outputs_sized(network);
        let last = network.layers().len() - 1;
        let len = self.outputs.len();
        self.outputs
            .copy_from_slice(&self.workspace.layer_output(last)[..len]);
    }

    fn targets(&self, task: Task) -> Targets<'_> {
        targets_of(task, &self.classes, &self.values, self.samples)
    }

    /// The gathered inputs and targets (read) beside the workspace and gradients (written).
    fn parts(
        &mut self,
        task: Task,
        dim: usize,
        network: &Network,
    ) -> (&[f32], Targets<'_>, &mut Workspace, &mut Gradients) {
        let n = self.samples;
        (
            &self.inputs[..n * dim],
            targets_of(task, &self.classes, &self.values, n),
            &mut self.workspace,
            self.gradients
                .get_or_insert_with(|| Gradients::zeros(network.architecture())),
        )
    }

    /// The gathered inputs and targets beside the workspace, for inference.
    fn inference_parts(&mut self, task: Task, dim: usize) -> (&[f32], Targets<'_>, &mut Workspace) {
        let (inputs, targets, workspace) = self.batch_parts(task, dim);
        (inputs.rows, targets, workspace)
    }

    /// [`Shard::inference_parts`] with the inputs transposed too, when gathered so.
    fn batch_parts(
        &mut self,
        task: Task,
        dim: usize,
    ) -> (BatchInputs<'_>, Targets<'_>, &mut Workspace) {
        let n = self.samples;
        let inputs = BatchInputs {
            rows: &self.inputs[..n * dim],
            transposed: self.transposed.then(|| &self.inputs_t[..n * dim]),
        };
        (
            inputs,
            targets_of(task, &self.classes, &self.values, n),
            &mut self.workspace,
        )
    }

    /// Adds `outputs`, this shard's outputs, to a metrics accumulator.
    fn record(&self, outputs: &[f32], width: usize, task: Task, metrics: &mut MetricsAccumulator) {
        match self.targets(task) {
            Targets::Classes(c) => metrics.add_classes(outputs, width, c, self.loss_sum),
            Targets::Values(v) => metrics.add_values(outputs, width, v, self.loss_sum),
        }
    }
}

fn targets_of<'a>(
    task: Task,
    classes: &'a [u32],
    values: &'a [f32],
    samples: usize,
) -> Targets<'a> {
    match task {
        Task::Classification { .. } => Targets::Classes(&classes[..samples]),
        Task::Regression { outputs } => Targets::Values(&values[..samples * outputs]),
    }
}

fn grow<T: Default + Clone>(buffer: &mut Vec<T>, len: usize) {
    if buffer.len() < len {
        buffer.resize(len, T::default());
    }
}

/// A pool of `threads` workers (0: one per core) named `nn-train-<i>`.
pub(crate) fn build_pool(threads: usize) -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("nn-train-{i}"))
        .build()
}

/// The shards and the thread pool that runs them.
#[derive(Debug)]
pub(crate) struct ShardEngine {
    shards: Vec<Shard>,
    /// All local samples of a step gathered together, for [`ThreadPlan::whole_batch`].
    whole: Shard,
    /// The next step's samples, gathered during this step's pass.
    prefetch: Prefetch,
    /// Side-by-side switches from the environment (`NN_TRAIN_*`).
    overrides: Overrides,
    /// Rows of the first shard when the last step ran as one batch (its
    /// outputs are then the first rows of `whole`'s workspace).
    whole_first_rows: Option<usize>,
    /// The local shards' rows and losses for [`Network::backward_shards`]
    /// (kept to reuse its allocation).
    passes: Vec<ShardPass>,
    /// The local shards' gradient buffers, lent to [`Network::backward_shards`]
    /// for a step (shard 0's alone when it sums them).
    buffers: Vec<Gradients>,
    pool: Arc<rayon::ThreadPool>,
    eval_indices: Vec<usize>,
    reduction: Box<dyn GradientReduction>,
    /// Set by [`ShardEngine::share_steps`].
    step_shared: bool,
    /// Times the planned threads against one ([`PlanTimer`]).
    timer: PlanTimer,
    /// The last step ran on one thread by the timer's choice.
    last_on_one_thread: bool,
    /// The other threads kept spinning while steps run back to back.
    awake: Awake,
    /// The whole batch's rows, for a step whose processes sum pieces ([`rows`]).
    rows: RowBuffers,
}

impl ShardEngine {
    /// An engine on `threads` workers (0: one per core).
    pub(crate) fn new(threads: usize) -> Result<Self, rayon::ThreadPoolBuildError> {
        Ok(Self::on(Arc::new(build_pool(threads)?)))
    }

    /// An engine on the threads of `pool`, which other engines may use in turn.
    pub(crate) fn on(pool: Arc<rayon::ThreadPool>) -> Self {
        Self {
            shards: Vec::new(),
            whole: Shard::default(),
            prefetch: Prefetch::default(),
            overrides: Overrides::from_env(),
            whole_first_rows: None,
            passes: Vec::new(),
            buffers: Vec::new(),
            pool,
            eval_indices: Vec::new(),
            reduction: Box::new(LocalSum),
            step_shared: false,
            timer: PlanTimer::default(),
            last_on_one_thread: false,
            awake: Awake::default(),
            rows: RowBuffers::default(),
        }
    }

    /// The parameters this process steps when the processes share the
    /// optimizer step ([`GradientReduction::step_range`]).
    pub(crate) fn step_range(&self, architecture: &Architecture) -> Option<Range<usize>> {
        self.reduction.step_range(architecture)
    }

    /// Whether the next steps' optimizer step is shared between the processes:
    /// their reduction then sums the gradients only over this process's range.
    pub(crate) fn share_steps(&mut self, shared: bool) {
        self.step_shared = shared;
    }

    /// Completes a step shared between the processes ([`GradientReduction::share_step`]).
    pub(crate) fn share_step(&mut self, step: crate::SharedStep<'_>) -> Result<(), TrainError> {
        self.reduction.share_step(step)
    }

    /// Replaces how shard results are combined (e.g. across MPI ranks).
    pub(crate) fn set_reduction(&mut self, reduction: Box<dyn GradientReduction>) {
        self.reduction = reduction;
    }

    /// The worker pool, shared so a caller can enter it once for many steps.
    pub(crate) fn pool(&self) -> Arc<rayon::ThreadPool> {
        Arc::clone(&self.pool)
    }

    /// Worker threads in the pool.
    pub(crate) fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    fn ensure_shards(&mut self, network: &Network, count: usize) {
        let params = network.parameters().len();
        if self.shards.iter().any(|s| {
            s.gradients
                .as_ref()
                .is_some_and(|g| g.as_slice().len() != params)
        }) {
            self.shards.clear(); // the architecture changed
        }
        while self.shards.len() < count {
            self.shards.push(Shard::default());
        }
    }

    /// Mean-loss gradients of the batch `indices`; returns the batch's summed loss
    /// and leaves the gradients in the first shard ([`ShardEngine::pool_and_gradients`]).
    ///
    /// Every shard is scaled by `1 / indices.len()`, so the sum of shard gradients
    /// is the gradient of the batch mean (only over this process's
    /// [`ShardEngine::step_range`] after [`ShardEngine::share_steps`]). This process computes the shards its
    /// reduction assigns it; the reduction brings in the rest. Every shard's
    /// outputs are then added to `metrics`, in shard order.
    ///
    /// With a `step` (the optimizer's next update and its state), a batch
    /// whose shards are all summed here takes the step as the pass goes
    /// ([`Network::backward_shards_stepping`]); the second value says whether
    /// it did (else the caller steps, as it would without one).
    ///
    /// `next`, the next step's samples when known, may be gathered on another
    /// thread while this step's pass runs ([`prefetch`]).
    #[allow(clippy::too_many_arguments)] // the network, the step's data and samples, the step, where metrics go
    pub(crate) fn compute(
        &mut self,
        network: &mut Network,
        data: &Dataset,
        normalization: &Normalization,
        indices: &[usize],
        next: Option<&[usize]>,
        shard_size: usize,
        metrics: &mut MetricsAccumulator,
        step: Option<(StepUpdate, [&mut [f32]; 2])>,
    ) -> Result<(f64, bool), TrainError> {
        let mut stepped = false;
        let count = indices.len().div_ceil(shard_size);
        self.ensure_shards(network, count);
        let local = self.reduction.local_shards(count);
        assert!(
            local.end <= count,
            "a reduction assigned shards {local:?} of {count}"
        );
        let scale = 1.0 / indices.len() as f32;
        let task = data.task();
        let dim = data.dim();
        let work = |shard: &mut Shard, part: &[usize]| -> nn_core::Result<()> {
            shard.gather(data, normalization, part);
            let (inputs, targets, workspace, gradients) = shard.parts(task, dim, network);
            shard.loss_sum = network.backward(inputs, &targets, scale, workspace, gradients)?;
            shard.keep_outputs(network);
            Ok(())
        };
        let part = |k: usize| &indices[k * shard_size..((k + 1) * shard_size).min(indices.len())];
        let threads = self.threads();
        let shards = &mut self.shards[..count];
        let mine = &indices[(local.start * shard_size).min(indices.len())
            ..(local.end * shard_size).min(indices.len())];
        let mut plan = ThreadPlan::for_step(
            network.architecture().flops_per_sample(),
            mine.len(),
            local.len(),
            threads,
            runs_as_loops(network.layers()),
        );
        plan.whole_batch = self.overrides.whole_batch.unwrap_or(plan.whole_batch);
        // Each process sums its piece of every shard's gradient from the
        // others' rows when its reduction asks so (then every process has a
        // shard): the local shards then run as one batch, whatever the plan.
        let needs_each_shard = self.reduction.needs_each_shard();
        let mut piece = None;
        let mut exchange = None;
        if self.step_shared && !self.overrides.shard_exchange {
            piece = self.reduction.step_range(network.architecture());
            exchange = piece.as_ref().and_then(|_| {
                self.reduction
                    .row_exchange(network.architecture(), indices.len(), shard_size)
            });
            piece = piece.filter(|_| exchange.is_some());
        }
        if piece.is_some() {
            plan.whole_batch = true;
        }
        if let Some(serial) = self.overrides.serial
            && threads > 1
        {
            plan.shards_in_parallel = !serial && !plan.whole_batch && local.len() > 1;
            plan.threads_per_product = if serial || !plan.whole_batch {
                1
            } else {
                threads
            };
        }
        // A step the plan spreads over the threads runs on one instead when
        // the timer finds that faster (the same bits either way).
        let spread = plan.shards_in_parallel || plan.threads_per_product > 1;
        let timed = spread && self.overrides.serial.is_none();
        let one_thread = timed && self.timer.one_thread();
        self.last_on_one_thread = one_thread;
        if one_thread {
            plan.shards_in_parallel = false;
            plan.threads_per_product = 1;
        }
        // The next step's samples, gathered on another thread while this
        // step's pass runs on one (the next step has the same local shards if
        // it has as many samples), while that is timed faster ([`prefetch`]).
        let split = plan.threads_per_product > 1;
        let may_gather_ahead = plan.whole_batch
            && threads > 1
            && next.is_some_and(|n| n.len() == indices.len())
            && mine.len() * dim >= PREFETCH_FROM_VALUES
            && (!split || self.overrides.prefetch == Some(true));
        let ahead = self
            .prefetch
            .ahead(may_gather_ahead, self.overrides.prefetch);
        let next_mine = next.filter(|_| ahead).map(|n| {
            &n[(local.start * shard_size).min(n.len())..(local.end * shard_size).min(n.len())]
        });
        // The other threads spin for the step's jobs rather than sleep
        // between them (on the pool's thread that runs the step).
        let _awake = (((!one_thread && spread) || ahead)
            && self.pool.current_thread_index().is_some())
        .then(|| self.awake.step(&self.pool));
        // The clock is read only for the timer's probes, a few steps a round.
        let started = (timed && self.timer.probing()).then(Instant::now);
        // The row exchange's time, taken out of the step's for the timer.
        let mut exchanged = std::time::Duration::ZERO;
        self.whole_first_rows = None;
        // Summed as computed: all shards are here and nothing needs them apart.
        let summed = plan.whole_batch
            && !needs_each_shard
            && !self.overrides.shard_buffers
            && local == (0..count);
        if plan.whole_batch && !local.is_empty() {
            // The last shard is the smallest of the batch, on every process.
            let smallest = indices.len() - (count - 1) * shard_size;
            let whole = &mut self.whole;
            if !self.prefetch.take_into(whole, data, mine) {
                self.pool
                    .install(|| whole.gather_split(data, normalization, mine, split));
            }
            let prefetch = &mut self.prefetch;
            whole.workspace.set_threads(plan.threads_per_product);
            let passes = &mut self.passes;
            passes.clear();
            passes.extend(mine.chunks(shard_size).map(|part| ShardPass {
                rows: part.len(),
                loss_sum: 0.0,
            }));
            // Each shard's buffer, lent for the pass (or shard 0's, for the sum).
            let buffers = &mut self.buffers;
            buffers.clear();
            let lenders = if summed {
                0..1
            } else if piece.is_some() {
                0..0
            } else {
                local.clone()
            };
            buffers.extend(shards[lenders.clone()].iter_mut().map(|s| {
                s.gradients
                    .take()
                    .unwrap_or_else(|| Gradients::zeros(network.architecture()))
            }));
            let (inputs, targets, workspace) = whole.batch_parts(task, dim);
            let step = step.filter(|_| summed && !self.overrides.step_after);
            let rows = &mut self.rows;
            let local_rows = local.start * shard_size..local.start * shard_size + mine.len();
            // The next batch's inputs transposed too, where its first layer reads them so.
            let transpose_ahead = BatchInputs::transposed_read(mine.len(), network.layers()[0]);
            let pass = || {
                if let Some((update, state)) = step {
                    let update = |p: &mut [f32], g: &mut [f32], m: &mut [f32], v: &mut [f32]| {
                        update.apply(p, g, m, v);
                    };
                    network
                        .backward_shards_stepping(
                            inputs,
                            &targets,
                            passes,
                            &mut buffers[0],
                            smallest,
                            scale,
                            workspace,
                            InPlaceStep {
                                state,
                                update: &update,
                            },
                        )
                        .map(|took| stepped = took)
                } else {
                    let gradients = if summed {
                        ShardGradients::Summed(&mut buffers[0])
                    } else if piece.is_some() {
                        let arch = network.architecture();
                        ShardGradients::Kept(rows.kept(arch, indices, shard_size, &local_rows))
                    } else {
                        ShardGradients::Each(buffers)
                    };
                    network.backward_shards(
                        inputs, &targets, passes, gradients, smallest, scale, workspace,
                    )
                }
            };
            let result = self.pool.install(|| match next_mine {
                Some(next) => {
                    rayon::join(pass, || {
                        prefetch.gather(data, normalization, next, transpose_ahead);
                    })
                    .0
                }
                None => pass(),
            });
            for (s, g) in shards[lenders].iter_mut().zip(buffers.drain(..)) {
                s.gradients = Some(g);
            }
            if summed {
                // Their memory back: at 784-2048-2048-10, 23 MB a shard.
                for s in &mut shards[1..] {
                    s.gradients = None;
                }
            }
            let last = network.layers().len() - 1;
            let width = network.architecture().outputs();
            let all_outputs = whole.workspace.layer_output(last);
            let mut row = 0;
            for ((s, part), pass) in shards[local.clone()]
                .iter_mut()
                .zip(mine.chunks(shard_size))
                .zip(passes.iter())
            {
                s.gather_targets(data, part);
                s.loss_sum = pass.loss_sum;
                s.outputs_sized(network);
                if result.is_ok() {
                    s.outputs
                        .copy_from_slice(&all_outputs[row * width..(row + part.len()) * width]);
                }
                row += part.len();
            }
            result?;
            if let (Some(piece), Some(exchange)) = (piece.clone(), exchange.take()) {
                let sum = shards[0]
                    .gradients
                    .get_or_insert_with(|| Gradients::zeros(network.architecture()));
                let (inputs, _, workspace) = whole.batch_parts(task, dim);
                let network = &*network;
                exchanged = self.pool.install(|| {
                    rows.sum_piece(
                        network,
                        data,
                        normalization,
                        indices,
                        local.clone(),
                        inputs.rows,
                        workspace,
                        exchange,
                        piece,
                        sum,
                    )
                })?;
            }
            if local.start == 0 {
                self.whole_first_rows = Some(mine.len().min(shard_size));
            }
        } else if plan.shards_in_parallel {
            self.pool.install(|| {
                shards[local.clone()]
                    .par_iter_mut()
                    .zip(mine.par_chunks(shard_size))
                    .try_for_each(|(s, part)| {
                        s.workspace.set_threads(plan.threads_per_product);
                        work(s, part)
                    })
            })?;
        } else {
            // One shard after another on this thread: no hand-off for small work.
            for (s, part) in shards[local.clone()]
                .iter_mut()
                .zip(mine.chunks(shard_size))
            {
                s.workspace.set_threads(plan.threads_per_product);
                work(s, part)?;
            }
        }
        for (k, shard) in shards.iter_mut().enumerate() {
            if !local.contains(&k) {
                // Summed from rows, only shard 0's buffer (the sum) is needed.
                let gradients = piece.is_none() || k == 0;
                shard.expect_remote(data, part(k), network, gradients);
            }
        }
        // Timed before the exchange with other processes (the row exchange's
        // time taken out), whose waits are theirs.
        if timed {
            let seconds =
                started.map_or(0.0, |t| t.elapsed().saturating_sub(exchanged).as_secs_f64());
            self.timer.record(one_thread, mine.len(), seconds);
        }
        // Summed, the sum is in shard 0 already (the others hold no gradients);
        // only a reduction within one process sums so, and it never shares a step.
        if !summed {
            self.reduction.reduce(&mut BatchShards {
                architecture: network.architecture(),
                pieces_summed: piece.is_some(),
                shards: &mut *shards,
                local,
                parameters: network.parameters().len(),
                pool: &self.pool,
                step_shared: self.step_shared,
            })?;
        }

        let width = network.architecture().outputs();
        let mut loss_sum = 0.0;
        for shard in &*shards {
            shard.record(&shard.outputs, width, task, metrics);
            loss_sum += shard.loss_sum;
        }
        Ok((loss_sum, stepped))
    }

    /// Weight layer `layer`'s outputs `[n, width]` for the first shard of the last
    /// training step (empty before any).
    pub(crate) fn last_outputs(&self, layer: usize) -> &[f32] {
        if let Some(rows) = self.whole_first_rows {
            let all = self.whole.workspace.layer_output(layer);
            let width = all.len() / self.whole.workspace.batch().max(1);
            return &all[..rows * width];
        }
        self.shards
            .first()
            .map_or(&[], |s| s.workspace.layer_output(layer))
    }

    /// Steps that took samples gathered during the step before ([`prefetch`]).
    #[cfg(test)]
    pub(crate) fn prefetches_used(&self) -> u64 {
        self.prefetch.used
    }

    /// Whether the timer ran the last [`ShardEngine::compute`] on one thread
    /// where the plan spread it ([`PlanTimer`]).
    pub(crate) fn last_step_on_one_thread(&self) -> bool {
        self.last_on_one_thread
    }

    /// The thread pool and the summed gradients of the last [`ShardEngine::compute`].
    pub(crate) fn pool_and_gradients(&mut self) -> (&rayon::ThreadPool, &mut Gradients) {
        let gradients = self.shards[0]
            .gradients
            .as_mut()
            .expect("compute ran first");
        (&self.pool, gradients)
    }
}
