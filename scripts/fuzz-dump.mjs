#!/usr/bin/env node
// Differential fuzzing of kafka-dump-log against the real DumpLogSegments (Kafka's jars, see
// scripts/kafka.mjs): real files damaged by test/fuzz/mutators.ts, each dumped in every mode that
// applies by kseg and by the real tool; stdout, stderr and exit code must be identical.
//
//   npm run fuzz                          # 10,000 runs or more (cases until the count is reached)
//   node scripts/fuzz-dump.mjs 50000      # another count of runs
//   FUZZ_SEED=n                           # replay a run; FUZZ_ONLY=i,j runs those cases only
//   FUZZ_KEEP=dir                         # write the files of mismatching cases under dir
//
// Prints progress every 1,000 runs, then the counts by mutation kind and the differences found.
// Exits 1 if any run differs.
import { importTs } from './ts-tool.mjs';

const { DifferentialRunner, Tally, fuzzSources, makeCase } = await importTs('test/fuzz/differential.ts');

const target = Number(process.argv[2] ?? 10_000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2147483647);
const only = process.env.FUZZ_ONLY ? process.env.FUZZ_ONLY.split(',').map(Number) : null;
const keep = process.env.FUZZ_KEEP;

const sources = fuzzSources();
const runner = new DifferentialRunner();
const tally = new Tally();
const started = Date.now();
const secs = () => ((Date.now() - started) / 1000).toFixed(0);
process.stdout.write(`differential fuzz: seed ${seed}, ${sources.length} real source files, working in ${runner.workDir}\n`);

let stopping = false;
process.on('SIGINT', () => (stopping = true));
process.on('SIGTERM', () => (stopping = true));

let nextReport = 1000;
try {
  for (let i = 0; only ? i < only.length : tally.runs < target; i++) {
    if (stopping) break;
    const c = makeCase(sources, seed, only ? only[i] : i);
    const results = await runner.run(c);
    tally.add(c, results);
    if (keep && results.some((r) => !r.same)) DifferentialRunner.keep(c, keep);
    if (tally.runs >= nextReport) {
      process.stdout.write(`  ${tally.runs} runs, ${tally.cases} cases, ${tally.mismatches} mismatches, ${secs()} s\n`);
      nextReport += 1000;
    }
  }
} finally {
  runner.close();
}
process.stdout.write(`${tally.report()}\nseed ${seed}, ${secs()} s${stopping ? ' (stopped)' : ''}\n`);
process.exit(tally.mismatches + tally.timeouts > 0 ? 1 : 0);
