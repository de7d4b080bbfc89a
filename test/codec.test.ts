// Codec unit tests on synthetic data (no corpus needed).
import { gzipSync } from 'node:zlib';
import { compressFrameSync } from 'lz4-napi';
import { compressSync as snappyCompress } from 'snappy';
import { describe, expect, it } from 'vitest';
import { CodecError, COMPRESSION_NAMES, CompressionType, crc32, crc32Range, crc32c, crc32cRange, decompress } from '../src/codec/index.js';
import { lz4HeaderChecksums, readLz4FrameHeader } from '../src/codec/lz4.js';
import { xxh32 } from '../src/codec/xxhash.js';

const text = (s: string): Buffer => Buffer.from(s, 'latin1');
const sample = Buffer.from(Array.from({ length: 200_000 }, (_, i) => `record-${i % 977}-${(i * 7919) % 13};`).join(''));

function expectCodecError(fn: () => unknown, codec: string, msg?: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a throw').toBeInstanceOf(CodecError);
  expect(err).toBeInstanceOf(Error);
  expect((err as CodecError).codec).toBe(codec);
  expect((err as CodecError).name).toBe('CodecError');
  if (msg) expect((err as Error).message).toMatch(msg);
}

describe('exports', () => {
  it('keeps the compression ids and names', () => {
    expect(CompressionType).toEqual({ none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 });
    expect(COMPRESSION_NAMES).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
  });
  it('type 0 returns the same bytes object', () => {
    const d = new Uint8Array([1, 2, 3]);
    expect(decompress(0, d)).toBe(d);
  });
  it('an unknown type id is a RangeError with Kafka wording', () => {
    expect(() => decompress(5 as never, new Uint8Array(1))).toThrow(/Unknown compression type id: 5/);
  });
});

describe('crc', () => {
  it('check values, unsigned', () => {
    expect(crc32(text('123456789'))).toBe(0xcbf43926);
    expect(crc32c(text('123456789'))).toBe(0xe3069283);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
  it('works on Uint8Array views with an offset', () => {
    const big = new Uint8Array(64);
    big.set(text('123456789'), 17);
    expect(crc32c(big.subarray(17, 26))).toBe(0xe3069283);
    expect(crc32(big.subarray(17, 26))).toBe(0xcbf43926);
  });
  it('a range continues the checksum of the bytes before it, on the JS path (short) and the native one', () => {
    const bytes = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919) & 0xff);
    for (const [a, b] of [
      [0, 5],
      [100, 150],
      [10, 700],
      [0, 2999],
    ] as const) {
      expect(crc32cRange(bytes, b, 3000, crc32cRange(bytes, a, b)), `${a} ${b}`).toBe(crc32cRange(bytes, a, 3000));
      expect(crc32Range(bytes, b, 3000, crc32Range(bytes, a, b)), `${a} ${b}`).toBe(crc32(bytes.subarray(a)));
    }
    expect(crc32cRange(bytes, 0, 3000)).toBe(crc32c(bytes));
  });
});

