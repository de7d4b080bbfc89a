#!/usr/bin/env node
// npm run bench [-- options]: kseg's kafka-dump-log against Kafka's own DumpLogSegments, side by
// side, on the same segment files in the same run: speed-up per segment and mode, and peak memory.
//
// Builds (npm run build), then per size and set writes one segment into a temp dir by repeating
// real batches with contiguous base offsets and recomputed CRC-32C (removed once measured):
//   plain   plain-0's batches from the corpus (Kafka 2.1.1 broker; ~95 B records, ~7 per batch)
//   r400    ~400 B records (values made of the corpus's real values), written by a real Kafka
//           broker through Kafka's Java producer (kafka/BenchProducer.java, default batching)
//   gzip, snappy, lz4, zstd   the corpus's rd-<codec>-0 + java-<codec>-0 batches (librdkafka and
//           Java producers)
//   large   1-4 MiB records (the harness's `large` profile: half repeated text, half random
//           bytes), written by the real broker through the Java producer, one record per batch
// Each segment is dumped shallow, with --deep-iteration and with --print-data-log by kseg
// (`node bin/kafka-dump-log.js`) and by Kafka's tool as kafka-dump-log.sh runs it (one JVM with
// bin/kafka-run-class.sh's default options: scripts/kafka-lib.mjs realDumpLogCommand), stdout to
// /dev/null, alternating: run i of kseg, then Kafka's (kafka first on odd rounds), `--runs` rounds.
// Wall time is measured here, peak RSS by /usr/bin/time -f %M. Speed-up = Kafka's median / kseg's.
//
// Options:
//   --sizes MiB,...   segment sizes (default 256; 1024 = Kafka's default log.segment.bytes, 1 GiB)
//   --sets a,b,...    of plain,r400,gzip,snappy,lz4,zstd,large (default all)
//   --modes a,b,...   of shallow,deep,print (default all)
//   --runs N          rounds of paired runs (default 3)
//   --verify          also one untimed run of each tool per segment and mode with stdout and stderr
//                     hashed: identical or not
//   --no-kafka        kseg only (also what happens, with a message, when Java or the jars are missing)
//   --profile SET:MODE  a `node --cpu-prof` run of kseg on that segment (first size): top functions
//   --no-build --keep (keep the temp dir)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  MB,
  hashRun,
  median,
  multiMegabyteRecords,
  readBatches,
  realBrokerBatches,
  recordsOf400Bytes,
  summariseProfile,
  timeOnce,
  writeSegment,
} from './bench-lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def;
};
const flag = (name) => argv.includes(name);
const MiB = 1 << 20;
const sizes = opt('--sizes', '256').split(',').map(Number);
const runs = Math.max(1, Number(opt('--runs', 3)));
const ALL_SETS = ['plain', 'r400', 'gzip', 'snappy', 'lz4', 'zstd', 'large'];
const setNames = opt('--sets', ALL_SETS.join(',')).split(',');
const MODES = [
  { name: 'shallow', args: [] },
  { name: 'deep', args: ['--deep-iteration'] },
  { name: 'print', args: ['--print-data-log'] },
];
const modes = MODES.filter((m) => opt('--modes', 'shallow,deep,print').split(',').includes(m.name));
const profileOf = opt('--profile', null);
const log = (s) => process.stderr.write(`bench: ${s}\n`);
for (const s of setNames) if (!ALL_SETS.includes(s)) throw new Error(`unknown set ${s} (one of ${ALL_SETS.join(', ')})`);

// 1. Build (or use an existing dist/).
if (!flag('--no-build')) {
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    if (!existsSync(path.join(root, 'dist/bundle/dump-log.js'))) process.exit(1);
    log('the build failed; timing the existing dist/');
  }
}
const { crc32c, decompress } = await import(pathToFileURL(path.join(root, 'dist/codec/index.js')).href);
const zstdMod = await import(pathToFileURL(path.join(root, 'dist/codec/zstd.js')).href).catch(() => ({}));
const crcMod = await import(pathToFileURL(path.join(root, 'dist/codec/crc.js')).href).catch(() => ({}));
const utf8Mod = await import(pathToFileURL(path.join(root, 'dist/format/utf8.js')).href).catch(() => ({}));
const utf8Engine = utf8Mod.javaUtf8Engine ? (utf8Mod.javaUtf8Engine() ? 'native/java-utf8' : 'JS') : '?';

