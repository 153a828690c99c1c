#!/usr/bin/python3
"""Fixtures for loadOnnx / saveOnnx / quantizeOnnx (test/onnx_*.test.ts):

- mlp_fashion.onnx: a PyTorch MLP (Flatten, 784-64-10, ReLU) trained for two
  epochs on Fashion-MNIST (Debian's dataset-fashion-mnist) and exported with
  torch.onnx.export (opset 13, symbolic batch), plus torch's float32 logits
  on the first 8 test images and torch's test accuracy (mlp_fashion.json);
- small hand-built graphs, one per operator form loadOnnx reads (Gemm
  attributes, QDQ per tensor and per axis, MatMulInteger, QLinearMatMul,
  initializers in typed fields), and graphs it must refuse (unsupported ops,
  external data). The tests run them in onnxruntime-node: no Python there.

Run with Debian's python3-torch and python3-onnx: /usr/bin/python3 scripts/make_onnx_fixtures.py
Deterministic (seeded, one thread): the files regenerate byte-identical.
"""
import gzip
import json
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "onnx")
DATA = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(os.path.join(DATA, name)) as f:
        raw = f.read()
    rank = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


def fashion_mlp():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    x = torch.from_numpy(idx("train-images-idx3-ubyte.gz").copy()).float().div(255).unsqueeze(1)
    y = torch.from_numpy(idx("train-labels-idx1-ubyte.gz").copy()).long()
    xt = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz").copy()).float().div(255).unsqueeze(1)
    yt = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").copy()).long()
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    for _ in range(2):
        for idxs in torch.randperm(len(x), generator=g).split(128):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[idxs]), y[idxs]).backward()
            opt.step()
    model.eval()
    path = os.path.join(OUT, "mlp_fashion.onnx")
    with torch.no_grad():
        torch.onnx.export(model, xt[:1], path, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
        logits = model(xt[:8])
        accuracy = (model(xt).argmax(1) == yt).float().mean().item()
    np.save(os.path.join(OUT, "calibration_sample.npy"), xt[:4].numpy())  # numpy's own .npy writer, for the reader's test
    with open(os.path.join(OUT, "mlp_fashion.json"), "w") as f:
        json.dump({"inputShape": [8, 1, 28, 28], "input": xt[:8].reshape(-1).tolist(),
                   "logits": logits.reshape(-1).tolist(), "torchTestAccuracy": accuracy,
                   "torch": torch.__version__}, f)
        f.write("\n")


def save(graph, name, opset=13, **kw):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_onnx_fixtures", **kw)
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, name))


def f32(a):
    return np.asarray(a, dtype=np.float32)


def io(name, elem, dims):
    return helper.make_tensor_value_info(name, elem, dims)


def scalar(name, value, dtype):
    return numpy_helper.from_array(np.array(value, dtype=dtype), name)


def gemm_graphs(rng):
    """Gemm with transB, alpha, beta and C of dims [N] and [1, N]; MatMul + Add; Reshape and Flatten of the input."""
    w1 = f32(rng.standard_normal((24, 16)) * 0.3)  # [K, N]
    w2 = f32(rng.standard_normal((8, 16)) * 0.3)  # [N, K]: transB
    w3 = f32(rng.standard_normal((8, 5)) * 0.3)
    nodes = [
        helper.make_node("Reshape", ["input", "shape"], ["flat"], name="reshape"),
        helper.make_node("Gemm", ["flat", "w1", "c1"], ["h1"], name="gemm_alpha_beta", alpha=0.5, beta=2.0),
        helper.make_node("Relu", ["h1"], ["r1"], name="relu1"),
        helper.make_node("Gemm", ["r1", "w2", "c2"], ["h2"], name="gemm_transB", transB=1),
        helper.make_node("Relu", ["h2"], ["r2"], name="relu2"),
        helper.make_node("MatMul", ["r2", "w3"], ["h3"], name="matmul"),
        helper.make_node("Add", ["b3", "h3"], ["logits"], name="bias_first"),
    ]
    inits = [numpy_helper.from_array(np.array([0, -1], dtype=np.int64), "shape"),
             helper.make_tensor("w1", TensorProto.FLOAT, w1.shape, w1.reshape(-1).tolist()),  # typed float_data
             numpy_helper.from_array(f32(rng.standard_normal(16) * 0.1), "c1"),
             numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(f32(rng.standard_normal((1, 8)) * 0.1), "c2"),
             numpy_helper.from_array(w3, "w3"), numpy_helper.from_array(f32(rng.standard_normal(5) * 0.1), "b3")]
    save(helper.make_graph(nodes, "gemm_attrs", [io("input", TensorProto.FLOAT, ["batch", 4, 6])],
                           [io("logits", TensorProto.FLOAT, ["batch", 5])], inits), "gemm_attrs.onnx")
    # transA: the input is stored [features, batch].
    nodes = [helper.make_node("Gemm", ["input", "w2"], ["logits"], name="gemm_transA", transA=1, transB=1)]
    save(helper.make_graph(nodes, "gemm_transA", [io("input", TensorProto.FLOAT, [16, "batch"])],
                           [io("logits", TensorProto.FLOAT, ["batch", 8])], [numpy_helper.from_array(w2, "w2")]), "gemm_transA.onnx")


