import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { decompress, type CompressionTypeId } from '../src/codec/index.js';
import { fixLegacyCrc, fixV2Crc, lz4StoredFrame, varint, zstdRawFrame } from './fuzz/encode.js';
import { type Entry, entriesOf, legacyLayout, recordsOf, splice } from './fuzz/mutators.js';
import { FIXTURES, dumpInProcess } from './helpers.js';
import { useRealDumpDriver } from './real-kafka.js';

/**
 * One small damaged file per difference the differential fuzzer (npm run fuzz) found between
 * kafka-dump-log and Kafka 4.3.2's DumpLogSegments, each built from a bundled real file. Each case
 * asserts the line Kafka's tool printed for it (so it checks without Java too) and, where Java and
 * Kafka's jars are at hand, compares the whole run with the real tool byte for byte.
 */

const dir = mkdtempSync(join(tmpdir(), 'kseg-dump-regressions-'));
const realDriver = useRealDumpDriver(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixture = (rel: string) => readFileSync(join(FIXTURES, rel));

/** Writes `bytes` as `rel` (a fixture's path) under the temp dir, with the fixture's siblings it names. */
function place(rel: string, bytes: Buffer, siblings: string[] = []): string {
  const name = `${rel.replace(/\//g, '_')}`;
  const target = `${name}.d/${basename(dirname(rel))}/${basename(rel)}`;
  mkdirSync(join(dir, dirname(target)), { recursive: true });
  for (const s of siblings) copyFileSync(join(FIXTURES, dirname(rel), s), join(dir, dirname(target), s));
  writeFileSync(join(dir, target), bytes);
  return target;
}

/** kseg on the file, checked against the line the real tool printed, and against the real tool itself when it can run. */
async function check(target: string, flags: string[], expected: { stderr?: string; stdout?: string; code?: number }) {
  const args = [...flags, '--files', target];
  const ours = dumpInProcess(args, dir);
  const out = ours.stdout.toString('utf8');
  const err = ours.stderr.toString('utf8');
  if (expected.stderr !== undefined) expect(err).toBe(expected.stderr === '' ? '' : `${expected.stderr}\n`);
  if (expected.stdout !== undefined) expect(out).toContain(expected.stdout);
  if (expected.code !== undefined) expect(ours.code).toBe(expected.code);
  const driver = realDriver();
  if (driver) {
    const real = await driver.run(args);
    expect({ code: ours.code, stderr: err }).toEqual({ code: real.code, stderr: real.stderr.toString('utf8') });
    expect(out).toBe(real.stdout.toString('utf8'));
  }
}

const EXC = 'Exception in thread "main" ';

// --- v2 batches -------------------------------------------------------------------------------

/** The batch `i` of a segment with its records stream replaced (re-compressed with `compress`), length and CRC fixed. */
function withRecords(log: Buffer, i: number, edit: (stream: Buffer, spans: NonNullable<ReturnType<typeof recordsOf>>['spans']) => Buffer, compress?: (b: Buffer) => Buffer): Buffer {
  const e = entriesOf(log)[i]!;
  const r = recordsOf(log, e)!;
  const stream = edit(r.stream, r.spans);
  const payload = r.header.compression === 0 ? stream : compress!(stream);
  return withPayload(log, e, payload);
}

function withPayload(log: Buffer, e: Entry, payload: Buffer): Buffer {
  const batch = Buffer.concat([log.subarray(e.pos, e.pos + 61), payload]);
  batch.writeInt32BE(batch.length - 12, 8);
  fixV2Crc(batch, 0);
  return splice(log, e.pos, e.total, batch);
}

function setInt32(log: Buffer, i: number, at: number, v: number): Buffer {
  const b = Buffer.from(log);
  const e = entriesOf(b)[i]!;
  b.writeInt32BE(v, e.pos + at);
  fixV2Crc(b, e.pos);
  return b;
}

/** The first record's size varint replaced by `size`'s. */
const recordSize = (size: number) => (stream: Buffer, spans: NonNullable<ReturnType<typeof recordsOf>>['spans']) => {
  const s = spans[0]!;
  return splice(stream, s.length[0], s.length[1] - s.length[0], varint(size));
};

const PLAIN = 'kafka-logs/plain-0/00000000000000000189.log';
const ZSTD = 'kafka-logs/rd-zstd-0/00000000000000000854.log';
const SNAPPY = 'kafka-logs/java-snappy-0/00000000000000000000.log';
const TXN = 'kafka-logs/txn-0/00000000000000000025.log';
const V1_GZIP = 'kafka-logs/v1-gzip-0/00000000000000000000.log';
const V0_LZ4 = 'kafka-logs/v0-lz4-0/00000000000000000000.log';

/** The first zstd batch of the rd-zstd segment (its earlier batches are uncompressed). */
const firstZstd = (log: Buffer) => entriesOf(log).findIndex((e) => (log[e.pos + 22]! & 7) === 4);

describe('v2 record batches, as Kafka 4.3 iterates them', () => {
  it('a record count past the records: "premature EOF", not BufferUnderflowException', async () => {
    const log = fixture(PLAIN);
    const count = log.readInt32BE(57);
    await check(place(PLAIN, setInt32(log, 0, 57, count + 1)), ['--deep-iteration'], {
      stderr: `${EXC}org.apache.kafka.common.InvalidRecordException: Incorrect declared batch size, premature EOF reached`,
    });
  });

  it("a header count past the batch's bytes: Kafka 4.3's message", async () => {
    const log = withRecords(fixture(PLAIN), 0, (stream, spans) => splice(stream, spans[0]!.headerCount[0], spans[0]!.headerCount[1] - spans[0]!.headerCount[0], varint(10000)));
    await check(place(PLAIN, log), ['--deep-iteration'], {
      stderr: `${EXC}org.apache.kafka.common.InvalidRecordException: Found invalid number of record headers. 10000 is larger than the remaining size of the buffer`,
    });
  });

  it('a batch shorter than its header: count() fails in deep iteration (IndexOutOfBoundsException)', async () => {
    await check(place(PLAIN, setInt32(fixture(PLAIN), 0, 8, 14)), ['--deep-iteration'], { stderr: `${EXC}java.lang.IndexOutOfBoundsException` });
  });

  it('sequence numbers wrap in Java int arithmetic (a negative lastOffsetDelta)', async () => {
    const log = fixture(TXN);
    const i = entriesOf(log).findIndex((e) => log.readInt32BE(e.pos + 53) >= 0 && (log[e.pos + 22]! & 0x20) === 0);
    let b = setInt32(log, i, 53, 1216166235);
    b = setInt32(b, i, 23, -1717773541);
    await check(place(TXN, b), [], { stdout: 'baseSequence: 1216166235 lastSequence: 1645876342 ', code: 0 });
  });
});

describe('compressed v2 batches: records read off the stream one by one', () => {
  const zstd = (stream: Buffer) => zstdRawFrame(stream, { checksum: false, contentSize: false });
  const cases: Array<[string, number, string]> = [
    ['negative', -5, 'org.apache.kafka.common.InvalidRecordException: Invalid record size: -5 is negative.'],
    ['past the stream', 100000, 'org.apache.kafka.common.InvalidRecordException: Invalid record size: expected 100000 bytes in record payload, but the record payload reached EOF.'],
    ['over the maximum', 2147483647, 'org.apache.kafka.common.InvalidRecordException: Invalid record size: 2147483647 exceeds the configured maximum record size of 2147483639.'],
    ['past the 256 MB heap of kafka-dump-log.sh', 300_000_000, 'java.lang.OutOfMemoryError: Java heap space'],
  ];
  for (const [name, size, line] of cases) {
    it(`a record size ${name}`, async () => {
      const log = fixture(ZSTD);
      await check(place(ZSTD, withRecords(log, firstZstd(log), recordSize(size), zstd)), ['--deep-iteration'], { stderr: `${EXC}${line}` });
    });
  }

  it('a record count that sizes Kafka\'s record list past the heap: OutOfMemoryError before any record', async () => {
    const log = fixture(ZSTD);
    await check(place(ZSTD, setInt32(log, firstZstd(log), 57, 100_000_000)), ['--deep-iteration'], { stderr: `${EXC}java.lang.OutOfMemoryError: Java heap space` });
  });

  it('the stream is opened before the record count is checked', async () => {
    const log = fixture(SNAPPY);
    const e = entriesOf(log)[0]!;
    const b = Buffer.from(log);
    b[e.pos + 61 + 1] ^= 0xff; // the xerial magic: snappy-java reads the payload as one raw block
    b.writeInt32BE(-1, e.pos + 57);
    fixV2Crc(b, e.pos);
    // (its first bytes as a length: snappy-java's check of it fails when the stream opens)
    await check(place(SNAPPY, b), ['--deep-iteration'], {
      stderr: `${EXC}org.apache.kafka.common.KafkaException: org.xerial.snappy.SnappyIOException: [PARSING_ERROR] invalid uncompressed length 1,283,586 declared in 6,197 bytes of compressed data`,
    });
  });

  it('bytes after the last zstd frame fail the read after the last record: "Error checking for remaining bytes"', async () => {
    const log = fixture(ZSTD);
    const i = firstZstd(log);
    await check(place(ZSTD, withRecords(log, i, (s) => s, (s) => Buffer.concat([zstd(s), Buffer.from('junk')]))), ['--deep-iteration'], {
      stderr: `${EXC}org.apache.kafka.common.KafkaException: Error checking for remaining bytes after reading batch`,
    });
  });

  it('a wrong zstd content checksum fails the batch (zstd-jni checks it; so do both of kseg\'s backends)', async () => {
    const log = fixture(ZSTD);
    const i = firstZstd(log);
    const bad = (s: Buffer) => {
      const f = zstdRawFrame(s, { checksum: true, contentSize: false });
      f[f.length - 1] ^= 0x01;
      return f;
    };
    await check(place(ZSTD, withRecords(log, i, (s) => s, bad)), ['--deep-iteration'], { stderr: `${EXC}org.apache.kafka.common.KafkaException: Failed to decompress record stream` });
  });
});

// --- legacy message sets ------------------------------------------------------------------------

/** The legacy entry `i` with its value replaced (size, value length and CRC fixed). */
function withValue(log: Buffer, i: number, value: Buffer): Buffer {
  const e = entriesOf(log)[i]!;
  const msg = log.subarray(e.pos, e.pos + e.total);
  const l = legacyLayout(msg, 0);
  const len = Buffer.alloc(4);
  len.writeInt32BE(value.length);
  const next = Buffer.concat([msg.subarray(0, l.valueLenAt), len, value]);
  next.writeInt32BE(next.length - 12, 8);
  fixLegacyCrc(next, 0);
  return splice(log, e.pos, e.total, next);
}

function valueOf(log: Buffer, i: number): Buffer {
  const e = entriesOf(log)[i]!;
  const l = legacyLayout(log, e.pos);
  return log.subarray(e.pos + l.valueLenAt + 4, e.pos + l.valueLenAt + 4 + l.valueLen);
}

/** The decompressed inner message set of wrapper `i`. */
function innerOf(log: Buffer, i: number): Buffer {
  const e = entriesOf(log)[i]!;
  return Buffer.from(decompress((log[e.pos + 17]! & 7) as CompressionTypeId, valueOf(log, i), { magic: log[e.pos + 16]! }));
}

describe('legacy message sets, as Kafka 4.3 iterates them', () => {
  it('a corrupt gzip trailer in a wrapper: KafkaException(ZipException) with GZIPInputStream\'s message', async () => {
    const log = fixture(V1_GZIP);
    const v = Buffer.from(valueOf(log, 0));
    v[v.length - 6] ^= 0xff; // inside the CRC-32
    await check(place(V1_GZIP, withValue(log, 0, v)), ['--deep-iteration'], {
      stderr: `${EXC}org.apache.kafka.common.KafkaException: java.util.zip.ZipException: Corrupt GZIP trailer`,
    });
  });

  it('a wrapper value that is not gzip at all: "Not in GZIP format" when the stream is opened', async () => {
    const log = fixture(V1_GZIP);
    const v = Buffer.from(valueOf(log, 0));
    v[0] = 0;
    await check(place(V1_GZIP, withValue(log, 0, v)), ['--deep-iteration'], {
      stderr: `${EXC}org.apache.kafka.common.KafkaException: java.util.zip.ZipException: Not in GZIP format`,
    });
  });

  it('gzip data cut short: EOFException "Unexpected end of ZLIB input stream"', async () => {
    const log = fixture(V1_GZIP);
    const v = valueOf(log, 0);
    await check(place(V1_GZIP, withValue(log, 0, v.subarray(0, v.length >> 1))), ['--deep-iteration'], {
      stderr: `${EXC}org.apache.kafka.common.KafkaException: java.io.EOFException: Unexpected end of ZLIB input stream`,
    });
  });

  it('an inner message cut short ends the inner messages quietly (DataLogInputStream)', async () => {
    const log = fixture(V1_GZIP);
    const inner = innerOf(log, 0);
    const msgs = entriesOf(inner);
    const last = msgs[msgs.length - 1]!;
    const cut = inner.subarray(0, last.pos + (last.total >> 1));
    const b = withValue(log, 0, gzipSync(cut));
    // the wrapper keeps its last offset: Kafka's offset rule then shifts the inner offsets by one
    await check(place(V1_GZIP, b), ['--deep-iteration'], { code: 0 });
  });

  it('an inner message whose value length runs past it: printed up to its contents, then "newLimit > capacity"', async () => {
    const log = fixture(V1_GZIP);
    const inner = Buffer.from(innerOf(log, 0));
    const m = entriesOf(inner)[0]!;
    const l = legacyLayout(inner, m.pos);
    inner.writeInt32BE(1000000, m.pos + l.valueLenAt);
    fixLegacyCrc(inner, m.pos);
    const b = withValue(log, 0, gzipSync(inner));
    const placed = place(V1_GZIP, b);
    await check(placed, ['--deep-iteration'], { code: 0 });
    await check(placed, ['--print-data-log'], { stderr: `${EXC}java.lang.IllegalArgumentException: newLimit > capacity: (1000000 > ${m.total - l.valueLenAt - 4})` });
    // The coordinator parsers catch it as a record they cannot decode.
    await check(placed, ['--transaction-log-decoder'], { code: 1 });
  });

  it('an inner message with an unknown codec id: Kafka\'s IllegalArgumentException, not "must not be compressed"', async () => {
    const log = fixture(V1_GZIP);
    const inner = Buffer.from(innerOf(log, 0));
    const m = entriesOf(inner)[2]!;
    inner[m.pos + 17] = (inner[m.pos + 17]! & ~7) | 5;
    fixLegacyCrc(inner, m.pos);
    await check(place(V1_GZIP, withValue(log, 0, gzipSync(inner))), ['--deep-iteration'], { stderr: `${EXC}java.lang.IllegalArgumentException: Unknown compression type id: 5` });
  });

  it('a legacy entry with magic -1: the batch line starts ("offset: N"), then LegacyRecord\'s IllegalArgumentException', async () => {
    const log = Buffer.from(fixture(V0_LZ4));
    const e = entriesOf(log)[1]!;
    log[e.pos + 16] = 0xff;
    await check(place(V0_LZ4, log), [], { stderr: `${EXC}java.lang.IllegalArgumentException: Invalid magic used in LegacyRecord: -1` });
  });

  it('an LZ4 block that does not decode: lz4-java\'s message with the position, counted in the entry', async () => {
    const log = fixture(V0_LZ4);
    const v = Buffer.from(valueOf(log, 0));
    v[7 + 4 + 3] ^= 0xff; // early in the first block's data
    await check(place(V0_LZ4, withValue(log, 0, v)), ['--deep-iteration'], { code: 1 });
  });

  it('an LZ4 frame with dependent blocks: Kafka\'s RuntimeException, wrapped when the stream opens', async () => {
    const log = fixture(V0_LZ4);
    const v = Buffer.from(valueOf(log, 0));
    v[4] &= ~0x20;
    await check(place(V0_LZ4, withValue(log, 0, v)), ['--deep-iteration'], {
      stderr: `${EXC}org.apache.kafka.common.KafkaException: java.lang.RuntimeException: Dependent block stream is unsupported`,
    });
  });

  it('an LZ4 content checksum is skipped, never verified (as Kafka does)', async () => {
    const log = fixture(V0_LZ4);
    const plain = decompress(3, valueOf(log, 0), { magic: 0 });
    const frame = lz4StoredFrame(plain, { contentChecksum: true, blockSize: 65536 });
    frame[frame.length - 1] ^= 0xff;
    await check(place(V0_LZ4, withValue(log, 0, frame)), ['--deep-iteration'], { code: 0, stderr: '' });
  });
});

// --- control records, internal-topic decoders -------------------------------------------------------------

describe('control records and internal-topic decoders', () => {
  it('an end-transaction marker with a null value: the JVM\'s helpful NullPointerException text', async () => {
    const log = fixture(TXN);
    const i = entriesOf(log).findIndex((e) => (log[e.pos + 22]! & 0x20) !== 0);
    const b = withRecords(log, i, (stream, spans) => {
      const s = spans[0]!;
      const body = Buffer.concat([stream.subarray(s.length[1], s.valueLength[0]), varint(-1), stream.subarray(s.value[1])]);
      return Buffer.concat([varint(body.length), body]);
    });
    await check(place(TXN, b), ['--deep-iteration'], {
      stderr: `${EXC}java.lang.NullPointerException: Cannot invoke "java.nio.ByteBuffer.getShort()" because "value" is null`,
    });
  });

  it('a KRaft snapshot header whose tagged-field count runs past its bytes: the generated reader\'s check', async () => {
    const rel = 'kraft/gritlab/bootstrap.checkpoint';
    const log = fixture(rel);
    const b = withRecords(log, 0, (stream, spans) => {
      const s = spans[0]!;
      // SnapshotHeaderRecord v0: int16 version, int64 timestamp, then the tagged-field count
      const value = Buffer.from(stream.subarray(s.value[0], s.value[1]));
      value[10] = 0x7f;
      return Buffer.concat([stream.subarray(0, s.value[0]), value, stream.subarray(s.value[1])]);
    });
    await check(place(rel, b), ['--deep-iteration'], { stderr: `${EXC}java.lang.RuntimeException: Tried to read 127 tagged fields, but there are only 0 bytes remaining.` });
  });

  it('--offsets-decoder: a key is read at its record type as version, as the failure says', async () => {
    const b = withRecords(fixture(PLAIN), 0, (stream, spans) => {
      const s = spans[0]!;
      const key = Buffer.from([0x00, 0x01, 0xff, 0xff]); // OffsetCommitKey, group: a null string
      const body = Buffer.concat([stream.subarray(s.length[1], s.keyLength[0]), varint(key.length), key, stream.subarray(s.key[1], spans[1]!.length[0])]);
      return Buffer.concat([varint(body.length), body, stream.subarray(spans[1]!.length[0])]);
    });
    await check(place(PLAIN, b), ['--offsets-decoder'], {
      stdout: `key: Error at offset 189, skipping. Could not read record with version 1 from key's buffer due to: non-nullable field group was serialized as null.`,
    });
  });

  it('--offsets-decoder: malformed UTF-8 in a string field is replaced as Java replaces it', async () => {
    const b = withRecords(fixture(PLAIN), 0, (stream, spans) => {
      const s = spans[0]!;
      // OffsetCommitKey: group "a<ED A0 80>b" (a surrogate's encoding), topic "t", partition 0; a tombstone
      const key = Buffer.from([0x00, 0x01, 0x00, 0x05, 0x61, 0xed, 0xa0, 0x80, 0x62, 0x00, 0x01, 0x74, 0, 0, 0, 0]);
      const body = Buffer.concat([stream.subarray(s.length[1], s.keyLength[0]), varint(key.length), key, varint(-1), stream.subarray(s.value[1], spans[1]!.length[0])]);
      return Buffer.concat([varint(body.length), body, stream.subarray(spans[1]!.length[0])]);
    });
    await check(place(PLAIN, b), ['--offsets-decoder'], { stdout: 'key: {"type":"1","data":{"group":"a\ufffdb","topic":"t","partition":0}} payload: <DELETE>' });
  });

  it('--cluster-metadata-decoder: a record version past the schema\'s is read as Kafka 4.3 reads it (no version check)', async () => {
    const rel = 'kraft/gritlab/__cluster_metadata-0/00000000000000000000.log';
    const log = fixture(rel);
    // the first NoOpRecord (frame 1, api key 20, version 0, no tagged fields): version 83
    const i = entriesOf(log).findIndex((e) => recordsOf(log, e)?.spans.some((s) => log.readUInt16BE(e.pos + 61 + s.value[0]) === 0x0114));
    const b = withRecords(log, i, (stream, spans) => {
      const s = spans.find((x) => stream.readUInt16BE(x.value[0]) === 0x0114)!;
      const copy = Buffer.from(stream);
      copy[s.value[0] + 2] = 83;
      return copy;
    });
    await check(place(rel, b), ['--cluster-metadata-decoder'], { stdout: 'payload: {"type":"NO_OP_RECORD","version":83,"data":{}}' });
  });

  it('--remote-log-metadata-decoder on a tombstone: the 4.3 class name in the NPE text', async () => {
    const rel = 'kafka-logs/compacted-0/00000000000000002300.log';
    await check(place(rel, fixture(rel)), ['--remote-log-metadata-decoder'], {
      stdout: 'Cannot invoke "java.nio.ByteBuffer.remaining()" because the return value of "org.apache.kafka.common.record.internal.Record.value()" is null',
    });
  });
});

// --- index files -------------------------------------------------------------------------------

describe('index files', () => {
  it('.txnindex: AbortedTxn.version() is one byte, and every entry is checked before any is printed', async () => {
    const rel = 'kafka-logs/txn-0/00000000000000000155.txnindex';
    const one = Buffer.from(fixture(rel));
    one.writeInt16BE(1, 0);
    await check(place(rel, one), [], { stdout: 'version: 0 producerId:', code: 0 });
    const bad = Buffer.from(fixture(rel));
    bad.writeInt16BE(0x7f00, 34);
    await check(place(rel, bad), [], { code: 1 });
  });

  it('--index-sanity-check: the offset index message has no parentheses around the path', async () => {
    const rel = 'kafka-logs/plain-0/00000000000000000189.index';
    const idx = Buffer.from(fixture(rel));
    idx.writeInt32BE(-1000, idx.length - 8);
    const target = place(rel, idx, ['00000000000000000189.log']);
    const ours = dumpInProcess(['--index-sanity-check', '--files', target], dir).stderr.toString();
    expect(ours).toMatch(/CorruptIndexException: Corrupt index found, index file \/\S+\.index has non-zero size but the last offset is -811 which is less than the base offset 189/);
    await check(target, ['--index-sanity-check'], { code: 1 });
  });
});
