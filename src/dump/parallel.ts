import { availableParallelism } from 'node:os';
import { crc32cOutrunsReading } from '../codec/index.js';
import { HEADER_SIZE_UP_TO_MAGIC } from '../format/batch.js';
import { javaUtf8Engine } from '../format/utf8.js';
import { type Int64, addInt64 } from '../format/int64.js';
import { type SegmentFile, peekFrame } from '../io/segment-file.js';
import { JavaException } from './java-exception.js';
import { type DumpLogOptions, type OffsetGap, type OpenedLog, type RangeContext, dumpOpenedLog, formatRange, openLog, trailingBytesLine } from './log.js';
import { ByteSink, type DumpIO } from './output.js';
import { type ChunkJob, type ChunkResult, PART_BYTES, formatChunk } from './parallel-chunk.js';
import type { DumpReports } from './reports.js';
import { type ParallelCounters, type ParallelTuning, LARGE_ENTRY_FACTOR, PARALLEL_MIN_BYTES, SHALLOW_SERIAL_ENTRY_BYTES, newParallelCounters } from './tuning.js';
import { type WorkerPool, defaultWorkerScript, workerPool } from './worker-pool.js';

/**
 * Dumps of large `.log`/`.checkpoint` files on several cores. The file is cut into ranges,
 * formatted with the serial code (formatChunk: formatRange in log.ts) by worker threads
 * (worker-pool.ts) and by the main thread itself. Where batches start is only known by walking from
 * the file's start. In a file of small entries, the ranges are of equal size and a range formatted
 * ahead of the walk starts at the first plausible entry of its range (framing, header and checksum
 * valid, see io/segment-file.ts) and goes on past the range's end to the first entry at or after
 * it. In a file of large entries (multi-MB records: a range of equal size would hold at most one
 * batch start, and be scanned for it in vain), the main thread cuts the ranges at batch starts
 * instead: it steps the entries' frames (offset and size, a 17-byte peek each, as the serial walk
 * frames them) from one cut to the first entry at or after a range's size further, so each range
 * starts where the walk will be (frameCut). The main thread writes the ranges strictly in
 * file order and uses one only if its start is where the previous range's walk stopped: always, in
 * a real segment. Otherwise (damage that hides a batch's start, or a batch stored inside a record)
 * it drops the later ranges and dumps the rest of the file itself, serially. It also merges the
 * non-consecutive offsets as the serial walk finds them, and on the first range that failed writes
 * its partial output and throws its exception.
 *
 * The main thread is one of the formatters (a machine of n cores runs n - 1 workers): while the
 * workers start it formats the ranges at the walk's position straight into the output (exactly
 * the serial dump), and later, while the range being written is still on a worker, it formats the
 * next free range into memory it holds (HELD_MAX ranges at most). Memory stays bounded whatever the
 * file size (see PARTS_PER_WORKER and HELD_MAX).
 */

export { PARALLEL_MIN_BYTES } from './tuning.js';
export { closeDumpWorkers } from './worker-pool.js';

/**
 * Shallow dumps do far less work per byte, so a worker's start (~70 ms, ~0.1 s of CPU) pays off
 * only on larger windows: they go parallel from this many times the deep threshold (see
 * docs/bench.md for the measurements).
 */
export const SHALLOW_FACTOR = 3;

/** Ranges a worker is given ahead (the one it formats and the next). */
const AHEAD_PER_WORKER = 2;
/** Ranges the main thread formats into memory ahead of the one being written. */
const HELD_MAX = 3;

/**
 * DumpLogSegments.dumpLog, on several threads when the window is large (64 MiB deep, 192 MiB
 * shallow, unless `tuning.minBytes` says) and the machine has more than one core; otherwise
 * exactly the serial dumpLog. `workerArgs`: the command line a worker rebuilds the record parser
 * from, null when the parser has state across records (the dump stays serial).
 */
