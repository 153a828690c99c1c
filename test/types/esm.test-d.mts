// The ESM entry (lib/index.d.mts) has exactly the CommonJS entry's API.
import { expectTypeOf } from 'expect-type';
import * as esm from 'qgemm';
import { matmul, tensor, type Tensor } from 'qgemm';
import cjs = require('qgemm');

expectTypeOf(esm).toEqualTypeOf<typeof cjs>();
expectTypeOf(matmul(tensor(new Uint8Array(4), [2, 2]), tensor(new Int8Array(4), [2, 2]))).toEqualTypeOf<Tensor<'int32'>>();
