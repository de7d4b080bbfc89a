// XXH32 (LZ4 frame header and block checksums) and XXH64 (zstd content checksums).
const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
const u32le = (d: Uint8Array, i: number): number =>
  (d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24)) >>> 0;
const round = (v: number, lane: number): number => Math.imul(rotl((v + Math.imul(lane, P2)) | 0, 13), P1);

/** XXH32 of data[start, end) with the given seed, unsigned. */
export function xxh32(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  const len = end - start;
  let p = start;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    for (; p + 16 <= end; p += 16) {
      v1 = round(v1, u32le(data, p));
      v2 = round(v2, u32le(data, p + 4));
      v3 = round(v3, u32le(data, p + 8));
      v4 = round(v4, u32le(data, p + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + len) | 0;
  for (; p + 4 <= end; p += 4) h = Math.imul(rotl((h + Math.imul(u32le(data, p), P3)) | 0, 17), P4);
  for (; p < end; p++) h = Math.imul(rotl((h + Math.imul(data[p]!, P5)) | 0, 11), P1);
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

const M64 = (1n << 64n) - 1n;
const Q1 = 11400714785074694791n;
const Q2 = 14029467366897019727n;
const Q3 = 1609587929392839161n;
const Q4 = 9650029242287828579n;
const Q5 = 2870177450012600261n;
const rotl64 = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M64;
const round64 = (acc: bigint, lane: bigint): bigint => (rotl64((acc + lane * Q2) & M64, 31n) * Q1) & M64;
const merge64 = (acc: bigint, v: bigint): bigint => ((((acc ^ round64(0n, v)) * Q1) & M64) + Q4) & M64;

/**
 * XXH64 of data[start, end) with seed 0. On bigints: it only runs for the rare zstd frames that
 * carry a content checksum (Kafka's producers write none), on the pure-JS fallback path.
 */
export function xxh64(data: Uint8Array, start = 0, end = data.length): bigint {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const len = end - start;
  let p = start;
  let h: bigint;
  if (len >= 32) {
    let v1 = (Q1 + Q2) & M64;
    let v2 = Q2;
    let v3 = 0n;
    let v4 = (-Q1) & M64;
    for (; p + 32 <= end; p += 32) {
      v1 = round64(v1, dv.getBigUint64(p, true));
      v2 = round64(v2, dv.getBigUint64(p + 8, true));
      v3 = round64(v3, dv.getBigUint64(p + 16, true));
      v4 = round64(v4, dv.getBigUint64(p + 24, true));
    }
    h = (rotl64(v1, 1n) + rotl64(v2, 7n) + rotl64(v3, 12n) + rotl64(v4, 18n)) & M64;
    h = merge64(merge64(merge64(merge64(h, v1), v2), v3), v4);
  } else {
    h = Q5;
  }
  h = (h + BigInt(len)) & M64;
  for (; p + 8 <= end; p += 8) h = (((rotl64(h ^ round64(0n, dv.getBigUint64(p, true)), 27n) * Q1) & M64) + Q4) & M64;
  if (p + 4 <= end) {
    h = (((rotl64(h ^ ((BigInt(dv.getUint32(p, true)) * Q1) & M64), 23n) * Q2) & M64) + Q3) & M64;
    p += 4;
  }
  for (; p < end; p++) h = (rotl64(h ^ ((BigInt(data[p]!) * Q5) & M64), 11n) * Q1) & M64;
  h = ((h ^ (h >> 33n)) * Q2) & M64;
  h = ((h ^ (h >> 29n)) * Q3) & M64;
  return h ^ (h >> 32n);
}
