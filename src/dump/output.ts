import { isUtf8 } from 'node:buffer';
import { writeSync } from 'node:fs';
import { javaUtf8Into } from '../format/utf8.js';

/**
 * A byte sink for dump output: text, integers and raw bytes are written straight into one large
 * buffer that is handed on in big chunks (never a write per line), so the hot path builds no
 * intermediate strings. `target` receives each full chunk and must consume or copy it before
 * returning.
 */
/** "00".."99" as ASCII pairs. */
const PAIRS = new Uint8Array(200);
/** "0000".."9999" as little-endian int32 words: four digits in one store. */
const QUADS = new Int32Array(10000);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 48 + Math.floor(i / 10);
  PAIRS[2 * i + 1] = 48 + (i % 10);
}
for (let i = 0; i < 10000; i++) {
  const d = [Math.floor(i / 1000), Math.floor(i / 100) % 10, Math.floor(i / 10) % 10, i % 10];
  QUADS[i] = (48 + d[0]!) | ((48 + d[1]!) << 8) | ((48 + d[2]!) << 16) | ((48 + d[3]!) << 24);
}

/** Writes 0 <= n < 10^4 without leading zeros; returns the end. */
function upTo4(dst: Uint8Array, view: DataView, o: number, n: number): number {
  if (n < 10) {
    dst[o] = 48 + n;
    return o + 1;
  }
  if (n < 100) {
    dst[o] = PAIRS[2 * n]!;
    dst[o + 1] = PAIRS[2 * n + 1]!;
    return o + 2;
  }
  if (n < 1000) {
    const q = (n / 100) | 0;
    const r = (n - q * 100) << 1;
    dst[o] = 48 + q;
    dst[o + 1] = PAIRS[r]!;
    dst[o + 2] = PAIRS[r + 1]!;
    return o + 3;
  }
  view.setInt32(o, QUADS[n]!, true);
  return o + 4;
}

/** Writes 0 <= n < 10^8 without leading zeros; returns the end. */
function upTo8(dst: Uint8Array, view: DataView, o: number, n: number): number {
  if (n < 10000) return upTo4(dst, view, o, n);
  const high = (n / 10000) | 0;
  o = upTo4(dst, view, o, high);
  view.setInt32(o, QUADS[n - high * 10000]!, true);
  return o + 4;
}

/**
 * Writes a safe integer in decimal (as Java prints a long) into `dst` at `o`, four digits per
 * store through `view` (a DataView over all of `dst`); returns the end. Needs 21 bytes of room.
 * Values past 10^8 (timestamps, big offsets) are split there, so the digits come from int32
 * arithmetic.
 */
export function putDecimal(dst: Uint8Array, view: DataView, o: number, v: number): number {
  let n = v;
  if (n < 0) {
    dst[o++] = 45;
    n = -n;
  }
  if (n < 100000000) return upTo8(dst, view, o, n);
  const high = Math.floor(n / 100000000);
  if (high >= 100000000) {
    // Past 10^16: not an int64 the decoders produce as a number (those are bigints past 2^53).
    const s = String(n);
    for (let i = 0; i < s.length; i++) dst[o++] = s.charCodeAt(i);
    return o;
  }
  const low = n - high * 100000000;
  o = upTo8(dst, view, o, high);
  const mid = (low / 10000) | 0;
  view.setInt32(o, QUADS[mid]!, true);
  view.setInt32(o + 4, QUADS[low - mid * 10000]!, true);
  return o + 8;
}

/** A constant ASCII label of the dump's lines, also held as little-endian int32 words. */
export interface Label {
  readonly length: number;
  readonly words: Int32Array;
}

export function label(s: string): Label {
  return labelOf(Buffer.from(s, 'latin1'));
}

/** A label of the given bytes (copied). */
export function labelOf(text: Uint8Array): Label {
  const bytes = new Uint8Array(Math.ceil(text.length / 4) * 4);
  bytes.set(text);
  return { length: text.length, words: new Int32Array(bytes.buffer) };
}

