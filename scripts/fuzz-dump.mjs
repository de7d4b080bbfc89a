#!/usr/bin/env node
// Differential fuzzing of kafka-dump-log against the real DumpLogSegments (Kafka's jars, see
// scripts/kafka.mjs): real files damaged by test/fuzz/mutators.ts, each dumped in every mode that
// applies by kseg and by the real tool; stdout, stderr and exit code must be identical.
//
//   npm run fuzz                          # 10,000 runs or more (cases until the count is reached)
//   node scripts/fuzz-dump.mjs 50000      # another count of runs
//   FUZZ_SEED=n                           # replay a run; FUZZ_ONLY=i,j runs those cases only
//   FUZZ_KEEP=dir                         # write the files of mismatching cases under dir
//   FUZZ_VERBOSE=1                        # print each mismatch: both stderrs, the first differing stdout lines
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

/** A mismatch in full: the case, exit codes, stderrs, and stdout around the first differing line. */
function describe(c, r) {
  const out = [`--- case ${c.index} (${c.source.name}, ${c.kinds.join(' + ')}): ${r.args.join(' ')}`, `exit ours ${r.ours.code} real ${r.real.code}`];
  out.push(`stderr ours: ${r.ours.stderr.toString().trimEnd()}`, `stderr real: ${r.real.stderr.toString().trimEnd()}`);
  const a = r.ours.stdout.toString().split('\n');
  const b = r.real.stdout.toString().split('\n');
  const i = a.findIndex((l, k) => l !== b[k]);
  if (i >= 0) for (let k = Math.max(0, i - 1); k < Math.min(Math.max(a.length, b.length), i + 3); k++) out.push(`stdout ${k + 1} ours: ${a[k] ?? '<none>'}`, `stdout ${k + 1} real: ${b[k] ?? '<none>'}`);
  return out.join('\n') + '\n';
}

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
    if (process.env.FUZZ_VERBOSE) for (const r of results) if (!r.same) process.stdout.write(describe(c, r));
    for (const r of results) {
      if (r.realMs > 5000 || r.oursMs > 5000) process.stdout.write(`  slow: case ${c.index} (${c.source.name}, ${c.kinds.join(' + ')}) ${r.args.join(' ')}: kseg ${r.oursMs.toFixed(0)} ms, real ${r.realMs.toFixed(0)} ms\n`);
    }
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
