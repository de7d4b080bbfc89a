import { isUtf8 } from 'node:buffer';

/**
 * UTF-8 to string exactly as Java's `new String(bytes, UTF_8)` does it, since what Kafka's tools
 * print is what Java decoded. Valid UTF-8 decodes the same everywhere; malformed input differs:
 * Java replaces some multi-byte malformed sequences with ONE U+FFFD where the WHATWG decoder
 * (TextDecoder) emits one per byte (e.g. `ED BD` → Java 1, WHATWG 2). So valid input takes the
 * fast native path and only malformed input is decoded here, following the JDK's rules.
 */
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export function utf8(buf: Uint8Array, start: number = 0, end: number = buf.length): string {
  const len = end - start;
  if (len <= 0) return '';
  if (len < 32) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return utf8Slow(buf.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8Slow(buf.subarray(start, end));
}

function utf8Slow(bytes: Uint8Array): string {
  return isUtf8(bytes) ? decoder.decode(bytes) : javaDecodeUtf8(bytes);
}

const REPL = 0xfffd;
const cont = (b: number) => (b & 0xc0) === 0x80;

/** The JDK's UTF-8 decoding with replacement (String.decodeUTF8_UTF16), for any input. */
let scratch = new Uint16Array(1024);
const utf16 = new TextDecoder('utf-16le');

export function javaDecodeUtf8(src: Uint8Array): string {
  // Each input byte yields at most one UTF-16 unit (4-byte sequences yield two), so the output
  // fits in src.length units; a reused scratch array avoids per-call garbage.
  if (scratch.length < src.length) scratch = new Uint16Array(Math.max(src.length, scratch.length * 2));
  const out = scratch;
  let n = 0;
  const sl = src.length;
  let sp = 0;
  while (sp < sl) {
    const b1 = src[sp++]!;
    if (b1 < 0x80) {
      out[n++] = b1;
    } else if (b1 >> 5 === 0b110 && (b1 & 0x1e) !== 0) {
      if (sp < sl) {
        const b2 = src[sp++]!;
        if (!cont(b2)) {
          out[n++] = REPL;
          sp--;
        } else {
          out[n++] = ((b1 & 0x1f) << 6) | (b2 & 0x3f);
        }
        continue;
      }
      out[n++] = REPL;
      break;
    } else if (b1 >> 4 === 0b1110) {
      if (sp + 1 < sl) {
        const b2 = src[sp++]!;
        const b3 = src[sp++]!;
        if ((b1 === 0xe0 && (b2 & 0xe0) === 0x80) || !cont(b2) || !cont(b3)) {
          out[n++] = REPL;
          sp -= 3;
          sp += malformed3(src, sp);
        } else {
          const c = ((b1 & 0x0f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
          out[n++] = c >= 0xd800 && c <= 0xdfff ? REPL : c;
        }
        continue;
      }
      if (sp < sl && ((b1 === 0xe0 && (src[sp]! & 0xe0) === 0x80) || !cont(src[sp]!))) {
        out[n++] = REPL;
        continue;
      }
      out[n++] = REPL;
      break;
    } else if (b1 >> 3 === 0b11110) {
      if (sp + 2 < sl) {
        const b2 = src[sp++]!;
        const b3 = src[sp++]!;
        const b4 = src[sp++]!;
        const uc = ((b1 & 0x07) << 18) | ((b2 & 0x3f) << 12) | ((b3 & 0x3f) << 6) | (b4 & 0x3f);
        if (!cont(b2) || !cont(b3) || !cont(b4) || uc < 0x10000 || uc > 0x10ffff) {
          out[n++] = REPL;
          sp -= 4;
          sp += malformed4(src, sp);
        } else {
          const u = uc - 0x10000;
          out[n++] = 0xd800 | (u >> 10);
          out[n++] = 0xdc00 | (u & 0x3ff);
        }
        continue;
      }
      if (b1 > 0xf4 || (sp < sl && malformed4_2(b1, src[sp]!))) {
        out[n++] = REPL;
        continue;
      }
      sp++;
      out[n++] = REPL;
      if (sp < sl && !cont(src[sp]!)) continue;
      break;
    } else {
      out[n++] = REPL;
    }
  }
  return utf16.decode(out.subarray(0, n));
}

function malformed3(src: Uint8Array, sp: number): number {
  const b1 = src[sp]!;
  const b2 = src[sp + 1]!;
  return (b1 === 0xe0 && (b2 & 0xe0) === 0x80) || !cont(b2) ? 1 : 2;
}

function malformed4_2(b1: number, b2: number): boolean {
  return (b1 === 0xf0 && (b2 < 0x90 || b2 > 0xbf)) || (b1 === 0xf4 && (b2 & 0xf0) !== 0x80) || !cont(b2);
}

function malformed4(src: Uint8Array, sp: number): number {
  const b1 = src[sp]!;
  const b2 = src[sp + 1]!;
  if (b1 > 0xf4 || malformed4_2(b1, b2)) return 1;
  if (!cont(src[sp + 2]!)) return 2;
  return 3;
}

/**
 * The UTF-8 bytes Java would print for `src` (decode with replacement, then encode): valid
 * sequences are copied, each malformed run (as the JDK delimits it) becomes EF BF BD. Produced
 * directly, without building a string. A fresh buffer (callers may hold a key and a value at once).
 */
export function javaUtf8Bytes(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length * 3);
  let o = 0;
  const repl = () => {
    out[o++] = 0xef;
    out[o++] = 0xbf;
    out[o++] = 0xbd;
  };
  const sl = src.length;
  let sp = 0;
  while (sp < sl) {
    const b1 = src[sp++]!;
    if (b1 < 0x80) {
      out[o++] = b1;
    } else if (b1 >> 5 === 0b110 && (b1 & 0x1e) !== 0) {
      if (sp < sl) {
        const b2 = src[sp]!;
        if (!cont(b2)) {
          repl();
        } else {
          out[o++] = b1;
          out[o++] = b2;
          sp++;
        }
        continue;
      }
      repl();
      break;
    } else if (b1 >> 4 === 0b1110) {
      if (sp + 1 < sl) {
        const b2 = src[sp]!;
        const b3 = src[sp + 1]!;
        if ((b1 === 0xe0 && (b2 & 0xe0) === 0x80) || !cont(b2) || !cont(b3)) {
          repl();
          sp = sp - 1 + malformed3(src, sp - 1);
        } else {
          if (b1 === 0xed && b2 >= 0xa0) repl(); // an encoded surrogate
          else {
            out[o++] = b1;
            out[o++] = b2;
            out[o++] = b3;
          }
          sp += 2;
        }
        continue;
      }
      if (sp < sl && ((b1 === 0xe0 && (src[sp]! & 0xe0) === 0x80) || !cont(src[sp]!))) {
        repl();
        continue;
      }
      repl();
      break;
    } else if (b1 >> 3 === 0b11110) {
      if (sp + 2 < sl) {
        const b2 = src[sp]!;
        const b3 = src[sp + 1]!;
        const b4 = src[sp + 2]!;
        const uc = ((b1 & 0x07) << 18) | ((b2 & 0x3f) << 12) | ((b3 & 0x3f) << 6) | (b4 & 0x3f);
        if (!cont(b2) || !cont(b3) || !cont(b4) || uc < 0x10000 || uc > 0x10ffff) {
          repl();
          sp = sp - 1 + malformed4(src, sp - 1);
        } else {
          out[o++] = b1;
          out[o++] = b2;
          out[o++] = b3;
          out[o++] = b4;
          sp += 3;
        }
        continue;
      }
      if (b1 > 0xf4 || (sp < sl && malformed4_2(b1, src[sp]!))) {
        repl();
        continue;
      }
      sp++;
      repl();
      if (sp < sl && !cont(src[sp]!)) continue;
      break;
    } else {
      repl();
    }
  }
  return out.subarray(0, o);
}
