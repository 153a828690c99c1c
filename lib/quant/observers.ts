/**
 * Min/max observers with PyTorch 1.13 semantics (torch.ao.quantization.observer):
 * running min/max (or their moving average) in float32, then _calculate_qparams.
 * Differences from PyTorch, by choice: observing an empty tensor throws
 * ERR_QGEMM_EMPTY (PyTorch ignores it); calculateQParams() before observe()
 * throws ERR_QGEMM_NOT_OBSERVED (PyTorch warns and returns scale 1, zero point 0);
 * a NaN or infinite range throws ERR_QGEMM_NOT_FINITE (PyTorch returns NaN/inf qparams).
 */
import { rangeError, stateError, typeError, show } from '../errors';
import { floatInput, normalizeAxis, type FloatInput } from './input';
import {
  QPARAMS_KEYS,
  qparamsInto,
  resolveQSpec,
  type PerChannelQParams,
  type QParams,
  type QParamsOptions,
  type QSpec,
} from './qparams';
import { minMaxNative } from './native_path';
import { f32 } from './round';

export interface Observer<Q = QParams | PerChannelQParams> {
  observe(x: FloatInput): void;
  calculateQParams(): Q;
  reset(): void;
}

export interface MinMaxObserverOptions extends QParamsOptions {}

export interface MovingAverageOptions {
  /** Weight of the newest batch's min/max; default 0.01 as PyTorch. */
  averagingConstant?: number;
}

export interface PerChannelOptions extends QParamsOptions {
  /** Channel axis (PyTorch's ch_axis), negative counts from the end; default 0. */
  axis?: number;
  /** Alias of axis, PyTorch's name. */
  chAxis?: number;
}

function averagingConstant(options: MovingAverageOptions): number {
  const c = options.averagingConstant ?? 0.01;
  if (typeof c !== 'number' || !(c >= 0 && c <= 1)) {
    throw rangeError('ERR_QGEMM_OPTION', `options.averagingConstant must be in [0, 1], got ${show(c)}`);
  }
  return f32(c); // PyTorch multiplies a float32 tensor by it
}

/** min and max of data; NaN when any element is NaN (torch.aminmax propagates NaN). Native for large inputs. */
function minMax(data: Float32Array): [number, number] {
  const native = minMaxNative(data);
  if (native !== undefined) return native;
  let lo = Infinity;
  let hi = -Infinity;
  let nan = false;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (v !== v) nan = true;
  }
  return nan ? [NaN, NaN] : [lo, hi];
}

function checkObserved(observed: boolean, min: number, max: number, name: string): void {
  if (!observed) throw stateError('ERR_QGEMM_NOT_OBSERVED', `${name}.calculateQParams() called before observe()`);
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    throw rangeError('ERR_QGEMM_NOT_FINITE', `${name} observed a NaN or infinite value (min ${min}, max ${max})`);
  }
}

function perTensorSpec(options: QParamsOptions, name: string, keys: readonly string[]): QSpec {
  const spec = resolveQSpec(options, 'per_tensor_affine', keys, `new ${name}`);
  if (spec.perChannel) throw rangeError('ERR_QGEMM_OPTION', `${name} takes a per_tensor qscheme, got ${show(options.qscheme)}`);
  return spec;
}

/** Running min/max (PyTorch MinMaxObserver). */
export class MinMaxObserver implements Observer<QParams> {
  /** The option names this class's constructor takes (subclasses add theirs). */
  static readonly optionKeys: readonly string[] = QPARAMS_KEYS;
  readonly spec: QSpec;
  /** The running min and max (float32 values); +-Infinity before observe(). */
  min = Infinity;
  max = -Infinity;
  protected observed = false;

  constructor(options: MinMaxObserverOptions = {}) {
    this.spec = perTensorSpec(options, new.target.name, (new.target as typeof MinMaxObserver).optionKeys);
  }

  observe(x: FloatInput): void {
    const { data } = floatInput(x, 'x');
    if (data.length === 0) throw rangeError('ERR_QGEMM_EMPTY', `${this.constructor.name}.observe() got an empty tensor`);
    const [lo, hi] = minMax(data);
    this.update(lo, hi);
    this.observed = true;
  }

  protected update(lo: number, hi: number): void {
    // torch.min / torch.max propagate NaN.
    this.min = lo !== lo || lo < this.min ? lo : this.min;
    this.max = hi !== hi || hi > this.max ? hi : this.max;
  }

  calculateQParams(): QParams {
    checkObserved(this.observed, this.min, this.max, this.constructor.name);
    const out = [0, 0];
    qparamsInto(this.min, this.max, this.spec, out);
    return { scale: out[0], zeroPoint: out[1] };
  }

  /**
   * observe(x), kept only if the running range still gives qparams (a finite
   * range whose scale float32 can hold); otherwise the observer is left as it
   * was and ERR_QGEMM_NOT_FINITE names `where`. For layers that observe every
   * batch: one overflowing batch must not poison the range of the ones after it.
   */
  observeChecked(x: FloatInput, where: string = this.constructor.name): void {
    const { min, max, observed } = this;
    this.observe(x);
    let scale = NaN;
    try {
      scale = this.calculateQParams().scale;
    } catch {} // NaN or infinite range: refused below
    if (!Number.isFinite(scale)) {
      const range = `[${this.min}, ${this.max}]`;
      [this.min, this.max, this.observed] = [min, max, observed];
      throw rangeError('ERR_QGEMM_NOT_FINITE', `${where}: this batch makes the observed range ${range}, whose scale overflows float32; batch refused, observer unchanged`);
    }
  }

  reset(): void {
    this.min = Infinity;
    this.max = -Infinity;
    this.observed = false;
  }
}

