/**
 * Kafka's int64 fields (offsets, timestamps, producer ids). Real values fit a JS number; corrupt or
 * adversarial bytes may not, and a dump must still print them exactly. So an int64 is a `number`
 * whenever it is a safe integer and a `bigint` only otherwise. Because the representation is
 * canonical, `===`, `<` and `String()` all behave as for plain integers.
 */
export type Int64 = number | bigint;

const TWO_32 = 4294967296;

/** Reads a big-endian signed int64 at `pos`. */
export function readInt64(buf: Uint8Array, pos: number): Int64 {
  const hi = ((buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!) >> 0;
  const lo = ((buf[pos + 4]! << 24) | (buf[pos + 5]! << 16) | (buf[pos + 6]! << 8) | buf[pos + 7]!) >>> 0;
  // |hi| < 2^21 keeps hi * 2^32 + lo within ±2^53.
  if (hi < 0x200000 && hi >= -0x200000) return hi * TWO_32 + lo;
  return normalize((BigInt(hi) << 32n) | BigInt(lo));
}

/** Canonical form: a number if safe, else a bigint. */
export function normalize(v: bigint): Int64 {
  return v <= 9007199254740991n && v >= -9007199254740991n ? Number(v) : v;
}

/** Wraps a bigint to signed 64 bits (Java `long` arithmetic) and canonicalises it. */
export function wrap64(v: bigint): Int64 {
  return normalize(BigInt.asIntN(64, v));
}

/** `a + b` with Java `long` overflow semantics. */
export function addInt64(a: Int64, b: number | Int64): Int64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return wrap64(BigInt(a) + BigInt(b));
}

/** Converts to bigint (for arithmetic that must not lose precision). */
export function toBigInt(v: Int64): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

export function int64Max(a: Int64, b: Int64): Int64 {
  return a > b ? a : b;
}

export function readInt32(buf: Uint8Array, pos: number): number {
  return ((buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!) >> 0;
}

export function readUint32(buf: Uint8Array, pos: number): number {
  return readInt32(buf, pos) >>> 0;
}

export function readInt16(buf: Uint8Array, pos: number): number {
  return (((buf[pos]! << 8) | buf[pos + 1]!) << 16) >> 16;
}

export function readInt8(buf: Uint8Array, pos: number): number {
  return (buf[pos]! << 24) >> 24;
}
