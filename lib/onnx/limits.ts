/**
 * The loader's limits: every size is checked against them before anything of
 * that size is allocated, so a small file cannot make loadOnnx use huge time
 * or memory. A refusal is ERR_QGEMM_ONNX_LIMIT naming the limit and the node.
 */
import { rangeError, typeError } from '../errors';

export interface OnnxLimits {
  /** Nodes in the graph. */
  maxNodes: number;
  /** Elements of one tensor, each 0 dimension counted as 1: [0, 2^40] is refused, not read as empty. */
  maxTensorElements: number;
  /** Elements allocated over the whole load: initializers read, constants folded, layer weights. */
  maxTotalElements: number;
  /** Elements allocated per byte of the model, above a floor of 2^24 (a few-byte file cannot ask for GBs). */
  maxInflation: number;
}

export const ONNX_LIMITS: Readonly<OnnxLimits> = Object.freeze({
  maxNodes: 1_000_000,
  maxTensorElements: 2 ** 30,
  maxTotalElements: 2 ** 32,
  maxInflation: 16,
});

/** Elements any model may allocate whatever its size (small models folding scales and biases). */
export const INFLATION_FLOOR = 2 ** 24;

export function resolveLimits(limits: unknown): OnnxLimits {
  if (limits === undefined) return { ...ONNX_LIMITS };
  if (typeof limits !== 'object' || limits === null) throw typeError('ERR_QGEMM_OPTION', 'options.limits must be an object');
  const out = { ...ONNX_LIMITS };
  for (const [k, v] of Object.entries(limits)) {
    if (!(k in ONNX_LIMITS)) throw rangeError('ERR_QGEMM_OPTION', `options.limits.${k} is not a limit; known: ${Object.keys(ONNX_LIMITS).join(', ')}`);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw rangeError('ERR_QGEMM_OPTION', `options.limits.${k} must be a finite number >= 0, got ${String(v)}`);
    out[k as keyof OnnxLimits] = v;
  }
  return out;
}

const limitError = (what: string, message: string) => rangeError('ERR_QGEMM_ONNX_LIMIT', `${what}: ${message}`);

/** Counts what one load allocates, refusing a size before it is allocated. */
export class Budget {
  #used = 0;
  readonly #cap: number;

  constructor(readonly limits: OnnxLimits, modelBytes: number) {
    this.#cap = Math.min(limits.maxTotalElements, INFLATION_FLOOR + (modelBytes > 0 ? limits.maxInflation * modelBytes : 0));
  }

  get used(): number {
    return this.#used;
  }

  nodes(count: number): void {
    if (count > this.limits.maxNodes) throw limitError('the graph', `${count} nodes, above the limit of ${this.limits.maxNodes} (limits.maxNodes)`);
  }

  /** Refuses dims whose extent (0 counted as 1) passes maxTensorElements; returns the element count. */
  dims(dims: readonly number[], what: string): number {
    let extent = 1, count = 1;
    for (const d of dims) {
      extent *= Math.max(d, 1);
      count *= d;
    }
    if (extent > this.limits.maxTensorElements) {
      throw limitError(what, `dims [${dims.join(', ')}] span ${extent} elements, above the limit of ${this.limits.maxTensorElements} (limits.maxTensorElements)`);
    }
    return count;
  }

  /** Charges `count` elements about to be allocated. */
  take(count: number, what: string): void {
    if (count > this.limits.maxTensorElements) throw limitError(what, `${count} elements in one tensor, above the limit of ${this.limits.maxTensorElements} (limits.maxTensorElements)`);
    if (this.#used + count > this.#cap) {
      const which = this.#cap === this.limits.maxTotalElements ? 'limits.maxTotalElements' : `${this.limits.maxInflation} per byte of the model above ${INFLATION_FLOOR} (limits.maxInflation)`;
      throw limitError(what, `the load would allocate more than ${this.#cap} elements in all (${which})`);
    }
    this.#used += count;
  }
}
