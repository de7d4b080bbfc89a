import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SegmentFile, findPlausibleEntry, isPlausibleEntryAt } from '../src/io/segment-file.js';
import { FIXTURES } from './helpers.js';

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
});
