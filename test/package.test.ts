/**
 * The package as npm ships it (issue 25): a LICENSE, where to find the repository,
 * the small training example runnable from node_modules, an ESM entry with a
 * default export and no `__esModule`, and publint and arethetypeswrong clean.
 * Runs against the built package (npm run build:ts).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repo = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
const run = (cmd: string, args: string[], cwd = repo) => spawnSync(cmd, args, { cwd, encoding: 'utf8' });

describe('the published package', () => {
  let tarball: string;
  let packed: string[];
  before(() => {
    assert.ok(fs.existsSync(path.join(repo, 'dist', 'lib', 'index.js')), 'the package is built (npm run build:ts)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qgemm-pack-'));
    const r = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir]);
    assert.equal(r.status, 0, r.stderr);
    const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(dir, info.filename);
    packed = info.files.map((f) => f.path);
  });

  it('has an MIT LICENSE and links to its repository, homepage and issues', () => {
    assert.equal(pkg.license, 'MIT');
    assert.match(fs.readFileSync(path.join(repo, 'LICENSE'), 'utf8'), /^MIT License/);
    assert.equal(pkg.repository.url, 'git+https://github.com/qgemm/qgemm.git');
    assert.match(pkg.homepage, /^https:\/\/github\.com\/qgemm\/qgemm/);
    assert.match(pkg.bugs.url, /^https:\/\/github\.com\/qgemm\/qgemm\/issues/);
    for (const file of ['LICENSE', 'README.md', 'examples/train.js', 'lib/index.mjs', 'lib/index.d.mts', 'dist/lib/index.d.ts']) {
      assert.ok(packed.includes(file), `${file} is in the tarball`);
    }
  });

  it('runs the training example shipped in the tarball', () => {
    const r = run(process.execPath, [path.join(repo, 'examples', 'train.js')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /int8 QuantizedLinear inference: test accuracy (9\d|100)\.\d%/);
  });

  it('ESM: the same names as CommonJS, a default export, no __esModule', () => {
    const script = `import * as ns from 'qgemm'; import qgemm from 'qgemm'; import { createRequire } from 'node:module';
      const cjs = createRequire(import.meta.url)('qgemm');
      console.log(JSON.stringify({ esm: Object.keys(ns).sort(), cjs: Object.keys(cjs).sort(), same: qgemm === cjs }));`;
    const r = run(process.execPath, ['--input-type=module', '-e', script]);
    assert.equal(r.status, 0, r.stderr);
    const { esm, cjs, same } = JSON.parse(r.stdout) as { esm: string[]; cjs: string[]; same: boolean };
    assert.ok(same, 'the default export is the CommonJS exports object');
    assert.ok(!esm.includes('__esModule'));
    assert.deepEqual(esm.filter((n) => n !== 'default'), cjs.filter((n) => n !== '__esModule'), 'lib/index.mjs lists every export of the build');
  });

  it('publint finds nothing', async () => {
    const { publint } = await import('publint');
    const { messages } = await publint({ pkgDir: repo, level: 'suggestion' });
    assert.deepEqual(messages, []);
  });

  it('arethetypeswrong finds no problem in the tarball', () => {
    const attw = path.join(repo, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
    const r = run(process.execPath, [attw, tarball, '--format', 'json']);
    const result = JSON.parse(r.stdout) as { analysis: { problems: unknown[] } };
    assert.deepEqual(result.analysis.problems, [], r.stdout.slice(0, 2000));
    assert.equal(r.status, 0);
  });
});
