//! The weight gradients of consecutive shards added up as they are computed,
//! in one buffer: bit for bit the in-order sum `((g_0 + g_1) + g_2) + ...` of
//! each shard's own gradient, without a buffer per shard or a pass adding them.
//!
//! Shard `s`'s gradient is `g_s = -D_s^T X_s` (the seed's `r * o_in * delta`
//! summed over the shard's samples, negated as `dL/dw`). gemm computes each
//! value as a chain of multiply-adds over the shard's rows in order, in one
//! block of its inner dimension while a shard has at most 512 rows, and then
//! stores `-acc`. Asked to add its product to what the destination holds, it
//! stores `dst + (-1) * acc` in one rounding, and `-acc` is exact: the value
//! the trainer's `sum + g_s` gives. So gemm run shard after shard on one
//! buffer, adding every shard but the first, leaves the sum's bits.
//!
//! That holds on gemm's main path. Its other paths (a dot-product kernel for
//! shards of 1 or 2 rows, vector kernels for layers 1 wide, see
//! [`crate::rows_never_change_a_value`]) and the tiny networks' loops do not
//! promise it: there a shard's gradient goes into a scratch buffer, as
//! [`Kernel::weight_gradient`] computes it alone, and is then added.
//!
//! A layer's output rows are cut into blocks, each taken through every shard
//! while it is in cache, the blocks side by side on the threads (a layer in one
//! block, a classifier's last, leaves its product to gemm's own split over the
//! inputs, which does not cut the inner dimension either). gemm's
//! arithmetic for a value does not depend on the block it is in (on the main
//! path its blocking of the inner dimension depends on the inner size alone),
//! so neither the block count nor the threads change a bit.
//!
//! A piece of a layer, some of its output rows and a run of its biases
//! ([`LayerPiece`]), is summed the same way, over the same blocks' arithmetic:
//! a process that sums its piece of every shard's gradient (`piece.rs`) gets
//! the bits one process gets for those values.
//!
//! Given a [`LayerStep`], the optimizer's update of a block's weights runs as
//! soon as the block's sum is complete, while it is still in cache, instead of
//! in a pass of its own over every parameter after backpropagation (at
//! 784-2048-2048-10 and 32 samples that pass read 46 MB and wrote 23 MB a
//! step). Each value's update reads only that value's weight, gradient and
//! state, so when it runs changes no bit.

use rayon::prelude::*;

use crate::architecture::LayerShape;
use crate::matmul::{MatRef, matmul};
use crate::products::{Kernel, bias_gradient};

/// Rows of a shard up to which gemm sums a product's inner dimension in one
/// block (it never cuts it below 512).
const ONE_INNER_BLOCK: usize = 512;

/// Output rows per block when a layer is wide. Measured with one thread
/// (gemm directly, CPU time, 1024x1024 layer, 4 shards): blocks of 48 rows ran
/// at 112 and 125 GFLOP/s for shards of 32 and 128 rows, 192 rows at 138 and
/// 160, 384 at 139 and 170, the whole layer at once 134 and 168: every block
/// packs its shard's inputs again, so few large blocks; 256 rows of 1024
/// inputs (1 MB) stay in a core's 2 MB L2 cache while the shards add to them.
const BLOCK_ROWS: usize = 256;

/// Rows a block keeps at least when a layer is cut for the threads.
const FEWEST_ROWS: usize = 16;

/// Whether gemm adding shard `s`'s product of `rows` rows to a block of
/// `block` output rows by `inputs` gives the bits of adding `g_s` afterwards:
/// gemm's main path, one block of the inner dimension.
fn adds_exactly(kernel: Kernel, rows: usize, block: usize, inputs: usize) -> bool {
    matches!(kernel, Kernel::Gemm { .. })
        && (3..=ONE_INNER_BLOCK).contains(&rows)
        && block >= 2
        && inputs >= 2
}

