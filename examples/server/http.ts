/**
 * The HTTP layer: POST /predict with {"input": [784 numbers]} answers
 * {"class": k, "logits": [...]}; GET /healthz answers "ok". Every malformed
 * request gets a 4xx with a JSON error, never an exception.
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
        let best = 0;
        for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        send(res, 200, { class: best, logits: Array.from(logits) });
      } catch (error) {
        if (error instanceof HttpError) send(res, error.status, { error: error.message });
        else send(res, 500, { error: 'internal error' });
      }
    })();
  });
}
