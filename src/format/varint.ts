import { FormatError } from './errors.js';
import { type Int64, normalize } from './int64.js';

/**
 * Protobuf-style varints as Kafka writes them (ByteUtils): zigzag varint (int32) and varlong (int64),
 * plus unsigned varints used by flexible-version message schemas. Each reader returns the value and
 * the position after it, so callers keep byte spans.
 */
export interface VarintResult {
  value: number;
  next: number;
}

/** Zigzag varint (int32), as `ByteUtils.readVarint`. Reads at most 5 bytes. */
export function readVarint(buf: Uint8Array, pos: number, end: number = buf.length): VarintResult {
  const r = readUnsignedVarint(buf, pos, end);
  r.value = (r.value >>> 1) ^ -(r.value & 1);
  return r;
}

/** Zigzag varlong (int64), as `ByteUtils.readVarlong`. Reads at most 10 bytes. */
export function readVarlong(buf: Uint8Array, pos: number, end: number = buf.length): { value: Int64; next: number } {
  // Fast path: up to 4 bytes (28 bits) fits a number.
  let i = pos;
  let small = 0;
  let shift = 0;
  for (; shift < 28; shift += 7) {
    if (i >= end) throw new FormatError('BufferUnderflow', 'varlong runs past the end of the buffer', i);
    const b = buf[i++]!;
    small |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      const u = small >>> 0;
      return { value: u % 2 === 0 ? u / 2 : -(u + 1) / 2, next: i };
    }
  }
  let value = BigInt(small >>> 0);
  let bshift = 28n;
  for (;;) {
    if (i >= end) throw new FormatError('BufferUnderflow', 'varlong runs past the end of the buffer', i);
    const b = buf[i++]!;
    value |= BigInt(b & 0x7f) << bshift;
    if ((b & 0x80) === 0) break;
    bshift += 7n;
    if (bshift > 63n) {
      throw new FormatError('IllegalArgument', 'Varlong is too long, most significant bit in the 10th byte is set', pos);
    }
  }
  value = BigInt.asUintN(64, value);
  const decoded = (value >> 1n) ^ -(value & 1n);
  return { value: normalize(BigInt.asIntN(64, decoded)), next: i };
}

/** Unsigned varint (int32 range), as `ByteUtils.readUnsignedVarint`. Reads at most 5 bytes. */
export function readUnsignedVarint(buf: Uint8Array, pos: number, end: number = buf.length): VarintResult {
  let value = 0;
  let shift = 0;
  let i = pos;
  for (;;) {
    if (i >= end) throw new FormatError('BufferUnderflow', 'varint runs past the end of the buffer', i);
    const b = buf[i++]!;
    value |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
    if (shift > 28) {
      throw new FormatError('IllegalArgument', `Varint is too long, the most significant bit in the 5th byte is set, converted value: ${(value >>> 0).toString(16)}`, pos);
    }
  }
  return { value: value >>> 0, next: i };
}

/** Bytes a zigzag varint takes (for size accounting). */
export function sizeOfVarint(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let bytes = 1;
  while (v >= 0x80) {
    v >>>= 7;
    bytes++;
  }
  return bytes;
}
