//! A whole batch's row-wise work split over the threads by whole shards: a
//! layer's forward (or delta) product together with the elementwise work on
//! its rows, one block of consecutive shards per thread, in one fork-join.
//!
//! gemm's own split of a product over threads forks and joins several times
//! per call (packing, then each block of the inner dimension) and, on the
//! 16-128-row products of small batches, cost more than the second thread
//! gained: W1 (784-100-10, batch 32) ran slower on two threads than on one.
//! Here each thread runs its shards' rows through gemm alone. A block is made
//! of whole shards, so each row's bits are those of its shard's own product
//! ([`crate::rows_never_change_a_value`] holds for the block's rows whenever
//! it holds for the shard's), whatever the thread count.

use std::ops::Range;

use crate::shard_pass::ShardPass;

/// Multiply-adds of a product from which it is split over the threads: below
/// it, a fork-join (a few microseconds when the other thread has to wake)
/// costs about what half the product saves. W1's hidden-to-output products
/// (32 x 100 x 10, 32 thousand) and W2's (128 x 128 x 10, 164 thousand) stay
/// on one thread; their first layers (2.5 and 26 million) are split.
pub(crate) const SPLIT_FROM_MACS: usize = 1 << 20;

/// Multiply-adds of a product from which gemm's own split is used again: cut
/// by shards, each thread packs the weights apart, and W3's products (512 x
/// 1024 x 1024, 537 million) gain nothing from fewer forks (one pair of runs
/// on 2 threads under load: best passes 9.8 s cut by shards against 8.5 s; the
/// next pair, with the cap, 6.3 s against 9.9: noise), so they keep their path.
pub(crate) const SPLIT_BELOW_MACS: usize = 1 << 26;

/// Blocks of whole shards a product of `macs` multiply-adds over `shards`
/// shards is cut into on `threads` threads (1: not cut, the product and the
/// elementwise work then use the threads as gemm and [`crate::products`] split them).
pub(crate) fn blocks_for(threads: usize, shards: usize, macs: usize) -> usize {
    if threads <= 1 || !(SPLIT_FROM_MACS..SPLIT_BELOW_MACS).contains(&macs) {
        1
    } else {
        threads.min(shards)
    }
}

/// A matrix of the batch, one row per sample, `width` values a row.
#[derive(Clone, Copy)]
pub(crate) struct Rows<'a> {
    pub(crate) values: &'a [f32],
    pub(crate) width: usize,
}

impl Rows<'_> {
    fn split_at(self, rows: usize) -> (Self, Self) {
        let (a, b) = self.values.split_at(rows * self.width);
        (
            Self {
                values: a,
                width: self.width,
            },
            Self {
                values: b,
                width: self.width,
            },
        )
    }
}

/// `work(shards, out, inputs)` over `blocks` blocks of consecutive whole
/// shards side by side on the current rayon pool: `out` (`out_width` values a
/// row) and each of `inputs` cut at the same rows. Halves are split
/// recursively (nothing allocated); `blocks` is at most `shards.len()`.
pub(crate) fn by_shard_blocks<const N: usize>(
    shards: &[ShardPass],
    blocks: usize,
    out: &mut [f32],
    out_width: usize,
    inputs: [Rows<'_>; N],
    work: &(impl Fn(&[ShardPass], &mut [f32], [&[f32]; N]) + Sync),
) {
    if blocks <= 1 || shards.len() <= 1 {
        work(shards, out, inputs.map(|r| r.values));
        return;
    }
    let left_blocks = blocks / 2;
    // At least `left_blocks` shards on the left and `blocks - left_blocks` on the right.
    let mid = shards.len() * left_blocks / blocks;
    let rows: usize = shards[..mid].iter().map(|s| s.rows).sum();
    let (out_left, out_right) = out.split_at_mut(rows * out_width);
    let halves = inputs.map(|r| r.split_at(rows));
    let (left, right) = (halves.map(|h| h.0), halves.map(|h| h.1));
    rayon::join(
        || by_shard_blocks(&shards[..mid], left_blocks, out_left, out_width, left, work),
        || {
            by_shard_blocks(
                &shards[mid..],
                blocks - left_blocks,
                out_right,
                out_width,
                right,
                work,
            );
        },
    );
}

/// Runs `product` over the row ranges of a row-independent product (`whole`):
/// all of `shards`' rows at once, or shard by shard.
pub(crate) fn for_row_blocks(
    shards: &[ShardPass],
    whole: bool,
    mut product: impl FnMut(Range<usize>),
) {
    if whole {
        product(0..shards.iter().map(|s| s.rows).sum());
    } else {
        let mut start = 0;
        for shard in shards {
            product(start..start + shard.rows);
            start += shard.rows;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passes(rows: &[usize]) -> Vec<ShardPass> {
        rows.iter()
            .map(|&rows| ShardPass {
                rows,
                loss_sum: 0.0,
            })
            .collect()
    }

    #[test]
    fn blocks_are_whole_shards_and_cover_every_row_once() {
        for rows in [
            vec![16, 16],
            vec![32, 32, 32, 32],
            vec![5, 5, 5, 2],
            vec![7],
        ] {
            let shards = passes(&rows);
            for blocks in 1..=rows.len() {
                let total: usize = rows.iter().sum();
                let mut out = vec![0.0f32; total * 2];
                let input: Vec<f32> = (0..total * 3).map(|i| i as f32).collect();
                let seen = std::sync::Mutex::new(Vec::new());
                by_shard_blocks(
                    &shards,
                    blocks,
                    &mut out,
                    2,
                    [Rows {
                        values: &input,
                        width: 3,
                    }],
                    &|part, out, [x]| {
                        let n: usize = part.iter().map(|s| s.rows).sum();
                        assert_eq!(out.len(), n * 2);
                        assert_eq!(x.len(), n * 3);
                        // Each output row gets its input row's first value.
                        for (o, x) in out.chunks_exact_mut(2).zip(x.chunks_exact(3)) {
                            o.fill(x[0] + 1.0);
                        }
                        seen.lock().unwrap().push(part.len());
                    },
                );
                let seen = seen.into_inner().unwrap();
                assert_eq!(seen.len(), blocks, "{rows:?} in {blocks}");
                assert_eq!(seen.iter().sum::<usize>(), rows.len());
                for (r, o) in out.chunks_exact(2).enumerate() {
                    assert_eq!(o, [(r * 3) as f32 + 1.0; 2]);
                }
            }
        }
    }

    #[test]
    fn small_products_and_one_thread_are_not_split() {
        assert_eq!(blocks_for(1, 4, 1 << 30), 1);
        // W3's products: gemm's own split.
        assert_eq!(blocks_for(2, 4, 512 * 1024 * 1024), 1);
        assert_eq!(blocks_for(2, 4, 32 * 100 * 10), 1);
        assert_eq!(blocks_for(2, 2, 32 * 784 * 100), 2);
        assert_eq!(blocks_for(4, 2, 32 * 784 * 100), 2);
        assert_eq!(blocks_for(16, 4, 128 * 784 * 256), 4);
    }
}