// 2. The real tool, unless Java or the jars are missing.
const kafka = await import('./kafka-lib.mjs');
let kafkaMissing = flag('--no-kafka') ? ['--no-kafka'] : kafka.missingForKafka();
if (kafkaMissing.length === 0) {
  try {
    kafka.fetchKafka();
  } catch (e) {
    kafkaMissing = [`fetching Kafka's jars failed: ${e.message.split('\n')[0]}`];
  }
}
const withKafka = kafkaMissing.length === 0;
if (!withKafka) log(`Kafka's tool is skipped (${kafkaMissing.join('; ')}): kseg's times only, and no r400 or large segments (a real broker writes them)`);

// 3. Source batches.
const corpora = [path.resolve(root, '../shared/corpus/kafka-logs'), path.join(root, 'fixtures/kafka-logs')];
const LOGS = corpora.find((d) => existsSync(path.join(d, 'plain-0')));
if (!LOGS) {
  console.error(`bench: no corpus (looked in ${corpora.join(', ')})`);
  process.exit(1);
}
const manifest = path.resolve(LOGS, '../manifest.jsonl');
const corpusSet = (name, codecId, dirs, what) => ({
  name,
  what,
  batches: () =>
    dirs
      .filter((d) => existsSync(path.join(LOGS, d)))
      .flatMap((d) => readBatches(path.join(LOGS, d)))
      .filter((b) => b.codec === codecId && !b.control),
});
const brokerTopics = [];
if (withKafka && setNames.includes('r400')) {
  if (existsSync(manifest)) brokerTopics.push({ name: 'r400', records: recordsOf400Bytes(manifest), settings: ['compression.type=none'] });
  else log(`r400 skipped: no ${manifest}`);
}
if (withKafka && setNames.includes('large')) {
  const max = 8 * MiB;
  brokerTopics.push({
    name: 'large',
    records: multiMegabyteRecords(),
    settings: ['compression.type=none', `max.request.size=${max + MiB}`, `topic.max.message.bytes=${max + MiB}`],
  });
}
let brokerBatches = {};
if (brokerTopics.length) {
  log(`a Kafka ${kafka.KAFKA_VERSION} broker writes ${brokerTopics.map((t) => `${t.name} (${t.records.length} records)`).join(', ')} ...`);
  brokerBatches = await realBrokerBatches(kafka, brokerTopics, (s) => log(`  ${s}`));
}
const brokerSet = (name, what) => ({ name, what, batches: () => brokerBatches[name] ?? [] });
const SETS = [
  corpusSet('plain', 0, ['plain-0'], 'plain-0 batches'),
  brokerSet('r400', '~400 B records, Java producer'),
  corpusSet('gzip', 1, ['rd-gzip-0', 'java-gzip-0'], 'rd-/java-gzip-0 batches'),
  corpusSet('snappy', 2, ['rd-snappy-0', 'java-snappy-0'], 'rd-/java-snappy-0 batches'),
  corpusSet('lz4', 3, ['rd-lz4-0', 'java-lz4-0'], 'rd-/java-lz4-0 batches'),
  corpusSet('zstd', 4, ['rd-zstd-0', 'java-zstd-0'], 'rd-/java-zstd-0 batches'),
  brokerSet('large', '1-4 MiB records, Java producer'),
].filter((s) => setNames.includes(s.name));
const recordsBytesOf = new WeakMap();
/** A batch's records region after decompression, in bytes (a segment repeats each batch: once per batch). */
const recordsBytes = (b) => {
  let n = recordsBytesOf.get(b);
  if (n === undefined) recordsBytesOf.set(b, (n = b.codec === 0 ? b.bytes.length - 61 : decompress(b.codec, b.bytes.subarray(61), { magic: 2 }).length));
  return n;
};

