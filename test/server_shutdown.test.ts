/**
 * The example server's limits under a slow or hostile client: a chunked body
 * over the limit gets 413 (not a reset), a stalled upload cannot hold
 * shutdown past the drain deadline, and a second signal exits at once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';

import { startServer } from '../examples/server/main';

/** A client that sends headers for 100 bytes of body, then 5 bytes, then nothing. */
function stall(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write('POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"inp');
      setTimeout(() => resolve(socket), 100);
    });
    socket.on('error', () => {});
  });
}

describe('examples/server shutdown and body limits', () => {
  it('answers 413 to a chunked body over the limit', { timeout: 10_000 }, async () => {
    const server = await startServer({ port: 0 });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ port: server.port, host: '127.0.0.1', path: '/predict', method: 'POST' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        const chunk = Buffer.alloc(16 * 1024, 0x31);
        for (let i = 0; i < 8; i++) req.write(chunk);
        req.end();
      });
      assert.equal(status, 413);
    } finally {
      await server.close();
    }
  });

  it('close() ends a stalled upload at the drain deadline', { timeout: 10_000 }, async () => {
    const server = await startServer({ port: 0, drainMs: 200 });
    const socket = await stall(server.port);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await server.close();
    await closed;
  });

  it('a second SIGTERM exits at once while a client stalls', { timeout: 30_000 }, async () => {
    const main = path.join(__dirname, '..', 'examples', 'server', 'main.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0', '--drain-ms', '600000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error(`server exited: ${out}`)));
    });
    const socket = await stall(port);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    await new Promise<void>((resolve) => {
      const check = () => (/draining/.test(out) ? resolve() : setTimeout(check, 20));
      check();
    });
    child.kill('SIGTERM');
    assert.equal(await exited, 130);
    socket.destroy();
  });
});
