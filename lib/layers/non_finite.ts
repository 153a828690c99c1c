/**
 * The float-in layers' policy for NaN and +-Infinity in their input (the
 * quantizing paths of the training layers; QuantizedLinear checks natively,
 * native/layers/finite_rows.h, with the same message). Quantizing would turn
 * such a row into plausible numbers, hiding a bug upstream, so by default a
 * layer throws ERR_QGEMM_NOT_FINITE naming the row; 'propagate' writes NaN
 * across that output row instead, as a float layer would, and computes the
 * other rows as if the bad one were zeros.
 */
import { rangeError, typeError, show } from '../errors';
import { checkTensor, type Tensor } from '../tensor';
import { nativeTrain } from '../train/native_train';

export type NonFinitePolicy = 'throw' | 'propagate';

export function checkNonFinitePolicy(value: unknown, name: string): NonFinitePolicy {
  const policy = value ?? 'throw';
  if (policy !== 'throw' && policy !== 'propagate') {
    throw typeError('ERR_QGEMM_OPTION', `${name} must be 'throw' or 'propagate', got ${show(policy)}`);
  }
  return policy;
}

/** The rows of a [rows, cols] matrix holding NaN or +-Infinity. */
export function nonFiniteRows(x: Float32Array, rows: number, cols: number): number[] {
  const bad: number[] = [];
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    // x * 0 is 0 for every finite x and NaN for NaN and +-Infinity.
    for (let i = r * cols, end = i + cols; i < end; i++) sum += x[i] * 0;
    if (sum !== 0) bad.push(r);
  }
  return bad;
}

/** "x row 2 holds NaN (x[2][5])", as the native layers say it. */
export function nonFiniteMessage(x: Float32Array, cols: number, bad: readonly number[], what = 'x'): string {
  const r = bad[0];
  let c = 0;
  while (Number.isFinite(x[r * cols + c])) c++;
  const more = bad.length > 1 ? `, and ${bad.length - 1} more rows do too` : '';
  return `${what} row ${r} holds ${String(x[r * cols + c])} (${what}[${r}][${c}])${more}`;
}

/**
 * Checks a layer's input (a float32 [batch, inFeatures] tensor, named from the
 * layer's side) and applies the policy: returns it unchanged when every value is
 * finite; throws (policy 'throw'), or returns a copy with the bad rows zeroed and
 * their indices (policy 'propagate'; pass them to poisonRows).
 */
export function guardRows(x: Tensor<'float32'>, layer: string, policy: NonFinitePolicy, inFeatures: number): { x: Tensor<'float32'>; bad: number[] } {
  checkTensor(x, `${layer}: x`);
  if (x.dtype !== 'float32' || x.shape.length !== 2 || x.shape[1] !== inFeatures) {
    throw rangeError('ERR_QGEMM_SHAPE', `${layer}: x must be a float32 tensor [batch, ${inFeatures}], got ${x.dtype} [${x.shape.join(', ')}]`);
  }
  const [rows, cols] = x.shape;
  // The common case in native code (vectorized); the rows only when some value is not finite.
  if (nativeTrain().allFinite(x.data)) return { x, bad: [] };
  const bad = nonFiniteRows(x.data, rows, cols);
  if (bad.length === 0) return { x, bad };
  if (policy === 'throw') {
    throw rangeError(
      'ERR_QGEMM_NOT_FINITE',
      `${layer}: ${nonFiniteMessage(x.data, cols, bad)}; quantizing it would give plausible numbers for a broken input. ` +
        "Fix the input, or pass { nonFinite: 'propagate' } to get NaN across that output row",
    );
  }
  const clean = Float32Array.from(x.data);
  for (const r of bad) clean.fill(0, r * cols, (r + 1) * cols);
  return { x: { dtype: 'float32', shape: x.shape, data: clean }, bad };
}

/** NaN across the given rows of a [rows, cols] output. */
export function poisonRows(y: Float32Array, cols: number, bad: readonly number[]): void {
  for (const r of bad) y.fill(NaN, r * cols, (r + 1) * cols);
}

/**
 * A quantizing layer's backward: its int8 GEMMs would read a NaN in dy as 0
 * and return finite gradients. Returns dy unchanged when finite; throws before
 * the layer writes anything (policy 'throw'); or (policy 'propagate') a copy
 * with the bad rows zeroed, those rows (NaN across dx) and the columns holding
 * a bad value (NaN across those rows of dW and entries of the bias gradient).
 */
export function guardGradient(
  dy: Tensor<'float32'>, where: string, policy: NonFinitePolicy, outFeatures: number,
): { dy: Tensor<'float32'>; rows: number[]; cols: number[] } {
  if (nativeTrain().allFinite(dy.data)) return { dy, rows: [], cols: [] };
  const n = dy.data.length / outFeatures;
  const rows = nonFiniteRows(dy.data, n, outFeatures);
  if (policy === 'throw') {
    throw rangeError(
      'ERR_QGEMM_NOT_FINITE',
      `${where} backward: ${nonFiniteMessage(dy.data, outFeatures, rows, 'dy')}; this layer's gradients would hide it (quantized, NaN reads as 0). ` +
        "Find where it came from (the loss, a layer that overflowed), or pass { nonFinite: 'propagate' } to get NaN in the gradients it reaches",
    );
  }
  const bad = new Set<number>();
  for (const r of rows) for (let c = 0; c < outFeatures; c++) if (!Number.isFinite(dy.data[r * outFeatures + c])) bad.add(c);
  const clean = Float32Array.from(dy.data);
  for (const r of rows) clean.fill(0, r * outFeatures, (r + 1) * outFeatures);
  return { dy: { dtype: 'float32', shape: dy.shape, data: clean }, rows, cols: [...bad].sort((a, b) => a - b) };
}

/** "Int8Linear 'fc1'": a training layer named in messages (its weight is '<name>.weight'). */
export function layerName(kind: string, weightName: string): string {
  return `${kind} '${weightName.replace(/\.weight$/, '')}'`;
}

/** NaN across rows `cols` of dW [out, inFeatures] and those entries of the bias gradient. */
export function poisonWeightGrads(dw: Float32Array, db: Float32Array, inFeatures: number, cols: readonly number[]): void {
  for (const j of cols) {
    dw.fill(NaN, j * inFeatures, (j + 1) * inFeatures);
    db[j] = NaN;
  }
}
