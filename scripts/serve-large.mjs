#!/usr/bin/env node
// node scripts/serve-large.mjs [--size MiB] [--keep]: how fast `kseg serve` opens a big partition.
//
// Writes a partition of one segment (default 1024 MiB, Kafka's default log.segment.bytes) into a
// temp dir by repeating the real batches of fixtures' plain-0 with contiguous offsets, timestamps
// moved on by each repetition's span (so time only grows) and CRC-32C recomputed, plus the
// .index and .timeindex a broker writes beside it (an entry after every 4096 bytes of log,
// index.interval.bytes). Then starts the server from dist/ (npm run build first) and times, over
// HTTP on 127.0.0.1, the requests the page makes: opening the partition (its listing and the first
// page of 50 batches), a page from the middle, a batch view at the end, seeks by offset and by time
// near the end, then the ls row and the audit, which read the whole partition (in worker threads:
// the partition is opened again while the audit runs). Prints each time
// (median of 5) and the bytes the bounded requests read. Removes the temp dir unless --keep.
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const sizeMiB = Number(argv.includes('--size') ? argv[argv.indexOf('--size') + 1] : 1024);
const dist = (p) => import(pathToFileURL(path.join(root, 'dist', p)).href);
const { crc32c } = await dist('codec/index.js');
const { LogDirBrowser } = await dist('serve/api.js');
const { startServer } = await dist('serve/server.js');

// 1. The source batches (v2, uncompressed: ~95 B records, 7 per batch).
const src = readFileSync(path.join(root, 'fixtures/kafka-logs/plain-0/00000000000000000000.log'));
const batches = [];
for (let p = 0; p + 61 <= src.length; ) {
  const size = 12 + src.readInt32BE(p + 8);
  batches.push(Buffer.from(src.subarray(p, p + size)));
  p += size;
}
const t0 = batches[0].readBigInt64BE(27);
const span = batches.reduce((m, b) => (b.readBigInt64BE(35) > m ? b.readBigInt64BE(35) : m), 0n) - t0 + 1n;

// 2. The segment and its indexes.
const dir = mkdtempSync(path.join(os.tmpdir(), 'kseg-serve-large-'));
const part = path.join(dir, 'big-0');
mkdirSync(part);
const target = sizeMiB * 1024 * 1024;
const log = openSync(path.join(part, '00000000000000000000.log'), 'w');
const index = [];
const timeindex = [];
let written = 0;
let offset = 0n;
let sinceEntry = 0;
let maxTs = -1n;
let records = 0;
let count = 0;
const chunk = Buffer.allocUnsafe(8 << 20);
let used = 0;
for (let i = 0; written + used < target; i++) {
  const b = batches[i % batches.length];
  const shift = span * BigInt(Math.floor(i / batches.length));
  if (used + b.length > chunk.length) {
    writeSync(log, chunk, 0, used);
    written += used;
    used = 0;
  }
  const d = chunk.subarray(used, used + b.length);
  b.copy(d);
  d.writeBigInt64BE(offset, 0);
  d.writeBigInt64BE(b.readBigInt64BE(27) + shift, 27);
  d.writeBigInt64BE(b.readBigInt64BE(35) + shift, 35);
  d.writeUInt32BE(crc32c(d.subarray(21)) >>> 0, 17);
  const last = offset + BigInt(d.readInt32BE(23));
  const position = written + used;
  if (sinceEntry > 4096) {
    // As LogSegment.append: the batch's last offset at its position; the largest timestamp so far.
    index.push([Number(last), position]);
    timeindex.push([maxTs, Number(last)]);
    sinceEntry = 0;
  }
  sinceEntry += b.length;
  if (d.readBigInt64BE(35) > maxTs) maxTs = d.readBigInt64BE(35);
  offset = last + 1n;
  records += d.readInt32BE(57);
  count++;
  used += b.length;
}
writeSync(log, chunk, 0, used);
written += used;
closeSync(log);
const idx = Buffer.alloc(index.length * 8);
index.forEach(([o, p], k) => (idx.writeInt32BE(o, k * 8), idx.writeInt32BE(p, k * 8 + 4)));
const tidx = Buffer.alloc(timeindex.length * 12);
timeindex.forEach(([t, o], k) => (tidx.writeBigInt64BE(t, k * 12), tidx.writeInt32BE(o, k * 12 + 8)));
for (const [name, buf] of [['00000000000000000000.index', idx], ['00000000000000000000.timeindex', tidx]]) {
  const fd = openSync(path.join(part, name), 'w');
  writeSync(fd, buf);
  closeSync(fd);
}
console.log(`partition big-0: ${(written / 2 ** 20).toFixed(0)} MiB, ${count} batches, ${records} records, .index ${index.length} entries, .timeindex ${timeindex.length}`);

// 3. The requests, over HTTP.
const server = await startServer(new LogDirBrowser(dir), { port: 0 });
const get = async (q) => {
  const r = await fetch(`${server.url}api/${q}`);
  if (!r.ok) throw new Error(`${q}: ${r.status} ${await r.text()}`);
  return r.json();
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function timed(label, fn, runs = 5) {
  const ms = [];
  let out;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    out = await fn();
    ms.push(performance.now() - t);
  }
  console.log(`${label.padEnd(58)} ${median(ms).toFixed(1).padStart(8)} ms${runs > 1 ? ` (median of ${runs}; min ${Math.min(...ms).toFixed(1)})` : ''}${out?.read !== undefined ? `, read ${(out.read / 1024).toFixed(0)} KiB` : ''}`);
  return out;
}
const seg = '00000000000000000000';
try {
  await timed('open the partition: /api/partition + first 50 batches', async () => {
    await get('partition?partition=big-0');
    const page = await get(`batches?partition=big-0&segment=${seg}&position=0&limit=50`);
    return { read: page.bytesRead };
  });
  const mid = index[Math.floor(index.length / 2)][1];
  await timed('50 batches from the middle (byte ' + mid + ')', async () => ({ read: (await get(`batches?partition=big-0&segment=${seg}&position=${mid}&limit=50`)).bytesRead }));
  const lastOffset = Number(offset) - 10;
  const seek = await timed(`seek offset ${lastOffset}`, async () => {
    const r = await get(`seek?partition=big-0&offset=${lastOffset}`);
    return { ...r, read: r.bytesRead };
  });
  await timed('the batch view at that seek (explain + records + index entries)', () => get(`batch?partition=big-0&segment=${seg}&position=${seek.found.position}`));
  const lateTime = String(maxTs - 1000n);
  await timed(`seek time ${new Date(Number(lateTime)).toISOString()}`, async () => ({ read: (await get(`seek?partition=big-0&time=${lateTime}`)).bytesRead }));
  await timed('the ls row (/api/summary: every batch header)', () => get('summary?partition=big-0'), 1);
  // The audit runs in a worker thread: the page keeps opening while it reads.
  const audit = timed('the audit (/api/audit: every batch)', () => get('audit?partition=big-0'), 1);
  await new Promise((r) => setTimeout(r, 500));
  await timed('open the partition again while the audit runs', async () => {
    await get('partition?partition=big-0');
    return { read: (await get(`batches?partition=big-0&segment=${seg}&position=0&limit=50`)).bytesRead };
  });
  await audit;
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (this process: the generator, the server and the client)`);
} finally {
  await server.close();
  if (!argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
