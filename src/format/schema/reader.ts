import { SchemaError, RUNTIME, ILLEGAL_ARGUMENT, UNSUPPORTED_VERSION, underflow } from './errors.js';
import { type FieldSchema, type Int64, type MessageSchema, type Versions, inRange, intersect, presentIn } from './types.js';
import { utf8 } from '../utf8.js';
import { uuidToString } from './values.js';

/** A decoded message: field key → value, in schema order (fields absent at the version hold defaults). */
export type MessageData = { [key: string]: FieldValue };
export type FieldValue = boolean | number | bigint | string | Uint8Array | null | MessageData | FieldValue[];

/** Byte span `[start, end)` of a top-level field within the buffer that was read. */
export type Spans = Map<string, readonly [number, number]>;

/**
 * A cursor over bytes with the semantics of Kafka's `ByteBufferAccessor` (big-endian, Java
 * exceptions on underflow and bad lengths).
 */
export class Cursor {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (this.end - this.pos < n) throw underflow();
  }

  int8(): number {
    this.need(1);
    return (this.buf[this.pos++]! << 24) >> 24;
  }

  int16(): number {
    this.need(2);
    const v = ((this.buf[this.pos]! << 24) | (this.buf[this.pos + 1]! << 16)) >> 16;
    this.pos += 2;
    return v;
  }

  uint16(): number {
    return this.int16() & 0xffff;
  }

  int32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }

  uint32(): number {
    return this.int32() >>> 0;
  }

  int64(): Int64 {
    const hi = this.int32();
    const lo = this.int32() >>> 0;
    if (hi < 0x200000 && hi >= -0x200000) return hi * 4294967296 + lo;
    const v = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
    return v <= 9007199254740991n && v >= -9007199254740991n ? Number(v) : v;
  }

  float64(): number {
    this.need(8);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, false);
    this.pos += 8;
    return v;
  }

  uuid(): string {
    this.need(16);
    const s = uuidToString(this.buf.subarray(this.pos, this.pos + 16));
    this.pos += 16;
    return s;
  }

  /** `ByteUtils.readUnsignedVarint` (as an int: values ≥ 2^31 come back negative, like Java). */
  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
    this.need(1);
    const b = (this.buf[this.pos++]! << 24) >> 24;
    result |= b << 28;
    if (b < 0) {
      throw new SchemaError(ILLEGAL_ARGUMENT, `Varint is too long, the most significant bit in the 5th byte is set, converted value: ${(result >>> 0).toString(16)}`);
    }
    return result;
  }

  /** `ByteBufferAccessor.readArray(size)`. */
  bytes(size: number): Uint8Array {
    const remaining = this.remaining;
    if (size < 0) throw new SchemaError('java.lang.NegativeArraySizeException', String(size));
    if (size > remaining) {
      throw new SchemaError(RUNTIME, `Error reading byte array of ${size} byte(s): only ${remaining} byte(s) available`);
    }
    const out = this.buf.slice(this.pos, this.pos + size);
    this.pos += size;
    return out;
  }

  /** A string as the generated readers make it: `new String(bytes, UTF_8)`, Java's replacement of malformed bytes included. */
  string(length: number): string {
    return utf8(this.bytes(length));
  }
}

function versionError(name: string, version: number): SchemaError {
  return new SchemaError(UNSUPPORTED_VERSION, `Can't read version ${version} of ${name}`);
}

/** The Java default value of a field (`FieldSpec.fieldDefault`). */
export function defaultValue(f: FieldSchema): FieldValue {
  const d = f.defaultValue;
  if (d === 'null') return null;
  if (f.array) return [];
  switch (f.type) {
    case 'bool':
      return d === 'true';
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
      return d === undefined || d === '' ? 0 : Number(d.startsWith('0x') ? parseInt(d, 16) : d);
    case 'int64': {
      if (d === undefined || d === '') return 0;
      const v = BigInt(d);
      return Number.isSafeInteger(Number(v)) ? Number(v) : v;
    }
    case 'float64':
      return d === undefined || d === '' ? 0 : Number(d);
    case 'uuid':
      return d === undefined || d === '' ? 'AAAAAAAAAAAAAAAAAAAAAA' : d;
    case 'string':
      return d ?? '';
    case 'bytes':
    case 'records':
      return new Uint8Array(0);
    case 'struct':
      return defaultStruct(f.fields!);
  }
}

export function defaultStruct(fields: readonly FieldSchema[]): MessageData {
  const o: MessageData = {};
  for (const f of fields) o[f.key] = defaultValue(f);
  return o;
}

interface Ctx {
  readonly msg: MessageSchema;
  readonly version: number;
  readonly flexible: boolean;
}

function readLength(c: Cursor, ctx: Ctx, compactOr: 'int16' | 'int32'): number {
  if (ctx.flexible) return (c.uvarint() - 1) | 0;
  return compactOr === 'int16' ? c.int16() : c.int32();
}

