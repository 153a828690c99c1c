/**
 * Lookup-and-pool throughput of EmbeddingBag as GB/s of the rows actually
 * read (ids x row bytes), against the measured read bandwidth, side by side
 * in one run: float32, rowwise8 and rowwise4 tables of ~256 MiB (far past
 * the caches), uniformly random ids (no reuse), sum pooling, at 1 thread and
 * at all threads. Each figure is the median of tinybench samples (bench/measure.ts),
 * against the sequential read bandwidth; and the best sample against the
 * random-row probe (measureRandomRowBandwidth: random rows of the same size
 * from a table of the same size, one load per cache line, best of 5, taken
 * right before and right after the lookup, the higher kept), best against
 * best: a 36- or 72-byte row costs whole cache lines and a miss in flight, so
 * small rows cannot reach the sequential figure whatever the kernel does.
 *
 *   node --import tsx bench/embedding.ts [--dims 64,128] [--bag 32] [--bags 4096] [--mib 256]
 */
import * as os from 'node:os';

import {
  embeddingBag, embeddingTable, measureRandomRowBandwidth, measureReadBandwidth, quantizeTable, rowBytes, setNumThreads, tensor,
  type EmbeddingTable, type TableFormat,
} from '../lib';
import { Rng } from '../lib/train';
import { FULL_BUDGET, measure } from './measure';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

// A table of `mib` MiB: one quantized block of random rows, tiled (the bytes'
// values do not change the speed; valid rows keep the arithmetic ordinary).
function bigTable(format: TableFormat, dim: number, mib: number, rng: Rng): EmbeddingTable {
  const rb = rowBytes(format, dim), rows = Math.ceil((mib * 2 ** 20) / rb), block = 4096;
  const x = new Float32Array(block * dim).map(() => rng.uniform(-1, 1));
  const src = format === 'float32' ? new Uint8Array(x.buffer) : quantizeTable(tensor(x, [block, dim]), format).data;
  const bytes = new Uint8Array(rows * rb);
  for (let at = 0; at < bytes.length; at += src.length) bytes.set(src.subarray(0, Math.min(src.length, bytes.length - at)), at);
  return embeddingTable(format, rows, dim, (format === 'float32' ? new Float32Array(bytes.buffer) : bytes) as never);
}

void (async () => {
  const dims = flag('dims', '64,128').split(',').map(Number);
  const bag = Number(flag('bag', '32')), bags = Number(flag('bags', '4096')), mib = Number(flag('mib', '256'));
  const all = os.availableParallelism();
  const threads = all > 1 ? [1, all] : [1];
  const rng = new Rng(1);
  const bandwidth = new Map<number, number>();
  for (const t of threads) bandwidth.set(t, measureReadBandwidth(t));
  console.log(`read bandwidth (256 MiB, best of 5): ${threads.map((t) => `${bandwidth.get(t)!.toFixed(1)} GB/s at ${t} thread${t > 1 ? 's' : ''}`).join(', ')}`);
  console.log(`\nEmbeddingBag sum, ${bags} bags of ${bag} random ids, tables of ~${mib} MiB; median GB/s of rows read (% of the read bandwidth) · best GB/s as % of the random-row probe's GB/s\n`);
  console.log(`| format | dim | row bytes | ${threads.map((t) => `${t} thread${t > 1 ? 's' : ''}`).join(' | ')} |`);
  console.log(`|---|---|---|${threads.map(() => '---|').join('')}`);
  for (const dim of dims) {
    for (const format of ['float32', 'rowwise8', 'rowwise4'] as TableFormat[]) {
      const table = bigTable(format, dim, mib, rng);
      const ids = Int32Array.from({ length: bags * bag }, () => rng.int(table.rows));
      const offsets = Int32Array.from({ length: bags }, (_, b) => b * bag);
      const out = new Float32Array(bags * dim);
      const cells: string[] = [];
      for (const t of threads) {
        setNumThreads(t);
        const probe = () => measureRandomRowBandwidth(rowBytes(format, dim), t, mib);
        const before = probe();
        const timing = await measure(`${format} ${dim} ${t}`, () => embeddingBag(table, ids, { offsets, out }), FULL_BUDGET);
        const rows = Math.max(before, probe());
        const gbs = (ms: number) => (ids.length * rowBytes(format, dim)) / (ms / 1e3) / 1e9;
        const median = gbs(timing.medianMs), best = gbs(timing.minMs);
        cells.push(`${median.toFixed(1)} (${Math.round((100 * median) / bandwidth.get(t)!)}%) · ${best.toFixed(1)} = ${Math.round((100 * best) / rows)}% of ${rows.toFixed(1)}`);
      }
      console.log(`| ${format} | ${dim} | ${rowBytes(format, dim)} | ${cells.join(' | ')} |`);
    }
  }
  setNumThreads(all);
})();