def qdq_graph(rng, per_axis, name):
    """ONNX Runtime quantize_static's QDQ form: uint8 activations, int8 weights (per tensor or per
    output channel), int32 bias through DequantizeLinear (scale x_scale * w_scale), Relu left to the
    output range, and a Gemm (transB) second layer."""
    k, n1, n2 = 20, 12, 6
    w1 = f32(rng.standard_normal((k, n1)) * 0.4)
    w2 = f32(rng.standard_normal((n2, n1)) * 0.4)
    xs, xz, hs, hz = 0.02, 128, 0.03, 0
    def qw(w, axis):
        amax = np.abs(w).max(axis=axis, keepdims=False) if per_axis else np.abs(w).max()
        s = f32(amax / 127)
        q = np.clip(np.round(w / (s if not per_axis else np.expand_dims(s, axis))), -127, 127).astype(np.int8)
        return q, f32(s)
    q1, s1 = qw(w1, 0)  # per column of [K, N]: axis 1
    q2, s2 = qw(w2, 1)  # per row of [N, K]: axis 0
    b1 = np.round(rng.standard_normal(n1) * 0.1 / (xs * s1)).astype(np.int32)
    nodes = [
        helper.make_node("QuantizeLinear", ["input", "xs", "xz"], ["xq"], name="q_in"),
        helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xdq"], name="dq_in"),
        helper.make_node("DequantizeLinear", ["w1q", "w1s"], ["w1dq"], name="dq_w1", **({"axis": 1} if per_axis else {})),
        helper.make_node("DequantizeLinear", ["b1q", "b1s"], ["b1dq"], name="dq_b1", axis=0),
        helper.make_node("MatMul", ["xdq", "w1dq"], ["mm1"], name="matmul1"),
        helper.make_node("Add", ["mm1", "b1dq"], ["h1"], name="add1"),
        helper.make_node("QuantizeLinear", ["h1", "hs", "hz"], ["hq"], name="q_h"),
        helper.make_node("DequantizeLinear", ["hq", "hs", "hz"], ["hdq"], name="dq_h"),
        helper.make_node("DequantizeLinear", ["w2q", "w2s"], ["w2dq"], name="dq_w2", **({"axis": 0} if per_axis else {})),
        helper.make_node("Gemm", ["hdq", "w2dq", "b2"], ["logits"], name="gemm2", transB=1),
    ]
    inits = [scalar("xs", xs, np.float32), scalar("xz", xz, np.uint8), scalar("hs", hs, np.float32), scalar("hz", hz, np.uint8),
             numpy_helper.from_array(q1, "w1q"), numpy_helper.from_array(s1, "w1s"),
             numpy_helper.from_array(b1, "b1q"), numpy_helper.from_array(f32(xs * s1) if per_axis else f32(np.full(n1, xs * s1)), "b1s"),
             helper.make_tensor("w2q", TensorProto.INT8, q2.shape, q2.reshape(-1).tolist()),  # typed int32_data
             numpy_helper.from_array(s2, "w2s"), numpy_helper.from_array(f32(rng.standard_normal(n2) * 0.1), "b2")]
    save(helper.make_graph(nodes, name, [io("input", TensorProto.FLOAT, ["batch", k])],
                           [io("logits", TensorProto.FLOAT, ["batch", n2])], inits), name + ".onnx")