export async function dumpLogAsync(
  path: string,
  opts: DumpLogOptions,
  io: DumpIO,
  reports: DumpReports,
  workerArgs: readonly string[] | null,
  tuning: ParallelTuning = {},
  counters?: ParallelCounters,
): Promise<void> {
  const log = openLog(path, opts, io);
  try {
    const threads = Math.min(availableParallelism(), 8);
    const minBytes = tuning.minBytes ?? PARALLEL_MIN_BYTES;
    // A file whose leading entries (leadingEntryBytes) are larger than a quarter of a deep range
    // (256 KiB by default) is cut at batch starts found by stepping the frames (frameCut), not into
    // equal ranges scanned for their first batch: those would hold at most a few batch starts, most
    // scanned in vain (256 MiB of 1-4 MiB records, CPU under load, scanned against serial: deep 1.12
    // against 0.71 s, print 3.33 against 1.65 s). Such files and shallow dumps of batches of several
    // KB go parallel later or not at all (tuning.ts: largeEntryFactor, shallowSerialEntryBytes).
    // (The leading entries are framed only for windows past the base threshold: below, nothing is
    // read here, and a directory named like a segment fails where the serial dump reads it.)
    const threshold = minBytes * (opts.deepIteration ? 1 : SHALLOW_FACTOR);
    const leading = log.windowEnd >= threshold ? leadingEntryBytes(log) : 0;
    const frameCuts = tuning.frameCuts ?? leading > rangeBytes(minBytes, { deepIteration: true }) / 4;
    const shallowOfLargeBatches = !opts.deepIteration && !frameCuts && leading >= (tuning.shallowSerialEntryBytes ?? SHALLOW_SERIAL_ENTRY_BYTES);
    // With a CRC-32C that outruns reading (ISA-L), files of large entries stay serial: the dump is
    // bound by reading then (1 GiB of 1-4 MiB records: serial 0.314 against parallel 0.342 s deep,
    // 0.294 against 0.300 s shallow, at 0.67-0.72x the CPU time). Printed, the values' text is the
    // work: serial too where the native engine writes it (native/java-utf8; 1 GiB of half random
    // values: serial 0.938 against parallel 0.984 s at 0.62x the CPU, 256 MiB: 0.79x the time), in
    // parallel where JS does (serial 2.60 s against parallel ~1.5 s at 1 GiB).
    const readingBound = frameCuts && crc32cOutrunsReading() && (!opts.printContents || javaUtf8Engine() !== null);
    const largeEntryFactor = tuning.largeEntryFactor ?? (readingBound ? Infinity : LARGE_ENTRY_FACTOR);
    const large = log.windowEnd >= (frameCuts ? minBytes * largeEntryFactor : threshold) && !shallowOfLargeBatches;
    const script = workerArgs === null || threads < 2 || !large ? null : (tuning.workerScript ?? defaultWorkerScript());
    if (script === null) {
      dumpOpenedLog(log, path, opts, io, reports);
      return;
    }
    // Large entries without their values printed: a line or two of output per MB, so ranges as
    // large as shallow ones (fewer hand-offs; 1 GiB of 1-4 MiB records, --deep-iteration: 0.91x
    // the CPU time of 1 MiB ranges). Printed, the values make 8 MiB ranges peak at 182 MiB.
    const rangeOpts = frameCuts && !opts.printContents ? { deepIteration: false } : opts;
    const dump = new ParallelDump(log, path, opts, io, reports, {
      pool: workerPool(threads - 1, script),
      args: workerArgs!,
      chunkBytes: tuning.chunkBytes ?? rangeBytes(minBytes, rangeOpts),
      direct: tuning.direct ?? true,
      held: tuning.held ?? true,
      frameCuts,
      counters: counters ?? newParallelCounters(),
    });
    await dump.run();
  } finally {
    log.file.close();
  }
}

