/**
 * The one checker for options objects and positional arguments of the public
 * API: unknown keys are refused with the known ones and a "did you mean", enum
 * values, booleans and numbers are checked, so that nothing is silently
 * misread (a typo'd option would otherwise fall back to its default).
 */
import { rangeError, typeError, show } from './errors';

/** Other libraries' spellings of our options (torch, bitsandbytes, onnxruntime), and what to write instead. */
const ALIASES: Readonly<Record<string, string>> = {
  learningRate: 'lr',
  learning_rate: 'lr',
  betas: 'beta1 and beta2',
  weight_decay: 'weightDecay',
  perChannel: "weights: 'per-channel'",
  per_channel: "weights: 'per-channel'",
  calibrationMethod: 'method',
  calibrate_method: 'method',
  batch_size: 'batchSize',
};

/** Edit distance (insert, delete, substitute, swap neighbours), for near misses. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

const normal = (s: string) => s.toLowerCase().replace(/[-_ ]/g, '');

/** The known word a near miss most likely meant (case, '-' vs '_', a typo or two), or undefined. */
export function suggest(word: string, known: readonly string[]): string | undefined {
  const exact = known.find((k) => normal(k) === normal(word));
  if (exact !== undefined) return exact;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 4)) + 1;
  for (const k of known) {
    const dist = distance(normal(word), normal(k));
    if (dist < bestDistance) [best, bestDistance] = [k, dist];
  }
  return best ?? known.find((k) => abbreviates(normal(word), normal(k)));
}

/** Whether w abbreviates k (transB -> transposeB): same first letter, w's letters in order in k. */
function abbreviates(w: string, k: string): boolean {
  if (w.length < 3 || w[0] !== k[0]) return false;
  let i = 0;
  for (const c of k) if (c === w[i]) i++;
  return i === w.length;
}

function didYouMean(word: string, known: readonly string[], aliases = true): string {
  const alias = aliases ? ALIASES[word] : undefined;
  const near = alias ?? suggest(word, known);
  return near === undefined ? '' : ` (did you mean ${near}?)`;
}

/**
 * options (undefined: {}) as an object holding only `known` keys. `where` names the call
 * (e.g. 'new Adam'); `notImplemented` explains names users expect that qgemm does not have.
 */
export function checkOptions<T extends object>(
  options: T | undefined,
  known: readonly string[],
  where: string,
  notImplemented: Readonly<Record<string, string>> = {},
): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw typeError('ERR_QGEMM_OPTION', `${where}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const why = notImplemented[key];
    if (why !== undefined) throw typeError('ERR_QGEMM_OPTION', `${where}: unknown option ${key}: ${why}`);
    const list = known.length === 0 ? 'it takes no options' : `known options: ${known.join(', ')}`;
    throw typeError('ERR_QGEMM_OPTION', `${where}: unknown option ${key}${didYouMean(key, known)}; ${list}`);
  }
  return options;
}

/** A value for an error message: strings quoted, objects by kind. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return ArrayBuffer.isView(value) ? `a ${value.constructor.name}` : 'an object';
  return show(value);
}

/** One of `allowed` (fallback when undefined). */
export function checkEnum<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T): T;
export function checkEnum<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback?: T): T | undefined;
export function checkEnum<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback?: T): T | undefined {
  if (value === undefined) return fallback;
  if (allowed.includes(value as T)) return value as T;
  const hint = typeof value === 'string' ? didYouMean(value, allowed, false) : '';
  throw rangeError('ERR_QGEMM_OPTION', `${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${describe(value)}${hint}`);
}

export function checkBoolean(value: unknown, name: string, fallback: boolean): boolean;
export function checkBoolean(value: unknown, name: string, fallback?: boolean): boolean | undefined;
export function checkBoolean(value: unknown, name: string, fallback?: boolean): boolean | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw typeError('ERR_QGEMM_OPTION', `${name} must be true or false, got ${describe(value)}`);
  return value;
}

export interface NumberRule {
  /** Smallest allowed value (inclusive unless minExclusive). */
  min?: number;
  minExclusive?: boolean;
  /** Largest allowed value (inclusive unless maxExclusive). */
  max?: number;
  maxExclusive?: boolean;
  integer?: boolean;
}

function ruleText(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a finite number';
  const lo = rule.min === undefined ? '' : `${rule.minExclusive ? '>' : '>='} ${rule.min}`;
  const hi = rule.max === undefined ? '' : `${rule.maxExclusive ? '<' : '<='} ${rule.max}`;
  return [kind, lo, lo && hi ? 'and' : '', hi].filter(Boolean).join(' ');
}

function inRange(v: number, rule: NumberRule): boolean {
  if (!Number.isFinite(v) || (rule.integer && !Number.isSafeInteger(v))) return false;
  if (rule.min !== undefined && (rule.minExclusive ? v <= rule.min : v < rule.min)) return false;
  return rule.max === undefined || (rule.maxExclusive ? v < rule.max : v <= rule.max);
}

/** A number option (NaN and infinities refused); `code` lets sizes say ERR_QGEMM_SHAPE. */
export function checkNumber(value: unknown, name: string, rule: NumberRule, fallback: number, code?: 'ERR_QGEMM_OPTION' | 'ERR_QGEMM_SHAPE'): number;
export function checkNumber(value: unknown, name: string, rule: NumberRule, fallback?: number, code?: 'ERR_QGEMM_OPTION' | 'ERR_QGEMM_SHAPE'): number | undefined;
export function checkNumber(value: unknown, name: string, rule: NumberRule, fallback?: number, code: 'ERR_QGEMM_OPTION' | 'ERR_QGEMM_SHAPE' = 'ERR_QGEMM_OPTION'): number | undefined {
  if (value === undefined) return fallback;
  const typeCode = code === 'ERR_QGEMM_OPTION' ? code : 'ERR_QGEMM_ARG_TYPE';
  if (typeof value !== 'number') throw typeError(typeCode, `${name} must be ${ruleText(rule)}, got ${describe(value)}`);
  if (!inRange(value, rule)) throw rangeError(code, `${name} must be ${ruleText(rule)}, got ${show(value)}`);
  return value;
}

/** A positional size: an integer >= min (default 1). */
export function checkSize(value: unknown, name: string, min = 1): number {
  if (value === undefined) throw typeError('ERR_QGEMM_ARG_TYPE', `${name} is missing: an integer >= ${min}`);
  return checkNumber(value, name, { integer: true, min }, 0, 'ERR_QGEMM_SHAPE');
}

/** A positional string argument such as a layer name (an options object in its place is refused). */
export function checkString(value: unknown, name: string, fallback: string, hint = '', code: 'ERR_QGEMM_ARG_TYPE' | 'ERR_QGEMM_OPTION' = 'ERR_QGEMM_ARG_TYPE'): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw typeError(code, `${name} must be a string, got ${describe(value)}${hint}`);
  return value;
}

/** A callback option. */
export function checkFunction<F extends (...args: never[]) => unknown>(value: unknown, name: string): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw typeError('ERR_QGEMM_OPTION', `${name} must be a function, got ${describe(value)}`);
  return value as F;
}
