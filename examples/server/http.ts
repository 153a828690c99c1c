/**
 * The HTTP layer: POST /predict with {"input": [784 numbers]} answers
 * {"class": k, "logits": [...]}; POST /rank (when a ranking model is loaded)
 * with {"dense": [13 numbers], "candidates": [[one id per table], ...]}
 * answers {"scores": [...], "order": [candidate indices, best first]};
 * GET /healthz answers "ok". Every request is
 * validated in full before it joins a batch: a malformed one gets a 4xx with a
 * JSON error saying why (numbers must fit float32, the model's type), never an
 * exception, and never reaches the model. An input that is valid but drives the
 * model's arithmetic past float32 gets 422 for itself alone.
 */
import * as http from 'node:http';

import type { Batcher } from './batcher';
import type { Ranker } from './ranking';

export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_CANDIDATES = 512;
/** After a 413, how much more of the body is read (and dropped) so the client sees the answer, not a reset. */
const DISCARD_BYTES = 1024 * 1024;
const DISCARD_MS = 1000;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) return reject(new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      // Chunked bodies declare no length: refuse when the count passes the limit.
      req.off('data', onData);
      chunks.length = 0;
      reject(new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`));
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    req.on('close', () => reject(new HttpError(400, 'the client went away before the body ended')));
  });
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

// `features` finite numbers that stay finite as float32, written to row[at...].
function readNumbers(input: unknown, features: number, name: string, row: Float32Array, at = 0): void {
  if (!Array.isArray(input)) throw new HttpError(400, `expected ${name} as an array of ${features} numbers`);
  if (input.length !== features) throw new HttpError(400, `${name} must hold ${features} numbers, got ${input.length}`);
  for (let i = 0; i < features; i++) {
    const v = input[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new HttpError(400, `${name}[${i}] is not a finite number`);
    row[at + i] = v;
    // JSON numbers are doubles: 1e308 is finite there and Infinity in the model's float32.
    if (!Number.isFinite(row[at + i])) throw new HttpError(400, `${name}[${i}] = ${v} is outside the float32 range (|x| <= 3.4028234663852886e38)`);
  }
}

function parseInput(body: string, features: number): Float32Array {
  const input = (parseJson(body) as { input?: unknown } | null)?.input;
  if (!Array.isArray(input)) throw new HttpError(400, 'expected {"input": [numbers]}');
  const row = new Float32Array(features);
  readNumbers(input, features, 'input', row);
  return row;
}

/** One batcher row per candidate: the dense features, then its ids, each checked against its table. */
function parseRank(body: string, ranker: Ranker): Float32Array[] {
  const parsed = parseJson(body) as { dense?: unknown; candidates?: unknown } | null;
  const dense = new Float32Array(ranker.dense);
  readNumbers(parsed?.dense, ranker.dense, 'dense', dense);
  const candidates = parsed?.candidates;
  if (!Array.isArray(candidates) || candidates.length === 0) throw new HttpError(400, 'expected candidates as a non-empty array of id lists');
  if (candidates.length > MAX_CANDIDATES) throw new HttpError(400, `at most ${MAX_CANDIDATES} candidates a request, got ${candidates.length}`);
  const T = ranker.tableRows.length;
  return candidates.map((c: unknown, k) => {
    if (!Array.isArray(c) || c.length !== T) throw new HttpError(400, `candidates[${k}] must hold ${T} ids, one per table`);
    const row = new Float32Array(ranker.width);
    row.set(dense);
    c.forEach((id: unknown, t) => {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= ranker.tableRows[t]) {
        throw new HttpError(400, `candidates[${k}][${t}] must be an integer id in [0, ${ranker.tableRows[t]})`);
      }
      row[ranker.dense + t] = id;
    });
    return row;
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(status === 413 ? { connection: 'close' } : {}) });
  res.end(text);
}

/** Reads and drops a little more of a refused body, then closes: closing with unread bytes would reset the connection before the 413 arrives. */
function discardThenClose(req: http.IncomingMessage): void {
  let dropped = 0;
  const close = () => req.socket.destroy();
  setTimeout(close, DISCARD_MS).unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_BYTES) close();
  });
  req.on('end', close);
  req.resume();
}


export interface Ranking {
  ranker: Ranker;
  batcher: Batcher;
}

async function rank(req: http.IncomingMessage, ranking: Ranking | undefined) {
  if (ranking === undefined) throw new HttpError(404, 'no ranking model loaded (set QGEMM_RECSYS_MODEL)');
  if (req.method !== 'POST') throw new HttpError(405, 'use POST');
  const rows = parseRank(await readBody(req), ranking.ranker);
  const scores = (await Promise.all(rows.map((r) => ranking.batcher.submit(r)))).map((s) => s[0]);
  if (!scores.every(Number.isFinite)) throw new HttpError(422, "the model's score for a candidate is not finite");
  const order = scores.map((_, k) => k).sort((a, b) => scores[b] - scores[a]);
  return { scores, order };
}

export function createServer(batcher: Batcher, features: number, ranking?: Ranking): http.Server {
  return http.createServer((req, res) => {
    void (async () => {
      try {
        if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { ok: true });
        if (req.url === '/rank') return send(res, 200, await rank(req, ranking));
        if (req.url !== '/predict') throw new HttpError(404, 'not found');
        if (req.method !== 'POST') throw new HttpError(405, 'use POST');
        const row = parseInput(await readBody(req), features);
        const logits = await batcher.submit(row);
        // The model marks a row whose arithmetic left float32 with NaN (QuantizedLinear's nonFinite: 'propagate').
        if (!logits.every(Number.isFinite)) throw new HttpError(422, "the model's output for this input is not finite (its values overflow float32 inside the model)");
        let best = 0;
        for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        send(res, 200, { class: best, logits: Array.from(logits) });
      } catch (error) {
        if (error instanceof HttpError && error.status === 413) {
          send(res, 413, { error: error.message });
          discardThenClose(req);
        } else if (error instanceof HttpError) send(res, error.status, { error: error.message });
        // A coded qgemm error for this row alone (the batcher re-ran it by itself): its input is at fault.
        else if (/^ERR_QGEMM_/.test(String((error as { code?: unknown })?.code))) send(res, 422, { error: (error as Error).message });
        else send(res, 500, { error: 'internal error' });
      }
    })();
  });
}
