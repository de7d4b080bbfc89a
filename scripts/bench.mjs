#!/usr/bin/env node
// npm run bench [-- options]: throughput and peak memory of `kafka-dump-log` on big segments.
//
// Builds (npm run build: tsc, then the bundles of scripts/bundle.mjs), then writes segments into a temp dir (removed at the
// end) by repeating real broker batches from the corpus with contiguous base offsets and
// recomputed CRC-32C: uncompressed (plain-0) and one per codec (rd-/java- gzip, snappy, lz4,
// zstd). Each is dumped as a child process (`node bin/kafka-dump-log.js --files F`, then with
// --deep-iteration, then --print-data-log; stdout to /dev/null) `--runs` times; wall time is
// measured here, peak RSS by /usr/bin/time -f %M (or the child's own getrusage without it).
// `cat F > /dev/null` on the same file, same run, is the yardstick: "÷cat" is time / cat's time.
// All MB are 10^6 bytes. MB/s of a mode = segment file size / median wall time.
//
// Options: --size MB (uncompressed segment, default 256) --big-size MB (the same batches up to
//   Kafka's default segment size, log.segment.bytes = 1 GiB: default 1073.741824; 0 skips it)
//   --codec-size MB (each codec, default 64)
//   --runs N (default 3) --only plain,plain-1GiB,large,gzip,snappy,lz4,zstd --no-build --no-zstd-js (skip the
//   KSEG_ZSTD=js fzstd comparison rows) --profile (also a --cpu-prof of shallow and of
//   --print-data-log on the uncompressed segment, top self-time functions printed) --keep
// The uncompressed segment is plain-0's batches: ~95 B per record, ~7 records per batch (the
// issue's 164 MB / 400,000 records is ~410 B per record), so it is heavy on per-record work;
// `large` (large-0: one ~326 KB record per batch) is the other extreme.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MB, readBatches, summariseProfile, timeRuns, writeSegment } from './bench-lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def;
};
const flag = (name) => argv.includes(name);
const sizeMB = Number(opt('--size', 256));
const codecSizeMB = Number(opt('--codec-size', 64));
const bigSizeMB = Number(opt('--big-size', 1073.741824));
const runs = Math.max(1, Number(opt('--runs', 3)));
const only = opt('--only', 'plain,plain-1GiB,large,gzip,snappy,lz4,zstd').split(',');

// 1. Build (or use an existing dist/).
if (!flag('--no-build')) {
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    if (!existsSync(path.join(root, 'dist/bundle/dump-log.js'))) process.exit(1);
    console.warn('bench: the build failed; timing the existing dist/');
  }
}
const codec = await import(pathToFileURL(path.join(root, 'dist/codec/index.js')).href);
const zstdMod = await import(pathToFileURL(path.join(root, 'dist/codec/zstd.js')).href).catch(() => ({}));
const { crc32c, decompress } = codec;

// 2. Source batches.
const corpora = [path.resolve(root, '../shared/corpus/kafka-logs'), path.join(root, 'fixtures/kafka-logs')];
const LOGS = corpora.find((d) => existsSync(path.join(d, 'plain-0')));
if (!LOGS) {
  console.error(`bench: no corpus (looked in ${corpora.join(', ')})`);
  process.exit(1);
}
const SETS = [
  { name: 'plain', codecId: 0, dirs: ['plain-0'], mb: sizeMB },
  // The same batches in a segment of Kafka's default size: Node's start counts for less.
  { name: 'plain-1GiB', codecId: 0, dirs: ['plain-0'], mb: bigSizeMB },
  // large-0: single-record batches of ~326 KB values (the per-byte cost rather than per-record)
  { name: 'large', codecId: 0, dirs: ['large-0'], mb: codecSizeMB },
  { name: 'gzip', codecId: 1, dirs: ['rd-gzip-0', 'java-gzip-0'], mb: codecSizeMB },
  { name: 'snappy', codecId: 2, dirs: ['rd-snappy-0', 'java-snappy-0'], mb: codecSizeMB },
  { name: 'lz4', codecId: 3, dirs: ['rd-lz4-0', 'java-lz4-0'], mb: codecSizeMB },
  { name: 'zstd', codecId: 4, dirs: ['rd-zstd-0', 'java-zstd-0'], mb: codecSizeMB },
].filter((s) => only.includes(s.name) && s.mb > 0);

const decompressedSize = new WeakMap();
const decompressedOf = (b) => {
  let n = decompressedSize.get(b);
  if (n === undefined) {
    const region = b.bytes.subarray(61);
    n = b.codec === 0 ? region.length : decompress(b.codec, region, { magic: 2 }).length;
    decompressedSize.set(b, n);
  }
  return n;
};

