import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MUTATION_KINDS, type MutationSpec, applyMutation } from './fuzz/mutations.js';
import { crc32c, crc32cOutrunsReading } from '../src/codec/index.js';
import { RECORD_BATCH_LAYOUT, V2_CRC_START } from '../src/format/batch.js';
import { javaUtf8Engine } from '../src/format/utf8.js';
import { ByteSink } from '../src/dump/output.js';
import { FRAME_CUT_STEPS, SHALLOW_FACTOR, closeDumpWorkers } from '../src/dump/parallel.js';
import { runDumpLogAsync } from '../src/dump/run.js';
import { formatChunk } from '../src/dump/parallel-chunk.js';
import { openSegment } from '../src/dump/log.js';
import { type ParallelTuning, newDumpCounters } from '../src/dump/tuning.js';
import { bundleTs } from '../scripts/ts-tool.mjs';
import { FIXTURES, HAVE_SHARED, REPO, SHARED, buildSegment, dumpInProcess, ensureBuilt, fixtureBatches as batchesOf } from './helpers.js';

/**
 * The parallel deep dump (src/dump/parallel.ts) against the serial one, on segments built from
 * real fixture batches: with the size threshold lowered, a segment of ~1 MB is cut into ~30
 * chunks, and every run must print exactly what the serial run prints (stdout, stderr, exit code),
 * including damaged copies whose failures land in any chunk, windows cut by --max-bytes, and
 * non-consecutive offsets across chunk boundaries. The workers run src/dump/parallel-worker.ts,
 * bundled here from the same sources as the code under test (scripts/ts-tool.mjs).
 */
const MIN_BYTES = 256 * 1024; // chunks of MIN_BYTES / 8 = 32 KiB

const dir = mkdtempSync(join(tmpdir(), 'kseg-parallel-'));

/** The parallel dump's settings for every run here (the main thread's parts change per run, see TUNINGS). */
// (Every file size and batch size goes parallel here, the serial gates of the defaults aside: see
// the test of those gates at the end.)
const parallelTuning: ParallelTuning = { minBytes: MIN_BYTES, direct: true, held: true, largeEntryFactor: 1, shallowSerialEntryBytes: Infinity };
/** What the runs here counted: proof that the parallel path ran, on how many chunks, by which thread, how often it fell back. */
const counters = newDumpCounters();
const parallelStats = counters.parallel;
let workerBundle: string | null = null;

beforeAll(async () => {
  workerBundle = await bundleTs('src/dump/parallel-worker.ts');
  parallelTuning.workerScript = pathToFileURL(workerBundle);
}, 120_000);
afterAll(async () => {
  await closeDumpWorkers();
  rmSync(dir, { recursive: true, force: true });
  if (workerBundle !== null) rmSync(workerBundle, { force: true });
});

const field = (name: string) => RECORD_BATCH_LAYOUT.find((f) => f.field === name)!.offset;

/** Zigzag varint bytes (Kafka's ByteUtils.writeVarint). */
function varint(n: number): number[] {
  let v = ((n << 1) ^ (n >> 31)) >>> 0;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** A v2 batch (CreateTime 1700000000000, no producer) of one record: no key, `value`, no headers. */
function batchWithValue(value: Buffer, baseOffset: number): Buffer {
  const body = Buffer.concat([Buffer.from([0, ...varint(0), ...varint(0), ...varint(-1), ...varint(value.length)]), value, Buffer.from(varint(0))]);
  const record = Buffer.concat([Buffer.from(varint(body.length)), body]);
  const b = Buffer.alloc(61 + record.length);
  b.writeBigInt64BE(BigInt(baseOffset), field('baseOffset'));
  b.writeInt32BE(b.length - 12, field('batchLength'));
  b[field('magic')] = 2;
  b.writeBigInt64BE(1700000000000n, field('baseTimestamp'));
  b.writeBigInt64BE(1700000000000n, field('maxTimestamp'));
  b.writeBigInt64BE(-1n, field('producerId'));
  b.writeInt16BE(-1, field('producerEpoch'));
  b.writeInt32BE(-1, field('baseSequence'));
  b.writeInt32BE(1, field('recordCount'));
  record.copy(b, 61);
  b.writeUInt32BE(crc32c(b.subarray(V2_CRC_START)), field('crc'));
  return b;
}

interface Run {
  stdout: Buffer;
  stderr: Buffer;
  code: number;
}

async function dumpAsync(args: readonly string[]): Promise<Run> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const io = { out: new ByteSink((c) => out.push(Buffer.from(c))), err: new ByteSink((c) => err.push(Buffer.from(c))), cwd: dir };
  const code = await runDumpLogAsync(args, io, { parallel: parallelTuning, counters });
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), code };
}

