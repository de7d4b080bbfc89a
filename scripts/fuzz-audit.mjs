#!/usr/bin/env node
// Long mutation-fuzzing run of `kseg audit` on copies of the real fixtures (see
// test/fuzz/mutations.ts): every case damages one file of a small real partition in a temp dir and
// audits it; any exception or a single audit slower than 10 s is a failure. A robustness fuzz (the
// audit never throws, never hangs); `npm run fuzz` is the differential one of kafka-dump-log.
//
//   npm run fuzz:audit                 # a million cases
//   node scripts/fuzz-audit.mjs 50000  # another count; FUZZ_SEED=n to replay a run
//
// Prints the count reached every 10,000 cases and at the end (also on Ctrl-C / SIGTERM).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { importTs } from './ts-tool.mjs';

const { MUTATION_KINDS, createFuzzBench } = await importTs('test/fuzz/mutations.ts');

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const total = Number(process.argv[2] ?? 1_000_000);
const seed0 = Number(process.env.FUZZ_SEED ?? Date.now() % 2147483647);
const CHUNK = 10_000;
const SLOW_MS = 10_000;

const bench = createFuzzBench(join(repo, 'fixtures/kafka-logs'));
const mutation = fc.record({
  kind: fc.nat(MUTATION_KINDS.length - 1),
  at: fc.nat(),
  len: fc.nat(),
  value: fc.nat(),
  bytes: fc.uint8Array({ maxLength: 300 }),
});
const kase = fc.tuple(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean());

let ran = 0;
let anomalies = 0;
let slowest = 0;
const started = Date.now();
function status(prefix) {
  const secs = (Date.now() - started) / 1000;
  process.stdout.write(`${prefix}: ${ran} cases run in ${secs.toFixed(0)} s (${(ran / Math.max(secs, 0.001)).toFixed(0)}/s), ${anomalies} with anomalies, slowest audit ${slowest.toFixed(0)} ms, seed ${seed0}\n`);
}
function finish(code) {
  status(code === 0 ? 'fuzz done' : 'fuzz stopped');
  bench.cleanup();
  process.exit(code);
}
process.on('SIGINT', () => finish(130));
process.on('SIGTERM', () => finish(143));

for (let chunk = 0; ran < total; chunk++) {
  const runs = Math.min(CHUNK, total - ran);
  const result = fc.check(
    fc.property(kase, ([target, ms, resync]) => {
      const t0 = performance.now();
      const r = bench.run(target, ms, resync);
      const dt = performance.now() - t0;
      if (dt > slowest) slowest = dt;
      ran++;
      if (r.anomalies.length > 0) anomalies++;
      if (dt > SLOW_MS) throw new Error(`audit took ${dt.toFixed(0)} ms`);
    }),
    { numRuns: runs, seed: seed0 + chunk, endOnFailure: true },
  );
  if (result.failed) {
    process.stdout.write(`FAILURE (seed ${seed0 + chunk}, path ${result.counterexamplePath}):\n`);
    process.stdout.write(`  target ${bench.targets[result.counterexample[0][0] % bench.targets.length].path}\n`);
    process.stdout.write(`  ${fc.stringify(result.counterexample)}\n  ${result.errorInstance?.stack ?? result.error}\n`);
    finish(1);
  }
  status('fuzz');
}
finish(0);
