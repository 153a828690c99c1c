/**
 * The Python literals a .npy header is made of (numpy reads it with
 * ast.literal_eval): dicts, tuples, lists, strings, integers, True, False and
 * None. Parsed as Python does, so a quote inside a string is text, `(3)` is an
 * int and `(3,)` a tuple, and a repeated dict key keeps its last value.
 */
export type PyValue = string | number | boolean | null | PyTuple | PyValue[] | Map<string, PyValue>;

/** A Python tuple (kept apart from lists: numpy wants shape as a tuple). */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', '0': '\0' };

export function parsePyLiteral(text: string): PyValue {
  let i = 0;
  const fail = (why: string): never => {
    throw new SyntaxError(`${why} at character ${i} of the header`);
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const expect = (c: string) => {
    space();
    if (text[i] !== c) fail(`expected '${c}'`);
    i++;
  };
  /** Items up to `close`, a trailing comma allowed; returns them and whether any comma was seen. */
  const items = <T>(close: string, item: () => T): [T[], boolean] => {
    const out: T[] = [];
    let comma = false;
    for (space(); text[i] !== close; space()) {
      out.push(item());
      space();
      if (text[i] === ',') {
        comma = true;
        i++;
      } else if (text[i] !== close) fail(`expected ',' or '${close}'`);
    }
    i++;
    return [out, comma];
  };
  const string = (): string => {
    const quote = text[i++];
    let out = '';
    while (text[i] !== quote) {
      if (i >= text.length || text[i] === '\n') fail('unterminated string');
      if (text[i] === '\\') {
        const e = ESCAPES[text[i + 1]];
        if (e === undefined) fail('unsupported escape');
        out += e;
        i += 2;
      } else out += text[i++];
    }
    i++;
    return out;
  };
  const value = (): PyValue => {
    space();
    const c = text[i];
    if (c === "'" || c === '"') return string();
    if (c === '{') {
      i++;
      const map = new Map<string, PyValue>();
      items('}', () => {
        space();
        const key = text[i] === "'" || text[i] === '"' ? string() : fail('dict keys must be strings');
        expect(':');
        map.set(key, value());
      });
      return map;
    }
    if (c === '(') {
      i++;
      const [xs, comma] = items(')', value);
      if (xs.length === 1 && !comma) return xs[0]; // (3) is 3, not a tuple
      return new PyTuple(xs);
    }
    if (c === '[') {
      i++;
      return items(']', value)[0];
    }
    const word = /^(?:[-+]?\d+|True|False|None)(?![\w.])/.exec(text.slice(i, i + 40))?.[0] ?? fail('unexpected text');
    i += word.length;
    if (word === 'True' || word === 'False') return word === 'True';
    if (word === 'None') return null;
    const n = Number(word);
    if (!Number.isSafeInteger(n)) fail(`integer ${word} out of range`);
    return n;
  };
  const v = value();
  space();
  if (i !== text.length) fail('text after the literal');
  return v;
}