/** The size of the ranges a parallel dump with threshold `minBytes` is cut into. */
function rangeBytes(minBytes: number, opts: Pick<DumpLogOptions, 'deepIteration'>): number {
  // Ranges small enough that a range's output fits in a worker's parts while the main thread is
  // busy with its own (--print-data-log writes ~2.6 bytes per byte of plain-0 batches).
  const defaultChunk = opts.deepIteration ? 1 << 20 : 8 << 20;
  return Math.min(defaultChunk, Math.max(4096, Math.floor(minBytes / 8)));
}

/**
 * Frames stepped at most to find one cut. A file whose first entry is large but whose next ones are
 * small would cost the main thread a peek per entry: past this many, the ranges go back to equal
 * sizes and scanned starts for the rest of the file.
 */
export const FRAME_CUT_STEPS = 64;

/**
 * Entries framed to size up a file (leadingEntryBytes): a producer's first batch is often far
 * smaller than the rest (a first batch of 1 record, then batches of 16 KB), so one is not enough.
 */
const LEADING_ENTRIES = 4;

/**
 * The largest of the window's first LEADING_ENTRIES entries (0 if none frames), framed by peeks as
 * the walk frames them. (A first entry alone sized a file of ~16 KB batches whose first batch held
 * one record as one of small batches: its shallow dump went parallel, 0.43 s against 0.33 s serial
 * at 256 MiB.)
 */
function leadingEntryBytes(log: OpenedLog): number {
  let largest = 0;
  let p = 0;
  for (let i = 0; i < LEADING_ENTRIES && p < log.windowEnd - HEADER_SIZE_UP_TO_MAGIC; i++) {
    const f = peekFrame(log.file, p, log.windowEnd);
    if (f.kind !== 'entry') break;
    largest = Math.max(largest, f.totalSize);
    p += f.totalSize;
  }
  return largest;
}

/**
 * Where the serial walk, at the entry starting at `from`, first stands at or after `target`:
 * stepped frame by frame as EntryWalker.step frames them (peeks of 17 bytes, the file's window
 * not moved). `end` if the framing ends first (the walk ends there or before: the range runs to
 * the end of the window), null after `maxSteps` frames (entries too small for stepping to pay).
 */
export function frameCut(file: SegmentFile, from: number, target: number, end: number, maxSteps: number): number | null {
  let p = from;
  for (let steps = 0; p < target; steps++) {
    if (steps === maxSteps) return null;
    if (p >= end - HEADER_SIZE_UP_TO_MAGIC) return end;
    const f = peekFrame(file, p, end);
    if (f.kind !== 'entry') return end;
    p += f.totalSize;
  }
  return p;
}

/** A range given to a worker: its output pieces held until it may be written, and its end. */
interface OnWorker {
  held: false;
  job: ChunkJob;
  queued: Array<{ parts: Uint8Array[]; back: (parts: readonly Uint8Array[]) => void }>;
  /** Where the worker started (undefined until it says). */
  start: number | null | undefined;
  /** Resolves when `start` is known. */
  started: Promise<void>;
  /** Its output goes straight out: it is the next chunk and its start is where the walk is. */
  writing: boolean;
  /** Dropped: its output is not written. */
  discard: boolean;
  settled: boolean;
  done: Promise<ChunkResult>;
}

/** A range the main thread formatted ahead, into memory it holds. */
interface Held {
  held: true;
  job: ChunkJob;
  result: ChunkResult;
}

type Pending = OnWorker | Held;

