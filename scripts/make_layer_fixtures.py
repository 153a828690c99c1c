#!/usr/bin/python3
"""Fixtures for the ONNX integer matmul operators (MatMulInteger, QLinearMatMul):
the backend test cases that Debian's python3-onnx ships, captured by running
their exporters. Run with Debian's python (it has onnx): /usr/bin/python3 scripts/make_layer_fixtures.py
"""
import json
import os

import numpy as np

from onnx_cases import run_exporters

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "layers")


def tensor(a):
    a = np.asarray(a)
    return {"dtype": str(a.dtype), "shape": list(a.shape), "data": a.reshape(-1).tolist()}


def backend_cases(mod_name, cls_name):
    cases = []

    def on_case(node, inputs, outputs, name):
        cases.append({"op": node.op_type, "name": name,
                      "inputs": [tensor(i) for i in inputs], "outputs": [tensor(o) for o in outputs]})
    run_exporters(mod_name, cls_name, on_case)
    return cases


def random_matmulinteger_cases(rng):
    """MatMulInteger's definition in numpy int32: every int8/uint8 pairing,
    per-tensor, per-row and per-column zero points, 2-D and batched 3-D."""
    cases = []
    for i, (ta, tb, a_shape, b_shape, per_row, per_col) in enumerate([
            ("uint8", "int8", (5, 7), (7, 3), False, False),
            ("int8", "int8", (4, 9), (9, 6), True, True),
            ("uint8", "uint8", (3, 17), (17, 5), True, False),
            ("int8", "uint8", (6, 33), (33, 4), False, True),
            ("uint8", "int8", (2, 3, 8), (8, 5), False, True),
            ("int8", "int8", (1, 4, 10), (3, 10, 2), False, False),
            ("uint8", "int8", (3, 4, 10), (3, 10, 2), True, True)]):
        info = {"uint8": (0, 255), "int8": (-128, 127)}
        a = rng.integers(*info[ta], size=a_shape, endpoint=True).astype(ta)
        b = rng.integers(*info[tb], size=b_shape, endpoint=True).astype(tb)
        m, n = a_shape[-2], b_shape[-1]
        za = rng.integers(*info[ta], size=(m,) if per_row else (1,), endpoint=True).astype(ta)
        zb = rng.integers(*info[tb], size=(n,) if per_col else (1,), endpoint=True).astype(tb)
        za_col = za.astype(np.int32).reshape(-1, 1) if per_row else za.astype(np.int32)
        y = np.matmul(a.astype(np.int32) - za_col, b.astype(np.int32) - zb.astype(np.int32)).astype(np.int32)
        cases.append({"op": "MatMulInteger", "name": f"random_{i}_{ta}_{tb}",
                      "inputs": [tensor(a), tensor(b), tensor(za), tensor(zb)], "outputs": [tensor(y)]})
    return cases


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    cases = backend_cases("matmulinteger", "MatMulInteger") + backend_cases("qlinearmatmul", "QLinearMatMul")
    cases += random_matmulinteger_cases(np.random.default_rng(2026))
    path = os.path.join(OUT, "onnx_matmul.json")
    with open(path, "w") as f:
        json.dump(cases, f, separators=(",", ":"))
    print(f"{path}: {len(cases)} cases, {os.path.getsize(path)} bytes")
