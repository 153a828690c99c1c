/**
 * Writes the Fashion-MNIST subset shipped in ./data (the fallback when the
 * Debian package dataset-fashion-mnist is not installed): the first
 * TRAIN_COUNT training and TEST_COUNT test images with their labels, as
 * gzipped IDX files under the same names as the full set.
 *   node --import tsx examples/fashion-mnist/make_subset.ts
 * Deterministic: the first images (the set is already in a shuffled order), gzip level 9.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { encodeIdx, readIdx } from '../../lib/train';
import { SUBSET_DIR, SYSTEM_DIR } from './data';

const TRAIN_COUNT = 6000;
const TEST_COUNT = 1000;

function write(name: string, count: number): void {
  const src = readIdx(path.join(SYSTEM_DIR, name));
  const per = src.shape.slice(1).reduce((a, b) => a * b, 1);
  const idx = encodeIdx([count, ...src.shape.slice(1)], src.data.subarray(0, count * per));
  // mtime 0 in the gzip header is node's default, so the output is byte-for-byte reproducible.
  fs.writeFileSync(path.join(SUBSET_DIR, name), zlib.gzipSync(idx, { level: 9 }));
}

fs.mkdirSync(SUBSET_DIR, { recursive: true });
write('train-images-idx3-ubyte.gz', TRAIN_COUNT);
write('train-labels-idx1-ubyte.gz', TRAIN_COUNT);
write('t10k-images-idx3-ubyte.gz', TEST_COUNT);
write('t10k-labels-idx1-ubyte.gz', TEST_COUNT);
console.log(`wrote ${TRAIN_COUNT} training and ${TEST_COUNT} test images to ${SUBSET_DIR}`);
