"""PyTorch's side of `cargo xtask bench --widths`: 784-H-H-10 ReLU/softmax,
cross-entropy, SGD lr 0.01, on the CPU, as `nn-tui train --data mnist` trains it.

Usage: PYTHON torch_widths.py --widths 128,256 --batches 128,512 [--threads 2] [--samples 20480]
Prints `H=<width> batch=<b> samples/s=<median of 3 timed passes after one warm-up>
best/s=<the fastest of the 3>`. The median, as on every side of `cargo xtask bench`
(`xtask/src/median.rs`): ours is one epoch a round, and the fastest of three short
passes on a noisy machine read 2-16% above their median (2026-12-05).
Random data of MNIST's shape: timing does not depend on the values. Run only by
hand with a Python that has torch (never in CI).
"""
import argparse, statistics, time
import torch

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--widths", default="128,256,512,1024,2048")
    ap.add_argument("--batches", default="512")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--samples", type=int, default=20480)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    n = a.samples
    torch.manual_seed(0)
    x = torch.rand(n, 784)
    y = torch.randint(0, 10, (n,))
    for batch in [int(b) for b in a.batches.split(",")]:
        for h in [int(w) for w in a.widths.split(",")]:
            model = torch.nn.Sequential(
                torch.nn.Linear(784, h), torch.nn.ReLU(),
                torch.nn.Linear(h, h), torch.nn.ReLU(),
                torch.nn.Linear(h, 10))
            opt = torch.optim.SGD(model.parameters(), lr=0.01)
            loss = torch.nn.CrossEntropyLoss()
            times = []
            for rep in range(4):  # the first is a warm-up
                perm = torch.randperm(n)
                t0 = time.perf_counter()
                for s in range(0, n, batch):
                    idx = perm[s:s + batch]
                    opt.zero_grad(set_to_none=True)
                    loss(model(x[idx]), y[idx]).backward()
                    opt.step()
                dt = time.perf_counter() - t0
                if rep:
                    times.append(dt)
            median, best = statistics.median(times), min(times)
            print(f"H={h} batch={batch} samples/s={n / median:.0f} best/s={n / best:.0f}", flush=True)

if __name__ == "__main__":
    main()
