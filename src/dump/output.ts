import { isUtf8 } from 'node:buffer';
import { writeSync } from 'node:fs';
import { javaUtf8Bytes, javaUtf8Into } from '../format/utf8.js';

/**
 * A byte sink for dump output: text, integers and raw bytes are written straight into one large
 * buffer that is handed on in big chunks (never a write per line), so the hot path builds no
 * intermediate strings. `target` receives each full chunk and must consume or copy it before
 * returning.
 */
const DIGITS = new Uint8Array(24);

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
    this.ensure(21);
    const buf = this.buf;
    let n = v;
    if (n < 0) {
      buf[this.len++] = 45;
      n = -n;
    }
    if (n < 10) {
      buf[this.len++] = 48 + n;
      return;
    }
    // Digits are produced last-first into a scratch array, then copied in order: one division
    // pass (integer division while the value fits 31 bits).
    const d = DIGITS;
    let k = 0;
    while (n > 0x7fffffff) {
      const q = Math.floor(n / 10);
      d[k++] = 48 + (n - q * 10);
      n = q;
    }
    while (n >= 10) {
      const q = (n / 10) | 0;
      d[k++] = 48 + (n - q * 10);
      n = q;
    }
    d[k++] = 48 + n;
    let len = this.len;
    while (k > 0) buf[len++] = d[--k]!;
    this.len = len;
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
