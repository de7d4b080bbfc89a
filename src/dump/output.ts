import { isUtf8 } from 'node:buffer';
import { writeSync } from 'node:fs';
import { javaUtf8Bytes, javaUtf8Into } from '../format/utf8.js';

/**
 * A byte sink for dump output: text, integers and raw bytes are written straight into one large
 * buffer that is handed on in big chunks (never a write per line), so the hot path builds no
 * intermediate strings. `target` receives each full chunk and must consume or copy it before
 * returning.
 */
/** "00".."99" as ASCII pairs: two digits per division. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 48 + Math.floor(i / 10);
  PAIRS[2 * i + 1] = 48 + (i % 10);
}

/** Decimal digits of 0 <= n < 2^31. */
function digitCount(n: number): number {
  if (n < 100000) return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : 5;
  return n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
}

/** Writes 0 <= n < 2^31 at `at` (int32 arithmetic only); returns the end. */
function writeSmall(buf: Uint8Array, at: number, n: number): number {
  const end = at + digitCount(n);
  let e = end;
  while (n >= 100) {
    const q = (n / 100) | 0;
    const r = (n - q * 100) << 1;
    buf[--e] = PAIRS[r + 1]!;
    buf[--e] = PAIRS[r]!;
    n = q;
  }
  if (n >= 10) {
    buf[--e] = PAIRS[(n << 1) + 1]!;
    buf[--e] = PAIRS[n << 1]!;
  } else {
    buf[--e] = 48 + n;
  }
  return end;
}

/**
 * Writes a safe integer in decimal at `at` (room for 21 bytes needed); returns the end. Values
 * past int32 (timestamps, offsets) are split at 10^8 so the digits come from int32 arithmetic.
 */
export function writeDecimal(buf: Uint8Array, at: number, v: number): number {
  let n = v;
  if (n < 0) {
    buf[at++] = 45;
    n = -n;
  }
  if (n < 2147483648) return writeSmall(buf, at, n);
  const high = Math.floor(n / 100000000);
  let low = n - high * 100000000;
  at = high < 2147483648 ? writeSmall(buf, at, high) : writeDecimal(buf, at, high);
  // The low part: exactly 8 digits, zero-padded.
  let e = at + 8;
  for (let k = 0; k < 4; k++) {
    const q = (low / 100) | 0;
    const r = (low - q * 100) << 1;
    buf[--e] = PAIRS[r + 1]!;
    buf[--e] = PAIRS[r]!;
    low = q;
  }
  return at + 8;
}

/** A JS scan settles short ASCII values without the cost of a native call. */
function isShortAscii(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n > 64) return false;
  for (let i = 0; i < n; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

export class ByteSink {
  private buf: Buffer;
  private len = 0;

  constructor(
    private readonly target: (chunk: Uint8Array) => void,
    capacity = 1 << 20,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Makes room for `n` more bytes (n must not exceed the capacity). */
  private ensure(n: number): void {
    if (this.len + n > this.buf.length) this.flush();
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

  /** Writes pre-encoded ASCII bytes (the dump's constant labels, see `ascii`). */
  raw(b: Uint8Array): void {
    const n = b.length;
    if (this.len + n > this.buf.length) this.flush();
    const buf = this.buf;
    let len = this.len;
    for (let i = 0; i < n; i++) buf[len++] = b[i]!;
    this.len = len;
  }

  /** Writes an integer in Java's decimal form, without building a string for safe integers. */
  int(v: number | bigint): void {
    if (typeof v === 'bigint') {
      this.text(v.toString());
      return;
    }
    if (this.len + 21 > this.buf.length) this.flush();
    this.len = writeDecimal(this.buf, this.len, v);
  }

  bool(b: boolean): void {
    this.text(b ? 'true' : 'false');
  }

  /**
   * Writes bytes as Java prints `new String(bytes, UTF_8)`: valid UTF-8 as is, malformed runs
   * replaced the JDK's way, straight into the buffer.
   */
  javaUtf8(b: Uint8Array): void {
    if (isShortAscii(b) || isUtf8(b)) {
      this.bytes(b);
      return;
    }
    if (b.length * 3 > this.buf.length) {
      this.flush();
      this.target(javaUtf8Bytes(b));
      return;
    }
    this.ensure(b.length * 3);
    this.len = javaUtf8Into(b, this.buf, this.len);
  }

  bytes(b: Uint8Array): void {
    if (this.len + b.length > this.buf.length) {
      this.flush();
      if (b.length > this.buf.length) {
        this.target(Buffer.from(b));
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
    // The target consumes (or copies) the chunk synchronously, so the buffer is reused.
    const chunk = this.buf.subarray(0, this.len);
    this.len = 0;
    this.target(chunk);
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

/** Encodes a constant ASCII label once, for ByteSink.raw. */
export function ascii(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'latin1'));
}
