#!/usr/bin/env node
// Micro-benchmark of the decompression libraries on the real corpus's compressed payloads:
// MB/s of decompressed output. Usage: node scripts/bench-codecs.mjs [corpus kafka-logs dir]
// If dist/codec/index.js exists (npm run build), kseg's own decompress() is timed as well.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LOGS = process.argv[2] ?? path.resolve(root, '../shared/corpus/kafka-logs');
if (!existsSync(LOGS)) {
  console.error(`corpus not found at ${LOGS}`);
  process.exit(1);
}
const snappy = require('snappy');
const lz4 = require('lz4-napi');
const fzstd = require('fzstd');
const { crc32, crc32c } = require('@node-rs/crc32');
const distIndex = path.join(root, 'dist/codec/index.js');
const kseg = existsSync(distIndex) ? await import(pathToFileURL(distIndex).href) : null;

// Collect compressed payloads (v2 records regions and legacy wrapper values) by codec.
const payloads = { 1: [], 2: [], 3: [], 4: [] };
const batches = [];
for (const dir of readdirSync(LOGS, { withFileTypes: true }).filter((d) => d.isDirectory())) {
  for (const f of readdirSync(path.join(LOGS, dir.name)).filter((f) => f.endsWith('.log'))) {
    const buf = readFileSync(path.join(LOGS, dir.name, f));
    for (let p = 0; buf.length - p >= 17; ) {
      const size = buf.readInt32BE(p + 8);
      const end = p + 12 + size;
      if (size <= 0 || end > buf.length) break;
      const magic = buf[p + 16];
      if (magic === 2) {
        batches.push(buf.subarray(p + 21, end));
        const codec = buf.readInt16BE(p + 21) & 7;
        if (codec) payloads[codec].push({ magic, data: buf.subarray(p + 61, end) });
      } else {
        let q = p + 18 + (magic === 1 ? 8 : 0);
        q += 4 + Math.max(buf.readInt32BE(q), 0);
        const vl = buf.readInt32BE(q);
        const codec = buf[p + 17] & 7;
        if (codec && vl > 0) payloads[codec].push({ magic, data: buf.subarray(q + 4, q + 4 + vl) });
      }
      p = end;
    }
  }
}

const XERIAL = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
function snappyDirect(d) {
  if (!XERIAL.equals(d.subarray(0, 8))) return snappy.uncompressSync(d, { asBuffer: true });
  const out = [];
  for (let p = 16; p < d.length; ) {
    const n = d.readInt32BE(p);
    out.push(snappy.uncompressSync(d.subarray(p + 4, p + 4 + n), { asBuffer: true }));
    p += 4 + n;
  }
  return Buffer.concat(out);
}

function bench(name, items, fn, bytesOf = (r) => r.length) {
  if (items.length === 0) return;
  let bytes = 0;
  let iters = 0;
  for (const it of items) fn(it); // warm up
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 1e9) {
    for (const it of items) bytes += bytesOf(fn(it), it);
    iters++;
    elapsed = Number(process.hrtime.bigint() - t0);
  }
  const mbs = bytes / 1e6 / (elapsed / 1e9);
  console.log(`${name.padEnd(34)} ${mbs.toFixed(0).padStart(6)} MB/s  (${items.length} payloads x ${iters})`);
}

const asBuf = (it) => Buffer.from(it.data.buffer, it.data.byteOffset, it.data.byteLength);
console.log(`node ${process.version}; output MB/s on ${LOGS}`);
bench('gzip   node:zlib gunzipSync', payloads[1], (it) => gunzipSync(it.data));
bench('snappy snappy (xerial/raw)', payloads[2], (it) => snappyDirect(asBuf(it)));
bench('lz4    lz4-napi decompressFrameSync', payloads[3].filter((it) => it.magic !== 0), (it) => lz4.decompressFrameSync(asBuf(it)));
bench('zstd   fzstd decompress', payloads[4], (it) => fzstd.decompress(it.data));
if (kseg) {
  for (const c of [1, 2, 3, 4]) {
    bench(`kseg decompress(${['', 'gzip', 'snappy', 'lz4', 'zstd'][c]})`, payloads[c], (it) => kseg.decompress(c, it.data, { magic: it.magic }));
  }
}
bench('crc32c @node-rs/crc32 (v2 batches)', batches, (b) => crc32c(b), (_, b) => b.length);
bench('crc32  @node-rs/crc32 (v2 batches)', batches, (b) => crc32(b), (_, b) => b.length);
