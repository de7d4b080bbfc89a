import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesOfFirst, buildSegment, dumpInProcess, fixtureBatches } from './helpers.js';

/**
 * A .timeindex dump frames the log from each entry's position to the end before searching, as
 * Kafka 4.3 does (a framing failure anywhere after the position fails the dump). kseg frames a
 * chain once and answers later positions from it (kept as checkpoints and a cursor, so memory
 * stays small on big segments). Here both ways must print the same, on real batches with index
 * entries that go forward, backward, off the batch boundaries and past damage.
 */
const dir = mkdtempSync(join(tmpdir(), 'kseg-timeindex-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Batch {
  bytes: Buffer;
  position: number;
  last: number;
  maxTimestamp: bigint;
}

/** plain-0's real batches repeated `count` times, offsets renumbered from 0, CRCs recomputed. */
function segment(count: number): Batch[] {
  const originals = fixtureBatches('plain-0', ['00000000000000000189.log']);
  const { log, anchors } = buildSegment(originals, bytesOfFirst(originals, count), 0);
  return anchors.map((position, i) => {
    const bytes = log.subarray(position, i + 1 < anchors.length ? anchors[i + 1] : log.length);
    return { bytes, position, last: Number(bytes.readBigInt64BE(0)) + bytes.readInt32BE(23), maxTimestamp: bytes.readBigInt64BE(35) };
  });
}

function indexEntry(offset: number, position: number): Buffer {
  const e = Buffer.alloc(8);
  e.writeInt32BE(offset);
  e.writeInt32BE(position, 4);
  return e;
}

function timeEntry(timestamp: bigint, offset: number): Buffer {
  const e = Buffer.alloc(12);
  e.writeBigInt64BE(timestamp);
  e.writeInt32BE(offset, 8);
  return e;
}

function dumpBothWays(args: string[]) {
  const naive = dumpInProcess(args, dir, { frameChains: false });
  const memo = dumpInProcess(args, dir);
  expect(memo.stderr.toString('utf8'), args.join(' ')).toBe(naive.stderr.toString('utf8'));
  expect(memo.code, args.join(' ')).toBe(naive.code);
  expect(memo.stdout.equals(naive.stdout), args.join(' ')).toBe(true);
  return memo;
}

describe('.timeindex dumps: one framing per chain == framing per entry', () => {
  const batches = segment(700); // > 2 checkpoints of 256 batches
  // Offset index: every 5th batch, plus an entry whose position is inside a batch (off the chain).
  const indexed = batches.filter((_, i) => i % 5 === 0);
  const index = Buffer.concat(indexed.map((b, k) => indexEntry(b.last, k === 60 ? b.position + 7 : b.position)));
  // Time index: forward, then backward (behind the cursor), an offset inside a batch, one past
  // the end, and a timestamp that does not match.
  const picks = [3, 40, 41, 200, 260, 520, 600, 90, 10, 301, 302, 650, 699];
  const time = Buffer.concat([
    ...picks.map((i) => timeEntry(batches[i]!.maxTimestamp, batches[i]!.last)),
    timeEntry(batches[450]!.maxTimestamp, batches[450]!.last - 1),
    timeEntry(batches[500]!.maxTimestamp + 1n, batches[500]!.last),
    timeEntry(batches[699]!.maxTimestamp, batches[699]!.last + 50),
  ]);

  // After the damage, then before it.
  const pastDamage = Buffer.concat([520, 600, 601, 650, 699, 90].map((i) => timeEntry(batches[i]!.maxTimestamp, batches[i]!.last)));
  // An index entry 6 bytes into batch 240: framing from there reads one entry of garbage (whose
  // last offset, ~4.7e17, is past any searched for) and then an undersized size (found by trying
  // positions). Kafka frames all before searching, so the dump fails there although the chain
  // from the start is clean; searching first would find the garbage entry and go on.
  const offChain = Buffer.concat(indexed.map((b, k) => indexEntry(b.last, k === 48 ? b.position + 6 : b.position)));
  const variants: Array<[string, Buffer, Buffer, Buffer?]> = [
    ['clean', Buffer.concat(batches.map((b) => b.bytes)), time],
    // An entry too small to be one after the last batch: CorruptRecordException from any position.
    ['undersized tail', Buffer.concat([...batches.map((b) => b.bytes), Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 2, 0])]), time],
    // Batch 400's size field shrunk: a chain from before it stops there (undersized), while a
    // chain from after it is clean.
    [
      'damage in the middle',
      (() => {
        const log = Buffer.concat(batches.map((b) => b.bytes));
        log.writeInt32BE(3, batches[400]!.position + 8);
        return log;
      })(),
      pastDamage,
    ],
    ['framing from an index position fails', Buffer.concat(batches.map((b) => b.bytes)), Buffer.concat([3, 40, 242, 600].map((i) => timeEntry(batches[i]!.maxTimestamp, batches[i]!.last))), offChain],
  ];

  for (const [name, log, time, offsets = index] of variants) {
    it(`${name}: same output, reports and failure`, () => {
      const sub = join(dir, name.replace(/\W/g, '-'));
      mkdirSync(sub);
      writeFileSync(join(sub, '00000000000000000000.log'), log);
      writeFileSync(join(sub, '00000000000000000000.index'), offsets);
      writeFileSync(join(sub, '00000000000000000000.timeindex'), time);
      const file = join(sub, '00000000000000000000.timeindex');
      const full = dumpBothWays(['--files', file]);
      dumpBothWays(['--verify-index-only', '--files', file]);
      const err = full.stderr.toString('utf8');
      if (name === 'clean') {
        expect(full.code).toBe(0);
        expect(full.stdout.toString('utf8').match(/^timestamp: /gm)).toHaveLength(picks.length + 3);
        expect(err).toContain('Found timestamp mismatch');
        expect(err).toContain('Indexed offset: ');
      } else {
        expect(full.code).toBe(1);
        expect(err).toContain('CorruptRecordException');
        // Past the damage, the entries print before the one behind it fails.
        const lines = full.stdout.toString('utf8').match(/^timestamp: /gm)?.length ?? 0;
        expect(lines).toBe({ 'damage in the middle': 5, 'framing from an index position fails': 2 }[name] ?? 0);
      }
    });
  }
});
