/**
 * The importer's plan: a chain of layer specs (plain data) that the graph walk
 * appends to, a peephole pass that fuses quantization into QuantizedLinear
 * epilogues, and the step that builds the layers.
 */
import { QuantizedLinear, type QuantizedLinearOptions } from '../layers/quantized_linear';
import { ReLU } from '../train/activations';
import { Linear } from '../train/linear';
import { Rng } from '../train/rng';
import { Dequantize, Flatten, Quantize, Transpose, type QParamsSpec } from './layers';
import type { OnnxLayer } from './model';

export interface LinearSpec {
  kind: 'linear';
  /** [out, in], row-major. */
  weight: Float32Array;
  out: number;
  in: number;
  bias?: Float32Array;
}

export interface QLinearSpec {
  kind: 'qlinear';
  /** int8 [out, in], zero point 0. */
  q: Int8Array;
  out: number;
  in: number;
  /** out values, or 1 per tensor. */
  scales: Float32Array;
  bias?: Float32Array;
  relu: boolean;
  /** Dynamic activations (per row or per batch); absent for static ones. */
  dynamic?: { perRow: boolean };
  /** Static: the input's qparams; floatInput says whether the layer quantizes float input itself. */
  input?: QParamsSpec;
  floatInput: boolean;
  output?: QParamsSpec;
}

export type Spec =
  | LinearSpec
  | QLinearSpec
  | { kind: 'relu' }
  | { kind: 'flatten'; inputDims?: number[] }
  | { kind: 'transpose' }
  | { kind: 'quantize'; qp: QParamsSpec }
  | { kind: 'dequantize'; qp: QParamsSpec };

export function sameQParams(a: QParamsSpec | undefined, b: QParamsSpec | undefined): boolean {
  return a !== undefined && b !== undefined && a.dtype === b.dtype && Math.fround(a.scale) === Math.fround(b.scale) && a.zeroPoint === b.zeroPoint;
}

/**
 * Fuses (to a fixed point, as repeated rewriting would):
 *   qlinear (float out) + relu        -> qlinear with relu
 *   qlinear (float out) + quantize    -> qlinear with int8/uint8 out (the epilogue quantizes exactly as QuantizeLinear)
 *   quantize(qp) + static qlinear(qp) -> qlinear that quantizes its float input itself
 * Each rewrite computes the same values: only where the rounding happens moves.
 */
export function fuse(specs: Spec[]): Spec[] {
  // Two stack passes (linear time): the first rule's fusions never create a second-rule pair, nor the reverse.
  const epilogues: Spec[] = [];
  for (const b of specs) {
    const a = epilogues[epilogues.length - 1];
    if (a?.kind === 'qlinear' && a.output === undefined && b.kind === 'relu' && !a.relu) epilogues[epilogues.length - 1] = { ...a, relu: true };
    else if (a?.kind === 'qlinear' && a.output === undefined && b.kind === 'quantize') epilogues[epilogues.length - 1] = { ...a, output: b.qp };
    else epilogues.push(b);
  }
  const out: Spec[] = [];
  for (const b of epilogues) {
    const a = out[out.length - 1];
    if (a?.kind === 'quantize' && b.kind === 'qlinear' && b.dynamic === undefined && !b.floatInput && sameQParams(a.qp, b.input)) out[out.length - 1] = { ...b, floatInput: true };
    else out.push(b);
  }
  return out;
}

/** The specs of a chain, newest first: appending shares the rest, so a long chain is built in linear time and memory. */
export type SpecList = { readonly last: Spec; readonly prev: SpecList } | null;

export const pushSpec = (list: SpecList, spec: Spec): SpecList => ({ last: spec, prev: list });

/** The list with its last spec replaced. */
export const replaceLast = (list: SpecList, spec: Spec): SpecList => pushSpec(list?.prev ?? null, spec);

export function specArray(list: SpecList): Spec[] {
  const out: Spec[] = [];
  for (let l = list; l !== null; l = l.prev) out.push(l.last);
  return out.reverse();
}

/** The layers of a fused plan. */
export function buildLayers(specs: Spec[]): OnnxLayer[] {
  return specs.map((s): OnnxLayer => {
    switch (s.kind) {
      case 'linear': {
        const layer = new Linear(s.in, s.out, new Rng(0));
        layer.weight.data.set(s.weight);
        layer.bias.data.fill(0);
        if (s.bias) layer.bias.data.set(s.bias);
        return layer;
      }
      case 'qlinear': {
        const options: QuantizedLinearOptions = s.dynamic
          ? { activation: 'dynamic', perRow: s.dynamic.perRow, relu: s.relu }
          : { activation: 'static', input: { ...s.input! }, relu: s.relu };
        if (s.output) options.output = { ...s.output };
        return new QuantizedLinear({ q: { dtype: 'int8', shape: [s.out, s.in], data: s.q }, scales: s.scales }, s.bias, options);
      }
      case 'relu':
        return new ReLU();
      case 'flatten':
        return new Flatten(s.inputDims);
      case 'transpose':
        return new Transpose();
      case 'quantize':
        return new Quantize(s.qp);
      case 'dequantize':
        return new Dequantize(s.qp);
    }
  });
}
