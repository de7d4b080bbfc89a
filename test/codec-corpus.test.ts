// Codec tests on the real broker's log files in ../shared/corpus/kafka-logs (read-only).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CodecError, crc32, crc32c, decompress, isCompressionTypeId, type CompressionTypeId } from '../src/codec/index.js';
import { lz4HeaderChecksums } from '../src/codec/lz4.js';
import { isXerialSnappy } from '../src/codec/snappy.js';
import { inspectZstd } from '../src/codec/zstd.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = path.resolve(repoRoot, '../shared');
const LOGS = path.join(SHARED, 'corpus/kafka-logs');
const haveCorpus = existsSync(LOGS);
if (!haveCorpus) console.warn(`[codec-corpus] skipping real-data codec tests: ${LOGS} is absent`);

interface Entry {
  file: string;
  pos: number;
  magic: number;
  codec: number;
  /** v2: records region [61, end); legacy: the value (null if absent). */
  payload: Uint8Array | null;
  recordCount: number;
  storedCrc: number;
  crcRegion: Uint8Array;
}

/** Shallow walk of a segment: v2 batches and legacy (magic 0/1) messages, one level deep. */
function* entries(buf: Buffer, file: string): Generator<Entry> {
  let p = 0;
  while (buf.length - p >= 17) {
    const size = buf.readInt32BE(p + 8);
    const end = p + 12 + size;
    if (size <= 0 || end > buf.length) break; // preallocated tail / partial write
    const magic = buf[p + 16]!;
    if (magic === 2) {
      yield {
        file, pos: p, magic, codec: buf.readInt16BE(p + 21) & 7, payload: buf.subarray(p + 61, end),
        recordCount: buf.readInt32BE(p + 57), storedCrc: buf.readUInt32BE(p + 17), crcRegion: buf.subarray(p + 21, end),
      };
    } else {
      let q = p + 18 + (magic === 1 ? 8 : 0);
      const keyLen = buf.readInt32BE(q);
      q += 4 + Math.max(keyLen, 0);
      const valueLen = buf.readInt32BE(q);
      q += 4;
      yield {
        file, pos: p, magic, codec: buf[p + 17]! & 7, payload: valueLen >= 0 ? buf.subarray(q, q + valueLen) : null,
        recordCount: -1, storedCrc: buf.readUInt32BE(p + 12), crcRegion: buf.subarray(p + 16, end),
      };
    }
    p = end;
  }
}

function segments(dir: string): { file: string; buf: Buffer }[] {
  const d = path.join(LOGS, dir);
  return readdirSync(d).filter((f) => f.endsWith('.log')).sort().map((f) => ({ file: `${dir}/${f}`, buf: readFileSync(path.join(d, f)) }));
}

function allEntries(dir: string): Entry[] {
  return segments(dir).flatMap(({ file, buf }) => [...entries(buf, file)]);
}

function compressed(dir: string): Entry[] {
  return allEntries(dir).filter((e) => e.codec !== 0 && e.payload !== null);
}

/** Zigzag varint at p; returns [value, next]. */
function varint(b: Uint8Array, p: number): [number, number] {
  let raw = 0;
  let shift = 0;
  for (;;) {
    if (p >= b.length) throw new Error('varint runs past end');
    const x = b[p++]!;
    raw += (x & 0x7f) * 2 ** shift;
    if (!(x & 0x80)) break;
    shift += 7;
    if (shift > 28) throw new Error('varint too long');
  }
  return [raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2, p];
}

/** Number of v2 records whose length prefixes exactly tile the region. */
function countRecords(region: Uint8Array): number {
  let p = 0;
  let n = 0;
  while (p < region.length) {
    const [len, next] = varint(region, p);
    expect(len).toBeGreaterThan(0);
    p = next + len;
    n++;
  }
  expect(p).toBe(region.length);
  return n;
}

/** Legacy inner message set: entries' 12 + size tile the region; inner CRCs checked too. */
function checkInnerMessageSet(set: Uint8Array): number {
  const b = Buffer.from(set.buffer, set.byteOffset, set.byteLength);
  let p = 0;
  let n = 0;
  while (p < b.length) {
    expect(b.length - p).toBeGreaterThanOrEqual(12);
    const size = b.readInt32BE(p + 8);
    const end = p + 12 + size;
    expect(end).toBeLessThanOrEqual(b.length);
    expect(crc32(b.subarray(p + 16, end))).toBe(b.readUInt32BE(p + 12));
    expect(b[p + 17]! & 7).toBe(0); // inner messages are uncompressed
    p = end;
    n++;
  }
  expect(p).toBe(b.length);
  return n;
}

