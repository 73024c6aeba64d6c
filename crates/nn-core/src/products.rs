//! A layer's three products (forward, delta back, weight gradient), through
//! gemm or, for tiny networks, through plain loops.
//!
//! A gemm call costs about a microsecond of set-up (dispatch, a scratch
//! allocation, packing) whatever its size; a Playground-size network's whole
//! step is a few thousand multiply-adds, so that set-up was most of its time.
//! A network whose every layer is at most [`LOOPS_WIDTH`] wide runs all its
//! products as the loops below instead. Which kernel runs depends on the
//! architecture alone, so a network's bits never depend on the batch, the
//! shards or the threads; each loop sums in a fixed order (inputs in order,
//! outputs in order, samples in order), and every row is computed on its own.
//! A tiny network's forward pass and its training pass run as `tiny.rs`'s
//! single pass, the same arithmetic as these loops in the same order; the
//! loops remain for the pass that records the deltas (the breakdown) and for
//! [`crate::Network::backward_shards`].

use rayon::prelude::*;

use crate::Activation;
use crate::architecture::LayerShape;
use crate::matmul::{MatRef, matmul_by_columns};
use crate::transposed;

/// Layer width (inputs and outputs) up to which every layer of a network runs
/// as plain loops: a row of a layer's values fits one AVX-512 register.
/// Measured on a 2-core AVX-512 Xeon under load (other builds running), one
/// thread, the three products of an `S x S` layer for 16 samples (the ignored
/// test `loops_against_gemm` below): loops 1.85x gemm's speed at 2x2, 1.33x at
/// 4x4, 1.51x at 8x8, 1.02x at 16x16; wider layers do not fit the registers.
/// W4 (2-8-8-1, batch 10) went from about 170,000 to 250,000 steps/s; the
/// whole-pass kernel of `tiny.rs` then took it to about 650,000 (CPU time).
pub const LOOPS_WIDTH: usize = 16;

/// How a network's products run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kernel {
    /// Plain loops, one thread (tiny networks).
    Loops,
    /// gemm, on up to `threads` threads of the current rayon pool.
    Gemm { threads: usize },
}

impl Kernel {
    /// The kernel for a network of these layers, with products allowed `threads` threads.
    pub(crate) fn for_layers(layers: &[LayerShape], threads: usize) -> Self {
        if layers
            .iter()
            .all(|l| l.inputs <= LOOPS_WIDTH && l.outputs <= LOOPS_WIDTH)
        {
            Kernel::Loops
        } else {
            Kernel::Gemm { threads }
        }
    }

    /// Whether a product over many shards' rows at once gives each row the
    /// bits it gets over one shard's rows (at least `smallest`).
    pub(crate) fn rows_independent(self, width: usize, inner: usize, smallest: usize) -> bool {
        match self {
            Kernel::Loops => true,
            Kernel::Gemm { .. } => rows_never_change_a_value(width, inner, smallest),
        }
    }

    /// `z = bias + x W^T`: `x` is `[rows, shape.inputs]`, `weights` `[outputs, inputs]`,
    /// `z` `[rows, outputs]`, every row started at `bias` (the seed's order: the
    /// bias, the weight of the constant input, first). A few rows of a wide
    /// layer run as the transposed product (`transposed.rs`, the same bits),
    /// using `scratch`.
    pub(crate) fn forward(
        self,
        z: &mut [f32],
        x: &[f32],
        weights: &[f32],
        bias: &[f32],
        shape: LayerShape,
        scratch: &mut Vec<f32>,
    ) {
        self.forward_with(z, x, None, weights, bias, shape, scratch);
    }

