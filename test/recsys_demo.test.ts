/**
 * The DLRM-style demo (examples/recsys) end to end at --size smoke: three
 * configurations train or load, and the table comes out with the formats'
 * sizes. The interaction's backward against finite differences. No timings.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import { embeddingTable, Rng } from '../lib';
import { buildMlps, Dlrm } from '../examples/recsys/dlrm';
import { DENSE } from '../examples/recsys/synthetic';

it('npm run demo:recsys -- --size smoke prints the three configurations', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'examples', 'recsys', 'main.ts'), '--size', 'smoke', '--threads', '1'], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
  });
  const rows = out.split('\n').filter((l) => /^\| (fp32|int8|serve4) /.test(l));
  assert.equal(rows.length, 3, out);
  assert.match(rows[1], /rowwise8 \| int8 /);
  assert.match(rows[1], /\(2\.67x smaller\)/); // dim 16: 64 bytes a row against 24
  assert.match(rows[2], /rowwise4 \| fp32 /);
  assert.match(rows[2], /\(5\.33x smaller\)/); // against 12
});

it('examples/recsys/step_time.ts prints its per-phase table (a few steps; no timing is checked)', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'examples', 'recsys', 'step_time.ts'), '--steps', '2', '--batch', '8', '--threads', '1'], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  });
  for (const phase of ['forward', 'backward', 'optimizers', 'step']) assert.match(out, new RegExp(`^\\| ${phase} \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+x \\|$`, 'm'));
});

it('DLRM backward: the tables\' sparse gradients match finite differences of the logits', () => {
  const dim = 4, rows = [5, 3];
  const rng = new Rng(2);
  const data = rows.map((r) => Float64Array.from({ length: r * dim }, () => rng.uniform(-0.5, 0.5)));
  const make = () => {
    const r2 = new Rng(3);
    const tables = rows.map((r, k) => embeddingTable('float32', r, dim, Float32Array.from(data[k])));
    const { bottom, top } = buildMlps({ tableRows: rows, dim }, 'fp32', r2);
    return new Dlrm(tables, bottom, top);
  };
  const dense = Float32Array.from({ length: 2 * DENSE }, (_, i) => Math.sin(i));
  const ids = [Int32Array.of(1, 4), Int32Array.of(2, 2)];
  const m = make();
  m.forward(dense, ids, true);
  const grads = m.backward(Float32Array.of(1, 1)); // d(sum of logits)
  for (const [k, row, col] of [[0, 1, 0], [0, 4, 3], [1, 2, 1]]) {
    const h = 1e-2;
    const f = (delta: number) => {
      const mm = make();
      (mm.tables[k].data as Float32Array)[row * dim + col] += delta;
      const y = mm.forward(dense, ids, false);
      return y[0] + y[1];
    };
    const numeric = (f(h) - f(-h)) / (2 * h);
    const g = grads[k];
    const u = [...g.rows].indexOf(row);
    const analytic = g.grads[u * dim + col];
    assert.ok(Math.abs(numeric - analytic) <= 2e-3 + 2e-2 * Math.abs(numeric), `table ${k} row ${row} col ${col}: ${analytic} vs ${numeric}`);
  }
});