describe('xxh32', () => {
  it('matches reference vectors', () => {
    expect(xxh32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxh32(text('a'))).toBe(0x550d7456);
    expect(xxh32(text('abc'))).toBe(0x32d153ff);
    expect(xxh32(text('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });
});

describe('gzip', () => {
  it('round trips, including concatenated members', () => {
    expect(Buffer.from(decompress(1, gzipSync(sample))).equals(sample)).toBe(true);
    const two = Buffer.concat([gzipSync(text('ab')), gzipSync(text('cd'))]);
    expect(Buffer.from(decompress(1, two)).toString()).toBe('abcd');
  });
  it('rejects empty, truncated and corrupt input', () => {
    const z = gzipSync(sample);
    expectCodecError(() => decompress(1, new Uint8Array(0)), 'gzip', /empty/);
    expectCodecError(() => decompress(1, z.subarray(0, z.length - 1)), 'gzip');
    expectCodecError(() => decompress(1, z.subarray(0, 100)), 'gzip');
    const c = Buffer.from(z);
    c[c.length - 5]! ^= 1; // ISIZE
    expectCodecError(() => decompress(1, c), 'gzip');
    expectCodecError(() => decompress(1, text('not gzip at all')), 'gzip');
  });
});

function xerial(...chunks: Uint8Array[]): Buffer {
  const head = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const parts: Buffer[] = [head];
  for (const c of chunks) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(c.length);
    parts.push(len, Buffer.from(c));
  }
  return Buffer.concat(parts);
}

describe('snappy', () => {
  const a = sample.subarray(0, 32768);
  const b = sample.subarray(32768, 50000);
  it('decodes a raw block and xerial framing with several chunks', () => {
    expect(Buffer.from(decompress(2, snappyCompress(sample))).equals(sample)).toBe(true);
    const x = xerial(snappyCompress(a), snappyCompress(b));
    expect(Buffer.from(decompress(2, x)).equals(sample.subarray(0, 50000))).toBe(true);
    expect(decompress(2, xerial()).length).toBe(0);
  });
  it('reads concatenated xerial streams (a header at a chunk boundary)', () => {
    const x = Buffer.concat([xerial(snappyCompress(a)), xerial(snappyCompress(b))]);
    expect(Buffer.from(decompress(2, x)).equals(sample.subarray(0, 50000))).toBe(true);
  });
  it('rejects truncated, negative-length and corrupt input as snappy-java does', () => {
    const x = xerial(snappyCompress(a), snappyCompress(b));
    // Fewer than 16 bytes: snappy-java reads them as one raw block, whose "length" (the magic's
    // first bytes as a varint) fails its own check.
    expectCodecError(() => decompress(2, x.subarray(0, 12)), 'snappy', /raw snappy block: \[PARSING_ERROR\] invalid uncompressed length 10,626 declared in 12 bytes/);
    expectCodecError(() => decompress(2, x.subarray(0, x.length - 1)), 'snappy', /xerial stream: failed to read chunk/);
    // A chunk length cut short ends the stream: snappy-java reads it as the end.
    expect(decompress(2, x.subarray(0, 18)).length).toBe(0);
    const neg = Buffer.from(x);
    neg.writeInt32BE(-5, 16);
    expectCodecError(() => decompress(2, neg), 'snappy', /\[INVALID_CHUNK_SIZE\] chunkSize is too big or negative : -5/);
    const raw = snappyCompress(sample);
    expectCodecError(() => decompress(2, raw.subarray(0, raw.length - 3)), 'snappy', /raw snappy block: FAILED_TO_UNCOMPRESS/);
    expectCodecError(() => decompress(2, new Uint8Array(0)), 'snappy', /empty/);
    expectCodecError(() => decompress(2, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0])), 'snappy');
  });
});

describe('lz4', () => {
  const plain = compressFrameSync(sample);
  const checked = compressFrameSync(sample, { blockChecksums: true, contentChecksum: true });
  const header = (f: Buffer) => {
    const h = readLz4FrameHeader(f, 2, 0);
    if ('javaClass' in h) throw new Error(h.javaClass);
    return h;
  };
  it('decodes frames with and without checksums', () => {
    expect(Buffer.from(decompress(3, plain)).equals(sample)).toBe(true);
    expect(Buffer.from(decompress(3, checked)).equals(sample)).toBe(true);
    const info = header(checked);
    expect(info.blockChecksums && info.contentChecksum).toBe(true);
  });
  it('ignores bytes after the frame, like Kafka', () => {
    expect(Buffer.from(decompress(3, Buffer.concat([plain, text('junk')]))).equals(sample)).toBe(true);
  });
  it('rejects truncation anywhere, including at a block boundary', () => {
    const start = header(plain).blocksStart;
    for (const n of [0, 3, 6, start, start + 2, plain.length - 4, plain.length - 1]) {
      expectCodecError(() => decompress(3, plain.subarray(0, n)), 'lz4', /truncated/);
    }
    // Kafka skips the content checksum without reading it as one: a cut one underflows its buffer.
    expectCodecError(() => decompress(3, checked.subarray(0, checked.length - 2)), 'lz4', /BufferUnderflowException/);
  });
  it('verifies block checksums; skips the content checksum, as Kafka does', () => {
    const c = Buffer.from(checked);
    c[c.length - 1]! ^= 1; // content checksum
    expect(Buffer.from(decompress(3, c)).equals(sample)).toBe(true);
    const d = Buffer.from(checked);
    d[header(d).blocksStart + 20]! ^= 1; // inside the first block's data
    expectCodecError(() => decompress(3, d), 'lz4', /corrupt/);
  });
  it('header checks like Kafka\'s Lz4BlockInputStream, with its messages', () => {
    const flip = (at: number, v: number): Buffer => {
      const c = Buffer.from(plain);
      c[at] = v;
      return c;
    };
    expectCodecError(() => decompress(3, flip(0, 0x05)), 'lz4', /Stream unsupported \(invalid magic bytes\)/);
    expectCodecError(() => decompress(3, flip(4, 0xa0)), 'lz4', /Version 2 is unsupported/);
    expectCodecError(() => decompress(3, flip(4, plain[4]! | 1)), 'lz4', /Reserved bits must be 0/);
    expectCodecError(() => decompress(3, flip(4, plain[4]! & ~0x20)), 'lz4', /Dependent block stream is unsupported/);
    expectCodecError(() => decompress(3, flip(5, 0x30)), 'lz4', /Block size value must be between 4 and 7/);
    expectCodecError(() => decompress(3, flip(5, plain[5]! | 0x80)), 'lz4', /Reserved3 field must be 0/);
    // block size above the frame's maximum
    const big = Buffer.from(plain);
    const h = header(big);
    big.writeUInt32LE(h.maxBlockSize + 1, h.blocksStart);
    expectCodecError(() => decompress(3, big), 'lz4', new RegExp(`Block size ${h.maxBlockSize + 1} exceeded max: ${h.maxBlockSize}`));
  });
  it('a wrong header checksum is an error for magic >= 1 and v2, accepted for magic 0 (KAFKA-3160)', () => {
    const info = lz4HeaderChecksums(plain)!;
    const bad = Buffer.from(plain);
    bad[info.hcOffset] = info.kafka3160 === info.computed ? info.computed ^ 1 : info.kafka3160;
    for (const magic of [undefined, 1, 2]) expectCodecError(() => decompress(3, bad, { magic }), 'lz4', /Stream frame descriptor corrupted/);
    const copy = Buffer.from(bad);
    expect(Buffer.from(decompress(3, bad, { magic: 0 })).equals(sample)).toBe(true);
    expect(bad.equals(copy)).toBe(true); // input untouched
  });
});

/** A zstd frame holding raw blocks (no compressor needed): single segment, 4-byte content size. */
function zstdRawFrame(content: Buffer, opts: { fcs?: boolean; checksum?: boolean } = {}): Buffer {
  const fcs = opts.fcs ?? true;
  const fhd = (fcs ? 0x80 : 0) | (fcs ? 0x20 : 0) | (opts.checksum ? 0x04 : 0);
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, fhd])];
  if (!fcs) parts.push(Buffer.from([0x00])); // window descriptor: 1 KiB
  if (fcs) {
    const s = Buffer.alloc(4);
    s.writeUInt32LE(content.length);
    parts.push(s);
  }
  const max = fcs ? 128 * 1024 : 1024;
  for (let p = 0; p < content.length || p === 0; p += max) {
    const chunk = content.subarray(p, p + max);
    const last = p + max >= content.length ? 1 : 0;
    const h = (chunk.length << 3) | last; // type 0 = raw
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), chunk);
    if (content.length === 0) break;
  }
  if (opts.checksum) parts.push(Buffer.alloc(4)); // fzstd does not verify it
  return Buffer.concat(parts);
}

