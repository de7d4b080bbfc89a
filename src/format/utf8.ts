import { isUtf8 } from 'node:buffer';
import { type JavaUtf8Engine, loadJavaUtf8Engine } from '../codec/index.js';

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

/**
 * The JDK's UTF-8 decoding with replacement (String.decodeUTF8_UTF16), for any input: Java's
 * replacement bytes (valid UTF-8 by construction) decoded natively.
 */
export function javaDecodeUtf8(src: Uint8Array): string {
  return decoder.decode(javaUtf8Bytes(src));
}

// Java's decoding as a byte-at-a-time transducer. The JDK's loop (String.decodeUTF8_UTF16) reads a
// lead, looks at the bytes a sequence of that lead needs, and on a malformed one writes one U+FFFD
// for the bytes before it and reads on from it. The same decisions taken byte by byte: a state says
// which lead (and second byte) came before and so what the next byte must be; the bytes of an
// unfinished sequence are written as they come and, if it turns out malformed, taken back and
// replaced by one U+FFFD (EF BF BD) before the byte that broke it is read afresh. Java reads a lead
// whatever came before (a lead is never a continuation byte), so this agrees with its look-ahead:
// test/java-utf8.test.ts checks it against the real JDK and an exhaustive set of short inputs.
// The states, each a row of 256 entries in the tables below:
const START = 0; // between sequences
const C2_DF = 1; // a 2-byte lead read: any continuation byte ends the sequence
const E0 = 2; // A0-BF must follow (E0 80-9F would be an overlong form)
const ED = 3; // any continuation byte follows; A0-BF make a surrogate, settled at the third byte
const E1_EF = 4; // E1-EC, EE, EF: any continuation byte follows
const E_3RD = 5; // a 3-byte lead and its second byte read
const SURROGATE_3RD = 6; // ED A0-BF read: a continuation byte completes an encoded surrogate, which
//                          Java replaces by one U+FFFD for all three bytes
const F0 = 7; // 90-BF must follow (F0 80-8F would be an overlong form)
const F4 = 8; // 80-8F must follow (past U+10FFFF otherwise)
const F1_F3 = 9; // any continuation byte follows
const F_3RD = 10; // a 4-byte lead and its second byte read
const F_4TH = 11; // a 4-byte lead and two continuation bytes read
const STATES = 12;
/** Bytes of an unfinished sequence written in each state (taken back if it turns out malformed). */
const PENDING = [0, 1, 1, 1, 1, 2, 2, 1, 1, 1, 2, 3];

const cont = (b: number) => (b & 0xc0) === 0x80;
const FFFD = [0xef, 0xbf, 0xbd];

/** What a byte does outside any sequence: copied (ASCII, or a lead, which opens a state) or replaced. */
function fromStart(b: number): { bytes: number[]; next: number } {
  if (b < 0x80) return { bytes: [b], next: START };
  if (b >= 0xc2 && b <= 0xdf) return { bytes: [b], next: C2_DF };
  if (b === 0xe0) return { bytes: [b], next: E0 };
  if (b === 0xed) return { bytes: [b], next: ED };
  if (b >= 0xe1 && b <= 0xef) return { bytes: [b], next: E1_EF };
  if (b === 0xf0) return { bytes: [b], next: F0 };
  if (b === 0xf4) return { bytes: [b], next: F4 };
  if (b >= 0xf1 && b <= 0xf3) return { bytes: [b], next: F1_F3 };
  // continuation bytes, C0 and C1 (overlong leads), F5-FF: never start a sequence
  return { bytes: FFFD, next: START };
}

/**
 * One byte `b` read in `state`: how many written bytes to take back, the bytes to write, the next
 * state.
 */
