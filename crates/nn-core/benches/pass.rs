//! One forward + backward pass, single thread, on the two reference shapes.
//!
//! Throughput is reported in elements/s where one element is one floating-point
//! operation (`2 * in * out` forward and `4 * in * out` backward per layer and
//! sample), so criterion's "Gelem/s" reads as GFLOP/s.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nn_core::{Activation, Architecture, Gradients, Loss, Network, Targets, Workspace};

fn pass(c: &mut Criterion) {
    let cases = [
        (
            "784-100-10 sigmoid seed-loss b32",
            vec![784, 100, 10],
            Activation::Sigmoid,
            Activation::Sigmoid,
            Loss::Seed,
            32,
        ),
        (
            "784-1024-1024-10 relu ce b512",
            vec![784, 1024, 1024, 10],
            Activation::Relu,
            Activation::Softmax,
            Loss::CrossEntropy,
            512,
        ),
    ];
    let mut group = c.benchmark_group("forward_backward_flops");
    for (name, sizes, hidden, output, loss, batch) in cases {
        let arch = Architecture::new(sizes, hidden, output, loss).expect("valid");
        let flops = (arch.flops_done_per_sample() * batch) as u64;
        let net = Network::new(arch, 1).expect("valid");
        let inputs: Vec<f32> = (0..batch * 784)
            .map(|i| ((i * 7919) % 256) as f32 / 255.0)
            .collect();
        let classes: Vec<u32> = (0..batch as u32).map(|i| i % 10).collect();
        let mut workspace = Workspace::new();
        let mut gradients = Gradients::zeros(net.architecture());
        group.throughput(Throughput::Elements(flops));
        group.bench_function(name, |b| {
            b.iter(|| {
                net.backward(
                    &inputs,
                    &Targets::Classes(&classes),
                    1.0 / batch as f32,
                    &mut workspace,
                    &mut gradients,
                )
                .expect("shapes match")
            });
        });
    }
    group.finish();
}

criterion_group!(benches, pass);
criterion_main!(benches);