/// How many blocks of output rows a layer `outputs` wide is cut into: blocks
/// of at most [`BLOCK_ROWS`], two per thread where they keep [`FEWEST_ROWS`].
/// Block `b` of `count` is [`block`]`(b, count, outputs)`: even, each at least
/// 2 rows unless the layer is 1 wide. (The bits do not depend on it.)
fn block_count(outputs: usize, threads: usize) -> usize {
    let shared = if threads > 1 { 2 * threads } else { 1 };
    outputs
        .div_ceil(BLOCK_ROWS)
        .max((outputs / FEWEST_ROWS).min(shared))
        .max(1)
}

/// The output rows of block `b` of `count` over a layer `outputs` wide.
fn block(b: usize, count: usize, outputs: usize) -> std::ops::Range<usize> {
    b * outputs / count..(b + 1) * outputs / count
}

/// The optimizer's update of some parameters `p` from their complete
/// gradients `g` and state `m`, `v` (each `m`, `v` the same range, or empty
/// when the optimizer keeps none), value by value.
pub type UpdateFn<'a> = &'a (dyn Fn(&mut [f32], &mut [f32], &mut [f32], &mut [f32]) + Sync);

/// A layer's share of an optimizer step taken inside the backward pass: its
/// parameters and state, laid out as its gradient (weights `[outputs, inputs]`
/// then biases).
pub(crate) struct LayerStep<'a> {
    pub(crate) params: &'a mut [f32],
    /// The optimizer's two state buffers' ranges for the layer (or empty).
    pub(crate) state: [&'a mut [f32]; 2],
    pub(crate) update: UpdateFn<'a>,
}

/// Parts of one range of a layer: its gradient and, when the pass steps,
/// its parameters and state.
struct Part<'a> {
    gradient: &'a mut [f32],
    step: Option<StepPart<'a>>,
}

/// Parameters and state of a [`Part`] (the state empty when unused).
struct StepPart<'a> {
    params: &'a mut [f32],
    first: &'a mut [f32],
    second: &'a mut [f32],
}

impl<'a> Part<'a> {
    fn split_at(self, at: usize) -> (Part<'a>, Part<'a>) {
        let (g0, g1) = self.gradient.split_at_mut(at);
        let (s0, s1) = match self.step {
            Some(step) => {
                let (p0, p1) = step.params.split_at_mut(at);
                let (f0, f1) = split_state(step.first, at);
                let (v0, v1) = split_state(step.second, at);
                (
                    Some(StepPart {
                        params: p0,
                        first: f0,
                        second: v0,
                    }),
                    Some(StepPart {
                        params: p1,
                        first: f1,
                        second: v1,
                    }),
                )
            }
            None => (None, None),
        };
        (
            Part {
                gradient: g0,
                step: s0,
            },
            Part {
                gradient: g1,
                step: s1,
            },
        )
    }

    /// The update of this part's parameters from its (complete) gradient.
    fn update(&mut self, update: Option<UpdateFn<'_>>) {
        if let (Some(step), Some(update)) = (&mut self.step, update) {
            update(step.params, self.gradient, step.first, step.second);
        }
    }
}

/// A state buffer split as the parameters are (an unused, empty one stays empty).
fn split_state(state: &mut [f32], at: usize) -> (&mut [f32], &mut [f32]) {
    if state.is_empty() {
        (Default::default(), Default::default())
    } else {
        state.split_at_mut(at)
    }
}

/// Where each shard's rows of a layer's inputs are: this process's shards
/// (`first_local..end_local`) in one buffer, shard after shard, and the others at their rows of
/// the batch in another (for a process that sums some rows of every shard,
/// [`crate::Network::piece_gradient`]). One process has them all in `local_rows`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LayerInputs<'a> {
    /// The local shards, `first_local..end_local`.
    pub(crate) first_local: usize,
    pub(crate) end_local: usize,
    pub(crate) local_rows: &'a [f32],
    /// `[batch, inputs]`; only the rows of shards outside `local` are read.
    pub(crate) elsewhere: &'a [f32],
}

impl<'a> LayerInputs<'a> {
    /// All shards' rows in one buffer.
    pub(crate) fn all(rows: &'a [f32]) -> Self {
        Self {
            first_local: 0,
            end_local: usize::MAX,
            local_rows: rows,
            elsewhere: &[],
        }
    }
}

