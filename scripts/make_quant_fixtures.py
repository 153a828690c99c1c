#!/usr/bin/python3
"""Builds test/fixtures/quant/*.json from the references: onnx 1.12's operator
examples (backend test cases), numpy float32 implementations of the ONNX specs,
PyTorch 1.13's torch.ao.quantization observers, and its fake-quantize kernels.

Run: /usr/bin/python3 scripts/make_quant_fixtures.py [onnx] [observers] [histogram] [fake]
Float32 arrays are stored as base64 of little-endian bytes ({"f32": ...});
scalars as JSON numbers (a float32 value printed as the double it is: exact).
"""
import base64
import json
import os
import sys
import warnings

import numpy as np
import torch

from onnx_cases import run_exporters

warnings.simplefilter("ignore")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "quant")


def enc(a):
    a = np.ascontiguousarray(a)
    kind = {np.float32: "f32", np.int8: "i8", np.uint8: "u8", np.int32: "i32"}[a.dtype.type]
    return {kind: base64.b64encode(a.tobytes()).decode(), "shape": list(a.shape)}


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
    print(f"{name}: {os.path.getsize(path)} bytes")


# ---------------------------------------------------------------- ONNX ---

def collect_onnx_examples():
    """The operator examples, with their node's axis attribute."""
    cases = []

    def on_case(node, inputs, outputs, name):
        attrs = {a.name: a.i for a in node.attribute}
        cases.append({"op": node.op_type, "name": name, "inputs": [np.asarray(i) for i in inputs],
                      "outputs": [np.asarray(o) for o in outputs], "axis": attrs.get("axis", 1)})
    for mod_name, cls_name in [("quantizelinear", "QuantizeLinear"), ("dequantizelinear", "DequantizeLinear"),
                               ("dynamicquantizelinear", "DynamicQuantizeLinear")]:
        run_exporters(mod_name, cls_name, on_case)
    return cases


def onnx_quantize(x, scale, zp, axis=1):
    """QuantizeLinear per the spec in float32: saturate(rint(float32(x / scale)) + zp)."""
    x = x.astype(np.float32)
    scale = np.asarray(scale, np.float32)
    zp = np.asarray(zp)
    if scale.ndim == 1 and scale.size > 1 or (scale.ndim == 1 and x.ndim > 1):
        shape = [1] * x.ndim
        shape[axis] = -1
        scale = scale.reshape(shape)
        zp = zp.reshape(shape)
    info = np.iinfo(zp.dtype)
    q = np.rint(np.divide(x, scale, dtype=np.float32)) + zp.astype(np.float32)
    return np.clip(q, info.min, info.max).astype(zp.dtype)


def onnx_dequantize(x, scale, zp, axis=1):
    scale = np.asarray(scale, np.float32)
    zp = np.zeros((), x.dtype) if zp is None else np.asarray(zp)
    if scale.ndim == 1 and x.ndim > 1 and scale.size > 1:
        shape = [1] * x.ndim
        shape[axis] = -1
        scale = scale.reshape(shape)
        zp = zp.reshape(shape)
    return ((x.astype(np.float32) - zp.astype(np.float32)) * scale).astype(np.float32)


def onnx_dynamic(x):
    """DynamicQuantizeLinear's function body, op by op in float32."""
    x = x.astype(np.float32)
    qmin, qmax = np.float32(0), np.float32(255)
    xmin = np.minimum(np.min(x), qmin)
    xmax = np.maximum(np.max(x), qmin)
    scale = np.float32((xmax - xmin) / qmax)
    zp = np.rint(np.clip(qmin - np.float32(xmin / scale), qmin, qmax)).astype(np.uint8)
    return onnx_quantize(x, scale, zp), scale, zp


