/**
 * The system oneDNN through qgemm's 'onednn' backend. Where its int8 path is
 * not exact (no AVX-512 VNNI/AMX: int16 saturation) it still runs, with
 * allowInexact, and every number carries "inexact here".
 */
import { info, matmul, setMaxIsa, setNumThreads, zeros } from '../../lib';
import type { Contender, Precision } from './types';

function onednn(precision: Precision, exact: boolean): Contender {
  return {
    id: `onednn-${precision}`,
    label: `oneDNN ${precision}`,
    family: 'onednn',
    precision,
    note: precision !== 'f32' && !exact ? 'inexact here' : undefined,
    async prepare(d, threads) {
      setNumThreads(threads); // also sizes oneDNN's OpenMP team
      setMaxIsa(info().bestIsa);
      const { m, n } = d.shape;
      if (precision === 'f32') {
        const out = zeros('float32', [m, n]);
        return { run: () => matmul(d.aF32, d.bF32, { out, backend: 'onednn' }), output: () => out.data, dispose: () => {} };
      }
      const out = zeros('int32', [m, n]);
      const a = precision === 'u8s8' ? d.aU8 : d.aS8;
      return {
        run: () => matmul(a, d.b, { out, backend: 'onednn', allowInexact: true }),
        output: () => out.data,
        dispose: () => {},
      };
    },
  };
}

/** Empty when qgemm was built without oneDNN. */
export function onednnContenders(): Contender[] {
  const i = info();
  if (!i.backends.onednn) return [];
  return [onednn('u8s8', i.backends.onednnInt8Exact), onednn('f32', true)];
}
