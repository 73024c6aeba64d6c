//! Matrix products through the `gemm` crate, behind a checked, safe interface.
//!
//! `gemm` takes raw pointers and strides; this module is the only place in the
//! workspace allowed `unsafe`, and it earns it by checking every dimension and
//! stride against the slices' lengths before the call.
//!
//! A product may run on several threads (`threads > 1`: gemm's own rayon
//! split, on the caller's current pool). gemm splits the *destination* into
//! blocks across threads; every value's sum over the inner dimension runs in
//! the same order whatever the thread count (the inner blocking depends only
//! on the shapes), so the bits do not depend on `threads`
//! (`crates/nn-train/tests/training.rs` checks 1 to 4 threads).
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
        return;
    }
    if k == 0 {
        if !accumulate {
            dst[..m * n].fill(0.0);
        }
        return;
    }
    for view in [a, b] {
        let last = (view.rows - 1) * view.row_stride + (view.cols - 1) * view.col_stride;
        assert!(
            last < view.data.len(),
            "view reaches index {last} of {} values",
            view.data.len()
        );
    }
    // SAFETY: every index gemm touches is (i * row_stride + j * col_stride) with
    // i < rows and j < cols, and the largest such index was checked above to lie
    // inside each slice; dst is row-major m x n and holds at least m * n values.
    // The three slices cannot alias: dst is borrowed mutably.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            1.0,
            beta,
            false,
            false,
            false,
            if threads > 1 {
                gemm::Parallelism::Rayon(threads)
            } else {
                gemm::Parallelism::None
            },
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
}
