"""Load an nn-tui model file into PyTorch and predict exactly as `nn-tui predict` does.

    python examples/pytorch_load.py MODEL.safetensors INPUT.csv > predictions.csv

Needs torch and safetensors. The model file holds the weights as `layers.{i}.weight`
([out, in], as torch.nn.Linear) and `layers.{i}.bias`, and JSON metadata under the
key `nn_tui` with everything else the network needs:

- `architecture`: layer `sizes`, the `hidden` and `output` activations;
- `feature_names`: which CSV columns are the inputs, in order;
- `input_features` (only in models trained with `--features`): the network's inputs,
  the TensorFlow Playground's features of the columns x1 and x2 (x1, x2, x1^2, x2^2,
  x1x2, sinx1, sinx2, cosx1, cosx2), computed before the normalisation;
- `normalization`: per-feature `shift` and `scale`, applied to the inputs as
  (x - shift) * scale before the first layer (absent or null: none);
- `class_names`: the classes, in output order (empty for regression).

The output is CSV like `nn-tui predict`'s: the feature columns, then `class` and
`probability` for a classifier, or `prediction` (`prediction_1`, ...) for regression.
"""
import csv
import json
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file

ACTIVATIONS = {
    "sigmoid": torch.nn.Sigmoid,
    "tanh": torch.nn.Tanh,
    "relu": torch.nn.ReLU,
    "linear": torch.nn.Identity,
    "softmax": lambda: torch.nn.Softmax(dim=1),
}


def load(path):
    """The model as a torch.nn.Sequential (normalisation first) and its metadata."""
    with safe_open(path, "pt") as f:
        meta = json.loads(f.metadata()["nn_tui"])
    arch = meta["architecture"]
    sizes = arch["sizes"]
    norm = meta.get("normalization") or {"shift": [0.0] * sizes[0], "scale": [1.0] * sizes[0]}
    layers = [InputFeatures(meta.get("input_features")), Normalize(norm["shift"], norm["scale"])]
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        last = i == len(sizes) - 2
        layers.append(ACTIVATIONS[arch["output"] if last else arch["hidden"]]())
    model = torch.nn.Sequential(*layers)
    # Our tensor names are torch.nn.Sequential's, counting the Linear layers only.
    linears = [i for i, m in enumerate(model) if isinstance(m, torch.nn.Linear)]
    state = {f"1.{k}": v for k, v in layers[1].state_dict().items()}  # from the metadata
    for name, tensor in load_file(path).items():
        _, index, kind = name.split(".")
        state[f"{linears[int(index)]}.{kind}"] = tensor
    model.load_state_dict(state)
    return model.eval(), meta


class InputFeatures(torch.nn.Module):
    """The model's input features of the raw columns x1 and x2, computed in float64
    as nn-tui does (none listed: the raw columns as they are)."""

    FEATURES = {
        "x1": lambda a, b: a,
        "x2": lambda a, b: b,
        "x1^2": lambda a, b: a * a,
        "x2^2": lambda a, b: b * b,
        "x1x2": lambda a, b: a * b,
        "sinx1": lambda a, b: torch.sin(a),
        "sinx2": lambda a, b: torch.sin(b),
        "cosx1": lambda a, b: torch.cos(a),
        "cosx2": lambda a, b: torch.cos(b),
    }

    def __init__(self, names):
        super().__init__()
        self.names = names or []

    def forward(self, x):
        if not self.names:
            return x
        a, b = x[:, 0].double(), x[:, -1].double()  # x2 is there whenever a feature needs it
        return torch.stack([self.FEATURES[n](a, b) for n in self.names], dim=1).float()


class Normalize(torch.nn.Module):
    """The model's input normalisation: (x - shift) * scale, per feature."""

    def __init__(self, shift, scale):
        super().__init__()
        self.register_buffer("shift", torch.tensor(shift, dtype=torch.float32))
        self.register_buffer("scale", torch.tensor(scale, dtype=torch.float32))

    def forward(self, x):
        return (x - self.shift) * self.scale


def read_inputs(path, meta):
    """The CSV's feature columns, by the model's feature names (else every column but `label`)."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = [h.strip() for h in rows[0]], rows[1:]
    names = meta.get("feature_names") or [h for h in header if h != "label"]
    columns = [header.index(n) for n in names]
    texts = [[row[c].strip() for c in columns] for row in rows if row]
    return names, texts, torch.tensor([[float(v) for v in row] for row in texts], dtype=torch.float32)


def main(model_path, input_path):
    model, meta = load(model_path)
    names, texts, x = read_inputs(input_path, meta)
    with torch.no_grad():
        outputs = model(x)
    classes = meta.get("class_names") or []
    out = csv.writer(sys.stdout, lineterminator="\n")
    width = outputs.shape[1]
    if classes:
        out.writerow(names + ["class", "probability"])
    else:
        out.writerow(names + (["prediction"] if width == 1 else [f"prediction_{k}" for k in range(1, width + 1)]))
    for text, o in zip(texts, outputs.tolist()):
        if classes and width == 1:  # one sigmoid output: the probability of class 1
            c = int(o[0] > 0.5)
            out.writerow(text + [classes[c], repr(o[0] if c else 1.0 - o[0])])
        elif classes:
            c = max(range(width), key=lambda k: (o[k], -k))
            out.writerow(text + [classes[c], repr(o[c])])
        else:
            out.writerow(text + [repr(v) for v in o])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: pytorch_load.py MODEL.safetensors INPUT.csv")
    main(sys.argv[1], sys.argv[2])