describe('zstd', () => {
  const small = sample.subarray(0, 3000);
  it('decodes frames with and without a content size, and concatenated frames', () => {
    expect(Buffer.from(decompress(4, zstdRawFrame(small))).equals(small)).toBe(true);
    expect(Buffer.from(decompress(4, zstdRawFrame(small, { fcs: false }))).equals(small)).toBe(true);
    const two = Buffer.concat([zstdRawFrame(small, { fcs: false }), zstdRawFrame(text('tail'))]);
    expect(Buffer.from(decompress(4, two)).toString()).toBe(small.toString() + 'tail');
  });
  it('skips skippable frames', () => {
    const skip = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
    expect(Buffer.from(decompress(4, Buffer.concat([skip, zstdRawFrame(text('x'))]))).toString()).toBe('x');
  });
  it('rejects truncation anywhere, including inside the content checksum', () => {
    const f = zstdRawFrame(small, { fcs: false, checksum: true });
    for (const cut of [1, 2, 4, 5, 100, f.length - 6, f.length - 1]) {
      expectCodecError(() => decompress(4, f.subarray(0, f.length - cut)), 'zstd');
    }
    expectCodecError(() => decompress(4, new Uint8Array(0)), 'zstd', /empty/);
  });
  it('rejects trailing garbage, bad magic, reserved bits and huge windows', () => {
    const f = zstdRawFrame(small);
    expectCodecError(() => decompress(4, Buffer.concat([f, text('xyzw')])), 'zstd', /bad frame magic/);
    expectCodecError(() => decompress(4, Buffer.concat([f, text('xy')])), 'zstd', /truncated frame magic/);
    const m = Buffer.from(f);
    m[0] = 0x29;
    expectCodecError(() => decompress(4, m), 'zstd', /bad frame magic/);
    const r = Buffer.from(f);
    r[4]! |= 0x08;
    expectCodecError(() => decompress(4, r), 'zstd', /reserved/);
    const w = zstdRawFrame(small, { fcs: false });
    w[5] = 0xf8; // window 2^41
    expectCodecError(() => decompress(4, w), 'zstd', /window/);
    const t = Buffer.from(f);
    t[t.length - small.length - 3]! |= 0x06; // block type 3 (reserved)
    expectCodecError(() => decompress(4, t), 'zstd', /reserved block type/);
  });
  it('rejects a frame whose declared content size disagrees with its blocks', () => {
    const f = zstdRawFrame(small);
    f.writeUInt32LE(small.length + 10, 5); // fzstd's one-shot path would zero-pad silently
    expectCodecError(() => decompress(4, f), 'zstd', /declares a content size/);
    const g = zstdRawFrame(small);
    g.writeUInt32LE(small.length - 10, 5); // ... or drop the tail silently (here the single-segment window catches it first)
    expectCodecError(() => decompress(4, Buffer.concat([zstdRawFrame(text('a'), { fcs: false }), g])), 'zstd', /declares a content size|exceeds the maximum/);
  });
});

