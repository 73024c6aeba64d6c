//! A tiny network's whole pass in one go: the forward pass of every layer, then
//! the deltas and the weight gradients of every layer, each over rows of
//! [`LOOPS_WIDTH`] lanes (one AVX-512 register) kept in a padded scratch.
//!
//! [`crate::products`]'s loops run one product per call: each call pads or
//! transposes the weights again, copies every row in and out of a register
//! through `memcpy` (a store-forwarding stall each time), and the activation
//! and the hidden delta's `f'(o)` are passes of their own. A Playground-size
//! step is a few thousand multiply-adds, so that overhead was most of it. Here
//! the weights are laid out once per pass, a row's sums stay in a register from
//! the bias to the activation, and the deltas stay padded from layer to layer.
//!
//! The arithmetic is the loops' exactly, value for value (the same sums in the
//! same order, nothing fused), so this pass gives the bits they give: the
//! seed's forward sum (the bias first, then the inputs in order), the hidden
//! delta `o(1 - o) * sum_j w_j delta_j` (`f'(o)` times the sum over the next
//! layer's neurons in order), and the weight change `r * o_in * delta` summed
//! over the samples in order (stored negated, as `dL/dw`).

use crate::Activation;
use crate::architecture::{Architecture, LayerShape};
use crate::products::LOOPS_WIDTH;

/// A row of up to [`LOOPS_WIDTH`] values, zero-padded, on a cache line of its
/// own: a `Vec` of plain `[f32; 16]` starts on whichever 16-byte boundary the
/// allocator picks, and off a 64-byte one every row straddles two lines.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct Lanes([f32; LOOPS_WIDTH]);

impl std::ops::Deref for Lanes {
    type Target = [f32; LOOPS_WIDTH];
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Lanes {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

const ZERO: Lanes = Lanes([0.0; LOOPS_WIDTH]);

/// The padded buffers of a tiny network's pass, grown on first use and reused.
#[derive(Debug, Clone, Default)]
pub(crate) struct TinyScratch {
    /// Every layer's weights by input: entry `i` of a layer holds input `i`'s
    /// weights to each output (`W^T`), layer after layer.
    columns: Vec<Lanes>,
    /// Every layer's weights by output: entry `o` of a layer holds output `o`'s
    /// weights from each input (`W`), layer after layer. Laid out by the
    /// forward pass, read by the backward pass.
    rows: Vec<Lanes>,
    /// Every layer's biases.
    biases: Vec<Lanes>,
    /// Every layer's outputs `o`, layer after layer, `batch` rows each.
    outputs: Vec<Lanes>,
    /// The current layer's deltas, and the previous layer's being computed.
    delta: Vec<Lanes>,
    delta_prev: Vec<Lanes>,
}

/// The parts of a network a pass reads.
#[derive(Clone, Copy)]
pub(crate) struct TinyNet<'a> {
    pub(crate) layers: &'a [LayerShape],
    pub(crate) params: &'a [f32],
    pub(crate) architecture: &'a Architecture,
}

/// Grows `buffer` to at least `len` entries (allocating only the first time a
/// size is seen).
fn at_least(buffer: &mut Vec<Lanes>, len: usize) {
    if buffer.len() < len {
        buffer.resize(len, ZERO);
    }
}

impl TinyScratch {
    /// The forward pass of `batch` rows of `inputs` (`[batch, inputs]`): every
    /// layer's outputs, padded here and unpadded into `flat` (layer `l`'s rows
    /// from `offsets[l]`, as [`crate::Workspace`] keeps them). `flat` must have
    /// [`LOOPS_WIDTH`] spare values past the last layer's rows: each row is
    /// written as a whole register, its padding overwritten by the next row.
    pub(crate) fn forward(
        &mut self,
        net: TinyNet<'_>,
        inputs: &[f32],
        batch: usize,
        flat: &mut [f32],
        offsets: &[usize],
    ) {
        let columns: usize = net.layers.iter().map(|l| l.inputs).sum();
        self.columns.clear();
        self.columns.resize(columns, ZERO);
        let rows: usize = net.layers.iter().map(|l| l.outputs).sum();
        self.rows.clear();
        self.rows.resize(rows, ZERO);
        self.biases.clear();
        self.biases.resize(net.layers.len(), ZERO);
        at_least(&mut self.outputs, batch * net.layers.len());
        pulp::Arch::new().dispatch(Forward {
            scratch: self,
            net,
            inputs,
            batch,
            flat,
            offsets,
        });
    }

