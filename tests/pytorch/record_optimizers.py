"""Records PyTorch's optimizer steps as golden values for nn-train's optimizer tests.

Usage (a Python with torch installed, outside the repo; never needed by CI):

    /opt/torch-venv/bin/python tests/pytorch/record_optimizers.py

writes tests/pytorch/optimizers.json. Each case starts from the same parameters,
feeds the same fixed gradient sequence to one torch.optim optimizer and records the
parameters after every step, exactly as PyTorch printed them (float32).

The gradient of step t is g_t: the objective is `(g_t * w).sum()`, plus
`l1 * w.abs().sum()` when a case has an L1 penalty (PyTorch has no L1 option, so
autograd derives its gradient `l1 * sign(w)` here). L2 is the optimizer's own
`weight_decay` for SGD and Adam (nn-train's `l2`); AdamW's `weight_decay` is the
decoupled decay of nn-train's `AdamW { weight_decay }`.
"""
import json
import pathlib
import re

import torch

OUT = pathlib.Path(__file__).with_name("optimizers.json")

INITIAL = [1.0, -0.5, 0.0, 2.5, -3.0]
GRADIENTS = [
    [0.2, 0.4, -0.3, 1.5, -0.01],
    [-0.1, 0.3, 0.25, 1.2, 0.02],
    [0.05, -0.6, 0.1, 0.9, -0.03],
    [0.3, 0.1, -0.2, 0.6, 0.0],
    [-0.25, 0.2, 0.05, 0.3, 0.04],
    [0.1, -0.1, 0.15, -0.2, -0.05],
]

# name: (torch optimizer, its keyword arguments, L1 coefficient)
CASES = {
    "sgd": ("SGD", {"lr": 0.1}, 0.0),
    "sgd_l2": ("SGD", {"lr": 0.1, "weight_decay": 0.05}, 0.0),
    "sgd_l1_l2": ("SGD", {"lr": 0.1, "weight_decay": 0.05}, 0.02),
    "momentum": ("SGD", {"lr": 0.1, "momentum": 0.9}, 0.0),
    "momentum_l2": ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}, 0.0),
    "nesterov": ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, 0.0),
    "nesterov_l2": ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.02}, 0.0),
    "adam": ("Adam", {"lr": 0.01}, 0.0),
    "adam_l2": ("Adam", {"lr": 0.01, "weight_decay": 0.1}, 0.0),
    "adam_l1": ("Adam", {"lr": 0.01}, 0.05),
    "adam_betas": ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6}, 0.0),
    "adamw": ("AdamW", {"lr": 0.01}, 0.0),
    "adamw_decay": ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "betas": (0.85, 0.995)}, 0.0),
}


def run(optimizer, kwargs, l1):
    w = torch.tensor(INITIAL, dtype=torch.float32, requires_grad=True)
    opt = getattr(torch.optim, optimizer)([w], **kwargs)
    after = []
    for g in GRADIENTS:
        opt.zero_grad()
        objective = (torch.tensor(g, dtype=torch.float32) * w).sum()
        if l1:
            objective = objective + l1 * w.abs().sum()
        objective.backward()
        opt.step()
        after.append([float(v) for v in w.detach()])
    return after


def compact_json(value):
    """Indented JSON with every list of numbers on one line, so a diff shows one row per step."""
    text = json.dumps(value, indent=1)
    return re.sub(r"\[[-0-9.e,\s]*\]", lambda m: " ".join(m.group(0).split()), text) + "\n"


def main():
    cases = []
    for name, (optimizer, kwargs, l1) in CASES.items():
        # Every setting the optimizer actually used, defaults included.
        group = torch.optim.__dict__[optimizer]([torch.zeros(1, requires_grad=True)], **kwargs).defaults
        settings = {
            "lr": group["lr"],
            "weight_decay": group.get("weight_decay", 0.0),
        }
        if optimizer == "SGD":
            settings.update(momentum=group["momentum"], nesterov=group["nesterov"], dampening=group["dampening"])
        else:
            settings.update(betas=list(group["betas"]), eps=group["eps"], amsgrad=group["amsgrad"])
        args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        cases.append({
            "name": name,
            "torch_call": f"torch.optim.{optimizer}([w], {args})" + (f"; loss += {l1} * w.abs().sum()" if l1 else ""),
            "optimizer": optimizer,
            "settings": settings,
            "l1": l1,
            "after_each_step": run(optimizer, kwargs, l1),
        })
    fixture = {
        "generated_by": "tests/pytorch/record_optimizers.py",
        "torch_version": torch.__version__,
        "initial": INITIAL,
        "gradients": GRADIENTS,
        "cases": cases,
    }
    OUT.write_text(compact_json(fixture))
    print(f"wrote {OUT} ({len(cases)} cases, torch {torch.__version__})")


if __name__ == "__main__":
    main()
