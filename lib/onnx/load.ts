/**
 * loadOnnx: an ONNX model (bytes or a file path) as an OnnxModel. The graph
 * must be a chain from one input to one output through the operators in
 * ops.ts; everything else is refused with one coded error listing each
 * unsupported node.
 */
import * as fs from 'node:fs';
import { typeError } from '../errors';
import { perRowFunctionBytes } from './function';
import { isDefaultDomain, describeNode, MAX_OPSET, MIN_OPSET, PER_ROW_FUNCTION, QGEMM_DOMAIN, SUPPORTED_OPS } from './ops';
import { Budget, resolveLimits, type OnnxLimits } from './limits';
import { OnnxModel, type OnnxDim } from './model';
import { decodeModel, int64, onnx, onnxError } from './proto';
import { buildLayers, fuse, specArray } from './specs';
import { dtypeOfNumber } from './tensor_proto';
import { Walker } from './walk';

export interface LoadOnnxOptions {
  /** Overrides of ONNX_LIMITS (docs/ONNX.md, "Limits"). */
  limits?: Partial<OnnxLimits>;
}

/** Reads a model from bytes or a path (a string). */
export function loadOnnx(source: Uint8Array | string, options: LoadOnnxOptions = {}): OnnxModel {
  if (typeof options !== 'object' || options === null) throw typeError('ERR_QGEMM_OPTION', 'loadOnnx options must be an object');
  const limits = resolveLimits(options.limits);
  let bytes: Uint8Array;
  if (typeof source === 'string') bytes = new Uint8Array(fs.readFileSync(source));
  else if (source instanceof Uint8Array) bytes = source;
  else throw typeError('ERR_QGEMM_ARG_TYPE', 'loadOnnx takes a Uint8Array of model bytes or a file path');
  return importModel(decodeModel(bytes), new Budget(limits, bytes.length));
}

function opsetOf(model: onnx.IModelProto): number {
  const entry = model.opsetImport?.find((o) => isDefaultDomain(o.domain));
  const version = entry ? int64(entry.version as number, 'opset version') : 0;
  if (version < MIN_OPSET || version > MAX_OPSET) {
    throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `the model imports opset ${version || '(none)'} of the default domain; qgemm reads opsets ${MIN_OPSET} to ${MAX_OPSET}`);
  }
  return version;
}

/** True when the model carries qgemm's per-row function exactly as saveOnnx writes it. */
function hasPerRowFunction(model: onnx.IModelProto): boolean {
  const fn = model.functions?.find((f) => f.domain === QGEMM_DOMAIN && f.name === PER_ROW_FUNCTION);
  if (!fn) return false;
  const a = onnx.FunctionProto.encode(fn).finish(), b = perRowFunctionBytes();
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function checkOps(model: onnx.IModelProto, nodes: onnx.INodeProto[]): void {
  const perRow = hasPerRowFunction(model);
  const bad = nodes
    .map((n, i) => ((isDefaultDomain(n.domain) && SUPPORTED_OPS.has(n.opType ?? '')) || (perRow && n.domain === QGEMM_DOMAIN && n.opType === PER_ROW_FUNCTION) ? undefined : describeNode(n, i) + (n.domain && !isDefaultDomain(n.domain) ? ` in domain ${n.domain}` : '')))
    .filter((s): s is string => s !== undefined);
  if (bad.length > 0) {
    throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `the model uses ${bad.length} node${bad.length > 1 ? 's' : ''} qgemm cannot run: ${bad.join(', ')}. Supported: ${[...SUPPORTED_OPS].join(', ')}`);
  }
}

function inputOf(graph: onnx.IGraphProto, initializers: Map<string, unknown>): { name: string; dtype: 'float32' | 'int8' | 'uint8'; dims: OnnxDim[] } {
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? ''));
  if (inputs.length !== 1) throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `the graph has ${inputs.length} inputs; qgemm reads models with one`);
  const [vi] = inputs;
  const tt = vi.type?.tensorType;
  if (!tt) throw onnxError('ERR_QGEMM_ONNX_INVALID', `input "${vi.name}" is not a tensor`);
  const dtype = dtypeOfNumber(tt.elemType ?? 0, `input "${vi.name}"`);
  if (dtype !== 'float32' && dtype !== 'int8' && dtype !== 'uint8') throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `input "${vi.name}" is ${dtype}; qgemm reads float, int8 or uint8 inputs`);
  const dims = (tt.shape?.dim ?? []).map((d, i): OnnxDim => ((d as onnx.TensorShapeProto.Dimension).value === 'dimValue' ? int64(d.dimValue as number, `input dim ${i}`) : d.dimParam || null));
  if (dims.length < 1) throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `input "${vi.name}" has no batch dimension`);
  return { name: vi.name ?? '', dtype, dims };
}

/** Initializers by name; ONNX requires the names to be unique (a repeat would silently replace a tensor). */
function initializerMap(graph: onnx.IGraphProto): Map<string, onnx.ITensorProto> {
  const map = new Map<string, onnx.ITensorProto>();
  for (const t of graph.initializer ?? []) {
    const name = t.name ?? '';
    if (map.has(name)) throw onnxError('ERR_QGEMM_ONNX_INVALID', `the initializer name "${name}" is used twice`);
    map.set(name, t);
  }
  return map;
}

/** @internal (its parameter is a protobufjs type, kept out of the public declarations) */
export function importModel(model: onnx.IModelProto, budget: Budget): OnnxModel {
  const graph = model.graph;
  if (!graph) throw onnxError('ERR_QGEMM_ONNX_INVALID', 'the model has no graph');
  const opset = opsetOf(model);
  const nodes = graph.node ?? [];
  budget.nodes(nodes.length);
  checkOps(model, nodes);
  const initializers = initializerMap(graph);
  if ((graph.sparseInitializer?.length ?? 0) > 0) throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', 'sparse initializers are not supported');
  const input = inputOf(graph, initializers);
  const outputs = graph.output ?? [];
  if (outputs.length !== 1) throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `the graph has ${outputs.length} outputs; qgemm reads models with one`);
  const uses = new Map<string, number>();
  for (const n of nodes) for (const i of n.input ?? []) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  const outputName = outputs[0].name ?? '';
  uses.set(outputName, (uses.get(outputName) ?? 0) + 1);
  const walker = new Walker(initializers, uses, budget);
  walker.setInput(input.name, { specs: null, dtype: input.dtype, dims: input.dims });
  nodes.forEach((n, i) => walker.run(n, i));
  const chain = walker.output(outputName);
  return new OnnxModel(buildLayers(fuse(specArray(chain.specs))), { inputName: input.name, outputName, inputShape: input.dims, inputDtype: input.dtype, opset });
}