def matmulinteger_graph(rng):
    """ONNX Runtime quantize_dynamic's form: DynamicQuantizeLinear, MatMulInteger (int8 weights,
    then uint8 weights with zero point 128), Cast, Mul by x_scale * w_scale, Add bias."""
    k, n1, n2 = 20, 10, 4
    w1 = np.clip(np.round(rng.standard_normal((k, n1)) * 40), -127, 127).astype(np.int8)
    w2 = np.clip(np.round(rng.standard_normal((n1, n2)) * 40) + 128, 0, 255).astype(np.uint8)
    nodes = []
    for i, (x, w, ws, wz, out, relu) in enumerate([("input", "w1", "w1s", "", "h", True), ("r", "w2", "w2s", "w2z", "logits", False)]):
        p = f"l{i}_"
        nodes += [helper.make_node("DynamicQuantizeLinear", [x], [p + "xq", p + "xs", p + "xz"], name=p + "dql"),
                  helper.make_node("MatMulInteger", [p + "xq", w, p + "xz"] + ([wz] if wz else []), [p + "acc"], name=p + "mmi"),
                  helper.make_node("Cast", [p + "acc"], [p + "accf"], name=p + "cast", to=TensorProto.FLOAT),
                  helper.make_node("Mul", [p + "xs", ws], [p + "s"], name=p + "scale"),
                  helper.make_node("Mul", [p + "accf", p + "s"], [p + "y"], name=p + "mul"),
                  helper.make_node("Add", [p + "y", f"b{i}"], [out if not relu else p + "yb"], name=p + "bias")]
        if relu:
            nodes.append(helper.make_node("Relu", [p + "yb"], ["r"], name=p + "relu"))
    inits = [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(f32(rng.uniform(0.001, 0.01, n1)), "w1s"),
             numpy_helper.from_array(w2, "w2"), scalar("w2s", 0.004, np.float32), scalar("w2z", 128, np.uint8),
             numpy_helper.from_array(f32(rng.standard_normal(n1) * 0.1), "b0"), numpy_helper.from_array(f32(rng.standard_normal(n2) * 0.1), "b1")]
    save(helper.make_graph(nodes, "matmul_integer", [io("input", TensorProto.FLOAT, ["batch", k])],
                           [io("logits", TensorProto.FLOAT, ["batch", n2])], inits), "matmul_integer.onnx")


def qlinearmatmul_graph(rng):
    """QOperator form: QuantizeLinear, two QLinearMatMul (per-column int8 weights, then uint8
    weights with a zero point), DequantizeLinear."""
    k, n1, n2 = 16, 8, 5
    w1 = np.clip(np.round(rng.standard_normal((k, n1)) * 40), -127, 127).astype(np.int8)
    w2 = np.clip(np.round(rng.standard_normal((n1, n2)) * 40) + 100, 0, 255).astype(np.uint8)
    nodes = [helper.make_node("QuantizeLinear", ["input", "xs", "xz"], ["xq"], name="q_in"),
             helper.make_node("QLinearMatMul", ["xq", "xs", "xz", "w1", "w1s", "w1z", "hs", "hz"], ["hq"], name="qlmm1"),
             helper.make_node("QLinearMatMul", ["hq", "hs", "hz", "w2", "w2s", "w2z", "ys", "yz"], ["yq"], name="qlmm2"),
             helper.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["logits"], name="dq_out")]
    inits = [scalar("xs", 0.02, np.float32), scalar("xz", 120, np.uint8),
             numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(f32(rng.uniform(0.002, 0.006, n1)), "w1s"),
             numpy_helper.from_array(np.zeros(n1, np.int8), "w1z"), scalar("hs", 0.05, np.float32), scalar("hz", 10, np.uint8),
             numpy_helper.from_array(w2, "w2"), scalar("w2s", 0.01, np.float32), scalar("w2z", 100, np.uint8),
             scalar("ys", 0.1, np.float32), scalar("yz", 128, np.uint8)]
    save(helper.make_graph(nodes, "qlinear_matmul", [io("input", TensorProto.FLOAT, ["batch", k])],
                           [io("logits", TensorProto.FLOAT, ["batch", n2])], inits), "qlinear_matmul.onnx")


