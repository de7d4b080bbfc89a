import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EntryWalker, SegmentFile } from '../src/io/segment-file.js';
import { FIXTURES } from './helpers.js';

// SegmentFile.window keeps the bytes it holds from the asked position on and reads only the rest:
// a walk that reads an entry's header through the window and then the whole entry (larger than
// the window: multi-MB records) reads each byte of the file once.
const dir = mkdtempSync(join(tmpdir(), 'kseg-window-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SOURCE = join(FIXTURES, 'kafka-logs', 'java-snappy-0', '00000000000000000000.log');

describe('SegmentFile.window', () => {
  it('reads each byte once when a walk loads entries larger than its window', () => {
    const bytes = readFileSync(SOURCE);
    // A window of 64 bytes: most entries are larger, as 1-4 MiB records are than the 1 MiB default.
    const file = new SegmentFile(SOURCE, 64);
    try {
      const walker = new EntryWalker(file, 0, file.size, true);
      let entries = 0;
      let larger = 0;
      while (walker.step()) {
        if (!walker.whole) larger++;
        walker.load();
        const size = walker.frame!.totalSize;
        expect(Buffer.from(walker.buf.subarray(walker.at, walker.at + size)).equals(bytes.subarray(walker.entryPosition, walker.entryPosition + size))).toBe(true);
        entries++;
      }
      expect(walker.position).toBe(bytes.length);
      expect(entries).toBeGreaterThan(5);
      expect(larger).toBeGreaterThan(5);
      // Before the window kept its bytes: size + 64 bytes a larger entry (its header window read again).
      expect(file.bytesRead).toBe(bytes.length);
    } finally {
      file.close();
    }
  });

  it('returns the file bytes for any sequence of windows, overlapping, growing, backwards', () => {
    const bytes = Buffer.concat([readFileSync(SOURCE), readFileSync(join(FIXTURES, 'kafka-logs', 'plain-0', '00000000000000000000.log'))]);
    const f = join(dir, 'mixed.log');
    writeFileSync(f, bytes);
    let seed = 7;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (const chunk of [16, 100, 4096]) {
      const file = new SegmentFile(f, chunk);
      try {
        let pos = 0;
        for (let i = 0; i < 3000; i++) {
          // Mostly forward and overlapping the current window, as walks and scans ask; sometimes anywhere.
          pos = rand(5) === 0 ? rand(bytes.length) : Math.min(bytes.length - 1, pos + rand(2 * chunk));
          const len = 1 + rand(3 * chunk);
          const w = file.window(pos, len);
          const want = Math.min(len, bytes.length - pos);
          expect(w.available).toBeGreaterThanOrEqual(want);
          expect(Buffer.from(w.buf.subarray(w.at, w.at + want)).equals(bytes.subarray(pos, pos + want))).toBe(true);
        }
      } finally {
        file.close();
      }
    }
  });
});
