/** The shapes a run covers, and the size rules that keep slow contenders off big ones. */

export interface Shape {
  m: number;
  n: number;
  k: number;
}

export const DEFAULT_SHAPES: readonly Shape[] = [
  { m: 1, n: 4096, k: 4096 },
  { m: 8, n: 4096, k: 4096 },
  { m: 64, n: 4096, k: 4096 },
  { m: 256, n: 1024, k: 1024 },
  { m: 512, n: 512, k: 512 },
  { m: 1024, n: 1024, k: 1024 },
  { m: 2048, n: 2048, k: 2048 },
];

/** --quick: small enough that CI runs every code path in well under a minute. */
export const QUICK_SHAPES: readonly Shape[] = [
  { m: 1, n: 1024, k: 1024 },
  { m: 64, n: 256, k: 256 },
  { m: 256, n: 256, k: 256 },
];

/** Per-call overhead shapes: here the time is the fixed cost of a call, not arithmetic. */
export const OVERHEAD_SHAPES: readonly Shape[] = [
  { m: 16, n: 16, k: 16 },
  { m: 64, n: 64, k: 64 },
];

/** Multiply-adds times two: the operation count GOPS is quoted against. */
export function ops(s: Shape): number {
  return 2 * s.m * s.n * s.k;
}

export function shapeName(s: Shape): string {
  return `${s.m}x${s.n}x${s.k}`;
}

/** The scalar reference kernel would take minutes per call above this. */
export const SCALAR_MAX_OPS = 1.1e9;
/** The plain JS triple loop runs at ~1 GFLOPS: keep it to small shapes. */
export const JS_MAX_OPS = 2.7e8;

/** Parses "M:N:K,M:N:K". Throws RangeError on anything else. */
export function parseShapes(text: string): Shape[] {
  const shapes = text.split(',').filter((s) => s.trim() !== '').map((part) => {
    const dims = part.trim().split(':').map((d) => Number(d));
    if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d < 1 || d > 65536)) {
      throw new RangeError(`bad shape "${part}": expected M:N:K with integers in 1..65536`);
    }
    return { m: dims[0], n: dims[1], k: dims[2] };
  });
  if (shapes.length === 0) throw new RangeError('--shapes needs at least one M:N:K');
  return shapes;
}
