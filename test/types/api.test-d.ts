// Compile-time checks of the public API (CommonJS consumers): tsc fails on a
// wrong type, and `// @ts-expect-error` lines fail when they stop being errors.
import { expectTypeOf } from 'expect-type';
import {
  matmul,
  matmulAsync,
  packWeights,
  tensor,
  zeros,
  info,
  setMaxIsa,
  PackedWeights,
  type Tensor,
  type DType,
  type Info,
  type Isa,
  type ErrorCode,
  type QgemmError,
  type MatmulOptions,
} from 'qgemm';

declare const s8: Tensor<'int8'>;
declare const u8: Tensor<'uint8'>;
declare const f32: Tensor<'float32'>;
declare const packed: PackedWeights;

// tensor() infers the dtype from the TypedArray.
expectTypeOf(tensor(new Int8Array(4), [2, 2])).toEqualTypeOf<Tensor<'int8'>>();
expectTypeOf(tensor(new Uint8Array(4))).toEqualTypeOf<Tensor<'uint8'>>();
expectTypeOf(tensor(new Float32Array(4))).toEqualTypeOf<Tensor<'float32'>>();
expectTypeOf(zeros('int32', [2, 3])).toEqualTypeOf<Tensor<'int32'>>();
expectTypeOf(zeros('int32', [2, 3]).data).toEqualTypeOf<Int32Array>();
expectTypeOf<Tensor['dtype']>().toEqualTypeOf<DType>();
// @ts-expect-error Float64Array is not a tensor dtype
tensor(new Float64Array(4));

// int8/uint8 x int8 -> int32; float32 x float32 -> float32; packed weights for either.
expectTypeOf(matmul(s8, s8)).toEqualTypeOf<Tensor<'int32'>>();
expectTypeOf(matmul(u8, s8)).toEqualTypeOf<Tensor<'int32'>>();
expectTypeOf(matmul(u8, packed)).toEqualTypeOf<Tensor<'int32'>>();
expectTypeOf(matmul(f32, f32)).toEqualTypeOf<Tensor<'float32'>>();
expectTypeOf(matmul(s8, s8).data).toEqualTypeOf<Int32Array>();
expectTypeOf(matmulAsync(u8, s8)).toEqualTypeOf<Promise<Tensor<'int32'>>>();
expectTypeOf(matmul(s8, s8, { transposeB: true, backend: 'builtin', out: zeros('int32', [2, 2]) })).toEqualTypeOf<Tensor<'int32'>>();
// @ts-expect-error uint8 B is not supported
matmul(s8, u8);
// @ts-expect-error mixed int8 x float32
matmul(s8, f32);
// @ts-expect-error the out tensor must be int32 for an int8 product
matmul(s8, s8, { out: zeros('float32', [2, 2]) });
// @ts-expect-error unknown backend
matmul(f32, f32, { backend: 'mkl' });
expectTypeOf<MatmulOptions['backend']>().toEqualTypeOf<'auto' | 'builtin' | 'onednn' | undefined>();

// packWeights takes int8 or float32 weights.
expectTypeOf(packWeights(s8)).toEqualTypeOf<PackedWeights>();
expectTypeOf(packWeights(f32, { transpose: true })).toEqualTypeOf<PackedWeights>();
expectTypeOf(packed.dispose).toEqualTypeOf<() => void>();
expectTypeOf(packed[Symbol.dispose]).toBeFunction();
// @ts-expect-error uint8 weights cannot be packed
packWeights(u8);

// info() and the ISA cap.
expectTypeOf(info()).toEqualTypeOf<Info>();
expectTypeOf(info().backends.onednn).toEqualTypeOf<boolean>();
expectTypeOf(info().isa).toEqualTypeOf<Isa>();
expectTypeOf(setMaxIsa).parameter(0).toEqualTypeOf<Isa>();
setMaxIsa('neon_dotprod');
// @ts-expect-error not an ISA
setMaxIsa('sse4');
expectTypeOf(info().kernelList[0].runnable).toEqualTypeOf<boolean>();

// Errors carry a stable code.
expectTypeOf<QgemmError['code']>().toEqualTypeOf<ErrorCode>();
expectTypeOf<'ERR_QGEMM_BACKEND_UNAVAILABLE'>().toMatchTypeOf<ErrorCode>();
