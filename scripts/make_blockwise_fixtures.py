#!/usr/bin/python3
"""Builds test/fixtures/train/blockwise.json: the block-wise 8-bit quantization
of optimizer states from Dettmers et al. 2022, "8-bit Optimizers via Block-wise
Quantization" (section 2: dynamic tree quantization, block-wise absmax
normalization), written here from the paper with numpy, independently of the
native code.

The dynamic code: 7 decades 10^-6 .. 10^0; decade i holds the means of
numpy.linspace(0.1, 1, n + 1) times 10^(i-6), with n = 2^i values per sign
(signed code: first moment) or 2^(i+1) (unsigned code: second moment, whose
sign bit becomes a fraction bit), plus 0 and 1; float64, rounded to float32.
Quantization of x in a block: absmax = max |x| (float32), y = float32(x / absmax)
(0 when absmax is 0), q = the nearest code value, ties to the lower one:
q = #{j : y > mid[j]} with mid[j] = float32((v[j] + v[j+1]) * 0.5).
Dequantization: float32(v[q] * absmax).

Run: /usr/bin/python3 scripts/make_blockwise_fixtures.py
Arrays are base64 of little-endian bytes ({"f32"|"u8": ..., "shape": [...]}).
"""
import base64
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "train")
BLOCK = 2048


def enc(a):
    a = np.ascontiguousarray(a)
    kind = {np.float32: "f32", np.uint8: "u8"}[a.dtype.type]
    return {kind: base64.b64encode(a.tobytes()).decode(), "shape": list(a.shape)}


def dynamic_code(signed):
    values = []
    for i, decade in enumerate([1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1e0]):
        n = 2 ** i if signed else 2 ** (i + 1)
        edges = np.linspace(0.1, 1.0, n + 1)
        means = (edges[:-1] + edges[1:]) / 2.0
        values += list((decade * means).astype(np.float32))
        if signed:
            values += list((-(decade * means)).astype(np.float32))
    values += [np.float32(0.0), np.float32(1.0)]
    code = np.sort(np.array(values, dtype=np.float32))
    assert code.size == 256 and np.unique(code).size == 256
    return code


def quantize(x, code):
    mids = ((code[:-1] + code[1:]) * np.float32(0.5)).astype(np.float32)
    blocks = (x.size + BLOCK - 1) // BLOCK
    q = np.zeros(x.size, dtype=np.uint8)
    absmax = np.zeros(blocks, dtype=np.float32)
    for b in range(blocks):
        part = x[b * BLOCK:(b + 1) * BLOCK]
        m = np.float32(np.max(np.abs(part)))
        absmax[b] = m
        y = (part / m).astype(np.float32) if m > 0 else np.zeros_like(part)
        q[b * BLOCK:(b + 1) * BLOCK] = np.searchsorted(mids, y, side="left")
    return q, absmax


def dequantize(q, absmax, code):
    return (code[q] * np.repeat(absmax, BLOCK)[: q.size]).astype(np.float32)


def cases(rng):
    signed, unsigned = dynamic_code(True), dynamic_code(False)
    mids_s = ((signed[:-1] + signed[1:]) * np.float32(0.5)).astype(np.float32)
    # Moments-like data over many decades (a block), then a block of exact code
    # values and midpoints (ties) with their float32 neighbours, filled up to a
    # block with values in [-1, 1] so that its absmax is 1, then 500 zeros.
    g = (rng.standard_normal(BLOCK) * 10.0 ** rng.uniform(-7, 0, BLOCK)).astype(np.float32)
    ties = np.concatenate([signed, mids_s, np.nextafter(mids_s, np.float32(2)), np.nextafter(mids_s, np.float32(-2))])
    fill = rng.uniform(-1, 1, BLOCK - ties.size).astype(np.float32)
    m = np.concatenate([g, ties, fill, np.zeros(500, np.float32)]).astype(np.float32)
    v = (np.concatenate([g, rng.standard_normal(BLOCK + 300).astype(np.float32) * np.float32(1e-3)]).astype(np.float64) ** 2).astype(np.float32)
    out = []
    for name, x, code, is_signed in [("m", m, signed, True), ("v", v, unsigned, False)]:
        q, absmax = quantize(x, code)
        out.append({"name": name, "signed": is_signed, "x": enc(x), "q": enc(q), "absmax": enc(absmax),
                    "dequantized": enc(dequantize(q, absmax, code))})
    return {"block": BLOCK, "signedCode": enc(signed), "unsignedCode": enc(unsigned), "cases": out}


def main():
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "blockwise.json")
    with open(path, "w") as f:
        json.dump(cases(np.random.default_rng(2022)), f, separators=(",", ":"))
    print(f"blockwise.json: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
