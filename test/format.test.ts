import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../src/codec/index.js';
import { RECORD_BATCH_LAYOUT, decodeBatchHeader, decrementSequence, incrementSequence } from '../src/format/batch.js';
import { abortedTxnEntries, offsetIndexEntries, offsetIndexLookupSlot, timeIndexEntries } from '../src/format/indexes.js';
import { addInt64, readInt64 } from '../src/format/int64.js';
import { decodeProducerSnapshot } from '../src/format/producer-snapshot.js';
import { decodeLegacyRecords } from '../src/format/legacy.js';
import { decodeBatchRecords } from '../src/format/record.js';
import { parseLeaderEpochCheckpoint, parseOffsetCheckpoint, parseProperties } from '../src/format/text-files.js';
import { javaDecodeUtf8, javaUtf8Bytes } from '../src/format/utf8.js';
import { readVarint, readVarlong } from '../src/format/varint.js';
import { readBatches } from '../src/io/batches.js';
import { readLogDir } from '../src/io/logdir.js';
import { FIXTURES } from './helpers.js';

const LOGS = resolve(FIXTURES, 'kafka-logs');
const EXPECTED = resolve(FIXTURES, 'expected-corpus/expected/kafka-4.3/kafka-logs');
const segmentsOf = (p: string) => readdirSync(resolve(LOGS, p)).filter((f) => f.endsWith('.log')).map((f) => resolve(LOGS, p, f));

/** Fields of DumpLogSegments' batch lines (recorded from the real Kafka 4.3 tool). */
function recordedBatchLines(partition: string, segment: string): Array<Record<string, string>> {
  const text = readFileSync(resolve(EXPECTED, partition, `${segment}.log.shallow.out`), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.startsWith('baseOffset:') || l.startsWith('offset:'))
    .map((l) => {
      const f: Record<string, string> = {};
      const tokens = l.split(' ');
      for (let i = 0; i + 1 < tokens.length; i += 2) f[tokens[i]!.replace(/:$/, '')] = tokens[i + 1]!;
      return f;
    });
}

describe('varints (zigzag, as ByteUtils)', () => {
  it('decodes boundary values and reports the next position', () => {
    const cases: Array<[number[], number]> = [
      [[0x00], 0],
      [[0x01], -1],
      [[0x02], 1],
      [[0x7f], -64],
      [[0x80, 0x01], 64],
      [[0xfe, 0xff, 0xff, 0xff, 0x0f], 2147483647],
      [[0xff, 0xff, 0xff, 0xff, 0x0f], -2147483648],
    ];
    for (const [bytes, value] of cases) {
      const r = readVarint(Uint8Array.from(bytes), 0);
      expect(r).toEqual({ value, next: bytes.length });
    }
  });
  it('decodes int64 varlongs beyond 2^53 exactly as bigint', () => {
    // zigzag(Long.MAX_VALUE) = 2^64 - 2: ten bytes.
    const r = readVarlong(Uint8Array.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 0);
    expect(r.value).toBe(9223372036854775807n);
    expect(readVarlong(Uint8Array.from([0x03]), 0).value).toBe(-2);
  });
  it('rejects a varint longer than 5 bytes and one that runs past the end', () => {
    expect(() => readVarint(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 0)).toThrow(/too long/);
    expect(() => readVarint(Uint8Array.from([0x80]), 0)).toThrow(/past the end/);
  });
});

describe('int64 and sequences', () => {
  it('wraps like Java long and keeps a canonical form', () => {
    expect(addInt64(9223372036854775807n, 1)).toBe(-9223372036854775808n);
    expect(addInt64(1, 2)).toBe(3);
    expect(readInt64(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 0)).toBe(-1);
  });
  it('wraps sequences at Integer.MAX_VALUE', () => {
    expect(incrementSequence(2147483647, 1)).toBe(0);
    expect(incrementSequence(5, 3)).toBe(8);
    expect(decrementSequence(0, 1)).toBe(2147483647);
  });
});

