//! Who does what: each rank's contiguous run of a batch's shards, its piece
//! of the parameter vector (the values whose in-order sum it computes), and
//! which way of summing the pieces moves fewer bytes.
//!
//! Pure functions of the job's shape, so every rank works out every other
//! rank's part, and the same choice, without asking.

use std::ops::Range;

use nn_core::Architecture;

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

/// Rank `rank`'s piece of the parameters: its [`block`] of them, each end
/// moved to the nearest [`Architecture::row_boundary`], so that the piece can
/// be summed from rows as well as from shard gradients.
pub fn piece(rank: usize, ranks: usize, architecture: &Architecture) -> Range<usize> {
    let block = block(rank, ranks, architecture.parameter_count());
    architecture.row_boundary(block.start)..architecture.row_boundary(block.end)
}

/// Values the busiest rank receives per step, before the stepped parameters'
/// gather (the same either way), for a batch of `samples` cut into shards of
/// `shard_size`: summing every rank's piece from rows (each rank receiving the
/// others' rows of the layers its piece holds: a layer's deltas, and its
/// inputs unless it is the first), and sending shard gradients (each rank
/// receiving its piece of every shard it did not compute). `None` unless
/// every rank has a shard (a rank without one has no rows to send).
pub fn values_received(
    architecture: &Architecture,
    ranks: usize,
    samples: usize,
    shard_size: usize,
) -> Option<Received> {
    let shards = samples.div_ceil(shard_size.max(1));
    if ranks < 2 || shards < ranks {
        return None;
    }
    let sizes = &architecture.sizes;
    let mut most = Received::default();
    for rank in 0..ranks {
        let own = block(rank, ranks, shards);
        let own_rows = (own.end * shard_size).min(samples) - own.start * shard_size;
        let others = samples - own_rows;
        let piece = piece(rank, ranks, architecture);
        let rows: usize = (0..sizes.len() - 1)
            .filter(|&l| architecture.piece_holds_layer(&piece, l))
            .map(|l| others * (sizes[l + 1] + if l > 0 { sizes[l] } else { 0 }))
            .sum();
        most.rows = most.rows.max(rows);
        most.shard_gradients = most.shard_gradients.max((shards - own.len()) * piece.len());
    }
    Some(most)
}

/// [`values_received`]'s two figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Received {
    /// Summing pieces from rows.
    pub rows: usize,
    /// Sending shard gradients.
    pub shard_gradients: usize,
}

/// Whether rows move fewer values into the busiest rank than shard gradients
/// ([`values_received`]); false unless every rank has a shard.
pub fn rows_move_less(
    architecture: &Architecture,
    ranks: usize,
    samples: usize,
    shard_size: usize,
) -> bool {
    values_received(architecture, ranks, samples, shard_size)
        .is_some_and(|r| r.rows < r.shard_gradients)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nn_core::{Activation, Loss};

    fn architecture(sizes: &[usize]) -> Architecture {
        Architecture::new(
            sizes.to_vec(),
            Activation::Relu,
            Activation::Softmax,
            Loss::CrossEntropy,
        )
        .unwrap()
    }

    #[test]
    fn pieces_cover_the_parameters_in_rank_order_between_rows() {
        for sizes in [
            &[784, 256, 128, 10][..],
            &[2, 8, 8, 2],
            &[784, 1024, 1024, 10],
        ] {
            let arch = architecture(sizes);
            for ranks in 1..6 {
                let pieces: Vec<_> = (0..ranks).map(|r| piece(r, ranks, &arch)).collect();
                assert_eq!(pieces[0].start, 0);
                assert_eq!(pieces[ranks - 1].end, arch.parameter_count());
                assert!(pieces.windows(2).all(|p| p[0].end == p[1].start));
                assert!(pieces.iter().all(|p| arch.row_boundary(p.start) == p.start));
            }
        }
        // W2 on two ranks: rank 0 owns rows 0-149 of the first layer.
        let w2 = architecture(&[784, 256, 128, 10]);
        assert_eq!(piece(0, 2, &w2), 0..150 * 784);
    }

    #[test]
    fn rows_are_chosen_where_they_move_fewer_values() {
        // W2 and W3 on 2 ranks, the README's and docs/scaling.md's figures:
        // W2's rank 1 gets 64 rows of 256 + 128 + 10 deltas and 256 + 128
        // outputs, against two shards of rank 0's piece (150 rows of 784
        // weights); W3's larger rank 256 rows of 1,024 + 10 deltas and 2 x
        // 1,024 outputs, against two shards of half the parameters.
        let w2 = architecture(&[784, 256, 128, 10]);
        let got = values_received(&w2, 2, 128, 32).unwrap();
        assert_eq!(got.rows, 64 * (394 + 384));
        assert_eq!(got.shard_gradients, 2 * 150 * 784);
        assert!(rows_move_less(&w2, 2, 128, 32));
        let w3 = architecture(&[784, 1024, 1024, 10]);
        let got = values_received(&w3, 2, 512, 128).unwrap();
        assert_eq!(got.rows, 256 * (1024 + 10 + 2 * 1024));
        assert!(got.shard_gradients > 1_860_000);
        assert!(rows_move_less(&w3, 2, 512, 128));
        // A tiny network's shard gradients are smaller than its rows.
        assert!(!rows_move_less(&architecture(&[2, 8, 8, 2]), 2, 128, 32));
        // A narrow layer at a large batch: 512 rows of 32 + 10 + 32 against 2
        // shards of half of 25,450 parameters.
        assert!(!rows_move_less(&architecture(&[784, 32, 10]), 2, 1024, 256));
        // Fewer shards than ranks, or one rank: never.
        assert!(!rows_move_less(
            &architecture(&[784, 256, 128, 10]),
            4,
            96,
            32
        ));
        assert!(!rows_move_less(
            &architecture(&[784, 256, 128, 10]),
            1,
            128,
            32
        ));
    }

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
