/** Builds ONNX graphs: named initializers and nodes, in order, with unique names. */
import { onnx } from './proto';
import { toTensorProto, type ConstTensor } from './tensor_proto';

export type AttrValue = number | number[] | { float: number };

function attribute(name: string, v: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  return { name, type: T.FLOAT, f: v.float };
}

export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];

  constructor(private readonly prefix = '') {}

  /** Adds an initializer; returns its name. */
  init(name: string, t: ConstTensor): string {
    this.initializers.push(toTensorProto(this.prefix + name, t));
    return this.prefix + name;
  }

  /** Adds a node named `name` whose outputs are `name` (one output) or `name:0`, `name:1`, ... */
  node(opType: string, name: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs = 1, domain?: string): string[] {
    const full = this.prefix + name;
    const outs = outputs === 1 ? [full] : Array.from({ length: outputs }, (_, i) => `${full}:${i}`);
    const attribute_ = Object.entries(attrs).map(([k, v]) => attribute(k, v));
    this.nodes.push({ input: inputs, output: outs, name: full, opType, ...(domain ? { domain } : {}), ...(attribute_.length ? { attribute: attribute_ } : {}) });
    return outs;
  }

  /** A Constant node holding t; returns its output. */
  constant(name: string, t: ConstTensor): string {
    const [out] = this.node('Constant', name, []);
    this.nodes[this.nodes.length - 1].attribute = [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: toTensorProto('', t) }];
    return out;
  }

  /** Renames the value `from` (made by the last node that outputs it) to `to`. */
  rename(from: string, to: string): void {
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const outs = this.nodes[i].output!;
      const k = outs.indexOf(from);
      if (k >= 0) {
        outs[k] = to;
        return;
      }
    }
    this.node('Identity', 'output_identity', [from]);
    this.nodes[this.nodes.length - 1].output = [to];
  }
}

export const f32 = (v: number): ConstTensor<'float32'> => ({ dtype: 'float32', dims: [], data: Float32Array.of(v) });
export const f32Vector = (v: Float32Array): ConstTensor<'float32'> => ({ dtype: 'float32', dims: [v.length], data: v });
export const zeroPoint = (dtype: 'int8' | 'uint8', v: number): ConstTensor => (dtype === 'int8' ? { dtype, dims: [], data: Int8Array.of(v) } : { dtype, dims: [], data: Uint8Array.of(v) });
