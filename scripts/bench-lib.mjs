// Helpers for scripts/bench.mjs: read real v2 batches, write big segments from them, time child
// processes (wall time + peak RSS), summarise a V8 CPU profile. Plain Node ESM, no dependencies.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
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
 * Runs argv[0] with argv[1..] once, stdout to /dev/null, stderr captured. Returns
 * { seconds (wall, measured here), rssMB (peak resident set of the child, MB), status, stderr }.
 */
export function timeOnce(argv, env = process.env) {
  const rssFile = path.join(os.tmpdir(), `kseg-bench-rss-${process.pid}`);
  const devnull = openSync('/dev/null', 'w');
  let cmd;
  let args;
  let childEnv = env;
  if (TIME) {
    cmd = TIME;
    args = ['-f', '%M', '-o', rssFile, ...argv];
  } else if (argv[0] === process.execPath) {
    cmd = argv[0];
    args = ['--import', RSS_HOOK, ...argv.slice(1)];
    childEnv = { ...env, KSEG_BENCH_RSS: rssFile };
  } else {
    cmd = argv[0];
    args = argv.slice(1);
  }
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', devnull, 'pipe'], env: childEnv, maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(devnull);
  let rssMB = NaN;
  if (existsSync(rssFile)) {
    const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    rssMB = (kb * 1024) / MB;
    rmSync(rssFile, { force: true });
  }
  return { seconds, rssMB, status: r.status, stderr: String(r.stderr ?? '') };
}

/** runs x timeOnce; best and median wall time, max peak RSS. Throws if a run fails. */
export function timeRuns(argv, runs, env) {
  const all = [];
  for (let i = 0; i < runs; i++) {
    const r = timeOnce(argv, env);
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
    all.push(r);
  }
  const secs = all.map((r) => r.seconds).sort((a, b) => a - b);
  return { best: secs[0], median: secs[Math.floor(secs.length / 2)], rssMB: Math.max(...all.map((r) => r.rssMB)), runs: secs };
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
