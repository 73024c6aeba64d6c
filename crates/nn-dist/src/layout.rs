//! Who does what: each rank's contiguous run of a batch's shards, and its piece
//! of the parameter vector (the values whose in-order sum it computes).
//!
//! Pure functions of `(rank, ranks, total)`, so every rank works out every
//! other rank's part without asking.

use std::ops::Range;

/// The `rank`-th of `ranks` near-equal contiguous blocks of `0..total`.
///
/// Blocks differ in length by at most one and cover `0..total` in rank order;
/// with more ranks than items, some blocks are empty.
pub fn block(rank: usize, ranks: usize, total: usize) -> Range<usize> {
    assert!(rank < ranks, "rank {rank} of {ranks}");
    (rank * total / ranks)..((rank + 1) * total / ranks)
}

/// The rank whose [`block`] of `0..total` contains `item`.
pub fn owner(item: usize, ranks: usize, total: usize) -> usize {
    (0..ranks)
        .find(|&r| block(r, ranks, total).contains(&item))
        .unwrap_or_else(|| panic!("item {item} is outside 0..{total}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_in_rank_order_and_differ_by_at_most_one() {
        for total in 0..40 {
            for ranks in 1..10 {
                let blocks: Vec<_> = (0..ranks).map(|r| block(r, ranks, total)).collect();
                assert_eq!(blocks[0].start, 0);
                assert_eq!(blocks[ranks - 1].end, total);
                for pair in blocks.windows(2) {
                    assert_eq!(pair[0].end, pair[1].start);
                }
                let (min, max) = blocks.iter().fold((usize::MAX, 0), |(lo, hi), b| {
                    (lo.min(b.len()), hi.max(b.len()))
                });
                assert!(max - min <= 1, "{total} over {ranks}: {blocks:?}");
            }
        }
    }

    #[test]
    fn owner_is_the_rank_whose_block_holds_the_item() {
        for total in 1..40 {
            for ranks in 1..10 {
                for item in 0..total {
                    let r = owner(item, ranks, total);
                    assert!(
                        block(r, ranks, total).contains(&item),
                        "{item} {ranks} {total}"
                    );
                }
            }
        }
    }

    #[test]
    fn four_shards_over_two_and_three_ranks() {
        assert_eq!([block(0, 2, 4), block(1, 2, 4)], [0..2, 2..4]);
        assert_eq!(
            [block(0, 3, 4), block(1, 3, 4), block(2, 3, 4)],
            [0..1, 1..2, 2..4]
        );
        // More ranks than shards: some ranks compute none, but still sum a piece.
        assert_eq!(block(0, 4, 2), 0..0);
        assert_eq!(owner(0, 4, 2), 1);
    }
}
