"""Records PyTorch training trajectories for nn-train's trajectory test.

Usage (a Python with torch installed, outside the repo; never needed by CI):

    /opt/torch-venv/bin/python tests/pytorch/record_trajectories.py

writes tests/pytorch/trajectories.json. Each case is a small network built from
torch.nn.Linear layers with PyTorch's own initial weights, a fixed data set fed in
order (DataLoader(shuffle=False) semantics: consecutive slices of `batch` samples,
the last one shorter, then again from the start), and one torch.optim optimizer.
The fixture keeps the initial weights, the data, PyTorch's loss at each of the
first STEPS steps (loss.item() of the batch, before that step's update) and the
weights after the last step, all float32 as PyTorch printed them.

Inputs are used as they are: nn-train must run these with no input normalisation.
"""
import json
import pathlib
import re

import torch

OUT = pathlib.Path(__file__).with_name("trajectories.json")
STEPS = 20

ACTIVATIONS = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}

# Losses as nn-train names them, in PyTorch. mse, ce and bce are PyTorch's own; the
# seed's 1/2 sum_k (d_k - o_k)^2 per sample, mean over the batch, is written out
# (as shared/bench/torch_bench.py does).
LOSSES = {
    "mse": ("torch.nn.MSELoss()", torch.nn.MSELoss()),
    "seed": ("0.5 * ((o - d) ** 2).sum(1).mean()", lambda o, d: 0.5 * ((o - d) ** 2).sum(1).mean()),
    "ce": ("torch.nn.CrossEntropyLoss() on the logits", torch.nn.CrossEntropyLoss()),
    "bce": ("torch.nn.BCELoss() on sigmoid outputs", torch.nn.BCELoss()),
}

SETTINGS = ["lr", "momentum", "dampening", "nesterov", "weight_decay", "betas", "eps", "amsgrad", "maximize"]

CASES = [
    {
        "name": "seed_network_sigmoid_mse_sgd",
        "about": "the seed's 784-100-10 sigmoid network scaled down to 16-12-10, PyTorch's MSELoss, plain SGD",
        "sizes": [16, 12, 10], "hidden": "sigmoid", "output": "sigmoid", "loss": "mse",
        "task": "classification", "samples": 40, "batch": 16, "seed": 1,
        "optimizer": ("SGD", {"lr": 5.0}),
    },
    {
        "name": "seed_network_sigmoid_seed_loss_sgd",
        "about": "the same network, weights and data with the seed's own loss 1/2 sum (d - o)^2 at a fifth "
        "of the rate: K/2 = 5 times mse's gradient, so the same trajectory, and 5 times mse's loss",
        "sizes": [16, 12, 10], "hidden": "sigmoid", "output": "sigmoid", "loss": "seed",
        "task": "classification", "samples": 40, "batch": 16, "seed": 1,
        "optimizer": ("SGD", {"lr": 1.0}),
    },
    {
        "name": "relu_softmax_ce_adam",
        "about": "ReLU hidden layers, softmax output with cross-entropy, Adam",
        "sizes": [8, 16, 16, 4], "hidden": "relu", "output": "softmax", "loss": "ce",
        "task": "classification", "samples": 44, "batch": 12, "seed": 3,
        "optimizer": ("Adam", {"lr": 0.01}),
    },
    {
        "name": "tanh_bce_momentum",
        "about": "tanh hidden layer, three sigmoid outputs with binary cross-entropy, SGD with momentum",
        "sizes": [6, 10, 3], "hidden": "tanh", "output": "sigmoid", "loss": "bce",
        "task": "classification", "samples": 36, "batch": 10, "seed": 4,
        "optimizer": ("SGD", {"lr": 0.1, "momentum": 0.9}),
    },
    {
        "name": "regression_linear_mse_nesterov_l2",
        "about": "regression: tanh hidden layer, linear outputs, MSELoss, Nesterov momentum with weight decay (nn-train's L2)",
        "sizes": [3, 8, 2], "hidden": "tanh", "output": "linear", "loss": "mse",
        "task": "regression", "samples": 30, "batch": 8, "seed": 5,
        "optimizer": ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    },
]


