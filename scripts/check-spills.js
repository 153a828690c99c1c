#!/usr/bin/env node
// Reads the code the compiler made for the microkernels and fails if a hot
// loop in one of them moves a vector register to or from the stack: one
// spilled accumulator can halve a kernel (GCC 12 did it to an array of AVX2
// accumulators). A hot loop is an innermost loop (a backward branch with no
// other loop inside) that runs the kernel's multiply-add instruction; every
// function whose name contains "micro" in the kernel object files is checked,
// and the embedding bag lookup's functions (its rows stream past
// accumulators in registers the same way).
//
//   node scripts/check-spills.js [build dir]      (default: build-native-tests)
'use strict';
const path = require('node:path');
const { objects, functions } = require('./objdump.js');

const root = path.resolve(__dirname, '..');
const buildDir = path.resolve(root, process.argv[2] ?? 'build-native-tests');
// The addon's kernels only: not the emulated copies (SIMDe), not the scalar ones.
const kernelObjects = /qgemm_core\.dir[/\\](?!.*_scalar\.).*(kernels[/\\](s8|f32)_\w+|embedding[/\\]bag_\w+)\.cc\.o$/;
const kernelFunctions = /micro|bag_(columns|range)/;

const vectorReg = /%[xyz]mm\d+/;
// The multiply-add of each kernel family (x86 and AArch64 mnemonics).
const multiplyAdd = /\b(vpmaddwd|vfmadd\w+|vpdpbusds?|tdpb\w+|sdot|udot|usdot|smmla|ummla|usmmla|fmla)\b/;
const stackRef = /\((%rsp|%rbp)\)/;

function spillsInLoops(fn) {
  const loops = [];
  for (const [i, l] of fn.lines.entries()) {
    const m = /^j\w+\s+([0-9a-f]+)/.exec(l.text);
    if (!m) continue;
    const target = parseInt(m[1], 16);
    if (target < l.addr) loops.push({ from: target, to: l.addr, end: i });
  }
  const innermost = loops.filter((a) => !loops.some((b) => b !== a && b.from >= a.from && b.to <= a.to && (b.from !== a.from || b.to !== a.to)));
  const found = [];
  for (const loop of innermost) {
    const body = fn.lines.filter((l) => l.addr >= loop.from && l.addr <= loop.to);
    if (!body.some((l) => multiplyAdd.test(l.text))) continue;
    // A backward jump over a return is a shared exit path, not a loop.
    if (body.some((l) => /^ret/.test(l.text))) continue;
    hotLoops++;
    const bad = body.filter((l) => vectorReg.test(l.text) && stackRef.test(l.text));
    if (bad.length) found.push({ loop, bad });
  }
  return found;
}

let problems = 0, checked = 0, hotLoops = 0;
for (const file of objects(buildDir, kernelObjects)) {
  for (const fn of functions(file)) {
    if (!kernelFunctions.test(fn.name)) continue;
    checked++;
    for (const { loop, bad } of spillsInLoops(fn)) {
      problems++;
      console.log(`${path.basename(file)}: ${fn.name}: loop ${loop.from.toString(16)}..${loop.to.toString(16)} touches the stack:`);
      for (const l of bad.slice(0, 6)) console.log(`    ${l.addr.toString(16)}: ${l.text}`);
    }
  }
}
if (checked === 0) {
  console.error(`check-spills: no microkernel objects under ${buildDir} (build the native tests first)`);
  process.exit(2);
}
console.log(`check-spills: ${checked} microkernel functions, ${hotLoops} hot loops, ${problems} with vector stack traffic`);
process.exit(problems === 0 && hotLoops > 0 ? 0 : 1);
