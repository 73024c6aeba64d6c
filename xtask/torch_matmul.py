"""PyTorch's float32 matrix product on the CPU, in GFLOP/s: the figure to set beside
`cargo xtask bench`'s "GEMM peak" line (the gemm crate, 2048^3) and beside W3's
products (512 x 1024 by 1024 x 1024, 512 x 784 by 784 x 1024).

Usage: PYTHON torch_matmul.py [--threads 1,2] [--step]
Prints `threads=<t> MxKxN GFLOP/s=<best of 6 timings of 5 products, after 3 warm-ups>`.
`--step` prints instead, on 2 threads, the five products of W3's step (784-H-H-10 at
512 rows, H = 1024 and 2048) in the layouts a PyTorch step runs them (`x @ W1.T`,
`h @ W2.T`, `d @ W2`, `d.T @ h`, `d.T @ x`), best of 7 timings of 10 after 3 warm-ups:
the counterpart of nn-core's ignored test `step_products_alone`.
Run only by hand with a Python that has torch (never in CI).
"""
import argparse, time
import torch

SHAPES = [(2048, 2048, 2048), (512, 1024, 1024), (512, 784, 1024)]

def best_of(f, timings=7, calls=10):
    for _ in range(3):
        f()
    best = float("inf")
    for _ in range(timings):
        start = time.perf_counter()
        for _ in range(calls):
            f()
        best = min(best, (time.perf_counter() - start) / calls)
    return best

def step_products():
    torch.set_num_threads(2)
    rows = 512
    for h in (1024, 2048):
        x, hid, d = torch.randn(rows, 784), torch.randn(rows, h), torch.randn(rows, h)
        w1, w2 = torch.randn(h, 784), torch.randn(h, h)
        total = 0.0
        for name, inputs, f in (
            ("forward", 784, lambda: x @ w1.T),
            ("weight gradient", 784, lambda: d.T @ x),
            ("forward", h, lambda: hid @ w2.T),
            ("delta", h, lambda: d @ w2),
            ("weight gradient", h, lambda: d.T @ hid),
        ):
            seconds = best_of(f)
            total += seconds
            gflops = 2 * rows * inputs * h / seconds / 1e9
            print(f"H={h} {name} {inputs}x{h}: {seconds * 1e3:.3f} ms, {gflops:.0f} GFLOP/s")
        print(f"H={h} the five: {total * 1e3:.2f} ms")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--step", action="store_true")
    a = ap.parse_args()
    if a.step:
        step_products()
        return
    for t in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(t)
        for (m, k, n) in SHAPES:
            x, w = torch.randn(m, k), torch.randn(k, n)
            best = best_of(lambda: x @ w, timings=6, calls=5)
            print(f"threads={t} {m}x{k}x{n} GFLOP/s={2 * m * k * n / best / 1e9:.0f}")

if __name__ == "__main__":
    main()