    /// [`Kernel::forward`], given `x` transposed too (`x_t`, `[inputs, rows]`),
    /// which the transposed product reads instead of packing `x` (the same bits).
    #[allow(clippy::too_many_arguments)] // the product's operands, shape and scratch
    pub(crate) fn forward_with(
        self,
        z: &mut [f32],
        x: &[f32],
        x_t: Option<MatRef<'_>>,
        weights: &[f32],
        bias: &[f32],
        shape: LayerShape,
        scratch: &mut Vec<f32>,
    ) {
        let (inputs, outputs) = (shape.inputs, shape.outputs);
        let rows = z.len() / outputs;
        if let Kernel::Gemm { threads } = self
            && transposed::pays(rows, shape)
        {
            transposed::forward(z, x, x_t, weights, bias, shape, threads, scratch);
            return;
        }
        let threads = match self {
            Kernel::Loops => 1,
            Kernel::Gemm { threads } => threads,
        };
        by_rows(threads, z, outputs, |rows| {
            for row in rows.chunks_exact_mut(outputs) {
                row.copy_from_slice(bias);
            }
        });
        match self {
            Kernel::Loops => pulp::Arch::new().dispatch(Loops::Forward {
                z,
                x,
                weights,
                shape,
            }),
            Kernel::Gemm { threads } => matmul_by_columns(
                z,
                MatRef::row_major(x, rows, inputs),
                MatRef::row_major(weights, outputs, inputs).t(),
                1.0,
                true,
                threads,
            ),
        }
    }

    /// `back = delta W`: `delta` is `[rows, outputs]`, `back` `[rows, inputs]`.
    pub(crate) fn back(self, back: &mut [f32], delta: &[f32], weights: &[f32], shape: LayerShape) {
        let (inputs, outputs) = (shape.inputs, shape.outputs);
        let rows = back.len() / inputs;
        match self {
            Kernel::Loops => pulp::Arch::new().dispatch(Loops::Back {
                back,
                delta,
                weights,
                shape,
            }),
            Kernel::Gemm { threads } => matmul_by_columns(
                back,
                MatRef::row_major(delta, rows, outputs),
                MatRef::row_major(weights, outputs, inputs),
                1.0,
                false,
                threads,
            ),
        }
    }

    /// `gradient = -delta^T x` (`dL/dw`, the seed's `r * o_in * delta` negated),
    /// summed over the rows in order: `delta` is `[rows, outputs]`, `x`
    /// `[rows, inputs]`, `gradient` `[outputs, inputs]`.
    pub(crate) fn weight_gradient(
        self,
        gradient: &mut [f32],
        delta: &[f32],
        x: &[f32],
        shape: LayerShape,
    ) {
        let (inputs, outputs) = (shape.inputs, shape.outputs);
        let rows = delta.len() / outputs;
        match self {
            Kernel::Loops => pulp::Arch::new().dispatch(Loops::WeightGradient {
                gradient,
                delta,
                x,
                shape,
            }),
            Kernel::Gemm { threads } => matmul_by_columns(
                gradient,
                MatRef::row_major(delta, rows, outputs).t(),
                MatRef::row_major(x, rows, inputs),
                -1.0,
                false,
                threads,
            ),
        }
    }
}

/// The loops of [`Kernel::Loops`], compiled for each SIMD level and run at
/// the best one the CPU has (pulp picks it at run time). The loops run along
/// a row of outputs, so the vectors only change how many values are computed
/// at once, never a value's arithmetic: nothing is fused, the sums keep their
/// order, and the bits are the same at any vector width.
enum Loops<'a> {
    Forward {
        z: &'a mut [f32],
        x: &'a [f32],
        weights: &'a [f32],
        shape: LayerShape,
    },
    Back {
        back: &'a mut [f32],
        delta: &'a [f32],
        weights: &'a [f32],
        shape: LayerShape,
    },
    WeightGradient {
        gradient: &'a mut [f32],
        delta: &'a [f32],
        x: &'a [f32],
        shape: LayerShape,
    },
}

/// A row of up to [`LOOPS_WIDTH`] values, padded: one vector register with AVX-512.
type Lanes = [f32; LOOPS_WIDTH];

/// `rows` rows of up to [`LOOPS_WIDTH`] values (`width` of them used), zero-padded.
fn padded_rows(values: &[f32], width: usize) -> [Lanes; LOOPS_WIDTH] {
    let mut out = [[0.0; LOOPS_WIDTH]; LOOPS_WIDTH];
    for (lanes, row) in out.iter_mut().zip(values.chunks_exact(width)) {
        lanes[..width].copy_from_slice(row);
    }
    out
}

