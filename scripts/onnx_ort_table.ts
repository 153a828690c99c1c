/**
 * docs/ONNX.md's comparison: each model saveOnnx writes (test/onnx_models.ts),
 * run by qgemm and by onnxruntime-node with graph optimizations off (ONNX's
 * float semantics) and all on (its fused int8 kernels), on 2000 Fashion-MNIST
 * test images. int8 outputs: elements that differ and by how many steps;
 * float outputs: the largest relative difference.
 *
 *   node --import tsx scripts/onnx_ort_table.ts
 */
import * as os from 'node:os';
import { saveOnnx } from '../lib';
import { exportCases } from '../test/onnx_models';
import { maxRelDiff, runOrt, stepDiff } from '../test/onnx_support';

async function main(): Promise<void> {
  const { cases, test } = exportCases();
  const flags = ['avx512_vnni', 'avx_vnni', 'avx2'].filter((f) => require('node:fs').readFileSync('/proc/cpuinfo', 'utf8').includes(` ${f}`));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ortVersion = (require('onnxruntime-node/package.json') as { version: string }).version;
  console.log(`${os.cpus()[0]?.model} (${flags.join(', ')}), onnxruntime-node ${ortVersion}, ${new Date().toISOString().slice(0, 10)}, ${test.shape[0]} test images`);
  console.log('| model (format) | output | ORT, optimizations off | ORT, all optimizations |');
  console.log('|---|---|---|---|');
  for (const c of cases) {
    const bytes = saveOnnx(c.model, { format: c.format });
    const ours = c.model.forward(test);
    const cells: string[] = [];
    for (const optimized of [false, true]) {
      const ort = (await runOrt(bytes, 'input', test, optimized))!;
      if (c.compare === 'steps') {
        const d = stepDiff(ours.data, ort.data);
        cells.push(d.differing === 0 ? `identical (${d.total} values)` : `${d.differing} of ${d.total} differ (${((100 * d.differing) / d.total).toFixed(3)}%), max ${d.maxSteps} step${d.maxSteps > 1 ? 's' : ''}`);
      } else {
        const r = maxRelDiff(ours.data, ort.data);
        cells.push(r === 0 ? 'bit-identical' : `max relative difference ${r.toExponential(1)}`);
      }
    }
    console.log(`| ${c.name} | ${ours.dtype} | ${cells.join(' | ')} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
