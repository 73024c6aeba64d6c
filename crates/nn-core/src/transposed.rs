//! The forward product of a few rows through wide weights, computed as its
//! transpose: `z^T = W x^T`, then copied back to `z`'s rows.
//!
//! gemm computes a row-major result as its transpose, so for `z = x W^T` it
//! packs the weights (`[outputs, inputs]`, the side its kernel walks down in
//! tiles of 64 outputs) on every call: at 32 rows that copy of a 1024 x 1024
//! layer costs more than the product. Asked for `z^T` instead, it packs the
//! few rows of `x` and reads the weights where they are. Each value is the
//! same chain of multiply-adds (`x * w` and `w * x` are one product) from the
//! same start (the bias), with the inner dimension in the same blocks, so the
//! bits are those of [`crate::matmul_by_columns`]'s `z = x W^T`
//! (`crates/nn-core/tests/shard_passes.rs`, the thread-count tests of
//! `crates/nn-train/tests/training.rs`, and the test below).

use rayon::prelude::*;

use crate::architecture::LayerShape;
use crate::matmul::{MatRef, matmul};

/// Rows up to which the transposed product runs for any layer it can.
const FEW_ROWS: usize = 32;

/// Rows up to which it runs when a layer has at least [`MANY_INPUTS`] inputs.
const FEWISH_ROWS: usize = 64;

/// Inputs from which the product of [`FEWISH_ROWS`] rows gains by it.
const MANY_INPUTS: usize = 256;

/// Rows up to which it runs when the weights are larger than a core's L2
/// cache ([`LARGE_WEIGHTS`]).
const SOME_ROWS: usize = 128;

/// Weights (values) from which a layer counts as large: 2 MB of `f32`.
const LARGE_WEIGHTS: usize = 1 << 19;

/// Outputs from which the product runs transposed: more than the 64 under
/// which gemm picks its inner blocking another way, so the transposed product
/// sums as the plain one does.
const TRANSPOSED_OUTPUTS: usize = 65;

/// Outputs a block of the product keeps at least (on several threads, one
/// block of outputs per thread): more than [`TRANSPOSED_OUTPUTS`] for the
/// same reason.
const FEWEST_OUTPUTS: usize = 128;

/// Rows per rayon task when copying the result back.
const ROWS_PER_TASK: usize = 32;

// Where the thresholds come from: one thread, `x W^T` against `W x^T` plus the
// copy back, the bias included (the ignored test `transposed_forward` below,
// interleaved, best of 30, load average 5 on 2 cores), GFLOP/s:
// 1024x1024 at 16 rows 28 against 74, 32 rows 45 against 115, 128 rows 97
// against 134, 512 rows 126 against 121; 2048x2048 at 32 rows 44 against 111,
// 128 rows 92 against 133, 512 rows 119 against 103; 784x256 at 32 rows 89
// against 135, 128 rows 135 against 136, 512 rows 150 against 133. Narrower
// layers (2026-12-04, load average 2-3): 784x100 at 16 rows 85 against 103, 32
// rows 119 against 156, 64 rows 151 against 177; 100x100 at 32 rows 103
// against 105, at 64 rows 131 against 117; 128x128 at 64 rows 148 against
// 130; 256x256 at 64 rows 145 against 150. The delta
// product `delta W` gains nothing so (`transposed_back` below: 1024x1024 at
// 32 rows 63 against 65, at 128 rows 125 against 86), so it stays as it is;
// what it needed at few rows was its weights packed (`matmul.rs`,
// `PACK_WEIGHTS_ALWAYS`).

/// Whether `z = x W^T` over `rows` rows of a layer of `shape` runs transposed:
/// few rows, wide outputs, and a product on gemm's main path either way (at
/// least 3 rows and inputs, blocks over 256 values).
pub(crate) fn pays(rows: usize, shape: LayerShape) -> bool {
    let (inputs, outputs) = (shape.inputs, shape.outputs);
    rows >= 3
        && inputs >= 3
        && outputs >= TRANSPOSED_OUTPUTS
        && (rows <= FEW_ROWS
            || (rows <= FEWISH_ROWS && inputs >= MANY_INPUTS)
            || (rows <= SOME_ROWS && inputs * outputs >= LARGE_WEIGHTS))
}

