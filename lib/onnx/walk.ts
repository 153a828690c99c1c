/**
 * The graph walk of loadOnnx: nodes in order, each value either a constant
 * (folded), the activation chain (the layer specs so far), or a part of a
 * quantized-matmul pattern still being matched (DynamicQuantizeLinear's
 * outputs, MatMulInteger's int32 result and its float cast and scale).
 */
import { onnxError } from './proto';
import type { onnx } from './proto';
import { ARITY, attrFloat, attrInt, attrInts, constantValue, describeNode, PER_ROW_FUNCTION, QGEMM_DOMAIN } from './ops';
import { dequantizeConst, elementwiseConst, quantizeConst, qparamsOf, reshapeDims, scalarOf, transpose2d, type Folded } from './fold';
import type { QParamsSpec } from './layers';
import type { OnnxDim } from './model';
import type { Budget } from './limits';
import { int8Weights, intWeights } from './weights';
import { pushSpec, replaceLast, type QLinearSpec, type SpecList } from './specs';
import { fromTensorProto, type ConstTensor } from './tensor_proto';

export interface Chain {
  specs: SpecList;
  dtype: 'float32' | 'int8' | 'uint8';
  dims: OnnxDim[];
}

interface Acc {
  t: 'acc';
  base: Chain;
  q: Int8Array;
  out: number;
  in: number;
  /** Dynamic: the DynamicQuantizeLinear that made A; static: A's dtype and zero point. */
  dynId?: number;
  aDtype: 'int8' | 'uint8';
  aZeroPoint: number;
}

type Val =
  | { t: 'const'; f: Folded }
  | { t: 'act'; ch: Chain }
  | { t: 'dynq'; part: 'y' | 'scale' | 'zp'; base: Chain; id: number }
  | Acc
  | { t: 'accf'; acc: Acc }
  | { t: 'dynscale'; id: number; base: Chain; ws: Float32Array };

