/**
 * What a call pays besides its arithmetic: the same packed 512³ u8s8 GEMM
 * timed back to back and after an idle pause (the pool's workers sleep between
 * jobs and must be woken), each with a reused `out` and with a fresh output
 * (whose pages fault in as the GEMM writes them).
 *
 *   node --import tsx bench/wake.ts [--threads N] [--calls 40]
 */
import * as os from 'node:os';
import { matmul, packWeights, setNumThreads, tensor, zeros } from '../lib';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1];

void (async () => {
  const threads = flag('threads', os.availableParallelism()), calls = flag('calls', 40), size = 512;
  setNumThreads(threads);
  const a = tensor(new Uint8Array(size * size).fill(3), [size, size]);
  const w = packWeights(tensor(new Int8Array(size * size).fill(2), [size, size]));
  const out = zeros('int32', [size, size]);
  const modes = [
    { label: 'back to back, reused out', pause: 0, reuse: true },
    { label: 'back to back, fresh output', pause: 0, reuse: false },
    { label: 'after 2 ms idle, reused out', pause: 2, reuse: true },
    { label: 'after 20 ms idle, reused out', pause: 20, reuse: true },
    { label: 'after 20 ms idle, fresh output', pause: 20, reuse: false },
  ];
  console.log(`\nqgemm u8s8 ${size}^3 (packed B), ${threads} thread(s), median of ${calls} calls\n`);
  console.log('| call | ms | GOPS |');
  console.log('|---|---|---|');
  for (const m of modes) {
    matmul(a, w, { out });
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      if (m.pause > 0) await new Promise((r) => setTimeout(r, m.pause));
      const t0 = performance.now();
      if (m.reuse) matmul(a, w, { out });
      else matmul(a, w);
      times.push(performance.now() - t0);
    }
    const ms = median(times);
    console.log(`| ${m.label} | ${ms.toFixed(3)} | ${((2 * size ** 3) / (ms * 1e6)).toFixed(0)} |`);
  }
})();
