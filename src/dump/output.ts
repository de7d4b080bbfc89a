import { writeSync } from 'node:fs';

/**
 * A byte sink for dump output: text and raw bytes are copied into one large buffer that is handed
 * on in big chunks (never a write per line). `target` receives each full chunk and must consume
 * or copy it before returning.
 */
export class ByteSink {
  private buf: Buffer;
  private len = 0;
  /**
   * Text not yet encoded: appending to a JS string is far cheaper than one Buffer.write per
   * piece, so small texts are joined first and encoded in one call.
   */
  private pending = '';

  constructor(
    private readonly target: (chunk: Uint8Array) => void,
    capacity = 1 << 20,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Writes a string as UTF-8. */
  text(s: string): void {
    this.pending += s;
    if (this.pending.length > 16384) this.encodePending();
  }

  private encodePending(): void {
    const s = this.pending;
    this.pending = '';
    // A UTF-16 unit takes at most 3 UTF-8 bytes.
    if (this.len + s.length * 3 > this.buf.length) {
      this.flush();
      if (s.length * 3 > this.buf.length) {
        this.target(Buffer.from(s, 'utf8'));
        return;
      }
    }
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  bytes(b: Uint8Array): void {
    if (this.pending.length > 0) this.encodePending();
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

  flush(): void {
    if (this.pending.length > 0) this.encodePending();
    if (this.len === 0) return;
    // The target consumes (or copies) the chunk synchronously, so the buffer is reused.
    const chunk = this.buf.subarray(0, this.len);
    this.len = 0;
    this.target(chunk);
  }
}

/** Writes a chunk to a file descriptor, retrying on EAGAIN (non-blocking pipes). */
export function fdWriter(fd: number): (chunk: Uint8Array) => void {
  return (chunk) => {
    let off = 0;
    while (off < chunk.length) {
      try {
        off += writeSync(fd, chunk, off, chunk.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        if (code === 'EPIPE') return;
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
