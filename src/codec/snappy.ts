// Snappy as Kafka reads it: snappy-java's SnappyInputStream (1.1.10), read 2 KiB at a time
// through Kafka's ChunkedBytesStream. Raw blocks are decoded by the `snappy` package (napi-rs
// around the Rust `snap` crate, which accepts exactly the blocks the C++ library does).
//
// Two framings occur in Kafka logs, told apart as SnappyInputStream does when it is opened:
//  - xerial (Kafka's Java producer): when the first 16 bytes are there and start with the magic
//    0x82 "SNAPPY" 0x00, then [int32 BE compressed length][raw snappy block] chunks, read one by
//    one as the reader asks for more. A chunk length of fewer than 4 bytes ends the stream, as
//    does a concatenated header (a chunk "length" equal to the magic's first word) that is not a
//    valid one; a negative length or one over 512 MiB is a SnappyError, a chunk cut short is
//    "failed to read chunk", a bad block PARSING_ERROR(2) (its length varint) or
//    FAILED_TO_UNCOMPRESS(5).
//  - anything else is one raw block (librdkafka, node clients), decoded whole when the stream is
//    opened.
import { createRequire } from 'node:module';
import type * as Snappy from 'snappy';
import { CodecError } from './errors.js';
import { type JavaFailure, type StreamContent, javaArrayFailure } from './types.js';

// The native addon is loaded on first use: dumps of uncompressed segments never pay for it.
let snappy: typeof Snappy | undefined;
const uncompressSync: typeof Snappy.uncompressSync = (data, options) =>
  (snappy ??= createRequire(import.meta.url)('snappy') as typeof Snappy).uncompressSync(data, options);

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
const XERIAL_HEADER_SIZE = 16;
/** The magic's first four bytes as an int32: a chunk "length" that starts a concatenated stream. */
const MAGIC_HEAD = (0x82534e41 | 0) as number;
const MAX_CHUNK = 512 * 1024 * 1024;
/** Kafka's ChunkedBytesStream reads snappy 2 KiB at a time. */
const READ_CHUNK = 2048;

function hasXerialMagic(data: Uint8Array, at: number): boolean {
  if (data.length - at < XERIAL_MAGIC.length) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[at + i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** True if snappy-java reads `data` as a xerial stream (16 header bytes, the magic first). */
export function isXerialSnappy(data: Uint8Array): boolean {
  return data.length >= XERIAL_HEADER_SIZE && hasXerialMagic(data, 0);
}

const ioFailure = (message: string): JavaFailure => ({ javaClass: 'java.io.IOException', javaMessage: message, io: true });
const snappyIo = (code: string, message: string): JavaFailure => ({ javaClass: 'org.xerial.snappy.SnappyIOException', javaMessage: `[${code}] ${message}`, io: true });
const snappyError = (code: string, message: string): JavaFailure => ({ javaClass: 'org.xerial.snappy.SnappyError', javaMessage: `[${code}] ${message}`, io: false });

/** Java's %,d: digits grouped by commas. */
const grouped = (n: number) => n.toLocaleString('en-US');

/**
 * snappy::GetUncompressedLength: the little-endian base-128 length at the block's start (at most
 * five bytes, the fifth below 16), or null when it does not parse.
 */
function uncompressedLength(block: Uint8Array): number | null {
  let result = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= block.length) return null;
    const b = block[i]!;
    if (i === 4) return b < 16 ? (result + b * 2 ** 28) : null;
    result += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) return result;
  }
  return null;
}

/**
 * One raw block as snappy-java decodes it into a buffer: its length (PARSING_ERROR from the native
 * parse; then Snappy.uncompressedLength's own check that it is neither negative as an int nor
 * more than 64/3 times the compressed size), the array for it (`have`: the size of the one
 * already there, -1 for none), then the data.
 */
