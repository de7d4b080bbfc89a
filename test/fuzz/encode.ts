import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { compressFrameSync } from 'lz4-napi';
import { compressSync as snappyRaw } from 'snappy';
import { crc32, crc32c } from '../../src/codec/index.js';
import { xxh32, xxh64 } from '../../src/codec/xxhash.js';
import type { Rng } from './rng.js';

/**
 * Writers for the differential fuzzer (test tooling): varints, checksums and each codec's framings,
 * so a mutated batch can be re-encoded valid everywhere but where the damage is.
 */

/** Unsigned LEB128 of a non-negative integer (bigint for 64-bit values). */
export function unsignedVarint(u: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(u));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return Buffer.from(out);
}

/** Zigzag varint of an int32 (ByteUtils.writeVarint). */
export function varint(v: number): Buffer {
  return unsignedVarint(((v << 1) ^ (v >> 31)) >>> 0);
}

/** Zigzag varlong of an int64 (ByteUtils.writeVarlong). */
export function varlong(v: bigint): Buffer {
  const x = BigInt.asIntN(64, v);
  return unsignedVarint(BigInt.asUintN(64, (x << 1n) ^ (x >> 63n)));
}

/** `bytes` copied with the continuation bit forced on `extra` more (zero) groups: an overlong encoding. */
export function overlong(encoded: Buffer, extra: number): Buffer {
  const out = Buffer.concat([encoded, Buffer.alloc(extra)]);
  for (let i = 0; i < out.length - 1; i++) out[i] = out[i]! | 0x80;
  out[out.length - 1] = out[out.length - 1]! & 0x7f;
  return out;
}

/** Recomputes the CRC-32C of the v2 batch at `at` (bytes 21 to its end). */
export function fixV2Crc(buf: Buffer, at: number): void {
  const size = 12 + buf.readInt32BE(at + 8);
  if (size < 61 || at + size > buf.length) return;
  buf.writeUInt32BE(crc32c(buf.subarray(at + 21, at + size)), at + 17);
}

/** Recomputes the CRC-32 of the legacy message at `at` (bytes 16 to its end). */
export function fixLegacyCrc(buf: Buffer, at: number): void {
  const size = buf.readInt32BE(at + 8);
  if (size < 4 || at + 12 + size > buf.length) return;
  buf.writeUInt32BE(crc32(buf.subarray(at + 16, at + 12 + size)), at + 12);
}

let zstdNapi: { Compressor: new () => { setParameters(p: object): void; compress(b: Uint8Array): Buffer } } | null | undefined;
function zstdCompressor() {
  if (zstdNapi === undefined) {
    try {
      zstdNapi = createRequire(import.meta.url)('zstd-napi');
    } catch {
      zstdNapi = null;
    }
  }
  return zstdNapi;
}

/** A zstd frame of raw (stored) blocks: no library needed; optional content size and checksum. */
export function zstdRawFrame(data: Uint8Array, opts: { checksum: boolean; contentSize: boolean }): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd])];
  // FHD: FCS field 4 bytes (flag 2) or none; single segment off; checksum flag; no dictionary.
  parts.push(Buffer.from([(opts.contentSize ? 0x80 : 0) | (opts.checksum ? 0x04 : 0)]));
  parts.push(Buffer.from([0x58])); // window descriptor: 2^(10+11) = 2 MiB
  if (opts.contentSize) {
    const fcs = Buffer.alloc(4);
    fcs.writeUInt32LE(data.length);
    parts.push(fcs);
  }
  const BLOCK = 128 * 1024;
  for (let p = 0; ; p += BLOCK) {
    const n = Math.min(BLOCK, data.length - p);
    const last = p + n >= data.length;
    const h = (n << 3) | (last ? 1 : 0); // block type 0: raw
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), Buffer.from(data.subarray(p, p + n)));
    if (last) break;
  }
  if (opts.checksum) {
    const c = Buffer.alloc(4);
    c.writeUInt32LE(Number(xxh64(data) & 0xffffffffn));
    parts.push(c);
  }
  return Buffer.concat(parts);
}