function javaStep(state: number, b: number): { takeBack: number; bytes: number[]; next: number } {
  const accept = (next: number) => ({ takeBack: 0, bytes: [b], next });
  const malformed = () => {
    // one U+FFFD for the unfinished sequence, then b read afresh
    const f = fromStart(b);
    return { takeBack: PENDING[state]!, bytes: [...FFFD, ...f.bytes], next: f.next };
  };
  switch (state) {
    case START:
      return { takeBack: 0, ...fromStart(b) };
    case C2_DF:
      return cont(b) ? accept(START) : malformed();
    case E0:
      return b >= 0xa0 && b <= 0xbf ? accept(E_3RD) : malformed();
    case ED:
      return cont(b) ? accept(b >= 0xa0 ? SURROGATE_3RD : E_3RD) : malformed();
    case E1_EF:
      return cont(b) ? accept(E_3RD) : malformed();
    case E_3RD:
      return cont(b) ? accept(START) : malformed();
    case SURROGATE_3RD:
      return cont(b) ? { takeBack: 2, bytes: FFFD, next: START } : malformed();
    case F0:
      return b >= 0x90 && b <= 0xbf ? accept(F_3RD) : malformed();
    case F4:
      return b >= 0x80 && b <= 0x8f ? accept(F_3RD) : malformed();
    case F1_F3:
      return cont(b) ? accept(F_3RD) : malformed();
    case F_3RD:
      return cont(b) ? accept(F_4TH) : malformed();
    default: // F_4TH
      return cont(b) ? accept(START) : malformed();
  }
}

/**
 * The transducer as tables, indexed by state × 256 + byte. OUT: the first four bytes to write as a
 * little-endian word (a step writes 1, 3, 4 or 6 bytes: the 6 are U+FFFD twice, whose last two,
 * BF BD, the loop writes itself). STEP: the next state × 256 (bits 8-11), the bytes to take back
 * (bits 4-5) and the number of bytes written (bits 0-2).
 */
interface Tables {
  OUT: Int32Array;
  STEP: Uint16Array;
}
/**
 * Built on the first use, not at load: the 3072 steps of javaStep, run once by the interpreter, cost
 * every process that loads the dump (and each parallel worker) 6-40 ms (measured), and only
 * --print-data-log of malformed or long non-ASCII values needs them.
 */
let tables: Tables | null = null;

function buildTables(): Tables {
  const OUT = new Int32Array(STATES * 256);
  const STEP = new Uint16Array(STATES * 256);
  for (let state = 0; state < STATES; state++) {
    for (let b = 0; b < 256; b++) {
      const { takeBack, bytes, next } = javaStep(state, b);
      const e = state * 256 + b;
      OUT[e] = (bytes[0] ?? 0) | ((bytes[1] ?? 0) << 8) | ((bytes[2] ?? 0) << 16) | ((bytes[3] ?? 0) << 24);
      STEP[e] = (next << 8) | (takeBack << 4) | bytes.length;
    }
  }
  return (tables = { OUT, STEP });
}
/** EF BF BD as a little-endian word, and BF BD, the end of a second U+FFFD in a 6-byte step. */
const REPLACEMENT = 0xef | (0xbf << 8) | (0xbd << 16);
const REPLACEMENT_TAIL = 0xbf | (0xbd << 8);

/**
 * Inputs from this many bytes go to the native engine (native/java-utf8) where it is built. Its call
 * costs ~80 ns with the arrays' checks, and it was faster at every length measured (random bytes:
 * 84 against 180 ns at 16, 100 against 224 at 32, 197 against 472 at 128); shorter inputs stay in
 * JS, where a few bytes cost less than a call.
 */
export const NATIVE_MIN_BYTES = 32;

/** The native engine with the tables handed over, null where there is none; undefined until first asked. */
let engine: JavaUtf8Engine | null | undefined;

/** The native engine, loaded and given the tables on first use; null where it is not built (or KSEG_UTF8=js). */
export function javaUtf8Engine(): JavaUtf8Engine | null {
  if (engine === undefined) {
    engine = loadJavaUtf8Engine();
    if (engine !== null) {
      const t = tables ?? buildTables();
      engine.init(t.OUT, t.STEP);
    }
  }
  return engine;
}

/**
 * Writes the UTF-8 bytes Java would print for `src[start, end)` (decode with replacement, then
 * encode) into `out` from `at`, returning the end: valid sequences are copied, each malformed run
 * (as the JDK delimits it) becomes EF BF BD. `out` needs 3 × (end - start) + 1 bytes of room.
 * Nothing at or past `end` is read. `view` and `srcView` are DataViews over all of `out` and of
 * `src`, if the caller has them. Long inputs run on the native engine where it is built (the same
 * tables: test/java-utf8.test.ts compares the two), others on javaUtf8IntoJs.
 */
