// LZ4 frame format (magic 0x184D2204), as Kafka writes it (KafkaLZ4BlockOutputStream).
//
// A small frame walker here does what Kafka's KafkaLZ4BlockInputStream checks (magic, version,
// reserved bits, block size id, header checksum, block size <= max) and finds the frame's exact
// end; the blocks are then decoded by the bounds-checked block decoder in lz4-block.ts into
// V8-owned memory, with block and content checksums verified when the flags ask for them.
// (lz4-napi decoded as fast on Kafka's 64 KiB blocks but returned native buffers that linger until
// a GC external memory rarely triggers: 229 MB peak RSS in a deep dump of a 64 MB segment, over
// the 200 MB budget; the JS decoder keeps it at the level of the other codecs.)
//
// KAFKA-3160: brokers/clients before 0.10 computed the header checksum (HC) over the magic bytes
// as well as the descriptor, so magic-v0 messages carry a wrong HC, and Kafka skips the HC check
// for magic 0. We do the same: with opts.magic === 0 a wrong HC is patched (on a copy) before
// decoding. For magic >= 1 and v2 batches a wrong HC is an error.
import { decodeLz4Block } from './lz4-block.js';
import { CodecError, messageOf } from './errors.js';
import { xxh32 } from './xxhash.js';

export const LZ4_FRAME_MAGIC = 0x184d2204;

export interface Lz4FrameInfo {
  /** Offset of the HC byte (= header length - 1). */
  hcOffset: number;
  storedHc: number;
  computedHc: number;
  /** HC as pre-0.10 Kafka computed it (over the magic too), per KAFKA-3160. */
  kafka3160Hc: number;
  blockChecksums: boolean;
  contentChecksum: boolean;
  contentSize: number | undefined;
  maxBlockSize: number;
  /** Offset just past the end mark / content checksum. Kafka ignores bytes after it. */
  frameEnd: number;
}

const fail = (message: string, cause?: unknown): CodecError =>
  new CodecError('lz4', message, cause === undefined ? undefined : { cause });

/** Parses and validates the frame structure without decoding blocks. Throws CodecError. */
export function inspectLz4Frame(data: Uint8Array): Lz4FrameInfo {
  const len = data.length;
  if (len < 7) throw fail(`truncated frame header (${len} bytes)`);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = dv.getUint32(0, true);
  if (magic !== LZ4_FRAME_MAGIC) {
    throw fail(`bad frame magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x184d2204`);
  }
  const flg = data[4]!;
  const bd = data[5]!;
  if (flg >> 6 !== 1) throw fail(`unsupported frame version ${flg >> 6} (FLG 0x${flg.toString(16)})`);
  // Kafka's FLG treats bits 0-1 as reserved (its reader predates dictionary ids).
  if ((flg & 0x03) !== 0) throw fail(`reserved FLG bits set (FLG 0x${flg.toString(16)})`);
  if ((bd & 0x8f) !== 0) throw fail(`reserved BD bits set (BD 0x${bd.toString(16)})`);
  const bsId = (bd >> 4) & 7;
  if (bsId < 4) throw fail(`invalid block maximum size id ${bsId} (BD 0x${bd.toString(16)})`);
  const maxBlockSize = 1 << (8 + 2 * bsId);
  const blockChecksums = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const hcOffset = hasContentSize ? 14 : 6;
  if (len < hcOffset + 1) throw fail(`truncated frame header (${len} of ${hcOffset + 1} bytes)`);
  const contentSize = hasContentSize ? Number(dv.getBigUint64(6, true)) : undefined;
  const storedHc = data[hcOffset]!;
  const computedHc = (xxh32(data, 4, hcOffset) >>> 8) & 0xff;
  const kafka3160Hc = (xxh32(data, 0, hcOffset) >>> 8) & 0xff;

  let p = hcOffset + 1;
  for (;;) {
    if (len - p < 4) throw fail(`truncated frame: missing block size or end mark at offset ${p}`);
    const word = dv.getUint32(p, true);
    p += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (size > maxBlockSize) throw fail(`block size ${size} at offset ${p - 4} exceeds the frame's maximum ${maxBlockSize}`);
    p += size + (blockChecksums ? 4 : 0);
    if (p > len) throw fail(`truncated frame: block at offset ${p - size - 4 - (blockChecksums ? 4 : 0)} runs past the end`);
  }
  if (contentChecksum) {
    if (len - p < 4) throw fail(`truncated frame: missing content checksum at offset ${p}`);
    p += 4;
  }
  return { hcOffset, storedHc, computedHc, kafka3160Hc, blockChecksums, contentChecksum, contentSize, maxBlockSize, frameEnd: p };
}