def projection_graph(rng):
    """Transformer projections on [batch, seq, hidden]: MatMul + Add (bias [1, 1, N]), Relu, then
    quantize_dynamic's DynamicQuantizeLinear + MatMulInteger on the 3-D activation."""
    h, n1, n2 = 16, 24, 8
    w1 = f32(rng.standard_normal((h, n1)) * 0.3)
    w2 = np.clip(np.round(rng.standard_normal((n1, n2)) * 40), -127, 127).astype(np.int8)
    nodes = [helper.make_node("MatMul", ["input", "w1"], ["mm"], name="q_proj"),
             helper.make_node("Add", ["mm", "b1"], ["h"], name="q_bias"),
             helper.make_node("Relu", ["h"], ["r"], name="act"),
             helper.make_node("DynamicQuantizeLinear", ["r"], ["rq", "rs", "rz"], name="dql"),
             helper.make_node("MatMulInteger", ["rq", "w2", "rz"], ["acc"], name="o_proj"),
             helper.make_node("Cast", ["acc"], ["accf"], name="cast", to=TensorProto.FLOAT),
             helper.make_node("Mul", ["rs", "w2s"], ["s"], name="scale"),
             helper.make_node("Mul", ["accf", "s"], ["y"], name="mul"),
             helper.make_node("Add", ["y", "b2"], ["out"], name="o_bias")]
    inits = [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(f32(rng.standard_normal((1, 1, n1)) * 0.1), "b1"),
             numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(f32(rng.uniform(0.002, 0.006, n2)), "w2s"),
             numpy_helper.from_array(f32(rng.standard_normal(n2) * 0.1), "b2")]
    save(helper.make_graph(nodes, "projection", [io("input", TensorProto.FLOAT, ["batch", "seq", h])],
                           [io("out", TensorProto.FLOAT, ["batch", "seq", n2])], inits), "projection_3d.onnx")


def refused_graphs(rng):
    """Graphs loadOnnx must refuse: several unsupported operators (one error lists them all), and external data."""
    w = f32(rng.standard_normal((8, 4)))
    nodes = [helper.make_node("MatMul", ["input", "w"], ["h"], name="fc"),
             helper.make_node("Sigmoid", ["h"], ["s"], name="gate"),
             helper.make_node("Softmax", ["s"], ["p"], name="probs", axis=1),
             helper.make_node("LayerNormalization", ["p", "g", "b"], ["logits"], name="norm", axis=-1)]
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(f32(np.ones(4)), "g"), numpy_helper.from_array(f32(np.zeros(4)), "b")]
    graph = helper.make_graph(nodes, "unsupported", [io("input", TensorProto.FLOAT, ["batch", 8])], [io("logits", TensorProto.FLOAT, ["batch", 4])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="make_onnx_fixtures")
    model.ir_version = 8
    onnx.save(model, os.path.join(OUT, "unsupported_ops.onnx"))
    t = numpy_helper.from_array(w, "w")
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    for key, value in [("location", "weights.bin"), ("offset", "0"), ("length", str(w.nbytes))]:
        entry = t.external_data.add()
        entry.key, entry.value = key, value
    graph = helper.make_graph([helper.make_node("MatMul", ["input", "w"], ["logits"], name="fc")], "external",
                              [io("input", TensorProto.FLOAT, ["batch", 8])], [io("logits", TensorProto.FLOAT, ["batch", 4])], [t])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_onnx_fixtures")
    model.ir_version = 8
    onnx.save(model, os.path.join(OUT, "external_data.onnx"))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(16)
    gemm_graphs(rng)
    qdq_graph(rng, False, "qdq_per_tensor")
    qdq_graph(rng, True, "qdq_per_axis")
    matmulinteger_graph(rng)
    qlinearmatmul_graph(rng)
    refused_graphs(rng)
    projection_graph(rng)
    fashion_mlp()
    print("wrote", sorted(os.listdir(OUT)))
