/**
 * Symmetric narrow-range int8 ([-127, 127]) per row or per column, the scheme
 * of quantizeWeights (ONNX Runtime / TFLite weights): scale = float32(amax / 127),
 * 1 for an all-zero slice; q = clamp(roundHalfEven(float32(x / scale))), as
 * quantizeLinear. Written as tight loops because training calls them every step.
 */
import * as round from '../quant/round';

// Bound once: a call through the module namespace per element is a getter call in CommonJS output.
const roundHalfEven = round.roundHalfEven;

export interface SymmetricInt8 {
  q: Int8Array;
  scales: Float32Array;
}

function scaleOf(amax: number): number {
  return amax > 0 ? Math.fround(amax / 127) : 1;
}

function level(x: number, s: number): number {
  const r = roundHalfEven(Math.fround(x / s));
  return r > 127 ? 127 : r < -127 ? -127 : r; // NaN stays NaN and is stored as 0
}

/** One scale per row of a row-major [rows, cols] matrix. */
export function quantizeRows(x: Float32Array, rows: number, cols: number, out?: SymmetricInt8): SymmetricInt8 {
  const q = out?.q.length === rows * cols ? out.q : new Int8Array(rows * cols);
  const scales = out?.scales.length === rows ? out.scales : new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let amax = 0;
    for (let j = 0; j < cols; j++) {
      const a = Math.abs(x[base + j]);
      if (a > amax) amax = a;
    }
    const s = (scales[r] = scaleOf(amax));
    for (let j = 0; j < cols; j++) q[base + j] = level(x[base + j], s);
  }
  return { q, scales };
}

/** One scale per column of a row-major [rows, cols] matrix. */
export function quantizeColumns(x: Float32Array, rows: number, cols: number, out?: SymmetricInt8): SymmetricInt8 {
  const q = out?.q.length === rows * cols ? out.q : new Int8Array(rows * cols);
  const scales = out?.scales.length === cols ? out.scales : new Float32Array(cols);
  const amax = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) {
      const a = Math.abs(x[base + j]);
      if (a > amax[j]) amax[j] = a;
    }
  }
  for (let j = 0; j < cols; j++) scales[j] = scaleOf(amax[j]);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) q[base + j] = level(x[base + j], scales[j]);
  }
  return { q, scales };
}
