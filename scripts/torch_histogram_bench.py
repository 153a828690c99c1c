#!/usr/bin/python3
"""Times PyTorch 1.13's HistogramObserver on the batches in a float32 file
(written by bench/quantize.ts) and prints JSON: per-batch times and qparams.
Usage: /usr/bin/python3 scripts/torch_histogram_bench.py FILE BATCH_SIZE [THREADS]"""
import json
import sys
import time

import numpy as np
import torch
from torch.ao.quantization.observer import HistogramObserver

path, batch = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
data = torch.from_numpy(np.fromfile(path, dtype=np.float32))
obs = HistogramObserver(dtype=torch.quint8, qscheme=torch.per_tensor_affine)
times = []
for start in range(0, data.numel(), batch):
    x = data[start:start + batch]
    t0 = time.perf_counter()
    obs(x)
    times.append((time.perf_counter() - t0) * 1000)
qparams_ms = []  # the first call, then 7 more (bench/quantize.ts times its own the same way)
for _ in range(8):
    t0 = time.perf_counter()
    scale, zp = obs.calculate_qparams()
    qparams_ms.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"observe_ms": times, "qparams_ms": qparams_ms, "scale": float(scale), "zero_point": int(zp),
                  "torch": torch.__version__}))
