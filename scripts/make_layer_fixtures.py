#!/usr/bin/python3
"""Fixtures for the ONNX integer matmul operators (MatMulInteger, QLinearMatMul):
the backend test cases that Debian's python3-onnx ships, captured by running
their exporters (onnx_matmul.json), and numpy implementations of the spec for
every zero-point and scale shape it allows (onnx_matmul_zero_points.json:
onnx 1.12 has no onnx.reference to run instead).
Run with Debian's python (it has onnx): /usr/bin/python3 scripts/make_layer_fixtures.py
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


RANGES = {"uint8": (0, 255), "int8": (-128, 127)}


def per_spec(zp, operand_rank, side):
    """A zero point or scale broadcast as the spec describes: A's [M] means per
    row ([M, 1]); B's [N] is already per column; [batch, M, 1] / [batch, 1, N]
    broadcast as they are."""
    zp = np.asarray(zp)
    if side == "a" and zp.ndim == 1 and zp.size > 1:
        return zp.reshape(-1, 1)
    return zp


def qlinear(a, sa, za, b, sb, zb, sy, zy):
    """QLinearMatMul per the spec, in qgemm's documented float32 order:
    f = float32(acc) * float32(sa * sb); y = saturate(rint(float32(f / sy)) + zy)."""
    acc = np.matmul(a.astype(np.int32) - per_spec(za, a.ndim, "a").astype(np.int32),
                    b.astype(np.int32) - per_spec(zb, b.ndim, "b").astype(np.int32))
    scale = (per_spec(sa, a.ndim, "a").astype(np.float32) * per_spec(sb, b.ndim, "b").astype(np.float32)).astype(np.float32)
    f = (acc.astype(np.float32) * scale).astype(np.float32)
    q = np.rint(np.divide(f, np.float32(sy), dtype=np.float32)) + np.float32(zy)
    lo, hi = RANGES[str(np.asarray(zy).dtype)]
    return np.clip(q, lo, hi).astype(np.asarray(zy).dtype)


def zero_point_shape_cases(rng):
    """Every zero-point (and, for QLinearMatMul, scale) shape the spec allows:
    A per tensor / [M] / [M, 1] / [batch, M, 1]; B per tensor / [N] / [batch, 1, N]."""
    cases = []

    def ints(dtype, shape):
        return rng.integers(*RANGES[dtype], size=shape, endpoint=True).astype(dtype)

    for i, (ta, tb, a_shape, b_shape, za_shape, zb_shape) in enumerate([
            ("uint8", "int8", (2, 3, 4), (2, 4, 5), (2, 3, 1), (2, 1, 5)),
            ("uint8", "int8", (2, 3, 7), (2, 7, 5), (), (2, 1, 5)),  # the batched B zero point of ONNX's spec
            ("int8", "uint8", (3, 4), (2, 4, 5), (3,), (2, 1, 5)),
            ("uint8", "uint8", (1, 3, 4), (3, 4, 6), (1, 3, 1), (3, 1, 6)),
            ("int8", "int8", (2, 3, 9), (9, 5), (2, 3, 1), (5,)),
            ("uint8", "int8", (4, 6), (6, 3), (4, 1), (3,)),
            ("int8", "int8", (3, 5, 17), (3, 17, 2), (3, 5, 1), (3, 1, 2))]):
        a, b = ints(ta, a_shape), ints(tb, b_shape)
        za, zb = ints(ta, za_shape), ints(tb, zb_shape)
        y = np.matmul(a.astype(np.int32) - per_spec(za, a.ndim, "a").astype(np.int32),
                      b.astype(np.int32) - per_spec(zb, b.ndim, "b").astype(np.int32)).astype(np.int32)
        cases.append({"op": "MatMulInteger", "name": f"zero_points_{i}_{ta}_{tb}",
                      "inputs": [tensor(a), tensor(b), tensor(za), tensor(zb)], "outputs": [tensor(y)]})
    for i, (ta, tb, ty, a_shape, b_shape, pa_shape, pb_shape) in enumerate([
            ("uint8", "int8", "uint8", (2, 3, 4), (2, 4, 5), (2, 3, 1), (2, 1, 5)),
            ("int8", "int8", "int8", (3, 6), (6, 4), (3,), (4,)),
            ("uint8", "uint8", "int8", (2, 3, 8), (2, 8, 5), (), (2, 1, 5)),
            ("int8", "uint8", "uint8", (4, 5), (3, 5, 2), (4, 1), (3, 1, 2))]):
        a, b = ints(ta, a_shape), ints(tb, b_shape)
        za, zb = ints(ta, pa_shape), ints(tb, pb_shape)
        sa = rng.uniform(0.005, 0.05, pa_shape).astype(np.float32)
        sb = rng.uniform(0.005, 0.05, pb_shape).astype(np.float32)
        sy = np.float32(rng.uniform(0.02, 0.2))
        zy = ints(ty, ())
        y = qlinear(a, sa, za, b, sb, zb, sy, zy)
        cases.append({"op": "QLinearMatMul", "name": f"scale_and_zero_point_shapes_{i}_{ta}_{tb}_{ty}",
                      "inputs": [tensor(a), tensor(sa), tensor(za), tensor(b), tensor(sb), tensor(zb), tensor(sy), tensor(zy)],
                      "outputs": [tensor(y)]})
    return cases


def write(name, cases):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(cases, f, separators=(",", ":"))
    print(f"{path}: {len(cases)} cases, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    cases = backend_cases("matmulinteger", "MatMulInteger") + backend_cases("qlinearmatmul", "QLinearMatMul")
    cases += random_matmulinteger_cases(np.random.default_rng(2026))
    write("onnx_matmul.json", cases)
    write("onnx_matmul_zero_points.json", zero_point_shape_cases(np.random.default_rng(2027)))
