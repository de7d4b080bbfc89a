// Zstandard via `fzstd` (pure JS, synchronous). fzstd handles frames without a content size
// (what Kafka's Java producer and librdkafka write) and concatenated frames, and throws on
// truncation inside a block. It does NOT verify the optional XXH64 content checksum (which Kafka's
// zstd-jni, like the native path here, does): this module checks it for frames that carry one, so
// a damaged frame fails on every install. fzstd would also quietly accept a frame cut exactly
// inside that checksum, and it allocates the window size
// named in the header up front. So a cheap structural walk here (frame headers and 3-byte block
// headers only) runs first: it rejects truncation anywhere, reserved bits, windows above zstd's
// default limit (2^27, the limit zstd-jni applies for Kafka), and trailing garbage.
// fzstd's one-shot decompress also sizes its output by a frame's declared content size (FCS) and
// then silently zero-pads or drops bytes when the blocks disagree; so frames that declare a
// size go through fzstd's streaming decoder (exact block outputs) and the size is checked.
// Kafka's own producers (Java, librdkafka) write no FCS, so they take the one-shot path.
// Speed: fzstd allocates and shifts a whole window (1-2 MiB in Kafka's frames) per frame/block,
// which made small Kafka batches decode at ~3 MB/s. A frame's output can be no larger than the
// sum of its blocks' maximum outputs, and no back-reference can reach further than the output,
// so on a copy of the input the window descriptor is lowered to the smallest power of two >= that
// bound (never raised): same output, ~10x faster on the corpus (3 -> 32 MB/s).
// Native: when the optional `zstd-napi` (libzstd) loads (see zstd-native.ts), validated input is
// decoded by libzstd's one-shot ZSTD_decompressDCtx into a buffer of the walker's output bound
// instead: 206 / 484 MB/s of output on the corpus's rd-zstd-0 / java-zstd-0 batches, vs 14 / 66
// for the fzstd path (docs/bench.md). fzstd stays
// the fallback when the native module is not there, and re-diagnoses a native failure on frames
// that declare a content size (so the error names the size mismatch, as the JS path does).
import { createRequire } from 'node:module';
import type * as Fzstd from 'fzstd';
import { CodecError, messageOf } from './errors.js';
import type { JavaFailure, StreamContent } from './types.js';
import { xxh64 } from './xxhash.js';
import { nativeZstd } from './zstd-native.js';

/** Which decoder unzstd uses in this process. */
/** Which decoder unzstd uses (loads it). */
export function zstdBackend(): string {
  return nativeZstd()?.name ?? 'fzstd (pure JS)';
}

// fzstd is loaded on first use, like the native decoder.
let fzstd: typeof Fzstd | undefined;
const fzstdLib = (): typeof Fzstd => (fzstd ??= createRequire(import.meta.url)('fzstd') as typeof Fzstd);
const fzstdDecompress = (data: Uint8Array): Uint8Array => fzstdLib().decompress(data);

const ZSTD_MAGIC = 0xfd2fb528;
const WINDOW_LIMIT = 1 << 27; // ZSTD_WINDOWLOG_LIMIT_DEFAULT
const BLOCK_MAX = 128 * 1024;

const fail = (message: string, cause?: unknown): CodecError =>
  new CodecError('zstd', message, cause === undefined ? undefined : { cause });

export interface ZstdFrameSpan {
  start: number;
  end: number;
  /** Declared content size, if the header has one. */
  contentSize: number | undefined;
  /** Offset of the window descriptor byte, and a smaller descriptor that still covers the output. */
  shrink: { at: number; descriptor: number } | undefined;
  /** Upper bound of the decoded size, from the block headers (raw/RLE sizes, block max for compressed). */
  outBound: number;
  /** Offset of the 4-byte content checksum (XXH64's low half), if the frame has one. */
  checksumAt: number | undefined;
}

