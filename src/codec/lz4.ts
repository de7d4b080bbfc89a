// LZ4 frames (magic 0x184D2204) as Kafka reads them: its own Lz4BlockInputStream (Kafka's
// KafkaLZ4BlockInputStream), with lz4 1.10's block decoder (lz4-block.ts). What it checks, and
// how it fails:
//  - when the stream is opened: at least 6 bytes ("Stream ended prematurely"), the magic ("Stream
//    unsupported (invalid magic bytes)"), the FLG byte (reserved bits, block independence, version
//    1) and BD byte (reserved bits, block size id 4-7) as RuntimeExceptions, an 8-byte content
//    size if flagged (skipped, never compared), and the header checksum ("Stream frame descriptor
//    corrupted"). KAFKA-3160: for magic 0 Kafka skips the header checksum byte unchecked (clients
//    before 0.10 computed it over the magic bytes too).
//  - block by block as the reader asks for more: a size word ("Stream ended prematurely" when
//    fewer than 4 bytes are left), at most the frame's maximum ("Block size %d exceeded max: %d"),
//    the data, decoded ("Error decoding offset N of input buffer", N counted in Kafka's buffer),
//    and the block checksum if flagged ("Block checksum mismatch"). The end mark finishes the
//    stream: Kafka skips the content checksum (never verified) and ignores anything after it.
// A read never spans two blocks, so a failing block costs nothing of the blocks before it.
import { decodeLz4Block } from './lz4-block.js';
import { CodecError } from './errors.js';
import type { JavaFailure, StreamContent } from './types.js';
import { xxh32 } from './xxhash.js';

export const LZ4_FRAME_MAGIC = 0x184d2204;

const io = (message: string): JavaFailure => ({ javaClass: 'java.io.IOException', javaMessage: message, io: true });
const runtime = (message: string): JavaFailure => ({ javaClass: 'java.lang.RuntimeException', javaMessage: message, io: false });
const PREMATURE = 'Stream ended prematurely';
const UNDERFLOW: JavaFailure = { javaClass: 'java.nio.BufferUnderflowException', javaMessage: null, io: false };

export interface Lz4FrameHeader {
  /** Offset of the first block's size word. */
  blocksStart: number;
  blockChecksums: boolean;
  contentChecksum: boolean;
  maxBlockSize: number;
}

/**
 * The frame header as Kafka's Lz4BlockInputStream reads it when it opens the stream, or the
 * failure. `base`: where `data` starts in the buffer Kafka reads it from (a v2 batch's records
 * start at 61 of the batch; a legacy wrapper's value is a buffer of its own), for the positions
 * Kafka's messages print.
 */
export function readLz4FrameHeader(data: Uint8Array, magic: number, base: number): Lz4FrameHeader | JavaFailure {
  const n = data.length;
  if (n < 6) return io(PREMATURE);
  if (new DataView(data.buffer, data.byteOffset, n).getInt32(0, true) !== LZ4_FRAME_MAGIC) return io('Stream unsupported (invalid magic bytes)');
  const flg = data[4]!;
  if ((flg & 3) !== 0) return runtime('Reserved bits must be 0');
  if (((flg >>> 5) & 1) !== 1) return runtime('Dependent block stream is unsupported');
  if (flg >>> 6 !== 1) return runtime(`Version ${flg >>> 6} is unsupported`);
  const bd = data[5]!;
  if ((bd & 15) !== 0) return runtime('Reserved2 field must be 0');
  const bsv = (bd >>> 4) & 7;
  if (bsv < 4) return runtime('Block size value must be between 4 and 7');
  if (bd >>> 7 !== 0) return runtime('Reserved3 field must be 0');
  let p = 6;
  if (flg & 8) {
    if (n - p < 8) return io(PREMATURE);
    p += 8;
  }
  if (magic === 0) {
    p += 1;
    if (p > n) return { javaClass: 'java.lang.IllegalArgumentException', javaMessage: `newPosition > limit: (${base + p} > ${base + n})`, io: false };
  } else {
    if (p >= n) return UNDERFLOW;
    if (data[p] !== ((xxh32(data, 4, p) >>> 8) & 0xff)) return io('Stream frame descriptor corrupted');
    p += 1;
  }
  return { blocksStart: p, blockChecksums: (flg & 0x10) !== 0, contentChecksum: (flg & 4) !== 0, maxBlockSize: 1 << (8 + 2 * bsv) };
}

