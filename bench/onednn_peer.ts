/**
 * qgemm's best kernel of one precision (B packed) against oneDNN's matmul of
 * the same precision (weights reordered once), alternated within each round
 * so both see the same machine state; prints per-shape median GOPS (% of the
 * kernel's probe) and the median of the per-round ratios. The side-by-side
 * check behind issue 22's targets; the full bench (`qgemm bench`) times each
 * contender in its own stretch instead.
 *
 *   node --import tsx bench/onednn_peer.ts [--precision f32|u8s8|s8s8] [--threads 1,2] [--rounds 11] [--shapes 64:4096:4096,...]
 */
import type { Tensor } from '../lib';
import { info, matmul, measureProbe, packWeights, setNumThreads, zeros } from '../lib';
import { native } from '../lib/native';
import { makeOperands } from './data';
import { probeFor } from './limits';
import { DEFAULT_SHAPES, parseShapes, shapeName, type Shape } from './shapes';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const pct = (x: number, of: number) => `${((100 * x) / of).toFixed(0)}%`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function timeCalls(fn: () => unknown, seconds: number): number {
  const t0 = performance.now();
  let calls = 0;
  do {
    fn();
    ++calls;
  } while (performance.now() - t0 < seconds * 1e3);
  return (performance.now() - t0) / 1e3 / calls;
}

// qgemm::DType codes of A (native/gemm/types.h).
const A_TYPE = { s8s8: 0, u8s8: 1, f32: 3 } as const;
type Precision = keyof typeof A_TYPE;

function compare(precision: Precision, shape: Shape, threads: number, rounds: number, probe: number): void {
  const { m, n, k } = shape;
  setNumThreads(threads);
  const d = makeOperands(shape);
  const f32 = precision === 'f32';
  const a: Tensor = f32 ? d.aF32 : precision === 'u8s8' ? d.aU8 : d.aS8;
  const b: Tensor = f32 ? d.bF32 : d.b;
  const packed = packWeights(b);
  const ours = zeros(f32 ? 'float32' : 'int32', [m, n]);
  const theirs = zeros(f32 ? 'float32' : 'int32', [m, n]);
  const handle = native().onednnPrepare(b.data, m, n, k, A_TYPE[precision], false, true);
  const runOurs = () => matmul(a, packed, { out: ours, backend: 'builtin' });
  const runTheirs = () => native().onednnRunPrepared(handle, a.data, theirs.data);
  const slice = Math.max(0.02, Math.min(0.2, (2 * m * n * k) / (f32 ? 200e9 : 800e9)));
  runOurs();
  runTheirs();
  const gops = (s: number) => (2 * m * n * k) / s / 1e9;
  const q: number[] = [];
  const o: number[] = [];
  const ratio: number[] = [];
  for (let r = 0; r < rounds; ++r) {
    const first = r % 2 === 0;
    const t1 = first ? timeCalls(runOurs, slice) : timeCalls(runTheirs, slice);
    const t2 = first ? timeCalls(runTheirs, slice) : timeCalls(runOurs, slice);
    const [tq, to] = first ? [t1, t2] : [t2, t1];
    q.push(gops(tq));
    o.push(gops(to));
    ratio.push(to / tq);
  }
  packed.dispose();
  if (!f32 && info().backends.onednnInt8Exact && ours.data.some((v, idx) => v !== theirs.data[idx])) throw new Error(`${shapeName(shape)}: qgemm and oneDNN disagree`);
  console.log(
    `${shapeName(shape).padEnd(16)} ${String(threads).padStart(2)} thr  qgemm ${median(q).toFixed(1).padStart(6)}  oneDNN ${median(o)
      .toFixed(1)
      .padStart(6)} GOPS (${pct(median(q), probe)} / ${pct(median(o), probe)} of the probe)  ratio ${median(ratio).toFixed(3)} (${Math.min(...ratio).toFixed(2)}-${Math.max(...ratio).toFixed(2)})`,
  );
}

const i = info();
if (!i.backends.onednn) throw new Error('qgemm was built without oneDNN: nothing to compare against');
const shapes = parseShapes(arg('shapes', DEFAULT_SHAPES.filter((s) => s.m >= 64).map((s) => `${s.m}:${s.n}:${s.k}`).join(',')));
const threads = arg('threads', '1,2').split(',').map(Number);
const rounds = Number(arg('rounds', '11'));
const precision = arg('precision', 'f32') as Precision;
if (!(precision in A_TYPE)) throw new RangeError(`--precision must be f32, u8s8 or s8s8, got ${precision}`);
if (precision !== 'f32' && !i.backends.onednnInt8Exact) console.log('oneDNN int8 is inexact on this CPU: the outputs are not compared');
console.log(`${precision}: qgemm kernel ${precision === 'f32' ? i.kernels.float32 : i.kernels.int8}, ${rounds} alternated rounds`);
const probeName = probeFor(precision)!;
for (const t of threads) {
  const probe = measureProbe(probeName, t);
  console.log(`${probeName} probe, ${t} thread(s): ${probe.toFixed(1)} GOPS`);
  for (const s of shapes) compare(precision, s, t, rounds, probe);
}