/** Walks the frames (skippable frames are left out of the list). Throws CodecError. */
export function inspectZstd(data: Uint8Array): ZstdFrameSpan[] {
  const len = data.length;
  if (len === 0) throw fail('empty input');
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let p = 0;
  const frames: ZstdFrameSpan[] = [];
  while (p < len) {
    if (len - p < 4) throw fail(`truncated frame magic at offset ${p}`);
    const magic = dv.getUint32(p, true);
    if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) {
      if (len - p < 8) throw fail(`truncated skippable frame at offset ${p}`);
      p += 8 + dv.getUint32(p + 4, true);
      if (p > len) throw fail('truncated skippable frame');
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw fail(`bad frame magic 0x${magic.toString(16).padStart(8, '0')} at offset ${p}`);
    const w = walkFrame(data, dv, p);
    if ('problem' in w) throw fail(w.problem);
    frames.push(w);
    p = w.end;
  }
  if (frames.length === 0) throw fail('no zstd frame (only skippable frames)');
  return frames;
}

/**
 * The frame whose magic is at `p`: its span by its header and block headers, or what is wrong
 * with them (`truncated`: the input ends inside the frame).
 */
function walkFrame(data: Uint8Array, dv: DataView, p: number): ZstdFrameSpan | { problem: string; truncated: boolean } {
  const len = data.length;
  const truncated = (problem: string) => ({ problem, truncated: true });
  const invalid = (problem: string) => ({ problem, truncated: false });
  const start = p;
  if (len - p < 6) return truncated(`truncated frame header at offset ${p}`);
  const fhd = data[p + 4]!;
  if (fhd & 0x08) return invalid(`reserved frame header bit set at offset ${p}`);
  const singleSegment = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const checksum = (fhd >> 2) & 1;
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  let q = p + 5;
  let window = 0;
  let wdAt = -1;
  if (!singleSegment) {
    wdAt = q;
    const wd = data[q++]!;
    const base = 2 ** (10 + (wd >> 3));
    window = base + (base / 8) * (wd & 7);
  }
  q += dictBytes;
  const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
  if (q + fcsBytes > len) return truncated(`truncated frame header at offset ${p}`);
  let fcs: number | undefined;
  if (fcsBytes === 1) fcs = data[q]!;
  else if (fcsBytes === 2) fcs = dv.getUint16(q, true) + 256;
  else if (fcsBytes === 4) fcs = dv.getUint32(q, true);
  else if (fcsBytes === 8) fcs = Number(dv.getBigUint64(q, true));
  q += fcsBytes;
  if (singleSegment) window = fcs!;
  if (window > WINDOW_LIMIT) return invalid(`frame at offset ${p} needs a ${window}-byte window, above the ${WINDOW_LIMIT} limit`);
  const blockMax = Math.min(BLOCK_MAX, Math.max(window, 1));
  let outBound = 0;
  for (;;) {
    if (len - q < 3) return truncated(`truncated frame at offset ${start}: missing block header at offset ${q}`);
    const h = data[q]! | (data[q + 1]! << 8) | (data[q + 2]! << 16);
    q += 3;
    const type = (h >> 1) & 3;
    const size = h >>> 3;
    if (type === 3) return invalid(`reserved block type at offset ${q - 3}`);
    if (size > blockMax) return invalid(`block size ${size} at offset ${q - 3} exceeds the maximum ${blockMax}`);
    q += type === 1 ? 1 : size;
    outBound += type === 2 ? blockMax : size;
    if (q > len) return truncated(`truncated frame at offset ${start}: block runs past the end`);
    if (h & 1) break;
  }
  const checksumAt = checksum ? q : undefined;
  if (checksum) {
    q += 4;
    if (q > len) return truncated(`truncated frame at offset ${start}: missing content checksum`);
  }
  let shrink: ZstdFrameSpan['shrink'];
  if (wdAt >= 0) {
    const exp = Math.max(0, Math.ceil(Math.log2(Math.max(outBound, 1))) - 10);
    if (2 ** (10 + exp) < window) shrink = { at: wdAt, descriptor: exp << 3 };
  }
  return { start, end: q, contentSize: fcs, shrink, outBound, checksumAt };
}