    /// Backpropagation after [`TinyScratch::forward`] of the same rows and
    /// weights: from
    /// the output layer's deltas `output_delta` (`[batch, outputs]`), every
    /// layer's deltas and `dL/dw` for every parameter into `gradients`
    /// (overwritten).
    pub(crate) fn backward(
        &mut self,
        net: TinyNet<'_>,
        inputs: &[f32],
        batch: usize,
        output_delta: &[f32],
        gradients: &mut [f32],
    ) {
        at_least(&mut self.delta, batch);
        at_least(&mut self.delta_prev, batch);
        pulp::Arch::new().dispatch(Backward {
            scratch: self,
            net,
            inputs,
            batch,
            output_delta,
            gradients,
        });
    }
}

struct Forward<'a, 'n> {
    scratch: &'a mut TinyScratch,
    net: TinyNet<'n>,
    inputs: &'a [f32],
    batch: usize,
    flat: &'a mut [f32],
    offsets: &'a [usize],
}

impl pulp::WithSimd for Forward<'_, '_> {
    type Output = ();

    #[allow(clippy::inline_always)] // inlined into pulp's functions for each SIMD level, or not vectorised for them
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) {
        let Forward {
            scratch,
            net,
            inputs,
            batch,
            flat,
            offsets,
        } = self;
        let (mut first_column, mut first_row) = (0, 0);
        for (l, shape) in net.layers.iter().enumerate() {
            let (n_in, n_out) = (shape.inputs, shape.outputs);
            let columns = &mut scratch.columns[first_column..first_column + n_in];
            let rows = &mut scratch.rows[first_row..first_row + n_out];
            first_column += n_in;
            first_row += n_out;
            // Both layouts at once (the backward pass reads the rows).
            for ((o, w_row), row) in net.params[shape.weights()]
                .chunks_exact(n_in)
                .enumerate()
                .zip(rows)
            {
                for ((column, lane), &w) in columns.iter_mut().zip(row.iter_mut()).zip(w_row) {
                    column[o] = w;
                    *lane = w;
                }
            }
            let bias = &mut scratch.biases[l];
            bias[..n_out].copy_from_slice(&net.params[shape.bias()]);
            let bias = *bias;
            let columns = &*columns;
            let activation = net.architecture.activation(l);
            let (before, rest) = scratch.outputs.split_at_mut(l * batch);
            let out = &mut rest[..batch];
            let flat = &mut flat[offsets[l]..];
            for r in 0..batch {
                let x: &[f32] = if l == 0 {
                    &inputs[r * n_in..(r + 1) * n_in]
                } else {
                    &before[(l - 1) * batch + r][..n_in]
                };
                // The seed's order: the bias (the weight of the constant
                // input) first, then the inputs one by one.
                let mut sum = bias;
                for (&x, column) in x.iter().zip(columns) {
                    add_product(simd, &mut sum, x, column);
                }
                out[r] = sum;
            }
            // The activation after all the layer's sums, row after row: no row
            // waits on another, so their `exp`s overlap.
            if activation == Activation::Softmax {
                for row in out.iter_mut() {
                    activation.apply_inline(&mut row[..n_out], n_out);
                }
            } else {
                // Every lane; the padding's values are never read.
                for row in out.iter_mut() {
                    activation.apply_inline(&mut row[..], n_out);
                }
            }
            for (r, row) in out.iter().enumerate() {
                flat[r * n_out..r * n_out + LOOPS_WIDTH].copy_from_slice(&row[..]);
            }
        }
    }
}

struct Backward<'a, 'n> {
    scratch: &'a mut TinyScratch,
    net: TinyNet<'n>,
    inputs: &'a [f32],
    batch: usize,
    output_delta: &'a [f32],
    gradients: &'a mut [f32],
}

impl pulp::WithSimd for Backward<'_, '_> {
    type Output = ();

