/**
 * The numbers of a native call travel in one Float64Array (dims) at indices
 * named on both sides: the binding's order (gemmDimNames, linearDimNames) is
 * lib/native.ts's, and gemmDims / linearDims put each field at its index.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GEMM_DIMS, gemmDims, LINEAR_DIMS, linearDims, native } from '../lib/native';

describe('descriptor dims', () => {
  it('name the same fields in the same order as the binding', () => {
    assert.deepEqual([...native().gemmDimNames], [...GEMM_DIMS]);
    assert.deepEqual([...native().linearDimNames], [...LINEAR_DIMS]);
  });

  it('gemmDims writes each field at its index', () => {
    // Distinct values per field (booleans last: 0 / 1 by position).
    const values = Object.fromEntries(GEMM_DIMS.map((name, i) => [name, i + 100])) as Record<(typeof GEMM_DIMS)[number], number>;
    const dims = gemmDims(values);
    GEMM_DIMS.forEach((name, i) => assert.equal(dims[i], values[name], name));
    const flags = gemmDims({ ...values, transposeA: true, transposeB: false, allowInexact: true });
    assert.deepEqual([flags[GEMM_DIMS.indexOf('transposeA')], flags[GEMM_DIMS.indexOf('transposeB')], flags[GEMM_DIMS.indexOf('allowInexact')]], [1, 0, 1]);
  });

  it('linearDims writes each field at its index, NaN for unused ones', () => {
    const values = Object.fromEntries(LINEAR_DIMS.map((name, i) => [name, i + 7])) as Record<(typeof LINEAR_DIMS)[number], number>;
    const dims = linearDims(values);
    LINEAR_DIMS.forEach((name, i) => assert.equal(dims[i], values[name], name));
    const unused = linearDims({ ...values, xScale: undefined, relu: true });
    assert.ok(Number.isNaN(unused[LINEAR_DIMS.indexOf('xScale')]));
    assert.equal(unused[LINEAR_DIMS.indexOf('relu')], 1);
  });
});
