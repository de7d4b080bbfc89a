import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32c } from '../src/codec/index.js';
import { RECORD_BATCH_LAYOUT, V2_CRC_START, decodeBatchHeader } from '../src/format/batch.js';
import { offsetIndexLookupSlot } from '../src/format/indexes.js';
import type { Int64 } from '../src/format/int64.js';
import { readBatches } from '../src/io/batches.js';
import { type PartitionDir, readLogDir, readPartitionDir } from '../src/io/logdir.js';
import { type ReadIssue, newReadStats, readPartitionRecords, seekOffset, seekTime } from '../src/io/seek.js';
import { FIXTURES, HAVE_SHARED, SHARED } from './helpers.js';
import { Rng } from '../src/harness/workload.js';

/** The harness's seeded PRNG (mulberry32), as a function: every run checks the same data. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

interface Ref {
  offset: Int64;
  timestamp: Int64;
}

/** The reference: every record of the partition by a plain walk of every segment (no index). */
function fullScan(p: PartitionDir): Ref[] {
  const out: Ref[] = [];
  for (const s of p.segments) {
    if (!s.log) continue;
    for (const b of readBatches(s.log)) for (const r of b.records().records) out.push({ offset: r.offset, timestamp: r.timestamp });
  }
  return out;
}

function firstN(p: PartitionDir, opts: Parameters<typeof readPartitionRecords>[1], n: number): Ref[] {
  const out: Ref[] = [];
  for (const { record } of readPartitionRecords(p, opts)) {
    out.push({ offset: record.offset, timestamp: record.timestamp });
    if (out.length === n) break;
  }
  return out;
}

/**
 * Seeks against the full scan, for many random offsets and times per partition: --from-offset
 * starts at the first record with offset ≥ O, --from-time at the first record (offset order) with
 * timestamp ≥ T, and ranges end where they should.
 */
function checkSeeks(logDir: string, seed: number, perPartition: number): { partitions: number; seeks: number } {
  const random = rng(seed);
  let partitions = 0;
  let seeks = 0;
  for (const p of readLogDir(logDir).partitions) {
    const all = fullScan(p);
    if (all.length === 0) continue;
    partitions++;
    const issues: ReadIssue[] = [];
    const onIssue = (i: ReadIssue): void => void issues.push(i);
    const lo = Number(all[0]!.offset);
    const hi = Number(all[all.length - 1]!.offset);
    const offsets = [lo - 1, lo, hi, hi + 1];
    for (let i = 0; i < perPartition; i++) offsets.push(lo + Math.floor(random() * (hi - lo + 3)) - 1);
    for (const o of offsets) {
      const i = all.findIndex((r) => r.offset >= o);
      const want = i < 0 ? [] : all.slice(i, i + 3);
      expect(firstN(p, { fromOffset: o, onIssue }, 3), `${p.name} --from-offset ${o}`).toEqual(want);
      const to = o + Math.floor(random() * 40);
      const range = [...readPartitionRecords(p, { fromOffset: o, toOffset: to, onIssue })].map((x) => x.record.offset);
      expect(range, `${p.name} ${o}..${to}`).toEqual(all.filter((r) => r.offset >= o && r.offset <= to).map((r) => r.offset));
      seeks++;
    }
    const stamped = all.filter((r) => r.timestamp !== -1);
    const times: Int64[] = [];
    if (stamped.length > 0) {
      const ts = stamped.map((r) => Number(r.timestamp));
      const min = Math.min(...ts);
      const max = Math.max(...ts);
      times.push(min - 1, min, max, max + 1);
      for (let i = 0; i < perPartition; i++) {
        const t = ts[Math.floor(random() * ts.length)]!;
        times.push(t, t + 1, t - 1, min + Math.floor(random() * (max - min + 1)));
      }
    } else times.push(0, 1_700_000_000_000);
    for (const t of times) {
      const i = all.findIndex((r) => r.timestamp >= t);
      const got = seekTime(p, t, { onIssue });
      expect(got === null ? null : got.offset, `${p.name} seekTime ${t}`).toBe(i < 0 ? null : all[i]!.offset);
      const want = i < 0 ? [] : all.slice(i, i + 2);
      expect(firstN(p, { fromTime: t, onIssue }, 2), `${p.name} --from-time ${t}`).toEqual(want);
      seeks++;
    }
    // --to-time: up to (not including) the first record stamped after T.
    if (stamped.length > 0) {
      const t = Number(stamped[Math.floor(stamped.length / 2)]!.timestamp);
      const cut = all.findIndex((r) => r.timestamp > t);
      const want = (cut < 0 ? all : all.slice(0, cut)).map((r) => r.offset);
      expect([...readPartitionRecords(p, { toTime: t, onIssue })].map((x) => x.record.offset), `${p.name} --to-time ${t}`).toEqual(want);
    }
    expect(issues, p.name).toEqual([]);
  }
  return { partitions, seeks };
}

describe('seeks agree with a full scan (fixtures)', () => {
  it('random offsets and times on every fixture partition', () => {
    const { partitions, seeks } = checkSeeks(resolve(FIXTURES, 'kafka-logs'), 1, 25);
    expect(partitions).toBe(7);
    expect(seeks).toBeGreaterThan(7 * 40);
  });
});