function readScalar(c: Cursor, f: FieldSchema, ctx: Ctx, nullable: boolean, tagged = false): FieldValue {
  switch (f.type) {
    case 'bool':
      return c.int8() !== 0;
    case 'int8':
      return c.int8();
    case 'int16':
      return c.int16();
    case 'uint16':
      return c.uint16();
    case 'int32':
      return c.int32();
    case 'uint32':
      return c.uint32();
    case 'int64':
      return c.int64();
    case 'float64':
      return c.float64();
    case 'uuid':
      return c.uuid();
    case 'string': {
      const length = readLength(c, ctx, 'int16');
      if (length < 0) {
        if (nullable) return null;
        throw new SchemaError(RUNTIME, `non-nullable field ${f.key} was serialized as null`);
      }
      if (length > 0x7fff) throw new SchemaError(RUNTIME, `string field ${f.key} had invalid length ${length}`);
      return c.string(length);
    }
    case 'bytes':
    case 'records': {
      const length = readLength(c, ctx, 'int32');
      if (length < 0) {
        if (nullable) return null;
        throw new SchemaError(RUNTIME, `non-nullable field ${f.key} was serialized as null`);
      }
      return c.bytes(length);
    }
    case 'struct': {
      if (nullable) {
        // A nullable struct's presence marker: an int8 (-1 = null), or in a tagged field an unsigned
        // varint (0 = null), as Kafka's generated read() has it
        if (tagged ? c.uvarint() === 0 : c.int8() < 0) return null;
      }
      return readStruct(c, f.fields!, f.structVersions!, ctx, undefined);
    }
  }
}

function readField(c: Cursor, f: FieldSchema, ctx: Ctx, tagged = false): FieldValue {
  const nullable = inRange(f.nullable, ctx.version);
  if (!f.array) return readScalar(c, f, ctx, nullable, tagged);
  const n = readLength(c, ctx, 'int32');
  if (n < 0) {
    if (nullable) return null;
    throw new SchemaError(RUNTIME, `non-nullable field ${f.key} was serialized as null`);
  }
  if (n > c.remaining) {
    throw new SchemaError(RUNTIME, `Tried to allocate a collection of size ${n}, but there are only ${c.remaining} bytes remaining.`);
  }
  const out: FieldValue[] = [];
  // Array elements are never null themselves.
  for (let i = 0; i < n; i++) out.push(readScalar(c, f, ctx, false));
  return out;
}

function readStruct(
  c: Cursor,
  fields: readonly FieldSchema[],
  structVersions: Versions,
  ctx: Ctx,
  spans: Spans | undefined,
): MessageData {
  const possible = intersect(ctx.msg.valid, structVersions);
  const o: MessageData = {};
  const byTag = new Map<number, FieldSchema>();
  for (const f of fields) {
    const present = presentIn(f.versions, ctx.version, possible);
    const tagged = present && ctx.flexible && presentIn(f.tagged, ctx.version, possible);
    if (present && !tagged) {
      const start = c.pos;
      o[f.key] = readField(c, f, ctx);
      spans?.set(f.key, [start, c.pos]);
    } else {
      o[f.key] = defaultValue(f);
      if (tagged) byTag.set(f.tag, f);
    }
  }
  if (ctx.flexible) {
    // The generated readers' checks on the count (Kafka 4.3).
    const count = c.uvarint();
    if (count < 0) throw new SchemaError(RUNTIME, `Invalid negative number of tagged fields ${count}`);
    if (count > c.remaining) throw new SchemaError(RUNTIME, `Tried to read ${count} tagged fields, but there are only ${c.remaining} bytes remaining.`);
    if (count > 10000) throw new SchemaError(RUNTIME, `Tried to read ${count} tagged fields, which exceeds the maximum allowed count of 10000.`);
    for (let i = 0; i < count; i++) {
      const tag = c.uvarint();
      const size = c.uvarint();
      const f = byTag.get(tag);
      if (f === undefined) {
        c.bytes(size); // unknown tagged field: kept raw by Kafka, never printed
      } else {
        const start = c.pos;
        o[f.key] = readField(c, f, ctx, true);
        spans?.set(f.key, [start, c.pos]);
      }
    }
  }
  return o;
}

/**
 * Reads `schema` at `version` from `buf[start, end)` as the generated `Data.read(Readable, short)`
 * does. Throws SchemaError with Kafka's exception class and message. Trailing bytes are left
 * unread; the position after the message is returned in `end`.
 */
export function readMessage(
  schema: MessageSchema,
  buf: Uint8Array,
  version: number,
  options: { start?: number; end?: number; spans?: Spans; checkVersion?: boolean } = {},
): { data: MessageData; next: number } {
  const c = new Cursor(buf, options.start ?? 0, options.end ?? buf.length);
  return { data: readFrom(c, schema, version, options), next: c.pos };
}

export function readFrom(
  c: Cursor,
  schema: MessageSchema,
  version: number,
  options: { spans?: Spans; checkVersion?: boolean } = {},
): MessageData {
  if ((options.checkVersion ?? true) && version > schema.valid.hi) throw versionError(schema.name, version);
  const ctx: Ctx = { msg: schema, version, flexible: inRange(schema.flexible, version) };
  return readStruct(c, schema.fields, schema.valid, ctx, options.spans);
}
