/**
 * onnxruntime-node: MatMulInteger (u8s8, s8s8) and MatMul (f32), B as an
 * initializer so ORT pre-packs it, intra-op threads = the bench's threads.
 * Optional: the contenders vanish when the package is not installed.
 */
import { matmulModel } from '../onnx_model';
import type { Shape } from '../shapes';
import type { Contender, Precision } from './types';

type Ort = typeof import('onnxruntime-node');

let ortModule: Ort | null | undefined;

/** onnxruntime-node, or null when it is not installed (it is a devDependency). */
export function loadOrt(): Ort | null {
  if (ortModule === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ortModule = require('onnxruntime-node') as Ort;
    } catch {
      ortModule = null;
    }
  }
  return ortModule;
}

export function ortVersion(): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return null;
  }
}

const A_DTYPE = { u8s8: 'uint8', s8s8: 'int8', f32: 'float32' } as const;

/** A session for one model; `m` may be a name ("M") to make rows dynamic. */
export async function ortSession(ort: Ort, precision: Precision, shape: Shape, b: Int8Array | Float32Array, threads: number, m: number | string = shape.m) {
  const model = matmulModel({ aDtype: A_DTYPE[precision], m, n: shape.n, k: shape.k, b });
  return ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

function ortContender(ort: Ort, precision: Precision): Contender {
  return {
    id: `ort-${precision}`,
    label: `ORT ${precision === 'f32' ? 'MatMul f32' : `MatMulInteger ${precision}`}`,
    family: 'ort',
    precision,
    async prepare(d, threads) {
      const b = precision === 'f32' ? d.bF32.data : d.b.data;
      const session = await ortSession(ort, precision, d.shape, b, threads);
      const a = precision === 'u8s8' ? d.aU8 : precision === 's8s8' ? d.aS8 : d.aF32;
      const feeds = { A: new ort.Tensor(A_DTYPE[precision], a.data, [d.shape.m, d.shape.k]) };
      let last: Int32Array | Float32Array = new Int32Array(0);
      return {
        // ORT's run is async (it still blocks the event loop): the bench awaits it.
        run: async () => {
          const result = await session.run(feeds);
          last = result.Y.data as Int32Array | Float32Array;
        },
        output: () => last,
        dispose: () => session.release(),
      };
    },
  };
}

export function ortContenders(): Contender[] {
  const ort = loadOrt();
  if (ort === null) return [];
  return [ortContender(ort, 'u8s8'), ortContender(ort, 's8s8'), ortContender(ort, 'f32')];
}