/// The shards of a batch as a layer's weight gradient reads them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ShardOperands<'a> {
    /// Rows of each shard, and the first row of each in the batch.
    pub(crate) rows: &'a [usize],
    pub(crate) starts: &'a [usize],
    /// The layer's deltas `[batch, outputs]`, every shard's rows in place.
    pub(crate) delta: &'a [f32],
    pub(crate) x: LayerInputs<'a>,
}

impl ShardOperands<'_> {
    fn x(&self, s: usize, inputs: usize) -> &[f32] {
        let (start, n) = (self.starts[s], self.rows[s]);
        let x = &self.x;
        if (x.first_local..x.end_local).contains(&s) {
            let first = self.starts[x.first_local];
            &x.local_rows[(start - first) * inputs..(start - first + n) * inputs]
        } else {
            &x.elsewhere[start * inputs..(start + n) * inputs]
        }
    }

    fn delta(&self, s: usize, outputs: usize) -> &[f32] {
        let (start, n) = (self.starts[s], self.rows[s]);
        &self.delta[start * outputs..(start + n) * outputs]
    }
}

/// Which values of a layer's gradient a sum covers: whole output rows of its
/// weights and a run of its biases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LayerPiece {
    pub(crate) rows: std::ops::Range<usize>,
    pub(crate) bias: std::ops::Range<usize>,
}

impl LayerPiece {
    /// The whole layer.
    pub(crate) fn all(shape: LayerShape) -> Self {
        Self {
            rows: 0..shape.outputs,
            bias: 0..shape.outputs,
        }
    }
}

/// `gradient = g_0 + g_1 + ...` in shard order over `piece`'s weight rows and
/// biases, `g_s` the weight gradient ([`Kernel::weight_gradient`]) of shard
/// `s`'s rows of the deltas and inputs (`shards`), and `bias` the same sum of
/// the shards' bias gradients. `scratch` is grown as needed. Runs on up to
/// `threads` threads of the current rayon pool, and allocates nothing once
/// `scratch` is large enough. With a `step` (the whole layer only), each
/// block's weights, and then the biases, are updated as soon as their sum is
/// complete.
#[allow(clippy::too_many_arguments)] // one layer's product: its operands, shape, piece, buffers
pub(crate) fn add_shard_gradients(
    kernel: Kernel,
    threads: usize,
    gradient: &mut [f32],
    bias: &mut [f32],
    shards: ShardOperands<'_>,
    shape: LayerShape,
    piece: &LayerPiece,
    scratch: &mut Vec<f32>,
    step: Option<LayerStep<'_>>,
) {
    let (inputs, outputs) = (shape.inputs, shape.outputs);
    let whole_layer = *piece == LayerPiece::all(shape);
    debug_assert!(
        step.is_none() || whole_layer,
        "a step takes the whole layer"
    );
    let (first_row, piece_rows) = (piece.rows.start, piece.rows.len());
    debug_assert_eq!(gradient.len(), piece_rows * inputs);
    debug_assert_eq!(bias.len(), piece.bias.len());
    let update = step.as_ref().map(|s| s.update);
    let (mut weights_part, mut bias_part) = match step {
        Some(LayerStep {
            params,
            state: [first, second],
            ..
        }) => {
            let at = inputs * outputs;
            let (p_w, p_b) = params.split_at_mut(at);
            let (f_w, f_b) = split_state(first, at);
            let (s_w, s_b) = split_state(second, at);
            (
                Some(StepPart {
                    params: p_w,
                    first: f_w,
                    second: s_w,
                }),
                Some(StepPart {
                    params: p_b,
                    first: f_b,
                    second: s_b,
                }),
            )
        }
        None => (None, None),
    };
    let rows = shards.rows;
    let count = block_count(piece_rows, threads);
    // Blocks spread evenly: the narrowest has the floor of the mean.
    let narrowest = piece_rows / count;
    let mut s = 0;
    while s < rows.len() && piece_rows > 0 {
        // A run of shards gemm can add in place, block by block ...
        let run_end = (s..rows.len())
            .find(|&t| !adds_exactly(kernel, rows[t], narrowest, inputs))
            .unwrap_or(rows.len());
        if run_end > s {
            let run = s..run_end;
            // Every shard in one run: each block is complete at its end.
            let all = run == (0..rows.len());
            // A layer in one block (narrower than two blocks of FEWEST_ROWS, a
            // classifier's last layer) leaves its product to gemm's own split
            // over the inputs, which keeps every value's arithmetic: the
            // threads would otherwise wait for one of them.
            let product_threads = if count == 1 { threads } else { 1 };
            let block_products = |range: std::ops::Range<usize>, part: &mut Part<'_>| {
                for t in run.clone() {
                    let d = &shards.delta(t, outputs)[range.start..];
                    matmul(
                        part.gradient,
                        MatRef::row_major_strided(d, rows[t], range.len(), outputs).t(),
                        MatRef::row_major(shards.x(t, inputs), rows[t], inputs),
                        -1.0,
                        t > 0,
                        product_threads,
                    );
                }
                part.update(update);
            };
            let blocks = Blocks {
                count,
                first: first_row,
                outputs: piece_rows,
                inputs,
                parallel: threads > 1,
            };
            let part = Part {
                gradient: &mut *gradient,
                step: if all { weights_part.take() } else { None },
            };
            blocks.each(part, 0..count, &block_products);
            s = run_end;
            continue;
        }
        // ... or one gemm cannot: computed alone, as the trainer would, then added.
        let one = match kernel {
            Kernel::Gemm { .. } => Kernel::Gemm { threads },
            Kernel::Loops => Kernel::Loops,
        };
        let (delta_s, x_s) = (shards.delta(s, outputs), shards.x(s, inputs));
        if s == 0 && whole_layer {
            one.weight_gradient(gradient, delta_s, x_s, shape);
        } else {
            grow(scratch, inputs * outputs);
            let g = &mut scratch[..inputs * outputs];
            one.weight_gradient(g, delta_s, x_s, shape);
            let g = &g[first_row * inputs..piece.rows.end * inputs];
            if s == 0 {
                gradient.copy_from_slice(g);
            } else {
                add(threads, gradient, g);
            }
        }
        s += 1;
    }
    // Not taken block by block (shards in several runs): the whole layer now.
    Part {
        gradient,
        step: weights_part,
    }
    .update(update);
    // The bias gradients: one sum over rows per shard, then added in order.
    bias_sums(threads, bias, piece.bias.start, outputs, shards, scratch);
    Part {
        gradient: bias,
        step: bias_part.take(),
    }
    .update(update);
}

