/**
 * The bench's code path on tiny shapes: every contender runs, the ONNX
 * models load, and the JSON, Markdown and SVG reports come out. Nothing
 * here looks at a time: speed is for the bench itself to report.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';

import { parseArgs } from '../bin/args';
import { renderConsole } from '../bench/report/console';
import { writeReports } from '../bench/report/write';
import type { BenchRun } from '../bench/results';
import { allContenders, runBench } from '../bench/run';
import { jsMatmul } from '../bench/contenders/js';
import { loadOrt } from '../bench/contenders/ort';
import { matmulModel } from '../bench/onnx_model';
import { parseShapes } from '../bench/shapes';
import { info } from '../lib';

describe('bench smoke', () => {
  let run: BenchRun;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qgemm-bench-'));
    // Progress goes nowhere: the test output stays readable.
    const quiet = new Writable({ write: (_chunk, _enc, done) => done() }) as unknown as NodeJS.WriteStream;
    run = await runBench({ quick: true, shapes: parseShapes('3:40:24,9:16:33'), threads: [1, 2], progressStream: quiet });
  });

  it('runs every contender on every shape (or says why not)', () => {
    for (const c of allContenders()) {
      for (const threads of [1, 2]) {
        const rows = run.gemm.filter((r) => r.id === c.id && r.threads === threads);
        assert.equal(rows.length, 2, `${c.id} t${threads}`);
        for (const r of rows) {
          assert.ok(r.skipped !== undefined || (r.gops! > 0 && r.timing!.samplesMs.length > 0), `${c.id} ran or was skipped`);
        }
      }
    }
    assert.ok(run.overhead.length > 0 && run.packing.length === 4 && run.firstCall.length >= 3);
  });

  it('finds every builtin variant exact, and counts peers that are not', () => {
    for (const r of run.gemm) {
      if (r.family === 'builtin' && r.mismatches) assert.equal(r.mismatches.count, 0, `${r.id} ${JSON.stringify(r.shape)}`);
      if (r.id === 'ort-s8s8' && r.mismatches) assert.equal(r.mismatches.count, 0);
    }
    if (loadOrt() !== null) assert.ok(run.gemm.some((r) => r.id === 'ort-u8s8' && r.mismatches !== undefined));
  });

  it('writes JSON with machine info and samples, Markdown tables and an SVG chart', async () => {
    const written = await writeReports(run, dir, 'smoke');
    const json = JSON.parse(fs.readFileSync(written.json, 'utf8')) as BenchRun;
    assert.equal(json.machine.qgemm.version, run.machine.qgemm.version);
    assert.ok(json.gemm.some((r) => (r.timing?.samplesMs.length ?? 0) > 0));
    // Limits measured by the probes: the kernels' instruction loops at each thread count.
    const int8Probe = info().kernelList.find((k) => k.kind === 'int8' && k.name === info().kernels.int8)?.probe;
    if (int8Probe) assert.ok(json.limits.probes[int8Probe]['1'] > 0, `probe ${int8Probe} measured`);
    assert.ok(json.gemm.some((r) => r.limitFraction !== undefined && r.limitFraction > 0));
    assert.match(fs.readFileSync(written.markdown, 'utf8'), /Measured limits/);
    const md = fs.readFileSync(written.markdown, 'utf8');
    assert.match(md, /^# qgemm bench/);
    assert.match(md, /\| contender \| 3x40x24 \| 9x16x33 \|/);
    assert.match(md, /Headline ratios/);
    const svg = fs.readFileSync(written.svg, 'utf8');
    assert.match(svg, /^<svg[^>]*>[\s\S]*<\/svg>\n$/);
    // One bar per contender, shape and thread count that ran, each with a height and its value.
    const ran = run.gemm.filter((r) => (r.gops ?? 0) > 0);
    const bars = [...svg.matchAll(/<rect class="bar" [^>]*height="([\d.]+)"[^>]*><title>([^<]*)<\/title>/g)];
    assert.equal(bars.length, ran.length);
    assert.ok(bars.every(([, h]) => Number(h) > 0), 'every bar has a height');
    assert.ok(bars.some(([, , title]) => /qgemm.*3x40x24, 2 threads: [\d.]+ GOPS/.test(title)), bars[0]?.[2]);
    assert.match(renderConsole(run), /GEMM throughput, 2 threads/);
  });
});

describe('ONNX model writer', () => {
  it('builds models that onnxruntime-node runs to the right answer', async (t) => {
    const ort = loadOrt();
    if (ort === null) return t.skip('onnxruntime-node is not installed');
    const [m, n, k] = [2, 3, 4];
    const a = Float32Array.from({ length: m * k }, (_, i) => i - 3);
    const b = Float32Array.from({ length: k * n }, (_, i) => 2 - i);
    const want = new Float32Array(m * n);
    jsMatmul(a, b, want, m, n, k);
    const session = await ort.InferenceSession.create(matmulModel({ aDtype: 'float32', m: 'M', n, k, b }));
    const got = await session.run({ A: new ort.Tensor('float32', a, [m, k]) });
    assert.deepEqual(Array.from(got.Y.data as Float32Array), Array.from(want));
    await session.release();
  });
});

describe('qgemm CLI', () => {
  const cli = (...args: string[]) =>
    execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'bin', 'qgemm.ts'), ...args], { encoding: 'utf8' });

  it('parses bench options', () => {
    assert.deepEqual(parseArgs(['bench', '--shapes', '1:2:3', '--threads=1,2', '--quick', '--json']), {
      command: 'bench',
      shapes: [{ m: 1, n: 2, k: 3 }],
      threads: [1, 2],
      quick: true,
      json: true,
    });
    assert.throws(() => parseArgs(['bench', '--threads', '0']), /bad --threads/);
    assert.throws(() => parseArgs(['bench', '--shapes', '1:2']), /bad shape/);
    assert.throws(() => parseArgs(['frobnicate']), /unknown command/);
    assert.deepEqual(parseArgs(['report', 'x.json', '--out', 'd']), { command: 'report', file: 'x.json', out: 'd' });
  });

  it('says in --help where bench writes its results', () => {
    assert.match(cli('bench', '--help'), /Default DIR: \.\/qgemm-bench-results in the current folder \(bench\/results\s+when run from a qgemm source checkout\)/);
  });

  it('draws the chart with no optional package (no vega)', () => {
    const source = fs.readFileSync(path.join(__dirname, '..', 'bench', 'report', 'chart.ts'), 'utf8');
    assert.doesNotMatch(source, /import\(|importEsm|require\(/);
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    assert.deepEqual(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) => /vega/.test(d)), []);
  });

  it('prints info as text and JSON', () => {
    assert.match(cli('info'), /kernels\s+int8 \S+, float32 \S+/);
    assert.equal(typeof JSON.parse(cli('info', '--json')).threads, 'number');
  });
});
