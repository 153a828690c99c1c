/**
 * Shared pieces of the property-based tests: run counts (scaled by
 * QGEMM_PROPERTY_SCALE, seeded by QGEMM_PROPERTY_SEED), and the check that an
 * error is one of qgemm's coded errors.
 */
import assert from 'node:assert/strict';
import type { Parameters as FcParameters } from 'fast-check';

const scale = Number(process.env.QGEMM_PROPERTY_SCALE ?? '1');
const seed = process.env.QGEMM_PROPERTY_SEED === undefined ? undefined : Number(process.env.QGEMM_PROPERTY_SEED);

/** fast-check parameters: numRuns scaled, the seed from the environment if given. */
export function runs<T>(numRuns: number): FcParameters<T> {
  return { numRuns: Math.max(1, Math.round(numRuns * scale)), ...(seed === undefined ? {} : { seed }) };
}

/** Asserts that `e` is a TypeError, RangeError or Error with a code ERR_QGEMM_*. */
export function assertCoded(e: unknown, context: string): void {
  if (!(e instanceof Error)) assert.fail(`${context}: threw a non-Error ${String(e)}`);
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('ERR_QGEMM_')) {
    assert.fail(`${context}: threw ${e.name} without an ERR_QGEMM_ code (${String(code)}): ${e.message}`);
  }
}

/** Runs fn; returns 'ok' or checks the thrown (or rejected) error is coded. */
export async function expectCodedOrOk(fn: () => unknown, context: string, known?: (e: unknown) => boolean): Promise<'ok' | 'threw'> {
  try {
    const r = fn();
    if (r instanceof Promise) await r;
    return 'ok';
  } catch (e) {
    if (known?.(e)) return 'threw';
    assertCoded(e, context);
    return 'threw';
  }
}

/** Runs fn; it must throw (or reject) a coded error. */
export async function expectCoded(fn: () => unknown, context: string): Promise<string> {
  let r: unknown;
  try {
    r = fn();
    if (r instanceof Promise) r = await r;
  } catch (e) {
    assertCoded(e, context);
    return (e as { code: string }).code;
  }
  assert.fail(`${context}: did not throw (returned ${typeof r})`);
}

/**
 * True when running under scripts/asan-test.sh: ASan's operator new aborts on a
 * failed huge allocation whatever allocator_may_return_null says, and its
 * quarantine inflates RSS, so deliberate-OOM cases and RSS bounds are skipped.
 */
export const sanitized = process.env.QGEMM_SANITIZED === '1';