impl pulp::WithSimd for Loops<'_> {
    type Output = ();

    #[allow(clippy::inline_always)] // inlined into pulp's functions for each SIMD level, or not vectorised for them
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        // Every loop over lanes has a fixed length, so it is a few whole vector
        // operations on registers; the padding lanes compute values nobody reads.
        match self {
            Loops::Forward {
                z,
                x,
                weights,
                shape,
            } => {
                let (inputs, outputs) = (shape.inputs, shape.outputs);
                // The weights as [inputs][outputs]: one input's terms for a
                // whole row of outputs are one multiply and one add.
                let mut columns = [[0.0f32; LOOPS_WIDTH]; LOOPS_WIDTH];
                for (o, w_row) in weights.chunks_exact(inputs).enumerate() {
                    for (column, &w) in columns.iter_mut().zip(w_row) {
                        column[o] = w;
                    }
                }
                // The seed's order: the bias (the weight of the constant input)
                // first, then the inputs one by one.
                for (z_row, x_row) in z.chunks_exact_mut(outputs).zip(x.chunks_exact(inputs)) {
                    let mut sum: Lanes = [0.0; LOOPS_WIDTH];
                    sum[..outputs].copy_from_slice(z_row);
                    for (&x, column) in x_row.iter().zip(&columns) {
                        for (s, w) in sum.iter_mut().zip(column) {
                            *s += x * w;
                        }
                    }
                    z_row.copy_from_slice(&sum[..outputs]);
                }
            }
            Loops::Back {
                back,
                delta,
                weights,
                shape,
            } => {
                let (inputs, outputs) = (shape.inputs, shape.outputs);
                let rows = padded_rows(weights, inputs);
                for (b_row, d_row) in back
                    .chunks_exact_mut(inputs)
                    .zip(delta.chunks_exact(outputs))
                {
                    let mut sum: Lanes = [0.0; LOOPS_WIDTH];
                    for (&d, w_row) in d_row.iter().zip(&rows) {
                        for (s, w) in sum.iter_mut().zip(w_row) {
                            *s += d * w;
                        }
                    }
                    b_row.copy_from_slice(&sum[..inputs]);
                }
            }
            Loops::WeightGradient {
                gradient,
                delta,
                x,
                shape,
            } => {
                let (inputs, outputs) = (shape.inputs, shape.outputs);
                // Output neuron after output neuron, the samples added in order.
                for (o, g_row) in gradient.chunks_exact_mut(inputs).enumerate() {
                    let mut sum: Lanes = [0.0; LOOPS_WIDTH];
                    let sum = &mut sum[..inputs];
                    for (d_row, x_row) in delta.chunks_exact(outputs).zip(x.chunks_exact(inputs)) {
                        let d = d_row[o];
                        for (s, x) in sum.iter_mut().zip(x_row) {
                            *s -= d * x;
                        }
                    }
                    g_row.copy_from_slice(sum);
                }
            }
        }
    }
}

/// Whether a row-major product `[rows, inner] . [inner, width]` gives every
/// row the same bits whether it runs over one shard's rows (at least
/// `smallest`) or over many shards' at once.
///
/// gemm (0.19) sums each value in blocks of its inner dimension whose size
/// depends on `inner` alone, except on three paths picked by the shape: a
/// dot-product kernel when `width x rows <= 256`, a vector kernel when `rows`
/// is 1, and blocks of 512 instead of balanced ones when `width` and `rows`
/// are both at most 64 (which only matters when `inner > 512`). (It computes
/// `dst^T`, so our `width` is its `m` and our `rows` its `n`.) Shapes clear of
/// all three take the same path for any number of rows.
pub fn rows_never_change_a_value(width: usize, inner: usize, smallest: usize) -> bool {
    smallest >= 2 && width * smallest > 256 && (width > 64 || inner <= 512)
}

/// Rows per rayon task for the elementwise work of a whole batch.
const ROWS_PER_TASK: usize = 32;

/// `f` over `values` (`width` per row), in blocks of whole rows on up to
/// `threads` threads of the current rayon pool: each value is computed alone,
/// so the split changes no bit.
pub(crate) fn by_rows(
    threads: usize,
    values: &mut [f32],
    width: usize,
    f: impl Fn(&mut [f32]) + Sync + Send,
) {
    if threads > 1 {
        values.par_chunks_mut(ROWS_PER_TASK * width).for_each(f);
    } else {
        f(values);
    }
}

