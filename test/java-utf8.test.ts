import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, it as itAll } from 'vitest';
import { javaUtf8Engine, javaUtf8IntoJs } from '../src/format/utf8.js';
import { runJava } from '../scripts/kafka-lib.mjs';
import { javaUtf8Reference } from './fuzz/java-utf8-reference.js';
import { Rng } from './fuzz/rng.js';
import { REPO } from './helpers.js';
import { HAVE_KAFKA, ensureKafka } from './real-kafka.js';

/**
 * Keys and values print as Java prints `new String(bytes, UTF_8)`. javaUtf8Into (a table-driven
 * transducer, run by JS and, where native/java-utf8 is built, by the native engine: both checked)
 * against the JDK's own loop transcribed (test/fuzz/java-utf8-reference.ts) and, where
 * Java runs, against the JDK itself (test/fuzz/JavaUtf8Probe.java): every string of up to 4 bytes over
 * the bytes where the rules change, and seeded random inputs of several kinds. KSEG_UTF8_CASES sets
 * the number of random inputs (default 50,000; `npm run fuzz`'s scale is millions:
 * KSEG_UTF8_CASES=5000000 npx vitest run test/java-utf8.test.ts).
 */
const RANDOM_CASES = Number(process.env.KSEG_UTF8_CASES ?? 50_000);
/** The seeded random inputs in parts of at most 100,000 (a run of millions is not held at once). */
function* randomParts(): Generator<Buffer[]> {
  for (let i = 0; i < RANDOM_CASES; i += 100_000) yield randomInputs(i, Math.min(RANDOM_CASES, i + 100_000), 16);
}

/** The bytes where Java's rules change: class boundaries of ASCII, continuation bytes and leads. */
const BOUNDARY = [
  0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5,
  0xf7, 0xf8, 0xff,
];

/** Every string of 0 to `max` bytes over `alphabet`. */
function allStrings(alphabet: readonly number[], max: number): Buffer[] {
  const out: Buffer[] = [Buffer.alloc(0)];
  let level: number[][] = [[]];
  for (let n = 1; n <= max; n++) {
    const next: number[][] = [];
    for (const s of level) for (const b of alphabet) next.push([...s, b]);
    for (const s of next) out.push(Buffer.from(s));
    level = next;
  }
  return out;
}

/** Corpus values that are not valid UTF-8 (binary keys and values real producers wrote). */
function realBinaryValues(): Buffer[] {
  const manifest = join(REPO, 'fixtures/manifest.jsonl');
  const lines = readFileSync(manifest, 'utf8').trim().split('\n');
  const values: Buffer[] = [];
  for (const l of lines) {
    const r = JSON.parse(l) as { value: string | null; key: string | null };
    for (const v of [r.key, r.value]) if (v !== null) values.push(Buffer.from(v, 'base64'));
  }
  return values.filter((v) => !Buffer.from(v.toString('utf8'), 'utf8').equals(v));
}

let realCache: Buffer[] | undefined;

/** Seeded inputs `from` to `to`: random bytes, boundary bytes, text with damage, real binary values cut anywhere. */
function randomInputs(from: number, to: number, seed: number): Buffer[] {
  const real = (realCache ??= realBinaryValues());
  const text = Buffer.from('{"user":"zoë","city":"Zürich","note":"日本語 テキスト 😀","n":12345}', 'utf8');
  const out: Buffer[] = [];
  for (let i = from; i < to; i++) {
    const rng = Rng.forCase(seed, i);
    const kind = rng.int(5);
    const n = rng.weighted([
      [rng.range(0, 16), 4],
      [rng.range(16, 200), 3],
      [rng.range(200, 3000), 1],
    ] as const);
    let b: Buffer;
    if (kind === 0) b = rng.bytes(n);
    else if (kind === 1) b = Buffer.from(Array.from({ length: n }, () => rng.pick(BOUNDARY)));
    else if (kind === 2) {
      // valid text with a few bytes changed, cut or doubled
      b = Buffer.alloc(n);
      for (let j = 0; j < n; j++) b[j] = text[(j + rng.int(3)) % text.length]!;
      for (let k = rng.range(1, 4); k > 0 && n > 0; k--) b[rng.int(n)] = rng.chance(0.5) ? rng.pick(BOUNDARY) : rng.int(256);
    } else if (kind === 3) {
      // ASCII runs between sequences (the word-at-a-time path) at every alignment
      b = Buffer.from(Array.from({ length: n }, () => (rng.chance(0.7) ? 0x61 + rng.int(26) : rng.pick(BOUNDARY))));
    } else {
      const v = rng.pick(real);
      const from = rng.int(v.length);
      b = Buffer.from(v.subarray(from, from + rng.range(0, v.length)));
    }
    out.push(b);
  }
  return out;
}

