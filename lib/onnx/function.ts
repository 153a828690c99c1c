/**
 * qgemm's per-row dynamic QuantizedLinear as a model-local ONNX function
 * (domain "qgemm"), in standard opset-13 operators: each row (the last axis) quantized to
 * uint8 exactly as DynamicQuantizeLinear does (min/max including 0, scale =
 * range / 255, zero point rounded half to even; a zero range gives scale 1,
 * as ONNX Runtime does), then MatMulInteger with the zero point taken out
 * through B's column sums (ONNX Runtime's MatMulInteger takes only one A zero
 * point), and qgemm's float32 epilogue: float32(acc) * float32(x_scale * w_scale) + bias.
 * DynamicQuantizeLinear itself is per tensor, so per-row scales need this.
 */
import { GraphBuilder, f32 } from './builder';
import { QGEMM_DOMAIN, PER_ROW_FUNCTION } from './ops';
import { onnx } from './proto';

const T = onnx.TensorProto.DataType;

export function perRowFunction(): onnx.IFunctionProto {
  const g = new GraphBuilder();
  const zero = g.constant('zero', f32(0)), c255 = g.constant('c255', f32(255)), one = g.constant('one', f32(1));
  const [lo0] = g.node('ReduceMin', 'row_min', ['x'], { axes: [-1], keepdims: 1 });
  const [hi0] = g.node('ReduceMax', 'row_max', ['x'], { axes: [-1], keepdims: 1 });
  const [lo] = g.node('Min', 'lo', [lo0, zero]);
  const [hi] = g.node('Max', 'hi', [hi0, zero]);
  const [range] = g.node('Sub', 'range', [hi, lo]);
  const [s0] = g.node('Div', 'scale_raw', [range, c255]);
  const [isZero] = g.node('Equal', 'scale_is_zero', [s0, zero]);
  const [scale] = g.node('Where', 'x_scale', [isZero, one, s0]);
  const [loS] = g.node('Div', 'lo_scaled', [lo, scale]);
  const [zpRaw] = g.node('Sub', 'zp_raw', [zero, loS]);
  const [zpClip] = g.node('Clip', 'zp_clipped', [zpRaw, zero, c255]);
  const [zp] = g.node('Round', 'x_zero_point', [zpClip]);
  const [xs] = g.node('Div', 'x_div', ['x', scale]);
  const [xr] = g.node('Round', 'x_round', [xs]);
  const [xz] = g.node('Add', 'x_shift', [xr, zp]);
  const [xc] = g.node('Clip', 'x_clip', [xz, zero, c255]);
  const [xq] = g.node('Cast', 'x_q', [xc], { to: T.UINT8 });
  const [acc] = g.node('MatMulInteger', 'acc_raw', [xq, 'w']);
  const [w32] = g.node('Cast', 'w_int32', ['w'], { to: T.INT32 });
  const axes0 = g.constant('axes0', { dtype: 'int64', dims: [1], data: Float64Array.of(0) });
  const [colSum] = g.node('ReduceSum', 'w_col_sum', [w32, axes0], { keepdims: 1 });
  const [zp32] = g.node('Cast', 'zp_int32', [zp], { to: T.INT32 });
  const [corr] = g.node('Mul', 'zp_correction', [zp32, colSum]);
  const [acc2] = g.node('Sub', 'acc', [acc, corr]);
  const [accF] = g.node('Cast', 'acc_float', [acc2], { to: T.FLOAT });
  const [s2] = g.node('Mul', 'scale_product', [scale, 'w_scale']);
  const [yf] = g.node('Mul', 'y_scaled', [accF, s2]);
  g.node('Add', 'y', [yf, 'bias']);
  return {
    name: PER_ROW_FUNCTION,
    domain: QGEMM_DOMAIN,
    input: ['x', 'w', 'w_scale', 'bias'],
    output: ['y'],
    node: g.nodes,
    opsetImport: [{ domain: '', version: 13 }],
    docString: 'y = x W + bias with x quantized per row to uint8 as DynamicQuantizeLinear (qgemm QuantizedLinear, activation dynamic, perRow)',
  };
}

/** The encoded function, to compare a model's copy against. */
export function perRowFunctionBytes(): Uint8Array {
  return onnx.FunctionProto.encode(perRowFunction()).finish();
}