describe.skipIf(!HAVE_SHARED)('seeks agree with a full scan (corpus)', () => {
  it('kafka-logs: random offsets and times on every partition', () => {
    const { partitions } = checkSeeks(resolve(SHARED, 'corpus/kafka-logs'), 2, 20);
    expect(partitions).toBeGreaterThanOrEqual(29); // 31 folders, two internal ones empty
  });

  it('live-logs: preallocated zero-filled index tails do not break seeks', () => {
    const live = resolve(SHARED, 'corpus/live-logs');
    // The copy really has zero-padded indexes, and the broker's raw lookup over the padding
    // gives a wrong slot for an offset past the last real entry.
    const plain = readPartitionDir(join(live, 'plain-0'))!;
    const active = plain.segments[plain.segments.length - 1]!;
    const idx = readFileSync(active.index!);
    expect(idx.subarray(idx.length - 64).every((b) => b === 0)).toBe(true);
    const all = fullScan(plain);
    const last = all[all.length - 1]!.offset;
    expect(offsetIndexLookupSlot(idx, Number(active.baseOffset), last)).toBe(idx.length / 8 - 1);
    const at = seekOffset(plain, last)!;
    expect(at.segment).toBe(active);
    expect(at.position).toBeGreaterThan(0);
    checkSeeks(live, 3, 10);
  });
});

