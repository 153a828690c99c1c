/**
 * The example server's ranking endpoint: a DLRM-style model saved as the
 * recsys demo saves it (4-bit tables, fp32 MLPs) scores each candidate as the
 * model does alone; ids are checked against their tables before a batch;
 * without a model /rank is a 404. Loopback only.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { embeddingTable, quantizeTable, Rng } from '../lib';
import { buildMlps, Dlrm } from '../examples/recsys/dlrm';
import { loadModel, saveModel } from '../examples/recsys/model_file';
import { startServer } from '../examples/server/main';

const rows = [50, 20, 7], dim = 8;

describe('examples/server /rank', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let base: string;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qgemm-rank-'));
    const rng = new Rng(5);
    const tables = rows.map((r) => embeddingTable('float32', r, dim, Float32Array.from({ length: r * dim }, () => rng.uniform(-1, 1))));
    const { bottom, top } = buildMlps({ tableRows: rows, dim }, 'fp32', rng);
    saveModel(dir, new Dlrm(tables, bottom, top), tables.map((t) => quantizeTable(t as never, 'rowwise4')));
    process.env.QGEMM_RECSYS_MODEL = dir;
    server = await startServer({ port: 0, maxWaitMs: 5 });
    base = `http://127.0.0.1:${server.port}`;
  });
  after(async () => {
    await server.close();
    delete process.env.QGEMM_RECSYS_MODEL;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const rank = (body: unknown) => fetch(`${base}/rank`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  const dense = Array.from({ length: 13 }, (_, i) => Math.cos(i));

  it('scores every candidate as the model does alone, and orders them', async () => {
    const candidates = [[1, 2, 3], [49, 19, 6], [0, 0, 0], [7, 7, 1]];
    const answers = await Promise.all([1, 2, 3].map(() => rank({ dense, candidates }).then((r) => r.json() as Promise<{ scores: number[]; order: number[] }>)));
    const model = loadModel(dir);
    candidates.forEach((c, k) => {
      const alone = model.forward(Float32Array.from(dense), c.map((id) => Int32Array.of(id)), false)[0];
      for (const a of answers) assert.ok(Math.abs(a.scores[k] - alone) <= 1e-5 * (1 + Math.abs(alone)), `candidate ${k}: ${a.scores[k]} vs ${alone}`);
    });
    const { scores, order } = answers[0];
    assert.deepEqual([...order].sort(), [0, 1, 2, 3]);
    for (let i = 1; i < order.length; i++) assert.ok(scores[order[i - 1]] >= scores[order[i]]);
  });

  it('refuses bad requests with 400 before they reach a batch, and stays up', async () => {
    const bad: unknown[] = [
      '{oops', { candidates: [[1, 2, 3]] }, { dense: dense.slice(1), candidates: [[1, 2, 3]] },
      { dense, candidates: [] }, { dense, candidates: [[1, 2]] }, { dense, candidates: [[1, 2, 7]] },
      { dense, candidates: [[1, -1, 3]] }, { dense, candidates: [[1.5, 2, 3]] }, { dense, candidates: [['1', 2, 3]] },
      { dense: [...dense.slice(1), 1e300], candidates: [[1, 2, 3]] },
      { dense, candidates: Array.from({ length: 513 }, () => [1, 2, 3]) },
    ];
    for (const b of bad) {
      const res = await rank(b);
      assert.equal(res.status, 400, JSON.stringify(b).slice(0, 80));
      assert.match(((await res.json()) as { error: string }).error, /./);
    }
    assert.equal((await fetch(`${base}/rank`)).status, 405);
    assert.equal((await rank({ dense, candidates: [[1, 2, 3]] })).status, 200);
  });
});

it('without a model /rank answers 404', async () => {
  const server = await startServer({ port: 0 });
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/rank`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
  } finally {
    await server.close();
  }
});

