/**
 * Test oracle: the JDK's UTF-8 decoding with replacement, transcribed loop for loop from JDK 17's
 * String.decodeUTF8_UTF16 (with its isMalformed3/malformed3, isMalformed4/malformedN and
 * truncated-sequence checks), then encoded back to UTF-8 — the bytes Kafka's tools print for
 * `new String(bytes, UTF_8)`. src/format/utf8.ts's transducer must agree with it on every input
 * (test/java-utf8.test.ts, which also holds both against the real JDK where Java runs).
 */
export function javaUtf8Reference(src: Uint8Array): Buffer {
  const REPL = 0xfffd;
  const units: number[] = [];
  const sl = src.length;
  /** Java's signed byte at i. */
  const sb = (i: number) => (src[i]! << 24) >> 24;
  const notCont = (b: number) => (b & 0xc0) !== 0x80;
  const isMalformed3 = (b1: number, b2: number, b3: number) => (b1 === -32 && (b2 & 0xe0) === 0x80) || notCont(b2) || notCont(b3);
  const malformed3 = (sp: number) => {
    const b1 = sb(sp);
    const b2 = sb(sp + 1);
    return (b1 === -32 && (b2 & 0xe0) === 0x80) || notCont(b2) ? 1 : 2;
  };
  const isMalformed3_2 = (b1: number, b2: number) => (b1 === -32 && (b2 & 0xe0) === 0x80) || notCont(b2);
  const malformed4 = (sp: number) => {
    const b1 = src[sp]!;
    const b2 = src[sp + 1]!;
    if (b1 > 0xf4 || (b1 === 0xf0 && (b2 < 0x90 || b2 > 0xbf)) || (b1 === 0xf4 && (b2 & 0xf0) !== 0x80) || notCont(b2)) return 1;
    return notCont(src[sp + 2]!) ? 2 : 3;
  };
  const isMalformed4_2 = (b1: number, b2: number) => (b1 === 0xf0 && (b2 < 0x90 || b2 > 0xbf)) || (b1 === 0xf4 && (b2 & 0xf0) !== 0x80) || notCont(b2);
  let sp = 0;
  while (sp < sl) {
    const b1 = sb(sp++);
    if (b1 >= 0) {
      units.push(b1);
    } else if (b1 >> 5 === -2 && (b1 & 0x1e) !== 0) {
      if (sp < sl) {
        const b2 = sb(sp++);
        if (notCont(b2)) {
          units.push(REPL);
          sp--;
        } else {
          units.push(((b1 & 0x1f) << 6) | (b2 & 0x3f));
        }
        continue;
      }
      units.push(REPL);
      break;
    } else if (b1 >> 4 === -2) {
      if (sp + 1 < sl) {
        const b2 = sb(sp++);
        const b3 = sb(sp++);
        if (isMalformed3(b1, b2, b3)) {
          units.push(REPL);
          sp -= 3;
          sp += malformed3(sp);
        } else {
          const c = ((b1 & 0x0f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
          units.push(c >= 0xd800 && c <= 0xdfff ? REPL : c);
        }
        continue;
      }
      if (sp < sl && isMalformed3_2(b1, sb(sp))) {
        units.push(REPL);
        continue;
      }
      units.push(REPL);
      break;
    } else if (b1 >> 3 === -2) {
      if (sp + 2 < sl) {
        const b2 = sb(sp++);
        const b3 = sb(sp++);
        const b4 = sb(sp++);
        const uc = ((b1 & 0x07) << 18) | ((b2 & 0x3f) << 12) | ((b3 & 0x3f) << 6) | (b4 & 0x3f);
        if (notCont(b2) || notCont(b3) || notCont(b4) || uc < 0x10000 || uc > 0x10ffff) {
          units.push(REPL);
          sp -= 4;
          sp += malformed4(sp);
        } else {
          units.push(0xd800 + ((uc - 0x10000) >> 10), 0xdc00 + ((uc - 0x10000) & 0x3ff));
        }
        continue;
      }
      const u1 = b1 & 0xff;
      if (u1 > 0xf4 || (sp < sl && isMalformed4_2(u1, src[sp]!))) {
        units.push(REPL);
        continue;
      }
      sp++;
      units.push(REPL);
      if (sp < sl && notCont(src[sp]!)) continue;
      break;
    } else {
      units.push(REPL);
    }
  }
  let text = '';
  for (let i = 0; i < units.length; i += 4096) text += String.fromCharCode(...units.slice(i, i + 4096));
  return Buffer.from(text, 'utf8');
}