    #[allow(clippy::inline_always)] // inlined into pulp's functions for each SIMD level, or not vectorised for them
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) {
        let Backward {
            scratch,
            net,
            inputs,
            batch,
            output_delta,
            gradients,
        } = self;
        let TinyScratch {
            rows,
            outputs,
            delta,
            delta_prev,
            ..
        } = scratch;
        let last = net.layers.len() - 1;
        let n_last = net.layers[last].outputs;
        for (d, row) in delta.iter_mut().zip(output_delta.chunks_exact(n_last)) {
            *d = ZERO;
            // One output (the Playground's nets): a store, not a call to
            // memcpy for each row.
            if let [only] = row {
                d[0] = *only;
            } else {
                d[..n_last].copy_from_slice(row);
            }
        }
        let mut first_row = rows.len();
        for l in (0..=last).rev() {
            let shape = net.layers[l];
            let (n_in, n_out) = (shape.inputs, shape.outputs);
            first_row -= n_out;
            let w_rows = &rows[first_row..first_row + n_out];
            let x_row = |r: usize| -> &[f32] {
                if l == 0 {
                    &inputs[r * n_in..(r + 1) * n_in]
                } else {
                    &outputs[(l - 1) * batch + r][..n_in]
                }
            };
            // Weight change r * o_in * delta, summed over the samples in
            // order, stored negated (dL/dw): `by_input[i]` holds input i's
            // sums for every output neuron. The bias is the weight of the
            // constant -1 input: dL/db = -sum of delta.
            let mut by_input = [ZERO; LOOPS_WIDTH];
            let mut bias = ZERO;
            for (r, d) in delta[..batch].iter().enumerate() {
                subtract(simd, &mut bias, d);
                for (&x, sums) in x_row(r).iter().zip(&mut by_input) {
                    subtract_product(simd, sums, d, x);
                }
            }
            let g = &mut gradients[shape.weights()];
            for (i, sums) in by_input[..n_in].iter().enumerate() {
                for (o, &s) in sums[..n_out].iter().enumerate() {
                    g[o * n_in + i] = s;
                }
            }
            gradients[shape.bias()].copy_from_slice(&bias[..n_out]);

            if l > 0 {
                // Hidden layer: delta = f'(o) * sum_j w_j delta_j, the sum over
                // this layer's neurons j in order.
                let hidden = net.architecture.activation(l - 1);
                let below = &outputs[(l - 1) * batch..l * batch];
                for ((d_prev, d), o) in delta_prev[..batch]
                    .iter_mut()
                    .zip(&delta[..batch])
                    .zip(below)
                {
                    let mut sum = ZERO;
                    for (&d, w) in d[..n_out].iter().zip(w_rows) {
                        add_product(simd, &mut sum, d, w);
                    }
                    times_derivative(hidden, &mut sum, o);
                    *d_prev = sum;
                }
                std::mem::swap(delta, delta_prev);
            }
        }
    }
}

/// `sum += x * w`, lane by lane: a multiply, then an add (never fused, as in
/// the loops), in whole vectors.
#[allow(clippy::inline_always)] // inlined into pulp's functions for each SIMD level, or not vectorised for them
#[inline(always)]
fn add_product<S: pulp::Simd>(simd: S, sum: &mut Lanes, x: f32, w: &Lanes) {
    let x = simd.splat_f32s(x);
    let (sum, _) = S::as_mut_simd_f32s(&mut sum[..]);
    let (w, _) = S::as_simd_f32s(&w[..]);
    for (s, &w) in sum.iter_mut().zip(w) {
        *s = simd.add_f32s(*s, simd.mul_f32s(x, w));
    }
}

/// `sum -= d * x`, lane by lane: a multiply, then a subtraction.
#[allow(clippy::inline_always)] // inlined into pulp's functions for each SIMD level, or not vectorised for them
#[inline(always)]
fn subtract_product<S: pulp::Simd>(simd: S, sum: &mut Lanes, d: &Lanes, x: f32) {
    let x = simd.splat_f32s(x);
    let (sum, _) = S::as_mut_simd_f32s(&mut sum[..]);
    let (d, _) = S::as_simd_f32s(&d[..]);
    for (s, &d) in sum.iter_mut().zip(d) {
        *s = simd.sub_f32s(*s, simd.mul_f32s(d, x));
    }
}

/// `sum -= d`, lane by lane.
#[allow(clippy::inline_always)] // inlined into pulp's functions for each SIMD level, or not vectorised for them
#[inline(always)]
fn subtract<S: pulp::Simd>(simd: S, sum: &mut Lanes, d: &Lanes) {
    let (sum, _) = S::as_mut_simd_f32s(&mut sum[..]);
    let (d, _) = S::as_simd_f32s(&d[..]);
    for (s, &d) in sum.iter_mut().zip(d) {
        *s = simd.sub_f32s(*s, d);
    }
}