/**
 * The main thread's parts in a parallel dump: as in use (which ranges it takes depends on timing),
 * workers only (every range after the first is formatted ahead of the walk, speculatively), and
 * workers with the main thread formatting ranges ahead into memory (no range at the walk).
 */
const TUNINGS = [
  { direct: true, held: true },
  { direct: false, held: false },
  { direct: false, held: true },
] as const;

/**
 * Runs `args` serially and in parallel under each of TUNINGS; asserts identical results. Returns
 * the serial run and the fewest chunks a parallel run wrote.
 */
async function compare(args: readonly string[], tunings: readonly (typeof TUNINGS)[number][] = TUNINGS): Promise<{ serial: Run; chunks: number }> {
  const serial = dumpInProcess(args, dir);
  let chunks = Infinity;
  for (const tuning of tunings) {
    const before = parallelStats.chunks;
    Object.assign(parallelTuning, tuning);
    let parallel: Run;
    try {
      parallel = await dumpAsync(args);
    } finally {
      Object.assign(parallelTuning, TUNINGS[0]);
    }
    chunks = Math.min(chunks, parallelStats.chunks - before);
    const label = `${args.join(' ')} ${JSON.stringify(tuning)}`;
    expect(parallel.stderr.toString('utf8'), label).toBe(serial.stderr.toString('utf8'));
    expect(parallel.code, label).toBe(serial.code);
    if (!parallel.stdout.equals(serial.stdout)) {
      // Point at the first differing line rather than print megabytes.
      const a = serial.stdout.toString('utf8').split('\n');
      const b = parallel.stdout.toString('utf8').split('\n');
      let i = 0;
      while (i < a.length && a[i] === b[i]) i++;
      expect(`line ${i}: ${b[i]}`, label).toBe(`line ${i}: ${a[i]}`);
    }
  }
  return { serial, chunks };
}

const plain = buildSegment(batchesOf('plain-0', ['00000000000000000000.log', '00000000000000000189.log', '00000000000000000357.log']), 1_000_000, 0);
const snappy = buildSegment(batchesOf('java-snappy-0', ['00000000000000000000.log']), 1_000_000, 0);
const PLAIN = join(dir, '00000000000000000000.log');
const SNAPPY = join(dir, 'snappy', '00000000000000000000.log');
writeFileSync(PLAIN, plain.log);
spawnSync('mkdir', ['-p', join(dir, 'snappy')]);
writeFileSync(SNAPPY, snappy.log);

const DEEP_MODES = [['--deep-iteration'], ['--print-data-log'], ['--print-data-log', '--skip-record-metadata'], ['--deep-iteration', '--skip-record-metadata']];

