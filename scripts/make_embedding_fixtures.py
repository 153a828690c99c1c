#!/usr/bin/python3
"""Builds test/fixtures/embedding/embedding.json: row-wise quantized embedding
tables and bag lookups from PyTorch (Debian python3-torch), for the bit-exact
tests of lib/embedding (test/embedding_torch.test.ts).

- quantize: torch.ops.quantized.embedding_bag_byte_prepack / _4bit_prepack
  of float32 tables, and their _unpack (the dequantized values).
- quantized bags: embedding_bag_byte_rowwise_offsets / _4bit_rowwise_offsets
  (sum: PyTorch 1.13 ignores `mode` for these ops), with and without
  per-sample weights and include_last_offset, int32 and int64 indices.
- float32 bags: torch.nn.functional.embedding_bag, sum / mean / max,
  per-sample weights, padding_idx, include_last_offset.

Run: /usr/bin/python3 scripts/make_embedding_fixtures.py
Arrays are base64 of little-endian bytes ({"f32"|"u8"|"i32"|"i64": ..., "shape": [...]}).
"""
import base64
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "embedding")
KINDS = {np.float32: "f32", np.uint8: "u8", np.int32: "i32", np.int64: "i64"}


def enc(t):
    a = np.ascontiguousarray(t.numpy() if isinstance(t, torch.Tensor) else t)
    return {KINDS[a.dtype.type]: base64.b64encode(a.tobytes()).decode(), "shape": list(a.shape)}


def table(rng, rows, dim):
    w = rng.standard_normal((rows, dim)).astype(np.float32) * np.float32(rng.uniform(0.01, 3))
    w[0, :] = 0.25  # a constant row: range 0
    if rows > 2:
        w[1, :] *= 1000  # a wide row
        w[2, :] = np.abs(w[2, :]) + 1e-3  # all positive
    return torch.from_numpy(w)


def bags(rng, rows, n_bags, max_len, wide):
    lengths = rng.integers(0, max_len + 1, n_bags)
    lengths[0] = max(lengths[0], 1)
    if n_bags > 2:
        lengths[1] = 0  # an empty bag
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    # Zipf-like skew: repeated ids within and across bags.
    ids = np.minimum(rng.zipf(1.3, int(lengths.sum())) - 1, rows - 1)
    dt = torch.int64 if wide else torch.int32
    return torch.tensor(ids, dtype=dt), torch.tensor(offsets, dtype=dt), lengths


def main():
    rng = np.random.default_rng(23)
    quantize, qbags, fbags = [], [], []
    for dim in [2, 8, 20, 70, 136]:
        w = table(rng, 5, dim)
        p8 = torch.ops.quantized.embedding_bag_byte_prepack(w)
        p4 = torch.ops.quantized.embedding_bag_4bit_prepack(w)
        quantize.append({
            "dim": dim, "x": enc(w),
            "rowwise8": enc(p8), "rowwise4": enc(p4),
            "unpack8": enc(torch.ops.quantized.embedding_bag_byte_unpack(p8)),
            "unpack4": enc(torch.ops.quantized.embedding_bag_4bit_unpack(p4)),
        })
    for case, (rows, dim, n_bags, max_len) in enumerate([(9, 8, 5, 4), (50, 20, 7, 9), (100, 64, 5, 40), (30, 70, 4, 12), (40, 136, 3, 33)]):
        w = table(rng, rows, dim)
        wide = case % 2 == 1
        ids, offsets, _ = bags(rng, rows, n_bags, max_len, wide)
        psw = torch.from_numpy(rng.uniform(-2, 2, ids.numel()).astype(np.float32))
        p8 = torch.ops.quantized.embedding_bag_byte_prepack(w)
        p4 = torch.ops.quantized.embedding_bag_4bit_prepack(w)
        last = torch.cat([offsets, torch.tensor([ids.numel()], dtype=offsets.dtype)])
        entry = {"rows": rows, "dim": dim, "x": enc(w), "rowwise8": enc(p8), "rowwise4": enc(p4),
                 "ids": enc(ids), "offsets": enc(offsets), "offsetsLast": enc(last), "weights": enc(psw)}
        for name, packed, op in [("rowwise8", p8, torch.ops.quantized.embedding_bag_byte_rowwise_offsets),
                                 ("rowwise4", p4, torch.ops.quantized.embedding_bag_4bit_rowwise_offsets)]:
            entry[name + "Sum"] = enc(op(packed, ids, offsets, False, 0, False, None, None, False))
            entry[name + "Weighted"] = enc(op(packed, ids, offsets, False, 0, False, psw, None, False))
            entry[name + "Last"] = enc(op(packed, ids, last, False, 0, False, None, None, True))
        qbags.append(entry)
        pad = int(ids[0])  # a padding row that the bags do use
        f = {"rows": rows, "dim": dim, "x": enc(w), "ids": enc(ids), "offsets": enc(offsets),
             "offsetsLast": enc(last), "weights": enc(psw), "paddingIdx": pad}
        for mode in ["sum", "mean", "max"]:
            f[mode] = enc(F.embedding_bag(ids.long(), w, offsets.long(), mode=mode))
            f[mode + "Padding"] = enc(F.embedding_bag(ids.long(), w, offsets.long(), mode=mode, padding_idx=pad))
        f["sumWeighted"] = enc(F.embedding_bag(ids.long(), w, offsets.long(), mode="sum", per_sample_weights=psw))
        f["meanLast"] = enc(F.embedding_bag(ids.long(), w, last.long(), mode="mean", include_last_offset=True))
        fbags.append(f)
    os.makedirs(OUT, exist_ok=True)
    doc = {"torch": torch.__version__, "quantize": quantize, "quantizedBags": qbags, "float32Bags": fbags}
    with open(os.path.join(OUT, "embedding.json"), "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))
        fh.write("\n")


if __name__ == "__main__":
    main()
