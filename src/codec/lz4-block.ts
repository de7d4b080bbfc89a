/**
 * LZ4 block decoding (https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md) as lz4 1.10's
 * LZ4_decompress_safe does it: that is the decoder Kafka runs (lz4-java's JNI binding), so the
 * blocks it accepts, what it writes for them, and the input position where it gives up on a bad
 * one (which Kafka's error message prints) are all its. Notably: a match offset of 0 is not an
 * error (the match is zeros); the end conditions are measured against the output capacity and
 * the input end (the last 5 bytes of output must be literals only near the capacity; literals
 * that end within 8 bytes of the input end must end it exactly).
 *
 * Decodes src[start, end) into dst from `out0`, with room for `capacity` bytes. Returns the decoded
 * length, or LZ4's error code -(p - start) - 1 where p is the input position it stopped at.
 */
export function decodeLz4Block(src: Uint8Array, start: number, end: number, dst: Uint8Array, out0: number, capacity: number): number {
  const iend = end;
  const oend = out0 + capacity;
  let ip = start;
  let op = out0;
  if (capacity === 0) return end - start === 1 && src[start] === 0 ? 0 : -1;
  if (end === start) return -1;
  const shortiend = iend - 14 - 2;
  const shortoend = oend - 14 - 18;
  let token = 0;
  let length = 0;
  let offset = 0;
  // Where the safe loop is entered: a new sequence, or the fast loop's hand-over at its literal
  // copy or its match copy (with token/length/offset as the fast loop left them).
  let entry: 'token' | 'literals' | 'match' = 'token';

  // read_variable_length: adds bytes while they are 255; fails once the input position passes
  // `limit` (or, with `initial`, starts at or past it). Returns -1 on failure, `ip` moved on.
  const readLength = (limit: number, initial: boolean): number => {
    if (initial && ip >= limit) return -1;
    let s = src[ip++]!;
    let total = s;
    if (ip > limit) return -1;
    while (s === 255) {
      s = src[ip++]!;
      total += s;
      if (ip > limit) return -1;
    }
    return total;
  };
  const fail = () => -(ip - start) - 1;
  /** The token's match length, with its extra bytes (limit: the last 5 input bytes) and MINMATCH; -1 on failure. */
  const matchLength = (): number => {
    const length = token & 15;
    if (length !== 15) return length + 4;
    const addl = readLength(iend - 5 + 1, false);
    return addl < 0 ? -1 : length + addl + 4;
  };

  // The fast loop, while at least 64 bytes of output room remain.
  if (oend - op >= 64) {
    for (;;) {
      token = src[ip++]!;
      length = token >>> 4;
      if (length === 15) {
        const addl = readLength(iend - 15, true);
        if (addl < 0) return fail();
        length += addl;
        if (op + length > oend - 32 || ip + length > iend - 32) {
          entry = 'literals';
          break;
        }
        copyLiterals(src, ip, dst, op, length);
        ip += length;
        op += length;
      } else if (ip <= iend - 17) {
        copyLiterals(src, ip, dst, op, length);
        ip += length;
        op += length;
      } else {
        entry = 'literals';
        break;
      }
      offset = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
      length = matchLength();
      if (length < 0) return fail();
      if (op + length >= oend - 64) {
        entry = 'match';
        break;
      }
      if (op - offset < out0) return fail();
      copyMatch(dst, op, offset, length);
      op += length;
    }
  }

  // The safe loop.
  for (;;) {
    if (entry === 'token') {
      token = src[ip++]!;
      length = token >>> 4;
      if (length !== 15 && ip < shortiend && op <= shortoend) {
        // The shortcut: short literals, then the match if it is short, far and inside the block.
        copyLiterals(src, ip, dst, op, length);
        op += length;
        ip += length;
        length = token & 15;
        offset = src[ip]! | (src[ip + 1]! << 8);
        ip += 2;
        if (length !== 15 && offset >= 8 && op - offset >= out0) {
          copyMatch(dst, op, offset, length + 4);
          op += length + 4;
          continue;
        }
        entry = 'match';
        // _copy_match: from the token's match length
        length = matchLength();
        if (length < 0) return fail();
      } else {
        if (length === 15) {
          const addl = readLength(iend - 15, true);
          if (addl < 0) return fail();
          length += addl;
        }
        entry = 'literals';
      }
    }
    if (entry === 'literals') {
      const cpy = op + length;
      if (cpy > oend - 12 || ip + length > iend - 8) {
        // Only the last sequence may end here, and it must end the input exactly.
        if (ip + length !== iend || cpy > oend) return fail();
        copyLiterals(src, ip, dst, op, length);
        ip += length;
        op += length;
        return op - out0;
      }
      copyLiterals(src, ip, dst, op, length);
      ip += length;
      op = cpy;
      offset = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
      length = matchLength();
      if (length < 0) return fail();
    }
    // safe_match_copy
    if (op - offset < out0) return fail();
    const cpy = op + length;
    if (cpy > oend - 12 && cpy > oend - 5) return fail();
    copyMatch(dst, op, offset, length);
    op = cpy;
    entry = 'token';
  }
}

function copyLiterals(src: Uint8Array, ip: number, dst: Uint8Array, op: number, length: number): void {
  if (length < 16) {
    for (let i = 0; i < length; i++) dst[op + i] = src[ip + i]!;
  } else {
    dst.set(src.subarray(ip, ip + length), op);
  }
}

/** The match's bytes: a plain copy when far enough, else byte by byte (a repeated pattern); offset 0 writes zeros. */
function copyMatch(dst: Uint8Array, op: number, offset: number, length: number): void {
  if (offset === 0) {
    dst.fill(0, op, op + length);
    return;
  }
  let m = op - offset;
  if (offset >= length) {
    if (length < 32) for (let i = 0; i < length; i++) dst[op + i] = dst[m + i]!;
    else dst.copyWithin(op, m, m + length);
  } else {
    for (let i = 0; i < length; i++) dst[op++] = dst[m++]!;
  }
}
