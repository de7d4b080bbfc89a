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

const cont = (b: number) => (b & 0xc0) === 0x80;

/**
 * The JDK's UTF-8 decoding with replacement (String.decodeUTF8_UTF16), for any input: Java's
 * replacement bytes (valid UTF-8 by construction) decoded natively.
 */
export function javaDecodeUtf8(src: Uint8Array): string {
  return decoder.decode(javaUtf8Bytes(src));
}

/** A 3-byte lead followed by a second byte that already makes the sequence malformed (JDK rules). */
function badSecondOf3(b1: number, b2: number): boolean {
  return (b1 === 0xe0 && (b2 & 0xe0) === 0x80) || !cont(b2);
}

/** A 4-byte lead (F0-F4) followed by a second byte that already makes the sequence malformed. */
function badSecondOf4(b1: number, b2: number): boolean {
  return (b1 === 0xf0 && (b2 < 0x90 || b2 > 0xbf)) || (b1 === 0xf4 && (b2 & 0xf0) !== 0x80) || !cont(b2);
}

/** EF BF BD, the UTF-8 of U+FFFD, as a little-endian word (a 4th byte the next write covers). */
const REPLACEMENT = 0xef | (0xbf << 8) | (0xbd << 16);

/**
 * Bytes that stand for themselves or for one replacement, whatever follows: ASCII (copied) and the
 * bytes that never start a sequence (continuation bytes, C0, C1, F5-FF: EF BF BD each). `SINGLE_OUT`
 * holds their output as a little-endian word, `SINGLE_LENGTH` its length (0 for the leads C2-F4).
 */
const SINGLE_OUT = new Int32Array(256);
const SINGLE_LENGTH = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  if (b < 0x80) {
    SINGLE_OUT[b] = b;
    SINGLE_LENGTH[b] = 1;
  } else if (b < 0xc2 || b > 0xf4) {
    SINGLE_OUT[b] = 0xef | (0xbf << 8) | (0xbd << 16);
    SINGLE_LENGTH[b] = 3;
  }
}

/**
 * Writes the UTF-8 bytes Java would print for `src[start, end)` (decode with replacement, then
 * encode) into `out` from `at`, returning the end: valid sequences are copied, each malformed run
 * (as the JDK delimits it) becomes EF BF BD. `out` needs 3 × (end - start) + 1 bytes of room (a
 * single byte's output is stored as a word). Nothing at or past `end` is read. `view` is a
 * DataView over all of `out`, if the caller has one.
 */
export function javaUtf8Into(src: Uint8Array, out: Uint8Array, at: number, start = 0, end = src.length, view?: DataView): number {
  const words = view ?? new DataView(out.buffer, out.byteOffset, out.byteLength);
  let o = at;
  const sl = end;
  let sp = start;
  while (sp < sl) {
    const b1 = src[sp++]!;
    // One table lookup settles ASCII and the bytes that are always one replacement (binary values
    // are mostly these), with one store and no branch on the byte's class.
    const single = SINGLE_LENGTH[b1]!;
    if (single !== 0) {
      words.setInt32(o, SINGLE_OUT[b1]!, true);
      o += single;
      continue;
    }
    // b1 is a lead: C2-DF, E0-EF or F0-F4. A malformed sequence becomes one replacement; how many
    // of its bytes it consumes follows the JDK (String.decodeUTF8_UTF16).
    if (b1 < 0xe0) {
      if (sp < sl && cont(src[sp]!)) {
        out[o++] = b1;
        out[o++] = src[sp++]!;
        continue;
      }
      words.setInt32(o, REPLACEMENT, true);
      o += 3;
      if (sp >= sl) break;
    } else if (b1 < 0xf0) {
      if (sp + 1 < sl) {
        const b2 = src[sp]!;
        const b3 = src[sp + 1]!;
        const bad2 = badSecondOf3(b1, b2);
        if (bad2 || !cont(b3) || (b1 === 0xed && b2 >= 0xa0)) {
          // malformed (one byte, or two if only the third is wrong), or an encoded surrogate
          words.setInt32(o, REPLACEMENT, true);
          o += 3;
          sp += bad2 ? 0 : !cont(b3) ? 1 : 2;
        } else {
          out[o++] = b1;
          out[o++] = b2;
          out[o++] = b3;
          sp += 2;
        }
        continue;
      }
      words.setInt32(o, REPLACEMENT, true);
      o += 3;
      if (sp < sl && badSecondOf3(b1, src[sp]!)) continue;
      break;
    } else {
      if (sp + 2 < sl) {
        const b2 = src[sp]!;
        const b3 = src[sp + 1]!;
        const b4 = src[sp + 2]!;
        const uc = ((b1 & 0x07) << 18) | ((b2 & 0x3f) << 12) | ((b3 & 0x3f) << 6) | (b4 & 0x3f);
        if (!cont(b2) || !cont(b3) || !cont(b4) || uc < 0x10000 || uc > 0x10ffff) {
          words.setInt32(o, REPLACEMENT, true);
          o += 3;
          sp += badSecondOf4(b1, b2) ? 0 : !cont(b3) ? 1 : 2;
        } else {
          out[o++] = b1;
          out[o++] = b2;
          out[o++] = b3;
          out[o++] = b4;
          sp += 3;
        }
        continue;
      }
      words.setInt32(o, REPLACEMENT, true);
      o += 3;
      if (sp < sl && badSecondOf4(b1, src[sp]!)) continue;
      sp++;
      if (sp < sl && !cont(src[sp]!)) continue;
      break;
    }
  }
  return o;
}

/** javaUtf8Into, into a fresh buffer (callers may hold a key and a value at once). */
export function javaUtf8Bytes(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length * 3 + 1);
  return out.subarray(0, javaUtf8Into(src, out, 0));
}
