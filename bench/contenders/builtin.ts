/**
 * qgemm's own kernels, one contender per ISA the CPU has (capped with
 * setMaxIsa), with B pre-packed; plus unpacked int8, s8s8 and fp32 at the best ISA.
 */
import { info, Isa, matmul, packWeights, setMaxIsa, setNumThreads, zeros } from '../../lib';
import { ops, SCALAR_MAX_OPS } from '../shapes';
import type { Contender, Precision } from './types';

/**
 * The ISAs this CPU and OS support, scalar first, up to the one the cap in
 * force allows (QGEMM_MAX_ISA=avx2 benches the AVX2 kernels on a newer CPU;
 * with ONEDNN_MAX_CPU_ISA=AVX2, oneDNN's AVX2 path beside them).
 */
export function availableIsas(): Isa[] {
  const { isas, isa } = info();
  return isas.slice(0, isas.indexOf(isa) + 1);
}

function builtin(isa: Isa, precision: Precision, packed: boolean): Contender {
  const tag = packed ? 'packed' : 'unpacked';
  return {
    id: `builtin-${isa}-${precision}-${tag}`,
    label: `qgemm ${isa} ${precision}${packed ? '' : ' (B unpacked)'}`,
    family: 'builtin',
    precision,
    skip: (shape) =>
      isa === 'scalar' && ops(shape) > SCALAR_MAX_OPS ? 'scalar kernel skipped on big shapes (minutes per call)' : undefined,
    async prepare(d, threads) {
      setNumThreads(threads);
      setMaxIsa(isa); // before packing: B is packed for the kernel in use
      const { m, n } = d.shape;
      if (precision === 'f32') {
        const b = packed ? packWeights(d.bF32) : d.bF32;
        const out = zeros('float32', [m, n]);
        return {
          run: () => matmul(d.aF32, b, { out, backend: 'builtin' }),
          output: () => out.data,
          dispose: () => (packed ? (b as ReturnType<typeof packWeights>).dispose() : undefined),
        };
      }
      const b = packed ? packWeights(d.b) : d.b;
      const a = precision === 'u8s8' ? d.aU8 : d.aS8;
      const out = zeros('int32', [m, n]);
      return {
        run: () => matmul(a, b, { out, backend: 'builtin' }),
        output: () => out.data,
        dispose: () => (packed ? (b as ReturnType<typeof packWeights>).dispose() : undefined),
      };
    },
  };
}

export function builtinContenders(): Contender[] {
  const isas = availableIsas();
  const best = isas[isas.length - 1];
  return [
    ...isas.map((isa) => builtin(isa, 'u8s8', true)),
    builtin(best, 'u8s8', false),
    builtin(best, 's8s8', true),
    builtin(best, 'f32', true),
  ];
}

/** The u8s8 contender whose output is the reference for the cross-checks. */
export function referenceId(): string {
  const isas = availableIsas();
  return `builtin-${isas[isas.length - 1]}-u8s8-packed`;
}
