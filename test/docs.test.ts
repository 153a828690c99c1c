/**
 * The documentation agrees with the code and with itself: the README's error
 * table lists exactly the ErrorCode type, every code the sources throw is in
 * that type, and docs/TRAINING.md quotes QAT accuracies its own tables hold.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(repo, file), 'utf8');
const CODE = /\b(ERR_QGEMM_[A-Z0-9_]+|ABORT_ERR)\b/g;

/** The string literals of `export type ErrorCode = | '...' | ...;` in lib/errors.ts. */
function errorCodeType(): string[] {
  const src = read('lib/errors.ts');
  const body = /export type ErrorCode =([\s\S]*?);/.exec(src)?.[1] ?? '';
  return [...body.matchAll(/'([A-Z0-9_]+)'/g)].map((m) => m[1]).sort();
}

function sourceFiles(dir: string, ext: RegExp): string[] {
  return fs.readdirSync(path.join(repo, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && ext.test(e.name))
    .map((e) => path.relative(repo, path.join(e.parentPath ?? (e as { path?: string }).path ?? '', e.name)));
}

describe('documentation', () => {
  it("the README's error table lists exactly the ErrorCode type", () => {
    const readme = read('README.md');
    const table = readme.slice(readme.indexOf('| code | when |'));
    const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
    const documented = [...new Set(rows.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(CODE)].map((m) => m[1])))].sort();
    assert.deepEqual(documented, errorCodeType());
  });

  it('every code thrown in lib/ and binding/ is in the ErrorCode type', () => {
    const known = new Set(errorCodeType());
    const files = [...sourceFiles('lib', /\.ts$/), ...sourceFiles('binding', /\.(cc|h)$/)];
    for (const file of files) {
      for (const [, code] of read(file).matchAll(CODE)) assert.ok(known.has(code), `${file} uses ${code}, which ErrorCode lacks`);
    }
  });

  it("docs/TRAINING.md quotes QAT accuracies that its tables hold (it said 88.47 where the table said 88.36)", () => {
    const doc = read('docs/TRAINING.md');
    const inTables = new Set([...doc.matchAll(/^\| QAT -> int8 static \| (\d+\.\d+) \|/gm)].map((m) => m[1]));
    assert.ok(inTables.size >= 2, 'both demo tables have a QAT row');
    const sentence = /converted model's accuracy equals the fake-quant model's[\s\S]*?\)\./.exec(doc)?.[0] ?? '';
    const quoted = [...sentence.matchAll(/(\d+\.\d+)%/g)].map((m) => m[1]);
    assert.ok(quoted.length >= 2, sentence);
    for (const q of quoted) assert.ok(inTables.has(q), `TRAINING.md quotes QAT at ${q}%, its tables say ${[...inTables].join(' and ')}`);
  });
});
