/**
 * Leaks: many mixed sync and async calls, and pack/dispose cycles, keep RSS
 * within a generous bound after warm-up; PackedWeights dropped without
 * dispose() are freed by garbage collection. Memory bounds only, no timing.
 * (scripts/soak.ts is the long version: 200k calls, 10k pack cycles.)
 *
 * The GC checks need --expose-gc: they run in a child process that has it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { packWeights, tensor } from '../lib';
import { mixedRound, soakInputs } from '../scripts/soak';
import { sanitized } from './property_support';

const noRss = sanitized && 'RSS bounds do not hold under ASan (quarantine)';

const MB = 1024 * 1024;
const rss = () => process.memoryUsage().rss;

describe('leaks', () => {
  it('20k mixed sync/async calls and pack/dispose cycles: RSS growth after warm-up < 50 MB', { skip: noRss }, async () => {
    const x = soakInputs();
    let calls = 0;
    for (let i = 0; i < 4000; i++) calls += await mixedRound(i, x); // warm-up: pools, allocator arenas, JIT
    const before = rss();
    let peak = before;
    for (let i = 0; i < 20000; i++) {
      calls += await mixedRound(i, x);
      if (i % 1000 === 0) peak = Math.max(peak, rss());
    }
    const after = rss();
    peak = Math.max(peak, after);
    console.log(`leak_soak: ${calls} calls; RSS after warm-up ${(before / MB).toFixed(1)} MB, end ${(after / MB).toFixed(1)} MB, peak ${(peak / MB).toFixed(1)} MB`);
    assert.ok(after - before < 50 * MB, `RSS grew by ${((after - before) / MB).toFixed(1)} MB`);
    x.layer.dispose();
  });

  it('sync packWeights/dispose of 1 MiB packs reuses memory: 1000 cycles grow RSS < 300 MB', { skip: noRss }, () => {
    // With aligned_alloc, glibc never reused the freed pack (a small live object sat between
    // the holes): RSS grew by one pack per cycle, ~1 GB here.
    const b = tensor(new Int8Array(1024 * 1024).fill(1), [1024, 1024]);
    for (let i = 0; i < 50; i++) packWeights(b).dispose();
    const before = rss();
    for (let i = 0; i < 1000; i++) packWeights(b).dispose();
    const growth = (rss() - before) / MB;
    console.log(`leak_soak: 1000 sync 1 MiB pack/dispose cycles: RSS +${growth.toFixed(1)} MB`);
    assert.ok(growth < 300, `RSS grew by ${growth.toFixed(0)} MB`);
  });

  it('PackedWeights dropped without dispose() are freed by GC (finalizers run, RSS stays bounded)', { skip: noRss }, () => {
    // 3 rounds of 40 packs of 16 MiB (1.9 GiB in all) dropped without dispose(): without GC freeing
    // them RSS would pass 1.9 GB. Once glibc raises its mmap threshold it keeps freed heap for reuse,
    // so RSS is compared between the last two rounds (steady state).
    const script = `
      const { packWeights, tensor } = require('./lib');
      const MB = 1024 * 1024;
      const rss = () => process.memoryUsage().rss;
      const ext = () => process.memoryUsage().external;
      let freed = 0;
      const registry = new FinalizationRegistry(() => { freed++; });
      const b = tensor(new Int8Array(4096 * 4096).fill(3), [4096, 4096]);
      (async () => {
        global.gc();
        const base = rss(), baseExt = ext();
        let peak = base;
        const ends = [];
        for (let round = 0; round < 3; round++) {
          for (let i = 0; i < 40; i++) {
            registry.register(packWeights(b), i);
            peak = Math.max(peak, rss());
          }
          // Collect until this round's packs are finalized (a loaded machine needs more turns).
          for (let i = 0; i < 200 && freed < 40 * (round + 1); i++) { global.gc(); await new Promise((r) => setImmediate(r)); }
          for (let i = 0; i < 3; i++) { global.gc(); await new Promise((r) => setImmediate(r)); }
          ends.push(rss() / MB);
        }
        console.log(JSON.stringify({ base: base / MB, peak: peak / MB, ends, freed, extGrowth: (ext() - baseExt) / MB }));
      })();`;
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '-e', script], { cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `stderr: ${r.stderr}`);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as { base: number; peak: number; ends: number[]; freed: number; extGrowth: number };
    console.log(
      `leak_soak: 120 dropped 16 MiB packs: RSS base ${m.base.toFixed(0)} MB, peak ${m.peak.toFixed(0)} MB, ` +
        `after each round ${m.ends.map((e) => e.toFixed(0)).join(' / ')} MB, ${m.freed} finalized, external memory +${m.extGrowth.toFixed(1)} MB`,
    );
    assert.ok(m.freed >= 100, `only ${m.freed} of 120 packs were finalized`);
    assert.ok(m.extGrowth < 20, `external memory still counts ${m.extGrowth} MB of packs`);
    assert.ok(m.peak - m.base < 1200, `peak ${m.peak} MB vs base ${m.base} MB: packs were not collected`);
    assert.ok(m.ends[2] - m.ends[1] < 150, `RSS kept growing round after round: ${m.ends.join(', ')} MB`);
  });
});
