/**
 * LZ4 block format decoder (https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md):
 * sequences of [token][literal length ext][literals][offset LE16][match length ext]. Every read
 * and write is bounds-checked, so corrupt input throws instead of producing wrong bytes or hanging.
 * Decodes src[start, end) into dst starting at `out`, never past `outLimit`; returns the output end.
 */
export function decodeLz4Block(src: Uint8Array, start: number, end: number, dst: Uint8Array, out: number, outLimit: number): number {
  const outStart = out;
  let s = start;
  for (;;) {
    if (s >= end) throw new Error('block ends inside a sequence');
    const token = src[s++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= end) throw new Error('truncated literal length');
        b = src[s++]!;
        lit += b;
      } while (b === 255);
    }
    if (s + lit > end) throw new Error(`literals run past the block end (${lit} bytes)`);
    if (out + lit > outLimit) throw new Error('output exceeds the block maximum size');
    if (lit < 16) {
      for (let i = 0; i < lit; i++) dst[out + i] = src[s + i]!;
    } else {
      dst.set(src.subarray(s, s + lit), out);
    }
    s += lit;
    out += lit;
    // The last sequence has literals only.
    if (s === end) return out;
    if (s + 2 > end) throw new Error('truncated match offset');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > out - outStart) throw new Error(`invalid match offset ${offset}`);
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (s >= end) throw new Error('truncated match length');
        b = src[s++]!;
        len += b;
      } while (b === 255);
    }
    if (out + len > outLimit) throw new Error('output exceeds the block maximum size');
    let m = out - offset;
    if (offset >= len) {
      if (len < 32) for (let i = 0; i < len; i++) dst[out + i] = dst[m + i]!;
      else dst.copyWithin(out, m, m + len);
      out += len;
    } else {
      // Overlapping match: byte by byte repeats the pattern, as the format intends.
      for (let i = 0; i < len; i++) dst[out++] = dst[m++]!;
    }
  }
}