describe.skipIf(availableParallelism() < 2)('parallel deep dump == serial dump', () => {
  for (const [name, file] of [
    ['uncompressed', PLAIN],
    ['snappy', SNAPPY],
  ] as const) {
    it(`${name}: shallow (${SHALLOW_FACTOR}x the threshold: parallel too) and every deep mode, on many chunks`, async () => {
      expect(readFileSync(file).length).toBeGreaterThan(SHALLOW_FACTOR * MIN_BYTES);
      const shallow = await compare(['--files', file]);
      expect(shallow.chunks).toBeGreaterThan(3);
      for (const mode of DEEP_MODES) {
        const r = await compare([...mode, '--files', file]);
        expect(r.serial.code).toBe(0);
        expect(r.chunks).toBeGreaterThanOrEqual(25);
      }
    });
    it(`${name}: --max-bytes windows, in the middle of batches and past the end`, async () => {
      const size = name === 'uncompressed' ? plain.log.length : snappy.log.length;
      for (const maxBytes of [MIN_BYTES, 300_001, 512 * 1024 + 17, size - 1, size, size + 5, 2147483647]) {
        for (const mode of [['--deep-iteration'], ['--print-data-log']]) {
          const r = await compare([...mode, '--max-bytes', String(maxBytes), '--files', file]);
          expect(r.chunks).toBeGreaterThan(1);
        }
      }
      // Below the threshold: serial, same output either way.
      expect((await compare(['--print-data-log', '--max-bytes', '1000', '--files', file])).chunks).toBe(0);
    });
  }

  it(`shallow dumps of windows of ${SHALLOW_FACTOR}x the threshold and more go parallel too, byte for byte`, async () => {
    const big = buildSegment(batchesOf('plain-0', ['00000000000000000000.log', '00000000000000000189.log']), SHALLOW_FACTOR * MIN_BYTES + 300_000, 0);
    const f = join(dir, '00000000000000000003.log');
    const tail = Buffer.alloc(30);
    tail.writeInt32BE(10_000, 8); // an entry that does not fit: 30 bytes left over
    writeFileSync(f, Buffer.concat([big.log, tail]));
    const r = await compare(['--files', f]);
    expect(r.serial.code).toBe(0);
    expect(r.serial.stdout.toString('utf8')).toMatch(/Found 30 invalid bytes at the end of 00000000000000000003\.log\n$/);
    expect(r.chunks).toBeGreaterThan(SHALLOW_FACTOR * 8);
    // Just below: serial.
    expect((await compare(['--max-bytes', String(SHALLOW_FACTOR * MIN_BYTES - 1), '--files', f])).chunks).toBe(0);
  });

  it('by default, shallow dumps of batches of several KB and files of large entries below 8x the threshold stay serial', async () => {
    // Batches of 5 KB (under a frame cut's 8 KiB here) shallow, and of 20 KB (frame cuts) deep.
    const segmentOf = (valueBytes: number, bytes: number): Buffer => {
      const parts: Buffer[] = [];
      for (let size = 0, i = 0; size < bytes; i++) {
        const b = batchWithValue(Buffer.alloc(valueBytes, 0x61 + (i % 26)), i);
        parts.push(b);
        size += b.length;
      }
      return Buffer.concat(parts);
    };
    const shallowFile = join(dir, '00000000000000000011.log');
    writeFileSync(shallowFile, segmentOf(5000, SHALLOW_FACTOR * MIN_BYTES + 100_000));
    const deepFile = join(dir, '00000000000000000012.log');
    writeFileSync(deepFile, segmentOf(20_000, 2 * MIN_BYTES));
    const saved = { ...parallelTuning };
    try {
      delete parallelTuning.shallowSerialEntryBytes;
      delete parallelTuning.largeEntryFactor;
      expect((await compare(['--files', shallowFile])).chunks).toBe(0);
      expect((await compare(['--deep-iteration', '--files', deepFile])).chunks).toBe(0);
      // The same with a small first batch (a producer's first, of one small record): the file is
      // sized up by its leading batches, not its first alone.
      const smallFirst = join(dir, '00000000000000000014.log');
      const first = batchWithValue(Buffer.alloc(10, 0x61), 0);
      writeFileSync(smallFirst, Buffer.concat([first, segmentOf(5000, SHALLOW_FACTOR * MIN_BYTES + 100_000)]));
      expect(first.length).toBeLessThan(4096);
      expect((await compare(['--files', smallFirst])).chunks).toBe(0);
      // Files of large entries at 8x the threshold, --deep-iteration: parallel while the CRC-32C is
      // slower than reading (@node-rs/crc32), serial when it outruns it (ISA-L: reading bounds it).
      const largeFile = join(dir, '00000000000000000013.log');
      writeFileSync(largeFile, segmentOf(20_000, 8 * MIN_BYTES + 100_000));
      const large = (await compare(['--deep-iteration', '--files', largeFile])).chunks;
      if (crc32cOutrunsReading()) expect(large).toBe(0);
      else expect(large).toBeGreaterThan(1);
      // Printed, the values' text is the work: serial where the CRC outruns reading and the native
      // engine writes the text, parallel otherwise.
      const printed = (await compare(['--print-data-log', '--files', largeFile])).chunks;
      if (crc32cOutrunsReading() && javaUtf8Engine() !== null) expect(printed).toBe(0);
      else expect(printed).toBeGreaterThan(1);
      // The gates moved: the same dumps go parallel, byte for byte.
      parallelTuning.shallowSerialEntryBytes = 8192;
      expect((await compare(['--files', shallowFile])).chunks).toBeGreaterThan(1);
      parallelTuning.largeEntryFactor = 2;
      expect((await compare(['--deep-iteration', '--files', deepFile])).chunks).toBeGreaterThan(1);
    } finally {
      Object.assign(parallelTuning, saved);
    }
  });

  it('trailing bytes: "Found N invalid bytes", and an undersized entry at the end (CorruptRecordException)', async () => {
    const f = join(dir, '00000000000000000001.log');
    const tail = Buffer.alloc(30);
    tail.writeInt32BE(10_000, 8); // an entry that does not fit: 30 bytes left over
    writeFileSync(f, Buffer.concat([plain.log, tail]));
    let r = await compare(['--print-data-log', '--files', f]);
    expect(r.serial.stdout.toString('utf8')).toMatch(/Found 30 invalid bytes at the end of 00000000000000000001\.log\n$/);
    expect(r.chunks).toBeGreaterThan(1);
    tail.writeInt32BE(5, 8); // size below the minimum record overhead
    writeFileSync(f, Buffer.concat([plain.log, tail]));
    r = await compare(['--deep-iteration', '--files', f]);
    expect(r.serial.code).toBe(1);
    expect(r.serial.stderr.toString('utf8')).toContain('CorruptRecordException: Found record size 5 smaller than minimum record overhead');
    expect(r.chunks).toBeGreaterThan(1);
  });

  it('non-consecutive offsets inside and across chunk boundaries, over two files (end-of-run report)', async () => {
    // A gap before every 7th batch, and the first batch starts at 5 (the serial walk starts from -1).
    const gapped = buildSegment(batchesOf('plain-0', ['00000000000000000000.log']), 900_000, 5, (i) => (i % 7 === 3 ? 1000 + i : 0));
    const f = join(dir, '00000000000000000005.log');
    writeFileSync(f, gapped.log);
    const r = await compare(['--deep-iteration', '--files', `${f},${SNAPPY},${f}`]);
    const err = r.serial.stderr.toString('utf8');
    expect(err).toContain(`Non-consecutive offsets in ${f}\n  -1 is followed by 5\n`);
    expect(err.split('\n').filter((l) => l.includes('is followed by')).length).toBeGreaterThan(100);
    expect(r.chunks).toBeGreaterThan(60);
    // Chunk edges at every batch: each chunk boundary is also a gap or not, the report is the same.
    parallelTuning.chunkBytes = 1;
    try {
      const small = buildSegment(batchesOf('plain-0', ['00000000000000000000.log']), MIN_BYTES + 1000, 0, (i) => (i % 3 === 1 ? 2 : 0));
      const g = join(dir, '00000000000000000000.gaps.log');
      writeFileSync(g, small.log);
      const s = await compare(['--print-data-log', '--files', g]);
      expect(s.chunks).toBeGreaterThan(100);
    } finally {
      delete parallelTuning.chunkBytes;
    }
  });

  it('a batch stored inside a record (a chunk starts at it): the dump falls back to serial from there, byte for byte', async () => {
    // Real batches (valid checksums) as the value of one record of an outer batch: ranges that
    // start inside the value find them plausible, but the walk steps over the outer batch whole.
    const prefix = buildSegment(batchesOf('plain-0', ['00000000000000000000.log']), 200_000, 0);
    const last = prefix.anchors[prefix.anchors.length - 1]!;
    const next = Number(prefix.log.readBigInt64BE(last)) + prefix.log.readInt32BE(last + 23) + 1;
    const inner = buildSegment(batchesOf('plain-0', ['00000000000000000189.log']), 100_000, 7_000_000).log;
    const suffix = buildSegment(batchesOf('plain-0', ['00000000000000000357.log']), 200_000, next + 1).log;
    const f = join(dir, '00000000000000000002.log');
    writeFileSync(f, Buffer.concat([prefix.log, batchWithValue(inner, next), suffix]));
    for (const mode of [['--print-data-log'], ['--deep-iteration']]) {
      // The ranges inside the record are formatted ahead of the walk (by a worker or held by the
      // main thread) only when the main thread does not take the ranges at the walk itself.
      for (const tuning of TUNINGS.filter((t) => !t.direct)) {
        const before = parallelStats.fallbacks;
        const r = await compare([...mode, '--files', f], [tuning]);
        expect(r.serial.code).toBe(0);
        expect(r.serial.stdout.toString('utf8')).toContain(`| offset: ${next} CreateTime: 1700000000000 keySize: -1 valueSize: ${inner.length}`);
        expect(parallelStats.fallbacks).toBe(before + 1);
      }
      await compare([...mode, '--files', f], [TUNINGS[0]]);
    }
  });

  it('values larger than an output part (binary and text, 1.5 MB) cross the parts in order, byte for byte', async () => {
    let seed = 7;
    const binary = Buffer.alloc(1_500_000);
    for (let i = 0; i < binary.length; i++) binary[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    const text = Buffer.from('kafka '.repeat(250_000));
    // Small batches first: ranges of equal size, scanned (a first batch this large is cut at frames, below).
    const small = buildSegment(batchesOf('plain-0', ['00000000000000000000.log']), 100_000, 0);
    const last = small.anchors[small.anchors.length - 1]!;
    const n = Number(small.log.readBigInt64BE(last)) + small.log.readInt32BE(last + 23) + 1;
    const f = join(dir, '00000000000000000004.log');
    const big = [batchWithValue(binary, n), batchWithValue(text, n + 1), batchWithValue(binary.subarray(1), n + 2), batchWithValue(text, n + 3)];
    writeFileSync(f, Buffer.concat([small.log, ...big]));
    for (const mode of [['--print-data-log'], ['--print-data-log', '--skip-record-metadata']]) {
      const r = await compare([...mode, '--files', f]);
      expect(r.serial.code).toBe(0);
      expect(r.chunks).toBeGreaterThan(5);
      expect(r.serial.stdout.length).toBeGreaterThan(2 * binary.length + 2 * text.length);
    }
  });

  it('batches larger than a range: ranges start at the batch that starts inside them (no fallback); a first batch that large: ranges cut at frames', async () => {
    // Ranges of ~10 KiB (shallow, threshold lowered) and, after a small batch, batches of 40-100 KB
    // of pseudo-random bytes: most ranges hold no batch start, and the batch that starts in a range
    // ends past it. (Range starts that had to end inside their range fell back to serial.)
    let seed = 11;
    const batches: Buffer[] = [batchWithValue(Buffer.from('small'), 0)];
    for (let i = 1; i <= 40; i++) {
      const value = Buffer.alloc(40_000 + ((i * 15_485_863) % 60_000));
      for (let k = 0; k < value.length; k++) value[k] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
      batches.push(batchWithValue(value, i));
    }
    const f = join(dir, '00000000000000000005.log');
    writeFileSync(f, Buffer.concat(batches));
    const large = join(dir, '00000000000000000006.log');
    writeFileSync(large, Buffer.concat(batches.slice(1)));
    parallelTuning.minBytes = Math.floor(MIN_BYTES / SHALLOW_FACTOR);
    try {
      const fallbacks = parallelStats.fallbacks;
      const frameCuts = parallelStats.frameCuts;
      // Scanned ranges (frame cuts off: by default the large batches after the small first one
      // make the file one of large entries, cut at frames).
      parallelTuning.frameCuts = false;
      const r = await compare(['--files', f]);
      delete parallelTuning.frameCuts;
      expect(r.chunks).toBeGreaterThan(20);
      expect(parallelStats.fallbacks).toBe(fallbacks);
      expect(parallelStats.frameCuts).toBe(frameCuts);
      // By default the file is cut at frames, with its small first batch or without it.
      expect((await compare(['--files', f])).chunks).toBeGreaterThan(10);
      expect(parallelStats.frameCuts).toBeGreaterThan(frameCuts);
      const cutsBefore = parallelStats.frameCuts;
      for (const mode of [[], ['--deep-iteration']]) {
        const files = parallelStats.files;
        const l = await compare([...mode, '--files', large]);
        expect(l.serial.code).toBe(0);
        expect(l.chunks).toBeGreaterThan(10);
        expect(parallelStats.files).toBe(files + TUNINGS.length);
      }
      expect(parallelStats.frameCuts).toBeGreaterThan(cutsBefore);
      expect(parallelStats.fallbacks).toBe(fallbacks);
    } finally {
      parallelTuning.minBytes = MIN_BYTES;
    }
  });

  describe('files of large entries: ranges cut at batch starts found by stepping frames', () => {
    /** ~1.3 MB of batches of one 15-60 KB record (half text, half pseudo-random bytes, as the bench's `large`): far over a quarter of a 32 KiB range. */
    const large = (() => {
      let seed = 23;
      const batches: Buffer[] = [];
      let size = 0;
      for (let i = 0; size < 1_300_000; i++) {
        const n = 15_000 + ((i * 7_919) % 45_000);
        const value = Buffer.alloc(n);
        value.write('large value text '.repeat(Math.ceil(n / 34)).slice(0, n >> 1));
        for (let k = n >> 1; k < n; k++) value[k] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
        batches.push(batchWithValue(value, i));
        size += batches[batches.length - 1]!.length;
      }
      return buildSegment(batches, size, 0);
    })();
    const LARGE = join(dir, 'large', '00000000000000000000.log');
    spawnSync('mkdir', ['-p', join(dir, 'large')]);
    writeFileSync(LARGE, large.log);

    it('every mode, byte for byte, on many ranges, without a scan or a fallback', async () => {
      const fallbacks = parallelStats.fallbacks;
      const cuts = parallelStats.frameCuts;
      for (const mode of [[], ...DEEP_MODES]) {
        const r = await compare([...mode, '--files', LARGE]);
        expect(r.serial.code).toBe(0);
        expect(r.chunks).toBeGreaterThan(20);
      }
      expect(parallelStats.frameCuts - cuts).toBeGreaterThan(5 * TUNINGS.length * 20);
      expect(parallelStats.fallbacks).toBe(fallbacks);
    });

    it('--max-bytes windows: inside a batch, at a batch start, one byte past it, past the end', async () => {
      const a = large.anchors;
      for (const maxBytes of [a[30]! + 5_000, a[31]!, a[31]! + 1, large.log.length - 1, large.log.length + 9]) {
        for (const mode of [['--deep-iteration'], ['--print-data-log']]) {
          const r = await compare([...mode, '--max-bytes', String(maxBytes), '--files', LARGE]);
          expect(r.chunks).toBeGreaterThan(10);
        }
      }
    });

    it('a batch stored inside a large record is stepped over whole: no range starts in it, no fallback', async () => {
      const inner = buildSegment(batchesOf('plain-0', ['00000000000000000189.log']), 100_000, 7_000_000).log;
      const next = large.anchors.length;
      const f = join(dir, 'large', '00000000000000000001.log');
      writeFileSync(f, Buffer.concat([large.log, batchWithValue(inner, next), batchWithValue(Buffer.from('after'), next + 1)]));
      const fallbacks = parallelStats.fallbacks;
      for (const mode of [['--print-data-log'], ['--deep-iteration']]) {
        const r = await compare([...mode, '--files', f]);
        expect(r.serial.stdout.toString('utf8')).toContain(`| offset: ${next + 1} CreateTime: 1700000000000 keySize: -1 valueSize: 5`);
      }
      expect(parallelStats.fallbacks).toBe(fallbacks);
    });

    it(`entries that turn small: past ${FRAME_CUT_STEPS} frames a range, ranges of equal size again, scanned; a batch stored in a record there falls back to serial`, async () => {
      // Large entries, then small ones with a batch stored inside a record among them: the ranges
      // over the small entries hold more than FRAME_CUT_STEPS batches, so the cuts give way to
      // scanned ranges, and a range that starts inside the record disagrees with the walk.
      const small = buildSegment(batchesOf('plain-0', ['00000000000000000000.log']), 300_000, large.anchors.length);
      const smallLast = small.anchors[small.anchors.length - 1]!;
      const next = Number(small.log.readBigInt64BE(smallLast)) + small.log.readInt32BE(smallLast + 23) + 1;
      const inner = buildSegment(batchesOf('plain-0', ['00000000000000000189.log']), 100_000, 7_000_000).log;
      const after = buildSegment(batchesOf('plain-0', ['00000000000000000357.log']), 200_000, next + 1).log;
      const f = join(dir, 'large', '00000000000000000002.log');
      writeFileSync(f, Buffer.concat([large.log, small.log, batchWithValue(inner, next), after]));
      const meanSmall = small.log.length / small.anchors.length;
      parallelTuning.chunkBytes = Math.ceil(2 * FRAME_CUT_STEPS * meanSmall);
      try {
        for (const mode of [['--print-data-log'], ['--deep-iteration']]) {
          for (const tuning of TUNINGS.filter((t) => !t.direct)) {
            const before = { ...parallelStats };
            const r = await compare([...mode, '--files', f], [tuning]);
            expect(r.serial.code).toBe(0);
            expect(parallelStats.frameCuts).toBeGreaterThan(before.frameCuts);
            expect(parallelStats.fallbacks).toBe(before.fallbacks + 1);
          }
          await compare([...mode, '--files', f], [TUNINGS[0]]);
        }
        // Frame cuts asked for on a file of small entries: they give way at once, byte for byte.
        parallelTuning.frameCuts = true;
        const r = await compare(['--deep-iteration', '--files', PLAIN]);
        expect(r.chunks).toBeGreaterThan(5);
      } finally {
        delete parallelTuning.chunkBytes;
        delete parallelTuning.frameCuts;
      }
    });

    it('damaged copies: 60 seeded mutations (FUZZ_RUNS=N), failures and trailing bytes anywhere, same output and exit code as serial', async () => {
      const cases = Math.max(1, Math.floor(Number(process.env.FUZZ_RUNS ?? 300) / 5));
      let state = Number(process.env.FUZZ_SEED ?? 20261205);
      const rand = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
      const f = join(dir, 'large', '00000000000000000003.log');
      const modes = [[], ['--deep-iteration'], ['--print-data-log'], ['--print-data-log', '--max-bytes', '900000']];
      const outcomes = new Map<string, number>();
      let parallelRuns = 0;
      for (let i = 0; i < cases; i++) {
        let bytes = large.log;
        for (let k = 1 + (rand() % 2); k > 0; k--) {
          const m: MutationSpec = { kind: rand() % MUTATION_KINDS.length, at: rand(), len: rand(), value: rand(), bytes: Uint8Array.from({ length: rand() % 200 }, () => rand() & 0xff) };
          bytes = applyMutation(bytes, m, large.anchors);
        }
        writeFileSync(f, bytes);
        const r = await compare([...modes[i % modes.length]!, '--files', f]);
        if (r.chunks > 0) parallelRuns++;
        const out = r.serial.stdout.toString('utf8');
        const key = r.serial.code !== 0 ? (/"main" ([\w.$]+)/.exec(r.serial.stderr.toString('utf8'))?.[1] ?? `exit ${r.serial.code}`) : out.includes('isvalid: false') ? 'invalid crc' : / invalid bytes at the end/.test(out) ? 'trailing' : 'ok';
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
      expect(parallelRuns).toBeGreaterThan(cases * 0.8);
      expect(outcomes.size).toBeGreaterThanOrEqual(Math.min(3, cases));
      expect(outcomes.has('exit 2')).toBe(false);
      console.log(`large-entry mutation cases: ${JSON.stringify(Object.fromEntries(outcomes))}; parallel runs ${parallelRuns}`);
    }, 600_000);
  });

  it('DefaultDecoder (a running identity per record, numbered across runs) stays serial', async () => {
    const before = parallelStats.chunks;
    const r = await dumpAsync(['--value-decoder-class', 'org.apache.kafka.tools.api.DefaultDecoder', '--files', PLAIN]);
    expect(r.code).toBe(0);
    expect(parallelStats.chunks).toBe(before);
    const ids = [...r.stdout.toString('utf8').matchAll(/payload: \[B@([0-9a-f]+)\n/g)].map((m) => parseInt(m[1]!, 16));
    expect(ids.length).toBeGreaterThan(1000);
    expect(ids.every((v, i) => i === 0 || v === ids[i - 1]! + 1)).toBe(true);
  });

  it('mutated segments: 300 seeded cases (FUZZ_RUNS=N, FUZZ_SEED=S for others), failures anywhere, same output and exit code as serial', async () => {
    const cases = Number(process.env.FUZZ_RUNS ?? 300);
    let state = Number(process.env.FUZZ_SEED ?? 20261123);
    const fallbacksBefore = parallelStats.fallbacks;
    const rand = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state;
    };
    const sources = [
      { file: join(dir, 'm-plain', '00000000000000000000.log'), ...buildSegment(batchesOf('plain-0', ['00000000000000000189.log']), 600_000, 0) },
      { file: join(dir, 'm-snappy', '00000000000000000000.log'), ...buildSegment(batchesOf('java-snappy-0', ['00000000000000000000.log']), 600_000, 0) },
    ];
    for (const s of sources) spawnSync('mkdir', ['-p', join(s.file, '..')]);
    const modes = [['--deep-iteration'], ['--print-data-log'], ['--print-data-log', '--skip-record-metadata'], ['--deep-iteration', '--max-bytes', '400000']];
    const outcomes = new Map<string, number>();
    let parallelRuns = 0;
    /** Chunks written by failed parallel runs (the last one is the chunk that failed). */
    const failedAt = new Set<number>();
    for (let i = 0; i < cases; i++) {
      const s = sources[i % sources.length]!;
      let bytes = s.log;
      const n = 1 + (rand() % 2);
      for (let k = 0; k < n; k++) {
        const m: MutationSpec = {
          kind: rand() % MUTATION_KINDS.length,
          at: rand(),
          len: rand(),
          value: rand(),
          bytes: Uint8Array.from({ length: rand() % 200 }, () => rand() & 0xff),
        };
        bytes = applyMutation(bytes, m, s.anchors);
      }
      writeFileSync(s.file, bytes);
      const r = await compare([...modes[i % modes.length]!, '--files', s.file]);
      if (r.chunks > 0) parallelRuns++;
      if (r.chunks > 0 && r.serial.code !== 0) failedAt.add(r.chunks);
      const key = r.serial.code === 0 ? 'ok' : (/"main" ([\w.$]+)/.exec(r.serial.stderr.toString('utf8'))?.[1] ?? `exit ${r.serial.code}`);
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    // The cases cover both outcomes, and several kinds of failure.
    expect(parallelRuns).toBeGreaterThan(cases * 0.83);
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(20);
    expect([...outcomes.keys()].filter((k) => k !== 'ok').length).toBeGreaterThanOrEqual(3);
    expect(outcomes.has('exit 2')).toBe(false);
    // Failures landed in many different chunks, early and late.
    expect(failedAt.size).toBeGreaterThanOrEqual(8);
    expect(Math.max(...failedAt)).toBeGreaterThan(10);
    console.log(
      `mutation cases: ${JSON.stringify(Object.fromEntries(outcomes))}; parallel runs ${parallelRuns}; serial fallbacks ${parallelStats.fallbacks - fallbacksBefore}; failures in chunks ${[...failedAt].sort((a, b) => a - b).join(',')}`,
    );
  }, 1_800_000);

  it("a chunk whose file cannot be opened (deleted since the dump began) returns Kafka's failure, as formatting errors do", () => {
    const job = {
      dump: 0,
      absPath: join(dir, 'gone', '00000000000000000000.log'),
      path: 'gone/00000000000000000000.log',
      start: 4096,
      speculative: true,
      stopAt: 8192,
      windowEnd: 1 << 20,
      printContents: false,
      deepIteration: false,
      skipRecordMetadata: false,
      maxBytes: 2147483647,
      recordLines: true,
      args: [],
    };
    const opts = { printContents: false, deepIteration: false, skipRecordMetadata: false, maxBytes: 2147483647, parser: null as never };
    const out = new ByteSink(() => {});
    const r = formatChunk(() => openSegment(job.absPath, job.path), job, opts, out, () => {});
    expect(r.error).toEqual({ javaClass: 'java.nio.file.NoSuchFileException', javaMessage: 'gone/00000000000000000000.log' });
    expect(r.start).toBe(4096);
  });

  it('the main thread and the workers each formatted ranges in the runs above', () => {
    expect(parallelStats.direct).toBeGreaterThan(0);
    expect(parallelStats.held).toBeGreaterThan(100);
    expect(parallelStats.chunks - parallelStats.direct - parallelStats.held).toBeGreaterThan(1000);
  });

  it('the launcher (bin/kafka-dump-log.js) takes the parallel path, byte for byte', () => {
    ensureBuilt('dist/bundle/parallel-worker.js');
    const bin = resolve(REPO, 'bin/kafka-dump-log.js');
    for (const mode of [['--print-data-log'], ['--deep-iteration', '--max-bytes', '700001']]) {
      const args = [...mode, '--files', `${PLAIN},${SNAPPY}`];
      const serial = dumpInProcess(args, dir);
      const env = { ...process.env, KSEG_PARALLEL_MIN_BYTES: String(MIN_BYTES) };
      const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, env, maxBuffer: 1 << 30 });
      expect(r.status).toBe(serial.code);
      expect(r.stderr.toString('utf8')).toBe(serial.stderr.toString('utf8'));
      expect(r.stdout.equals(serial.stdout)).toBe(true);
    }
  });
});

/**
 * Every recorded Kafka 4.3 run again, through the parallel path with ranges of 512 bytes (a
 * threshold of 4 KiB): every .log and .checkpoint of the corpora above 4 KiB (12 KiB shallow) is
 * cut into ranges that start inside batches, legacy wrappers and control batches, and must still
 * print exactly what Kafka printed, under each tuning of the main thread's part.
 */
const RECORDED = [
  { label: 'fixtures/corpus', cwd: FIXTURES, expected: join(FIXTURES, 'expected-corpus'), shared: false },
  { label: 'fixtures/kraft', cwd: join(FIXTURES, 'kraft'), expected: join(FIXTURES, 'expected-kraft'), shared: false },
  { label: 'corpus', cwd: join(SHARED, 'corpus'), expected: join(SHARED, 'corpus'), shared: true },
  { label: 'kraft', cwd: join(SHARED, 'kraft'), expected: join(SHARED, 'kraft'), shared: true },
];

describe.skipIf(availableParallelism() < 2)('recorded Kafka 4.3 runs through the parallel path', () => {
  for (const corpus of RECORDED) {
    it.skipIf(corpus.shared && !HAVE_SHARED)(`${corpus.label}: every run identical, in ranges of 512 bytes, under each tuning`, async () => {
      const jobs = readFileSync(join(corpus.expected, 'expected/kafka-4.3/jobs.tsv'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t'));
      parallelTuning.minBytes = 4096;
      const filesBefore = parallelStats.files;
      try {
        for (const tuning of TUNINGS) {
          Object.assign(parallelTuning, tuning);
          const differing: string[] = [];
          for (const [stdoutFile, stderrFile, code, ...args] of jobs) {
            const out: Buffer[] = [];
            const err: Buffer[] = [];
            const io = { out: new ByteSink((c) => out.push(Buffer.from(c))), err: new ByteSink((c) => err.push(Buffer.from(c))), cwd: corpus.cwd };
            const got = await runDumpLogAsync(args, io, { parallel: parallelTuning, counters });
            const norm = (b: Buffer[]) => Buffer.concat(b).toString('utf8').split(corpus.cwd).join('@CWD@');
            const same =
              got === Number(code) &&
              norm(out) === readFileSync(join(corpus.expected, stdoutFile!), 'utf8') &&
              norm(err) === readFileSync(join(corpus.expected, stderrFile!), 'utf8');
            if (!same) differing.push(args.join(' '));
          }
          expect(differing, JSON.stringify(tuning)).toEqual([]);
        }
      } finally {
        Object.assign(parallelTuning, TUNINGS[0]);
        parallelTuning.minBytes = MIN_BYTES;
      }
      // Files of every corpus went through the parallel path (fixtures' small segments too).
      expect(parallelStats.files - filesBefore).toBeGreaterThan(corpus.label === 'fixtures/kraft' ? 0 : 20);
    });
  }
});