/**
 * Copies a label into the buffer under `view` at `o`, a word at a time; returns its end. Up to 3
 * bytes past the end are written too (the next write covers them), so the room reserved must
 * allow for that slack.
 */
export function putLabel(view: DataView, o: number, l: Label): number {
  const w = l.words;
  for (let i = 0, q = o; i < w.length; i++, q += 4) view.setInt32(q, w[i]!, true);
  return o + l.length;
}

/** Writes an int64 (a bigint only past 2^53) in decimal at `o`; returns the end (21 bytes of room). */
export function putInt64(dst: Uint8Array, view: DataView, o: number, v: number | bigint): number {
  if (typeof v === 'number') return putDecimal(dst, view, o, v);
  const s = v.toString();
  for (let i = 0; i < s.length; i++) dst[o++] = s.charCodeAt(i);
  return o;
}

/**
 * Writes `src[start, end)` as Java prints `new String(bytes, UTF_8)` into `dst` at `o` (room for
 * 3 × the length + 1 needed); returns the end. `srcView`/`dstView` are DataViews over all of `src` and
 * `dst`. Short ASCII runs (most keys and values) are copied four bytes at a time while their
 * bits are OR-ed together; other valid UTF-8 takes the native check and a memcpy; only malformed
 * bytes go through the JDK's replacement rules.
 */
export function putJavaUtf8(dst: Uint8Array, dstView: DataView, o: number, src: Uint8Array, srcView: DataView, start: number, end: number): number {
  const n = end - start;
  if (n < 128) {
    let i = start;
    let q = o;
    let bits = 0;
    for (; i + 4 <= end; i += 4, q += 4) {
      const w = srcView.getInt32(i, true);
      bits |= w;
      dstView.setInt32(q, w, true);
    }
    for (; i < end; i++) {
      const b = src[i]!;
      bits |= b;
      dst[q++] = b;
    }
    if ((bits & 0x80808080) === 0) return q;
  }
  const view = new Uint8Array(src.buffer, src.byteOffset + start, n);
  if (isUtf8(view)) {
    dst.set(view, o);
    return o + n;
  }
  return javaUtf8Into(src, dst, o, start, end, dstView, srcView);
}

/** Scratch space for ByteSink.javaUtf8 (kept up to this size: values of up to 5.3 MB). */
const SCRATCH_MAX = 16 << 20;
let scratch: Uint8Array | null = null;

export class ByteSink {
  private buf: Buffer;
  private len = 0;

  /**
   * `target` receives each chunk: the sink's buffer when full, or a piece too large for it (the
   * caller's bytes or a scratch buffer). It must consume or copy every chunk before returning,
   * except that with `handOff` it keeps the sink's buffer (e.g. for another thread to write out)
   * and the sink goes on in the buffer `handOff` returns, of the same capacity. `capacity` may be
   * the first buffer itself.
   */
  constructor(
    private readonly target: (chunk: Uint8Array) => void,
    capacity: number | Uint8Array = 1 << 20,
    private readonly handOff?: () => Uint8Array,
  ) {
    this.buf = typeof capacity === 'number' ? Buffer.allocUnsafe(capacity) : Buffer.from(capacity.buffer, capacity.byteOffset, capacity.byteLength);
  }

  /** Makes room for `n` more bytes (n must not exceed the capacity). */
  private ensure(n: number): void {
    if (this.len + n > this.buf.length) this.flush();
  }