function streamDecode(frame: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const d = new (fzstdLib().Decompress)((chunk) => {
    parts.push(chunk);
    total += chunk.length;
  });
  d.push(frame, true);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}

export function unzstd(input: Uint8Array): Uint8Array {
  const frames = inspectZstd(input);
  return nativeZstd() ? nativeDecode(input, frames) : jsDecode(input, frames);
}

/** The pure-JS path (fzstd) whatever is installed; for tests and comparisons. */
export function unzstdJs(input: Uint8Array): Uint8Array {
  return jsDecode(input, inspectZstd(input));
}

// One scratch buffer for small outputs (the usual Kafka batch): decode into it, copy out exactly.
const SCRATCH_MAX = 1 << 20;
let scratch: Buffer | undefined;

function nativeDecode(input: Uint8Array, frames: ZstdFrameSpan[]): Uint8Array {
  let bound = 0;
  for (const f of frames) bound += f.outBound;
  // The bound counts 128 KiB per compressed block; a few bytes can claim that, so past 256 MiB
  // (no real Kafka batch) don't allocate it up front: fzstd grows its output as it goes.
  if (bound > WINDOW_LIMIT * 2) return jsDecode(input, frames);
  const small = bound <= SCRATCH_MAX;
  const dst = small ? (scratch ??= Buffer.allocUnsafe(SCRATCH_MAX)) : Buffer.allocUnsafe(Math.max(bound, 1));
  let n: number;
  try {
    n = nativeZstd()!.decompressInto(dst, input);
  } catch (e) {
    if (frames.some((f) => f.contentSize !== undefined)) jsDecode(input, frames); // throws the precise error, if it finds one
    throw fail(`corrupt frame: ${messageOf(e)}`, e);
  }
  return small ? Buffer.from(dst.subarray(0, n)) : dst.subarray(0, n);
}

function jsDecode(input: Uint8Array, frames: ZstdFrameSpan[]): Uint8Array {
  let data = input;
  if (frames.some((f) => f.shrink)) {
    data = Uint8Array.prototype.slice.call(input); // copy: the caller's bytes stay untouched
    for (const f of frames) if (f.shrink) data[f.shrink.at] = f.shrink.descriptor;
  }
  try {
    if (frames.every((f) => f.contentSize === undefined && f.checksumAt === undefined)) return fzstdDecompress(data);
    const outs: Uint8Array[] = [];
    let total = 0;
    for (const f of frames) {
      const slice = data.subarray(f.start, f.end);
      const out = f.contentSize === undefined ? fzstdDecompress(slice) : streamDecode(slice);
      if (f.contentSize !== undefined && out.length !== f.contentSize) {
        throw fail(`frame at offset ${f.start} decoded to ${out.length} bytes but declares a content size of ${f.contentSize}`);
      }
      checkContent(input, f, out);
      outs.push(out);
      total += out.length;
    }
    return outs.length === 1 ? outs[0]! : Buffer.concat(outs, total);
  } catch (e) {
    if (e instanceof CodecError) throw e;
    throw fail(`corrupt frame: ${messageOf(e)}`, e);
  }
}

/** A frame's content checksum (the low 32 bits of XXH64), which libzstd checks and fzstd does not. */
function checkContent(input: Uint8Array, f: ZstdFrameSpan, out: Uint8Array): void {
  if (f.checksumAt === undefined) return;
  const stored = new DataView(input.buffer, input.byteOffset, input.byteLength).getUint32(f.checksumAt, true);
  if (Number(xxh64(out) & 0xffffffffn) !== stored) throw fail(`frame at offset ${f.start}: content checksum mismatch`);
}

/** Kafka's ChunkedBytesStream reads zstd 16 KiB at a time. */
const READ_CHUNK = 16 * 1024;
const ZSTD_IO = (message: string): JavaFailure => ({ javaClass: 'com.github.luben.zstd.ZstdIOException', javaMessage: message, io: true });