const COMPRESSED_DIRS = [
  'java-gzip-0', 'java-snappy-0', 'java-lz4-0', 'java-zstd-0',
  'rd-gzip-0', 'rd-snappy-0', 'rd-lz4-0', 'rd-zstd-0',
  'v0-gzip-0', 'v0-snappy-0', 'v0-lz4-0',
  'v1-gzip-0', 'v1-snappy-0', 'v1-lz4-0',
  'idempotent-0', 'logappend-0', 'recompress-0', 'multi-0', 'multi-1', 'multi-2', 'multi-3',
];

describe.skipIf(!haveCorpus)('codec on the real corpus', () => {
  const present = haveCorpus ? COMPRESSED_DIRS.filter((d) => existsSync(path.join(LOGS, d))) : [];

  describe.each(present)('%s', (dir) => {
    it('decompresses every compressed batch/wrapper into well-formed records', () => {
      const list = compressed(dir);
      expect(list.length).toBeGreaterThan(0);
      let records = 0;
      for (const e of list) {
        expect(isCompressionTypeId(e.codec)).toBe(true);
        const out = decompress(e.codec as CompressionTypeId, e.payload!, { magic: e.magic });
        expect(out.length, `${e.file}@${e.pos}`).toBeGreaterThan(0);
        if (e.magic === 2) {
          expect(countRecords(out), `${e.file}@${e.pos}`).toBe(e.recordCount);
          records += e.recordCount;
        } else {
          records += checkInnerMessageSet(out);
        }
      }
      expect(records).toBeGreaterThan(0);
    });

    it('rejects every truncated payload with CodecError', () => {
      for (const e of compressed(dir).slice(0, 20)) {
        const p = e.payload!;
        for (const cut of [1, 4, Math.floor(p.length / 2), p.length - 10]) {
          if (cut <= 0 || cut >= p.length) continue;
          const t = p.subarray(0, p.length - cut);
          expect(() => decompress(e.codec as CompressionTypeId, t, { magic: e.magic }), `${e.file}@${e.pos} -${cut}`).toThrow(CodecError);
        }
      }
    });
  });

  it('crc32c of every v2 batch and crc32 of every legacy message equal the stored CRCs, in every segment', () => {
    const dirs = readdirSync(LOGS).filter((d) => statSync(path.join(LOGS, d)).isDirectory());
    let v2 = 0;
    let legacy = 0;
    for (const dir of dirs) {
      for (const e of allEntries(dir)) {
        if (e.magic === 2) {
          expect(crc32c(e.crcRegion), `${e.file}@${e.pos}`).toBe(e.storedCrc);
          v2++;
        } else {
          expect(crc32(e.crcRegion), `${e.file}@${e.pos}`).toBe(e.storedCrc);
          legacy++;
        }
      }
    }
    expect(v2).toBeGreaterThan(100);
    expect(legacy).toBeGreaterThan(100);
  });

  it('a flipped bit in a real batch changes its crc32c', () => {
    const e = allEntries('java-zstd-0')[0]!;
    const copy = Buffer.from(e.crcRegion);
    copy[copy.length >> 1]! ^= 0x10;
    expect(crc32c(copy)).not.toBe(e.storedCrc);
  });

  it('snappy framing: the Java producer writes xerial, librdkafka a single raw block', () => {
    for (const dir of ['java-snappy-0', 'v0-snappy-0', 'v1-snappy-0']) {
      for (const e of compressed(dir)) expect(isXerialSnappy(e.payload!), `${e.file}@${e.pos}`).toBe(true);
    }
    const rd = compressed('rd-snappy-0');
    expect(rd.length).toBeGreaterThan(0);
    for (const e of rd) expect(isXerialSnappy(e.payload!), `${e.file}@${e.pos}`).toBe(false);
  });

  it('lz4 magic 0 (KAFKA-3160): the stored HC is the old one computed over the magic too; accepted only for magic 0', () => {
    const v0 = compressed('v0-lz4-0');
    expect(v0.length).toBeGreaterThan(0);
    for (const e of v0) {
      const info = lz4HeaderChecksums(e.payload!)!;
      expect(info.stored).not.toBe(info.computed);
      expect(info.stored).toBe(info.kafka3160);
      expect(() => decompress(3, e.payload!, { magic: 1 })).toThrow(/Stream frame descriptor corrupted.*KAFKA-3160/);
      expect(() => decompress(3, e.payload!)).toThrow(CodecError);
    }
    // The caller's bytes are not modified by the patch.
    const e = v0[0]!;
    const before = Buffer.from(e.payload!);
    decompress(3, e.payload!, { magic: 0 });
    expect(Buffer.compare(before, e.payload!)).toBe(0);
    for (const dir of ['v1-lz4-0', 'java-lz4-0', 'rd-lz4-0']) {
      for (const e of compressed(dir)) {
        const info = lz4HeaderChecksums(e.payload!)!;
        expect(info.stored, `${e.file}@${e.pos}`).toBe(info.computed);
      }
    }
  });

  it('gzip: a flipped byte anywhere in the deflate body of a real payload is caught', () => {
    const e = compressed('java-gzip-0')[0]!;
    const p = e.payload!;
    for (const at of [20, p.length >> 1, p.length - 12]) {
      const c = Buffer.from(p);
      c[at]! ^= 0x01;
      let out: Uint8Array | undefined;
      try {
        out = decompress(1, c);
      } catch (err) {
        expect(err).toBeInstanceOf(CodecError);
        continue;
      }
      throw new Error(`flip at ${at} returned ${out.length} bytes without error`);
    }
  });

  it('flipped frame magic / header bytes of real lz4, zstd and xerial snappy payloads throw CodecError', () => {
    const cases: [string, number, number[]][] = [['java-lz4-0', 3, [0, 4, 5, 6]], ['java-zstd-0', 4, [0, 3, 4]], ['java-snappy-0', 2, [16, 17]]];
    for (const [dir, codec, offsets] of cases) {
      const e = compressed(dir)[0]!;
      for (const at of offsets) {
        const c = Buffer.from(e.payload!);
        c[at]! ^= 0x80;
        expect(() => decompress(codec as CompressionTypeId, c, { magic: e.magic }), `${dir} flip @${at}`).toThrow(CodecError);
      }
    }
  });

  it('zstd: real Java frames carry no content size; concatenated frames and trailing garbage', () => {
    const list = compressed('java-zstd-0');
    for (const e of list) expect(e.payload![4]! >> 6, 'FCS flag').toBe(0);
    const a = list[0]!.payload!;
    const b = list[1]!.payload!;
    const both = decompress(4, Buffer.concat([a, b]));
    expect(Buffer.compare(Buffer.from(both), Buffer.concat([decompress(4, a), decompress(4, b)]))).toBe(0);
    expect(() => decompress(4, Buffer.concat([a, Buffer.from([1, 2, 3, 4, 5])]))).toThrow(/bad frame magic/);
  });

  it('zstd: the window-shrinking speed-up applies to real frames and leaves the input untouched', () => {
    for (const dir of ['java-zstd-0', 'rd-zstd-0']) {
      const e = compressed(dir)[0]!;
      expect(inspectZstd(e.payload!)[0]!.shrink, dir).toBeDefined();
      const before = Buffer.from(e.payload!);
      decompress(4, e.payload!);
      expect(Buffer.compare(before, e.payload!)).toBe(0);
    }
  });
});

describe.skipIf(!haveCorpus)('zstd on the real corpus: native libzstd (when loadable) and fzstd agree', async () => {
  const { unzstdJs, zstdBackend } = await import('../src/codec/zstd.js');
  it(`every real zstd payload decodes identically with ${zstdBackend()} and with fzstd, and truncations are rejected`, () => {
    let n = 0;
    for (const dir of ['java-zstd-0', 'rd-zstd-0', 'idempotent-0', 'multi-0', 'multi-1', 'multi-2', 'multi-3']) {
      if (!existsSync(path.join(LOGS, dir))) continue;
      for (const e of compressed(dir).filter((x) => x.codec === 4)) {
        const out = decompress(4, e.payload!);
        expect(Buffer.compare(Buffer.from(out), Buffer.from(unzstdJs(e.payload!))), `${e.file}@${e.pos}`).toBe(0);
        expect(countRecords(out), `${e.file}@${e.pos}`).toBe(e.recordCount);
        for (const cut of [1, 4, e.payload!.length >> 1]) expect(() => decompress(4, e.payload!.subarray(0, e.payload!.length - cut))).toThrow(CodecError);
        n++;
      }
    }
    expect(n).toBeGreaterThan(150);
  });
});
