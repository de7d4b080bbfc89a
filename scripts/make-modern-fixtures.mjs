#!/usr/bin/env node
// Copies a small, real sample of the modern corpus (scripts/modern-corpus.mjs: files the Kafka 4.3.2 broker and
// its Java clients wrote) into fixtures/modern/, and records what the real DumpLogSegments prints for every
// file of it in every mode (scripts/modern-jobs.mjs) into fixtures/expected-modern/, in ../shared's jobs.tsv
// layout. test/conformance.test.ts replays them, so a clone without Java still checks the record types only
// Kafka 4.x writes. Needs Java (the real tool); nothing here is hand-made.
//
//   node scripts/make-modern-fixtures.mjs [CORPUS_DIR]     (default: the cached corpus, generated if missing)
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DumpDriver, REPO } from './kafka-lib.mjs';
import { modernCorpus } from './modern-corpus.mjs';
import { modernJobs } from './modern-jobs.mjs';

/**
 * The sample: whole partitions of the internal topics (every group type, share state, remote log metadata,
 * a transaction.version 2 coordinator) and of a deleted topic, and single segments (all files of one base offset) showing
 * transaction markers under TV2, a cleaned segment with delete horizons and the KRaft metadata log with
 * a snapshot. Kept small: every mode of every file is recorded.
 */
const PARTITIONS = [
  '__consumer_offsets-0',
  '__consumer_offsets-1',
  '__consumer_offsets-2',
  '__share_group_state-2',
  '__remote_log_metadata-0',
  '__transaction_state-1',
];
const SEGMENTS = [
  ['txn-0', 158],
  ['compacted-0', 2700],
  ['__cluster_metadata-0', 0],
];
const SNAPSHOT = /^__cluster_metadata-0\/0+37-0+1\.checkpoint$/;

/**
 * Which runs are recorded (fixtures stay well under 1 MB): each file's own modes — shallow, and for
 * records the decoder of its topic or deep iteration (print-data modes only on the compacted segment,
 * whose tombstones and horizons they show) — and three mistyped decoders whose errors Kafka 4.3 words
 * its own way. The modern corpus test runs every mode of every file.
 */
const MISTYPED = [
  /^remotelog kafka-logs\/__consumer_offsets-2\/0+\.log$/,
  /^sharestate kafka-logs\/__consumer_offsets-2\/0+\.log$/,
  // one of its values starts with a varint past 31 bits (Kafka: "unknown frame version 22808")
  /^metadata kafka-logs\/doomed-0\.[0-9a-f]+-delete\/0+\.log$/,
];
function recorded(job) {
  if (!job.applies) return MISTYPED.some((re) => re.test(`${job.mode} ${job.file}`));
  if (!/\.(log|checkpoint)$/.test(job.file) || job.mode === 'shallow') return true;
  const internal = /\/__[a-z_]+-\d+\/|bootstrap\.checkpoint$/.test(job.file);
  if (internal) return !['deep', 'data', 'skipmeta'].includes(job.mode);
  return job.mode === 'deep' || (job.file.includes('/compacted-0/') && (job.mode === 'data' || job.mode === 'skipmeta'));
}

const OUT = path.join(REPO, 'fixtures/modern');
const EXPECTED = path.join(REPO, 'fixtures/expected-modern');

