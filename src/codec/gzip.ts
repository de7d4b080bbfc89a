// gzip as Kafka reads it: java.util.zip.GZIPInputStream (Kafka's GzipCompression opens it with an
// 8 KiB inflater input buffer and reads it 16 KiB at a time through its ChunkedBytesStream). The
// member header and trailer rules are GZIPInputStream's, the deflate data is zlib's (node:zlib's
// raw inflate, the same library Java's Inflater wraps, with the same error messages):
//  - header: magic 1f 8b ("Not in GZIP format"), method 8 ("Unsupported compression method"),
//    FEXTRA/FNAME/FCOMMENT skipped, FHCRC checked ("Corrupt GZIP header"); reserved flag bits
//    ignored; a header cut short is an EOFException. All of it happens when the stream is opened.
//  - trailer: CRC-32 then ISIZE ("Corrupt GZIP trailer"), read after all of a member's data.
//  - after a trailer, another member is tried only when more than 26 bytes of the inflater's
//    buffer remain or the source has more; a header that fails to parse there ends the stream
//    quietly (trailing garbage is ignored), a valid one starts the next member.
import { createRequire } from 'node:module';
import type * as Zlib from 'node:zlib';
import { crc32 } from './crc.js';
import { CodecError, messageOf } from './errors.js';
import type { JavaFailure, StreamContent } from './types.js';

// Loaded on first use: node:zlib (and node:stream under it) is not in Node's start-up snapshot, and
// most dumps never meet a gzip batch (see scripts/bundle.mjs for what the start costs).
let loaded: typeof Zlib | undefined;
const zlib = (): typeof Zlib => (loaded ??= createRequire(import.meta.url)('node:zlib') as typeof Zlib);

/** GZIPInputStream's inflater input buffer as Kafka sizes it, and its ChunkedBytesStream reads. */
const INPUT_CHUNK = 8 * 1024;
const READ_CHUNK = 16 * 1024;

const zipException = (message: string): JavaFailure => ({ javaClass: 'java.util.zip.ZipException', javaMessage: message, io: true });
const EOF: JavaFailure = { javaClass: 'java.io.EOFException', javaMessage: null, io: true };

/** A member header at `p`: its end, or the failure GZIPInputStream.readHeader throws. */
function readHeader(d: Uint8Array, p: number): { end: number } | { failure: JavaFailure } {
  const n = d.length;
  if (p + 2 > n) return { failure: EOF };
  if (d[p] !== 0x1f || d[p + 1] !== 0x8b) return { failure: zipException('Not in GZIP format') };
  if (p + 3 > n) return { failure: EOF };
  if (d[p + 2] !== 8) return { failure: zipException('Unsupported compression method') };
  if (p + 4 > n) return { failure: EOF };
  const flg = d[p + 3]!;
  let q = p + 10; // MTIME, XFL, OS
  if (q > n) return { failure: EOF };
  if (flg & 4) {
    if (q + 2 > n) return { failure: EOF };
    q += 2 + (d[q]! | (d[q + 1]! << 8));
    if (q > n) return { failure: EOF };
  }
  for (const bit of [8, 16]) {
    if (flg & bit) {
      while (q < n && d[q] !== 0) q++;
      if (q >= n) return { failure: EOF };
      q++;
    }
  }
  if (flg & 2) {
    if (q + 2 > n) return { failure: EOF };
    if ((d[q]! | (d[q + 1]! << 8)) !== (crc32(d.subarray(p, q)) & 0xffff)) return { failure: zipException('Corrupt GZIP header') };
    q += 2;
  }
  return { end: q };
}

