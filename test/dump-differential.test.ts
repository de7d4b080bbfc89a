import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DifferentialRunner, type FuzzCase, type RunResult, Tally, fuzzSources, makeCase } from './fuzz/differential.js';
import { HAVE_KAFKA, ensureKafka } from './real-kafka.js';

/**
 * The differential fuzzer in the test suite: real files (fixtures/, ../shared when present)
 * damaged by test/fuzz/mutators.ts, each dumped in every mode that applies by kafka-dump-log and by
 * Kafka 4.3.2's DumpLogSegments; stdout, stderr and exit code must be identical. A few hundred
 * runs, seeded and stable; `npm run fuzz` runs ten thousand and more (scripts/fuzz-dump.mjs).
 * FUZZ_SEED and FUZZ_RUNS change them here too.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const RUNS = Number(process.env.FUZZ_RUNS ?? 500);

function describeRun(c: FuzzCase, r: RunResult): string {
  return `case ${c.index} of seed ${SEED} (${c.source.name}, ${c.kinds.join(' + ')}): ${r.args.join(' ')}: ${r.signature}`;
}

describe.skipIf(!HAVE_KAFKA)('differential fuzzing against the real DumpLogSegments', () => {
  let runner: DifferentialRunner;
  beforeAll(() => {
    ensureKafka();
    runner = new DifferentialRunner();
  });
  afterAll(() => runner?.close());

  it(`${RUNS} runs on damaged real files, every mode: identical stdout, stderr and exit code`, async () => {
    const sources = fuzzSources();
    const tally = new Tally();
    for (let i = 0; tally.runs < RUNS; i++) {
      const c = makeCase(sources, SEED, i);
      tally.add(c, await runner.run(c));
    }
    console.log(`[differential] ${tally.report()}`);
    expect(tally.failures.map((f) => describeRun(f.c, f.r))).toEqual([]);
    expect(tally.runs).toBeGreaterThanOrEqual(RUNS);
    // the sample reaches the codecs, the legacy formats and the index files
    const kinds = [...tally.byKind.keys()];
    for (const prefix of ['batch.', 'record.', 'payload.', 'legacy.', 'wrapper.', 'index.', 'timeindex.', 'raw.']) {
      expect(kinds.some((k) => k.startsWith(prefix)), prefix).toBe(true);
    }
  });
});