/// The seed's hidden delta, `delta *= f'(o)`, on up to `threads` threads.
pub(crate) fn times_derivative(
    threads: usize,
    hidden: Activation,
    delta: &mut [f32],
    outputs: &[f32],
    width: usize,
) {
    let each = |delta: &mut [f32], outputs: &[f32]| hidden.times_derivative(delta, outputs);
    if threads > 1 {
        delta
            .par_chunks_mut(ROWS_PER_TASK * width)
            .zip(outputs.par_chunks(ROWS_PER_TASK * width))
            .for_each(|(d, o)| each(d, o));
    } else {
        each(delta, outputs);
    }
}

/// The bias gradient `dL/db = -sum over rows of delta`: the bias is the weight
/// of a constant `-1` input, `Delta w_0 = r * (-1) * delta`, and `b = -w_0`.
pub(crate) fn bias_gradient(gradient: &mut [f32], delta: &[f32]) {
    gradient.fill(0.0);
    for row in delta.chunks_exact(gradient.len()) {
        for (g, d) in gradient.iter_mut().zip(row) {
            *g -= d;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, salt: f32) -> Vec<f32> {
        (0..n).map(|i| ((i as f32 + salt) * 0.618).sin()).collect()
    }

    /// The three products of one layer through `kernel`.
    fn products(kernel: Kernel, shape: LayerShape, rows: usize) -> [Vec<f32>; 3] {
        let x = values(rows * shape.inputs, 0.5);
        let w = values(shape.inputs * shape.outputs, 1.5);
        let d = values(rows * shape.outputs, 2.5);
        let bias = values(shape.outputs, 3.5);
        let mut z = vec![7.0; rows * shape.outputs];
        kernel.forward(&mut z, &x, &w, &bias, shape, &mut Vec::new());
        let mut back = vec![7.0; rows * shape.inputs];
        kernel.back(&mut back, &d, &w, shape);
        let mut g = vec![7.0; shape.inputs * shape.outputs];
        kernel.weight_gradient(&mut g, &d, &x, shape);
        [z, back, g]
    }

    fn shape(inputs: usize, outputs: usize) -> LayerShape {
        LayerShape {
            inputs,
            outputs,
            weight_offset: 0,
            bias_offset: inputs * outputs,
        }
    }

    #[test]
    fn loops_compute_what_gemm_computes() {
        for (i, o, rows) in [(2, 8, 10), (8, 8, 1), (8, 1, 16), (16, 13, 5)] {
            let loops = products(Kernel::Loops, shape(i, o), rows);
            let gemm = products(Kernel::Gemm { threads: 1 }, shape(i, o), rows);
            for (a, b) in loops.iter().zip(&gemm) {
                for (a, b) in a.iter().zip(b) {
                    assert!((a - b).abs() < 1e-4, "{i}x{o} x {rows}: {a} against {b}");
                }
            }
        }
    }

    #[test]
    fn a_network_is_tiny_only_when_every_layer_is() {
        let tiny = [shape(2, 8), shape(8, 8), shape(8, 1)];
        assert_eq!(Kernel::for_layers(&tiny, 2), Kernel::Loops);
        let edge = [shape(16, 16)];
        assert_eq!(Kernel::for_layers(&edge, 1), Kernel::Loops);
        let wider = [shape(2, 17)];
        assert_eq!(Kernel::for_layers(&wider, 1), Kernel::Gemm { threads: 1 });
        let one_wide = [shape(2, 8), shape(8, 200), shape(200, 1)];
        assert_eq!(
            Kernel::for_layers(&one_wide, 3),
            Kernel::Gemm { threads: 3 }
        );
    }

    /// Where [`LOOPS_UP_TO`] comes from: the three products of an `S x S`
    /// layer for 16 rows, loops against gemm on one thread, nanoseconds each.
    /// `cargo test --release -p nn-core -- --ignored --nocapture loops_against_gemm`
    #[test]
    #[ignore = "a measurement, not a check"]
    #[allow(clippy::print_stdout)]
    fn loops_against_gemm() {
        for s in [2, 4, 8, 12, 16] {
            let (rows, shape) = (16, shape(s, s));
            let x = values(rows * s, 0.5);
            let w = values(s * s, 1.5);
            let d = values(rows * s, 2.5);
            let bias = values(s, 3.5);
            let mut scratch = Vec::new();
            let (mut z, mut back, mut g) =
                (vec![0.0; rows * s], vec![0.0; rows * s], vec![0.0; s * s]);
            let mut time = |kernel: Kernel| {
                let reps = 20_000;
                let mut best = f64::MAX;
                for _ in 0..5 {
                    let started = std::time::Instant::now();
                    for _ in 0..reps {
                        kernel.forward(&mut z, &x, &w, &bias, shape, &mut scratch);
                        kernel.back(&mut back, &d, &w, shape);
                        kernel.weight_gradient(&mut g, &d, &x, shape);
                        std::hint::black_box((&z, &back, &g));
                    }
                    best = best.min(started.elapsed().as_secs_f64() / f64::from(reps) * 1e9);
                }
                best
            };
            let (loops, gemm) = (time(Kernel::Loops), time(Kernel::Gemm { threads: 1 }));
            println!(
                "{s}x{s}: loops {loops:.0} ns, gemm {gemm:.0} ns, loops {:.2}x",
                gemm / loops
            );
        }
    }

    /// W3's step's five products alone (784-H-H-10 at 512 rows, H = 1024 and
    /// 2048, 2 threads), as the step runs them: the forward products and the
    /// delta product split by columns, each weight gradient as four shards of
    /// 128 rows added in place (biases included); best of 7 timings of 10
    /// calls, milliseconds and GFLOP/s. `xtask/torch_matmul.py --step` times the
    /// same five in PyTorch, in the step's layouts, the same way.
    /// `cargo test --release -p nn-core --lib -- --ignored --nocapture step_products_alone`
    #[test]
    #[ignore = "a measurement, not a check"]
    #[allow(clippy::print_stdout)]
    fn step_products_alone() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let best = |f: &mut dyn FnMut()| {
            for _ in 0..3 {
                f();
            }
            let mut best = f64::MAX;
            for _ in 0..7 {
                let started = std::time::Instant::now();
                for _ in 0..10 {
                    f();
                }
                best = best.min(started.elapsed().as_secs_f64() / 10.0);
            }
            best
        };
        let rows = 512;
        let (shard_rows, shard_starts) = ([128; 4], [0, 128, 256, 384]);
        for h in [1024, 2048] {
            let mut total = 0.0;
            for inputs in [784, h] {
                let shape = shape(inputs, h);
                let (x, w) = (values(rows * inputs, 0.5), values(inputs * h, 1.5));
                let (d, bias) = (values(rows * h, 2.5), values(h, 3.5));
                let (mut z, mut back) = (vec![0.0; rows * h], vec![0.0; rows * inputs]);
                let (mut g, mut g_bias) = (vec![0.0; inputs * h], vec![0.0; h]);
                let mut scratch = Vec::new();
                let kernel = Kernel::Gemm { threads: 2 };
                let gflop = 2.0 * (rows * inputs * h) as f64 / 1e9;
                pool.install(|| {
                    let mut report = |name: &str, seconds: f64| {
                        total += seconds;
                        println!(
                            "H={h} {name} {inputs}x{h}: {:.3} ms, {:.0} GFLOP/s",
                            seconds * 1e3,
                            gflop / seconds
                        );
                    };
                    let t = best(&mut || {
                        kernel.forward(&mut z, &x, &w, &bias, shape, &mut scratch);
                    });
                    report("forward", t);
                    if inputs == h {
                        report("delta", best(&mut || kernel.back(&mut back, &d, &w, shape)));
                    }
                    let t = best(&mut || {
                        let shards = crate::gradient_sum::ShardOperands {
                            rows: &shard_rows,
                            starts: &shard_starts,
                            delta: &d,
                            x: crate::gradient_sum::LayerInputs::all(&x),
                        };
                        crate::gradient_sum::add_shard_gradients(
                            kernel,
                            2,
                            &mut g,
                            &mut g_bias,
                            shards,
                            shape,
                            &crate::gradient_sum::LayerPiece::all(shape),
                            &mut scratch,
                            None,
                        );
                    });
                    report("weight gradient", t);
                });
            }
            println!("H={h} the five: {:.2} ms", total * 1e3);
        }
    }
}