/** zlib's raw inflate of `body`: the output and the input bytes the deflate stream took. */
function inflate(body: Uint8Array): { out: Buffer; used: number } | { error: NodeJS.ErrnoException } {
  try {
    const r = zlib().inflateRawSync(body, { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    return { out: r.buffer, used: r.engine.bytesWritten };
  } catch (e) {
    return { error: e as NodeJS.ErrnoException };
  }
}

/** What zlib decodes from the first `len` bytes of `body`, or null if it meets an error in them. */
function inflatePrefix(body: Uint8Array, len: number): Buffer | null {
  try {
    return zlib().inflateRawSync(body.subarray(0, len), { finishFlush: zlib().constants.Z_SYNC_FLUSH });
  } catch {
    return null;
  }
}

/**
 * `data` as Kafka's gzip stream delivers it. A data error inside a member loses the output of the
 * 16 KiB read that meets it; an error in a trailer, or input that ends, comes on a read of its own
 * after all the data before it.
 */
export function gzipStream(data: Uint8Array): StreamContent {
  const h = readHeader(data, 0);
  if ('failure' in h) return { data: new Uint8Array(0), openFailure: h.failure };
  const outs: Buffer[] = [];
  let total = 0;
  const done = (failure?: JavaFailure, extra?: Uint8Array): StreamContent => {
    if (extra && extra.length) {
      outs.push(Buffer.from(extra.buffer, extra.byteOffset, extra.length));
      total += extra.length;
    }
    const out = outs.length === 1 ? outs[0]! : Buffer.concat(outs, total);
    return failure ? { data: out, failure } : { data: out };
  };
  let p = h.end;
  // The inflater's input buffer is filled from the source INPUT_CHUNK bytes at a time, from here.
  let bufEnd = p;
  for (;;) {
    const body = data.subarray(p);
    const r = inflate(body);
    if ('error' in r) {
      if (r.error.code === 'Z_BUF_ERROR') {
        // The input ends inside the deflate data: everything decodable, then the EOFException.
        return done({ javaClass: 'java.io.EOFException', javaMessage: 'Unexpected end of ZLIB input stream', io: true }, inflatePrefix(body, body.length) ?? undefined);
      }
      return done(zipException(messageOf(r.error)), dataBeforeError(body));
    }
    const { out, used } = r;
    outs.push(out);
    total += out.length;
    const end = p + used;
    while (bufEnd < end) bufEnd = Math.min(data.length, bufEnd + INPUT_CHUNK);
    // readTrailer: CRC-32 (compared first), then ISIZE.
    if (end + 4 > data.length) return done(EOF);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (view.getUint32(end, true) !== crc32(out)) return done(zipException('Corrupt GZIP trailer'));
    if (end + 8 > data.length) return done(EOF);
    if (view.getUint32(end + 4, true) !== out.length >>> 0) return done(zipException('Corrupt GZIP trailer'));
    const inBuffer = bufEnd - end;
    const available = data.length - Math.max(bufEnd, end + 8);
    if (!(available > 0 || inBuffer > 26)) return done();
    const next = readHeader(data, end + 8);
    if ('failure' in next) return done();
    p = next.end;
    if (p >= bufEnd) bufEnd = p;
  }
}

/** Output of `body` up to the read that meets its data error (READ_CHUNK reads from its start). */
function dataBeforeError(body: Uint8Array): Uint8Array | undefined {
  // The longest prefix zlib decodes without an error gives the output before the bad data.
  let lo = 0;
  let hi = body.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (inflatePrefix(body, mid) !== null) lo = mid;
    else hi = mid - 1;
  }
  const before = inflatePrefix(body, lo);
  if (!before) return undefined;
  return before.subarray(0, Math.floor(before.length / READ_CHUNK) * READ_CHUNK);
}

/** Decompresses a gzip payload Kafka reads to its end without error; throws CodecError otherwise. */
export function gunzip(data: Uint8Array): Uint8Array {
  if (data.length === 0) throw new CodecError('gzip', 'empty input');
  const s = gzipStream(data);
  const f = s.openFailure ?? s.failure;
  if (f) throw new CodecError('gzip', `corrupt or truncated data: ${f.javaMessage ?? 'the input ends too soon'}`);
  return s.data;
}
