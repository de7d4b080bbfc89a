import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SegmentFile, findPlausibleEntry, isPlausibleEntryAt } from '../src/io/segment-file.js';
import { FIXTURES, HAVE_SHARED, SHARED, buildSegment, fixtureBatches } from './helpers.js';

/** The v2 batches of every segment of a ../shared corpus partition. */
function sharedBatches(partition: string): Buffer[] {
  const folder = join(SHARED, 'corpus/kafka-logs', partition);
  const out: Buffer[] = [];
  for (const name of readdirSync(folder).filter((n) => n.endsWith('.log')).sort()) {
    const b = readFileSync(join(folder, name));
    for (let p = 0; p + 61 <= b.length; p += 12 + b.readInt32BE(p + 8)) if (b[p + 16] === 2 && b[p + 22]! & 0x07) out.push(b.subarray(p, p + 12 + b.readInt32BE(p + 8)));
  }
  return out;
}

// findPlausibleEntry scans for a magic byte before the full check: it must find exactly what
// checking every position would find.
const dir = mkdtempSync(join(tmpdir(), 'kseg-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function naive(file: SegmentFile, from: number, end: number): number | null {
  for (let q = from; q <= end - 26; q++) if (isPlausibleEntryAt(file, q, end)) return q;
  return null;
}

describe('findPlausibleEntry', () => {
  it('finds what a position-by-position check finds, in real segments with garbage spliced in', () => {
    let seed = 99;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const sources = ['plain-0/00000000000000000189.log', 'v1-gzip-0/00000000000000000000.log', 'v0-lz4-0/00000000000000000000.log', 'rd-zstd-0/00000000000000000000.log'];
    let found = 0;
    for (let c = 0; c < 60; c++) {
      const original = readFileSync(join(FIXTURES, 'kafka-logs', sources[c % sources.length]!));
      const at = rand(original.length);
      const garbage = Buffer.from(Array.from({ length: rand(3000) }, () => (rand(4) === 0 ? rand(3) : rand(256))));
      const bytes = Buffer.concat([original.subarray(0, at), garbage, original.subarray(at)]);
      const f = join(dir, `${c}.log`);
      writeFileSync(f, bytes);
      const file = new SegmentFile(f, 4096); // a small window: the scan crosses window edges
      try {
        for (const from of [0, rand(bytes.length), at, at + 1, Math.max(0, bytes.length - 30)]) {
          const end = rand(3) === 0 ? bytes.length - rand(200) : bytes.length;
          const expected = naive(file, from, end);
          expect(findPlausibleEntry(file, from, end)).toBe(expected);
          if (expected !== null) found++;
        }
      } finally {
        file.close();
      }
    }
    expect(found).toBeGreaterThan(100);
  });

  it('reads only the header of a candidate whose fields do not add up (a v2 base offset read as a legacy size)', () => {
    // Real plain-0 batches renumbered from 3,000,000: four bytes before a batch, its leader
    // epoch (0) reads as magic 0 and the low half of its base offset (~3 M) as the entry's size.
    const { log: bytes, anchors } = buildSegment(fixtureBatches('plain-0', ['00000000000000000189.log']), 6_500_000, 3_000_000);
    const f = join(dir, 'renumbered.log');
    writeFileSync(f, bytes);
    const second = anchors[1]!;
    const file = new SegmentFile(f, 4096);
    try {
      // A legacy candidate at second - 4: magic byte 0, offset >= 0, a size of ~3 M that fits the file.
      expect(bytes.readInt32BE(second - 4 + 8)).toBeGreaterThan(3_000_000);
      expect(bytes[second - 4 + 16]).toBe(0);
      expect(bytes.readBigInt64BE(second - 4)).toBeGreaterThanOrEqual(0n);
      expect(bytes.length).toBeGreaterThan(second - 4 + 12 + bytes.readInt32BE(second - 4 + 8));
      expect(isPlausibleEntryAt(file, second - 4, bytes.length)).toBe(false);
      expect(findPlausibleEntry(file, 1, bytes.length)).toBe(second);
      // The scan read windows of 4 KiB, not the ~3 MB the size claims.
      expect(file.bytesRead).toBeLessThan(64 * 1024);
    } finally {
      file.close();
    }
  });

  it.skipIf(!HAVE_SHARED)("guesses a range's first batch in a segment of small lz4 batches reading about its window, not a false candidate's claimed megabytes", () => {
    // A parallel dump's range starts where findPlausibleEntry (with `likely`) finds a batch. In
    // small compressed batches, a candidate found in payload bytes is often followed by bytes that
    // frame like a header, and its size often lands on a real batch's start; each such candidate
    // reached the checksum, read and summed to its claimed end (hundreds of MB in a 1 GiB
    // segment). 128 MiB of the corpus's lz4 batches (librdkafka's and the Java producer's), 31
    // range starts 4 MiB apart: 607 MiB read before, 31 MiB now.
    const batches = ['rd-lz4-0', 'java-lz4-0'].flatMap((d) => sharedBatches(d));
    const { log: bytes, anchors } = buildSegment(batches, 128 << 20, 0);
    const f = join(dir, 'small-lz4.log');
    writeFileSync(f, bytes);
    const file = new SegmentFile(f); // the 1 MiB window of a dump
    const range = 4 << 20;
    let guesses = 0;
    try {
      for (let from = range; from + range <= bytes.length; from += range, guesses++) {
        expect(findPlausibleEntry(file, from, bytes.length, { before: from + range })).toBe(anchors.find((a) => a >= from));
      }
      expect(guesses).toBe(31);
      // One window per guess (and a few header reads), with room to spare.
      expect(file.bytesRead).toBeLessThan(2 * guesses * (1 << 20));
    } finally {
      file.close();
      rmSync(f);
    }
  });

  it('checks entries larger than the window piece by piece: every real entry passes, one with a changed byte fails', () => {
    const sources = ['v1-gzip-0/00000000000000000000.log', 'v0-lz4-0/00000000000000000000.log', 'java-snappy-0/00000000000000000000.log', 'plain-0/00000000000000000189.log'];
    let pieced = 0;
    for (const source of sources) {
      const bytes = readFileSync(join(FIXTURES, 'kafka-logs', source));
      const positions: number[] = [];
      for (let p = 0; p + 26 <= bytes.length; p += 12 + bytes.readInt32BE(p + 8)) positions.push(p);
      const f = join(dir, `pieces-${source.replace(/\W/g, '-')}`);
      writeFileSync(f, bytes);
      const file = new SegmentFile(f, 256); // entries over 256 bytes are checksummed window by window
      try {
        for (const p of positions) {
          const size = 12 + bytes.readInt32BE(p + 8);
          expect(isPlausibleEntryAt(file, p, bytes.length), `${source} @${p}`).toBe(true);
          if (size > 256) pieced++;
        }
      } finally {
        file.close();
      }
      // One byte changed in the middle of each large entry: its checksum no longer matches.
      for (const p of positions.filter((q) => 12 + bytes.readInt32BE(q + 8) > 600).slice(0, 5)) {
        const damaged = Buffer.from(bytes);
        damaged[p + 300] ^= 0x40;
        writeFileSync(f, damaged);
        const file2 = new SegmentFile(f, 256);
        try {
          expect(isPlausibleEntryAt(file2, p, damaged.length), `${source} @${p} damaged`).toBe(false);
        } finally {
          file2.close();
        }
      }
    }
    expect(pieced).toBeGreaterThan(50);
  });
});

