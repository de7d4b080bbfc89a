import { describe, expect, it } from 'vitest';
import { ByteSink, putDecimal } from '../src/dump/output.js';

// The dump's integer writer must print exactly what Java's Long.toString prints (String(v) for a
// safe integer), at every boundary of its 1-4 digit, 4-digit-word and 10^8-split paths.
const EDGES = [
  0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 9999, 10000, 99999, 100000, 999999, 1000000, 9999999, 10000000,
  99999999, 100000000, 100000001, 999999999, 1000000000, 2147483647, 2147483648, 2147483649, 4294967295,
  4294967296, 9999999999, 10000000000, 1700000006475, 99999999999999, 100000000000000, 214748364800000000,
  Number.MAX_SAFE_INTEGER, 100000000 * 2147483648, 100000000 * 2147483648 + 99999999,
];

describe('putDecimal', () => {
  it('prints boundary values as String() does, positive and negative', () => {
    const buf = new Uint8Array(32);
    const view = new DataView(buf.buffer);
    for (const v of [...EDGES, ...EDGES.map((x) => -x)]) {
      const end = putDecimal(buf, view, 3, v);
      expect(Buffer.from(buf.subarray(3, end)).toString('latin1')).toBe(String(v));
    }
  });

  it('prints 200,000 random safe integers of every magnitude as String() does', () => {
    const buf = new Uint8Array(32);
    const view = new DataView(buf.buffer);
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
    for (let i = 0; i < 200000; i++) {
      const digits = 1 + Math.floor(rnd() * 16);
      const v = Math.floor(rnd() * 10 ** digits) * (rnd() < 0.3 ? -1 : 1);
      const end = putDecimal(buf, view, 0, v);
      expect(Buffer.from(buf.subarray(0, end)).toString('latin1')).toBe(String(v));
    }
  });

  it('ByteSink.int writes numbers and bigints as Java prints longs', () => {
    const chunks: Buffer[] = [];
    const sink = new ByteSink((c) => chunks.push(Buffer.from(c)), 64);
    const values = [0, -1, 2147483648, -9007199254740991, 9223372036854775807n, -9223372036854775808n, 1700000006475];
    for (const v of values) {
      sink.int(v);
      sink.text(' ');
    }
    sink.flush();
    expect(Buffer.concat(chunks).toString()).toBe(values.map(String).join(' ') + ' ');
  });
});