/** Output the main thread formats ahead: 1 MiB buffers, reused from range to range. */
class HeldOutput {
  private readonly free: Uint8Array[] = [];
  /** The sink's buffers and the parts long pieces are copied into (small pieces are copies left to the GC). */
  private readonly own = new WeakSet<ArrayBufferLike>();
  private current: Uint8Array = this.part();
  private parts: Uint8Array[] = [];
  readonly sink = new ByteSink(
    (c) => {
      // The sink's own buffer is kept (handOff gives it the next one); other pieces are the
      // caller's bytes or a scratch buffer, copied: a long one (a multi-MB value) into parts
      // reused from range to range, as a worker copies it into its shared parts (a fresh copy of
      // each measured 0.6 s more system time and 90 MB more peak RSS on 1 GiB of 1-4 MiB values).
      if (c.buffer === this.current.buffer) this.parts.push(c);
      else if (c.length < PART_BYTES / 4) this.parts.push(Uint8Array.prototype.slice.call(c));
      else {
        for (let off = 0; off < c.length; off += PART_BYTES) {
          const n = Math.min(PART_BYTES, c.length - off);
          const p = this.free.pop() ?? this.part();
          p.set(c.subarray(off, off + n));
          this.parts.push(p.subarray(0, n));
        }
      }
    },
    this.current,
    () => (this.current = this.free.pop() ?? this.part()),
  );

  private part(): Uint8Array {
    const p = new Uint8Array(PART_BYTES);
    this.own.add(p.buffer);
    return p;
  }

  /** The output formatted since the last call. */
  take(): Uint8Array[] {
    this.sink.flush();
    const parts = this.parts;
    this.parts = [];
    return parts;
  }

