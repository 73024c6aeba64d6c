"""The other side of `cargo xtask bench-predict`: pandas + ONNX Runtime on the model
`nn-tui export` wrote, as a Python user would run it. Needs pandas, numpy and
onnxruntime (a virtual environment outside the repository; see xtask/src/bench_predict.rs).

    python ort_predict.py e2e MODEL.onnx INPUT.csv OUTPUT.csv
        reads the CSV with pandas, runs the model, writes label,class,probability;
        prints `e2e seconds=S` timed from the interpreter's start (imports included).
    python ort_predict.py forward MODEL.onnx INPUT.csv BATCHES SECONDS
        prints `forward batch=B rows/s=R` per batch size (session.run alone, on rows
        already in memory) and `latency batch=1 us=U` (the median of single calls).
"""

import sys
import time

START = time.perf_counter()

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import pandas as pd  # noqa: E402


def session(model):
    return ort.InferenceSession(model, providers=["CPUExecutionProvider"])


def features(sess, frame):
    # The graph's input is the raw columns in the model's order: the frame minus its label.
    columns = [c for c in frame.columns if c != "label"]
    width = sess.get_inputs()[0].shape[1]
    assert len(columns) == width, (len(columns), width)
    return frame[columns].to_numpy(dtype=np.float32)


def e2e(model, input_csv, output_csv):
    sess = session(model)
    frame = pd.read_csv(input_csv)
    x = features(sess, frame)
    (probabilities,) = sess.run(None, {sess.get_inputs()[0].name: x})
    classes = probabilities.argmax(axis=1)
    out = pd.DataFrame(
        {
            "label": frame["label"],
            "class": classes,
            "probability": probabilities[np.arange(len(classes)), classes],
        }
    )
    out.to_csv(output_csv, index=False, float_format="%.6f")
    print(f"e2e seconds={time.perf_counter() - START:.4f}")


def forward(model, input_csv, batches, seconds):
    sess = session(model)
    name = sess.get_inputs()[0].name
    x = features(sess, pd.read_csv(input_csv))
    for batch in [int(b) for b in batches.split(",")]:
        rows = x[:batch] if batch <= len(x) else np.resize(x, (batch, x.shape[1]))
        sess.run(None, {name: rows})  # warm-up
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            sess.run(None, {name: rows})
            calls += 1
        elapsed = time.perf_counter() - start
        print(f"forward batch={batch} rows/s={calls * batch / elapsed:.0f}")
    one = x[:1]
    times = []
    for i in range(2000):
        start = time.perf_counter()
        sess.run(None, {name: x[i % len(x)][None, :]})
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"latency batch=1 us={times[len(times) // 2] * 1e6:.2f}")
    del one


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    if mode == "e2e":
        e2e(*rest)
    elif mode == "forward":
        forward(rest[0], rest[1], rest[2], float(rest[3]))
    else:
        sys.exit(f"unknown mode {mode!r}: expected e2e or forward")
