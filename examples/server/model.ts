/**
 * The served model: an int8 MLP (784-256-10 by default) of QuantizedLinear
 * layers. Loads weights saved by the Fashion-MNIST example when present
 * (QGEMM_MODEL=path/to/model.json), else seeded random weights. A row whose
 * values overflow float32 inside the model comes out as NaN (nonFinite:
 * 'propagate') instead of failing the batch it is in.
 */
import * as fs from 'node:fs';

import { QuantizedLinear, tensor, Tensor } from '../../lib';

export interface Mlp {
  readonly inFeatures: number;
  readonly outFeatures: number;
  forward(x: Float32Array, rows: number): Promise<Float32Array>;
  dispose(): void;
}

interface SavedLayer {
  weight: number[];
  bias: number[];
  shape: [number, number];
}

function seededWeights(out: number, inF: number, seed: number): Tensor<'float32'> {
  let s = seed >>> 0;
  const w = new Float32Array(out * inF);
  const bound = 1 / Math.sqrt(inF);
  for (let i = 0; i < w.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    w[i] = ((s / 2 ** 32) * 2 - 1) * bound;
  }
  return tensor(w, [out, inF]);
}

export function loadMlp(path = process.env.QGEMM_MODEL): Mlp {
  let layers: QuantizedLinear[];
  if (path !== undefined && fs.existsSync(path)) {
    const saved = JSON.parse(fs.readFileSync(path, 'utf8')) as { layers: SavedLayer[] };
    layers = saved.layers.map((l, i) =>
      new QuantizedLinear(tensor(Float32Array.from(l.weight), l.shape), Float32Array.from(l.bias), { relu: i < saved.layers.length - 1, nonFinite: 'propagate' }));
  } else {
    const sizes = [784, 256, 10];
    layers = sizes.slice(1).map((out, i) => new QuantizedLinear(seededWeights(out, sizes[i], i + 1), new Float32Array(out), { relu: i < sizes.length - 2, nonFinite: 'propagate' }));
  }
  return {
    inFeatures: layers[0].inFeatures,
    outFeatures: layers[layers.length - 1].outFeatures,
    async forward(x: Float32Array, rows: number): Promise<Float32Array> {
      let h: Tensor = tensor(x, [rows, layers[0].inFeatures]);
      for (const layer of layers) h = await layer.forwardAsync(h);
      return h.data as Float32Array;
    },
    dispose: () => layers.forEach((l) => l.dispose()),
  };
}
