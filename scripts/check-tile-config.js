#!/usr/bin/env node
// Reads the code the compiler made around every LDTILECFG and fails unless
// all 64 bytes of its operand are stored in the same function before it, with
// the base register unchanged in between. GCC 12's _tile_loadconfig names only
// 8 bytes as its operand, so the compiler dropped the tile shapes' stores and
// the first real AMX CPU raised #GP while every emulated test passed.
// The canary object (test/native/canary/, the old pattern) must be flagged:
// that proves on every build that the check fails on the bug.
//
//   node scripts/check-tile-config.js [build dir]      (default: build-native-tests)
'use strict';
const path = require('node:path');
const { objects, functions } = require('./objdump.js');

const root = path.resolve(__dirname, '..');
const buildDir = path.resolve(root, process.argv[2] ?? 'build-native-tests');

// A displacement as objdump prints it: 0x40, -0x40 or absent.
const displacement = (text) => (text === undefined ? 0 : text.startsWith('-') ? -parseInt(text.slice(1)) : parseInt(text));

// Bytes written by a store's source operand.
function storeWidth(mnemonic, source) {
  const reg = /%([xyz])mm\d+/.exec(source);
  if (reg) return { x: 16, y: 32, z: 64 }[reg[1]];
  if (/^%r\w+$/.test(source) && !/^%r\d+[dwb]$/.test(source)) return 8;
  if (/^%(e\w\w|r\d+d)$/.test(source)) return 4;
  if (/^%(\w\w|r\d+w)$/.test(source) && !/l$/.test(source)) return 2;
  if (/^%(\wl|r\d+b|[sd]il|[sb]pl)$/.test(source)) return 1;
  const suffix = /([bwlq])$/.exec(mnemonic);
  return suffix ? { b: 1, w: 2, l: 4, q: 8 }[suffix[1]] : 0;
}

// Instructions that change the base register (its offsets no longer compare).
function writesRegister(text, reg) {
  if (/^(push|pop|call|leave|enter)/.test(text) && reg === '%rsp') return true;
  return new RegExp(`,\\s*${reg}$`).test(text) && !/^(cmp|test)/.test(text);
}

// An error string for each LDTILECFG of `fn` whose 64 bytes are not all stored.
function check(fn) {
  const errors = [];
  fn.lines.forEach((line, i) => {
    const m = /^ldtilecfg\s+(-?0x[0-9a-f]+|-?\d+)?\((%r\w+)\)$/.exec(line.text);
    if (!/^ldtilecfg/.test(line.text)) return;
    if (!m) return errors.push(`${line.text}: operand not of the form offset(%reg)`);
    const base = displacement(m[1]), reg = m[2];
    const written = new Array(64).fill(false);
    for (let j = i - 1; j >= 0; j--) {
      const t = fn.lines[j].text;
      if (writesRegister(t, reg)) break;
      const st = /^(\S+)\s+(\S+),(-?0x[0-9a-f]+|-?\d+)?\((%r\w+)\)$/.exec(t);
      if (!st || st[4] !== reg || !/^(v?mov|mov)/.test(st[1])) continue;
      const at = displacement(st[3]) - base, width = storeWidth(st[1], st[2]);
      for (let b = Math.max(0, at); b < Math.min(64, at + width); b++) written[b] = true;
    }
    const missing = written.filter((w) => !w).length;
    if (missing > 0) errors.push(`${line.text}: ${missing} of its 64 bytes are not stored before it`);
  });
  return errors;
}

function checkObjects(pattern) {
  let found = 0;
  const errors = [];
  for (const file of objects(buildDir, pattern)) {
    for (const fn of functions(file)) {
      if (!fn.lines.some((l) => /^ldtilecfg/.test(l.text))) continue;
      found++;
      for (const e of check(fn)) errors.push(`${path.basename(file)}: ${fn.name}: ${e}`);
    }
  }
  return { found, errors };
}

// The addon's code (kernels and probes), not the emulated build or the canary.
const shipped = checkObjects(/qgemm_core\.dir[/\\].*\.o$/);
const canary = checkObjects(/tile_config_canary\.dir[/\\].*\.o$/);
for (const e of shipped.errors) console.log(e);
if (shipped.found === 0 && canary.found === 0) {
  console.log('check-tile-config: this build has no AMX code (the compiler lacks -mamx-tile): nothing to check');
  process.exit(0);
}
if (shipped.found === 0) {
  console.error(`check-tile-config: no LDTILECFG in the core objects under ${buildDir} (build the native tests on x86-64 first)`);
  process.exit(2);
}
if (canary.found === 0 || canary.errors.length === 0) {
  console.error('check-tile-config: the canary (the 8-byte operand bug) was not flagged: the check cannot see the bug');
  process.exit(1);
}
console.log(`check-tile-config: ${shipped.found} functions with LDTILECFG, ${shipped.errors.length} with unstored config bytes; the canary is flagged (${canary.errors[0]})`);
process.exit(shipped.errors.length === 0 ? 0 : 1);