// 4. Measure.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kseg-bench-'));
const cleanup = () => {
  if (!flag('--keep')) rmSync(tmp, { recursive: true, force: true });
  else process.stderr.write(`bench: --keep: the generated segments are kept in ${tmp}\n`);
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
const ksegCmd = (args) => [process.execPath, path.join(root, 'bin/kafka-dump-log.js'), ...args];
const kafkaCmd = (args) => {
  const c = kafka.realDumpLogCommand(args);
  return { argv: [c.cmd, ...c.args], env: c.env };
};

/** `runs` rounds of paired runs of both tools with `args` (kseg first on even rounds). */
function paired(args) {
  const k = [];
  const j = [];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['kseg', 'kafka'] : ['kafka', 'kseg'];
    for (const who of order) {
      if (who === 'kseg') k.push(timeOnce(ksegCmd(args), { cwd: tmp }));
      else if (withKafka) {
        const c = kafkaCmd(args);
        j.push(timeOnce(c.argv, { cwd: tmp, env: c.env }));
      }
    }
  }
  const sum = (rs) =>
    rs.length
      ? {
          median: median(rs.map((r) => r.seconds)),
          best: Math.min(...rs.map((r) => r.seconds)),
          cpu: median(rs.map((r) => r.cpuSeconds)),
          rssMB: Math.max(...rs.map((r) => r.rssMB)),
        }
      : null;
  return { kseg: sum(k), kafka: sum(j) };
}