/// Bias columns summed together: four AVX-512 vectors of partial sums,
/// held in registers while a shard's rows stream past.
const BIAS_COLUMNS: usize = 64;

/// Values of a layer's deltas from which its bias sums are split over the
/// threads (W3's 512 x 1024 summed on one thread were 1% of its step).
const BIAS_SPLIT_FROM: usize = 1 << 16;

/// Every shard's bias gradient over the columns from `first` (`bias.len()` of
/// a layer `outputs` wide), added in order: for each bias, `(b_0 + b_1) + b_2
/// ...` with `b_s` [`bias_gradient`]'s sum over shard `s`'s rows, the bits of
/// computing each shard's alone and adding. Columns are independent, so blocks
/// of them run side by side on the threads.
fn bias_sums(
    threads: usize,
    bias: &mut [f32],
    first: usize,
    outputs: usize,
    shards: ShardOperands<'_>,
    scratch: &mut Vec<f32>,
) {
    let columns = |at: usize, bias: &mut [f32]| {
        pulp::Arch::new().dispatch(BiasColumns {
            bias,
            first: first + at,
            outputs,
            shards,
        });
    };
    let whole = first == 0 && bias.len() == outputs;
    if threads > 1 && shards.delta.len() >= BIAS_SPLIT_FROM && bias.len() > BIAS_COLUMNS {
        let per_thread = bias.len().div_ceil(threads).next_multiple_of(BIAS_COLUMNS);
        bias.par_chunks_mut(per_thread)
            .enumerate()
            .for_each(|(b, part)| columns(b * per_thread, part));
    } else if whole {
        // On one thread, whole rows one after another: 64 columns at a time
        // read each row's part 4 kB from the last (W3's sums took a quarter
        // longer so).
        for s in 0..shards.rows.len() {
            let shard = shards.delta(s, outputs);
            if s == 0 {
                bias_gradient(bias, shard);
            } else {
                grow(scratch, outputs);
                bias_gradient(&mut scratch[..outputs], shard);
                add(1, bias, &scratch[..outputs]);
            }
        }
    } else {
        columns(0, bias);
    }
}