def build(sizes, hidden, output):
    mods = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        mods.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            mods.append(ACTIVATIONS[hidden]())
        elif output in ACTIVATIONS:
            mods.append(ACTIVATIONS[output]())
        # softmax: CrossEntropyLoss takes the logits; linear: nothing.
    return torch.nn.Sequential(*mods)


def state(model):
    """The weights as nn-tui's model files name them: layers.{i}.weight [out, in], layers.{i}.bias."""
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    out = {}
    for i, layer in enumerate(linears):
        out[f"layers.{i}.weight"] = [[float(v) for v in row] for row in layer.weight.detach()]
        out[f"layers.{i}.bias"] = [float(v) for v in layer.bias.detach()]
    return out


def data(case, generator):
    """Inputs in [0, 1) with three decimals (so the text is short and both sides read the
    same float32); classes from a fixed random linear map of the inputs, or regression
    targets from a smooth function of them."""
    n, d, k = case["samples"], case["sizes"][0], case["sizes"][-1]
    x = torch.round(torch.rand(n, d, generator=generator, dtype=torch.float64) * 1000) / 1000
    mix = torch.randn(d, k, generator=generator, dtype=torch.float64)
    if case["task"] == "classification":
        return x, (x @ mix).argmax(1)
    y = torch.round(torch.sin(3 * (x - 0.5) @ mix) * 1000) / 1000
    return x, y


def run(case):
    seed = case["seed"]
    generator = torch.Generator().manual_seed(seed)
    x64, y = data(case, generator)
    torch.manual_seed(seed)
    model = build(case["sizes"], case["hidden"], case["output"])
    initial = state(model)
    optimizer_name, kwargs = case["optimizer"]
    opt = getattr(torch.optim, optimizer_name)(model.parameters(), **kwargs)
    _, loss_fn = LOSSES[case["loss"]]
    x = x64.to(torch.float32)
    if case["task"] == "regression":
        target = y.to(torch.float32)
    elif case["loss"] == "ce":
        target = y
    else:
        target = torch.nn.functional.one_hot(y, case["sizes"][-1]).to(torch.float32)
    n, batch = case["samples"], case["batch"]
    losses = []
    step = 0
    while step < STEPS:
        for start in range(0, n, batch):
            if step == STEPS:
                break
            opt.zero_grad()
            loss = loss_fn(model(x[start:start + batch]), target[start:start + batch])
            loss.backward()
            opt.step()
            losses.append(float(loss.item()))
            step += 1
    record = {
        "name": case["name"],
        "about": case["about"],
        "torch_seed": case["seed"],
        "sizes": case["sizes"],
        "hidden": case["hidden"],
        "output": case["output"],
        "loss": case["loss"],
        "torch_loss": LOSSES[case["loss"]][0],
        "optimizer": optimizer_name,
        # Every setting the optimizer used, its defaults included.
        "settings": {k: list(v) if isinstance(v, tuple) else v for k, v in opt.defaults.items() if k in SETTINGS},
        "torch_call": f"torch.optim.{optimizer_name}(model.parameters(), "
        + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")",
        "batch": batch,
        "inputs": [[float(v) for v in row] for row in x64],
    }
    if case["task"] == "classification":
        record["classes"] = [int(c) for c in y]
    else:
        record["targets"] = [[float(v) for v in row] for row in y]
    record |= {"initial": initial, "losses": losses, "final": state(model)}
    return record


def compact_json(value):
    """Indented JSON with every list of numbers on one line."""
    text = json.dumps(value, indent=1)
    return re.sub(r"\[[-0-9.e,\s]*\]", lambda m: " ".join(m.group(0).split()), text) + "\n"


def main():
    torch.set_num_threads(1)
    cases = [run(case) for case in CASES]
    fixture = {
        "generated_by": "tests/pytorch/record_trajectories.py",
        "torch_version": torch.__version__,
        "steps": STEPS,
        "cases": cases,
    }
    OUT.write_text(compact_json(fixture))
    print(f"wrote {OUT} ({len(cases)} cases, torch {torch.__version__})")
    for c in cases:
        print(f"  {c['name']}: loss {c['losses'][0]:.5f} -> {c['losses'][-1]:.5f}")


if __name__ == "__main__":
    main()