/** The native engine (null where native/java-utf8 is not built: its cases say so and are skipped). */
const NATIVE = javaUtf8Engine();
const ENGINES = ['js', 'native'] as const;
type Engine = (typeof ENGINES)[number];
const NO_NATIVE = 'native/java-utf8 is not built (no C compiler or node-gyp?): the native engine is not checked here';

/**
 * javaUtf8Into's engine on `input` placed inside other bytes and read through start/end, into `out`
 * after 5 bytes it must leave alone: what it writes, which must not depend on the bytes around (the
 * continuation bytes there would complete a sequence cut by the end). Every input goes to the engine
 * asked for, whatever its length.
 */
function ours(input: Buffer, pad: number, out: Uint8Array, view: DataView, engine: Engine = 'js'): Buffer {
  const src = Buffer.alloc(input.length + 2 * pad, 0x80);
  input.copy(src, pad);
  const at = 5;
  out[at - 1] = 0x55;
  const end = engine === 'native' ? NATIVE!.transcode(src, pad, pad + input.length, out, at) : javaUtf8IntoJs(src, out, at, pad, pad + input.length, view);
  if (out[at - 1] !== 0x55) throw new Error(`wrote before its start on ${input.toString('hex')}`);
  return Buffer.from(out.buffer, at, end - at);
}

/** An output buffer (with room for 3n + 1 bytes of the longest input) and its DataView. */
function scratch(): { out: Uint8Array; view: DataView } {
  const out = new Uint8Array(5 + 3 * 3000 + 1);
  return { out, view: new DataView(out.buffer) };
}

describe.each(ENGINES)("javaUtf8Into: Java's UTF-8 text, the %s engine", (engine) => {
  if (engine === 'native' && NATIVE === null) console.warn(`java-utf8: ${NO_NATIVE}`);
  const it = engine === 'native' && NATIVE === null ? itAll.skip : itAll;

  it('equals the JDK loop on every string of up to 4 bytes over 27 boundary bytes (551,881 inputs, at 4 alignments)', () => {
    const { out, view } = scratch();
    const inputs = allStrings(BOUNDARY, 4);
    expect(inputs.length).toBe(551_881);
    let i = 0;
    for (const input of inputs) {
      const want = javaUtf8Reference(input);
      const got = ours(input, i++ & 3, out, view, engine);
      if (!got.equals(want)) expect(got.toString('hex'), `input ${input.toString('hex')}`).toBe(want.toString('hex'));
    }
  });

  it(`equals the JDK loop on ${RANDOM_CASES.toLocaleString('en')} seeded random inputs`, () => {
    const { out, view } = scratch();
    let malformed = 0;
    for (const inputs of randomParts()) {
      inputs.forEach((input, i) => {
        const want = javaUtf8Reference(input);
        if (!want.equals(input)) malformed++;
        const got = ours(input, i & 3, out, view, engine);
        if (!got.equals(want)) expect(got.toString('hex'), `input ${input.toString('hex')}`).toBe(want.toString('hex'));
      });
    }
    // most inputs hold malformed bytes: the replacement rules are what is tested
    expect(malformed).toBeGreaterThan(RANDOM_CASES * 0.6);
  });
});

describe.skipIf(!HAVE_KAFKA)('javaUtf8Into and the JDK itself', () => {
  beforeAll(() => ensureKafka());

  /** The JDK's bytes for each input, as hex (test/fuzz/JavaUtf8Probe.java), in runs of 600,000 inputs. */
  function jdk(inputs: Buffer[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < inputs.length; i += 600_000) {
      const part = inputs.slice(i, i + 600_000);
      const r = runJava(join(REPO, 'test/fuzz/JavaUtf8Probe.java'), [], { input: part.map((b) => b.toString('hex')).join('\n') + '\n' });
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines.length).toBe(part.length + 1);
      for (let k = 0; k < part.length; k++) out.push(lines[k]!);
    }
    return out;
  }

  it('on every string of up to 4 bytes over the boundary bytes and the seeded random inputs, byte for byte, both engines (and so the JDK loop above equals the JDK on them)', () => {
    const { out, view } = scratch();
    let differ = 0;
    for (const inputs of [allStrings(BOUNDARY, 4), ...randomParts()]) {
      const real = jdk(inputs);
      inputs.forEach((input, i) => {
        for (const engine of NATIVE === null ? (['js'] as const) : ENGINES) {
          const got = ours(input, i & 3, out, view, engine).toString('hex');
          if (got !== real[i] && differ++ < 5) expect(got, `${engine}: input ${input.toString('hex')}`).toBe(real[i]);
        }
      });
    }
    expect(differ).toBe(0);
  });
});
