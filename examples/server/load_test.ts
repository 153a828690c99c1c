/**
 * Load test of the example server on loopback with autocannon: batched
 * (dynamic batching on) against unbatched (one request per forward pass).
 * The server runs in a child process so the load generator does not share
 * its event loop.
 *
 *   node --import tsx examples/server/load_test.ts [--seconds 10] [--connections 32]
 */
import { fork } from 'node:child_process';
import * as path from 'node:path';

import autocannon from 'autocannon';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function startChild(maxBatch: number, maxWaitMs: number): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = fork(path.join(__dirname, 'main.ts'), ['--port', '0', '--max-batch', String(maxBatch), '--max-wait-ms', String(maxWaitMs)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /127\.0\.0\.1:(\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    port,
    stop: () => new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

async function run(label: string, maxBatch: number, maxWaitMs: number, seconds: number, connections: number) {
  const server = await startChild(maxBatch, maxWaitMs);
  const body = JSON.stringify({ input: Array.from({ length: 784 }, (_, i) => (i % 255) / 255) });
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}/predict`,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
    connections,
    duration: seconds,
  });
  await server.stop();
  return {
    label,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

void (async () => {
  const seconds = flag('seconds', 10), connections = flag('connections', 32);
  const rows = [
    await run('unbatched (max batch 1)', 1, 0, seconds, connections),
    await run('batched (max batch 64, wait 2 ms)', 64, 2, seconds, connections),
  ];
  console.log(`\n${connections} connections, ${seconds} s each, 784-256-10 int8 MLP, loopback\n`);
  console.log('| server | requests/s | p50 latency (ms) | p99 latency (ms) | errors |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.label} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} |`);
})();
