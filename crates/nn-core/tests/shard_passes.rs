//! `Network::backward_shards` (a batch of shards in one pass, products over all
//! rows at once where that cannot change a value) gives every shard the bits
//! `Network::backward` gives it alone, on 1, 2 and 3 threads: the trainer
//! picks between the two by speed, so the choice must never show in the weights.
//! Summed into one buffer (`ShardGradients::Summed`), the shards' gradients
//! give the bits of adding each shard's own in shard order.

use nn_core::{
    Activation, Architecture, BatchInputs, Gradients, Loss, Network, ShardGradients, ShardPass,
    Targets, Workspace, rows_never_change_a_value,
};

fn values(n: usize, salt: f32) -> Vec<f32> {
    (0..n).map(|i| ((i as f32 + salt) * 0.618).sin()).collect()
}

/// Per shard: gradient bits and loss bits.
type Shards = Vec<(Vec<u32>, u64)>;

fn one_by_one(network: &Network, inputs: &[f32], targets: &Targets<'_>, rows: &[usize]) -> Shards {
    let width = network.architecture().inputs();
    let outputs = network.architecture().outputs();
    let mut start = 0;
    let mut out = Vec::new();
    for &n in rows {
        let mut gradients = Gradients::zeros(network.architecture());
        let loss = network
            .backward(
                &inputs[start * width..(start + n) * width],
                &targets.rows(start..start + n, outputs),
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

/// `backward_shards` on `threads` threads, each shard's gradient in its own
/// buffer (`summed` false) or all of them in one (then one entry, loss bits 0);
/// given the inputs transposed too when `transposed`.
fn together(
    network: &Network,
    inputs: &[f32],
    targets: &Targets<'_>,
    rows: &[usize],
    threads: usize,
    summed: bool,
    transposed: bool,
) -> Shards {
    let width = network.architecture().inputs();
    let batch = inputs.len() / width;
    let mut inputs_t = vec![0.0; inputs.len()];
    for (i, column) in inputs_t.chunks_exact_mut(batch).enumerate() {
        for (v, row) in column.iter_mut().zip(inputs.chunks_exact(width)) {
            *v = row[i];
        }
    }
    let inputs = BatchInputs {
        rows: inputs,
        transposed: transposed.then_some(inputs_t.as_slice()),
    };
    let mut passes: Vec<ShardPass> = rows
        .iter()
        .map(|&rows| ShardPass {
            rows,
            loss_sum: 0.0,
        })
        .collect();
    let count = if summed { 1 } else { rows.len() };
    let mut buffers = vec![Gradients::zeros(network.architecture()); count];
    let mut workspace = Workspace::new();
    workspace.set_threads(threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let smallest = *rows.iter().min().unwrap();
    pool.install(|| {
        let gradients = if summed {
            ShardGradients::Summed(&mut buffers[0])
        } else {
            ShardGradients::Each(&mut buffers)
        };
        network
            .backward_shards(
                inputs,
                targets,
                &mut passes,
                gradients,
                smallest,
                0.01,
                &mut workspace,
            )
            .unwrap();
    });
    buffers
        .iter()
        .zip(&passes)
        .map(|(g, p)| {
            (
                g.as_slice().iter().map(|v| v.to_bits()).collect(),
                if summed { 0 } else { p.loss_sum.to_bits() },
            )
        })
        .collect()
}

/// The shards' gradients added in shard order, as the trainer adds them.
fn in_order_sum(shards: &Shards) -> Vec<u32> {
    let mut sum: Vec<f32> = shards[0].0.iter().map(|&b| f32::from_bits(b)).collect();
    for (g, _) in &shards[1..] {
        for (a, &b) in sum.iter_mut().zip(g) {
            *a += f32::from_bits(b);
        }
    }
    sum.iter().map(|v| v.to_bits()).collect()
}

/// A network of `sizes` and a batch of `rows.iter().sum()` samples for it:
/// classes for a softmax output, values (mse) for an output 1 wide.
fn case(sizes: &[usize], rows: &[usize]) -> (Network, Vec<f32>, Vec<u32>, Vec<f32>) {
    let outputs = *sizes.last().unwrap();
    let (output, loss) = if outputs == 1 {
        (Activation::Sigmoid, Loss::Mse)
    } else {
        (Activation::Softmax, Loss::CrossEntropy)
    };
    let arch = Architecture::new(sizes.to_vec(), Activation::Relu, output, loss).unwrap();
    let network = Network::new(arch, 7).unwrap();
    let total: usize = rows.iter().sum();
    let inputs = values(total * sizes[0], 0.5);
    let classes: Vec<u32> = (0..total).map(|i| (i % outputs) as u32).collect();
    let targets = values(total * outputs, 0.25);
    (network, inputs, classes, targets)
}

fn targets_for<'a>(network: &Network, classes: &'a [u32], values: &'a [f32]) -> Targets<'a> {
    if network.architecture().outputs() == 1 {
        Targets::Values(values)
    } else {
        Targets::Classes(classes)
    }
}

#[test]
fn a_batch_of_shards_in_one_pass_gives_each_shard_its_own_bits() {
    // Inner dimensions over 512 (where gemm's blocking depends on the shape),
    // narrow outputs, one-row shards and a short last shard.
    let cases: &[(&[usize], &[usize])] = &[
        (&[784, 600, 10], &[128, 128, 96]),
        (&[784, 600, 10], &[16, 16]),
        (&[784, 100, 10], &[32]),
        (&[784, 200, 10], &[32, 32, 32, 5]),
        (&[70, 700, 40, 3], &[40, 40, 1]),
        (&[2, 8, 8, 2], &[10, 10, 3]),
    ];
    for &(sizes, rows) in cases {
        let (network, inputs, classes, values) = case(sizes, rows);
        let targets = targets_for(&network, &classes, &values);
        let want = one_by_one(&network, &inputs, &targets, rows);
        for threads in [1, 2, 3] {
            // The inputs given transposed too (read by the first layer's
            // transposed product of few rows): the same bits.
            for transposed in [false, true] {
                let got = together(
                    &network, &inputs, &targets, rows, threads, false, transposed,
                );
                for (s, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        g == w,
                        "{sizes:?} shards {rows:?} on {threads} threads \
                         (transposed inputs: {transposed}): shard {s} differs"
                    );
                }
            }
        }
    }
}

/// Networks and shards for the tests of sums: gemm adds in place on its main
/// path; the rest goes through a scratch buffer: shards of 1-2 rows and over
/// 512, layers 1 wide in or out, the tiny networks' loops, a short last shard,
/// a layer 128 wide cut in blocks, W2's shape.
const SUM_CASES: &[(&[usize], &[usize])] = &[
    (&[784, 600, 10], &[128, 128, 96]),
    (&[784, 128, 128, 10], &[32, 32, 32, 32]),
    (&[784, 256, 128, 10], &[32, 32, 32, 32]),
    (&[784, 200, 10], &[32, 32, 32, 5]),
    (&[70, 700, 40, 3], &[40, 2, 40, 1]),
    (&[40, 300, 1], &[600, 30, 520]),
    (&[1, 64, 1], &[20, 20, 2]),
    (&[2, 8, 8, 2], &[10, 10, 3]),
];

#[test]
fn shards_summed_in_one_buffer_give_the_bits_of_adding_each_shards_own() {
    for &(sizes, rows) in SUM_CASES {
        let (network, inputs, classes, values) = case(sizes, rows);
        let targets = targets_for(&network, &classes, &values);
        let want = in_order_sum(&one_by_one(&network, &inputs, &targets, rows));
        for threads in [1, 2, 3, 4] {
            let got = together(
                &network,
                &inputs,
                &targets,
                rows,
                threads,
                true,
                threads == 2,
            );
            let differ = got[0].0.iter().zip(&want).filter(|(g, w)| g != w).count();
            assert!(
                differ == 0,
                "{sizes:?} shards {rows:?} on {threads} threads: {differ} values differ"
            );
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

/// Processes that each ran the pass on some shards, kept the deltas, and then
/// summed every shard's gradient over their own piece of the parameters
/// (`Network::piece_gradient`) from the others' rows: `ranks` of them, simulated
/// here, their rows brought together as an exchange would.
fn by_pieces(
    network: &Network,
    inputs: &[f32],
    targets: &Targets<'_>,
    rows: &[usize],
    ranks: usize,
    threads: usize,
) -> Vec<u32> {
    let arch = network.architecture();
    let (width, outputs) = (arch.inputs(), arch.outputs());
    let batch: usize = rows.iter().sum();
    let block = |r: usize, total: usize| r * total / ranks..(r + 1) * total / ranks;
    let first_row = |shard: usize| rows[..shard].iter().sum::<usize>();
    let layers = nn_core::batch_layers(arch, batch).end;
    let mut deltas = vec![f32::NAN; layers];
    let mut outputs_all = vec![f32::NAN; layers];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    // Each rank's pass over its shards, its rows of deltas and outputs "sent".
    let mut workspaces = Vec::new();
    for r in 0..ranks {
        let local = block(r, rows.len());
        let mut workspace = Workspace::new();
        workspace.set_threads(threads);
        let (start, end) = (first_row(local.start), first_row(local.end));
        if start < end {
            let mut passes: Vec<ShardPass> = rows[local.clone()]
                .iter()
                .map(|&rows| ShardPass {
                    rows,
                    loss_sum: 0.0,
                })
                .collect();
            let mut mine = vec![f32::NAN; layers];
            pool.install(|| {
                network
                    .backward_shards(
                        &inputs[start * width..end * width],
                        &targets.rows(start..end, outputs),
                        &mut passes,
                        ShardGradients::Kept(nn_core::KeptDeltas {
                            deltas: &mut mine,
                            batch,
                            first_row: start,
                        }),
                        *rows.iter().min().unwrap(),
                        0.01,
                        &mut workspace,
                    )
                    .unwrap();
            });
            for (l, &size) in arch.sizes[1..].iter().enumerate() {
                let at = nn_core::batch_layer(arch, l, batch).start;
                let there = at + start * size..at + end * size;
                deltas[there.clone()].copy_from_slice(&mine[there.clone()]);
                outputs_all[there].copy_from_slice(workspace.layer_output(l));
            }
        }
        workspaces.push((local, workspace));
    }
    // Each rank's piece, summed from every shard's rows.
    let params = network.parameters().len();
    let mut whole = vec![f32::NAN; params];
    for (r, (local, workspace)) in workspaces.iter_mut().enumerate() {
        let piece = block(r, params);
        let piece = arch.row_boundary(piece.start)..arch.row_boundary(piece.end);
        let (start, end) = (first_row(local.start), first_row(local.end));
        let mut sum = Gradients::zeros(arch);
        sum.as_mut_slice().fill(f32::NAN);
        let batch_view = nn_core::PieceBatch {
            shard_rows: rows,
            local: (local.start, local.end),
            local_inputs: &inputs[start * width..end * width],
            inputs_elsewhere: inputs,
            outputs_elsewhere: &outputs_all,
            deltas: &deltas,
        };
        pool.install(|| {
            network
                .piece_gradient(piece.clone(), &batch_view, &mut sum, workspace)
                .unwrap();
        });
        let got = &sum.as_slice()[piece.clone()];
        whole[piece].copy_from_slice(got);
    }
    whole.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn pieces_summed_apart_from_every_shards_rows_give_the_bits_of_one_process() {
    // And a rank with no shard of its own (4 ranks, 3 shards).
    for &(sizes, rows) in SUM_CASES {
        let (network, inputs, classes, values) = case(sizes, rows);
        let targets = targets_for(&network, &classes, &values);
        let want = in_order_sum(&one_by_one(&network, &inputs, &targets, rows));
        for ranks in 1..=4 {
            for threads in [1, 2] {
                let got = by_pieces(&network, &inputs, &targets, rows, ranks, threads);
                let differ = got.iter().zip(&want).filter(|(g, w)| g != w).count();
                assert!(
                    differ == 0,
                    "{sizes:?} shards {rows:?}, {ranks} ranks on {threads} threads: \
                     {differ} values differ"
                );
            }
        }
    }
}

#[test]
fn a_piece_never_cuts_a_row_of_weights() {
    let (network, ..) = case(&[3, 4, 2], &[1]);
    let arch = network.architecture();
    // Weights 0..12 in rows of 3, biases 12..16, weights 16..24 in rows of 4, biases 24..26.
    let got: Vec<usize> = (0..=26).map(|at| arch.row_boundary(at)).collect();
    let want = [
        0, 0, 3, 3, 3, 6, 6, 6, 9, 9, 9, 12, 12, 13, 14, 15, 16, 16, 16, 20, 20, 20, 20, 24, 24,
        25, 26,
    ];
    assert_eq!(got, want);
    // Which layers a piece holds parameters of (the second starts at 16).
    let holds = |piece: std::ops::Range<usize>| {
        (0..3)
            .map(|l| arch.piece_holds_layer(&piece, l))
            .collect::<Vec<_>>()
    };
    assert_eq!(holds(0..12), [true, false, false]);
    assert_eq!(holds(15..16), [true, false, false]);
    assert_eq!(holds(15..17), [true, true, false]);
    assert_eq!(holds(16..26), [false, true, false]);
    assert_eq!(holds(3..3), [false, false, false]);
    let mut sum = Gradients::zeros(arch);
    let batch = nn_core::PieceBatch {
        shard_rows: &[1],
        local: (0, 0),
        local_inputs: &[],
        inputs_elsewhere: &[0.0; 3],
        outputs_elsewhere: &[0.0; 6],
        deltas: &[0.0; 6],
    };
    let err = network
        .piece_gradient(0..5, &batch, &mut sum, &mut Workspace::new())
        .unwrap_err();
    assert!(err.to_string().contains("0..5 are not a piece"), "{err}");
    // Buffers of another size than the batch's rows make, named.
    let short = nn_core::PieceBatch {
        deltas: &[0.0; 5],
        ..batch
    };
    let err = network
        .piece_gradient(0..12, &short, &mut sum, &mut Workspace::new())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "values in the kept deltas: 5, where the batch's rows need 6"
    );
}
