import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MUTATION_KINDS, type MutationSpec, applyMutation } from './fuzz/mutations.js';
import { newDumpCounters } from '../src/dump/tuning.js';
import { readBatches } from '../src/io/batches.js';
import { FIXTURES, dumpInProcess } from './helpers.js';

/**
 * Mutation fuzzing of kafka-dump-log on copies of real segments: whatever the damage, the dump
 * either completes (exit 0) or fails the way the JVM tool fails (exit 1, one `Exception in thread
 * "main" …` line) — never an internal error of ours (exit 2), never a hang.
 */
const dir = mkdtempSync(join(tmpdir(), 'kseg-fuzz-dump-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Target {
  log: string;
  original: Buffer;
  anchors: number[];
}
const targets: Target[] = [];
for (const [partition, base] of [
  ['plain-0', '00000000000000000189'],
  ['txn-0', '00000000000000000025'],
  ['rd-zstd-0', '00000000000000000000'],
  ['java-snappy-0', '00000000000000000000'],
  ['v0-lz4-0', '00000000000000000000'],
  ['v1-gzip-0', '00000000000000000000'],
] as const) {
  const pdir = join(dir, partition);
  // Each partition keeps its own folder so .index/.timeindex find their .log.
  mkdirSync(pdir, { recursive: true });
  for (const f of readdirSync(join(FIXTURES, 'kafka-logs', partition)).filter((f) => f.startsWith(base))) {
    copyFileSync(join(FIXTURES, 'kafka-logs', partition, f), join(pdir, f));
  }
  const log = join(pdir, `${base}.log`);
  targets.push({ log, original: readFileSync(log), anchors: [...readBatches(log)].map((b) => b.header.position) });
}

const MODES = [[], ['--deep-iteration'], ['--print-data-log'], ['--print-data-log', '--skip-record-metadata']];

const mutation: fc.Arbitrary<MutationSpec> = fc.record({
  kind: fc.nat(MUTATION_KINDS.length - 1),
  at: fc.nat(),
  len: fc.nat(),
  value: fc.nat(),
  bytes: fc.uint8Array({ maxLength: 200 }),
});

describe('kafka-dump-log under mutation of real segments', () => {
  it('never fails with an error of its own (2000 cases over .log, .index and .timeindex; FUZZ_RUNS=N for more)', () => {
    fc.assert(
      fc.property(fc.nat(targets.length - 1), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.nat(MODES.length + 1), (t, ms, mode) => {
        const target = targets[t]!;
        let bytes = target.original;
        for (const m of ms) bytes = applyMutation(bytes, m, target.anchors);
        writeFileSync(target.log, bytes);
        try {
          // Modes 0-3 dump the log; 4 and 5 check its index and time index against it.
          const file = mode < MODES.length ? target.log : target.log.replace(/\.log$/, mode === MODES.length ? '.index' : '.timeindex');
          const r = dumpInProcess([...(MODES[mode] ?? []), '--files', file], dir);
          const err = r.stderr.toString('utf8');
          expect(err).not.toContain('internal error');
          expect([0, 1]).toContain(r.code);
          if (r.code === 1) expect(err).toMatch(/^Exception in thread "main" [\w.$]+(: .*)?\n$/s);
        } finally {
          writeFileSync(target.log, target.original);
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 2000), seed: Number(process.env.FUZZ_SEED ?? 20261123) },
    );
  });
});

describe('the fast record-line writer under mutation of real segments', () => {
  it('prints byte for byte what the general path prints (1000 damaged segments × a deep mode)', () => {
    fc.assert(
      fc.property(fc.nat(targets.length - 1), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.nat(MODES.length - 2), (t, ms, m) => {
        const target = targets[t]!;
        let bytes = target.original;
        for (const mu of ms) bytes = applyMutation(bytes, mu, target.anchors);
        writeFileSync(target.log, bytes);
        try {
          const args = [...MODES[m + 1]!, '--files', target.log];
          const fast = dumpInProcess(args, dir);
          const general = dumpInProcess(args, dir, { recordLines: false });
          expect(fast.code).toBe(general.code);
          expect(fast.stderr.toString('latin1')).toBe(general.stderr.toString('latin1'));
          expect(fast.stdout.equals(general.stdout)).toBe(true);
        } finally {
          writeFileSync(target.log, target.original);
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 1000), seed: Number(process.env.FUZZ_SEED ?? 20261123) },
    );
  });

  it('is used: every data batch of real v2 segments (each codec) goes through it', () => {
    for (const target of targets.slice(0, 4)) {
      const dataBatches = [...readBatches(target.log)].filter((b) => b.header.format === 'v2' && !b.header.isControl).length;
      const counters = newDumpCounters();
      const r = dumpInProcess(['--print-data-log', '--files', target.log], dir, { counters });
      expect(r.code).toBe(0);
      expect(dataBatches).toBeGreaterThan(0);
      expect(counters.recordLineBatches).toBe(dataBatches);
    }
  });
});