/** Moving average of each batch's min/max (PyTorch MovingAverageMinMaxObserver). */
export class MovingAverageMinMaxObserver extends MinMaxObserver {
  static override readonly optionKeys: readonly string[] = [...QPARAMS_KEYS, 'averagingConstant'];
  readonly averagingConstant: number;

  constructor(options: MinMaxObserverOptions & MovingAverageOptions = {}) {
    super(options);
    this.averagingConstant = averagingConstant(options);
  }

  protected override update(lo: number, hi: number): void {
    if (!this.observed) {
      this.min = lo;
      this.max = hi;
    } else {
      // min + c * (cur - min), each step a float32 tensor op in PyTorch.
      const c = this.averagingConstant;
      this.min = f32(this.min + f32(c * f32(lo - this.min)));
      this.max = f32(this.max + f32(c * f32(hi - this.max)));
    }
  }
}

/** Per-channel running min/max (PyTorch PerChannelMinMaxObserver). */
export class PerChannelMinMaxObserver implements Observer<PerChannelQParams> {
  /** The option names this class's constructor takes (subclasses add theirs). */
  static readonly optionKeys: readonly string[] = [...QPARAMS_KEYS, 'axis', 'chAxis'];
  readonly spec: QSpec;
  readonly axis: number;
  /** Running per-channel min and max; empty before observe(). */
  min: Float32Array = new Float32Array(0);
  max: Float32Array = new Float32Array(0);
  protected observed = false;

  constructor(options: PerChannelOptions = {}) {
    const spec = resolveQSpec(options, 'per_channel_affine', (new.target as typeof PerChannelMinMaxObserver).optionKeys, `new ${new.target.name}`);
    if (options.qscheme !== undefined && !spec.perChannel) {
      throw rangeError('ERR_QGEMM_OPTION', `${new.target.name} takes a per_channel qscheme, got ${options.qscheme}`);
    }
    this.spec = spec;
    const axis = options.axis ?? options.chAxis ?? 0;
    if (!Number.isInteger(axis)) throw typeError('ERR_QGEMM_OPTION', `options.axis must be an integer, got ${show(axis)}`);
    this.axis = axis;
  }

  observe(x: FloatInput): void {
    const { data, shape } = floatInput(x, 'x');
    const name = this.constructor.name;
    if (data.length === 0) throw rangeError('ERR_QGEMM_EMPTY', `${name}.observe() got an empty tensor`);
    const axis = normalizeAxis(this.axis, shape.length);
    if (axis < 0) throw rangeError('ERR_QGEMM_AXIS', `axis ${this.axis} is out of range for a tensor of rank ${shape.length}`);
    const channels = shape[axis];
    if (this.observed && channels !== this.min.length) {
      throw rangeError('ERR_QGEMM_AXIS', `${name} has ${this.min.length} channels, x.shape[${axis}] is ${channels}`);
    }
    let inner = 1;
    for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
    const lo = new Float32Array(channels).fill(Infinity);
    const hi = new Float32Array(channels).fill(-Infinity);
    const nan = new Uint8Array(channels);
    const outer = data.length / (channels * inner);
    let i = 0;
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < channels; c++) {
        let l = lo[c];
        let h = hi[c];
        for (const end = i + inner; i < end; i++) {
          const v = data[i];
          if (v < l) l = v;
          if (v > h) h = v;
          if (v !== v) nan[c] = 1;
        }
        lo[c] = l;
        hi[c] = h;
      }
    }
    for (let c = 0; c < channels; c++) if (nan[c]) lo[c] = hi[c] = NaN;
    if (!this.observed) {
      this.min = lo;
      this.max = hi;
    } else {
      this.update(lo, hi);
    }
    this.observed = true;
  }

  protected update(lo: Float32Array, hi: Float32Array): void {
    for (let c = 0; c < lo.length; c++) {
      const l = lo[c];
      const h = hi[c];
      if (l !== l || l < this.min[c]) this.min[c] = l;
      if (h !== h || h > this.max[c]) this.max[c] = h;
    }
  }

  calculateQParams(): PerChannelQParams {
    const name = this.constructor.name;
    if (!this.observed) throw stateError('ERR_QGEMM_NOT_OBSERVED', `${name}.calculateQParams() called before observe()`);
    const n = this.min.length;
    const scale = new Float32Array(n);
    const zeroPoint = new Int32Array(n);
    const out = [0, 0];
    for (let c = 0; c < n; c++) {
      checkObserved(true, this.min[c], this.max[c], `${name} channel ${c}:`);
      qparamsInto(this.min[c], this.max[c], this.spec, out);
      scale[c] = out[0];
      zeroPoint[c] = out[1];
    }
    return { scale, zeroPoint };
  }

  reset(): void {
    this.min = new Float32Array(0);
    this.max = new Float32Array(0);
    this.observed = false;
  }
}

/** Per-channel moving-average min/max (PyTorch MovingAveragePerChannelMinMaxObserver). */
export class MovingAveragePerChannelMinMaxObserver extends PerChannelMinMaxObserver {
  static override readonly optionKeys: readonly string[] = [...PerChannelMinMaxObserver.optionKeys, 'averagingConstant'];
  readonly averagingConstant: number;

  constructor(options: PerChannelOptions & MovingAverageOptions = {}) {
    super(options);
    this.averagingConstant = averagingConstant(options);
  }

  protected override update(lo: Float32Array, hi: Float32Array): void {
    const c = this.averagingConstant;
    for (let i = 0; i < lo.length; i++) {
      this.min[i] = f32(this.min[i] + f32(c * f32(lo[i] - this.min[i])));
      this.max[i] = f32(this.max[i] + f32(c * f32(hi[i] - this.max[i])));
    }
  }
}