/** Kafka's decompression buffer: a frame's maximum block size (64 KiB to 4 MiB), reused. */
let scratch = new Uint8Array(64 * 1024);

/**
 * `data` as Kafka's LZ4 stream delivers it (see the top of this file). `base`/`arrayBase`: where
 * `data` starts in Kafka's ByteBuffer and in the array behind it (lz4-java's JNI decoder reports
 * positions in the array), for the positions Kafka's messages print.
 */
export function lz4Stream(data: Uint8Array, magic = 2, base = 0, arrayBase = base): StreamContent {
  const header = readLz4FrameHeader(data, magic, base);
  if ('javaClass' in header) return { data: new Uint8Array(0), openFailure: header };
  const n = data.length;
  const dv = new DataView(data.buffer, data.byteOffset, n);
  const blocks: Uint8Array[] = [];
  let total = 0;
  const result = (failure?: JavaFailure): StreamContent => {
    const out = Buffer.allocUnsafe(total);
    let o = 0;
    for (const b of blocks) {
      out.set(b, o);
      o += b.length;
    }
    return failure ? { data: out, failure } : { data: out };
  };
  const max = header.maxBlockSize;
  if (scratch.length < max) scratch = new Uint8Array(max);
  let p = header.blocksStart;
  for (;;) {
    if (n - p < 4) return result(io(PREMATURE));
    const word = dv.getUint32(p, true);
    p += 4;
    const size = word & 0x7fffffff;
    if (size === 0) {
      if (header.contentChecksum && n - p < 4) return result(UNDERFLOW);
      return result();
    }
    if (size > max) return result(io(`Block size ${size} exceeded max: ${max}`));
    if (n - p < size) return result(io(PREMATURE));
    let block: Uint8Array;
    if ((word & 0x80000000) === 0) {
      const r = decodeLz4Block(data, p, p + size, scratch, 0, max);
      if (r < 0) return result(io(`net.jpountz.lz4.LZ4Exception: Error decoding offset ${arrayBase + p - r} of input buffer`));
      block = scratch.slice(0, r);
    } else {
      block = data.subarray(p, p + size);
    }
    if (header.blockChecksums) {
      if (n - (p + size) < 4) return result(UNDERFLOW);
      if (dv.getUint32(p + size, true) !== xxh32(data, p, p + size)) return result(io('Block checksum mismatch'));
      p += 4;
    }
    p += size;
    blocks.push(block);
    total += block.length;
  }
}

/**
 * The header checksum byte of a frame: its offset, the stored value, the one computed over the
 * descriptor, and the one pre-0.10 Kafka computed over the magic too (KAFKA-3160). Null when the
 * header is too short to have one.
 */
export function lz4HeaderChecksums(data: Uint8Array): { hcOffset: number; stored: number; computed: number; kafka3160: number } | null {
  if (data.length < 7) return null;
  const hcOffset = data[4]! & 8 ? 14 : 6;
  if (data.length <= hcOffset) return null;
  return {
    hcOffset,
    stored: data[hcOffset]!,
    computed: (xxh32(data, 4, hcOffset) >>> 8) & 0xff,
    kafka3160: (xxh32(data, 0, hcOffset) >>> 8) & 0xff,
  };
}

/** Decompresses an LZ4 frame Kafka reads to its end without error; throws CodecError otherwise. */
export function unlz4(data: Uint8Array, magic?: number): Uint8Array {
  const s = lz4Stream(data, magic ?? 2);
  const f = s.openFailure ?? s.failure;
  if (f) {
    const hc = lz4HeaderChecksums(data);
    const hint = f.javaMessage === 'Stream frame descriptor corrupted' && hc && hc.stored === hc.kafka3160 ? ' (the KAFKA-3160 pre-0.10 header checksum, only accepted for magic 0)' : '';
    throw new CodecError('lz4', `corrupt or truncated frame: ${f.javaMessage ?? f.javaClass}${hint}`);
  }
  return s.data;
}