describe('a damaged offset index', () => {
  it('is reported with file and byte, and the seek still lands right (segment read from its start)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'kseg-seekbad-'));
    try {
      const dst = join(tmp, 'plain-0');
      cpSync(resolve(FIXTURES, 'kafka-logs/plain-0'), dst, { recursive: true });
      const p = readPartitionDir(dst)!;
      const seg = p.segments[1]!;
      const idx = readFileSync(seg.index!);
      idx.writeInt32BE(idx.readInt32BE(4 * 8 + 4) + 3, 4 * 8 + 4); // slot 4 now points inside a batch
      writeFileSync(seg.index!, idx);
      const target = Number(seg.baseOffset) + idx.readInt32BE(4 * 8) + 1;
      const issues: ReadIssue[] = [];
      const got = firstN(p, { fromOffset: target, onIssue: (i) => void issues.push(i) }, 2).map((r) => r.offset);
      expect(got).toEqual([target, target + 1]);
      expect(issues).toHaveLength(1);
      expect(issues[0]!.file).toBe(seg.index);
      expect(issues[0]!.position).toBe(32);
      expect(issues[0]!.message).toMatch(/offset index slot 4 points at byte \d+, which is not a batch/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Bounded reads: a large segment made from a real batch, indexed as the broker does.

const field = (name: string) => RECORD_BATCH_LAYOUT.find((f) => f.field === name)!.offset;

describe('seeks read little of a large partition', () => {
  let dir: string;
  let part: PartitionDir;
  let lastOffset: number;
  let lastTimestamp: number;
  let logSize: number;

  beforeAll(() => {
    // A real uncompressed v2 batch of the plain fixture.
    const plain = readPartitionDir(resolve(FIXTURES, 'kafka-logs/plain-0'))!;
    const first = readBatches(plain.segments[0]!.log!, { detach: true }).next();
    if (first.done) throw new Error('no batch');
    const proto = Buffer.from(first.value.bytes);
    const h = decodeBatchHeader(proto, 0, 0);
    if (h.format !== 'v2') throw new Error('not v2');
    const perBatch = h.lastOffsetDelta + 1;
    const count = Math.ceil((24 << 20) / proto.length); // ~24 MB
    dir = mkdtempSync(join(tmpdir(), 'kseg-seek-'));
    const pdir = join(dir, 'big-0');
    mkdirSync(pdir);
    const log = Buffer.alloc(count * proto.length);
    const index: Buffer[] = [];
    const timeindex: Buffer[] = [];
    let sinceEntry = 0;
    for (let i = 0; i < count; i++) {
      const at = i * proto.length;
      proto.copy(log, at);
      const base = i * perBatch;
      const shift = BigInt(i) * 1000n;
      log.writeBigInt64BE(BigInt(base), at + field('baseOffset'));
      log.writeBigInt64BE(BigInt(h.baseTimestamp) + shift, at + field('baseTimestamp'));
      log.writeBigInt64BE(BigInt(h.maxTimestamp) + shift, at + field('maxTimestamp'));
      log.writeUInt32BE(crc32c(log.subarray(at + V2_CRC_START, at + proto.length)), at + field('crc'));
      // LogSegment.append: an index entry (this batch's last offset and position) once more than
      // index.interval.bytes (4096) were appended since the last one.
      if (sinceEntry > 4096) {
        const e = Buffer.alloc(8);
        e.writeInt32BE(base + h.lastOffsetDelta, 0);
        e.writeInt32BE(at, 4);
        index.push(e);
        const t = Buffer.alloc(12);
        t.writeBigInt64BE(BigInt(h.maxTimestamp) + shift, 0);
        t.writeInt32BE(base + h.lastOffsetDelta, 8);
        timeindex.push(t);
        sinceEntry = 0;
      }
      sinceEntry += proto.length;
      lastOffset = base + h.lastOffsetDelta;
      lastTimestamp = Number(BigInt(h.maxTimestamp) + shift);
    }
    logSize = log.length;
    writeFileSync(join(pdir, '00000000000000000000.log'), log);
    // Preallocated and zero-filled past the entries, as a live broker leaves them.
    writeFileSync(join(pdir, '00000000000000000000.index'), Buffer.concat([...index, Buffer.alloc(1 << 20)]));
    writeFileSync(join(pdir, '00000000000000000000.timeindex'), Buffer.concat([...timeindex, Buffer.alloc(12 * 80000)]));
    part = readPartitionDir(pdir)!;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the built segment is a valid log: a full read sees every byte and every batch CRC holds', () => {
    let n = 0;
    for (const b of readBatches(part.segments[0]!.log!)) {
      expect(b.crcValid()).toBe(true);
      n++;
    }
    expect(n).toBeGreaterThan(30000);
    const stats = newReadStats();
    const count = [...readPartitionRecords(part, { stats })].length;
    expect(count).toBe(lastOffset + 1);
    expect(stats.bytesRead).toBeGreaterThanOrEqual(logSize);
  });

  it('--from-offset at the last offset reads < 1 MB', () => {
    const stats = newReadStats();
    const got = [...readPartitionRecords(part, { fromOffset: lastOffset, stats })];
    expect(got.map((r) => r.record.offset)).toEqual([lastOffset]);
    expect(stats.bytesRead).toBeLessThan(1 << 20);
    expect(logSize).toBeGreaterThan(20 * (1 << 20));
  });

  it('random offset seeks each read < 1 MB and land right', () => {
    const random = rng(7);
    for (let i = 0; i < 50; i++) {
      const o = Math.floor(random() * (lastOffset + 1));
      const stats = newReadStats();
      const got = [...readPartitionRecords(part, { fromOffset: o, toOffset: o + 2, stats })].map((r) => r.record.offset);
      expect(got).toEqual([o, o + 1, o + 2].filter((x) => x <= lastOffset));
      expect(stats.bytesRead).toBeLessThan(1 << 20);
    }
  });

  it('--from-offset at the last offset of a 1 GiB partition reads < 1 MB', () => {
    // The partition: 43 segments of 24+ MiB, 1 GiB+ in all. The last one is the real segment built
    // above (renamed to its base offset); the 42 before it are sparse files of the same size whose
    // bytes a seek must never touch: the segment is chosen from file names, then the offset index.
    const pdir = join(dir, 'huge-0');
    mkdirSync(pdir);
    const earlier = 42;
    const baseOfLast = earlier * 1_000_000;
    for (let i = 0; i < earlier; i++) {
      const name = String(i * 1_000_000).padStart(20, '0');
      writeFileSync(join(pdir, `${name}.log`), '');
      truncateSync(join(pdir, `${name}.log`), logSize);
      writeFileSync(join(pdir, `${name}.index`), '');
    }
    // The last segment: the built one with base offsets shifted (batches, index and time index).
    const lastName = String(baseOfLast).padStart(20, '0');
    const log = readFileSync(part.segments[0]!.log!);
    for (let at = 0; at < log.length; ) {
      const size = 12 + log.readInt32BE(at + 8);
      log.writeBigInt64BE(log.readBigInt64BE(at) + BigInt(baseOfLast), at);
      log.writeUInt32BE(crc32c(log.subarray(at + V2_CRC_START, at + size)), at + field('crc'));
      at += size;
    }
    writeFileSync(join(pdir, `${lastName}.log`), log);
    copyFileSync(part.segments[0]!.index!, join(pdir, `${lastName}.index`));
    copyFileSync(part.segments[0]!.timeindex!, join(pdir, `${lastName}.timeindex`));
    const huge = readPartitionDir(pdir)!;
    const total = huge.segments.reduce((n, s) => n + s.logSize, 0);
    expect(total).toBeGreaterThan(1 << 30);
    const stats = newReadStats();
    const got = [...readPartitionRecords(huge, { fromOffset: baseOfLast + lastOffset, stats })];
    expect(got.map((r) => r.record.offset)).toEqual([baseOfLast + lastOffset]);
    expect(stats.bytesRead).toBeLessThan(1 << 20);
  });

  it('--from-time at the last timestamp reads < 1 MB', () => {
    const stats = newReadStats();
    const t = seekTime(part, lastTimestamp, { stats });
    expect(t).not.toBeNull();
    expect(t!.timestamp).toBe(lastTimestamp);
    expect(stats.bytesRead).toBeLessThan(1 << 20);
    const s2 = newReadStats();
    const got = [...readPartitionRecords(part, { fromTime: lastTimestamp, stats: s2 })];
    expect(got.length).toBeGreaterThan(0);
    expect(got[0]!.record.offset).toBe(t!.offset);
    expect(s2.bytesRead).toBeLessThan(1 << 20);
  });
});