  /** A DataView over the whole buffer `reserve` returns (for word-wide copies). */
  get view(): DataView {
    return (this.dataView ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }
  private dataView: DataView | undefined;

  /** Bytes the sink holds at most between flushes. */
  get capacity(): number {
    return this.buf.length;
  }

  /**
   * Direct writing: makes `n` contiguous bytes of room (n <= capacity) and returns the buffer;
   * the caller writes from `length` on and sets `length` to its end. Until then nothing is
   * flushed, so setting `length` back to where it was undoes the writes.
   */
  reserve(n: number): Uint8Array {
    if (this.len + n > this.buf.length) this.flush();
    return this.buf;
  }

  get length(): number {
    return this.len;
  }

  set length(n: number) {
    this.len = n;
  }

  /**
   * Writes a string as UTF-8. Short strings are copied by a JS loop while they are ASCII (most
   * dump text is): cheaper than a native Buffer.write call per piece.
   */
  text(s: string): void {
    const n = s.length;
    if (n <= 128) {
      this.ensure(n * 3);
      const buf = this.buf;
      let len = this.len;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          this.len = len + buf.write(s.slice(i), len, 'utf8');
          return;
        }
        buf[len++] = c;
      }
      this.len = len;
      return;
    }
    // A UTF-16 unit takes at most 3 UTF-8 bytes.
    if (n * 3 > this.buf.length) {
      this.flush();
      this.target(Buffer.from(s, 'utf8'));
      return;
    }
    this.ensure(n * 3);
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  /** Writes a constant label (see `label`). */
  label(l: Label): void {
    if (this.len + l.length + 3 > this.buf.length) this.flush();
    this.len = putLabel(this.view, this.len, l);
  }

  /** Writes an integer in Java's decimal form, without building a string for safe integers. */
  int(v: number | bigint): void {
    if (typeof v === 'bigint') {
      this.text(v.toString());
      return;
    }
    if (this.len + 21 > this.buf.length) this.flush();
    this.len = putDecimal(this.buf, this.view, this.len, v);
  }

  bool(b: boolean): void {
    this.text(b ? 'true' : 'false');
  }

  /**
   * Writes bytes as Java prints `new String(bytes, UTF_8)`: valid UTF-8 as is, malformed runs
   * replaced the JDK's way, straight into the buffer.
   */
  javaUtf8(b: Uint8Array): void {
    // Java's text of n bytes takes at most 3n bytes (javaUtf8Into wants one more).
    const need = b.length * 3 + 1;
    if (need <= this.buf.length) {
      // The record-line writer's path: ASCII copied by words, valid UTF-8 checked natively.
      this.ensure(need);
      this.len = putJavaUtf8(this.buf, this.view, this.len, b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length);
      return;
    }
    if (isUtf8(b)) {
      this.bytes(b);
      return;
    }
    // A long malformed value: converted into a scratch buffer reused from value to value (the
    // target consumes each piece before returning), so it makes no garbage.
    this.flush();
    let out = scratch;
    if (out === null || out.length < need) {
      out = new Uint8Array(need);
      if (need <= SCRATCH_MAX) scratch = out;
    }
    this.target(out.subarray(0, javaUtf8Into(b, out, 0)));
  }

  bytes(b: Uint8Array): void {
    if (this.len + b.length > this.buf.length) {
      this.flush();
      if (b.length > this.buf.length) {
        this.target(b);
        return;
      }
    }
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** Hands a finished piece of output to the target as is, after what is buffered (no copy). */
  pass(b: Uint8Array): void {
    this.flush();
    if (b.length > 0) this.target(b);
  }

  flush(): void {
    if (this.len === 0) return;
    const chunk = this.buf.subarray(0, this.len);
    this.len = 0;
    this.target(chunk);
    if (this.handOff !== undefined) {
      // The target kept the buffer (see the constructor).
      const next = this.handOff();
      this.buf = Buffer.from(next.buffer, next.byteOffset, next.byteLength);
      this.dataView = undefined;
    }
  }
}

/**
 * Writes a chunk to a file descriptor, retrying on EAGAIN (non-blocking pipes). A closed pipe
 * (EPIPE) drops the output, or calls `onClosed` if given.
 */
export function fdWriter(fd: number, onClosed?: () => void): (chunk: Uint8Array) => void {
  return (chunk) => {
    let off = 0;
    while (off < chunk.length) {
      try {
        off += writeSync(fd, chunk, off, chunk.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        if (code === 'EPIPE') {
          onClosed?.();
          return;
        }
        throw e;
      }
    }
  };
}

/** Where a dump writes: stdout and stderr sinks, and the working directory for absolute paths. */
export interface DumpIO {
  out: ByteSink;
  err: ByteSink;
  cwd: string;
}
