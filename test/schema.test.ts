import { describe, expect, it } from 'vitest';
import {
  base64,
  decodeControlRecord,
  decodeGroupCoordinatorRecord,
  decodeMetadataRecord,
  javaDouble,
  jsonString,
  readMessage,
  uuidToString,
  writeJson,
  METADATA_RECORDS,
  GROUP_RECORDS,
} from '../src/format/schema/index.js';

/** Tiny big-endian writer for building Kafka message bytes in tests. */
export class W {
  private b: number[] = [];
  i8(v: number): this { this.b.push(v & 0xff); return this; }
  i16(v: number): this { return this.i8(v >> 8).i8(v); }
  i32(v: number): this { return this.i16(v >> 16).i16(v); }
  i64(v: number): this { return this.i32(Math.floor(v / 2 ** 32)).i32(v >>> 0); }
  uv(v: number): this { while (v >= 0x80) { this.i8((v & 0x7f) | 0x80); v >>>= 7; } return this.i8(v); }
  raw(bytes: ArrayLike<number>): this { for (let i = 0; i < bytes.length; i++) this.b.push(bytes[i]!); return this; }
  str(s: string): this { const u = Buffer.from(s, 'utf8'); return this.i16(u.length).raw(u); }
  cstr(s: string | null): this { if (s === null) return this.uv(0); const u = Buffer.from(s, 'utf8'); return this.uv(u.length + 1).raw(u); }
  get bytes(): Uint8Array { return Uint8Array.from(this.b); }
}

describe('JSON text rules (Jackson + Kafka JsonConverter)', () => {
  it('writes doubles like Java Double.toString', () => {
    expect([1, 1e7, 0.1 + 0.2, -0, 0, 123.5, 1e-3, 1e-4, 12345678.9, NaN, Infinity].map(javaDouble)).toEqual([
      '1.0', '1.0E7', '0.30000000000000004', '-0.0', '0.0', '123.5', '0.001', '1.0E-4', '1.23456789E7', 'NaN', 'Infinity',
    ]);
  });
  it('escapes strings like Jackson', () => {
    expect(jsonString('a"b\\c\b\t\n\f\r\u0001\u001f/\u007fé\u2028')).toBe('"a\\"b\\\\c\\b\\t\\n\\f\\r\\u0001\\u001F/\u007fé\u2028"');
  });
  it('encodes bytes as padded base64 and uuids as unpadded base64url', () => {
    expect(base64(Uint8Array.of(0xfb, 0xff, 1, 2))).toBe('+/8BAg==');
    expect(uuidToString(new Uint8Array(16))).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    expect(uuidToString(Uint8Array.of(0xfb, 0xff, ...new Array(14).fill(0xff)))).toBe('-____________________w');
  });
});

describe('generic reader', () => {
  const topic = METADATA_RECORDS.find((s) => s.name === 'TopicRecord')!;
  it('reads a flexible message and keeps field spans', () => {
    const bytes = new W().cstr('test-topic').raw(new Uint8Array(16)).uv(0).bytes;
    const spans = new Map();
    const { data, next } = readMessage(topic, bytes, 0, { spans });
    expect(data).toEqual({ name: 'test-topic', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    expect(next).toBe(bytes.length);
    expect(spans.get('name')).toEqual([0, 11]);
    expect(writeJson(topic, data, 0)).toBe('{"name":"test-topic","topicId":"AAAAAAAAAAAAAAAAAAAAAA"}');
  });
  it('reports Kafka messages for malformed input', () => {
    expect(() => readMessage(topic, new W().uv(0).bytes, 0)).toThrow('non-nullable field name was serialized as null');
    expect(() => readMessage(topic, new W().uv(5).raw([1]).bytes, 0)).toThrow('Error reading byte array of 4 byte(s): only 1 byte(s) available');
    expect(() => readMessage(topic, new W().cstr('x').bytes, 0)).toThrowError(expect.objectContaining({ javaClass: 'java.nio.BufferUnderflowException', javaMessage: null }));
    expect(() => readMessage(topic, new W().bytes, 1)).toThrow("Can't read version 1 of TopicRecord");
  });
  it('omits tagged fields at their default and writes them otherwise', () => {
    const pc = METADATA_RECORDS.find((s) => s.name === 'PartitionChangeRecord')!;
    const plain = new W().i32(0).raw(new Uint8Array(16)).uv(0).bytes;
    expect(writeJson(pc, readMessage(pc, plain, 0).data, 0)).toBe('{"partitionId":0,"topicId":"AAAAAAAAAAAAAAAAAAAAAA"}');
    const withIsr = new W().i32(0).raw(new Uint8Array(16)).uv(1).uv(0).uv(5).uv(2).i32(7).bytes;
    expect(writeJson(pc, readMessage(pc, withIsr, 0).data, 0)).toBe('{"partitionId":0,"topicId":"AAAAAAAAAAAAAAAAAAAAAA","isr":[7]}');
  });
  it('every schema reads its own defaults-only encoding', () => {
    expect(METADATA_RECORDS.length).toBeGreaterThan(20);
    expect(GROUP_RECORDS.map((p) => p.type)).toContain(16);
  });
});

describe('record framings', () => {
  it('decodes coordinator records (type/version prefixes)', () => {
    const key = new W().i16(3).str('group').bytes;
    const value = new W().i16(0).i32(10).uv(0).bytes;
    expect(decodeGroupCoordinatorRecord(key, value)).toEqual({
      type: 3,
      typeName: 'ConsumerGroupMetadata',
      version: 0,
      data: { key: { groupId: 'group' }, value: { epoch: 10, metadataHash: 0 } },
    });
    expect(decodeGroupCoordinatorRecord(key, null).version).toBeNull();
  });
  it('decodes metadata frames and reports Kafka errors', () => {
    const v = new W().uv(1).uv(12).uv(0).cstr('metadata.version').i16(25).uv(0).bytes;
    expect(decodeMetadataRecord(v)).toEqual({ type: 12, typeName: 'FEATURE_LEVEL_RECORD', version: 0, data: { name: 'metadata.version', featureLevel: 25 } });
    expect(() => decodeMetadataRecord(null)).toThrow('Error while reading frame version');
    expect(() => decodeMetadataRecord(new W().uv(99).bytes)).toThrow('unknown frame version 99(only frame version 1 is supported)');
    expect(() => decodeMetadataRecord(new W().uv(1).uv(99).uv(0).bytes)).toThrow('UnsupportedVersionException: Unknown metadata id 99');
    expect(() => decodeMetadataRecord(new W().uv(1).uv(20).uv(0).uv(0).i8(1).bytes)).toThrow('Found 1 byte(s) of garbage after 20');
  });
  it('decodes control records', () => {
    const key = new W().i16(0).i16(3).bytes;
    const value = new W().i16(0).i64(10000).uv(0).bytes;
    expect(decodeControlRecord(key, value)).toEqual({ type: 3, typeName: 'SNAPSHOT_HEADER', version: 0, data: { version: 0, lastContainedLogTimestamp: 10000 } });
    expect(decodeControlRecord(new W().i16(0).i16(1).bytes, new W().i16(0).i32(42).bytes).data).toEqual({ coordinatorEpoch: 42 });
  });
});