describe('v2 record batches on real bytes', () => {
  for (const [partition, segment] of [
    ['plain-0', '00000000000000000000'],
    ['txn-0', '00000000000000000025'],
    ['rd-zstd-0', '00000000000000000000'],
    ['java-snappy-0', '00000000000000000000'],
  ] as const) {
    it(`${partition}/${segment}: headers equal DumpLogSegments' batch lines, CRCs verify, records decode`, () => {
      const expected = recordedBatchLines(partition, segment);
      const got: Array<Record<string, string>> = [];
      let records = 0;
      for (const b of readBatches(resolve(LOGS, partition, `${segment}.log`))) {
        const h = b.header;
        if (h.format !== 'v2') throw new Error('expected v2');
        got.push({
          baseOffset: String(h.baseOffset),
          lastOffset: String(h.lastOffset),
          count: String(h.recordCount),
          producerId: String(h.producerId),
          position: String(h.position),
          size: String(h.sizeInBytes),
          crc: String(h.crc),
          isTransactional: String(h.isTransactional),
          isControl: String(h.isControl),
        });
        expect(b.crcValid()).toBe(true);
        const d = b.records();
        expect(d.error).toBeUndefined();
        expect(d.records).toHaveLength(h.recordCount);
        d.records.forEach((r, i) => expect(r.offset).toBe(addInt64(h.baseOffset, i)));
        records += d.records.length;
      }
      const pick = (f: Record<string, string>) =>
        Object.fromEntries(['baseOffset', 'lastOffset', 'count', 'producerId', 'position', 'size', 'crc', 'isTransactional', 'isControl'].map((k) => [k, f[k]]));
      expect(got).toEqual(expected.map(pick));
      expect(records).toBeGreaterThan(0);
    });
  }

  it('record spans tile each record exactly, and the header layout covers bytes 0..61', () => {
    let end = 0;
    for (const f of RECORD_BATCH_LAYOUT) {
      expect(f.offset).toBe(end);
      end = f.offset + f.length;
    }
    expect(end).toBe(61);
    for (const b of readBatches(resolve(LOGS, 'txn-0/00000000000000000025.log'))) {
      const { records } = b.records({ withSpans: true });
      let pos = b.header.position + 61;
      for (const r of records) {
        const s = r.spans!;
        expect(s.length[0]).toBe(pos);
        const ordered = [s.length, s.attributes, s.timestampDelta, s.offsetDelta, s.keyLength, s.key, s.valueLength, s.value, s.headerCount];
        for (let i = 1; i < ordered.length; i++) expect(ordered[i]![0]).toBe(ordered[i - 1]![1]);
        let hpos = s.headerCount[1];
        for (const h of s.headers) {
          expect(h.keyLength[0]).toBe(hpos);
          hpos = h.value[1];
        }
        pos += r.sizeInBytes;
        expect(hpos).toBe(pos);
      }
      expect(pos).toBe(b.header.position + b.header.sizeInBytes);
    }
  });

  it('a flipped byte makes the stored CRC-32C disagree, and a cut batch reports where decoding failed', () => {
    const bytes = readFileSync(resolve(LOGS, 'plain-0/00000000000000000000.log'));
    const h = decodeBatchHeader(bytes, 0, 0);
    if (h.format !== 'v2') throw new Error('expected v2');
    const copy = Uint8Array.from(bytes.subarray(0, h.sizeInBytes));
    expect(crc32c(copy.subarray(21))).toBe(h.crc);
    copy[70] = copy[70]! ^ 0xff;
    expect(crc32c(copy.subarray(21))).not.toBe(h.crc);
    // Declare one more record than the batch holds: reading the next length varint underflows at
    // the batch end, after the real records; Kafka's batch iterator reports that as
    // InvalidRecordException "premature EOF" (what the real DumpLogSegments prints for it).
    const more = Uint8Array.from(bytes.subarray(0, h.sizeInBytes));
    new DataView(more.buffer).setInt32(57, h.recordCount + 1);
    const d = decodeBatchRecords(more, 0, decodeBatchHeader(more, 0, 0) as typeof h);
    expect(d.error?.kind).toBe('InvalidRecord');
    expect(d.error?.message).toBe('Incorrect declared batch size, premature EOF reached');
    expect(d.error?.position).toBe(h.sizeInBytes);
    expect(d.records).toHaveLength(h.recordCount);
  });
});