/// `z = bias + x W^T` ([`crate::products::Kernel::forward`]'s product, each row
/// started at `bias`) as `z^T`, in `scratch` (grown as needed), then copied
/// back; on up to `threads` threads of the current rayon pool, one block of
/// outputs each.
///
/// `x_t`, when given, is `x` transposed (`[inputs, rows]`, rows of it possibly
/// further apart): read as it is, gemm packs it with contiguous copies instead
/// of gathering `x`'s rows a value at a time (784-100 at 32 rows: 39.8 against
/// 34.5 microseconds on one thread); the same values, so the same bits.
#[allow(clippy::too_many_arguments)] // the product's operands, shape, threads and scratch
pub(crate) fn forward(
    z: &mut [f32],
    x: &[f32],
    x_t: Option<MatRef<'_>>,
    weights: &[f32],
    bias: &[f32],
    shape: LayerShape,
    threads: usize,
    scratch: &mut Vec<f32>,
) {
    let (inputs, outputs) = (shape.inputs, shape.outputs);
    let rows = z.len() / outputs;
    if scratch.len() < rows * outputs {
        scratch.resize(rows * outputs, 0.0);
    }
    let zt = &mut scratch[..rows * outputs];
    let x_t = x_t.unwrap_or_else(|| MatRef::row_major(x, rows, inputs).t());
    let block = |first: usize, zt: &mut [f32]| {
        let count = zt.len() / rows;
        for (row, &b) in zt.chunks_exact_mut(rows).zip(&bias[first..first + count]) {
            row.fill(b);
        }
        let w = &weights[first * inputs..(first + count) * inputs];
        matmul(zt, MatRef::row_major(w, count, inputs), x_t, 1.0, true, 1);
    };
    let blocks = threads.min(outputs / FEWEST_OUTPUTS).max(1);
    each_block(blocks, 0..blocks, outputs, rows, zt, &block);
    // z[r][o] = zt[o][r], rows of z in parallel.
    let zt: &[f32] = zt;
    let copy = |(chunk, part): (usize, &mut [f32])| {
        let first = chunk * ROWS_PER_TASK;
        for (r, row) in part.chunks_exact_mut(outputs).enumerate() {
            for (o, value) in row.iter_mut().enumerate() {
                *value = zt[o * rows + first + r];
            }
        }
    };
    if threads > 1 {
        z.par_chunks_mut(ROWS_PER_TASK * outputs)
            .enumerate()
            .for_each(copy);
    } else {
        z.chunks_mut(ROWS_PER_TASK * outputs)
            .enumerate()
            .for_each(copy);
    }
}

/// First output of block `index` of `blocks` over `outputs`: multiples of 16,
/// the end of the last block being `outputs`.
fn block_start(index: usize, blocks: usize, outputs: usize) -> usize {
    if index >= blocks {
        outputs
    } else {
        outputs * index / blocks / 16 * 16
    }
}