function rawBlock(block: Uint8Array, have: number): { out: Buffer } | { failure: JavaFailure } {
  const len = uncompressedLength(block);
  if (len === null) return { failure: ioFailure('PARSING_ERROR(2)') };
  const asInt = len | 0;
  if (asInt < 0 || asInt > Math.floor((block.length * 64) / 3)) {
    return { failure: snappyIo('PARSING_ERROR', `invalid uncompressed length ${grouped(asInt)} declared in ${grouped(block.length)} bytes of compressed data`) };
  }
  if (have < 0 || asInt > have) {
    const f = javaArrayFailure(asInt);
    if (f) return { failure: f };
  }
  try {
    // copyOutputData: the result is copied into a V8-owned buffer and the native one freed at once;
    // without it, native buffers wait for a GC that external memory hardly triggers (measured:
    // 235 MB peak RSS in a deep dump of a 64 MB segment).
    return { out: uncompressSync(block, { asBuffer: true, copyOutputData: true }) as Buffer };
  } catch {
    return { failure: ioFailure('FAILED_TO_UNCOMPRESS(5)') };
  }
}

/** `data` as Kafka's snappy stream delivers it (see the top of this file). */
export function snappyStream(data: Uint8Array): StreamContent {
  if (data.length === 0) return { data: new Uint8Array(0), openFailure: snappyIo('EMPTY_INPUT', 'Cannot decompress empty stream') };
  if (!isXerialSnappy(data)) {
    const r = rawBlock(data, -1);
    return 'out' in r ? { data: r.out } : { data: new Uint8Array(0), openFailure: r.failure };
  }
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const chunks: Buffer[] = [];
  let total = 0;
  let have = -1;
  const result = (failure?: JavaFailure): StreamContent => {
    const out = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
    // A chunk fails inside the read that asked for bytes past the ones before it: that read's
    // bytes are lost with it.
    return failure ? { data: out.subarray(0, Math.floor(total / READ_CHUNK) * READ_CHUNK), failure } : { data: out };
  };
  let p = XERIAL_HEADER_SIZE;
  for (;;) {
    if (data.length - p < 4) return result();
    const size = dv.getInt32(p);
    p += 4;
    if (size === MAGIC_HEAD) {
      if (data.length - p < 12) return result(snappyIo('FAILED_TO_UNCOMPRESS', 'Insufficient header size in a concatenated block'));
      if (!hasXerialMagic(data, p - 4)) return result();
      const version = dv.getInt32(p + 4);
      if (version < 1) return result(snappyIo('INCOMPATIBLE_VERSION', `Compressed with an incompatible codec version ${version}. At least version 1 is required`));
      p += 12;
      continue;
    }
    if (size < 0) return result(snappyError('INVALID_CHUNK_SIZE', `chunkSize is too big or negative : ${size}`));
    if (size > MAX_CHUNK) return result(snappyError('FAILED_TO_UNCOMPRESS', `Received chunkSize ${grouped(size)} is greater than max configured chunk size ${grouped(MAX_CHUNK)}`));
    if (data.length - p < size) return result(ioFailure('failed to read chunk'));
    const r = rawBlock(data.subarray(p, p + size), have);
    if ('failure' in r) return result(r.failure);
    const len = uncompressedLength(data.subarray(p, p + size))! | 0;
    if (len > have) have = len;
    chunks.push(r.out);
    total += r.out.length;
    p += size;
  }
}

/** Decompresses a snappy payload Kafka reads to its end without error; throws CodecError otherwise. */
export function unsnappy(data: Uint8Array): Uint8Array {
  if (data.length === 0) throw new CodecError('snappy', 'empty input');
  const s = snappyStream(data);
  const f = s.openFailure ?? s.failure;
  if (f) throw new CodecError('snappy', `corrupt or truncated ${isXerialSnappy(data) ? 'xerial stream' : 'raw snappy block'}: ${f.javaMessage ?? f.javaClass}`);
  return s.data;
}

