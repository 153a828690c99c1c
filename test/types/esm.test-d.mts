// The ESM entry (lib/index.d.mts) has exactly the CommonJS entry's API, plus a default export of it.
import { expectTypeOf } from 'expect-type';
import * as esm from 'qgemm';
import qgemm, { matmul, tensor, type Tensor } from 'qgemm';
import cjs = require('qgemm');

expectTypeOf<Omit<typeof esm, 'default'>>().toEqualTypeOf<Omit<typeof cjs, never>>();
expectTypeOf(qgemm).toEqualTypeOf<typeof cjs>();
expectTypeOf(qgemm.matmul).toEqualTypeOf(matmul);
expectTypeOf(matmul(tensor(new Uint8Array(4), [2, 2]), tensor(new Int8Array(4), [2, 2]))).toEqualTypeOf<Tensor<'int32'>>();
