//! `Network::backward_shards` (a batch of shards in one pass, products over all
//! rows at once where that cannot change a value) gives every shard the bits
//! `Network::backward` gives it alone, on 1, 2 and 3 threads: the trainer
//! picks between the two by speed, so the choice must never show in the weights.

use nn_core::{
    Activation, Architecture, Gradients, Loss, Network, ShardPass, Targets, Workspace,
    rows_never_change_a_value,
};

fn values(n: usize, salt: f32) -> Vec<f32> {
    (0..n).map(|i| ((i as f32 + salt) * 0.618).sin()).collect()
}

/// Per shard: gradient bits and loss bits.
type Shards = Vec<(Vec<u32>, u64)>;

fn one_by_one(network: &Network, inputs: &[f32], classes: &[u32], rows: &[usize]) -> Shards {
    let width = network.architecture().inputs();
    let mut start = 0;
    let mut out = Vec::new();
    for &n in rows {
        let mut gradients = Gradients::zeros(network.architecture());
        let loss = network
            .backward(
                &inputs[start * width..(start + n) * width],
                &Targets::Classes(&classes[start..start + n]),
                0.01,
                &mut Workspace::new(),
                &mut gradients,
            )
            .unwrap();
        out.push((
            gradients.as_slice().iter().map(|g| g.to_bits()).collect(),
            loss.to_bits(),
        ));
        start += n;
    }
    out
}

fn together(
    network: &Network,
    inputs: &[f32],
    classes: &[u32],
    rows: &[usize],
    threads: usize,
) -> Shards {
    let mut passes: Vec<ShardPass> = rows
        .iter()
        .map(|&rows| ShardPass {
            rows,
            gradients: Gradients::zeros(network.architecture()),
            loss_sum: 0.0,
        })
        .collect();
    let mut workspace = Workspace::new();
    workspace.set_threads(threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let smallest = *rows.iter().min().unwrap();
    pool.install(|| {
        network
            .backward_shards(
                inputs,
                &Targets::Classes(classes),
                &mut passes,
                smallest,
                0.01,
                &mut workspace,
            )
            .unwrap();
    });
    passes
        .iter()
        .map(|p| {
            (
                p.gradients.as_slice().iter().map(|v| v.to_bits()).collect(),
                p.loss_sum.to_bits(),
            )
        })
        .collect()
}

#[test]
fn a_batch_of_shards_in_one_pass_gives_each_shard_its_own_bits() {
    // Inner dimensions over 512 (where gemm's blocking depends on the shape),
    // narrow outputs, one-row shards and a short last shard.
    let cases: &[(&[usize], &[usize])] = &[
        (&[784, 600, 10], &[128, 128, 96]),
        (&[784, 600, 10], &[16, 16]),
        (&[784, 200, 10], &[32, 32, 32, 5]),
        (&[70, 700, 40, 3], &[40, 40, 1]),
        (&[2, 8, 8, 2], &[10, 10, 3]),
    ];
    for &(sizes, rows) in cases {
        let classes_n = *sizes.last().unwrap();
        let arch = Architecture::new(
            sizes.to_vec(),
            Activation::Relu,
            Activation::Softmax,
            Loss::CrossEntropy,
        )
        .unwrap();
        let network = Network::new(arch, 7).unwrap();
        let total: usize = rows.iter().sum();
        let inputs = values(total * sizes[0], 0.5);
        let classes: Vec<u32> = (0..total).map(|i| (i % classes_n) as u32).collect();
        let want = one_by_one(&network, &inputs, &classes, rows);
        for threads in [1, 2, 3] {
            let got = together(&network, &inputs, &classes, rows, threads);
            for (s, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    g == w,
                    "{sizes:?} shards {rows:?} on {threads} threads: shard {s} differs"
                );
            }
        }
    }
}

#[test]
fn wide_products_run_over_all_rows_and_narrow_ones_shard_by_shard() {
    // W3's hidden layers at 128-row shards: one call for the whole batch.
    assert!(rows_never_change_a_value(1024, 784, 128));
    assert!(rows_never_change_a_value(1024, 1024, 128));
    // Its 10 outputs from 1024 inputs: gemm's blocking of 1024 differs for
    // calls of at most 64 rows, and a shard of 32 is one.
    assert!(!rows_never_change_a_value(10, 1024, 32));
    // Inner dimension within one block: no difference.
    assert!(rows_never_change_a_value(10, 256, 32));
    // A one-row shard takes gemm's vector kernel; tiny products its dot-product one.
    assert!(!rows_never_change_a_value(1024, 1024, 1));
    assert!(!rows_never_change_a_value(8, 8, 10));
}
