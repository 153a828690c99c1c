/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf 2017; Zalando SE, MIT licence):
 * the Debian package dataset-fashion-mnist's IDX files when installed,
 * otherwise the subset shipped in ./data (made by make_subset.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readIdx, type Dataset } from '../../lib/train';

export const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
export const SUBSET_DIR = path.join(__dirname, 'data');
export const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface FashionMnist {
  train: Dataset;
  test: Dataset;
  /** Where it came from: the system data set or the shipped subset. */
  source: string;
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
};

/**
 * Pixels kept as the file's bytes (uint8, 4x less memory than float32), read
 * as float32(p * float32(1/255)) in [0, 1] when batches are gathered: uint8
 * quantization with that scale gives them back exactly.
 */
function dataset(dir: string, images: string, labels: string): Dataset {
  const img = readIdx(path.join(dir, images));
  const lab = readIdx(path.join(dir, labels));
  const [n, rows, cols] = img.shape;
  if (lab.shape[0] !== n) throw new RangeError(`${images} has ${n} images, ${labels} ${lab.shape[0]} labels`);
  return { x: img.data, y: Uint8Array.from(lab.data), features: rows * cols, scale: PIXEL_SCALE };
}

/** float32(1 / 255). */
export const PIXEL_SCALE = Math.fround(1 / 255);

export function hasDir(dir: string): boolean {
  return Object.values(FILES).every((f) => fs.existsSync(path.join(dir, f)));
}

/** 'auto' uses the system data set when present, else the subset. */
export function loadFashionMnist(which: 'auto' | 'system' | 'subset' = 'auto', dir?: string): FashionMnist {
  const useSystem = which === 'system' || (which === 'auto' && hasDir(SYSTEM_DIR));
  const root = dir ?? (useSystem ? SYSTEM_DIR : SUBSET_DIR);
  if (!hasDir(root)) throw new Error(`Fashion-MNIST not found in ${root} (install the Debian package dataset-fashion-mnist, or use the shipped subset)`);
  return {
    train: dataset(root, FILES.trainImages, FILES.trainLabels),
    test: dataset(root, FILES.testImages, FILES.testLabels),
    source: useSystem && dir === undefined ? `${root} (full data set)` : `${root} (subset)`,
  };
}
