"""Runs an ONNX file exported by `nn-tui export` in ONNX Runtime, for tests/e2e/onnx.rs.

Usage: run_onnxruntime.py MODEL.onnx FEATURES.csv

FEATURES.csv has a header row, then one row of raw features per sample, in the model's
order. The model is first checked against the ONNX standard (onnx.checker, full check:
every node against its operator's schema, with shape inference). Prints the name of the
graph's output, then one CSV row of outputs per sample, each float32 written with enough
digits to be read back exactly.
"""

import sys

import numpy as np
import onnx
import onnxruntime


def main() -> None:
    model_path, features_path = sys.argv[1:]
    onnx.checker.check_model(onnx.load(model_path), full_check=True)
    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    (graph_input,) = session.get_inputs()
    (graph_output,) = session.get_outputs()
    features = np.loadtxt(features_path, delimiter=",", skiprows=1, dtype=np.float32, ndmin=2)
    (outputs,) = session.run([graph_output.name], {graph_input.name: features})
    if outputs.dtype != np.float32 or outputs.shape[0] != features.shape[0]:
        sys.exit(f"unexpected output {outputs.dtype} {outputs.shape} for {features.shape[0]} rows")
    lines = [graph_output.name]
    lines += [",".join(repr(float(v)) for v in row) for row in outputs]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