const corpus = path.resolve(process.argv[2] ?? (await modernCorpus({ log: (l) => console.error(`[modern-corpus] ${l}`) })));
const logs = path.join(corpus, 'kafka-logs');
rmSync(OUT, { recursive: true, force: true });
rmSync(EXPECTED, { recursive: true, force: true });
mkdirSync(path.join(OUT, 'kafka-logs'), { recursive: true });
// a deleted topic's partition, renamed `<topic>-<partition>.<topic id>-delete` until the broker removes it
const doomed = readdirSync(logs).find((n) => /^doomed-0\.[0-9a-f]+-delete$/.test(n));
if (!doomed) throw new Error(`no doomed-0.<id>-delete folder in ${logs}`);
for (const p of PARTITIONS) cpSync(path.join(logs, p), path.join(OUT, 'kafka-logs', p), { recursive: true });
// its indexes stayed preallocated (256 KiB of zeros each): the segment and small files only
mkdirSync(path.join(OUT, 'kafka-logs', doomed));
for (const n of readdirSync(path.join(logs, doomed)).filter((n) => !/\.(time)?index$/.test(n))) cpSync(path.join(logs, doomed, n), path.join(OUT, 'kafka-logs', doomed, n));
for (const [p, base] of SEGMENTS) {
  const prefix = String(base).padStart(20, '0') + '.';
  const names = readdirSync(path.join(logs, p)).filter((n) => n.startsWith(prefix) && !n.endsWith('.deleted'));
  if (!names.some((n) => n.endsWith('.log'))) throw new Error(`${p} has no segment ${prefix}log in ${logs}`);
  mkdirSync(path.join(OUT, 'kafka-logs', p), { recursive: true });
  for (const n of names) cpSync(path.join(logs, p, n), path.join(OUT, 'kafka-logs', p, n));
}
for (const n of readdirSync(path.join(logs, '__cluster_metadata-0'))) {
  if (SNAPSHOT.test(`__cluster_metadata-0/${n}`)) cpSync(path.join(logs, '__cluster_metadata-0', n), path.join(OUT, 'kafka-logs/__cluster_metadata-0', n));
}
cpSync(path.join(logs, 'bootstrap.checkpoint'), path.join(OUT, 'kafka-logs/bootstrap.checkpoint'));
// an active metadata segment's index stays preallocated (10 MiB of zeros) even after a clean stop: not sampled
for (const f of readdirSync(path.join(OUT, 'kafka-logs/__cluster_metadata-0'))) {
  if (statSync(path.join(OUT, 'kafka-logs/__cluster_metadata-0', f)).size > 1 << 20) throw new Error(`sampled a large file: ${f}`);
}

// KRaft writes its snapshots read-only; the fixtures are plain files like the others
spawnSync('chmod', ['-R', 'u+w', OUT]);
const before = readdirSync(OUT, { recursive: true }).sort().join('\n');
const driver = new DumpDriver({ cwd: OUT });
const rows = [];
let bytes = 0;
try {
  for (const job of modernJobs(OUT).filter(recorded)) {
    const r = await driver.run(job.args);
    if (r.code === 'timeout') throw new Error(`the real tool timed out on ${job.args.join(' ')}`);
    // Kafka prints absolute paths in some reports: recorded as @CWD@, as in ../shared
    const norm = (b) => b.toString('utf8').split(OUT).join('@CWD@');
    const stem = `expected/kafka-4.3/${job.file}.${job.mode}${job.applies ? '' : '-other'}`;
    for (const [suffix, text] of [['out', norm(r.stdout)], ['err', norm(r.stderr)]]) {
      const f = path.join(EXPECTED, `${stem}.${suffix}`);
      mkdirSync(path.dirname(f), { recursive: true });
      writeFileSync(f, text);
      bytes += Buffer.byteLength(text);
    }
    rows.push([`${stem}.out`, `${stem}.err`, r.code, ...job.args].join('\t'));
  }
} finally {
  driver.close();
}
// the real tool creates a missing index beside a segment it dumps in some modes: the sample must not change
if (readdirSync(OUT, { recursive: true }).sort().join('\n') !== before) throw new Error('the real tool added files to fixtures/modern');
writeFileSync(path.join(EXPECTED, 'expected/kafka-4.3/jobs.tsv'), rows.join('\n') + '\n');
const size = (dir) => readdirSync(dir, { recursive: true }).reduce((s, f) => s + (statSync(path.join(dir, f)).isFile() ? statSync(path.join(dir, f)).size : 0), 0);
console.log(`fixtures/modern: ${size(OUT)} bytes; fixtures/expected-modern: ${rows.length} runs, ${bytes} bytes of output (${size(EXPECTED)} with jobs.tsv)`);
