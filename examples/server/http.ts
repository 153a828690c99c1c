/**
 * The HTTP layer: POST /predict with {"input": [784 numbers]} answers
 * {"class": k, "logits": [...]}; GET /healthz answers "ok". Every request is
 * validated in full before it joins a batch: a malformed one gets a 4xx with a
 * JSON error saying why (numbers must fit float32, the model's type), never an
 * exception, and never reaches the model. An input that is valid but drives the
 * model's arithmetic past float32 gets 422 for itself alone.
 */
import * as http from 'node:http';

import type { Batcher } from './batcher';

export const MAX_BODY_BYTES = 64 * 1024;

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
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseInput(body: string, features: number): Float32Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
  const input = (parsed as { input?: unknown } | null)?.input;
  if (!Array.isArray(input)) throw new HttpError(400, 'expected {"input": [numbers]}');
  if (input.length !== features) throw new HttpError(400, `input must hold ${features} numbers, got ${input.length}`);
  const row = new Float32Array(features);
  for (let i = 0; i < features; i++) {
    const v = input[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new HttpError(400, `input[${i}] is not a finite number`);
    row[i] = v;
    // JSON numbers are doubles: 1e308 is finite there and Infinity in the model's float32.
    if (!Number.isFinite(row[i])) throw new HttpError(400, `input[${i}] = ${v} is outside the float32 range (|x| <= 3.4028234663852886e38)`);
  }
  return row;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function createServer(batcher: Batcher, features: number): http.Server {
  return http.createServer((req, res) => {
    void (async () => {
      try {
        if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { ok: true });
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
        if (error instanceof HttpError) send(res, error.status, { error: error.message });
        // A coded qgemm error for this row alone (the batcher re-ran it by itself): its input is at fault.
        else if (/^ERR_QGEMM_/.test(String((error as { code?: unknown })?.code))) send(res, 422, { error: (error as Error).message });
        else send(res, 500, { error: 'internal error' });
      }
    })();
  });
}
