// Helpers for scripts/bench.mjs: read real v2 batches, have a real broker write more of them, write
// big segments from them, time child processes (wall time + peak RSS), hash a run's output,
// summarise a V8 CPU profile. Plain Node ESM, no dependencies.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const MB = 1e6; // every "MB" in the bench is 10^6 bytes

/** v2 batches (whole, 12 + batchLength bytes) of every .log in dir, in file then offset order. */
export function readBatches(dir) {
  const out = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    const buf = readFileSync(path.join(dir, f));
    for (let p = 0; buf.length - p >= 61; ) {
      const len = buf.readInt32BE(p + 8);
      const end = p + 12 + len;
      if (len <= 0 || end > buf.length) break; // preallocated tail / partial write
      if (buf[p + 16] === 2) {
        const attributes = buf.readInt16BE(p + 21);
        out.push({
          bytes: buf.subarray(p, end),
          codec: attributes & 7,
          control: (attributes & 0x20) !== 0,
          transactional: (attributes & 0x10) !== 0,
          lastOffsetDelta: buf.readInt32BE(p + 23),
          recordCount: buf.readInt32BE(p + 57),
        });
      }
      p = end;
    }
  }
  return out;
}

/**
 * Writes a segment of about `targetBytes` by repeating `batches` in a cycle with contiguous base
 * offsets (each batch's baseOffset = previous base + lastOffsetDelta + 1) and the CRC-32C over
 * [21, end) recomputed. Returns { bytes, batches, records, decompressedBytes }.
 * decompressedOf(batch) gives the batch's records-region size after decompression.
 */
