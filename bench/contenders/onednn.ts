/**
 * The system oneDNN at its best case: one matmul primitive per shape with its
 * weights reordered once, outside the timed region, into the layout oneDNN
 * picks (format_tag::any), the same thread count as qgemm (its OpenMP team is
 * sized by setNumThreads). Where its int8 path is not exact (no AVX-512 VNNI
 * or AMX: int16 saturation) it still runs, and every number carries
 * "inexact here".
 */
import { info, setNumThreads, zeros } from '../../lib';
import { native } from '../../lib/native';
import type { Contender, Precision } from './types';

// qgemm::DType codes (native/gemm/types.h).
const A_TYPE: Record<Precision, number> = { s8s8: 0, u8s8: 1, f32: 3 };

function onednn(precision: Precision, exact: boolean): Contender {
  return {
    id: `onednn-${precision}`,
    label: `oneDNN ${precision}`,
    family: 'onednn',
    precision,
    note: precision !== 'f32' && !exact ? 'inexact here' : undefined,
    async prepare(d, threads) {
      setNumThreads(threads); // also sizes oneDNN's OpenMP team
      const { m, n, k } = d.shape;
      const f32 = precision === 'f32';
      const handle = native().onednnPrepare(f32 ? d.bF32.data : d.b.data, m, n, k, A_TYPE[precision], false, true);
      const a = f32 ? d.aF32 : precision === 'u8s8' ? d.aU8 : d.aS8;
      const out = f32 ? zeros('float32', [m, n]) : zeros('int32', [m, n]);
      return {
        run: () => native().onednnRunPrepared(handle, a.data, out.data),
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
  const exact = i.backends.onednnInt8Exact;
  return [onednn('u8s8', exact), onednn('s8s8', exact), onednn('f32', true)];
}