export function javaUtf8Into(src: Uint8Array, out: Uint8Array, at: number, start = 0, end = src.length, view?: DataView, srcView?: DataView): number {
  if (end - start >= NATIVE_MIN_BYTES) {
    const native = javaUtf8Engine();
    if (native !== null) return native.transcode(src, start, end, out, at);
  }
  return javaUtf8IntoJs(src, out, at, start, end, view, srcView);
}

/**
 * javaUtf8Into in JS: the reference, and the engine where the native one is not built. Each step
 * stores a word, up to 3 bytes past what it keeps (hence the one byte of room past 3n).
 *
 * Every byte costs the same few table reads and stores, without a branch on what the byte is: on
 * binary values (random bytes) the byte-class branches of a hand-written decoder were mispredicted
 * most of the time. Four ASCII bytes between sequences are copied as one word.
 */
export function javaUtf8IntoJs(src: Uint8Array, out: Uint8Array, at: number, start = 0, end = src.length, view?: DataView, srcView?: DataView): number {
  const words = view ?? new DataView(out.buffer, out.byteOffset, out.byteLength);
  const srcWords = srcView ?? new DataView(src.buffer, src.byteOffset, src.byteLength);
  // The tables read through locals: the optimised loop keeps them in registers.
  const t = tables ?? buildTables();
  const outOf = t.OUT;
  const stepOf = t.STEP;
  let o = at;
  let s = START;
  let i = start;
  // Four bytes per round: one word read, the four steps written out (a loop of one byte per round
  // ran 1.3x slower).
  for (; i + 4 <= end; i += 4) {
    const w = srcWords.getInt32(i, true);
    if ((s | (w & 0x80808080)) === 0) {
      words.setInt32(o, w, true);
      o += 4;
      continue;
    }
    let e = s | (w & 0xff);
    let m = stepOf[e]!;
    o -= (m >> 4) & 3;
    words.setInt32(o, outOf[e]!, true);
    if ((m & 7) > 4) words.setInt16(o + 4, REPLACEMENT_TAIL, true);
    o += m & 7;
    s = m & 0xf00;
    e = s | ((w >> 8) & 0xff);
    m = stepOf[e]!;
    o -= (m >> 4) & 3;
    words.setInt32(o, outOf[e]!, true);
    if ((m & 7) > 4) words.setInt16(o + 4, REPLACEMENT_TAIL, true);
    o += m & 7;
    s = m & 0xf00;
    e = s | ((w >> 16) & 0xff);
    m = stepOf[e]!;
    o -= (m >> 4) & 3;
    words.setInt32(o, outOf[e]!, true);
    if ((m & 7) > 4) words.setInt16(o + 4, REPLACEMENT_TAIL, true);
    o += m & 7;
    s = m & 0xf00;
    e = s | (w >>> 24);
    m = stepOf[e]!;
    o -= (m >> 4) & 3;
    words.setInt32(o, outOf[e]!, true);
    if ((m & 7) > 4) words.setInt16(o + 4, REPLACEMENT_TAIL, true);
    o += m & 7;
    s = m & 0xf00;
  }
  for (; i < end; i++) {
    const e = s | src[i]!;
    const m = stepOf[e]!;
    o -= (m >> 4) & 3;
    words.setInt32(o, outOf[e]!, true);
    if ((m & 7) > 4) words.setInt16(o + 4, REPLACEMENT_TAIL, true);
    o += m & 7;
    s = m & 0xf00;
  }
  // A sequence cut by the end: Java writes one U+FFFD for what there is of it.
  const pending = PENDING[s >> 8]!;
  if (pending !== 0) {
    o -= pending;
    words.setInt32(o, REPLACEMENT, true);
    o += 3;
  }
  return o;
}

/** javaUtf8Into, into a fresh buffer (callers may hold a key and a value at once). */
export function javaUtf8Bytes(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length * 3 + 1);
  return out.subarray(0, javaUtf8Into(src, out, 0));
}
