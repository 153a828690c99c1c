// Reads object files' disassembly for the code checks (check-spills.js,
// check-tile-config.js): the code the compiler made, function by function.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// Object files under `dir` whose path matches `pattern`.
function objects(dir, pattern) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...objects(p, pattern));
    else if (pattern.test(p)) out.push(p);
  }
  return out;
}

// [{ name, lines: [{ addr, text }] }] per function of an object file (AT&T syntax).
function functions(file) {
  const dump = execFileSync('objdump', ['-d', '--no-show-raw-insn', '-C', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const fns = [];
  let fn = null;
  for (const line of dump.split('\n')) {
    const head = /^[0-9a-f]+ <(.*)>:$/.exec(line);
    if (head) {
      fn = { name: head[1], lines: [] };
      fns.push(fn);
      continue;
    }
    const ins = /^\s*([0-9a-f]+):\s+(.*)$/.exec(line);
    if (fn && ins) fn.lines.push({ addr: parseInt(ins[1], 16), text: ins[2] });
  }
  return fns;
}

module.exports = { objects, functions };