export function unlz4(data: Uint8Array, magic?: number): Uint8Array {
  const info = inspectLz4Frame(data);
  let frame = Buffer.from(data.buffer, data.byteOffset, info.frameEnd);
  if (info.storedHc !== info.computedHc) {
    if (magic !== 0) {
      const hint = info.storedHc === info.kafka3160Hc ? ' (the KAFKA-3160 pre-0.10 checksum, only accepted for magic 0)' : '';
      throw fail(
        `frame header checksum mismatch: stored 0x${info.storedHc.toString(16)}, computed 0x${info.computedHc.toString(16)}${hint}`,
      );
    }
    frame = Buffer.from(frame); // copy: the caller's bytes (often a file mmap/read buffer) stay untouched
    frame[info.hcOffset] = info.computedHc;
  }
  const out = decodeFrameBlocks(frame, info);
  if (info.contentSize !== undefined && out.length !== info.contentSize) {
    throw fail(`decoded ${out.length} bytes but the frame declares a content size of ${info.contentSize}`);
  }
  return out;
}

/** Decodes the blocks of a walked frame, verifying block and content checksums if present. */
function decodeFrameBlocks(frame: Uint8Array, info: Lz4FrameInfo): Buffer {
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  // Upper bound of the output: each compressed block decodes to at most maxBlockSize bytes.
  let capacity = 0;
  for (let p = info.hcOffset + 1; ; ) {
    const word = dv.getUint32(p, true);
    if (word === 0) break;
    const size = word & 0x7fffffff;
    capacity += word & 0x80000000 ? size : info.maxBlockSize;
    p += 4 + size + (info.blockChecksums ? 4 : 0);
  }
  // Decode into a reused scratch buffer and copy out the exact result: the bound is 64 KiB per
  // block while Kafka's batches often decode to a few hundred bytes.
  if (scratch.length < capacity) scratch = Buffer.allocUnsafe(Math.max(capacity, scratch.length * 2));
  const out = scratch;
  let o = 0;
  for (let p = info.hcOffset + 1; ; ) {
    const word = dv.getUint32(p, true);
    p += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (info.blockChecksums) {
      const stored = dv.getUint32(p + size, true);
      if (xxh32(frame, p, p + size) !== stored) throw fail(`corrupt frame: block checksum mismatch at offset ${p - 4}`);
    }
    if (word & 0x80000000) {
      out.set(frame.subarray(p, p + size), o);
      o += size;
    } else {
      try {
        o = decodeLz4Block(frame, p, p + size, out, o, Math.min(capacity, o + info.maxBlockSize));
      } catch (e) {
        throw fail(`corrupt frame: block at offset ${p - 4}: ${messageOf(e)}`, e);
      }
    }
    p += size + (info.blockChecksums ? 4 : 0);
  }
  if (info.contentChecksum) {
    const stored = dv.getUint32(info.frameEnd - 4, true);
    if (xxh32(out, 0, o) !== stored) throw fail('corrupt frame: content checksum mismatch');
  }
  return Buffer.from(out.subarray(0, o));
}

let scratch = Buffer.allocUnsafe(1 << 16);