// The zstd decoder in use: native libzstd (optional zstd-napi) when it loads, else fzstd. Both
// must agree; libzstd is what these cases run through `decompress` when it is installed.
describe('zstd backends (native zstd-napi when installed, fzstd fallback)', async () => {
  const { createRequire } = await import('node:module');
  const { unzstdJs, zstdBackend } = await import('../src/codec/zstd.js');
  const { nativeZstd } = await import('../src/codec/zstd-native.js');
  type Zn = { compress(data: Uint8Array, params?: Record<string, unknown>): Buffer };
  let zn: Zn | undefined;
  try {
    zn = createRequire(import.meta.url)('zstd-napi') as Zn;
  } catch {
    console.warn('[codec] zstd-napi is not loadable: only the fzstd fallback is tested');
  }
  const big = Buffer.concat(Array.from({ length: 6 }, () => sample)); // ~1.8 MB: past the 1 MiB scratch, many 128 KiB blocks

  it('uses libzstd when zstd-napi is loadable (unless KSEG_ZSTD=js) and names the backend', () => {
    expect(zstdBackend()).toMatch(nativeZstd() ? /^zstd-napi \(libzstd \d+\.\d+\.\d+\)$/ : /fzstd/);
    if (zn && process.env.KSEG_ZSTD !== 'js') expect(nativeZstd()).toBeDefined();
  });
  it('both paths agree on the synthetic raw-block frames', () => {
    const small = sample.subarray(0, 3000);
    const two = Buffer.concat([zstdRawFrame(small, { fcs: false }), zstdRawFrame(text('tail'))]);
    expect(Buffer.from(unzstdJs(two)).equals(Buffer.from(decompress(4, two)))).toBe(true);
  });
  it.skipIf(!zn)('real compressed frames without a content size, with a checksum, small and multi-MiB', () => {
    for (const input of [sample.subarray(0, 5000), sample, big]) {
      for (const params of [{ contentSizeFlag: false }, { contentSizeFlag: false, checksumFlag: true }, { contentSizeFlag: true, compressionLevel: input === big ? 3 : 19 }]) {
        const f = zn!.compress(input, params);
        if (!params.contentSizeFlag) expect(f[4]! >> 6, 'FCS flag').toBe(0);
        expect(Buffer.from(decompress(4, f)).equals(input)).toBe(true);
        expect(Buffer.from(unzstdJs(f)).equals(input)).toBe(true);
        for (const cut of [1, 3, 4, f.length >> 1]) expectCodecError(() => decompress(4, f.subarray(0, f.length - cut)), 'zstd');
      }
    }
    const two = Buffer.concat([zn!.compress(big, { contentSizeFlag: false }), zn!.compress(sample, { contentSizeFlag: false })]);
    expect(Buffer.from(decompress(4, two)).equals(Buffer.concat([big, sample]))).toBe(true);
  });
  it.skipIf(!zn)('a wrong content checksum fails on both paths, as in zstd-jni (issue 14: one behaviour whatever is installed)', () => {
    const f = zn!.compress(sample, { contentSizeFlag: false, checksumFlag: true });
    expect(Buffer.from(unzstdJs(f)).equals(sample)).toBe(true);
    f[f.length - 1]! ^= 0xff;
    if (nativeZstd()) expectCodecError(() => decompress(4, f), 'zstd', /corrupt frame/);
    expectCodecError(() => unzstdJs(f), 'zstd', /content checksum mismatch/);
  });
  it.skipIf(!zn)('corrupt block contents throw CodecError and the decoder keeps working after', () => {
    const f = zn!.compress(big, { contentSizeFlag: false });
    let threw = 0;
    for (const at of [20, 200, f.length >> 2, f.length >> 1]) {
      const c = Buffer.from(f);
      c[at]! ^= 0xff;
      try {
        const out = decompress(4, c);
        expect(Buffer.from(out).equals(big)).toBe(false);
      } catch (e) {
        expect(e).toBeInstanceOf(CodecError);
        threw++;
      }
    }
    expect(threw).toBeGreaterThan(0);
    expect(Buffer.from(decompress(4, f)).equals(big)).toBe(true);
  });
  it('a declared content size that disagrees is named as such on either path', () => {
    const f = zstdRawFrame(sample.subarray(0, 3000));
    f.writeUInt32LE(3010, 5);
    expectCodecError(() => decompress(4, f), 'zstd', /declares a content size/);
    expectCodecError(() => unzstdJs(f), 'zstd', /declares a content size/);
  });
});