/// [`bias_sums`] for the columns from `first` (`bias.len()` of them), at one
/// SIMD level.
struct BiasColumns<'a> {
    bias: &'a mut [f32],
    first: usize,
    outputs: usize,
    shards: ShardOperands<'a>,
}

impl pulp::WithSimd for BiasColumns<'_> {
    type Output = ();

    #[allow(clippy::inline_always)] // inlined into pulp's functions for each SIMD level, or not vectorised for them
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let Self {
            bias,
            first,
            outputs,
            shards,
        } = self;
        let ShardOperands {
            delta,
            rows,
            starts,
            ..
        } = shards;
        for (c, chunk) in bias.chunks_mut(BIAS_COLUMNS).enumerate() {
            let at = first + c * BIAS_COLUMNS;
            let width = chunk.len();
            for (s, (&start, &n)) in starts.iter().zip(rows).enumerate() {
                // `bias_gradient`'s arithmetic: from zero, minus each row's delta.
                let mut partial = [0.0f32; BIAS_COLUMNS];
                for r in start..start + n {
                    let row = &delta[r * outputs + at..][..width];
                    for (p, d) in partial.iter_mut().zip(row) {
                        *p -= d;
                    }
                }
                if s == 0 {
                    chunk.copy_from_slice(&partial[..width]);
                } else {
                    for (b, p) in chunk.iter_mut().zip(&partial) {
                        *b += p;
                    }
                }
            }
        }
    }
}

/// A layer's gradient (`[outputs, inputs]`) cut into `count` blocks of output rows.
#[derive(Clone, Copy)]
struct Blocks {
    count: usize,
    /// The first output row of block 0 (a piece of a layer starts there).
    first: usize,
    /// Rows of all the blocks together.
    outputs: usize,
    inputs: usize,
    /// The blocks side by side on the current rayon pool (else one after another).
    parallel: bool,
}