def trap_cases(rng, n):
    """Inputs where float64 x / scale rounds to a different integer than float32 x / scale."""
    xs, ss = [], []
    while len(xs) < n:
        s = np.float32(rng.uniform(0.001, 0.1))
        k = int(rng.integers(-120, 120))
        x = np.float32((k + 0.5) * float(s))
        for cand in (x, np.nextafter(x, np.float32(np.inf)), np.nextafter(x, np.float32(-np.inf))):
            a = np.rint(np.divide(cand, s, dtype=np.float32))
            b = np.rint(np.float64(cand) / np.float64(s))
            if a != b:
                xs.append(cand)
                ss.append(s)
                break
    return np.array(xs, np.float32), np.array(ss, np.float32)


def onnx_fixtures():
    rng = np.random.default_rng(20240501)
    cases = []
    for c in collect_onnx_examples():
        ins, outs = c["inputs"], c["outputs"]
        case = {"op": c["op"], "name": c["name"], "axis": c["axis"]}
        if c["op"] == "DynamicQuantizeLinear":
            y, s, z = onnx_dynamic(ins[0])
            assert np.array_equal(y, outs[0]) and s == outs[1] and z == outs[2], c["name"]
            case.update(x=enc(ins[0]), y=enc(outs[0]), scale=float(outs[1]), zeroPoint=int(outs[2]))
        elif c["op"] == "QuantizeLinear":
            assert np.array_equal(onnx_quantize(ins[0], ins[1], ins[2], c["axis"]), outs[0]), c["name"]
            case.update(x=enc(ins[0]), scale=enc(np.asarray(ins[1], np.float32)), zeroPoint=enc(np.asarray(ins[2])), y=enc(outs[0]))
        else:
            assert np.array_equal(onnx_dequantize(ins[0], ins[1], ins[2], c["axis"]), outs[0]), c["name"]
            case.update(x=enc(ins[0]), scale=enc(np.asarray(ins[1], np.float32)), zeroPoint=enc(np.asarray(ins[2])), y=enc(outs[0]))
        case["source"] = "onnx 1.12 backend test case"
        cases.append(case)

    def q(name, x, scale, zp, axis=1):
        y = onnx_quantize(x, scale, zp, axis)
        cases.append({"op": "QuantizeLinear", "name": name, "axis": axis, "x": enc(x),
                      "scale": enc(np.asarray(scale, np.float32)), "zeroPoint": enc(np.asarray(zp)), "y": enc(y),
                      "source": "numpy float32 spec"})

    for dt in (np.uint8, np.int8):
        info = np.iinfo(dt)
        x = rng.normal(0, 3, 300).astype(np.float32)
        q(f"random_{dt.__name__}", x, np.float32(0.037), dt(int(rng.integers(info.min, info.max))))
        # exact ties: power-of-two scale makes x / scale land on k + 0.5
        k = rng.integers(-300, 300, 200)
        q(f"ties_{dt.__name__}", ((k + 0.5) * 0.25).astype(np.float32), np.float32(0.25), dt(3 if dt == np.int8 else 100))
        # saturation on both sides, infinities
        x = np.concatenate([rng.uniform(-1e4, 1e4, 100), [np.inf, -np.inf, 3.4e38, -3.4e38, 1e-30]]).astype(np.float32)
        q(f"saturate_{dt.__name__}", x, np.float32(0.5), dt(info.min // 2 + 64))
        xs, ss = trap_cases(rng, 60)
        # one scale per element: a [60] tensor quantized per-axis along axis 0
        q(f"float32_traps_{dt.__name__}", xs, ss, np.zeros(60, dt), 0)
        x = rng.normal(0, 2, (2, 3, 4, 5)).astype(np.float32)
        for axis in (0, 1, 3, -1):
            n = x.shape[axis]
            q(f"per_axis_{axis}_{dt.__name__}", x, rng.uniform(0.01, 0.1, n).astype(np.float32),
              rng.integers(info.min, info.max, n).astype(dt), axis)
    nan = np.array([np.nan, 1.0, -np.nan, 2.0], np.float32)
    q("nan_uint8", nan, np.float32(0.5), np.uint8(128))
    q("nan_int8", nan, np.float32(0.5), np.int8(-5))

    def dq(name, x, scale, zp, axis=1):
        y = onnx_dequantize(x, scale, zp, axis)
        case = {"op": "DequantizeLinear", "name": name, "axis": axis, "x": enc(x),
                "scale": enc(np.asarray(scale, np.float32)), "y": enc(y), "source": "numpy float32 spec"}
        if zp is not None:
            case["zeroPoint"] = enc(np.asarray(zp))
        cases.append(case)

    dq("random_uint8", rng.integers(0, 256, 200).astype(np.uint8), np.float32(0.0123), np.uint8(77))
    dq("random_int8", rng.integers(-128, 128, 200).astype(np.int8), np.float32(0.0311), np.int8(-9))
    dq("random_int32", rng.integers(-2**31, 2**31 - 1, 200).astype(np.int32), np.float32(1.7e-5), None)
    x = rng.integers(-128, 128, (3, 4, 5)).astype(np.int8)
    dq("per_axis_2_int8", x, rng.uniform(0.01, 1, 5).astype(np.float32), rng.integers(-128, 128, 5).astype(np.int8), 2)

    for name, x in [("normal", rng.normal(0.3, 2, 400)), ("positive", rng.uniform(0.5, 7, 100)),
                    ("negative", rng.uniform(-9, -0.1, 100)), ("ties", np.arange(-12, 20) * 0.5)]:
        x = x.astype(np.float32)
        y, s, z = onnx_dynamic(x)
        cases.append({"op": "DynamicQuantizeLinear", "name": "random_" + name, "x": enc(x), "y": enc(y),
                      "scale": float(s), "zeroPoint": int(z), "source": "numpy float32 function body"})
    write("onnx.json", {"cases": cases})


# ------------------------------------------------------------- PyTorch ---

from torch.ao.quantization import observer as tobs  # noqa: E402

QSCHEMES = {"per_tensor_affine": torch.per_tensor_affine, "per_tensor_symmetric": torch.per_tensor_symmetric,
            "per_channel_affine": torch.per_channel_affine, "per_channel_symmetric": torch.per_channel_symmetric}
DTYPES = {"int8": torch.qint8, "uint8": torch.quint8}


def torch_kwargs(cfg):
    kw = {"dtype": DTYPES[cfg["dtype"]], "qscheme": QSCHEMES[cfg["qscheme"]], "reduce_range": cfg.get("reduceRange", False)}
    if "quantMin" in cfg:
        kw["quant_min"], kw["quant_max"] = cfg["quantMin"], cfg["quantMax"]
    return kw


def datasets(rng, shape):
    """Seeded batches whose range grows between observe() calls."""
    n = int(np.prod(shape))
    out = {}
    grow = [1.0, 1.6, 0.7, 2.5]  # batch 3 sits inside the range so far
    out["uniform"] = [(rng.uniform(-1.5, 4.0, n) * g).reshape(shape) for g in grow]
    out["normal"] = [(rng.normal(0.2, 1.3, n) * g).reshape(shape) for g in grow]
    out["student_t2"] = [(rng.standard_t(2, n) * g).reshape(shape) for g in grow]
    out["laplace_small"] = [(rng.laplace(0, 0.05, n) * g).reshape(shape) for g in grow]
    out["relu"] = [(np.maximum(rng.normal(0, 3, n), 0) * g).reshape(shape) for g in grow]
    return {k: [b.astype(np.float32) for b in v] for k, v in out.items()}


PER_TENSOR_CONFIGS = [
    {"dtype": "uint8", "qscheme": "per_tensor_affine"},
    {"dtype": "int8", "qscheme": "per_tensor_affine"},
    {"dtype": "int8", "qscheme": "per_tensor_symmetric"},
    {"dtype": "uint8", "qscheme": "per_tensor_symmetric"},
    {"dtype": "int8", "qscheme": "per_tensor_affine", "reduceRange": True},
    {"dtype": "uint8", "qscheme": "per_tensor_affine", "reduceRange": True},
    {"dtype": "int8", "qscheme": "per_tensor_symmetric", "quantMin": -127, "quantMax": 127},
    {"dtype": "uint8", "qscheme": "per_tensor_symmetric", "quantMin": 0, "quantMax": 100},
    {"dtype": "uint8", "qscheme": "per_tensor_affine", "quantMin": 0, "quantMax": 15, "reduceRange": True},
]


def qp(res):
    s, z = res
    return {"scale": [float(v) for v in s.reshape(-1)], "zeroPoint": [int(v) for v in z.reshape(-1)]}


def observer_fixtures():
    rng = np.random.default_rng(1300)
    data = datasets(rng, (400,))
    cases = []
    for dname, batches in data.items():
        for cfg in PER_TENSOR_CONFIGS:
            for kind in ("MinMaxObserver", "MovingAverageMinMaxObserver"):
                obs = getattr(tobs, kind)(**torch_kwargs(cfg))
                steps = []
                for b in batches:
                    obs(torch.from_numpy(b))
                    steps.append({**qp(obs.calculate_qparams()), "min": float(obs.min_val), "max": float(obs.max_val)})
                cases.append({"observer": kind, "data": dname, "config": cfg, "steps": steps})
    pc_rng = np.random.default_rng(77)
    pc_data = {"normal_4x3x5": [(pc_rng.normal(0, 1, (4, 3, 5)) * pc_rng.uniform(0.01, 3, (1, 3, 1)) * g).astype(np.float32)
                                for g in (1, 1.8, 0.5)]}
    for dname, batches in pc_data.items():
        for cfg in [{"dtype": "int8", "qscheme": "per_channel_symmetric"}, {"dtype": "uint8", "qscheme": "per_channel_affine"},
                    {"dtype": "int8", "qscheme": "per_channel_affine", "reduceRange": True},
                    {"dtype": "int8", "qscheme": "per_channel_symmetric", "quantMin": -127, "quantMax": 127}]:
            for axis in (0, 1, 2):
                for kind in ("PerChannelMinMaxObserver", "MovingAveragePerChannelMinMaxObserver"):
                    obs = getattr(tobs, kind)(ch_axis=axis, **torch_kwargs(cfg))
                    steps = []
                    for b in batches:
                        obs(torch.from_numpy(b))
                        steps.append(qp(obs.calculate_qparams()))
                    cases.append({"observer": kind, "data": dname, "config": {**cfg, "axis": axis}, "steps": steps})
    # calculate_qparams on bare ranges, including eps clamping and one-sided ranges
    ranges = [(-1.0, 1.0), (0.0, 0.0), (1e-9, 2e-9), (-3e-7, 0.0), (0.5, 6.25), (-7.3, -0.2), (-0.1, 100.0),
              (-1.2345678, 3.3333333), (-1e-6, 1e-6), (-123.456, 0.001)]
    ranges += [tuple(sorted(rng.normal(0, 5, 2).astype(np.float32).tolist())) for _ in range(20)]
    range_cases = []
    for lo, hi in ranges:
        for cfg in PER_TENSOR_CONFIGS:
            o = tobs.MinMaxObserver(**torch_kwargs(cfg))
            res = o._calculate_qparams(torch.tensor(np.float32(lo)), torch.tensor(np.float32(hi)))
            range_cases.append({"min": float(np.float32(lo)), "max": float(np.float32(hi)), "config": cfg, **qp(res)})
    write("observers.json", {"data": {k: [enc(b) for b in v] for k, v in {**data, **pc_data}.items()},
                             "cases": cases, "ranges": range_cases})


HIST_CONFIGS = [
    {"dtype": "uint8", "qscheme": "per_tensor_affine"},
    {"dtype": "int8", "qscheme": "per_tensor_symmetric"},
    {"dtype": "int8", "qscheme": "per_tensor_affine", "reduceRange": True},
    {"dtype": "uint8", "qscheme": "per_tensor_affine", "bins": 256, "upsampleRate": 16},
]


def histogram_fixtures():
    """torch 1.13 HistogramObserver after each of several observe() calls."""
    rng = np.random.default_rng(2048)
    data = datasets(rng, (500,))
    data["constant_first"] = [np.full(500, 0.75, np.float32)] + [b * 3 for b in data["normal"][:3]]
    debug = os.environ.get("QGEMM_HIST_DEBUG")  # a folder: also dump the histograms (not committed)
    cases = []
    for dname, batches in data.items():
        for cfg in HIST_CONFIGS:
            obs = tobs.HistogramObserver(bins=cfg.get("bins", 2048), upsample_rate=cfg.get("upsampleRate", 128),
                                         **torch_kwargs(cfg))
            steps = []
            for i, b in enumerate(batches):
                obs(torch.from_numpy(b))
                lo, hi = obs._non_linear_param_search()
                steps.append({**qp(obs.calculate_qparams()), "min": float(obs.min_val), "max": float(obs.max_val),
                              "searchMin": float(lo), "searchMax": float(hi)})
                if debug:
                    np.save(os.path.join(debug, f"{dname}_{HIST_CONFIGS.index(cfg)}_{i}.npy"), obs.histogram.numpy())
            cases.append({"data": dname, "config": cfg, "steps": steps})
    write("histogram.json", {"data": {k: [enc(b) for b in v] for k, v in data.items()}, "cases": cases})


# ------------------------------------------------------ fake quantization ---

def reciprocal_traps(rng, n, qmin, qmax, zp):
    """(x, scale) where x / scale (ONNX) and x * float32(1 / scale) (PyTorch) round to
    different integers, some of them at the edge of the range (the mask differs too)."""
    xs, ss = [], []
    while len(xs) < n:
        s = np.float32(rng.uniform(0.0005, 0.2))
        k = int(rng.integers(qmin - zp - 1, qmax - zp + 1)) if len(xs) % 3 else int(rng.choice([qmin - zp - 1, qmax - zp]))
        x = np.float32((k + 0.5) * float(s))
        for cand in (x, np.nextafter(x, np.float32(np.inf)), np.nextafter(x, np.float32(-np.inf))):
            by_div = np.rint(np.divide(cand, s, dtype=np.float32))
            by_mul = np.rint(np.multiply(cand, np.float32(1) / s, dtype=np.float32))
            if by_div != by_mul:
                xs.append(cand)
                ss.append(s)
                break
    return np.array(xs, np.float32), np.array(ss, np.float32)


def fake_onnx(x, scale, zp, qmin, qmax):
    """ONNX QuantizeLinear then DequantizeLinear on [qmin, qmax], in numpy float32; NaN
    quantizes to the integer 0. The mask: the rounded level lies in [qmin, qmax]."""
    q = np.rint(np.divide(x, scale, dtype=np.float32)) + np.float32(zp)
    mask = (q >= qmin) & (q <= qmax)
    qc = np.where(np.isnan(q), np.float32(0), np.clip(q, qmin, qmax))
    return ((qc - zp).astype(np.float32) * scale).astype(np.float32), mask


def fake_quantize_fixtures():
    """torch 1.13's fake_quantize_per_{tensor,channel}_affine (forward and STE mask, through
    the cachemask ops its autograd uses) and the ONNX quantize-dequantize they are compared with."""
    rng = np.random.default_rng(1713)
    cases = []
    specials = np.array([np.nan, np.inf, -np.inf, 3e38, -3e38, 1e20, -1e20, 0.0, -0.0, 1e-40], np.float32)
    for qmin, qmax, zp in [(0, 255, 10), (-128, 127, 0), (-127, 127, 3), (0, 15, 4)]:
        xs, ss = reciprocal_traps(rng, 40, qmin, qmax, zp)
        for name, x, scale in [
                ("issue_examples", np.array([0.27393994, 24.549999], np.float32), None),
                ("reciprocal_traps", xs, ss),
                ("random_and_specials", np.concatenate([rng.normal(0, 2, 200).astype(np.float32), specials]), None),
                ("ties", ((rng.integers(-300, 300, 100) + 0.5) * 0.125).astype(np.float32), np.float32(0.125))]:
            if name == "issue_examples":
                scale = np.float32(0.0021485486) if (qmin, qmax) != (0, 255) else np.array([0.0021485486, 0.1], np.float32)
            if name == "random_and_specials":
                scale = np.float32(rng.uniform(0.01, 0.05))
            per_element = np.ndim(scale) == 1
            # One scale per element: per channel along axis 0 of a 1-D tensor.
            s_t = torch.from_numpy(np.asarray(scale, np.float32).reshape(-1))
            if per_element:
                zp_t = torch.full((len(x),), zp, dtype=torch.int32)
                y, m = torch.ops.aten.fake_quantize_per_channel_affine_cachemask(torch.from_numpy(x), s_t, zp_t, 0, qmin, qmax)
            else:
                y, m = torch.ops.aten.fake_quantize_per_tensor_affine_cachemask(torch.from_numpy(x), float(scale), zp, qmin, qmax)
            oy, om = fake_onnx(x, np.asarray(scale, np.float32), zp, qmin, qmax)
            cases.append({"name": f"{name}_{qmin}_{qmax}_zp{zp}", "x": enc(x), "scale": enc(np.asarray(scale, np.float32).reshape(-1)),
                          "zeroPoint": zp, "qmin": qmin, "qmax": qmax, "axis": 0,
                          "torch": {"y": enc(y.numpy()), "mask": enc(m.numpy().astype(np.uint8))},
                          "onnx": {"y": enc(oy), "mask": enc(om.astype(np.uint8))}})
    # Per channel along axis 1 of a [4, 6, 5] tensor, int32 zero points.
    x = (rng.normal(0, 1, (4, 6, 5)) * rng.uniform(0.1, 4, (1, 6, 1))).astype(np.float32)
    x[0, 0, :3] = [np.nan, np.inf, 5e9]
    scale = rng.uniform(0.005, 0.05, 6).astype(np.float32)
    zps = rng.integers(-20, 20, 6).astype(np.int32)
    y, m = torch.ops.aten.fake_quantize_per_channel_affine_cachemask(torch.from_numpy(x), torch.from_numpy(scale), torch.from_numpy(zps), 1, -128, 127)
    oy, om = fake_onnx(x, scale.reshape(1, 6, 1), zps.reshape(1, 6, 1), -128, 127)
    cases.append({"name": "per_channel_axis1", "x": enc(x), "scale": enc(scale), "zeroPoint": [int(z) for z in zps], "qmin": -128, "qmax": 127,
                  "axis": 1, "torch": {"y": enc(y.numpy()), "mask": enc(m.numpy().astype(np.uint8))},
                  "onnx": {"y": enc(oy), "mask": enc(om.astype(np.uint8))}})
    # torch.div(a, b, rounding_mode='floor') in float32 (HistogramObserver's L2 search), near-integer quotients included.
    b = rng.uniform(1e-4, 10, 3000).astype(np.float32)
    k = rng.integers(-3000, 3000, 3000).astype(np.float32)
    a = (k * b).astype(np.float32)
    a[::3] = rng.uniform(-3000, 3000, 1000).astype(np.float32)
    a[1::6] = np.nextafter(a[1::6], np.float32(np.inf))
    a[2::6] = np.nextafter(a[2::6], np.float32(-np.inf))
    a[5::12] = (rng.uniform(-1, 1, 250) * 1e-12).astype(np.float32)
    floor = torch.div(torch.from_numpy(a), torch.from_numpy(b), rounding_mode="floor").numpy()
    write("fake_quantize.json", {"cases": cases, "floorDiv": {"a": enc(a), "b": enc(b), "floor": enc(floor)}})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    which = sys.argv[1:] or ["onnx", "observers", "histogram", "fake"]
    if "onnx" in which:
        onnx_fixtures()
    if "observers" in which:
        observer_fixtures()
    if "histogram" in which and "histogram_fixtures" in globals():
        histogram_fixtures()  # noqa: F821
    if "fake" in which:
        fake_quantize_fixtures()