/// `f(first output, its rows of zt)` for blocks `which`, halves side by side;
/// `zt` starts at block `which.start`.
fn each_block(
    blocks: usize,
    which: std::ops::Range<usize>,
    outputs: usize,
    rows: usize,
    zt: &mut [f32],
    f: &(impl Fn(usize, &mut [f32]) + Sync),
) {
    let first = block_start(which.start, blocks, outputs);
    if which.len() <= 1 {
        f(first, zt);
        return;
    }
    let mid = which.start + which.len() / 2;
    let (left, right) = zt.split_at_mut((block_start(mid, blocks, outputs) - first) * rows);
    rayon::join(
        || each_block(blocks, which.start..mid, outputs, rows, left, f),
        || each_block(blocks, mid..which.end, outputs, rows, right, f),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matmul::matmul_by_columns;

    #[test]
    fn transposed_gives_the_bits_of_the_plain_product_on_any_thread_count() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        // Inner sizes under and over 512, widths split into blocks or not.
        for (rows, inputs, outputs) in [
            (3, 784, 128),
            (32, 784, 100),
            (17, 100, 65),
            (64, 300, 72),
            (16, 784, 1024),
            (32, 1024, 1024),
            (37, 600, 300),
            (64, 2048, 256),
            (128, 1024, 1024),
        ] {
            let shape = LayerShape {
                inputs,
                outputs,
                weight_offset: 0,
                bias_offset: inputs * outputs,
            };
            assert!(pays(rows, shape), "{rows} x {inputs} x {outputs}");
            let x: Vec<f32> = (0..rows * inputs)
                .map(|i| (i as f32 * 0.37).sin())
                .collect();
            let w: Vec<f32> = (0..inputs * outputs)
                .map(|i| (i as f32 * 0.11).cos() * 0.1)
                .collect();
            let bias: Vec<f32> = (0..outputs).map(|o| (o as f32 * 0.3).sin()).collect();
            let mut plain: Vec<f32> = bias.iter().copied().cycle().take(rows * outputs).collect();
            matmul_by_columns(
                &mut plain,
                MatRef::row_major(&x, rows, inputs),
                MatRef::row_major(&w, outputs, inputs).t(),
                1.0,
                true,
                1,
            );
            // x transposed, as the rows of a batch of `rows + 5` (columns 2..)
            // of a gather ahead would give it.
            let wider = rows + 5;
            let mut x_t = vec![f32::NAN; inputs * wider];
            for r in 0..rows {
                for i in 0..inputs {
                    x_t[i * wider + 2 + r] = x[r * inputs + i];
                }
            }
            let x_t = MatRef::row_major_strided(&x_t[2..], inputs, rows, wider);
            for threads in [1, 2, 3] {
                for given in [None, Some(x_t)] {
                    let mut z = vec![f32::NAN; rows * outputs];
                    let mut scratch = Vec::new();
                    pool.install(|| {
                        forward(&mut z, &x, given, &w, &bias, shape, threads, &mut scratch);
                    });
                    let same = plain
                        .iter()
                        .zip(&z)
                        .all(|(a, b)| a.to_bits() == b.to_bits());
                    assert!(
                        same,
                        "{rows} x {inputs} x {outputs} on {threads} threads, x^T given: {}",
                        given.is_some()
                    );
                }
            }
        }
    }

    #[test]
    fn few_rows_of_wide_layers_run_transposed() {
        let shape = |inputs, outputs| LayerShape {
            inputs,
            outputs,
            weight_offset: 0,
            bias_offset: inputs * outputs,
        };
        assert!(pays(32, shape(784, 1024)));
        assert!(pays(128, shape(1024, 1024)));
        assert!(!pays(128, shape(784, 256)));
        assert!(!pays(512, shape(1024, 1024)));
        assert!(pays(32, shape(784, 100)));
        assert!(pays(64, shape(784, 100)));
        assert!(!pays(64, shape(100, 100)));
        assert!(!pays(32, shape(784, 64)));
        assert!(!pays(2, shape(784, 1024)));
        assert!(!pays(32, shape(2, 1024)));
        for blocks in 1..=8 {
            for outputs in [128, 300, 1024, 2048] {
                let starts: Vec<_> = (0..=blocks)
                    .map(|b| block_start(b, blocks, outputs))
                    .collect();
                assert_eq!((starts[0], starts[blocks]), (0, outputs));
                assert!(starts.windows(2).all(|w| w[0] <= w[1]));
            }
        }
    }

    /// The forward product `z = x W^T` as gemm sees it (the weights packed) against
    /// its transpose `z^T = W x^T` (the weights read in place, the batch packed)
    /// and a copy back, one thread, interleaved, best of many.
    /// `cargo test --release -p nn-core --lib -- --ignored --nocapture transposed_forward`
    #[test]
    #[ignore = "a measurement, not a check"]
    #[allow(clippy::print_stdout)]
    fn transposed_forward() {
        for h in [256, 1024, 2048] {
            for rows in [16, 32, 128, 512] {
                for k in [784, h] {
                    let n = h;
                    let x: Vec<f32> = (0..rows * k).map(|i| (i as f32 * 0.37).sin()).collect();
                    let w: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
                    let bias: Vec<f32> = (0..n).map(|i| (i as f32).sin()).collect();
                    let mut z = vec![0.0; rows * n];
                    let mut zt = vec![0.0; rows * n];
                    let mut z2 = vec![0.0; rows * n];
                    let (mut plain, mut transposed) = (f64::MAX, f64::MAX);
                    for _ in 0..30 {
                        let t = std::time::Instant::now();
                        for row in z.chunks_exact_mut(n) {
                            row.copy_from_slice(&bias);
                        }
                        matmul(
                            &mut z,
                            MatRef::row_major(&x, rows, k),
                            MatRef::row_major(&w, n, k).t(),
                            1.0,
                            true,
                            1,
                        );
                        plain = plain.min(t.elapsed().as_secs_f64());
                        let t = std::time::Instant::now();
                        for (row, &b) in zt.chunks_exact_mut(rows).zip(&bias) {
                            row.fill(b);
                        }
                        matmul(
                            &mut zt,
                            MatRef::row_major(&w, n, k),
                            MatRef::row_major(&x, rows, k).t(),
                            1.0,
                            true,
                            1,
                        );
                        for (r, row) in z2.chunks_exact_mut(n).enumerate() {
                            for (o, v) in row.iter_mut().enumerate() {
                                *v = zt[o * rows + r];
                            }
                        }
                        transposed = transposed.min(t.elapsed().as_secs_f64());
                    }
                    let same = z.iter().zip(&z2).all(|(a, b)| a.to_bits() == b.to_bits());
                    let gflop = 2.0 * (rows * k * n) as f64 / 1e9;
                    println!(
                        "{k}x{n} rows {rows}: GFLOP/s plain {:.0}, transposed {:.0}, same bits {same}",
                        gflop / plain,
                        gflop / transposed
                    );
                }
            }
        }
    }

    /// The delta product `back = delta W` against its transpose
    /// `back^T = W^T delta^T` and a copy back, one thread, as above.
    /// `cargo test --release -p nn-core --lib -- --ignored --nocapture transposed_back`
    #[test]
    #[ignore = "a measurement, not a check"]
    #[allow(clippy::print_stdout)]
    fn transposed_back() {
        for h in [256, 1024, 2048] {
            for rows in [16, 32, 128, 512] {
                let (out, inp) = (h, h);
                let d: Vec<f32> = (0..rows * out).map(|i| (i as f32 * 0.37).sin()).collect();
                let w: Vec<f32> = (0..out * inp).map(|i| (i as f32 * 0.11).cos()).collect();
                let mut back = vec![0.0; rows * inp];
                let mut bt = vec![0.0; rows * inp];
                let mut b2 = vec![0.0; rows * inp];
                let (mut plain, mut transposed) = (f64::MAX, f64::MAX);
                for _ in 0..30 {
                    let t = std::time::Instant::now();
                    matmul(
                        &mut back,
                        MatRef::row_major(&d, rows, out),
                        MatRef::row_major(&w, out, inp),
                        1.0,
                        false,
                        1,
                    );
                    plain = plain.min(t.elapsed().as_secs_f64());
                    let t = std::time::Instant::now();
                    matmul(
                        &mut bt,
                        MatRef::row_major(&w, out, inp).t(),
                        MatRef::row_major(&d, rows, out).t(),
                        1.0,
                        false,
                        1,
                    );
                    for (r, row) in b2.chunks_exact_mut(inp).enumerate() {
                        for (i, v) in row.iter_mut().enumerate() {
                            *v = bt[i * rows + r];
                        }
                    }
                    transposed = transposed.min(t.elapsed().as_secs_f64());
                }
                let same = back
                    .iter()
                    .zip(&b2)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
                let gflop = 2.0 * (rows * out * inp) as f64 / 1e9;
                println!(
                    "back {out}x{inp} rows {rows}: GFLOP/s plain {:.0}, transposed {:.0}, same bits {same}",
                    gflop / plain,
                    gflop / transposed
                );
            }
        }
    }
}
