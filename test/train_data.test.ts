/**
 * The IDX reader on hand-written buffers, the Fashion-MNIST loader on the
 * shipped subset, and the example run end to end from the subset.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { encodeIdx, parseIdx, rowsOf } from '../lib/train';
import { loadFashionMnist, SUBSET_DIR } from '../examples/fashion-mnist/data';

describe('IDX files', () => {
  // Two 2x3 "images": magic 0 0 0x08 (ubyte) 3 (rank), dims 2, 2, 3 big-endian, then 12 bytes.
  const raw = Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255);

  it('parses a raw buffer and a gzipped one', () => {
    for (const buf of [raw, new Uint8Array(zlib.gzipSync(raw))]) {
      const { shape, data } = parseIdx(buf);
      assert.deepEqual(shape, [2, 2, 3]);
      assert.deepEqual([...data], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255]);
    }
  });

  it('encodeIdx writes what parseIdx reads', () => {
    assert.deepEqual(encodeIdx([2, 2, 3], raw.subarray(16)), raw);
    const labels = encodeIdx([4], Uint8Array.of(9, 0, 3, 1));
    assert.deepEqual(parseIdx(labels), { shape: [4], data: Uint8Array.of(9, 0, 3, 1) });
  });

  it('rejects a bad magic, an unsupported type and a wrong length', () => {
    assert.throws(() => parseIdx(Uint8Array.of(1, 0, 8, 1, 0, 0, 0, 0)), /bad magic/);
    assert.throws(() => parseIdx(Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 0)), /not supported/);
    assert.throws(() => parseIdx(raw.subarray(0, raw.length - 1)), /needs 12/);
  });
});

describe('Fashion-MNIST subset', () => {
  it('loads 6000 training and 1000 test images in [0, 1] with labels 0..9', () => {
    const d = loadFashionMnist('subset');
    assert.match(d.source, /subset/);
    assert.equal(d.train.y.length, 6000);
    assert.equal(d.test.y.length, 1000);
    assert.equal(d.train.x.length, 6000 * 784);
    assert.ok(d.train.x instanceof Uint8Array && d.train.scale === Math.fround(1 / 255));
    const first = rowsOf(d.train, 0, 2).data;
    assert.ok(first.every((v) => v >= 0 && v <= 1) && first.some((v) => v > 0.5));
    first.forEach((v, i) => assert.equal(v, Math.fround(d.train.x[i] * d.train.scale!)));
    const counts = new Array(10).fill(0);
    for (const y of Array.from(d.train.y)) counts[y]++;
    assert.ok(counts.every((c) => c > 450), `class counts ${counts}`);
    assert.equal(path.resolve(SUBSET_DIR), path.resolve(__dirname, '../examples/fashion-mnist/data'));
  });

  it('the example runs from the subset (--smoke) and prints its table', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/fashion-mnist/main.ts', '--data', 'subset', '--smoke'], {
      cwd: path.resolve(__dirname, '..'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.match(out, /from .*fashion-mnist\/data \(subset\)/);
    for (const column of ['test acc %', 'train s/epoch', 'optimizer state MiB', 'saved activations MiB', 'peak RSS MiB']) assert.ok(out.includes(`| ${column} |`), column);
    const rows = ['fp32 (Adam)', 'PTQ min-max', 'QAT -> int8 static', 'SwitchBack int8', 'full int8', 'fp32 + 8-bit Adam', 'fp32 + int8-saved activations'];
    for (const row of rows) assert.ok(out.includes(`\n| ${row}`), row);
  });
});