const unsupported = (what: string, why: string) => onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `${what}: ${why}`);
const invalid = (what: string, why: string) => onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: ${why}`);

export class Walker {
  /** Values still to be used: each is dropped after its last use, so folded constants do not pile up. */
  readonly vals = new Map<string, Val>();
  readonly #defined = new Set<string>();
  readonly #left: Map<string, number>;
  #nextId = 0;

  constructor(
    private readonly initializers: Map<string, onnx.ITensorProto>,
    private readonly uses: Map<string, number>,
    private readonly budget: Budget,
  ) {
    this.#left = new Map(uses);
  }

  setInput(name: string, ch: Chain): void {
    this.vals.set(name, { t: 'act', ch });
    this.#defined.add(name);
  }

  #get(name: string, what: string): Val {
    let v = this.vals.get(name);
    if (v === undefined && this.initializers.has(name)) {
      v = { t: 'const', f: { c: fromTensorProto(this.initializers.get(name)!, `initializer "${name}"`, this.budget) } };
      this.vals.set(name, v);
    }
    if (v === undefined) throw invalid(what, `input "${name}" is not defined before it is used`);
    return v;
  }

  #const(name: string | undefined, what: string): Folded | undefined {
    if (!name) return undefined;
    const v = this.#get(name, what);
    if (v.t !== 'const') throw unsupported(what, `input "${name}" must be a constant (an initializer)`);
    return v.f;
  }

  #needConst(name: string | undefined, what: string): Folded {
    const f = this.#const(name, what);
    if (f === undefined) throw invalid(what, 'a required input is missing');
    return f;
  }

  #act(name: string, what: string): Chain {
    const v = this.#get(name, what);
    if (v.t !== 'act') throw unsupported(what, `input "${name}" is not the activation qgemm expects here`);
    if ((this.uses.get(name) ?? 0) > 1) throw unsupported(what, `the activation "${name}" feeds ${this.uses.get(name)} nodes; qgemm runs chains of layers, not branching graphs`);
    return v.ch;
  }

  output(name: string): Chain {
    const v = this.vals.get(name);
    if (v === undefined) throw invalid('graph output', `"${name}" is not computed by the graph`);
    if (v.t !== 'act') throw unsupported('graph output', `"${name}" is a ${v.t === 'const' ? 'constant' : 'partial quantized pattern'}, not the activation`);
    return v.ch;
  }

  run(node: onnx.INodeProto, index: number): void {
    const what = describeNode(node, index);
    const ins = node.input ?? [];
    const outs = node.output ?? [];
    const [fewest, most] = ARITY[node.opType ?? ''] ?? [0, Infinity];
    if (ins.length < fewest || ins.length > most || ins.slice(0, fewest).some((n) => !n)) throw invalid(what, `takes ${fewest === most ? fewest : `${fewest} to ${most}`} inputs, got ${ins.length}`);
    if (outs.length === 0 || !outs[0]) throw invalid(what, 'has no output');
    const results = node.domain === QGEMM_DOMAIN ? [this.#perRow(node, ins, what)] : this.#op(node, ins, what);
    if (results.length > outs.length && node.opType !== 'DynamicQuantizeLinear') throw invalid(what, `needs ${results.length} outputs`);
    results.forEach((v, i) => {
      if (outs[i]) {
        if (this.#defined.has(outs[i]) || this.initializers.has(outs[i])) throw invalid(what, `output "${outs[i]}" is defined twice`);
        this.#defined.add(outs[i]);
        if (this.uses.has(outs[i])) this.vals.set(outs[i], v);
      }
    });
    for (const name of ins) {
      const left = (this.#left.get(name) ?? 0) - 1;
      this.#left.set(name, left);
      if (left <= 0) this.vals.delete(name);
    }
  }

  /** Charges n elements about to be allocated. */
  #alloc(n: number, what: string): void {
    this.budget.take(n, what);
  }

  #op(node: onnx.INodeProto, ins: string[], what: string): Val[] {
    const constOut = (c: ConstTensor): Val[] => [{ t: 'const', f: { c } }];
    switch (node.opType) {
      case 'Constant':
        return constOut(constantValue(node, what, this.budget));
      case 'Identity':
        return [this.#get(ins[0], what)];
      case 'MatMul': {
        const a = this.#get(ins[0], what);
        if (a.t !== 'act') throw unsupported(what, 'the activation must be the first input of MatMul, the weights a constant second');
        return [{ t: 'act', ch: this.#dense(this.#act(ins[0], what), this.#needConst(ins[1], what), false, 1, undefined, what) }];
      }
      case 'Gemm':
        return [this.#gemm(node, ins, what)];
      case 'Add':
        return [this.#add(ins, what)];
      case 'Relu': {
        const ch = this.#act(ins[0], what);
        if (ch.dtype !== 'float32') throw unsupported(what, `Relu on ${ch.dtype} is not supported`);
        return [{ t: 'act', ch: { ...ch, specs: pushSpec(ch.specs, { kind: 'relu' }) } }];
      }
      case 'Flatten':
      case 'Reshape':
        return [this.#reshape(node, ins, what)];
      case 'Transpose':
        return [this.#transpose(node, ins, what)];
      case 'Cast':
        return [this.#cast(node, ins, what)];
      case 'Mul':
        return [this.#mul(ins, what)];
      case 'QuantizeLinear':
        return [this.#quantize(node, ins, what)];
      case 'DequantizeLinear':
        return [this.#dequantize(node, ins, what)];
      case 'DynamicQuantizeLinear': {
        const base = this.#act(ins[0], what);
        if (base.dtype !== 'float32' || base.dims.length < 2) throw unsupported(what, 'DynamicQuantizeLinear is read on a float activation of rank 2 or more');
        const id = this.#nextId++;
        return (['y', 'scale', 'zp'] as const).map((part) => ({ t: 'dynq', part, base, id }));
      }
      case 'MatMulInteger':
        return [this.#matmulInteger(ins, what)];
      case 'QLinearMatMul':
        return [this.#qlinearMatmul(ins, what)];
      default:
        throw unsupported(what, 'operator not supported');
    }
  }

  /** A float MatMul / Gemm of the activation with constant weights: Linear, or a static QuantizedLinear when both sides are dequantized int8. */
  #dense(ch: Chain, wf: Folded, transB: boolean, alpha: number, bias: Float32Array | undefined, what: string): Chain {
    if (ch.dtype !== 'float32') throw invalid(what, `the activation is ${ch.dtype}; MatMul and Gemm take float`);
    const w = wf.c;
    if (w.dtype !== 'float32' || w.dims.length !== 2) throw invalid(what, `the weights must be a 2-D float tensor, got ${w.dtype} [${w.dims.join(', ')}]`);
    const [inF, out] = transB ? [w.dims[1], w.dims[0]] : w.dims;
    if (inF === 0 || out === 0) throw unsupported(what, `empty weights [${w.dims.join(', ')}]`);
    this.#checkK(ch, inF, what);
    this.#alloc(w.data.length, what);
    if (bias !== undefined && bias.length !== out) throw invalid(what, `the bias has ${bias.length} values, the layer ${out} outputs`);
    const last = ch.specs?.last;
    const int8 = wf.quant && alpha === 1 && last?.kind === 'dequantize' ? int8Weights(wf.quant, transB) : undefined;
    const dims: OnnxDim[] = [...ch.dims.slice(0, -1), out];
    if (int8 && last?.kind === 'dequantize') {
      const spec: QLinearSpec = { kind: 'qlinear', q: int8.q, out, in: inF, scales: int8.scales, bias, relu: false, input: last.qp, floatInput: false };
      return { specs: replaceLast(ch.specs, spec), dtype: 'float32', dims };
    }
    const weight = transB ? Float32Array.from(w.data as Float32Array) : transpose2d(w.data as Float32Array, w.dims[0], w.dims[1]);
    if (alpha !== 1) for (let i = 0; i < weight.length; i++) weight[i] = alpha * weight[i];
    return { specs: pushSpec(ch.specs, { kind: 'linear', weight, out, in: inF, bias }), dtype: 'float32', dims };
  }

  #gemm(node: onnx.INodeProto, ins: string[], what: string): Val {
    const transA = attrInt(node, 'transA', 0, what), transB = attrInt(node, 'transB', 0, what);
    const alpha = attrFloat(node, 'alpha', 1, what), beta = attrFloat(node, 'beta', 1, what);
    let ch = this.#act(ins[0], what);
    if (ch.dims.length !== 2) throw invalid(what, `Gemm takes 2-D inputs, got rank ${ch.dims.length}`);
    if (transA) {
      ch = { ...ch, specs: pushSpec(ch.specs, { kind: 'transpose' }), dims: [ch.dims[1], ch.dims[0]] };
    }
    const w = this.#needConst(ins[1], what);
    const c = this.#const(ins[2], what)?.c;
    let bias: Float32Array | undefined;
    if (c !== undefined) {
      if (c.dtype !== 'float32') throw invalid(what, `C must be float, got ${c.dtype}`);
      const out = w.c.dims[transB ? 0 : 1];
      const rowVector = c.dims.length <= 1 || (c.dims.length === 2 && c.dims[0] === 1);
      if (!rowVector || (c.data.length !== 1 && c.data.length !== out)) throw unsupported(what, `C of dims [${c.dims.join(', ')}]: qgemm reads a bias per output (or one value)`);
      this.#alloc(out, what);
      bias = new Float32Array(out).fill(c.data.length === 1 ? c.data[0] : 0);
      if (c.data.length !== 1) bias.set(c.data as Float32Array);
      if (beta !== 1) for (let i = 0; i < out; i++) bias[i] = beta * bias[i];
    }
    return { t: 'act', ch: this.#dense(ch, w, transB !== 0, alpha, bias, what) };
  }

  /** Add of a constant right after a MatMul (or a quantized pattern): the layer's bias. */
  #add(ins: string[], what: string): Val {
    const [x, y] = [this.#get(ins[0], what), this.#get(ins[1], what)];
    if (x.t === 'const' && y.t === 'const') return { t: 'const', f: { c: this.#elementwise('Add', x.f.c, y.f.c, what) } };
    const [actName, cName] = x.t === 'act' ? [ins[0], ins[1]] : [ins[1], ins[0]];
    const ch = this.#act(actName, what);
    const c = this.#needConst(cName, what).c;
    const last = ch.specs?.last;
    if ((last?.kind !== 'linear' && last?.kind !== 'qlinear') || last.bias !== undefined || (last.kind === 'qlinear' && (last.relu || last.output))) {
      throw unsupported(what, 'Add is read as the bias of the MatMul right before it');
    }
    const rowVector = c.dims.length >= 1 && c.dims.slice(0, -1).every((d) => d === 1);
    if (c.dtype !== 'float32' || !rowVector || c.data.length !== last.out) throw unsupported(what, `the bias must be ${last.out} floats, got ${c.dtype} [${c.dims.join(', ')}]`);
    this.#alloc(c.data.length, what);
    return { t: 'act', ch: { ...ch, specs: replaceLast(ch.specs, { ...last, bias: Float32Array.from(c.data as Float32Array) }) } };
  }

  #reshape(node: onnx.INodeProto, ins: string[], what: string): Val {
    const x = this.#get(ins[0], what);
    const isFlatten = node.opType === 'Flatten';
    const axis = isFlatten ? attrInt(node, 'axis', 1, what) : 1;
    const target = isFlatten ? undefined : this.#needConst(ins[1], what).c;
    if (target !== undefined && target.dtype !== 'int64') throw invalid(what, 'the shape must be int64');
    const allowZero = !isFlatten && attrInt(node, 'allowzero', 0, what) !== 0;
    if (x.t === 'const') {
      const dims = target ? reshapeDims(x.f.c.dims, target.data, allowZero, what) : flattenDims(x.f.c.dims, axis, what);
      this.budget.dims(dims, what);
      return { t: 'const', f: { c: { ...x.f.c, dims } } };
    }
    const ch = this.#act(ins[0], what);
    if (ch.dims.length < 1) throw invalid(what, 'needs a batch dimension');
    const rest = ch.dims.slice(1);
    const features = rest.every((d) => typeof d === 'number') ? (rest as number[]).reduce((a, b) => a * b, 1) : null;
    const a = axis < 0 ? axis + ch.dims.length : axis;
    const flattenOk = isFlatten
      ? a === 1
      : target!.data.length === 2 && (target!.data[0] === 0 ? !allowZero : target!.data[0] === -1 ? target!.data[1] !== -1 : target!.data[0] === ch.dims[0]) &&
        (target!.data[1] === -1 || target!.data[1] === features);
    if (!flattenOk) throw unsupported(what, `only a flatten to [batch, features] is read (shape [${ch.dims.map((d) => d ?? '?').join(', ')}] -> ${isFlatten ? `axis ${axis}` : `[${Array.from(target!.data).join(', ')}]`})`);
    const inputDims = features === null ? undefined : (rest as number[]);
    return { t: 'act', ch: { ...ch, specs: pushSpec(ch.specs, { kind: 'flatten', inputDims }), dims: [ch.dims[0], features] } };
  }

  #transpose(node: onnx.INodeProto, ins: string[], what: string): Val {
    const perm = attrInts(node, 'perm', what);
    const x = this.#get(ins[0], what);
    const dims = x.t === 'const' ? x.f.c.dims : x.t === 'act' ? x.ch.dims : [];
    if (dims.length !== 2 || (perm !== undefined && (perm[0] !== 1 || perm[1] !== 0))) throw unsupported(what, 'only a 2-D transpose is read');
    if (x.t === 'const') {
      const c = x.f.c;
      if (c.dtype === 'int64') throw unsupported(what, 'transpose of int64');
      this.#alloc(c.data.length, what);
      return { t: 'const', f: { c: { ...c, dims: [c.dims[1], c.dims[0]], data: transpose2d(c.data as Float32Array, c.dims[0], c.dims[1]) } } };
    }
    const ch = this.#act(ins[0], what);
    return { t: 'act', ch: { ...ch, specs: pushSpec(ch.specs, { kind: 'transpose' }), dims: [ch.dims[1], ch.dims[0]] } };
  }

  #cast(node: onnx.INodeProto, ins: string[], what: string): Val {
    const to = attrInt(node, 'to', 0, what);
    const x = this.#get(ins[0], what);
    if (x.t === 'acc' && to === 1) return { t: 'accf', acc: x };
    if (x.t === 'const' && to === 1 && x.f.c.dtype !== 'int64') this.#alloc(x.f.c.data.length, what);
    if (x.t === 'const' && to === 1 && x.f.c.dtype !== 'int64') return { t: 'const', f: { c: { dtype: 'float32', dims: x.f.c.dims, data: Float32Array.from(x.f.c.data as Int32Array) } } };
    throw unsupported(what, 'Cast is read after MatMulInteger (int32 to float) and on constants');
  }

  #mul(ins: string[], what: string): Val {
    const [x, y] = [this.#get(ins[0], what), this.#get(ins[1], what)];
    if (x.t === 'const' && y.t === 'const') return { t: 'const', f: { c: this.#elementwise('Mul', x.f.c, y.f.c, what), mul: [x.f.c, y.f.c] } };
    const pair = <A extends Val['t'], B extends Val['t']>(a: A, b: B) =>
      x.t === a && y.t === b ? ([x, y] as [Extract<Val, { t: A }>, Extract<Val, { t: B }>]) : y.t === a && x.t === b ? ([y, x] as [Extract<Val, { t: A }>, Extract<Val, { t: B }>]) : undefined;
    const scaleTimesW = pair('dynq', 'const');
    if (scaleTimesW && scaleTimesW[0].part === 'scale') {
      const ws = scaleTimesW[1].f.c;
      if (ws.dtype !== 'float32' || ws.dims.length > 1) throw unsupported(what, 'the weight scale must be a float scalar or vector');
      return { t: 'dynscale', id: scaleTimesW[0].id, base: scaleTimesW[0].base, ws: Float32Array.from(ws.data as Float32Array) };
    }
    const dynamic = pair('accf', 'dynscale');
    if (dynamic) {
      const [{ acc }, s] = dynamic;
      if (acc.dynId !== s.id) throw unsupported(what, 'the scale does not come from the DynamicQuantizeLinear of this MatMulInteger');
      return this.#accLayer(acc, s.ws, { perRow: false }, undefined, what);
    }
    const scaled = pair('accf', 'const');
    if (scaled && scaled[0].acc.dynId === undefined) {
      const { acc } = scaled[0];
      const f = scaled[1].f;
      // x_scale * w_scale written as a Mul of two constants: keep them apart (the layer's input scale and weight scales).
      const parts = f.mul && f.mul.every((c) => c.dtype === 'float32') ? f.mul : undefined;
      const scalarFirst = parts && (parts[0].data.length === 1 ? parts : parts[1].data.length === 1 ? [parts[1], parts[0]] : undefined);
      const [xs, ws] = scalarFirst ? [scalarFirst[0].data[0], scalarFirst[1]] : [1, f.c];
      if (ws.dims.length > 2 || (ws.dims.length === 2 && ws.dims[0] !== 1)) throw unsupported(what, 'the scale must be a scalar or a row vector');
      const input: QParamsSpec = { dtype: acc.aDtype, scale: xs, zeroPoint: acc.aZeroPoint };
      return this.#accLayer(acc, Float32Array.from(ws.data as Float32Array), undefined, input, what);
    }
    throw unsupported(what, 'Mul is read as the scale of a MatMulInteger result, or on constants');
  }

  #accLayer(acc: Acc, ws: Float32Array, dynamic: { perRow: boolean } | undefined, input: QParamsSpec | undefined, what: string): Val {
    if (ws.length !== 1 && ws.length !== acc.out) throw unsupported(what, `${ws.length} weight scales for ${acc.out} outputs`);
    for (const s of ws) if (!(s > 0) || !Number.isFinite(s)) throw unsupported(what, `weight scales must be positive and finite, got ${s}`);
    const spec: QLinearSpec = { kind: 'qlinear', q: acc.q, out: acc.out, in: acc.in, scales: ws, relu: false, dynamic, input, floatInput: dynamic !== undefined };
    return { t: 'act', ch: { specs: pushSpec(acc.base.specs, spec), dtype: 'float32', dims: [...acc.base.dims.slice(0, -1), acc.out] } };
  }

  #quantize(node: onnx.INodeProto, ins: string[], what: string): Val {
    if (attrInt(node, 'block_size', 0, what) !== 0) throw unsupported(what, 'blocked quantization is not supported');
    const x = this.#get(ins[0], what);
    const scale = this.#needConst(ins[1], what).c;
    const zp = this.#const(ins[2], what)?.c;
    const axis = attrInt(node, 'axis', 1, what);
    if (x.t === 'const') this.#alloc(x.f.c.data.length, what);
    if (x.t === 'const') return { t: 'const', f: { c: quantizeConst(x.f.c, scale, zp, axis, what) } };
    const ch = this.#act(ins[0], what);
    if (ch.dtype !== 'float32') throw invalid(what, `QuantizeLinear takes float, got ${ch.dtype}`);
    const qp = this.#activationQParams(ch, scale, zp, axis, what);
    return { t: 'act', ch: { ...ch, specs: pushSpec(ch.specs, { kind: 'quantize', qp }), dtype: qp.dtype } };
  }

  #dequantize(node: onnx.INodeProto, ins: string[], what: string): Val {
    const x = this.#get(ins[0], what);
    const scale = this.#needConst(ins[1], what).c;
    const zp = this.#const(ins[2], what)?.c;
    const axis = attrInt(node, 'axis', 1, what);
    if (attrInt(node, 'block_size', 0, what) !== 0) throw unsupported(what, 'blocked quantization is not supported');
    if (x.t === 'const') this.#alloc(x.f.c.data.length, what);
    if (x.t === 'const') return { t: 'const', f: dequantizeConst(x.f.c, scale, zp, axis, what) };
    const ch = this.#act(ins[0], what);
    if (ch.dtype === 'float32') throw invalid(what, 'DequantizeLinear takes int8 or uint8, got float');
    if (zp !== undefined && zp.dtype !== ch.dtype) throw invalid(what, `the zero point is ${zp.dtype}, the input ${ch.dtype}`);
    const qp = this.#activationQParams(ch, scale, zp ?? { dtype: ch.dtype, dims: [], data: new Int8Array(1) }, axis, what);
    return { t: 'act', ch: { ...ch, specs: pushSpec(ch.specs, { kind: 'dequantize', qp }), dtype: 'float32' } };
  }

  #activationQParams(ch: Chain, scale: ConstTensor, zp: ConstTensor | undefined, axis: number, what: string): QParamsSpec {
    if (zp !== undefined && zp.dtype !== 'int8' && zp.dtype !== 'uint8') throw unsupported(what, `activations quantized to ${zp.dtype} are not supported`);
    const p = qparamsOf({ dims: ch.dims }, scale, zp, axis, what);
    if (p.axis !== undefined) throw unsupported(what, 'activations are read quantized per tensor only');
    return { dtype: (zp?.dtype ?? 'uint8') as 'int8' | 'uint8', scale: p.scales[0], zeroPoint: p.zeroPoints[0] };
  }

  /** [..., K] activations (the leading dims are rows) against K weight rows. */
  #checkK(ch: Chain, k: number, what: string): void {
    if (ch.dims.length < 2) throw unsupported(what, `activations of rank ${ch.dims.length}: qgemm reads [rows..., features]`);
    const last = ch.dims[ch.dims.length - 1];
    if (typeof last === 'number' && last !== k) throw invalid(what, `the activation has ${last} features, the weights ${k} rows`);
  }

  #matmulInteger(ins: string[], what: string): Val {
    const a = this.#get(ins[0], what);
    const bf = this.#needConst(ins[1], what).c;
    const w = this.#intWeights(bf, this.#const(ins[3], what)?.c, what);
    if (a.t === 'dynq' && a.part === 'y') {
      const zp = ins[2] ? this.#get(ins[2], what) : undefined;
      if (zp?.t !== 'dynq' || zp.part !== 'zp' || zp.id !== a.id) throw unsupported(what, "A from DynamicQuantizeLinear needs that node's zero point as a_zero_point");
      this.#checkK(a.base, w.in, what);
      return { t: 'acc', base: a.base, ...w, dynId: a.id, aDtype: 'uint8', aZeroPoint: 0 };
    }
    const ch = this.#act(ins[0], what);
    if (ch.dtype === 'float32') throw invalid(what, 'MatMulInteger takes int8 or uint8 A, got float');
    this.#checkK(ch, w.in, what);
    const azp = this.#const(ins[2], what)?.c;
    if (azp !== undefined && azp.dtype !== ch.dtype) throw invalid(what, `a_zero_point is ${azp.dtype}, A ${ch.dtype}`);
    return { t: 'acc', base: ch, ...w, aDtype: ch.dtype, aZeroPoint: scalarOf(azp, `${what} a_zero_point`) ?? 0 };
  }

  #qlinearMatmul(ins: string[], what: string): Val {
    const ch = this.#act(ins[0], what);
    if (ch.dtype === 'float32') throw invalid(what, 'QLinearMatMul takes int8 or uint8 A, got float');
    const [as, azp, b, bs, bzp, ys, yzp] = ins.slice(1, 8).map((n) => this.#needConst(n, what).c);
    const w = this.#intWeights(b, bzp, what);
    this.#checkK(ch, w.in, what);
    if (azp.dtype !== ch.dtype) throw invalid(what, `a_zero_point is ${azp.dtype}, A ${ch.dtype}`);
    if (yzp.dtype !== 'int8' && yzp.dtype !== 'uint8') throw invalid(what, 'y_zero_point must be int8 or uint8');
    const scalarScale = (c: ConstTensor, n: string) => {
      const s = scalarOf(c, `${what} ${n}`)!;
      if (c.dtype !== 'float32' || !(s > 0) || !Number.isFinite(s)) throw unsupported(what, `${n} must be a positive finite float`);
      return s;
    };
    const input: QParamsSpec = { dtype: ch.dtype, scale: scalarScale(as, 'a_scale'), zeroPoint: scalarOf(azp, `${what} a_zero_point`)! };
    const output: QParamsSpec = { dtype: yzp.dtype, scale: scalarScale(ys, 'y_scale'), zeroPoint: scalarOf(yzp, `${what} y_zero_point`)! };
    if (bs.dtype !== 'float32' || (bs.data.length !== 1 && bs.data.length !== w.out)) throw invalid(what, 'b_scale must be float, per tensor or per column');
    const acc: Acc = { t: 'acc', base: ch, ...w, aDtype: ch.dtype, aZeroPoint: input.zeroPoint };
    const v = this.#accLayer(acc, Float32Array.from(bs.data as Float32Array), undefined, input, what) as { t: 'act'; ch: Chain };
    const spec = { ...(v.ch.specs?.last as QLinearSpec), output };
    return { t: 'act', ch: { ...v.ch, specs: replaceLast(v.ch.specs, spec), dtype: output.dtype } };
  }

  #intWeights(b: ConstTensor, bzp: ConstTensor | undefined, what: string): ReturnType<typeof intWeights> {
    if (b.data.length === 0) throw unsupported(what, `empty weights [${b.dims.join(', ')}]`);
    this.#alloc(b.data.length, what);
    return intWeights(b, bzp, what);
  }

  /** Folds a constant Add / Mul, charged at its largest operand (the only broadcasts folded). */
  #elementwise(op: 'Add' | 'Mul', a: ConstTensor, b: ConstTensor, what: string): ConstTensor {
    this.#alloc(Math.max(a.data.length, b.data.length), what);
    return elementwiseConst(op, a, b, what);
  }

  /** qgemm's per-row dynamic layer (a model-local function checked against saveOnnx's definition by the caller). */
  #perRow(node: onnx.INodeProto, ins: string[], what: string): Val {
    if (node.opType !== PER_ROW_FUNCTION) throw unsupported(what, 'unknown qgemm function');
    const ch = this.#act(ins[0], what);
    if (ch.dtype !== 'float32') throw invalid(what, 'takes a float activation');
    const w = this.#intWeights(this.#needConst(ins[1], what).c, undefined, what);
    this.#checkK(ch, w.in, what);
    const ws = this.#needConst(ins[2], what).c;
    const bias = this.#needConst(ins[3], what).c;
    if (ws.dtype !== 'float32' || bias.dtype !== 'float32' || bias.data.length !== w.out) throw invalid(what, 'takes float weight scales and a float bias per output');
    const v = this.#accLayer({ t: 'acc', base: ch, ...w, aDtype: 'uint8', aZeroPoint: 0 }, Float32Array.from(ws.data as Float32Array), { perRow: true }, undefined, what) as { t: 'act'; ch: Chain };
    const spec = { ...(v.ch.specs?.last as QLinearSpec), bias: Float32Array.from(bias.data as Float32Array) };
    return { t: 'act', ch: { ...v.ch, specs: replaceLast(v.ch.specs, spec) } };
  }
}

function flattenDims(dims: readonly number[], axis: number, what: string): number[] {
  const a = axis < 0 ? axis + dims.length : axis;
  if (!(a >= 0 && a <= dims.length)) throw invalid(what, `axis ${axis} is outside rank ${dims.length}`);
  const prod = (xs: readonly number[]) => xs.reduce((p, d) => p * d, 1);
  return [prod(dims.slice(0, a)), prod(dims.slice(a))];
}
