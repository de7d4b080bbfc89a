import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NATIVE_MIN_BYTES, javaUtf8Engine, javaUtf8Into, javaUtf8IntoJs } from '../src/format/utf8.js';
import { Rng } from './fuzz/rng.js';
import { FIXTURES, REPO, ensureBuilt } from './helpers.js';

// The native engine of Java's UTF-8 text (native/java-utf8, built by native/build.mjs where a C
// compiler and node-gyp are) runs format/utf8.ts's tables; test/java-utf8.test.ts checks both
// engines against the JDK on short inputs. Here: long inputs, every cut of them, the bounds it
// keeps, and the command's output with and without it.
const ADDON = join(REPO, 'native/java-utf8/build/Release/kseg_java_utf8.node');
const NATIVE = javaUtf8Engine();
const BUILT = existsSync(ADDON);
if (!BUILT) console.warn(`java-utf8-native: ${ADDON} is not built (no C compiler or node-gyp?): the JS engine is checked alone`);

/** Long inputs of the kinds values are: random bytes, text and random halves (the bench's multi-MB values), boundary bytes, valid text with damage. */
function longInputs(): Array<[string, Buffer]> {
  const rng = Rng.forCase(21, 0);
  const random = randomBytes(1 << 20);
  const half = Buffer.alloc(1 << 20);
  half.fill('half repeated text, ', 0, half.length / 2);
  random.copy(half, half.length / 2, 0, half.length / 2);
  const boundary = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff];
  const soup = Buffer.from(Array.from({ length: 1 << 18 }, () => rng.pick(boundary)));
  const text = Buffer.from('{"user":"zoë","city":"Zürich","note":"日本語 テキスト 😀","n":12345} '.repeat(4000), 'utf8');
  for (let k = 0; k < 300; k++) text[rng.int(text.length)] = rng.int(256);
  return [
    ['random', random],
    ['half text, half random', half],
    ['boundary bytes', soup],
    ['damaged text', text],
  ];
}

describe('the native engine of javaUtf8Into', () => {
  it('is in use where native/java-utf8 is built (and KSEG_UTF8 does not say js)', () => {
    expect(NATIVE !== null).toBe(BUILT && process.env.KSEG_UTF8 !== 'js');
  });

  it.skipIf(NATIVE === null)('equals the JS engine on long inputs, from every start and to every end near their edges', () => {
    for (const [kind, input] of longInputs()) {
      const out1 = new Uint8Array(3 * input.length + 1 + 16);
      const out2 = new Uint8Array(3 * input.length + 1 + 16);
      for (const [start, endCut] of [[0, 0], [1, 0], [2, 3], [3, 1], [5, 2], [7, 7], [0, 5], [9, 6]] as const) {
        const end = input.length - endCut;
        const a = javaUtf8IntoJs(input, out1, 3, start, end);
        const b = NATIVE!.transcode(input, start, end, out2, 3);
        expect(b, `${kind} [${start}, ${end})`).toBe(a);
        expect(Buffer.from(out2.subarray(3, b)).equals(Buffer.from(out1.subarray(3, a))), `${kind} [${start}, ${end})`).toBe(true);
      }
    }
  });

  it.skipIf(NATIVE === null)('equals the JS engine on every length up to 40 cut from random bytes, and javaUtf8Into sends inputs from NATIVE_MIN_BYTES to it', () => {
    const bytes = randomBytes(64 * 1024);
    const out1 = new Uint8Array(200);
    const out2 = new Uint8Array(200);
    for (let i = 0; i < 20_000; i++) {
      const len = i % 41;
      const start = (i * 7919) % (bytes.length - len);
      const a = javaUtf8IntoJs(bytes, out1, 0, start, start + len);
      const b = NATIVE!.transcode(bytes, start, start + len, out2, 0);
      expect(b).toBe(a);
      expect(Buffer.from(out2.subarray(0, b)).equals(Buffer.from(out1.subarray(0, a)))).toBe(true);
    }
    // The dispatcher's choice shows in what it reads: the native engine checks its ranges and
    // throws RangeError on an out without room, the JS engine would write past a typed array's end
    // silently (DataView throws too, but only when it gets there).
    const long = bytes.subarray(0, NATIVE_MIN_BYTES);
    expect(() => javaUtf8Into(long, new Uint8Array(3 * long.length), 0)).toThrow(RangeError);
  });

  it.skipIf(NATIVE === null)('writes nothing past 3n + 1 bytes and nothing before where it starts, and refuses ranges outside its arrays', () => {
    const input = Buffer.alloc(10_000, 0xc2); // every byte a lead cut by the next: U+FFFD each, the most text per byte
    for (const n of [0, 1, 2, 3, 9, 10, 11, 17, 1000, 9999]) {
      const out = new Uint8Array(3 * n + 1 + 12).fill(0x55);
      const end = NATIVE!.transcode(input, 0, n, out, 4);
      expect(end).toBe(4 + 3 * n);
      expect([...out.subarray(0, 4)]).toEqual([0x55, 0x55, 0x55, 0x55]);
      expect([...out.subarray(4 + 3 * n + 1)].every((b) => b === 0x55), `n = ${n}`).toBe(true);
    }
    expect(() => NATIVE!.transcode(input, 0, 100, new Uint8Array(300), 0)).toThrow(RangeError);
    expect(() => NATIVE!.transcode(input, 5, 10_001, new Uint8Array(40_000), 0)).toThrow(RangeError);
    expect(() => NATIVE!.transcode(input, 6, 5, new Uint8Array(40_000), 0)).toThrow(RangeError);
  });

  it('the command prints the same with KSEG_UTF8=js as with the engine in use, over every .log of the fixtures (--print-data-log)', () => {
    ensureBuilt('dist/bundle/dump-log.js');
    const logs = readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.log'))
      .sort()
      .map((f) => join(FIXTURES, f));
    expect(logs.length).toBeGreaterThan(30);
    const dump = (env: Record<string, string>) =>
      spawnSync(process.execPath, [join(REPO, 'bin/kafka-dump-log.js'), '--print-data-log', '--files', logs.join(',')], {
        cwd: REPO,
        env: { ...process.env, ...env },
        maxBuffer: 1 << 28,
      });
    const engine = dump({});
    const js = dump({ KSEG_UTF8: 'js' });
    expect(engine.status).toBe(js.status);
    expect(engine.stderr.equals(js.stderr)).toBe(true);
    expect(engine.stdout.equals(js.stdout)).toBe(true);
    // Values long enough for the engine (from NATIVE_MIN_BYTES bytes) that Java prints with U+FFFD.
    const long = engine.stdout
      .toString('utf8')
      .split('\n')
      .filter((l) => /payload: .*\uFFFD/.test(l) && l.length - l.indexOf('payload: ') > NATIVE_MIN_BYTES);
    expect(long.length).toBeGreaterThan(10);
  });
});