/// `delta *= f'(o)` lane by lane, the activation chosen once for the row.
#[allow(clippy::inline_always)] // inlined into pulp's functions for each SIMD level, or not vectorised for them
#[inline(always)]
fn times_derivative(hidden: Activation, delta: &mut Lanes, o: &Lanes) {
    let each = |f: Activation, delta: &mut Lanes| {
        for (d, &o) in delta.iter_mut().zip(o.iter()) {
            *d *= f.derivative_from_output(o);
        }
    };
    match hidden {
        Activation::Sigmoid => each(Activation::Sigmoid, delta),
        Activation::Tanh => each(Activation::Tanh, delta),
        Activation::Relu => each(Activation::Relu, delta),
        Activation::Linear | Activation::Softmax => each(Activation::Linear, delta),
    }
}

#[cfg(test)]
mod tests {
    use crate::{Activation, Architecture, Gradients, Loss, Network, Targets, Workspace};

    #[test]
    fn padded_rows_sit_on_cache_lines_of_their_own() {
        use super::{Lanes, ZERO};
        assert_eq!(std::mem::size_of::<Lanes>(), 64);
        assert_eq!(std::mem::align_of::<Lanes>(), 64);
        let rows: Vec<Lanes> = std::iter::repeat_n(ZERO, 3).collect(); // on the heap, as the scratch keeps them
        assert_eq!(rows.as_ptr().addr() % 64, 0);
    }

    /// The fused pass against the layer-by-layer loops (the path that records
    /// the deltas for the breakdown): the same gradients, bit for bit, for
    /// every hidden activation and each output pairing.
    #[test]
    fn one_pass_gives_the_loops_bits() {
        let nets = [
            (
                vec![2, 8, 8, 1],
                Activation::Tanh,
                Activation::Sigmoid,
                Loss::Seed,
            ),
            (
                vec![2, 8, 8, 2],
                Activation::Tanh,
                Activation::Softmax,
                Loss::CrossEntropy,
            ),
            (
                vec![3, 16, 5, 2],
                Activation::Relu,
                Activation::Linear,
                Loss::Mse,
            ),
            (
                vec![16, 1, 16, 3],
                Activation::Sigmoid,
                Activation::Sigmoid,
                Loss::BinaryCrossEntropy,
            ),
            (
                vec![4, 7, 2],
                Activation::Linear,
                Activation::Softmax,
                Loss::CrossEntropy,
            ),
        ];
        for (sizes, hidden, output, loss) in nets {
            let arch = Architecture::new(sizes.clone(), hidden, output, loss).unwrap();
            let net = Network::new(arch.clone(), 11).unwrap();
            for batch in [1, 10, 33] {
                let inputs: Vec<f32> = (0..batch * sizes[0])
                    .map(|i| ((i as f32) * 0.37).sin() * 2.0)
                    .collect();
                let outputs = *sizes.last().unwrap();
                let values: Vec<f32> = (0..batch * outputs)
                    .map(|i| ((i as f32) * 0.91).cos().abs())
                    .collect();
                let classes: Vec<u32> = (0..batch).map(|i| (i % outputs) as u32).collect();
                let targets = if output == Activation::Softmax {
                    Targets::Classes(&classes)
                } else {
                    Targets::Values(&values)
                };
                let scale = 1.0 / batch as f32;
                let (mut ws, mut fused) = (Workspace::new(), Gradients::zeros(&arch));
                let loss_fused = net
                    .backward(&inputs, &targets, scale, &mut ws, &mut fused)
                    .unwrap();
                let (mut ws, mut loops) = (Workspace::new(), Gradients::zeros(&arch));
                let mut deltas = vec![Vec::new(); sizes.len() - 1];
                let loss_loops = net
                    .backward_recording(
                        &inputs,
                        &targets,
                        scale,
                        &mut ws,
                        &mut loops,
                        Some(&mut deltas),
                    )
                    .unwrap();
                assert_eq!(
                    loss_fused.to_bits(),
                    loss_loops.to_bits(),
                    "{sizes:?} x {batch}"
                );
                let bits =
                    |g: &Gradients| g.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&fused), bits(&loops), "{sizes:?} x {batch}");
                assert!(fused.as_slice().iter().any(|&g| g != 0.0));
            }
        }
    }
}
