import { isNonDefault } from './json.js';
import type { FieldValue, MessageData } from './reader.js';
import { defaultValue } from './reader.js';
import { type FieldSchema, type MessageSchema, type Versions, inRange, intersect, presentIn } from './types.js';

/**
 * The inverse of `readMessage`: writes `data` as Kafka's generated `Data.write(Writable, cache,
 * version)` would. Fields absent at `version` are skipped; tagged fields are written (sorted by tag)
 * only when they differ from their default, as Kafka does. Used by tests to build records and to
 * check that decoding real bytes loses nothing (decode → encode gives the same bytes).
 */

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const UTF8 = new TextEncoder();

/** A growable big-endian byte buffer. */
export class ByteWriter {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  int8(v: number): this {
    this.ensure(1);
    this.view.setInt8(this.length, v);
    this.length += 1;
    return this;
  }
  int16(v: number): this {
    this.ensure(2);
    this.view.setInt16(this.length, v);
    this.length += 2;
    return this;
  }
  uint16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.length, v);
    this.length += 2;
    return this;
  }
  int32(v: number): this {
    this.ensure(4);
    this.view.setInt32(this.length, v);
    this.length += 4;
    return this;
  }
  uint32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
    return this;
  }
  int64(v: number | bigint): this {
    this.ensure(8);
    this.view.setBigInt64(this.length, BigInt(v));
    this.length += 8;
    return this;
  }
  float64(v: number): this {
    this.ensure(8);
    this.view.setFloat64(this.length, v);
    this.length += 8;
    return this;
  }
  /** `ByteUtils.writeUnsignedVarint` (the int's 32 bits, unsigned). */
  uvarint(v: number): this {
    let u = v >>> 0;
    while (u >= 0x80) {
      this.int8((u & 0x7f) | 0x80);
      u >>>= 7;
    }
    return this.int8(u);
  }
  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  get bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Kafka's `Uuid.fromString`: 22 base64url characters → 16 bytes. */
export function uuidFromString(s: string): Uint8Array {
  if (s.length !== 22) throw new Error(`not a Kafka uuid: ${s}`);
  const out = new Uint8Array(16);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const ch of s) {
    const v = B64URL.indexOf(ch);
    if (v < 0) throw new Error(`not a Kafka uuid: ${s}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o < 16) out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

interface Ctx {
  readonly version: number;
  readonly flexible: boolean;
}

function writeLength(w: ByteWriter, ctx: Ctx, n: number, nonFlexible: 'int16' | 'int32'): void {
  if (ctx.flexible) w.uvarint(n + 1);
  else if (nonFlexible === 'int16') w.int16(n);
  else w.int32(n);
}

function writeScalar(w: ByteWriter, f: FieldSchema, v: FieldValue, ctx: Ctx, possible: Versions, nullable: boolean, tagged = false): void {
  switch (f.type) {
    case 'bool':
      w.int8(v ? 1 : 0);
      return;
    case 'int8':
      w.int8(v as number);
      return;
    case 'int16':
      w.int16(v as number);
      return;
    case 'uint16':
      w.uint16(v as number);
      return;
    case 'int32':
      w.int32(v as number);
      return;
    case 'uint32':
      w.uint32(v as number);
      return;
    case 'int64':
      w.int64(v as number | bigint);
      return;
    case 'float64':
      w.float64(v as number);
      return;
    case 'uuid':
      w.raw(uuidFromString(v as string));
      return;
    case 'string': {
      if (v === null) {
        writeLength(w, ctx, -1, 'int16');
        return;
      }
      const b = UTF8.encode(v as string);
      writeLength(w, ctx, b.length, 'int16');
      w.raw(b);
      return;
    }
    case 'bytes':
    case 'records': {
      if (v === null) {
        writeLength(w, ctx, -1, 'int32');
        return;
      }
      const b = v as Uint8Array;
      writeLength(w, ctx, b.length, 'int32');
      w.raw(b);
      return;
    }
    case 'struct': {
      if (nullable) {
        // presence marker: int8 -1/1, or in a tagged field an unsigned varint 0/1 (see reader.ts)
        if (tagged) w.uvarint(v === null ? 0 : 1);
        else w.int8(v === null ? -1 : 1);
        if (v === null) return;
      }
      writeStruct(w, f.fields!, v as MessageData, ctx, intersect(possible, f.structVersions!));
      return;
    }
  }
}

function writeField(w: ByteWriter, f: FieldSchema, v: FieldValue, ctx: Ctx, possible: Versions, tagged = false): void {
  const nullable = inRange(f.nullable, ctx.version);
  if (!f.array) {
    writeScalar(w, f, v, ctx, possible, nullable, tagged);
    return;
  }
  if (v === null) {
    writeLength(w, ctx, -1, 'int32');
    return;
  }
  const items = v as FieldValue[];
  writeLength(w, ctx, items.length, 'int32');
  for (const item of items) writeScalar(w, f, item, ctx, possible, false);
}

function writeStruct(w: ByteWriter, fields: readonly FieldSchema[], data: MessageData, ctx: Ctx, possible: Versions): void {
  const tagged: { tag: number; bytes: Uint8Array }[] = [];
  for (const f of fields) {
    if (!presentIn(f.versions, ctx.version, possible)) continue;
    const v = f.key in data ? data[f.key]! : defaultValue(f);
    const present = intersect(possible, f.versions);
    if (ctx.flexible && presentIn(f.tagged, ctx.version, present)) {
      if (isNonDefault(f, v)) {
        const sub = new ByteWriter();
        writeField(sub, f, v, ctx, present, true);
        tagged.push({ tag: f.tag, bytes: sub.bytes });
      }
      continue;
    }
    writeField(w, f, v, ctx, present);
  }
  if (!ctx.flexible) return;
  tagged.sort((a, b) => a.tag - b.tag);
  w.uvarint(tagged.length);
  for (const t of tagged) w.uvarint(t.tag).uvarint(t.bytes.length).raw(t.bytes);
}

/** Appends `schema` at `version` to `w` (no version prefix). */
export function writeTo(w: ByteWriter, schema: MessageSchema, data: MessageData, version: number): void {
  writeStruct(w, schema.fields, data, { version, flexible: inRange(schema.flexible, version) }, schema.valid);
}

/** Encodes `data` as `schema` at `version`: the message bytes alone, no framing. */
export function writeMessage(schema: MessageSchema, data: MessageData, version: number): Uint8Array {
  const w = new ByteWriter();
  writeTo(w, schema, data, version);
  return w.bytes;
}

/** `CoordinatorRecordSerde.serializeKey/serializeValue` framing: int16 type or version + message. */
export function writeCoordinatorKey(type: number, schema: MessageSchema, data: MessageData): Uint8Array {
  const w = new ByteWriter().int16(type);
  writeTo(w, schema, data, 0);
  return w.bytes;
}

export function writeCoordinatorValue(version: number, schema: MessageSchema, data: MessageData): Uint8Array {
  const w = new ByteWriter().int16(version);
  writeTo(w, schema, data, version);
  return w.bytes;
}

/** `AbstractApiMessageSerde.write` framing: uvarint frame version 1, apiKey, version + message. */
export function writeApiMessageFrame(schema: MessageSchema, data: MessageData, version: number): Uint8Array {
  const w = new ByteWriter().uvarint(1).uvarint(schema.apiKey).uvarint(version);
  writeTo(w, schema, data, version);
  return w.bytes;
}
