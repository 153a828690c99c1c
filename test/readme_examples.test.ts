/**
 * Every README code block tagged js, mjs or ts runs as a user would paste it:
 * js as a CommonJS file, mjs as an ES module, ts through tsx after a strict type
 * check, each in a scratch folder whose node_modules/qgemm is this package (so
 * `require('qgemm')` gets dist/lib/index.js and `import` gets lib/index.mjs,
 * through package.json's exports, as from npm).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repo = path.join(__dirname, '..');
const EXTENSIONS: Record<string, string> = { js: 'js', mjs: 'mjs', ts: 'ts' };

/** The README's fenced blocks with a runnable language tag, with the line each starts on. */
function readmeBlocks(): { lang: string; code: string; line: number }[] {
  const lines = fs.readFileSync(path.join(repo, 'README.md'), 'utf8').split('\n');
  const blocks: { lang: string; code: string; line: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    if (open[1] in EXTENSIONS) blocks.push({ lang: open[1], code: lines.slice(i + 1, end).join('\n') + '\n', line: i + 1 });
    i = end;
  }
  return blocks;
}

describe('README examples run as pasted', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qgemm-readme-'));
    fs.mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'readme-examples', private: true }));
    fs.symlinkSync(repo, path.join(dir, 'node_modules', 'qgemm'), 'dir');
    for (const dep of ['tsx', 'typescript', '@types/node']) fs.symlinkSync(path.join(repo, 'node_modules', dep), path.join(dir, 'node_modules', dep), 'dir');
    assert.ok(fs.existsSync(path.join(repo, 'dist', 'lib', 'index.js')), 'the package is built (npm run build:ts)');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const blocks = readmeBlocks();
  it('finds CommonJS, ES module and TypeScript examples', () => {
    assert.deepEqual([...new Set(blocks.map((b) => b.lang))].sort(), ['js', 'mjs', 'ts']);
  });

  for (const [index, block] of blocks.entries()) {
    it(`README.md:${block.line} (${block.lang})`, () => {
      const file = path.join(dir, `example${index}.${EXTENSIONS[block.lang]}`);
      fs.writeFileSync(file, block.code);
      if (block.lang === 'ts') {
        fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
          compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'nodenext', lib: ['es2022', 'esnext.disposable'], types: ['node'] },
          files: [path.basename(file)],
        }));
        const check = spawnSync(process.execPath, [path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
        assert.equal(check.status, 0, `tsc: ${check.stdout}${check.stderr}`);
      }
      const args = block.lang === 'ts' ? ['--import', 'tsx', file] : [file];
      const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
      assert.equal(r.stderr, '');
      assert.notEqual(r.stdout, '', 'it printed its results');
    });
  }
});