const rows = [];
const segments = [];
const verified = [];
const profiles = [];
try {
  log('start-up: --version ...');
  rows.push({ set: 'start-up', size: '', mode: '--version', ...paired(['--version']) });
  for (const mib of sizes) {
    for (const set of SETS) {
      const batches = set.batches();
      if (batches.length === 0) {
        log(`${set.name}: no source batches, skipped`);
        continue;
      }
      const dir = path.join(tmp, `${set.name}-0`);
      mkdirSync(dir, { recursive: true });
      const rel = `${set.name}-0/00000000000000000000.log`;
      const seg = writeSegment(path.join(tmp, rel), batches, mib * MiB, crc32c, recordsBytes);
      const sizeLabel = mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;
      const info = { set: set.name, size: sizeLabel, what: set.what, ...seg, sourceBatches: batches.length };
      segments.push(info);
      log(
        `${set.name} ${sizeLabel}: ${seg.batches} batches, ${seg.records} records (${(seg.decompressedBytes / seg.records).toFixed(0)} B of records region per record), ` +
          `from ${batches.length} real batches (${set.what})`,
      );
      for (const m of modes) {
        const args = [...m.args, '--files', rel];
        log(`  ${m.name} ...`);
        const r = paired(args);
        rows.push({ set: set.name, size: sizeLabel, mode: m.name, ...r });
        const x = r.kafka ? ` Kafka ${r.kafka.median.toFixed(3)} s (CPU ${r.kafka.cpu.toFixed(2)} s), ${(r.kafka.median / r.kseg.median).toFixed(2)}x` : '';
        log(`  ${m.name}: kseg ${r.kseg.median.toFixed(3)} s (CPU ${r.kseg.cpu.toFixed(2)} s, ${r.kseg.rssMB.toFixed(0)} MB)${x}`);
        if (flag('--verify') && withKafka) {
          const c = kafkaCmd(args);
          const [a, b] = [await hashRun(process.execPath, ksegCmd(args).slice(1), { cwd: tmp }), await hashRun(c.argv[0], c.argv.slice(1), { cwd: tmp, env: c.env })];
          const same = a.stdout === b.stdout && a.stderr === b.stderr && a.code === b.code;
          verified.push({ set: set.name, size: sizeLabel, mode: m.name, same, bytes: b.stdoutBytes });
          log(`  ${m.name}: output ${same ? 'identical' : 'DIFFERENT'} (${b.stdoutBytes} bytes of Kafka's stdout)`);
        }
        if (profileOf === `${set.name}:${m.name}` && mib === sizes[0]) {
          const profDir = path.join(tmp, 'profile');
          const t = timeOnce([process.execPath, '--cpu-prof', '--cpu-prof-dir', profDir, ...ksegCmd(args).slice(1)], { cwd: tmp });
          const f = readdirSync(profDir).find((n) => n.endsWith('.cpuprofile'));
          profiles.push({ what: `${set.name} ${sizeLabel} ${m.name}`, seconds: t.seconds, ...summariseProfile(path.join(profDir, f), 25) });
          rmSync(profDir, { recursive: true, force: true });
        }
      }
      // --keep keeps the segments too (each is removed once measured otherwise, to bound the disk used)
      if (!flag('--keep')) rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  cleanup();
}

// 5. Report.
const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const cpu = os.cpus();
const javaVersion = withKafka ? (spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0] ?? '') : '';
const lines = [];
lines.push(
  `kseg's kafka-dump-log (Node ${process.version}, zstd: ${zstdMod.zstdBackend?.() ?? '?'}, CRCs: ${crcMod.crcBackendName?.() ?? '?'}, Java's UTF-8 text: ${utf8Engine}) against Kafka ${kafka.KAFKA_VERSION}'s DumpLogSegments ` +
    `(${withKafka ? `${javaVersion}, ${kafka.KAFKA_RUN_CLASS_JVM_OPTIONS.join(' ')}` : `skipped: ${kafkaMissing.join('; ')}`}), ` +
    `${cpu.length}x ${cpu[0]?.model.trim() ?? 'cpu'}; ${runs} paired runs each, medians of wall time (speed-up) and of CPU time (user + system), stdout to /dev/null; MB = 10^6 bytes`,
);
lines.push('');
lines.push('| segment | size | mode | kseg s | Kafka s | speed-up | kseg CPU s | Kafka CPU s | kseg peak RSS MB | Kafka peak RSS MB | ≥ 5× and < 200 MB |');
lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|');
const verdicts = [];
for (const r of rows) {
  const ratio = r.kafka ? r.kafka.median / r.kseg.median : NaN;
  const target = r.set === 'start-up' || !r.kafka ? '' : ratio >= 5 && r.kseg.rssMB < 200 ? 'yes' : 'NO';
  if (target) verdicts.push({ ...r, ratio, ok: target === 'yes' });
  lines.push(
    `| ${r.set} | ${r.size} | ${r.mode} | ${fmt(r.kseg.median, 3)} | ${fmt(r.kafka?.median, 3)} | ${r.kafka ? `${fmt(ratio, 2)}×` : '-'} | ` +
      `${fmt(r.kseg.cpu, 2)} | ${fmt(r.kafka?.cpu, 2)} | ${fmt(r.kseg.rssMB, 1)} | ${fmt(r.kafka?.rssMB, 1)} | ${target} |`,
  );
}
lines.push('');
lines.push('Segments (records region per record: bytes after decompression, record framing included):');
lines.push('');
lines.push('| segment | size | bytes | batches | records | records region per record, B | built from |');
lines.push('|---|---|---:|---:|---:|---:|---|');
for (const s of segments) {
  lines.push(`| ${s.set} | ${s.size} | ${s.bytes} | ${s.batches} | ${s.records} | ${fmt(s.decompressedBytes / s.records)} | ${s.sourceBatches} ${s.what} |`);
}
if (verdicts.length) {
  const bad = verdicts.filter((v) => !v.ok);
  const worst = verdicts.reduce((a, b) => (b.ratio < a.ratio ? b : a));
  const rss = verdicts.reduce((a, b) => (b.kseg.rssMB > a.kseg.rssMB ? b : a));
  lines.push('');
  lines.push(
    `Targets: ≥ 5× faster than Kafka's tool and peak RSS < 200 MB in every mode on every segment: ${verdicts.length - bad.length} of ${verdicts.length} rows` +
      `${bad.length ? ` (not: ${bad.map((v) => `${v.set} ${v.size} ${v.mode} ${fmt(v.ratio, 2)}×`).join(', ')})` : ''}; ` +
      `lowest ${fmt(worst.ratio, 2)}× (${worst.set} ${worst.size} ${worst.mode}), highest kseg peak RSS ${fmt(rss.kseg.rssMB, 1)} MB (${rss.set} ${rss.size} ${rss.mode}).`,
  );
}
if (verified.length) {
  lines.push('');
  lines.push(
    `Output (stdout, stderr, exit code) identical to Kafka's: ${verified.filter((v) => v.same).length} of ${verified.length} runs` +
      `${verified.some((v) => !v.same) ? ` (different: ${verified.filter((v) => !v.same).map((v) => `${v.set} ${v.size} ${v.mode}`).join(', ')})` : ''}.`,
  );
}
for (const p of profiles) {
  lines.push('');
  lines.push(`CPU profile of kseg, ${p.what} (${fmt(p.seconds, 2)} s wall with the profiler, ${fmt(p.totalMs)} ms sampled on the main thread), top self time:`);
  lines.push('');
  lines.push('| self ms | % | function |');
  lines.push('|---:|---:|---|');
  for (const r of p.rows) lines.push(`| ${fmt(r.ms)} | ${fmt(r.pct, 1)} | ${r.fn.replace(/\|/g, '\\|')} |`);
}
console.log(lines.join('\n'));