describe('legacy message sets on real bytes', () => {
  it('v1 gzip wrappers: inner offsets are absolute and contiguous, inner CRC-32s verify', () => {
    let next: number | bigint | null = null;
    for (const file of segmentsOf('v1-gzip-0')) {
      for (const b of readBatches(file)) {
        const h = b.header;
        if (h.format !== 'legacy') throw new Error('expected legacy');
        expect(h.magic).toBe(1);
        expect(b.crcValid()).toBe(true);
        const d = decodeLegacyRecords(b.bytes, 0, h);
        expect(d.error).toBeUndefined();
        for (const r of d.records) {
          if (next !== null) expect(r.offset).toBe(next);
          expect(r.legacy!.isValid).toBe(true);
          next = addInt64(r.offset, 1);
        }
        expect(d.records[d.records.length - 1]!.offset).toBe(h.offset);
      }
    }
    expect(next).toBe(600);
  });
  it('v0 lz4 (Kafka wrote a wrong LZ4 header checksum) decodes to 600 records', () => {
    let n = 0;
    for (const file of segmentsOf('v0-lz4-0')) for (const b of readBatches(file)) n += b.records().records.length;
    expect(n).toBe(600);
  });
});

describe('indexes, snapshots and text files on real bytes', () => {
  it('.index entries point at the batch holding their offset (last offset, as Kafka 4.x checks)', () => {
    const dir = resolve(LOGS, 'plain-0');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.index'))) {
      const base = Number(f.slice(0, 20));
      const entries = offsetIndexEntries(readFileSync(resolve(dir, f)), base);
      expect(entries.length).toBeGreaterThan(0);
      const lastByPosition = new Map<number, number | bigint>();
      for (const b of readBatches(resolve(dir, f.replace('.index', '.log')))) lastByPosition.set(b.header.position, (b.header as { lastOffset: number }).lastOffset);
      for (const e of entries) expect(lastByPosition.get(e.position)).toBe(e.offset);
      // The broker's lookup finds each entry's own slot.
      for (const e of entries) expect(offsetIndexLookupSlot(readFileSync(resolve(dir, f)), base, e.offset)).toBe(e.slot);
    }
  });
  it('.timeindex entries are monotonic', () => {
    const buf = readFileSync(resolve(LOGS, 'plain-0/00000000000000000000.timeindex'));
    const entries = timeIndexEntries(buf, 0);
    expect(entries.length).toBeGreaterThan(1);
    for (let i = 1; i < entries.length; i++) {
      expect(entries[i]!.timestamp > entries[i - 1]!.timestamp).toBe(true);
      expect(entries[i]!.offset > entries[i - 1]!.offset).toBe(true);
    }
  });
  it('.txnindex entries equal the recorded dump', () => {
    const got = abortedTxnEntries(readFileSync(resolve(LOGS, 'txn-0/00000000000000000025.txnindex'))).map(
      (t) => `version: ${t.version} producerId: ${t.producerId} firstOffset: ${t.firstOffset} lastOffset: ${t.lastOffset} lastStableOffset: ${t.lastStableOffset}`,
    );
    const recorded = readFileSync(resolve(EXPECTED, 'txn-0/00000000000000000025.txnindex.plain.out'), 'utf8').split('\n').slice(1).filter(Boolean);
    expect(got).toEqual(recorded);
  });
  it('producer snapshots verify their CRC-32C and name the open transaction', () => {
    const s = decodeProducerSnapshot(readFileSync(resolve(LOGS, 'txn-0/00000000000000000916.snapshot')));
    expect(s.crc).toBe(s.computedCrc);
    expect(s.entries).toHaveLength(1);
    expect(s.entries[0]).toMatchObject({ producerId: 1, currentTxnFirstOffset: 910, lastOffset: 915 });
    const bad = Uint8Array.from(readFileSync(resolve(LOGS, 'txn-0/00000000000000000916.snapshot')));
    bad[20] = bad[20]! ^ 1;
    expect(() => decodeProducerSnapshot(bad)).toThrow(/CRC is no longer valid/);
  });
  it('checkpoint files and meta.properties parse', () => {
    const rp = parseOffsetCheckpoint(readFileSync(resolve(LOGS, 'recovery-point-offset-checkpoint'), 'utf8'));
    expect(rp.version).toBe(0);
    expect(rp.entries.length).toBeGreaterThan(0);
    const le = parseLeaderEpochCheckpoint(readFileSync(resolve(LOGS, 'plain-0/leader-epoch-checkpoint'), 'utf8'));
    expect(le.entries[0]).toMatchObject({ epoch: 0, startOffset: 0 });
    expect(parseProperties(readFileSync(resolve(LOGS, 'meta.properties'), 'utf8'))).toMatchObject({ 'broker.id': '0', version: '0' });
    expect(() => parseOffsetCheckpoint('0\n2\nt 0 5\n')).toThrow(/header says 2 entries/);
  });
  it('the log-dir walker finds every fixture partition and labels cleaner leftovers', () => {
    const dir = readLogDir(LOGS);
    expect(dir.partitions.map((p) => p.name)).toEqual(['compacted-0', 'java-snappy-0', 'plain-0', 'rd-zstd-0', 'txn-0', 'v0-lz4-0', 'v1-gzip-0']);
    const compacted = dir.partitions.find((p) => p.topic === 'compacted')!;
    expect(compacted.leftovers.some((l) => l.kind === 'deleted')).toBe(true);
    expect(dir.partitions.find((p) => p.name === 'plain-0')!.segments).toHaveLength(9);
  });
});

