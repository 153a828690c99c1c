/**
 * The example inference server: answers, validates, batches, and shuts down
 * gracefully. Loopback only.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer } from '../examples/server/main';

describe('examples/server', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let base: string;
  before(async () => {
    server = await startServer({ port: 0, maxBatch: 16, maxWaitMs: 5 });
    base = `http://127.0.0.1:${server.port}`;
  });
  after(async () => server.close());

  const post = (body: string) => fetch(`${base}/predict`, { method: 'POST', body });
  const input = (seed: number) => Array.from({ length: 784 }, (_, i) => ((i * 7 + seed * 13) % 255) / 255);

  it('answers a prediction', async () => {
    const res = await post(JSON.stringify({ input: input(1) }));
    assert.equal(res.status, 200);
    const body = (await res.json()) as { class: number; logits: number[] };
    assert.equal(body.logits.length, 10);
    assert.equal(body.class, body.logits.indexOf(Math.max(...body.logits)));
  });

  it('gives the same answer batched as alone', async () => {
    const alone = await Promise.all([1, 2, 3].map(async (s) => ((await (await post(JSON.stringify({ input: input(s) }))).json()) as { logits: number[] }).logits));
    const many = await Promise.all(Array.from({ length: 40 }, (_, i) => post(JSON.stringify({ input: input((i % 3) + 1) })).then((r) => r.json() as Promise<{ logits: number[] }>)));
    // Per-row activation quantization makes each row's result independent of its batch.
    many.forEach((r, i) => assert.deepEqual(r.logits, alone[i % 3]));
  });

  it('rejects malformed requests with 4xx and stays up', async () => {
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post(JSON.stringify({ input: [1, 2, 3] }))).status, 400);
    assert.equal((await post(JSON.stringify({ input: input(1).map((v, i) => (i === 5 ? 'x' : v)) }))).status, 400);
    assert.equal((await post(JSON.stringify({ nope: 1 }))).status, 400);
    assert.equal((await post('null')).status, 400);
    assert.equal((await post('x'.repeat(200_000))).status, 413);
    assert.equal((await fetch(`${base}/predict`)).status, 405);
    assert.equal((await fetch(`${base}/other`)).status, 404);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });
});
