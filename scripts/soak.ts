/**
 * Soak: 200k mixed sync and async calls (matmul, matmulAsync, quantizedMatmul,
 * QuantizedLinear forward/forwardAsync, packWeights(Async) + dispose) and 10k
 * pack/dispose cycles, printing RSS after warm-up, every 20k calls, and at the end.
 * Exits 1 if RSS grows by more than SOAK_MAX_GROWTH_MB (default 64) after warm-up.
 *
 *   node --expose-gc --import tsx scripts/soak.ts [calls=200000] [packCycles=10000]
 */
import { matmul, matmulAsync, packWeights, packWeightsAsync, QuantizedLinear, quantizedMatmul, tensor, Tensor } from '../lib';
import { randomFloats, randomInts, rng } from '../test/helpers/reference';

/** One round of mixed calls: sync and async matmul, packed and not, epilogues, a layer, a pack cycle. */
export async function mixedRound(i: number, x: { a: Tensor<'uint8'>; b: Tensor<'int8'>; af: Tensor<'float32'>; bf: Tensor<'float32'>; layer: QuantizedLinear }): Promise<number> {
  let calls = 0;
  switch (i % 8) {
    case 0: matmul(x.a, x.b); calls++; break;
    case 1: await matmulAsync(x.a, x.b, { transposeA: false }); calls++; break;
    case 2: matmul(x.af, x.bf, { transposeB: false }); calls++; break;
    case 3: await matmulAsync(x.af, x.bf); calls++; break;
    case 4: quantizedMatmul(x.a, x.b, { aZeroPoint: 3, bScale: 0.5, aScale: 0.25, relu: true, outputType: 'int8', yScale: 2 }); calls++; break;
    case 5: x.layer.forward(x.af); calls++; break;
    case 6: await x.layer.forwardAsync(x.af); calls++; break;
    default: {
      const w = i % 16 === 7 ? packWeights(x.b) : await packWeightsAsync(x.b);
      matmul(x.a, w);
      w.dispose();
      calls += 2;
    }
  }
  return calls;
}

export function soakInputs(): { a: Tensor<'uint8'>; b: Tensor<'int8'>; af: Tensor<'float32'>; bf: Tensor<'float32'>; layer: QuantizedLinear } {
  const rand = rng(9);
  const [m, n, k] = [8, 64, 96];
  return {
    a: tensor(randomInts(Uint8Array, m * k, 0, 255, rand), [m, k]),
    b: tensor(randomInts(Int8Array, k * n, -128, 127, rand), [k, n]),
    af: tensor(randomFloats(m * k, rand), [m, k]),
    bf: tensor(randomFloats(k * n, rand), [k, n]),
    layer: new QuantizedLinear(tensor(randomFloats(n * k, rand), [n, k]), randomFloats(n, rand)),
  };
}


const MB = 1024 * 1024;
const rss = () => process.memoryUsage().rss / MB;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function main(): Promise<void> {
  const calls = Number(process.argv[2] ?? 200_000);
  const packCycles = Number(process.argv[3] ?? 10_000);
  const maxGrowth = Number(process.env.SOAK_MAX_GROWTH_MB ?? 64);
  const x = soakInputs();
  const started = Date.now();
  let done = 0;
  let i = 0;
  while (done < 20_000) done += await mixedRound(i++, x); // warm-up
  gc();
  const base = rss();
  console.log(`soak: warm-up ${done} calls, RSS ${base.toFixed(1)} MB`);
  let peak = base;
  let mark = 0;
  done = 0;
  while (done < calls) {
    done += await mixedRound(i++, x);
    if (done - mark >= 20_000) {
      mark = done;
      peak = Math.max(peak, rss());
      console.log(`soak: ${done} calls, RSS ${rss().toFixed(1)} MB`);
    }
  }
  const big = tensor(new Int8Array(1024 * 1024).fill(1), [1024, 1024]);
  for (let c = 0; c < packCycles; c++) {
    const w = c % 2 ? packWeights(big) : await packWeightsAsync(big);
    w.dispose();
    if (c % 2000 === 1999) console.log(`soak: ${c + 1} pack/dispose cycles (1 MiB packs), RSS ${rss().toFixed(1)} MB`);
    peak = Math.max(peak, rss());
  }
  gc();
  const end = rss();
  x.layer.dispose();
  const growth = end - base;
  console.log(
    `soak: ${done} calls + ${packCycles} pack cycles in ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
      `RSS after warm-up ${base.toFixed(1)} MB, peak ${peak.toFixed(1)} MB, end ${end.toFixed(1)} MB, growth ${growth.toFixed(1)} MB ` +
      `(bound ${maxGrowth} MB) on ${new Date().toISOString().slice(0, 10)}`,
  );
  if (growth > maxGrowth) process.exitCode = 1;
}

if (require.main === module) void main();
