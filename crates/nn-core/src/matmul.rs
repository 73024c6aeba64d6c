//! Matrix products through the `gemm` crate, behind a checked, safe interface.
//!
//! `gemm` takes raw pointers and strides; this module is the only place in the
//! workspace allowed `unsafe`, and it earns it by checking every dimension and
//! stride against the slices' lengths before the call.
//!
//! A product may run on several threads (`threads > 1`), on the caller's
//! current pool: [`matmul`] through gemm's own rayon split, and
//! [`matmul_by_columns`] (the trainer's products) as one single-threaded gemm
//! call per block of the destination's columns. Either way the *destination*
//! is split; every value's sum over the inner dimension runs in the same order
//! whatever the thread count (the inner blocking depends only on the shapes),
//! so the bits do not depend on `threads` (`crates/nn-train/tests/training.rs`
//! checks 1 to 4 threads, the tests below every path).
#![allow(unsafe_code)]

/// A read-only matrix view: `rows x cols` over a slice with explicit strides.
#[derive(Clone, Copy)]
pub struct MatRef<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> MatRef<'a> {
    /// A row-major `rows x cols` view of `data`.
    ///
    /// # Panics
    /// If `data` is shorter than `rows * cols` (an internal invariant, never user input).
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        assert!(
            data.len() >= rows * cols,
            "matrix view {rows}x{cols} over {} values",
            data.len()
        );
        Self {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// A `rows x cols` view of `data` whose rows start `row_stride` values
    /// apart (a block of columns of a wider row-major matrix).
    ///
    /// # Panics
    /// If `row_stride < cols` or `data` ends before the last row (an internal
    /// invariant, never user input).
    pub fn row_major_strided(data: &'a [f32], rows: usize, cols: usize, row_stride: usize) -> Self {
        assert!(
            row_stride >= cols && (rows == 0 || data.len() >= (rows - 1) * row_stride + cols),
            "matrix view {rows}x{cols} (rows {row_stride} apart) over {} values",
            data.len()
        );
        Self {
            data,
            rows,
            cols,
            row_stride,
            col_stride: 1,
        }
    }

    /// The transpose, without copying.
    #[must_use]
    pub fn t(self) -> Self {
        Self {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }
}

/// `dst = beta * (a . b) + (accumulate ? dst : 0)`, with `dst` row-major `[a.rows, b.cols]`,
/// on up to `threads` threads of the current rayon pool (1: this thread alone).
///
/// # Panics
/// If the shapes disagree or `dst` is too short: callers size everything from
/// the architecture, so a mismatch is a bug in nn-core, not bad user input.
pub fn matmul(
    dst: &mut [f32],
    a: MatRef<'_>,
    b: MatRef<'_>,
    beta: f32,
    accumulate: bool,
    threads: usize,
) {
    if !checked(dst, a, b, accumulate) {
        return;
    }
    let parallelism = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    let n = b.cols;
    // SAFETY: `checked` verified that every index gemm touches lies inside each
    // slice and that dst holds m x n values; the slices cannot alias: dst is
    // borrowed mutably.
    unsafe {
        product(
            dst.as_mut_ptr(),
            n,
            a,
            b,
            0..n,
            beta,
            accumulate,
            parallelism,
        );
    }
}

/// The same product as [`matmul`], the same bits, with `dst`'s columns cut
/// into one block per thread (at most `threads`), each block one gemm call on
/// one thread of the current rayon pool.
///
/// gemm computes a row-major `dst` as its transpose, so our columns are the
/// rows of its result: its own split on several threads packs a layer's whole
/// weight matrix on one thread before the others start when the layer is at
/// most 1024 wide (its "prepacked" left operand), and every thread packs all
/// of it otherwise. A block of columns needs only its own part of `b` (a
/// layer's weights), packed by the thread that uses it.
///
/// Each value is one chain of multiply-adds over the inner dimension, cut into
/// blocks of a size that depends on the inner size alone once gemm's result is
/// more than 64 rows wide ([`column_blocks`] keeps every block wider), and
/// stored the same way on any tile: so no block, and no thread count, changes a
/// bit. Shapes that cannot be split so fall back to [`matmul`].
///
/// # Panics
/// As [`matmul`].
pub fn matmul_by_columns(
    dst: &mut [f32],
    a: MatRef<'_>,
    b: MatRef<'_>,
    beta: f32,
    accumulate: bool,
    threads: usize,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let blocks = column_blocks(m, k, n, threads);
    if blocks < 2 {
        matmul(dst, a, b, beta, accumulate, threads);
        return;
    }
    if !checked(dst, a, b, accumulate) {
        return;
    }
    let dst = SharedDst(dst.as_mut_ptr());
    split(blocks, 0..blocks, n, &|columns| {
        // SAFETY: `checked` verified the whole product; a block reads a subset of
        // `b`'s columns and writes only its own columns of `dst`, which no other
        // block writes, and every block ends before this function returns.
        unsafe {
            product(
                dst.get(),
                n,
                a,
                b,
                columns,
                beta,
                accumulate,
                gemm::Parallelism::None,
            );
        }
    });
}

/// Columns a block of [`matmul_by_columns`] keeps at least: two of gemm's
/// AVX-512 tiles (64 values tall), and over the 64 at which gemm picks its
/// inner blocking another way.
const FEWEST_COLUMNS: usize = 128;

/// Columns from which a product is cut into two blocks per thread rather than
/// one. Measured on 2 threads, builds alternating, one epoch through `nn-tui
/// train` (steps alone, 3 rounds): 784-1024-1024-10 at batch 128 23,806/23,625/
/// 24,177 samples/s with one block a thread, 24,709/24,296/24,580 with two; at
/// batch 512 and at 2048 wide within the noise (bench harness, 4 rounds: W3
/// +0.1-2%, 784-2048-2048-10 at batch 512 +1-2%). gemm alone, 512 rows: the
/// forward product 292-296 GFLOP/s against 283-286 at 1024 wide, 289-296
/// against 277-288 at 2048.
const TWO_PER_THREAD_FROM: usize = 256;

/// Blocks start at multiples of this: whole vectors of 16 `f32`s.
const COLUMN_ALIGN: usize = 16;

/// How many column blocks [`matmul_by_columns`] cuts an `m x k . k x n`
/// product into on `threads` threads: 1 (not split) unless each block can be
/// at least `FEWEST_COLUMNS` wide and the product takes gemm's main path
/// (more than 2 inner values, more than one row, more than 256 values per
/// block: its vector and tiny-matrix kernels order their sums otherwise).
/// Products over 1024 wide were left to gemm's own split until the weights
/// were always packed (`PACK_WEIGHTS_ALWAYS`); since, column blocks run as fast
/// or faster at 2048 wide too (2 threads, quiet, best of 30: the delta product
/// of 32 rows 161 GFLOP/s against 100, the second forward of 128 rows 224
/// against 212, of 512 rows 297 against 293). Two blocks a thread where each
/// keeps `TWO_PER_THREAD_FROM` columns.
pub fn column_blocks(m: usize, k: usize, n: usize, threads: usize) -> usize {
    let blocks = threads.min(n / FEWEST_COLUMNS);
    if blocks < 2 || k <= 2 || m < 2 || m * (n / blocks) <= 256 {
        1
    } else if n / (2 * threads) >= TWO_PER_THREAD_FROM {
        2 * threads
    } else {
        blocks
    }
}

/// Columns of block `index` of `blocks` over `n` columns: starts at multiples
/// of [`COLUMN_ALIGN`], the last block ending at `n`.
fn block_columns(index: usize, blocks: usize, n: usize) -> std::ops::Range<usize> {
    let start = |i: usize| {
        if i >= blocks {
            n
        } else {
            n * i / blocks / COLUMN_ALIGN * COLUMN_ALIGN
        }
    };
    start(index)..start(index + 1)
}

/// Runs `f` on each block's columns, halves side by side on the current rayon pool.
fn split(
    blocks: usize,
    which: std::ops::Range<usize>,
    n: usize,
    f: &(impl Fn(std::ops::Range<usize>) + Sync),
) {
    if which.len() == 1 {
        f(block_columns(which.start, blocks, n));
        return;
    }
    let mid = which.start + which.len() / 2;
    rayon::join(
        || split(blocks, which.start..mid, n, f),
        || split(blocks, mid..which.end, n, f),
    );
}

/// `dst`'s base pointer, shared by blocks that write disjoint columns.
#[derive(Clone, Copy)]
struct SharedDst(*mut f32);

// SAFETY: the blocks of `matmul_by_columns` write disjoint columns through it.
unsafe impl Send for SharedDst {}
// SAFETY: as above.
unsafe impl Sync for SharedDst {}

impl SharedDst {
    fn get(self) -> *mut f32 {
        self.0
    }
}

/// Checks shapes and bounds; handles the empty cases. Returns whether a gemm
/// call is still needed.
fn checked(dst: &mut [f32], a: MatRef<'_>, b: MatRef<'_>, accumulate: bool) -> bool {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(
        k, b.rows,
        "inner dimensions differ: {m}x{k} . {}x{n}",
        b.rows
    );
    assert!(
        dst.len() >= m * n,
        "destination holds {} values, needs {m}x{n}",
        dst.len()
    );
    if m == 0 || n == 0 {
        return false;
    }
    if k == 0 {
        if !accumulate {
            dst[..m * n].fill(0.0);
        }
        return false;
    }
    for view in [a, b] {
        let last = (view.rows - 1) * view.row_stride + (view.cols - 1) * view.col_stride;
        assert!(
            last < view.data.len(),
            "view reaches index {last} of {} values",
            view.data.len()
        );
    }
    true
}

/// Set once, before the first product: a single-threaded gemm call packs its
/// left operand whatever the shape. gemm computes our row-major result as its
/// transpose, so its left operand is our `b`, a layer's weights; by default it
/// reads them in place when the result has at most 48 of our rows, walking
/// them a row apart (8 kB at 2048 inputs, a page per step). The delta product
/// of 32 rows then ran at 111-137 GFLOP/s on 2 threads against 153-187 packed,
/// at 1024 and 2048 wide (`column_blocks_against_gemms_split`). Packing copies
/// values into gemm's panels and changes no arithmetic: no bit changes.
static PACK_WEIGHTS_ALWAYS: std::sync::Once = std::sync::Once::new();

/// Sets gemm to pack the weights whatever the shape ([`PACK_WEIGHTS_ALWAYS`]),
/// the first time it is called.
fn pack_weights_always() {
    PACK_WEIGHTS_ALWAYS.call_once(|| gemm::set_lhs_packing_threshold_single_thread(0));
}

/// Columns `columns` of the product, through gemm: `dst` is row-major with
/// rows `row_stride` apart.
///
/// # Safety
/// `checked(dst, a, b, ..)` returned true for the whole `dst` (at least
/// `a.rows x row_stride` values from `dst`, `row_stride == b.cols`), and no
/// other thread touches these columns of `dst` meanwhile.
#[allow(clippy::too_many_arguments)] // gemm's own arguments, checked
unsafe fn product(
    dst: *mut f32,
    row_stride: usize,
    a: MatRef<'_>,
    b: MatRef<'_>,
    columns: std::ops::Range<usize>,
    beta: f32,
    accumulate: bool,
    parallelism: gemm::Parallelism,
) {
    debug_assert!(columns.end <= b.cols && row_stride == b.cols);
    pack_weights_always();
    // SAFETY: every index gemm touches is (i * row_stride + j * col_stride) with
    // i < rows and j < cols of the views (b's columns offset by `columns.start`,
    // inside b since columns.end <= b.cols), checked to lie inside each slice.
    unsafe {
        gemm::gemm(
            a.rows,
            columns.len(),
            a.cols,
            dst.add(columns.start),
            1,
            row_stride as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr().add(columns.start * b.col_stride),
            b.col_stride as isize,
            b.row_stride as isize,
            1.0,
            beta,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            }
        }
        c
    }

    #[test]
    fn products_and_transposes_match_naive_loops() {
        // A tiny shape (gemm's small-matrix kernels), a larger one (its packed path)
        // and one large enough for gemm to split across threads.
        for (m, k, n) in [(5, 7, 3), (37, 29, 41), (200, 300, 150)] {
            check_shape(m, k, n);
        }
    }

    fn check_shape(m: usize, k: usize, n: usize) {
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
        let want = naive(&a, &b, m, k, n);
        let mut got = vec![0.0; m * n];
        matmul(
            &mut got,
            MatRef::row_major(&a, m, k),
            MatRef::row_major(&b, k, n),
            1.0,
            false,
            1,
        );
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-4);
        }
        // (b^T a^T)^T = a b: check the transposed views.
        let mut got_t = vec![0.0; n * m];
        matmul(
            &mut got_t,
            MatRef::row_major(&b, k, n).t(),
            MatRef::row_major(&a, m, k).t(),
            -2.0,
            false,
            1,
        );
        for i in 0..m {
            for j in 0..n {
                assert!((got_t[j * m + i] + 2.0 * want[i * n + j]).abs() < 1e-4);
            }
        }
        // accumulate adds onto what is there
        matmul(
            &mut got,
            MatRef::row_major(&a, m, k),
            MatRef::row_major(&b, k, n),
            1.0,
            true,
            1,
        );
        for (g, w) in got.iter().zip(&want) {
            assert!((g - 2.0 * w).abs() < 1e-4);
        }
        // Several threads: the same bits as one.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let mut threaded = vec![0.0; m * n];
        let mut single = vec![0.0; m * n];
        for (dst, threads) in [(&mut single, 1), (&mut threaded, 3)] {
            pool.install(|| {
                matmul(
                    dst,
                    MatRef::row_major(&a, m, k),
                    MatRef::row_major(&b, k, n),
                    1.0,
                    false,
                    threads,
                );
            });
        }
        assert_eq!(single, threaded);
    }

    /// A batch's rows (`m x k`) and a layer's weights (`k * n` values).
    fn operands(m: usize, k: usize, n: usize) -> (Vec<f32>, Vec<f32>) {
        let a = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let w = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
        (a, w)
    }

    /// The weights `w` as a product's `k x n` right operand: transposed (the
    /// forward product's `W^T`) or not (the delta product's `W`).
    fn weights(w: &[f32], k: usize, n: usize, transposed: bool) -> MatRef<'_> {
        if transposed {
            MatRef::row_major(w, n, k).t()
        } else {
            MatRef::row_major(w, k, n)
        }
    }

    #[test]
    fn packing_the_weights_changes_no_bit() {
        // Few rows (where gemm's default reads the weights in place), both
        // layouts of the weights, inner sizes under and over 512.
        for (m, k, n) in [
            (2, 784, 300),
            (32, 1024, 1024),
            (40, 2048, 256),
            (48, 100, 2048),
        ] {
            let (a, w) = operands(m, k, n);
            for transposed in [false, true] {
                let b = weights(&w, k, n, transposed);
                let product = |threshold: usize| {
                    let mut dst: Vec<f32> = (0..m * n).map(|i| (i as f32 * 0.7).sin()).collect();
                    // Set once for every product; then this one's threshold over it.
                    pack_weights_always();
                    gemm::set_lhs_packing_threshold_single_thread(threshold);
                    matmul(&mut dst, MatRef::row_major(&a, m, k), b, -1.0, true, 1);
                    gemm::set_lhs_packing_threshold_single_thread(0);
                    dst.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                };
                assert_eq!(
                    product(8),
                    product(0),
                    "{m}x{k}x{n}, weights transposed: {transposed}"
                );
            }
        }
    }

    #[test]
    fn column_blocks_give_the_bits_of_one_call_on_one_thread() {
        // The trainer's shapes: rows of a batch (2 to 512), inner sizes under
        // and over gemm's 512 (where its inner blocking is picked by size),
        // widths that split into blocks of whole and partial tiles.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        for (m, k, n) in [
            (2, 784, 1024),
            (3, 100, 300),
            (16, 784, 256),
            (32, 1024, 1024),
            (33, 1000, 400),
            (128, 2048, 520),
            (40, 300, 2048),
            (512, 784, 1024),
            (64, 3, 256),
        ] {
            let (a, w) = operands(m, k, n);
            for transposed in [false, true] {
                let b = weights(&w, k, n, transposed);
                let start: Vec<f32> = (0..m * n).map(|i| (i as f32 * 0.7).sin()).collect();
                let mut one = start.clone();
                matmul(&mut one, MatRef::row_major(&a, m, k), b, -1.0, true, 1);
                for threads in [2, 3, 4] {
                    let mut split = start.clone();
                    pool.install(|| {
                        matmul_by_columns(
                            &mut split,
                            MatRef::row_major(&a, m, k),
                            b,
                            -1.0,
                            true,
                            threads,
                        );
                    });
                    let same = one
                        .iter()
                        .zip(&split)
                        .all(|(x, y)| x.to_bits() == y.to_bits());
                    assert!(
                        same,
                        "{m}x{k}x{n} (b transposed: {transposed}) on {threads} threads"
                    );
                }
            }
        }
    }

    #[test]
    fn blocks_are_aligned_cover_the_columns_and_stay_wide() {
        assert_eq!(column_blocks(512, 1024, 1024, 2), 4);
        assert_eq!(column_blocks(512, 1024, 1024, 3), 3);
        assert_eq!(column_blocks(512, 1024, 1024, 16), 8);
        assert_eq!(column_blocks(512, 1024, 2048, 2), 4);
        assert_eq!(column_blocks(512, 1024, 520, 2), 2);
        // Too narrow to split, too few rows or inner values: one block.
        assert_eq!(column_blocks(512, 1024, 10, 2), 1);
        assert_eq!(column_blocks(512, 1024, 255, 2), 1);
        assert_eq!(column_blocks(1, 1024, 1024, 2), 1);
        assert_eq!(column_blocks(512, 2, 1024, 2), 1);
        assert_eq!(column_blocks(2, 784, 256, 2), 1);
        for n in [256, 300, 520, 1000, 1024] {
            for threads in [2, 3, 4, 8, 16] {
                let blocks = column_blocks(512, 784, n, threads);
                let all: Vec<_> = (0..blocks).map(|b| block_columns(b, blocks, n)).collect();
                assert_eq!(all[0].start, 0);
                assert_eq!(all[blocks - 1].end, n);
                assert!(all.windows(2).all(|w| w[0].end == w[1].start));
                assert!(all.iter().all(|r| r.start % COLUMN_ALIGN == 0));
                if blocks > 1 {
                    assert!(
                        all.iter().all(|r| r.len() > 64),
                        "{n} on {threads}: {all:?}"
                    );
                }
            }
        }
    }

    /// Where [`matmul_by_columns`] comes from: each product of a 784-H-H-10
    /// step on 2 threads, gemm's own split against column blocks, calls
    /// interleaved (so both meet the same load), best of many, microseconds.
    /// `cargo test --release -p nn-core --lib -- --ignored --nocapture column_blocks_against_gemms_split`
    #[test]
    #[ignore = "a measurement, not a check"]
    #[allow(clippy::print_stdout)]
    fn column_blocks_against_gemms_split() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        for h in [256, 1024, 2048] {
            for rows in [32, 128, 512] {
                // (name, m, k, n, b transposed): forward x W^T, back delta W.
                for (name, k, n, transposed) in [
                    ("forward 1", 784, h, true),
                    ("forward 2", h, h, true),
                    ("back 2", h, h, false),
                ] {
                    let (a, w) = operands(rows, k, n);
                    let b = weights(&w, k, n, transposed);
                    let mut dst = vec![0.0; rows * n];
                    let a = MatRef::row_major(&a, rows, k);
                    let (mut gemms, mut ours, mut in_place) = (f64::MAX, f64::MAX, f64::MAX);
                    pool.install(|| {
                        for _ in 0..30 {
                            let t = std::time::Instant::now();
                            matmul(&mut dst, a, b, 1.0, false, 2);
                            gemms = gemms.min(t.elapsed().as_secs_f64());
                            let t = std::time::Instant::now();
                            matmul_by_columns(&mut dst, a, b, 1.0, false, 2);
                            ours = ours.min(t.elapsed().as_secs_f64());
                            // gemm's default: weights read in place up to 48 rows.
                            gemm::set_lhs_packing_threshold_single_thread(8);
                            let t = std::time::Instant::now();
                            matmul_by_columns(&mut dst, a, b, 1.0, false, 2);
                            in_place = in_place.min(t.elapsed().as_secs_f64());
                            gemm::set_lhs_packing_threshold_single_thread(0);
                        }
                    });
                    let gflop = 2.0 * (rows * k * n) as f64 / 1e9;
                    println!(
                        "H {h} rows {rows} {name}: GFLOP/s gemm's split {:.0}, columns {:.0}, columns with gemm's default packing {:.0}",
                        gflop / gemms,
                        gflop / ours,
                        gflop / in_place,
                    );
                }
            }
        }
    }
}