export function writeSegment(file, batches, targetBytes, crc32c, decompressedOf) {
  if (batches.length === 0) throw new Error(`no batches for ${file}`);
  const fd = openSync(file, 'w');
  const CHUNK = 8 << 20;
  let chunk = Buffer.allocUnsafe(CHUNK);
  let used = 0;
  let offset = 0n;
  let written = 0;
  let nBatches = 0;
  let records = 0;
  let decompressedBytes = 0;
  try {
    for (let i = 0; written + used < targetBytes; i = (i + 1) % batches.length) {
      const b = batches[i];
      if (used + b.bytes.length > chunk.length) {
        writeSync(fd, chunk, 0, used);
        written += used;
        used = 0;
        if (b.bytes.length > chunk.length) chunk = Buffer.allocUnsafe(b.bytes.length);
      }
      const dst = chunk.subarray(used, used + b.bytes.length);
      b.bytes.copy(dst);
      dst.writeBigInt64BE(offset, 0);
      dst.writeUInt32BE(crc32c(dst.subarray(21)) >>> 0, 17);
      offset += BigInt(b.lastOffsetDelta) + 1n;
      used += b.bytes.length;
      nBatches++;
      records += b.recordCount;
      decompressedBytes += decompressedOf(b);
    }
    writeSync(fd, chunk, 0, used);
    written += used;
  } finally {
    closeSync(fd);
  }
  return { bytes: written, batches: nBatches, records, decompressedBytes };
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
// Without GNU time: a preloaded module writes the child's own peak RSS (getrusage) at exit.
const RSS_HOOK =
  'data:text/javascript,' +
  encodeURIComponent(
    "import{writeFileSync}from'node:fs';process.on('exit',()=>writeFileSync(process.env.KSEG_BENCH_RSS,String(process.resourceUsage().maxRSS)));",
  );

/**
 * Runs argv[0] with argv[1..] once (in `cwd`), stdout to /dev/null, stderr captured. Returns
 * { seconds (wall, measured here), cpuSeconds (user + system of the child, NaN without GNU time),
 * rssMB (peak resident set of the child, MB), status, stderr }.
 */
export function timeOnce(argv, { env = process.env, cwd } = {}) {
  const rssFile = path.join(os.tmpdir(), `kseg-bench-rss-${process.pid}`);
  const devnull = openSync('/dev/null', 'w');
  let cmd;
  let args;
  let childEnv = env;
  if (TIME) {
    cmd = TIME;
    args = ['-f', '%M %U %S', '-o', rssFile, ...argv];
  } else if (argv[0] === process.execPath) {
    cmd = argv[0];
    args = ['--import', RSS_HOOK, ...argv.slice(1)];
    childEnv = { ...env, KSEG_BENCH_RSS: rssFile };
  } else {
    cmd = argv[0];
    args = argv.slice(1);
  }
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', devnull, 'pipe'], env: childEnv, maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(devnull);
  let rssMB = NaN;
  let cpuSeconds = NaN;
  if (existsSync(rssFile)) {
    const [kb, user, sys] = readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    rssMB = (kb * 1024) / MB;
    if (user !== undefined && sys !== undefined) cpuSeconds = user + sys;
    rmSync(rssFile, { force: true });
  }
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${String(r.stderr ?? '').slice(0, 500)}`);
  return { seconds, cpuSeconds, rssMB, status: r.status, stderr: String(r.stderr ?? '') };
}

/** Median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Self time by function (name + url:line) in a .cpuprofile, biggest first. */
export function summariseProfile(file, top = 25) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const dt = new Map();
  for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  const byFn = new Map();
  let total = 0;
  for (const n of prof.nodes) {
    const us = dt.get(n.id) ?? 0;
    total += us;
    const cf = n.callFrame;
    const url = cf.url ? cf.url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '') : '';
    const key = `${cf.functionName || '(anonymous)'} ${url ? `${url}:${cf.lineNumber + 1}` : ''}`.trim();
    byFn.set(key, (byFn.get(key) ?? 0) + us);
  }
  return {
    totalMs: total / 1000,
    rows: [...byFn.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, us]) => ({ fn, ms: us / 1000, pct: (100 * us) / total })),
  };
}

/** mulberry32: a small seeded PRNG, so that the bench's records are the same every run. */
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Records of about 400 bytes made of the corpus's real records (manifest.jsonl, topic `plain`): each
 * takes one real record's key and headers, and for its value real values joined until the value
 * holds at least `minValue` bytes — the corpus's mix of JSON, text in several scripts and binary
 * bytes, at the size of the issue's reference records (164 MB / 400,000 records).
 */
export function recordsOf400Bytes(manifestFile, count = 4000, minValue = 330) {
  const real = readFileSync(manifestFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.topic === 'plain')
    .map((r) => ({
      key: r.key === null ? null : Buffer.from(r.key, 'base64'),
      value: r.value === null ? null : Buffer.from(r.value, 'base64'),
      headers: r.headers.map(([k, v]) => [k, v === null ? null : Buffer.from(v, 'base64')]),
    }));
  const values = real.filter((r) => r.value !== null && r.value.length > 0).map((r) => r.value);
  const rand = prng(400);
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const out = [];
  for (let i = 0; i < count; i++) {
    const r = pick(real);
    const parts = [];
    for (let n = 0; n < minValue; ) {
      const v = pick(values);
      parts.push(v);
      n += v.length;
    }
    out.push({ key: r.key, value: Buffer.concat(parts), headers: r.headers });
  }
  return out;
}

/**
 * Records of 1-4 MiB, as the harness's `large` profile makes them (src/harness/workload.ts): half a
 * short text repeated (compressible), half random bytes; key `large-N`, a `size` header.
 */
export function multiMegabyteRecords(count = 12) {
  const rand = prng(4 << 20);
  const out = [];
  for (let i = 0; i < count; i++) {
    const size = (1 << 20) + Math.floor(rand() * 3 * (1 << 20));
    let value;
    if (rand() < 0.5) {
      const text = Array.from({ length: 20 }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join('');
      value = Buffer.alloc(size, text);
    } else {
      value = Buffer.allocUnsafe(size);
      for (let j = 0; j < size; j++) value[j] = Math.floor(rand() * 256);
    }
    out.push({ key: Buffer.from(`large-${i}`), value, headers: [['size', Buffer.from(String(size))]] });
  }
  return out;
}

/** The records file kafka/BenchProducer.java reads. */
export function writeRecordsFile(file, records) {
  const parts = [];
  const int = (n) => {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(n);
    parts.push(b);
  };
  const bytes = (b) => {
    int(b === null ? -1 : b.length);
    if (b !== null) parts.push(b);
  };
  for (const r of records) {
    bytes(r.key);
    bytes(r.value);
    int(r.headers.length);
    for (const [k, v] of r.headers) {
      bytes(Buffer.from(k));
      bytes(v);
    }
  }
  writeFileSync(file, Buffer.concat(parts));
}

/**
 * Has a real Kafka broker (scripts/kafka-lib.mjs: single-node KRaft, the pinned version) write each
 * topic's records through Kafka's Java producer (kafka/BenchProducer.java), stops it cleanly, and
 * returns each topic's batches as readBatches reads them: { [topic]: batches }.
 * topics: [{ name, records, settings: ['compression.type=none', 'topic.max.message.bytes=...', ...] }]
 */
export async function realBrokerBatches(kafka, topics, log = () => {}) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'kseg-bench-broker-'));
  const broker = await kafka.startBroker({ workDir: work, props: { 'log.segment.bytes': String(256 << 20) } });
  const out = {};
  try {
    for (const t of topics) {
      const file = path.join(work, `${t.name}.records`);
      writeRecordsFile(file, t.records);
      const r = kafka.runJava(path.join(kafka.REPO, 'kafka/BenchProducer.java'), [broker.bootstrap, t.name, file, ...t.settings]);
      if (r.code !== 0) throw new Error(`BenchProducer ${t.name} exited ${r.code}: ${r.stdout}${r.stderr}`);
      log(`${t.name}: ${r.stdout.trim()}`);
    }
  } finally {
    await broker.stop();
  }
  try {
    for (const t of topics) out[t.name] = readBatches(path.join(broker.logDir, `${t.name}-0`));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}

/**
 * Runs argv once with stdout and stderr hashed (SHA-256), for comparing two tools' output without
 * keeping it: { stdout, stderr (hex digests), stdoutBytes, code }.
 */
export function hashRun(cmd, args, { cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = createHash('sha256');
    const err = createHash('sha256');
    let stdoutBytes = 0;
    child.stdout.on('data', (c) => {
      stdoutBytes += c.length;
      out.update(c);
    });
    child.stderr.on('data', (c) => err.update(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout: out.digest('hex'), stderr: err.digest('hex'), stdoutBytes, code }));
  });
}