impl Blocks {
    /// `f(rows, part)` for each block of `which`, `rows` the layer's rows it
    /// covers and `part` the block's rows of the gradient (which `part` starts
    /// at block `which.start`): halves split recursively, so no list of parts
    /// is allocated.
    fn each(
        self,
        part: Part<'_>,
        which: std::ops::Range<usize>,
        f: &(impl Fn(std::ops::Range<usize>, &mut Part<'_>) + Sync),
    ) {
        if which.len() <= 1 {
            if !which.is_empty() {
                let mut part = part;
                let rows = block(which.start, self.count, self.outputs);
                f(self.first + rows.start..self.first + rows.end, &mut part);
            }
            return;
        }
        let mid = which.start + which.len() / 2;
        let first = block(which.start, self.count, self.outputs).start;
        let split = (block(mid, self.count, self.outputs).start - first) * self.inputs;
        let (left, right) = part.split_at(split);
        if self.parallel {
            rayon::join(
                || self.each(left, which.start..mid, f),
                || self.each(right, mid..which.end, f),
            );
        } else {
            self.each(left, which.start..mid, f);
            self.each(right, mid..which.end, f);
        }
    }
}

/// `sum += more`, value by value (on up to `threads` threads: each value alone).
fn add(threads: usize, sum: &mut [f32], more: &[f32]) {
    const CHUNK: usize = 16 * 1024;
    let each = |(s, m): (&mut [f32], &[f32])| {
        for (a, b) in s.iter_mut().zip(m) {
            *a += b;
        }
    };
    if threads > 1 {
        sum.par_chunks_mut(CHUNK)
            .zip(more.par_chunks(CHUNK))
            .for_each(each);
    } else {
        each((sum, more));
    }
}

fn grow(buffer: &mut Vec<f32>, len: usize) {
    if buffer.len() < len {
        buffer.resize(len, 0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bias_sums_give_the_bits_of_each_shards_sum_added_in_order() {
        let value = |i: usize| ((i as f32 * 0.377).sin() * 20.0).exp2().mul_add(1e-3, -0.4);
        for outputs in [1, 10, 63, 64, 65, 300, 1024] {
            for shard_rows in [vec![512], vec![128; 4], vec![3, 70, 1, 33]] {
                let batch: usize = shard_rows.iter().sum();
                let delta: Vec<f32> = (0..batch * outputs).map(value).collect();
                let starts: Vec<usize> = shard_rows
                    .iter()
                    .scan(0, |at, n| {
                        *at += n;
                        Some(*at - n)
                    })
                    .collect();
                // Each shard's sum alone, then added in order.
                let mut expected = vec![0.0f32; outputs];
                let mut one = vec![0.0f32; outputs];
                for (s, (&start, &n)) in starts.iter().zip(&shard_rows).enumerate() {
                    bias_gradient(&mut one, &delta[start * outputs..(start + n) * outputs]);
                    if s == 0 {
                        expected.copy_from_slice(&one);
                    } else {
                        expected.iter_mut().zip(&one).for_each(|(e, o)| *e += o);
                    }
                }
                for threads in 1..=3 {
                    let pool = rayon::ThreadPoolBuilder::new()
                        .num_threads(threads)
                        .build()
                        .unwrap();
                    let mut bias = vec![f32::NAN; outputs];
                    pool.install(|| {
                        bias_sums(
                            threads,
                            &mut bias,
                            0,
                            outputs,
                            ShardOperands {
                                rows: &shard_rows,
                                starts: &starts,
                                delta: &delta,
                                x: LayerInputs::all(&[]),
                            },
                            &mut Vec::new(),
                        );
                    });
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(
                        bits(&bias),
                        bits(&expected),
                        "{outputs} wide, shards {shard_rows:?}, {threads} threads"
                    );
                }
            }
        }
    }

    #[test]
    fn blocks_cover_the_layer_evenly_and_never_leave_one_row_alone() {
        for outputs in [1, 2, 3, 10, 16, 17, 100, 128, 784, 1024, 2048, 2049] {
            for threads in [1, 2, 3, 16] {
                let count = block_count(outputs, threads);
                let b: Vec<_> = (0..count).map(|b| block(b, count, outputs)).collect();
                assert_eq!(b.first().map(|r| r.start), Some(0));
                assert_eq!(b.last().map(|r| r.end), Some(outputs));
                assert!(b.windows(2).all(|w| w[0].end == w[1].start));
                assert!(b.iter().all(|r| r.len() <= BLOCK_ROWS));
                assert_eq!(
                    b.iter().map(ExactSizeIterator::len).min(),
                    Some(outputs / count)
                );
                if outputs >= 2 {
                    assert!(b.iter().all(|r| r.len() >= 2), "{outputs}: {b:?}");
                }
                // `Blocks::each` visits each block once, with its own rows.
                let inputs = 3;
                let mut gradient = vec![0.0; outputs * inputs];
                let seen = std::sync::Mutex::new(Vec::new());
                let blocks = Blocks {
                    count,
                    first: 0,
                    outputs,
                    inputs,
                    parallel: threads > 1,
                };
                let part = Part {
                    gradient: &mut gradient,
                    step: None,
                };
                blocks.each(part, 0..count, &|rows, part: &mut Part<'_>| {
                    assert_eq!(part.gradient.len(), rows.len() * inputs);
                    part.gradient.fill(rows.start as f32);
                    seen.lock().unwrap().push(rows);
                });
                let mut seen = seen.into_inner().unwrap();
                seen.sort_by_key(|r| r.start);
                assert_eq!(seen, b);
                for r in &b {
                    assert!(
                        gradient[r.start * inputs..r.end * inputs]
                            .iter()
                            .all(|&v| v == r.start as f32)
                    );
                }
            }
        }
        // One thread: a layer up to 256 wide in one block; two: four blocks
        // of 1024 rows, 256 each; narrow layers shared while blocks keep 16 rows.
        assert_eq!(block_count(256, 1), 1);
        assert_eq!(block_count(1024, 2), 4);
        assert_eq!(block_count(128, 2), 4);
        assert_eq!(block_count(128, 16), 8);
        assert_eq!(block_count(10, 2), 1);
    }
}
