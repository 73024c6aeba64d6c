"""PyTorch's float32 matrix product on the CPU, in GFLOP/s: the figure to set beside
`cargo xtask bench`'s "GEMM peak" line (the gemm crate, 2048^3) and beside W3's
products (512 x 1024 by 1024 x 1024, 512 x 784 by 784 x 1024).

Usage: PYTHON torch_matmul.py [--threads 1,2]
Prints `threads=<t> MxKxN GFLOP/s=<best of 6 timings of 5 products, after 3 warm-ups>`.
Run only by hand with a Python that has torch (never in CI).
"""
import argparse, time
import torch

SHAPES = [(2048, 2048, 2048), (512, 1024, 1024), (512, 784, 1024)]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    a = ap.parse_args()
    for t in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(t)
        for (m, k, n) in SHAPES:
            x, w = torch.randn(m, k), torch.randn(k, n)
            for _ in range(3):
                x @ w
            best = float("inf")
            for _ in range(6):
                start = time.perf_counter()
                for _ in range(5):
                    x @ w
                best = min(best, (time.perf_counter() - start) / 5)
            print(f"threads={t} {m}x{k}x{n} GFLOP/s={2 * m * k * n / best / 1e9:.0f}")

if __name__ == "__main__":
    main()