/**
 * `data` as Kafka's zstd stream (zstd-jni's ZstdInputStreamNoFinalizer over libzstd) delivers it.
 * Frames decode in order; a read that meets a corrupt block or a wrong checksum loses the bytes it
 * had decoded (reads are 16 KiB, restarting at each frame's end). Input that ends inside the first
 * frame fails ("Truncated source") after the complete blocks; inside a later frame it just ends
 * (zstd-jni only tracks the first). Bytes after the last frame that start no frame fail the read
 * after the last frame's data; empty input is an empty stream.
 */
export function zstdStream(input: Uint8Array): StreamContent {
  try {
    return { data: unzstd(input) };
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
  }
  if (input.length === 0) return { data: new Uint8Array(0) };
  const native = nativeZstd();
  if (native) return jniStream(input, native.stream());
  const outs: Uint8Array[] = [];
  let total = 0;
  const result = (failure?: JavaFailure, decodedInFrame?: Uint8Array, floored = false): StreamContent => {
    if (decodedInFrame && decodedInFrame.length) {
      const keep = floored ? Math.floor(decodedInFrame.length / READ_CHUNK) * READ_CHUNK : decodedInFrame.length;
      outs.push(decodedInFrame.subarray(0, keep));
      total += keep;
    }
    const out = outs.length === 1 ? outs[0]! : Buffer.concat(outs, total);
    return failure ? { data: out, failure } : { data: out };
  };
  const dv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  let p = 0;
  for (let frame = 0; p < input.length; ) {
    const rest = input.length - p;
    const magic = rest >= 4 ? dv.getUint32(p, true) : -1;
    if (rest < 4) {
      // A prefix of a magic leaves libzstd waiting for more input; anything else is no frame.
      const bytes = input.subarray(p);
      const prefixOf = (m: number[]) => bytes.every((b, i) => b === m[i]);
      const partial = prefixOf([0x28, 0xb5, 0x2f, 0xfd]) || ((bytes[0]! & 0xf0) === 0x50 && prefixOf([bytes[0]!, 0x2a, 0x4d, 0x18]));
      if (!partial) return result(ZSTD_IO('Unknown frame descriptor'));
      return frame === 0 ? result(ZSTD_IO('Truncated source')) : result();
    }
    if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) {
      p += rest < 8 ? rest : 8 + dv.getUint32(p + 4, true);
      continue;
    }
    if (magic !== ZSTD_MAGIC) return result(ZSTD_IO('Unknown frame descriptor'));
    const one = decodeOneFrame(input, dv, p);
    if (one.kind === 'ok') {
      outs.push(one.out);
      total += one.out.length;
      p = one.end;
      frame++;
      continue;
    }
    if (one.kind === 'truncated') return frame === 0 ? result(ZSTD_IO('Truncated source'), one.out) : result(undefined, one.out);
    return result(ZSTD_IO(one.message), one.out, true);
  }
  return result();
}

/** ZSTD_DStreamInSize(): zstd-jni reads its source this much at a time. */
const JNI_SOURCE_READ = 131075;

/**
 * Kafka's reads of `input` through zstd-jni's ZstdInputStreamNoFinalizer (readInternal), driven
 * over libzstd's own ZSTD_decompressStream: 16 KiB reads as Kafka's ChunkedBytesStream makes
 * them; a read that fails loses the bytes it had decoded; "Truncated source" when the input ends
 * inside a frame that has not finished (zstd-jni only notices for the stream's first frame).
 */