const XERIAL_HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);

/** Kafka's LZ4 frame of stored blocks (64 KiB max), with a correct header checksum. */
export function lz4StoredFrame(data: Uint8Array, opts: { contentChecksum: boolean; blockSize: number }): Buffer {
  const flg = 0x60 | (opts.contentChecksum ? 0x04 : 0);
  const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, flg, 0x40, 0]);
  header[6] = (xxh32(header, 4, 6) >>> 8) & 0xff;
  const parts = [header];
  for (let p = 0; p < data.length; p += opts.blockSize) {
    const block = data.subarray(p, Math.min(data.length, p + opts.blockSize));
    const size = Buffer.alloc(4);
    size.writeUInt32LE((block.length | 0x80000000) >>> 0);
    parts.push(size, Buffer.from(block));
  }
  parts.push(Buffer.alloc(4));
  if (opts.contentChecksum) {
    const c = Buffer.alloc(4);
    c.writeUInt32LE(xxh32(data, 0, data.length));
    parts.push(c);
  }
  return Buffer.concat(parts);
}

/** snappy-java's xerial framing: the 16-byte header, then raw snappy chunks of `chunk` input bytes. */
export function xerialSnappy(data: Uint8Array, chunk = 32 * 1024): Buffer {
  const parts: Buffer[] = [XERIAL_HEADER];
  for (let p = 0; p < data.length || p === 0; p += chunk) {
    const c = snappyRaw(Buffer.from(data.subarray(p, p + chunk)));
    const n = Buffer.alloc(4);
    n.writeInt32BE(c.length);
    parts.push(n, c);
    if (data.length === 0) break;
  }
  return Buffer.concat(parts);
}

/**
 * `data` compressed with codec `codec` (1 gzip, 2 snappy, 3 lz4, 4 zstd) in one of the framings
 * Kafka's readers accept, chosen by `rng`; returns the bytes and the framing's name.
 */
export function compressAs(codec: number, data: Buffer, rng: Rng): { bytes: Buffer; framing: string } {
  switch (codec) {
    case 1: {
      if (data.length > 1 && rng.chance(0.2)) {
        const cut = rng.range(1, data.length - 1);
        return { bytes: Buffer.concat([gzipSync(data.subarray(0, cut)), gzipSync(data.subarray(cut))]), framing: 'gzip-2-members' };
      }
      return { bytes: gzipSync(data, { level: rng.range(1, 9) }), framing: 'gzip' };
    }
    case 2: {
      if (rng.chance(0.3)) return { bytes: snappyRaw(data), framing: 'snappy-raw' };
      return { bytes: xerialSnappy(data, rng.chance(0.5) ? 32 * 1024 : rng.range(16, 512)), framing: 'snappy-xerial' };
    }
    case 3: {
      if (rng.chance(0.3)) return { bytes: lz4StoredFrame(data, { contentChecksum: rng.chance(0.5), blockSize: rng.pick([64 * 1024, rng.range(16, 1024)]) }), framing: 'lz4-stored' };
      const blockChecksums = rng.chance(0.2);
      const contentChecksum = rng.chance(0.3);
      return { bytes: compressFrameSync(data, { blockChecksums, contentChecksum }), framing: `lz4-frame${blockChecksums ? '+blockcrc' : ''}${contentChecksum ? '+crc' : ''}` };
    }
    case 4: {
      const checksum = rng.chance(0.3);
      const contentSize = rng.chance(0.3);
      const z = zstdCompressor();
      if (z && rng.chance(0.7)) {
        const c = new z.Compressor();
        c.setParameters({ compressionLevel: rng.range(1, 6), checksumFlag: checksum, contentSizeFlag: contentSize });
        return { bytes: c.compress(data), framing: `zstd${checksum ? '+crc' : ''}${contentSize ? '+size' : ''}` };
      }
      return { bytes: zstdRawFrame(data, { checksum, contentSize }), framing: `zstd-raw${checksum ? '+crc' : ''}${contentSize ? '+size' : ''}` };
    }
    default:
      throw new Error(`no codec ${codec}`);
  }
}
