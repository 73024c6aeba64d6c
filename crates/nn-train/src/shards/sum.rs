//! The shards' gradients added in shard order, split across the threads by
//! parameter range: the sum when each shard kept a buffer of its own.

use std::ops::Range;

use rayon::prelude::*;

use super::Shard;

/// Parameters per chunk when adding shard gradients across threads.
const SUM_CHUNK: usize = 16 * 1024;

/// Adds `shards[1..]` into `shards[0]` over the parameters `params`, in shard
/// order, split into fixed chunks across the pool's threads. Each value's sum
/// runs over the shards in order whatever the split, so the bits do not depend
/// on the thread count or on which range is summed where.
pub(crate) fn sum_in_order(shards: &mut [Shard], params: Range<usize>, pool: &rayon::ThreadPool) {
    let Some((first, rest)) = shards.split_first_mut() else {
        return;
    };
    if rest.is_empty() || params.is_empty() {
        return;
    }
    let rest: &[Shard] = rest;
    let offset = params.start;
    let sum = &mut first.gradients_mut()[params];
    pool.install(|| {
        sum.par_chunks_mut(SUM_CHUNK)
            .enumerate()
            .for_each(|(c, sum)| {
                let start = offset + c * SUM_CHUNK;
                for shard in rest {
                    for (a, b) in sum.iter_mut().zip(&shard.gradients().as_slice()[start..]) {
                        *a += b;
                    }
                }
            });
    });
}