describe("Java's UTF-8 decoding", () => {
  it('replaces malformed runs the way the JDK does (not the WHATWG way)', () => {
    const cases: Array<[number[], string]> = [
      [[0x5d, 0xed, 0xbd, 0xf8, 0x61], ']\ufffd\ufffda'], // ED BD is one malformed run in Java
      [[0xff, 0xfe, 0x41], '\ufffd\ufffdA'],
      [[0xe4, 0xb8], '\ufffd'], // truncated 3-byte sequence at the end
      [[0xf0, 0x9f, 0x98], '\ufffd'],
      [[0xed, 0xa0, 0x80], '\ufffd'], // an encoded surrogate
      [[0xf0, 0x9f, 0x98, 0x80], '\u{1F600}'],
      [[0xc0, 0x80], '\ufffd\ufffd'],
    ];
    for (const [bytes, text] of cases) expect(javaDecodeUtf8(Uint8Array.from(bytes))).toBe(text);
  });
  it('the byte path used by the dump gives the same replacements', () => {
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    expect(hex(javaUtf8Bytes(Uint8Array.from([0x5d, 0xed, 0xbd, 0xf8, 0x61])))).toBe('5defbfbdefbfbd61');
    expect(hex(javaUtf8Bytes(Uint8Array.from([0xe2, 0x82, 0xac, 0xe2, 0x82])))).toBe('e282acefbfbd');
    expect(hex(javaUtf8Bytes(Uint8Array.from([0xf4, 0x90, 0x80, 0x80])))).toBe('efbfbdefbfbdefbfbdefbfbd');
    expect(hex(javaUtf8Bytes(Uint8Array.from([0xe0, 0x80, 0x41])))).toBe('efbfbdefbfbd41');
  });
});