function jniStream(input: Uint8Array, decompressStream: (dst: Uint8Array, src: Uint8Array) => [number, number, number]): StreamContent {
  const outs: Uint8Array[] = [];
  let total = 0;
  let inPos = 0;
  let src: Uint8Array = new Uint8Array(0);
  let srcPos = 0;
  let needRead = true;
  let frameFinished = true;
  const done = (failure?: JavaFailure): StreamContent => {
    const out = outs.length === 1 ? outs[0]! : Buffer.concat(outs, total);
    return failure ? { data: out, failure } : { data: out };
  };
  /** One readInternal(buf, 0, len): bytes, -1 at the end, or the failure. */
  const readInternal = (len: number): Uint8Array | -1 | JavaFailure => {
    const dst = new Uint8Array(len);
    let dstPos = 0;
    let lastDstPos = -1;
    while (dstPos < len && lastDstPos < dstPos) {
      if (needRead && (input.length - inPos > 0 || dstPos === 0)) {
        if (inPos >= input.length) {
          if (frameFinished) return -1;
          return ZSTD_IO('Truncated source');
        }
        src = input.subarray(inPos, Math.min(input.length, inPos + JNI_SOURCE_READ));
        inPos += src.length;
        srcPos = 0;
        frameFinished = false;
      }
      lastDstPos = dstPos;
      let r: [number, number, number];
      try {
        r = decompressStream(dst.subarray(dstPos), src.subarray(srcPos));
      } catch (e) {
        return ZSTD_IO(messageOf(e));
      }
      dstPos += r[1];
      srcPos += r[2];
      if (r[0] === 0) {
        frameFinished = true;
        needRead = srcPos === src.length;
        return dst.subarray(0, dstPos);
      }
      needRead = dstPos < len;
    }
    return dst.subarray(0, dstPos);
  };
  for (;;) {
    let r: Uint8Array | -1 | JavaFailure;
    do r = readInternal(READ_CHUNK);
    while (r instanceof Uint8Array && r.length === 0);
    if (r === -1) return done();
    if (!(r instanceof Uint8Array)) return done(r);
    outs.push(r);
    total += r.length;
  }
}

type OneFrame = { kind: 'ok'; out: Uint8Array; end: number } | { kind: 'truncated'; out: Uint8Array } | { kind: 'corrupt'; out: Uint8Array; message: string };

/**
 * The frame at `p` decoded on its own: its output and end, or how far it got (the output of the
 * blocks before the failure) and why it stopped.
 */
function decodeOneFrame(input: Uint8Array, dv: DataView, p: number): OneFrame {
  const w = walkFrame(input, dv, p);
  if ('problem' in w && !w.truncated) return { kind: 'corrupt', out: new Uint8Array(0), message: w.problem };
  // fzstd's streaming decoder hands out each block as it decodes it.
  const parts: Uint8Array[] = [];
  let total = 0;
  const dec = new (fzstdLib().Decompress)((chunk) => {
    parts.push(chunk);
    total += chunk.length;
  });
  let error: unknown = null;
  try {
    let frame = 'problem' in w ? input.subarray(p) : input.subarray(p, w.end);
    if (!('problem' in w) && w.shrink) {
      // the smaller window descriptor, as jsDecode does (fzstd allocates the declared window)
      frame = Uint8Array.prototype.slice.call(frame);
      frame[w.shrink.at - p] = w.shrink.descriptor;
    }
    dec.push(frame, true);
  } catch (e) {
    error = e;
  }
  const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  if ('problem' in w) return { kind: 'truncated', out };
  if (error !== null) return { kind: 'corrupt', out, message: messageOf(error) };
  if (w.contentSize !== undefined && out.length !== w.contentSize) return { kind: 'corrupt', out, message: 'Corrupted block detected' };
  try {
    checkContent(input, w, out);
  } catch {
    return { kind: 'corrupt', out, message: "Restored data doesn't match checksum" };
  }
  const native = nativeZstd();
  if (native) {
    // Where libzstd is at hand it is the judge (fzstd is laxer about some corrupt blocks).
    try {
      native.decompressInto(Buffer.allocUnsafe(Math.max(w.outBound, 1)), input.subarray(p, w.end));
    } catch (e) {
      return { kind: 'corrupt', out, message: messageOf(e) };
    }
  }
  return { kind: 'ok', out, end: w.end };
}