  /** Gives written (or dropped) output back. */
  recycle(parts: readonly Uint8Array[]): void {
    for (const p of parts) if (this.own.has(p.buffer)) this.free.push(new Uint8Array(p.buffer));
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Numbers the dumps of the process (a worker keeps the file of the dump its chunks belong to open). */
let dumps = 0;

/** How a ParallelDump runs: its workers, the command line they rebuild the parser from, its ranges, the main thread's parts, its counters. */
interface ParallelSettings {
  pool: WorkerPool;
  args: readonly string[];
  chunkBytes: number;
  /** ParallelTuning.direct and .held. */
  direct: boolean;
  held: boolean;
  /** Ranges cut at batch starts found by stepping frames (ParallelTuning.frameCuts). */
  frameCuts: boolean;
  counters: ParallelCounters;
}

/**
 * One file's parallel dump: hands ranges out in file order (fill), and writes them back in file
 * order as the walk reaches them (run), checking each range's start against where the walk is.
 */
class ParallelDump {
  private readonly pool: WorkerPool;
  private readonly windowEnd: number;
  private readonly dump = ++dumps;
  /** Ranges handed out and not yet written, in file order. */
  private readonly pending: Pending[] = [];
  private readonly heldOutput = new HeldOutput();
  private heldCount = 0;
  /** Where the next range to hand out starts, and whether that is a batch start (a frame cut). */
  private nextStart = 0;
  private nextStartKnown = true;
  /** Ranges are still cut at frames (see frameCut). */
  private frameCuts: boolean;
  /** No more ranges are handed out (the walk ended, failed or disagreed with a range). */
  private stopped = false;
  /** Where the walk is: the previous range stopped here, and the offset of its last record. */
  private expected = 0;
  private lastOffset: Int64 = -1;
  /** Where the walk ended, once it has. */
  private walkEnd: number | null = null;
  /** The serial walk of the main thread, for the ranges it formats at the walk. */
  private readonly range: RangeContext;

  constructor(
    private readonly log: OpenedLog,
    private readonly path: string,
    private readonly opts: DumpLogOptions,
    private readonly io: DumpIO,
    private readonly reports: DumpReports,
    private readonly settings: ParallelSettings,
  ) {
    this.pool = settings.pool;
    this.windowEnd = log.windowEnd;
    this.frameCuts = settings.frameCuts;
    const gap: OffsetGap = (previous, next) => reports.nonConsecutiveOffset(log.absPath, previous!, next);
    this.range = { file: log.file, path, windowEnd: this.windowEnd, opts, out: io.out, gap };
  }

  async run(): Promise<void> {
    const pool = this.pool;
    const counters = this.settings.counters;
    pool.onReady = () => this.fill();
    counters.files++;
    let fallback = false;
    let failed = false;
    try {
      fallback = await this.writeInOrder();
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      // Ranges after the end of the walk, after a failure or after a disagreement are dropped; the
      // workers finish them for nothing, then serve the next file. A worker that broke is replaced.
      pool.onReady = () => {};
      this.dropPending();
      if (failed && pool.destroyed) void pool.destroy();
      pool.closeFile(this.dump);
    }
    if (fallback) {
      // The rest of the file, serially from where the walk is: exactly the serial dump's output.
      counters.fallbacks++;
      this.walkEnd = formatRange(this.range, this.expected, this.windowEnd, this.lastOffset).position;
    }
    const line = trailingBytesLine(this.log, this.opts, this.walkEnd ?? this.expected);
    if (line !== null) this.io.out.text(line);
  }

  /**
   * Writes the ranges in file order until the walk ends. Returns true when a range's start
   * disagrees with the walk (the rest of the file is then the serial dump's).
   */
  private async writeInOrder(): Promise<boolean> {
    const pool = this.pool;
    const counters = this.settings.counters;
    for (;;) {
      this.fill();
      const head = this.pending[0];
      if (head === undefined) {
        if (this.stopped || this.nextStart >= this.windowEnd) return false;
        if (!this.settings.direct && !pool.destroyed) {
          await nextTurn();
          continue;
        }
        // Nothing ahead (the workers are starting): the main thread formats the next range at
        // the walk's position, straight out, exactly as the serial dump does.
        const job = this.nextJob();
        counters.chunks++;
        counters.direct++;
        if (this.expected < job.stopAt) {
          const r = formatRange(this.range, this.expected, this.windowEnd, this.lastOffset, job.stopAt);
          this.expected = r.position;
          this.lastOffset = r.lastOffset ?? this.lastOffset;
          if (r.ended) {
            this.walkEnd = r.position;
            return false;
          }
        }
        await nextTurn();
        continue;
      }
      if (head.held) {
        if (!this.agrees(head.result.start, head.job)) return true;
        this.pending.shift();
        this.heldCount--;
        if (!this.consume(head.result, () => this.heldOutput.recycle(head.result.parts))) return false;
        continue;
      }
      await head.started;
      if (!this.agrees(head.start, head.job)) return true;
      if (!head.writing) {
        head.writing = true;
        for (const q of head.queued) this.write(q.parts, q.back);
        head.queued = [];
      }
      if (this.settings.held && !head.settled && this.heldCount < HELD_MAX && this.nextStart < this.windowEnd && !this.stopped) {
        // The range being written is still on a worker: the main thread formats the next free
        // range meanwhile, into memory, to be written in its turn.
        const job = this.nextJob();
        counters.held++;
        const outcome = formatChunk(() => this.log.file, job, this.opts, this.heldOutput.sink, () => {});
        this.pending.push({ held: true, job, result: { ...outcome, parts: this.heldOutput.take() } });
        this.heldCount++;
        // Lets the workers' messages in (their pieces, results and requests for more).
        await nextTurn();
        continue;
      }
      const r = await head.done;
      this.pending.shift();
      if (!this.consume(r, () => pool.recycle(r))) return false;
    }
  }

  /**
   * The next range, from where the last one handed out ends: at a frame cut (its start known, its
   * end the next cut), or of the range size (its start scanned for by whoever formats it).
   */
  private nextJob(): ChunkJob {
    const start = this.nextStart;
    const speculative = !this.nextStartKnown;
    const windowEnd = this.windowEnd;
    let stopAt = Math.min(start + this.settings.chunkBytes, windowEnd);
    if (this.frameCuts && stopAt < windowEnd) {
      const cut = frameCut(this.log.file, start, stopAt, windowEnd, FRAME_CUT_STEPS);
      if (cut === null) this.frameCuts = false;
      else stopAt = cut;
      this.settings.counters.frameCuts++;
    }
    this.nextStart = stopAt;
    this.nextStartKnown = this.frameCuts;
    const { opts } = this;
    return {
      dump: this.dump,
      absPath: this.log.absPath,
      path: this.path,
      start,
      speculative,
      stopAt,
      windowEnd,
      printContents: opts.printContents,
      deepIteration: opts.deepIteration,
      skipRecordMetadata: opts.skipRecordMetadata,
      maxBytes: opts.maxBytes,
      recordLines: opts.tuning?.recordLines ?? true,
      args: this.settings.args,
    };
  }

  /** Output pieces go out as they come for the range being written; later ranges' wait their turn. */
  private write(parts: readonly Uint8Array[], back: (parts: readonly Uint8Array[]) => void): void {
    for (const part of parts) this.io.out.pass(part);
    back(parts);
  }

  /**
   * Hands ranges to the workers that are ready and have room: the range being written streams out,
   * later ones are held until their turn, and a worker whose output pieces are all held waits (see
   * PARTS_PER_WORKER), so memory stays bounded however far ahead the workers get.
   */
  private fill(): void {
    const pool = this.pool;
    while (!this.stopped && this.nextStart < this.windowEnd && pool.hasRoom(AHEAD_PER_WORKER)) {
      const job = this.nextJob();
      let onStart: () => void = () => {};
      const entry: OnWorker = {
        held: false,
        job,
        queued: [],
        start: job.speculative ? undefined : job.start,
        started: job.speculative ? new Promise((resolve) => (onStart = resolve)) : Promise.resolve(),
        writing: false,
        discard: false,
        settled: false,
        done: Promise.resolve(null as unknown as ChunkResult),
      };
      entry.done = pool.run(
        job,
        (parts, back) => {
          if (entry.discard) back(parts);
          else if (entry.writing) this.write(parts, back);
          else entry.queued.push({ parts, back });
        },
        (s) => {
          entry.start = s;
          onStart();
        },
      );
      // Awaited in order by writeInOrder (a dropped range must not be an unhandled rejection). A
      // worker that fails before saying where it started settles `started` too.
      entry.done
        .then(
          () => this.fill(),
          () => {},
        )
        .finally(() => {
          entry.settled = true;
          onStart();
        });
      this.pending.push(entry);
    }
  }

  /** Drops the ranges not yet written: their pieces go back unwritten (a worker waiting for pieces must not wait forever). */
  private dropPending(): void {
    this.stopped = true;
    for (const entry of this.pending) {
      if (entry.held) {
        this.heldOutput.recycle(entry.result.parts);
        continue;
      }
      for (const q of entry.queued) q.back(q.parts);
      entry.queued = [];
      entry.discard = true;
      entry.done.then(
        (r) => this.pool.recycle(r),
        () => {},
      );
    }
    this.pending.length = 0;
  }

  /** A range's start agrees with the walk (one without a plausible entry only if the walk has passed its whole range). */
  private agrees(start: number | null | undefined, job: ChunkJob): boolean {
    return start === undefined || (start === null ? this.expected >= job.stopAt : start === this.expected);
  }

  /** Writes a range whose start agrees with the walk; false if the walk ends with it. */
  private consume(r: ChunkResult, back: () => void): boolean {
    const { reports, log } = this;
    this.settings.counters.chunks++;
    this.write(r.parts, back);
    if (r.first !== null && r.first !== addInt64(this.lastOffset, 1)) reports.nonConsecutiveOffset(log.absPath, this.lastOffset, r.first);
    for (let i = 0; i < r.pairs.length; i += 2) reports.nonConsecutiveOffset(log.absPath, r.pairs[i]!, r.pairs[i + 1]!);
    if (r.last !== null) this.lastOffset = r.last;
    if (r.error !== null) {
      if ('internal' in r.error) {
        void this.pool.destroy();
        const e = new Error('parallel dump: a chunk failed');
        e.stack = r.error.internal;
        throw e;
      }
      throw new JavaException(r.error.javaClass, r.error.javaMessage);
    }
    if (r.start !== null) {
      this.expected = r.position;
      if (r.ended) {
        this.walkEnd = r.position;
        return false;
      }
    }
    return true;
  }
}
