/**
 * The example inference server: answers, validates, batches, and shuts down
 * gracefully. Loopback only.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { Batcher } from '../examples/server/batcher';
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

  it('refuses numbers outside float32 with 400 and the reason, before they reach a batch', async () => {
    const res = await post(JSON.stringify({ input: input(1).map((v, i) => (i === 7 ? 1e308 : v)) }));
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /input\[7\] = 1e\+308 is outside the float32 range/);
    assert.equal((await post(JSON.stringify({ input: input(1).map(() => -1e39) }))).status, 400);
    // The largest float32 is a valid input.
    assert.equal((await post(JSON.stringify({ input: input(1).map((v, i) => (i === 0 ? 3.4028234663852886e38 : v)) }))).status, 200);
  });

  it('bad and good requests sent together: every good one gets 200 and its own answer', async () => {
    const alone = ((await (await post(JSON.stringify({ input: input(4) }))).json()) as { logits: number[] }).logits;
    // 784 x 1e308 is finite in JSON but not in float32 (400); 784 x 3e38 is float32 but overflows inside the model (422).
    const bad = [JSON.stringify({ input: input(1).map(() => 1e308) }), JSON.stringify({ input: input(1).map((_, i) => (i % 2 ? 3e38 : -3e38)) })];
    const requests = Array.from({ length: 120 }, (_, i) => (i % 20 === 3 ? bad[0] : i % 20 === 11 ? bad[1] : JSON.stringify({ input: input(4) })));
    const responses = await Promise.all(requests.map(async (body) => ({ body, res: await post(body) })));
    let good = 0;
    for (const { body, res } of responses) {
      if (body === bad[0]) assert.equal(res.status, 400);
      else if (body === bad[1]) {
        assert.equal(res.status, 422);
        assert.match(((await res.json()) as { error: string }).error, /not finite/);
      } else {
        assert.equal(res.status, 200);
        assert.deepEqual(((await res.json()) as { logits: number[] }).logits, alone);
        good++;
      }
    }
    assert.equal(good, 108);
  });
});

describe('examples/server Batcher', () => {
  it('a batch that fails for one row is re-run row by row: only that row fails', async () => {
    // A model that refuses any batch holding a negative value.
    const forward = async (x: Float32Array, rows: number) => {
      if (x.some((v) => v < 0)) throw Object.assign(new RangeError('negative input'), { code: 'ERR_QGEMM_NOT_FINITE' });
      return Float32Array.from({ length: rows }, (_, r) => x[r * 2] + x[r * 2 + 1]);
    };
    const batcher = new Batcher(forward, 2, 1, { maxBatch: 8, maxWaitMs: 20 });
    const results = await Promise.allSettled([1, 2, -3, 4, 5, -6, 7].map((v) => batcher.submit(Float32Array.of(v, 10))));
    assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value[0] : 'rejected')), [11, 12, 'rejected', 14, 15, 'rejected', 17]);
    await batcher.drain();
  });
});
