/**
 * Calibration files and the quantize command, against what an attacker or a
 * slip can feed them: .npy headers read as the Python literal numpy reads
 * (what numpy refuses is refused; the expectations below are numpy 2.4's
 * answers), gzipped IDX inflated no further than its header's shape, an output
 * path that is the input refused, and node names escaped on the terminal.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { encodeIdx, parseIdx, parseNpy } from '../lib';
import { chain, graphModel } from './onnx_graphs';
import { FIXTURES } from './onnx_support';

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

/** A version 1.0 .npy holding float32 [1.5, 2.5] under `header`. */
function npy(header: string): Uint8Array {
  const padded = header + ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + padded.length + 8);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, padded.length, true);
  out.set(Uint8Array.from(padded, (c) => c.charCodeAt(0)), 10);
  new Float32Array(out.buffer, 10 + padded.length, 2).set([1.5, 2.5]);
  return out;
}

describe('.npy headers as numpy reads them', () => {
  const accepted: [string, string][] = [
    ['double quotes', `{"descr": "<f4", "fortran_order": False, "shape": (2,)}`],
    ['a repeated key (the last wins, as in Python)', `{'descr': '<i4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }`],
  ];
  const refused: [string, string][] = [
    ['a descr hidden in another key', `{'note': "'descr': '<i4'", 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }`],
    ['shape (2) (an int, not a tuple)', `{'descr': '<f4', 'fortran_order': False, 'shape': (2), }`],
    ['shape as a list', `{'descr': '<f4', 'fortran_order': False, 'shape': [2], }`],
    ['fortran_order 0', `{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }`],
    ['no closing brace', `{'descr': '<f4', 'fortran_order': False, 'shape': (2,), `],
    ['text after the dict', `{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x`],
  ];
  for (const [name, header] of accepted) {
    it(`reads ${name}`, () => {
      const a = parseNpy(npy(header));
      assert.deepEqual([a.dtype, a.shape, Array.from(a.data)], ['float32', [2], [1.5, 2.5]]);
    });
  }
  for (const [name, header] of refused) {
    it(`refuses ${name}`, () => assert.throws(() => parseNpy(npy(header)), code('ERR_QGEMM_FILE_FORMAT')));
  }
});

describe('gzipped IDX', () => {
  it('stops inflating at the size the header states', () => {
    // A 10x10 header followed by 64 MiB of zeros: ~65 KB gzipped.
    const bomb = zlib.gzipSync(Buffer.concat([encodeIdx([10, 10], new Uint8Array(100)), Buffer.alloc(64 << 20)]));
    assert.throws(() => parseIdx(bomb), (e: Error) => code('ERR_QGEMM_FILE_FORMAT')(e) && /inflates past the 112 bytes/.test(e.message));
    const good = encodeIdx([2, 3], Uint8Array.of(1, 2, 3, 4, 5, 6));
    assert.deepEqual(parseIdx(zlib.gzipSync(good)), { shape: [2, 3], data: Uint8Array.of(1, 2, 3, 4, 5, 6) });
    assert.throws(() => parseIdx(zlib.gzipSync(good).subarray(0, 12)), code('ERR_QGEMM_FILE_FORMAT'));
  });
});

describe('qgemm quantize: paths and names', () => {
  const bin = path.join(__dirname, '..', 'bin', 'qgemm.ts');
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', bin, 'quantize', ...args], { encoding: 'utf8' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qgemm-paths-'));
  const calibration = path.join(FIXTURES, 'calibration_sample.npy');

  it('refuses an output path that is the float model (also through a link) and leaves it intact', () => {
    const model = path.join(dir, 'model.onnx');
    fs.copyFileSync(path.join(FIXTURES, 'mlp_fashion.onnx'), model);
    const before = fs.readFileSync(model);
    fs.linkSync(model, path.join(dir, 'hard.onnx'));
    for (const out of [model, path.join(dir, '.', 'model.onnx'), path.join(dir, 'hard.onnx')]) {
      const r = run(model, out, '--calibrate', calibration);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /is the float model/);
    }
    assert.equal(run(model, calibration, '--calibrate', calibration).status, 2);
    assert.deepEqual(fs.readFileSync(model), before);
  });

  it('escapes control characters of node names in what it prints', () => {
    const evil = '\x1b[2K\rwrote out.onnx (ok)\x1b[8m';
    const model = path.join(dir, 'evil.onnx');
    fs.writeFileSync(model, graphModel(784, (g) => {
      const out = chain(g, 'Relu', 1, 'x');
      g.nodes[0].name = evil;
      g.nodes[0].opType = 'Softmax';
      return out;
    }));
    const r = run(model, path.join(dir, 'q.onnx'), '--calibrate', calibration);
    assert.equal(r.status, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /[\x00-\x08\x0b-\x1f\x7f]/);
    assert.match(r.stderr, /\\u\{1b\}\[2K\\u\{d\}wrote/);
  });
});
