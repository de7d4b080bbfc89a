// The least work a dump of a file of large v2 entries needs, and nothing else: read every byte once
// and CRC-32C every entry with the native CRC-32C kseg's codec calls (src/codec/crc.ts: ISA-L's
// where native/crc is built, else @node-rs/crc32's; KSEG_CRC=node-rs as there), on the main thread and one worker
// that claim entries as they go (no output, no records decoded, no ranges handed out: a perfect
// split). Started as the dump is (kseg's dump bundle loaded first), so its time is a lower bound of
// what `kafka-dump-log` can take on the file on this machine. Timed by scripts/bench-floor.mjs.
//
//   node scripts/bench-floor-work.cjs shallow|deep FILE
//   shallow: the main thread and the worker claim entries from one shared counter, each reads and
//            checksums the entries it claims (a shallow dump reads entries only to checksum them)
//   deep:    the main thread reads every entry (a deep dump decodes every record from the entry's
//            bytes) and checksums those the worker has not claimed; the worker claims from the end
// (CommonJS, as kseg's launchers load its bundles: Node 20's ES module loader starts ~40 ms slower.)
'use strict';
const { closeSync, fstatSync, openSync, readSync } = require('node:fs');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

/** The CRC-32C src/codec/crc.ts loads, as it loads it. */
function nativeCrc32c() {
  if (process.env.KSEG_CRC !== 'node-rs') {
    try {
      const isal = require('../native/crc/build/Release/kseg_crc.node');
      return (data) => isal.crc32c(data, 0);
    } catch {}
  }
  const nodeRs = require('@node-rs/crc32');
  return (data) => nodeRs.crc32c(data) >>> 0;
}
const crc32c = nativeCrc32c();
const crc32cRange = (buf, start, end) => crc32c(buf.subarray(start, end));

const V2_CRC_START = 21;
/** A buffer for the largest entry (the file's entries are read into it one at a time). */
function entryBuffer(positions) {
  let largest = 0;
  for (let i = 0; i + 1 < positions.length; i++) largest = Math.max(largest, positions[i + 1] - positions[i]);
  return Buffer.allocUnsafe(largest);
}

function readEntry(fd, buf, positions, i) {
  const p = positions[i];
  const len = positions[i + 1] - p;
  if (len > buf.length) throw new Error(`entry ${i} at ${p}: ${len} bytes, above ${buf.length}`);
  let got = 0;
  while (got < len) got += readSync(fd, buf, got, len - got, p + got);
  return len;
}

if (isMainThread) {
  const [mode, file] = process.argv.slice(2);
  if ((mode !== 'shallow' && mode !== 'deep') || !file) {
    process.stderr.write('usage: node scripts/bench-floor-work.cjs shallow|deep FILE\n');
    process.exit(2);
  }
  // Loaded as the dump's launcher loads it: its start is part of every dump's time.
  require('../dist/bundle/dump-log.js');
  const fd = openSync(file, 'r');
  const size = fstatSync(fd).size;
  // Where entries start (12-byte peeks, as the dump frames them).
  const head = Buffer.allocUnsafe(12);
  const positions = [];
  let end = 0;
  for (; end + 12 <= size; ) {
    readSync(fd, head, 0, 12, end);
    const next = end + 12 + head.readInt32BE(8);
    if (next > size) break;
    positions.push(end);
    end = next;
  }
  positions.push(end);
  const n = positions.length - 1;
  const shared = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, n)));
  const worker = new Worker(__filename, { workerData: { mode, file, positions, shared } });
  const buf = entryBuffer(positions);
  let mine = 0;
  let check = 0;
  if (mode === 'shallow') {
    for (let i; (i = Atomics.add(shared, 0, 1)) < n; mine++) check ^= crc32cRange(buf, V2_CRC_START, readEntry(fd, buf, positions, i));
  } else {
    for (let i = 0; i < n; i++) {
      const len = readEntry(fd, buf, positions, i);
      if (Atomics.compareExchange(shared, i, 0, 1) === 0) {
        check ^= crc32cRange(buf, V2_CRC_START, len);
        mine++;
      }
    }
  }
  closeSync(fd);
  worker.on('message', (theirs) => {
    process.stderr.write(`${mode}: ${n} entries, main thread checksummed ${mine}, worker ${theirs.count} (${(check ^ theirs.check) >>> 0})\n`);
    process.exit(0);
  });
} else {
  const { mode, file, positions, shared } = workerData;
  const fd = openSync(file, 'r');
  const buf = entryBuffer(positions);
  const n = positions.length - 1;
  let count = 0;
  let check = 0;
  if (mode === 'shallow') {
    for (let i; (i = Atomics.add(shared, 0, 1)) < n; count++) check ^= crc32cRange(buf, V2_CRC_START, readEntry(fd, buf, positions, i));
  } else {
    for (let i = n - 1; i >= 0 && Atomics.compareExchange(shared, i, 0, 2) === 0; i--, count++) check ^= crc32cRange(buf, V2_CRC_START, readEntry(fd, buf, positions, i));
  }
  closeSync(fd);
  parentPort.postMessage({ count, check });
}
