"""Run an nn-tui model file with numpy alone and predict exactly as `nn-tui predict` does.

    python examples/numpy_load.py MODEL.safetensors INPUT.csv > predictions.csv

Needs only numpy and safetensors (`pip install -r examples/requirements-numpy.txt`);
`examples/pytorch_load.py` is the same in PyTorch. From the model file it takes the
weights (`layers.{i}.weight` [out, in], `layers.{i}.bias`) and, from the JSON
metadata under the key `nn_tui`, the activations (`architecture`), the input
columns (`feature_names`), the input features computed from them, if any
(`input_features`: the TensorFlow Playground's x1, x2, x1^2, x2^2, x1x2, sinx1,
sinx2, cosx1, cosx2 of the columns x1 and x2), the input normalisation
(x - shift) * scale (`normalization`) and the classes (`class_names`). The test
`tests/e2e/python_interop.rs` checks it against `nn-tui predict` to 1e-5.
"""
import csv
import json
import sys

import numpy as np
from safetensors import safe_open

F32 = np.float32


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


ACTIVATIONS = {
    "sigmoid": lambda z: F32(1) / (F32(1) + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, F32(0)),
    "linear": lambda z: z,
    "softmax": softmax,
}


# Each input feature of the raw columns x1 (a) and x2 (b), computed in float64 as nn-tui does.
FEATURES = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1^2": lambda a, b: a * a,
    "x2^2": lambda a, b: b * b,
    "x1x2": lambda a, b: a * b,
    "sinx1": lambda a, b: np.sin(a),
    "sinx2": lambda a, b: np.sin(b),
    "cosx1": lambda a, b: np.cos(a),
    "cosx2": lambda a, b: np.cos(b),
}


def load(path):
    """The layers as (weight [out, in], bias, activation) and the metadata."""
    with safe_open(path, "np") as f:
        meta = json.loads(f.metadata()["nn_tui"])
        arch = meta["architecture"]
        count = len(arch["sizes"]) - 1
        layers = [
            (
                f.get_tensor(f"layers.{i}.weight"),
                f.get_tensor(f"layers.{i}.bias"),
                ACTIVATIONS[arch["output"] if i == count - 1 else arch["hidden"]],
            )
            for i in range(count)
        ]
    return layers, meta


def predict(layers, meta, raw):
    """Outputs for raw inputs [n, columns]: the input features (if any), the
    normalisation, then each layer's activation(x W^T + b)."""
    x = raw.astype(F32)
    if meta.get("input_features"):
        a, b = x[:, 0].astype(np.float64), x[:, -1].astype(np.float64)  # x2 is there when needed
        x = np.stack([FEATURES[name](a, b) for name in meta["input_features"]], axis=1).astype(F32)
    norm = meta.get("normalization")
    if norm:
        x = (x - np.asarray(norm["shift"], F32)) * np.asarray(norm["scale"], F32)
    for weight, bias, activation in layers:
        x = activation(x @ weight.T + bias)
    return x


def read_inputs(path, meta):
    """The CSV's feature columns, by the model's feature names (else every column but `label`)."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = [h.strip() for h in rows[0]], rows[1:]
    names = meta.get("feature_names") or [h for h in header if h != "label"]
    columns = [header.index(n) for n in names]
    texts = [[row[c].strip() for c in columns] for row in rows if row]
    return names, texts, np.array([[float(v) for v in row] for row in texts], dtype=F32)


def main(model_path, input_path):
    layers, meta = load(model_path)
    names, texts, raw = read_inputs(input_path, meta)
    outputs = predict(layers, meta, raw)
    classes = meta.get("class_names") or []
    out = csv.writer(sys.stdout, lineterminator="\n")
    width = outputs.shape[1]
    if classes:
        out.writerow(names + ["class", "probability"])
    else:
        out.writerow(names + (["prediction"] if width == 1 else [f"prediction_{k}" for k in range(1, width + 1)]))
    for text, o in zip(texts, outputs):
        if classes and width == 1:  # one sigmoid output: the probability of class 1
            c = int(o[0] > 0.5)
            out.writerow(text + [classes[c], repr(float(o[0] if c else F32(1) - o[0]))])
        elif classes:
            c = int(np.argmax(o))  # the first of equal maxima, as nn-tui
            out.writerow(text + [classes[c], repr(float(o[c]))])
        else:
            out.writerow(text + [repr(float(v)) for v in o])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: numpy_load.py MODEL.safetensors INPUT.csv")
    main(sys.argv[1], sys.argv[2])
