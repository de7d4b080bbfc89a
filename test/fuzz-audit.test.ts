import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { auditPath } from '../src/audit/index.js';
import { MUTATION_KINDS, type MutationSpec, createFuzzBench } from './fuzz/mutations.js';
import { FIXTURES } from './helpers.js';

// Mutation fuzzing on copies of real files: whatever the damage, the audit returns a report (no
// uncaught exception) quickly (no hang). ~10k cases in all; `npm run fuzz` runs a million.

const bench = createFuzzBench(join(FIXTURES, 'kafka-logs'));
afterAll(() => bench.cleanup());

const mutation: fc.Arbitrary<MutationSpec> = fc.record({
  kind: fc.nat(MUTATION_KINDS.length - 1),
  at: fc.nat(),
  len: fc.nat(),
  value: fc.nat(),
  bytes: fc.uint8Array({ maxLength: 300 }),
});

/** Longest single audit seen, to catch a slide towards quadratic behaviour. */
let slowest = 0;
function timed<T>(f: () => T): T {
  const t0 = performance.now();
  const r = f();
  slowest = Math.max(slowest, performance.now() - t0);
  return r;
}

describe('fuzz: the audit survives any damage to real files', () => {
  it('sanity: every target reads without error before mutation', () => {
    // The bench's partitions are slices of real ones (a segment or two), so the root checkpoints
    // point past their ends (warnings); the batches themselves are intact.
    for (let i = 0; i < bench.targets.length; i++) {
      const r = bench.run(i, [], false);
      expect(r.anomalies.filter((a) => a.severity === 'error'), bench.targets[i]!.path).toEqual([]);
      expect(r.summary.batches).toBeGreaterThan(0);
    }
  });

  it('one mutation of one real file: a report, never a throw, never a hang (6000 cases)', () => {
    fc.assert(
      fc.property(fc.nat(), mutation, fc.boolean(), (target, m, resync) => {
        const r = timed(() => bench.run(target, [m], resync));
        expect(r.summary.errors + r.summary.warnings).toBe(r.anomalies.length);
        for (const a of r.anomalies) expect(a.position).toBeGreaterThanOrEqual(-1);
      }),
      { numRuns: 6000, seed: 20240601 },
    );
    expect(slowest).toBeLessThan(2000);
  });

  it('several stacked mutations (3000 cases)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 2, maxLength: 6 }), fc.boolean(), (target, ms, resync) => {
        timed(() => bench.run(target, ms, resync));
      }),
      { numRuns: 3000 },
    );
    expect(slowest).toBeLessThan(2000);
  });

  it('arbitrary bytes as a segment, with and without --resync (1000 cases)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kseg-fuzz-raw-'));
    const part = join(dir, 'raw-0');
    const log = join(part, '00000000000000000000.log');
    try {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), (bytes, resync) => {
          mkdirSync(part, { recursive: true });
          writeFileSync(log, bytes);
          const r = timed(() => auditPath(part, { resync }));
          // An empty segment is clean; any non-empty bytes that are not batches are an anomaly.
          if (bytes.length === 0) expect(r.anomalies).toEqual([]);
        }),
        { numRuns: 1000 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(slowest).toBeLessThan(2000);
  });
});
