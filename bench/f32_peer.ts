/**
 * qgemm's fp32 kernel (B packed) against oneDNN's f32 matmul (weights
 * reordered once), alternated call by call within each round so both see the
 * same machine state; prints per-shape median GFLOPS and the median of the
 * per-round ratios. The side-by-side check behind issue 22's fp32 target.
 *
 *   node --import tsx bench/f32_peer.ts [--threads 1,2] [--rounds 15] [--shapes 64:4096:4096,...]
 */
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

function compare(shape: Shape, threads: number, rounds: number, probe: number): void {
  const { m, n, k } = shape;
  setNumThreads(threads);
  const { aF32: a, bF32: b } = makeOperands(shape);
  const packed = packWeights(b);
  const ours = zeros('float32', [m, n]);
  const theirs = zeros('float32', [m, n]);
  const handle = native().onednnPrepare(b.data, m, n, k, 3, false, true);
  const runOurs = () => matmul(a, packed, { out: ours, backend: 'builtin' });
  const runTheirs = () => native().onednnRunPrepared(handle, a.data, theirs.data);
  const slice = Math.max(0.02, Math.min(0.2, (2 * m * n * k) / 200e9));
  runOurs();
  runTheirs();
  const gflops = (s: number) => (2 * m * n * k) / s / 1e9;
  const q: number[] = [];
  const o: number[] = [];
  const ratio: number[] = [];
  for (let r = 0; r < rounds; ++r) {
    const first = r % 2 === 0;
    const t1 = first ? timeCalls(runOurs, slice) : timeCalls(runTheirs, slice);
    const t2 = first ? timeCalls(runTheirs, slice) : timeCalls(runOurs, slice);
    const [tq, to] = first ? [t1, t2] : [t2, t1];
    q.push(gflops(tq));
    o.push(gflops(to));
    ratio.push(to / tq);
  }
  packed.dispose();
  console.log(
    `${shapeName(shape).padEnd(16)} ${String(threads).padStart(2)} thr  qgemm ${median(q).toFixed(1).padStart(6)}  oneDNN ${median(o)
      .toFixed(1)
      .padStart(6)} GFLOPS (${pct(median(q), probe)} / ${pct(median(o), probe)} of the probe)  ratio ${median(ratio).toFixed(3)} (${Math.min(...ratio).toFixed(2)}-${Math.max(...ratio).toFixed(2)})`,
  );
}

const i = info();
if (!i.backends.onednn) throw new Error('qgemm was built without oneDNN: nothing to compare against');
const shapes = parseShapes(arg('shapes', DEFAULT_SHAPES.filter((s) => s.m >= 64).map((s) => `${s.m}:${s.n}:${s.k}`).join(',')));
const threads = arg('threads', '1,2').split(',').map(Number);
const rounds = Number(arg('rounds', '11'));
console.log(`f32 kernel ${i.kernels.float32}, ${rounds} alternated rounds`);
const probeName = probeFor('f32')!;
for (const t of threads) {
  const probe = measureProbe(probeName, t);
  console.log(`${probeName} probe, ${t} thread(s): ${probe.toFixed(1)} GFLOPS`);
  for (const s of shapes) compare(s, t, rounds, probe);
}