/** In-process decode-only speed of decompress() over the source batches (>= 1 s). */
function decodeOnly(batches) {
  let inBytes = 0;
  let outBytes = 0;
  for (const b of batches) decompress(b.codec, b.bytes.subarray(61), { magic: 2 }); // warm-up
  const t0 = process.hrtime.bigint();
  let el = 0;
  while (el < 1e9) {
    for (const b of batches) {
      const region = b.bytes.subarray(61);
      inBytes += region.length;
      outBytes += decompress(b.codec, region, { magic: 2 }).length;
    }
    el = Number(process.hrtime.bigint() - t0);
  }
  const s = el / 1e9;
  return { inMBs: inBytes / MB / s, outMBs: outBytes / MB / s };
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kseg-bench-'));
const cleanup = () => {
  if (!flag('--keep')) rmSync(tmp, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const cli = path.join(root, 'bin/kafka-dump-log.js');
const MODES = [
  { name: 'shallow', args: [] },
  { name: '--deep-iteration', args: ['--deep-iteration'] },
  { name: '--print-data-log', args: ['--print-data-log'] },
];
const rows = [];
const codecRows = [];
const profiles = [];
try {
  for (const set of SETS) {
    const batches = set.dirs
      .filter((d) => existsSync(path.join(LOGS, d)))
      .flatMap((d) => readBatches(path.join(LOGS, d)))
      .filter((b) => b.codec === set.codecId && !b.control);
    const dir = path.join(tmp, `${set.name}-0`);
    mkdirSync(dir);
    const file = path.join(dir, '00000000000000000000.log');
    const seg = writeSegment(file, batches, set.mb * MB, crc32c, decompressedOf);
    const sizeMBs = seg.bytes / MB;
    process.stderr.write(
      `bench: ${set.name}: ${sizeMBs.toFixed(1)} MB, ${seg.batches} batches, ${seg.records} records, ` +
        `${(seg.decompressedBytes / MB).toFixed(1)} MB of records (from ${batches.length} real batches of ${set.dirs.join('+')})\n`,
    );
    const cat = timeRuns(['cat', file], runs);
    const base = { set: set.name, sizeMB: sizeMBs, records: seg.records, decompressedMB: seg.decompressedBytes / MB };
    rows.push({ ...base, mode: 'cat', ...cat, catMedian: cat.median });
    const variants = [{ label: '', env: process.env }];
    if (set.codecId === 4 && !flag('--no-zstd-js')) variants.push({ label: ' [fzstd: KSEG_ZSTD=js]', env: { ...process.env, KSEG_ZSTD: 'js' } });
    for (const v of variants) {
      for (const m of MODES) {
        if (v.label && m.name === 'shallow') continue; // shallow never decompresses
        process.stderr.write(`bench:   ${m.name}${v.label} ...\n`);
        const t = timeRuns([process.execPath, cli, ...m.args, '--files', file], runs, v.env);
        rows.push({ ...base, set: set.name + v.label, mode: m.name, ...t, catMedian: cat.median });
      }
    }
    if (set.codecId !== 0) codecRows.push({ set: set.name, ratio: seg.decompressedBytes / seg.bytes, ...decodeOnly(batches), rows: rows.filter((r) => r.set.startsWith(set.name) && r.mode !== 'cat' && r.mode !== 'shallow') });
    if (set.name === 'plain' && flag('--profile')) {
      for (const m of [MODES[0], MODES[2]]) {
        const profDir = path.join(tmp, `prof-${m.name.replace(/\W/g, '')}`);
        const t = timeRuns([process.execPath, '--cpu-prof', '--cpu-prof-dir', profDir, cli, ...m.args, '--files', file], 1);
        const f = readdirSync(profDir).find((n) => n.endsWith('.cpuprofile'));
        profiles.push({ mode: m.name, seconds: t.median, ...summariseProfile(path.join(profDir, f), 20) });
      }
    }
  }
} finally {
  cleanup();
}

// 3. Report.
const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const lines = [];
lines.push(
  `kafka-dump-log on ${os.cpus().length}x ${os.cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}, zstd: ${zstdMod.zstdBackend?.() ?? '?'}, ` +
    `${runs} runs each (median; best in brackets), stdout to /dev/null, MB = 10^6 bytes`,
);
lines.push('');
lines.push('| segment | size MB | records | mode | median s (best) | MB/s of segment | K records/s | peak RSS MB | ÷ cat |');
lines.push('|---|---:|---:|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  lines.push(
    `| ${r.set} | ${fmt(r.sizeMB, 1)} | ${r.records} | ${r.mode} | ${fmt(r.median, 3)} (${fmt(r.best, 3)}) | ` +
      `${fmt(r.sizeMB / r.median)} (${fmt(r.sizeMB / r.best)}) | ${r.mode === 'cat' ? '' : fmt(r.records / r.median / 1000)} | ${fmt(r.rssMB, 1)} | ${r.mode === 'cat' ? '1' : fmt(r.median / r.catMedian, 1)} |`,
  );
}
if (codecRows.length) {
  lines.push('');
  lines.push('Decompressed bytes (the records regions after decompression) per second:');
  lines.push('');
  lines.push('| codec | records MB / segment MB | decompress() only, in-process: MB/s out (MB/s in) | --deep-iteration: MB/s out | --print-data-log: MB/s out |');
  lines.push('|---|---:|---:|---:|---:|');
  for (const c of codecRows) {
    const per = (mode) =>
      c.rows
        .filter((r) => r.mode === mode)
        .map((r) => `${fmt(r.decompressedMB / r.median)}${r.set !== c.set ? ` (${r.set.slice(c.set.length).trim()})` : ''}`)
        .join(', ');
    lines.push(`| ${c.set} | ${fmt(c.ratio, 2)} | ${fmt(c.outMBs)} (${fmt(c.inMBs)}) | ${per('--deep-iteration')} | ${per('--print-data-log')} |`);
  }
}
const targetSets = ['plain', 'plain-1GiB'].filter((name) => rows.some((r) => r.set === name));
if (targetSets.length) {
  lines.push('');
  lines.push('Targets (uncompressed segments of real plain-0 batches):');
  for (const name of targetSets) {
    const plain = rows.filter((r) => r.set === name);
    const get = (mode) => plain.find((r) => r.mode === mode);
    const sh = get('shallow');
    const pr = get('--print-data-log');
    const size = `${name} (${fmt(sh.sizeMB)} MB)`;
    lines.push(`- ${size}: shallow >= 1000 MB/s: ${fmt(sh.sizeMB / sh.median)} MB/s -> ${sh.sizeMB / sh.median >= 1000 ? 'met' : 'NOT met'}`);
    lines.push(`- ${size}: --print-data-log >= 450 MB/s: ${fmt(pr.sizeMB / pr.median)} MB/s -> ${pr.sizeMB / pr.median >= 450 ? 'met' : 'NOT met'}`);
    // The issue's reference (Kafka 4.3's tool, JVM start included): 164 MB, 400,000 records, 0.75 s
    // shallow and 1.8 s --print-data-log. Its records are ~4x this segment's, so per record is the
    // comparable figure.
    const refPrint = 400000 / 1.8;
    lines.push(
      `- ${size}: per record, --print-data-log: ${fmt(pr.records / pr.median / 1000)} K records/s here, ${fmt(refPrint / 1000)} K records/s for the reference ` +
        `(Kafka 4.3, 400,000 records in 1.8 s): ${fmt(pr.records / pr.median / refPrint, 1)}x (the 450 MB/s target is 5x the reference's MB/s)`,
    );
  }
  const allRss = Math.max(...rows.filter((r) => r.mode !== 'cat').map((r) => r.rssMB));
  const where = rows.filter((r) => r.mode !== 'cat' && r.rssMB === allRss).map((r) => `${r.set} ${r.mode}`)[0];
  lines.push(`- peak RSS < 200 MB whatever the file size: ${fmt(allRss, 1)} MB max over all segments and modes (${where}) -> ${allRss < 200 ? 'met' : 'NOT met'}`);
}
// kseg ls over a whole real log dir (issue target: under a second), timed as a whole process.
const corpusLogs = path.resolve(root, '../shared/corpus/kafka-logs');
if (existsSync(corpusLogs)) {
  const ksegCli = path.join(root, 'bin/kseg.js');
  const t = timeRuns([process.execPath, ksegCli, 'ls', corpusLogs, '--no-progress'], Math.max(runs, 5));
  lines.push('');
  lines.push(`kseg ls over ../shared/corpus/kafka-logs (31 partitions, Node start included): median ${fmt(t.median, 3)} s (best ${fmt(t.best, 3)} s), peak RSS ${fmt(t.rssMB, 1)} MB -> ${t.median < 1 ? 'under a second' : 'NOT under a second'}`);
}
for (const profile of profiles) {
  lines.push('');
  lines.push(`CPU profile of ${profile.mode} on the uncompressed segment (${fmt(profile.seconds, 2)} s wall with the profiler, ${fmt(profile.totalMs)} ms sampled), top self time:`);
  lines.push('');
  lines.push('| self ms | % | function |');
  lines.push('|---:|---:|---|');
  for (const r of profile.rows) lines.push(`| ${fmt(r.ms)} | ${fmt(r.pct, 1)} | ${r.fn.replace(/\|/g, '\\|')} |`);
}
console.log(lines.join('\n'));
