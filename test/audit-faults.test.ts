import { appendFileSync, readFileSync, truncateSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Anomaly, type AuditReport, auditPath } from '../src/audit/index.js';
import { batchesOf, copyLogDir, copyPartition, edit, flip, SEG } from './audit-helpers.js';

// Each test damages a copy of a real partition one way and asserts the class and byte position the
// audit reports. Positions come from the io layer's batch reader on the undamaged file.

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function copy(partition: string) {
  const c = copyPartition(partition);
  cleanups.push(c.cleanup);
  return c;
}

function find(r: AuditReport, cls: Anomaly['class'], file?: string): Anomaly[] {
  return r.anomalies.filter((a) => a.class === cls && (file === undefined || a.file === file));
}

describe('audit: fault injection on copies of fixtures/kafka-logs', () => {
  it('the undamaged copies are clean (the baseline every fault is compared with)', () => {
    for (const p of ['plain-0', 'txn-0', 'rd-zstd-0', 'v1-gzip-0', 'v0-lz4-0', 'java-snappy-0', 'compacted-0']) {
      const c = copy(p);
      const r = auditPath(c.dir);
      expect(r.anomalies, p).toEqual([]);
      expect(r.summary.batches, p).toBeGreaterThan(0);
    }
  });

  it('a flipped byte in a v2 batch header (producerId, CRC-covered) is batch-crc at the batch start', () => {
    const c = copy('plain-0');
    const log = c.file(SEG(189, 'log'));
    const b = batchesOf(log)[5]!;
    flip(log, b.position + 47);
    const r = auditPath(c.dir);
    const crc = find(r, 'batch-crc');
    expect(crc.map((a) => [a.file, a.position, a.offset])).toEqual([[log, b.position, b.baseOffset]]);
    expect(crc[0]!.detail).toMatch(/CRC-32C stored \d+, computed \d+/);
    expect(r.summary.errors).toBe(1);
  });

  it('a flipped magic byte is batch-magic at the magic byte; --resync reads on from the next batch', () => {
    const c = copy('plain-0');
    const log = c.file(SEG(357, 'log'));
    const all = batchesOf(log);
    const b = all[3]!;
    flip(log, b.position + 16, 0x80);
    const r = auditPath(c.dir);
    expect(find(r, 'batch-magic').map((a) => a.position)).toEqual([b.position + 16]);
    const rs = auditPath(c.dir, { resync: true });
    expect(find(rs, 'resync-skipped').map((a) => [a.position, a.end])).toEqual([[b.position, all[4]!.position]]);
    expect(rs.summary.batches).toBe(r.summary.batches + (all.length - 4));
  });

  it('a flipped byte in a record is batch-crc; a broken record length varint is record-corrupt at the record', () => {
    const c = copy('plain-0');
    const log = c.file(SEG(518, 'log'));
    const all = batchesOf(log);
    const b = all[2]!;
    // First record's length varint sits right after the 61-byte header.
    edit(log, (buf) => {
      buf[b.position + 61] = 0x7f; // zigzag 0x7f = -64: a negative record length
      return buf;
    });
    const r = auditPath(c.dir);
    expect(find(r, 'batch-crc').map((a) => a.position)).toEqual([b.position]);
    expect(find(r, 'record-corrupt').map((a) => a.position)).toEqual([b.position + 61]);
  });

  it('a flipped byte in a compressed body is batch-crc and decompression at the batch', () => {
    const c = copy('v1-gzip-0');
    const log = c.file(SEG(0, 'log'));
    const b = batchesOf(log)[4]!;
    flip(log, b.position + Math.floor(b.size / 2));
    const r = auditPath(c.dir);
    expect(find(r, 'batch-crc').map((a) => a.position)).toEqual([b.position]);
    expect(find(r, 'decompression').map((a) => a.position)).toEqual([b.position]);
  });

  it('a flipped byte in a zstd v2 batch body is batch-crc at the batch', () => {
    const c = copy('rd-zstd-0');
    const log = c.file(SEG(854, 'log'));
    const b = batchesOf(log)[7]!;
    flip(log, b.position + 61 + 20);
    const r = auditPath(c.dir);
    expect(find(r, 'batch-crc').map((a) => a.position)).toEqual([b.position]);
  });

  it('a segment cut inside its last batch is truncated-batch at that batch, bytes to the end', () => {
    const c = copy('plain-0');
    const log = c.file(SEG(1344, 'log'));
    const all = batchesOf(log);
    const b = all[all.length - 1]!;
    truncateSync(log, b.position + 30);
    const r = auditPath(c.dir);
    expect(find(r, 'truncated-batch').map((a) => [a.file, a.position, a.end])).toEqual([[log, b.position, b.position + 30]]);
  });

  it('a zero-filled tail (from a batch start to the end) is zero-tail, a warning', () => {
    const c = copy('plain-0');
    const log = c.file(SEG(1344, 'log'));
    const all = batchesOf(log);
    const b = all[all.length - 4]!;
    edit(log, (buf) => buf.fill(0, b.position));
    const r = auditPath(c.dir);
    const z = find(r, 'zero-tail');
    expect(z.map((a) => [a.position, a.end, a.severity])).toEqual([[b.position, readFileSync(log).length, 'warning']]);
  });

  it('preallocated zeros appended after the last batch are zero-tail at the old end', () => {
    const c = copy('txn-0');
    const log = c.file(SEG(935, 'log'));
    const size = readFileSync(log).length;
    appendFileSync(log, Buffer.alloc(4096));
    const r = auditPath(c.dir);
    expect(find(r, 'zero-tail').map((a) => [a.position, a.end])).toEqual([[size, size + 4096]]);
  });

  it('garbage spliced between batches stops the segment there; --resync reports the skipped range and reads on', () => {
    const c = copy('plain-0');
    const log = c.file(SEG(686, 'log'));
    const all = batchesOf(log);
    const b = all[6]!;
    const junk = Buffer.from('GARBAGE! not a record batch, just bytes in the way. '.repeat(3));
    edit(log, (buf) => Buffer.concat([buf.subarray(0, b.position), junk, buf.subarray(b.position)]));
    const r = auditPath(c.dir);
    const g = find(r, 'garbage', log);
    expect(g.map((a) => [a.position, a.end])).toEqual([[b.position, readFileSync(log).length]]);
    expect(g[0]!.detail).toContain(`plausible batch starts at ${b.position + junk.length}`);

    const rs = auditPath(c.dir, { resync: true });
    expect(find(rs, 'garbage', log).map((a) => [a.position, a.end])).toEqual([[b.position, b.position + junk.length]]);
    expect(find(rs, 'resync-skipped', log).map((a) => [a.position, a.end])).toEqual([[b.position, b.position + junk.length]]);
    expect(find(rs, 'offset-gap')).toEqual([]);
    // Every original batch was read.
    expect(rs.summary.batches).toBe(auditPath(copy('plain-0').dir).summary.batches);
  });

  it('a deleted batch is offset-gap at the batch that follows it', () => {
    const c = copy('plain-0');
    const log = c.file(SEG(847, 'log'));
    const all = batchesOf(log);
    const b = all[9]!;
    edit(log, (buf) => Buffer.concat([buf.subarray(0, b.position), buf.subarray(b.position + b.size)]));
    const r = auditPath(c.dir);
    const gap = find(r, 'offset-gap');
    expect(gap.map((a) => [a.file, a.position, a.offset, a.severity])).toEqual([[log, b.position, all[10]!.baseOffset, 'error']]);
    expect(gap[0]!.detail).toContain(`offsets ${b.baseOffset}..${b.lastOffset} are missing`);
    // The index entries after it now point at the wrong bytes.
    expect(r.anomalies.some((a) => a.class.startsWith('index-') || a.class.startsWith('timeindex-'))).toBe(true);
  });

  it('a duplicated batch is offset-overlap at the copy', () => {
    const c = copy('plain-0');
    const log = c.file(SEG(1008, 'log'));
    const b = batchesOf(log)[4]!;
    edit(log, (buf) => Buffer.concat([buf.subarray(0, b.position + b.size), buf.subarray(b.position, b.position + b.size), buf.subarray(b.position + b.size)]));
    const r = auditPath(c.dir);
    expect(find(r, 'offset-overlap').map((a) => [a.position, a.offset])).toEqual([[b.position + b.size, b.baseOffset]]);
    expect(find(r, 'offset-gap')).toEqual([]);
  });

  it('a duplicated idempotent batch is also producer-sequence-duplicate', () => {
    const c = copy('txn-0');
    const log = c.file(SEG(25, 'log'));
    const b = batchesOf(log).filter((x) => !x.isControl)[6]!;
    edit(log, (buf) => Buffer.concat([buf.subarray(0, b.position + b.size), buf.subarray(b.position, b.position + b.size), buf.subarray(b.position + b.size)]));
    const r = auditPath(c.dir);
    expect(find(r, 'offset-overlap').map((a) => a.position)).toEqual([b.position + b.size]);
    expect(find(r, 'producer-sequence-duplicate').map((a) => a.position)).toEqual([b.position + b.size + 53]);
  });

  it('two swapped batches are offset-gap at the first and offset-overlap at the second', () => {
    const c = copy('plain-0');
    const log = c.file(SEG(0, 'log'));
    const all = batchesOf(log);
    const a = all[7]!;
    const b = all[8]!;
    edit(log, (buf) =>
      Buffer.concat([buf.subarray(0, a.position), buf.subarray(b.position, b.position + b.size), buf.subarray(a.position, a.position + a.size), buf.subarray(b.position + b.size)]),
    );
    const r = auditPath(c.dir);
    expect(find(r, 'offset-gap').map((x) => [x.position, x.offset])).toEqual([[a.position, b.baseOffset]]);
    expect(find(r, 'offset-overlap').map((x) => [x.position, x.offset])).toEqual([[a.position + b.size, a.baseOffset]]);
  });

  it('a corrupt .index entry (position off by one) is index-position at the entry', () => {
    const c = copy('plain-0');
    const index = c.file(SEG(0, 'index'));
    const slot = 3;
    edit(index, (buf) => {
      buf.writeInt32BE(buf.readInt32BE(slot * 8 + 4) + 1, slot * 8 + 4);
      return buf;
    });
    const r = auditPath(c.dir);
    expect(r.anomalies.map((a) => [a.class, a.file, a.position])).toEqual([['index-position', index, slot * 8]]);
  });

  it('a corrupt .index entry (wrong offset) is index-offset; a wrong .timeindex timestamp is timeindex-timestamp', () => {
    const c = copy('plain-0');
    const index = c.file(SEG(189, 'index'));
    const timeindex = c.file(SEG(189, 'timeindex'));
    edit(index, (buf) => {
      buf.writeInt32BE(buf.readInt32BE(5 * 8) - 3, 5 * 8);
      return buf;
    });
    edit(timeindex, (buf) => {
      buf.writeBigInt64BE(buf.readBigInt64BE(4 * 12) + 1n, 4 * 12);
      return buf;
    });
    const r = auditPath(c.dir);
    expect(find(r, 'index-offset').map((a) => a.position)).toEqual([40]);
    expect(find(r, 'timeindex-timestamp').map((a) => a.position)).toEqual([48]);
    expect(r.anomalies.every((a) => a.severity === 'warning')).toBe(true);
  });

  it('a leader epoch raised in one batch header is epoch-regression at the next batch and epoch-checkpoint', () => {
    const c = copy('plain-0');
    const log = c.file(SEG(357, 'log'));
    const all = batchesOf(log);
    edit(log, (buf) => {
      buf.writeInt32BE(7, all[2]!.epochPosition);
      return buf;
    });
    const r = auditPath(c.dir);
    expect(find(r, 'epoch-regression').map((a) => a.position)).toEqual([all[3]!.epochPosition]);
    expect(find(r, 'epoch-checkpoint').map((a) => [a.file, a.position])).toEqual([[log, all[2]!.epochPosition]]);
  });

  it('removing the last COMMIT marker of txn-0 leaves an open transaction listed with its first offset', () => {
    const c = copy('txn-0');
    const log = c.file(SEG(935, 'log'));
    const all = batchesOf(log);
    const marker = all[all.length - 1]!;
    expect(marker.controlType).toBe('COMMIT');
    const prevMarker = [...all.slice(0, -1)].reverse().find((x) => x.isControl)!;
    const first = all[all.indexOf(prevMarker) + 1]!;
    truncateSync(log, marker.position);
    const r = auditPath(c.dir);
    const open = find(r, 'transaction-open');
    expect(open.map((a) => [a.file, a.position, a.offset])).toEqual([[log, first.position, first.baseOffset]]);
    // The snapshot at 1040 is now beyond the log end: a note, not an anomaly.
    expect(r.notes.some((n) => n.class === 'producer-snapshot-stale')).toBe(true);
  });

  it('removing a COMMIT marker inside the log is offset-gap at the batch after it', () => {
    const c = copy('txn-0');
    const log = c.file(SEG(805, 'log'));
    const all = batchesOf(log);
    const i = all.findIndex((x, k) => k > 0 && x.controlType === 'COMMIT');
    const m = all[i]!;
    edit(log, (buf) => Buffer.concat([buf.subarray(0, m.position), buf.subarray(m.position + m.size)]));
    const r = auditPath(c.dir);
    expect(find(r, 'offset-gap').map((a) => [a.position, a.offset])).toEqual([[m.position, all[i + 1]!.baseOffset]]);
  });

  it('an ABORT marker removed from the log leaves its .txnindex entry unmatched', () => {
    const c = copy('txn-0');
    const log = c.file(SEG(545, 'log'));
    const all = batchesOf(log);
    const i = all.findIndex((x) => x.controlType === 'ABORT');
    expect(i).toBeGreaterThanOrEqual(0);
    const m = all[i]!;
    edit(log, (buf) => Buffer.concat([buf.subarray(0, m.position), buf.subarray(m.position + m.size)]));
    const r = auditPath(c.dir);
    const t = find(r, 'txnindex-mismatch');
    expect(t.map((a) => [a.file, a.position, a.offset])).toEqual([[c.file(SEG(545, 'txnindex')), 0, m.baseOffset]]);
  });

  it('a log cut below the checkpointed recovery point and high watermark is checkpoint-beyond-log', () => {
    const l = copyLogDir();
    cleanups.push(l.cleanup);
    const log = `${l.root}/plain-0/${SEG(1344, 'log')}`;
    const all = batchesOf(log);
    truncateSync(log, all[all.length - 1]!.position);
    const r = auditPath(l.root);
    const cp = find(r, 'checkpoint-beyond-log');
    expect(cp.map((a) => a.file.split('/').pop()).sort()).toEqual(['recovery-point-offset-checkpoint', 'replication-offset-checkpoint']);
    expect(cp.every((a) => a.detail.includes(`plain-0 is 1500, beyond its log end offset ${all[all.length - 1]!.baseOffset}`))).toBe(true);
  });

  it('a corrupt producer snapshot is producer-snapshot-corrupt with the stored and computed CRC', () => {
    const c = copy('txn-0');
    const snap = c.file(SEG(1040, 'snapshot'));
    flip(snap, 20);
    const r = auditPath(c.dir);
    const s = find(r, 'producer-snapshot-corrupt');
    expect(s.map((a) => [a.file, a.position])).toEqual([[snap, 2]]);
    expect(s[0]!.detail).toMatch(/Stored crc: \d+\. Computed crc: \d+/);
  });
});
