/**
 * A batched int8 inference server:
 *   node --import tsx examples/server/main.ts [--port 8080] [--max-batch 64] [--max-wait-ms 2]
 *   curl -s localhost:8080/predict -d '{"input": [...784 numbers...]}'
 * With QGEMM_RECSYS_MODEL=DIR (saved by `npm run demo:recsys -- --save DIR`) it also ranks:
 *   curl -s localhost:8080/rank -d '{"dense": [...13 numbers...], "candidates": [[...one id per table...], ...]}'
 * SIGINT / SIGTERM stop accepting, answer what is queued, then exit; connections still open
 * after --drain-ms (default 10000) are closed. A second signal exits at once.
 */
import type { AddressInfo } from 'node:net';

import { Batcher } from './batcher';
import { createServer } from './http';
import { loadMlp } from './model';
import { loadRanker } from './ranking';

export interface ServerOptions {
  port?: number;
  host?: string;
  maxBatch?: number;
  maxWaitMs?: number;
  /** Candidates a ranking batch holds at most. */
  maxRankBatch?: number;
  /** close() waits this long for open requests, then closes their connections (a stalled client cannot hold the exit). */
  drainMs?: number;
}

export async function startServer(options: ServerOptions = {}) {
  const model = loadMlp();
  const batcher = new Batcher((x, rows) => model.forward(x, rows), model.inFeatures, model.outFeatures, {
    maxBatch: options.maxBatch ?? 64,
    maxWaitMs: options.maxWaitMs ?? 2,
  });
  const ranker = loadRanker();
  const rankBatcher = ranker && new Batcher((x, rows) => ranker.score(x, rows), ranker.width, 1, {
    maxBatch: options.maxRankBatch ?? 1024,
    maxWaitMs: options.maxWaitMs ?? 2,
  });
  const server = createServer(batcher, model.inFeatures, ranker && rankBatcher && { ranker, batcher: rankBatcher });
  await new Promise<void>((resolve) => server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', resolve));
  const close = async () => {
    const deadline = setTimeout(() => server.closeAllConnections(), options.drainMs ?? 10_000);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    clearTimeout(deadline);
    await batcher.drain();
    await rankBatcher?.drain();
    model.dispose();
  };
  return { port: (server.address() as AddressInfo).port, close };
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

if (require.main === module) {
  void (async () => {
    const { port, close } = await startServer({ port: flag('port', 8080), maxBatch: flag('max-batch', 64), maxWaitMs: flag('max-wait-ms', 2), drainMs: flag('drain-ms', 10_000) });
    console.log(`qgemm inference server on http://127.0.0.1:${port} (POST /predict, GET /healthz)`);
    let stopping = false;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        if (stopping) {
          console.log(`${signal} again: exiting now`);
          process.exit(130);
        }
        stopping = true;
        console.log(`${signal}: draining...`);
        void close().then(() => process.exit(0));
      });
    }
  })();
}
