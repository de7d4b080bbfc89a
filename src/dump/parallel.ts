import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type * as WorkerThreads from 'node:worker_threads';
import type { MessagePort, Worker } from 'node:worker_threads';
import { HEADER_SIZE_UP_TO_MAGIC, frameAt } from '../format/batch.js';
import { type Int64, addInt64 } from '../format/int64.js';
import { JavaException } from './java-exception.js';
import { type DumpLogOptions, type OffsetGap, type OpenedLog, dumpOpenedLog, formatRange, openLog, trailingBytesLine } from './log.js';
import { ByteSink, type DumpIO } from './output.js';
import { type ChunkJob, type ChunkOutcome, formatChunk } from './parallel-chunk.js';
import type { DumpReports } from './reports.js';

/**
 * Dumps of large `.log`/`.checkpoint` files on several cores. The file is cut into ranges of equal
 * size, formatted with the serial code (formatChunk: formatRange in log.ts) by worker threads and by
 * the main thread itself. Where batches start is only known by walking from the file's start, so a
 * range formatted ahead of the walk starts at the first plausible entry of its range (framing,
 * header and checksum valid, see io/segment-file.ts) and goes on past the range's end to the first
 * entry at or after it. The main thread writes the ranges strictly in file order and uses one only
 * if its start is where the previous range's walk stopped: always, in a real segment. Otherwise
 * (damage that hides a batch's start, or a batch stored inside a record) it drops the later ranges
 * and dumps the rest of the file itself, serially. It also merges the non-consecutive offsets as
 * the serial walk finds them, and on the first range that failed writes its partial output and
 * throws its exception.
 *
 * The main thread is one of the formatters (a machine of n cores runs n - 1 workers): while the
 * workers start it formats the ranges at the walk's position straight into the output (exactly
 * the serial dump), and later, while the range being written is still on a worker, it formats the
 * next free range into memory it holds (HELD_MAX ranges at most). Memory stays bounded whatever the
 * file size (see PARTS_PER_WORKER and HELD_MAX).
 */

/** Files (their dumped window) below this size are dumped serially. Env: KSEG_PARALLEL_MIN_BYTES. */
export const PARALLEL_MIN_BYTES = 64 * 1024 * 1024;
/**
 * Shallow dumps do far less work per byte, so a worker's start (~70 ms, ~0.1 s of CPU) pays off
 * only on larger windows: they go parallel from this many times the deep threshold (see
 * docs/bench.md for the measurements).
 */
export const SHALLOW_FACTOR = 3;

/** Size of the shared parts a worker writes its output into (see parallel-worker.ts). */
export const PART_BYTES = 1 << 20;
/** Shared parts per worker: the output held in memory per worker. */
export const PARTS_PER_WORKER = 12;
/** Ranges a worker is given ahead (the one it formats and the next). */
const AHEAD_PER_WORKER = 2;
/** Ranges the main thread formats into memory ahead of the one being written. */
const HELD_MAX = 3;

/** An output piece from a worker: a filled shared part (its index and length). */
export type OutputPiece = { part: number; length: number };

/**
 * Which parts the main thread plays, for tests (both, in use): formatting the ranges at the walk
 * straight out while no range is ahead (`direct`: off, it waits for the workers), and formatting
 * ranges ahead into memory while the one being written is on a worker (`held`).
 */
export const parallelTuning = { direct: true, held: true };

/** Counters of the parallel path (for tests: proof that it ran, on how many chunks, by which thread, and how often it fell back). */
export const parallelStats = { files: 0, chunks: 0, direct: 0, held: 0, fallbacks: 0 };

function envBytes(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) && v > 0 ? v : fallback;
}

/** A chunk's result as a worker sends it (pieces not yet mapped to the main thread's views). */
export type WorkerChunkResult = ChunkOutcome & { id: number; parts: OutputPiece[] };

/** A formatted chunk: its output, in order (up to the failure, if there was one), and how its walk went. */
export type ChunkResult = ChunkOutcome & { parts: Uint8Array[] };

/**
 * DumpLogSegments.dumpLog, on several threads when the window is large (64 MiB deep, 192 MiB
 * shallow) and the machine has more than one core; otherwise exactly the serial dumpLog.
 */
export async function dumpLogAsync(
  path: string,
  opts: DumpLogOptions,
  io: DumpIO,
  reports: DumpReports,
  workerArgs: readonly string[] | null,
): Promise<void> {
  const log = openLog(path, opts, io);
  try {
    const threads = Math.min(availableParallelism(), 8);
    const minBytes = envBytes('KSEG_PARALLEL_MIN_BYTES', PARALLEL_MIN_BYTES) * (opts.deepIteration ? 1 : SHALLOW_FACTOR);
    const range = rangeBytes(opts);
    if (workerArgs === null || threads < 2 || log.windowEnd < minBytes || firstEntryBytes(log) > rangeBytes({ deepIteration: true }) / 4) {
      dumpOpenedLog(log, path, opts, io, reports);
      return;
    }
    await dumpParallel(log, path, opts, io, reports, workerArgs, threads, envBytes('KSEG_PARALLEL_CHUNK_BYTES', range));
  } finally {
    log.file.close();
  }
}

/** The size of the ranges a parallel dump is cut into (unless KSEG_PARALLEL_CHUNK_BYTES says). */
function rangeBytes(opts: Pick<DumpLogOptions, 'deepIteration'>): number {
  const minBytes = envBytes('KSEG_PARALLEL_MIN_BYTES', PARALLEL_MIN_BYTES);
  // Ranges small enough that a range's output fits in a worker's parts while the main thread is
  // busy with its own (--print-data-log writes ~2.6 bytes per byte of plain-0 batches).
  const defaultChunk = opts.deepIteration ? 1 << 20 : 8 << 20;
  return Math.min(defaultChunk, Math.max(4096, Math.floor(minBytes / 8)));
}

/**
 * The size of the window's first entry (0 if none frames). Dumps whose first batch is larger than
 * a quarter of a deep dump's range (multi-MB records) stay serial: a range holds at most one batch
 * start, every range inside a batch is scanned for one in vain, and the main thread copies the long
 * values it formats ahead. Measured on 256 MiB of 1-4 MiB records (CPU time, 2 cores under load):
 * --deep-iteration 0.71 s serial against 1.12 s parallel, --print-data-log 1.65 against 3.33 s,
 * shallow 0.28-0.31 against 0.48-0.72 s.
 */
function firstEntryBytes(log: OpenedLog): number {
  const h = log.file.peek(0, HEADER_SIZE_UP_TO_MAGIC);
  if (h.available < HEADER_SIZE_UP_TO_MAGIC) return 0;
  const f = frameAt(h.buf, h.at, h.at + log.windowEnd);
  return f.kind === 'entry' ? f.totalSize : 0;
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
  /** The sink's buffers (other pieces are copies, left to the GC). */
  private readonly own = new WeakSet<ArrayBufferLike>();
  private current: Uint8Array = this.part();
  private parts: Uint8Array[] = [];
  readonly sink = new ByteSink(
    (c) => {
      // The sink's own buffer is kept (handOff gives it the next one); other pieces are the
      // caller's bytes or a scratch buffer, copied.
      this.parts.push(c.buffer === this.current.buffer ? c : Uint8Array.prototype.slice.call(c));
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

async function dumpParallel(
  log: OpenedLog,
  path: string,
  opts: DumpLogOptions,
  io: DumpIO,
  reports: DumpReports,
  args: readonly string[],
  threads: number,
  chunkBytes: number,
): Promise<void> {
  const pool = workerPool(threads - 1);
  const windowEnd = log.windowEnd;
  const pending: Pending[] = [];
  let nextStart = 0;
  const dump = ++dumps;
  const held = new HeldOutput();
  let heldCount = 0;
  // Output pieces go out as they come for the chunk being written; later chunks' wait their turn.
  const write = (parts: readonly Uint8Array[], back: (parts: readonly Uint8Array[]) => void) => {
    for (const part of parts) io.out.pass(part);
    back(parts);
  };
  let stopped = false;
  const nextJob = (): ChunkJob => {
    const start = nextStart;
    nextStart = Math.min(start + chunkBytes, windowEnd);
    return {
      dump,
      absPath: log.absPath,
      path,
      start,
      speculative: start > 0,
      stopAt: nextStart,
      windowEnd,
      printContents: opts.printContents,
      deepIteration: opts.deepIteration,
      skipRecordMetadata: opts.skipRecordMetadata,
      maxBytes: opts.maxBytes,
      args,
    };
  };
  const fill = () => {
    // Ranges go to the workers that are ready and have room: the chunk being written streams out,
    // later ones are held until their turn, and a worker whose output pieces are all held waits
    // (see PARTS_PER_WORKER), so memory stays bounded however far ahead the workers get.
    while (!stopped && nextStart < windowEnd && pool.hasRoom(AHEAD_PER_WORKER)) {
      const job = nextJob();
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
          else if (entry.writing) write(parts, back);
          else entry.queued.push({ parts, back });
        },
        (s) => {
          entry.start = s;
          onStart();
        },
      );
      // Awaited in order below (a dropped chunk must not be an unhandled rejection). A worker
      // that fails before saying where it started settles `started` too.
      entry.done
        .then(
          () => fill(),
          () => {},
        )
        .finally(() => {
          entry.settled = true;
          onStart();
        });
      pending.push(entry);
    }
  };
  pool.onReady = fill;
  /** Drops the chunks not yet written: their pieces go back unwritten (a worker waiting for pieces must not wait forever). */
  const dropPending = () => {
    stopped = true;
    for (const entry of pending) {
      if (entry.held) {
        held.recycle(entry.result.parts);
        continue;
      }
      for (const q of entry.queued) q.back(q.parts);
      entry.queued = [];
      entry.discard = true;
      entry.done.then(
        (r) => pool.recycle(r),
        () => {},
      );
    }
    pending.length = 0;
  };
  parallelStats.files++;
  let lastOffset: Int64 = -1;
  /** Where the walk is: the previous chunk stopped here. */
  let expected = 0;
  let walkEnd: number | null = null;
  let fallback = false;
  let failed = false;
  const gap: OffsetGap = (previous, next) => reports.nonConsecutiveOffset(log.absPath, previous!, next);
  /** Writes a chunk whose start agrees with the walk; false if the walk ends with it. */
  const consume = (r: ChunkResult, back: () => void): boolean => {
    parallelStats.chunks++;
    write(r.parts, back);
    if (r.first !== null && r.first !== addInt64(lastOffset, 1)) reports.nonConsecutiveOffset(log.absPath, lastOffset, r.first);
    for (let i = 0; i < r.pairs.length; i += 2) reports.nonConsecutiveOffset(log.absPath, r.pairs[i]!, r.pairs[i + 1]!);
    if (r.last !== null) lastOffset = r.last;
    if (r.error !== null) {
      if ('internal' in r.error) {
        void pool.destroy();
        const e = new Error('parallel dump: a chunk failed');
        e.stack = r.error.internal;
        throw e;
      }
      throw new JavaException(r.error.javaClass, r.error.javaMessage);
    }
    if (r.start !== null) {
      expected = r.position;
      if (r.ended) {
        walkEnd = r.position;
        return false;
      }
    }
    return true;
  };
  /** A chunk's start agrees with the walk (one without a plausible entry only if the walk has passed its whole range). */
  const agrees = (start: number | null | undefined, job: ChunkJob) => start === undefined || (start === null ? expected >= job.stopAt : start === expected);
  try {
    for (;;) {
      fill();
      const head = pending[0];
      if (head === undefined) {
        if (stopped || nextStart >= windowEnd) break;
        if (!parallelTuning.direct && !pool.destroyed) {
          await nextTurn();
          continue;
        }
        // Nothing ahead (the workers are starting): the main thread formats the next range at
        // the walk's position, straight out, exactly as the serial dump does.
        const job = nextJob();
        parallelStats.chunks++;
        parallelStats.direct++;
        if (expected < job.stopAt) {
          const r = formatRange({ file: log.file, path, windowEnd, opts, out: io.out, gap }, expected, windowEnd, lastOffset, job.stopAt);
          expected = r.position;
          lastOffset = r.lastOffset ?? lastOffset;
          if (r.ended) {
            walkEnd = r.position;
            break;
          }
        }
        await nextTurn();
        continue;
      }
      if (head.held) {
        if (!agrees(head.result.start, head.job)) {
          fallback = true;
          break;
        }
        pending.shift();
        heldCount--;
        if (!consume(head.result, () => held.recycle(head.result.parts))) break;
        continue;
      }
      await head.started;
      if (!agrees(head.start, head.job)) {
        fallback = true;
        break;
      }
      if (!head.writing) {
        head.writing = true;
        for (const q of head.queued) write(q.parts, q.back);
        head.queued = [];
      }
      if (parallelTuning.held && !head.settled && heldCount < HELD_MAX && nextStart < windowEnd && !stopped) {
        // The range being written is still on a worker: the main thread formats the next free
        // range meanwhile, into memory, to be written in its turn.
        const job = nextJob();
        parallelStats.held++;
        const outcome = formatChunk(() => log.file, job, opts, held.sink, () => {});
        pending.push({ held: true, job, result: { ...outcome, parts: held.take() } });
        heldCount++;
        // Lets the workers' messages in (their pieces, results and requests for more).
        await nextTurn();
        continue;
      }
      const r = await head.done;
      pending.shift();
      if (!consume(r, () => pool.recycle(r))) break;
    }
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    // Chunks after the end of the walk, after a failure or after a disagreement are dropped; the
    // workers finish them for nothing, then serve the next file. A worker that broke is replaced.
    pool.onReady = () => {};
    dropPending();
    if (failed && pool.destroyed) void pool.destroy();
    pool.closeFile(dump);
  }
  if (fallback) {
    // The rest of the file, serially from where the walk is: exactly the serial dump's output.
    parallelStats.fallbacks++;
    const r = formatRange({ file: log.file, path, windowEnd, opts, out: io.out, gap }, expected, windowEnd, lastOffset);
    walkEnd = r.position;
  }
  const line = trailingBytesLine(log, opts, walkEnd ?? expected);
  if (line !== null) io.out.text(line);
}

let dumps = 0;

/** The worker script: next to this module in dist/, or dist's when running from src/ (tests). */
function workerScript(): URL {
  const here = new URL('./parallel-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/dump/parallel-worker.js', import.meta.url);
}

/** Messages from a worker: it is ready; where a speculative chunk starts, output pieces of a chunk in progress, then the chunk's result. */
export type WorkerMessage = { ready: true } | { id: number; start: number | null; parts?: undefined } | { id: number; partial: OutputPiece[] } | WorkerChunkResult;

type OnParts = (parts: Uint8Array[], back: (parts: readonly Uint8Array[]) => void) => void;
type OnStart = (start: number | null) => void;

interface Slot {
  worker: Worker;
  /** It has loaded and takes chunks. */
  ready: boolean;
  busy: number;
  /** Where written parts go back to the worker, and the counter it waits on for them. */
  recycle: MessagePort;
  signal: Int32Array;
  /** The worker's shared parts, the main thread's views of them, and their indexes. */
  views: Uint8Array[];
  partOf: Map<ArrayBufferLike, number>;
}

interface Waiting {
  slot: Slot;
  onParts: OnParts;
  onStart: OnStart;
  resolve: (r: ChunkResult) => void;
  reject: (e: unknown) => void;
}

/** Workers kept for the process's later files; unreferenced while idle, so they never hold the process open. */
class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly waiting = new Map<number, Waiting>();
  /** Which worker produced a result not yet recycled (its pieces go back to it). */
  private readonly producer = new WeakMap<ChunkResult, Slot>();
  private seq = 0;
  destroyed = false;

  constructor(readonly size: number) {
    const script = workerScript();
    // Loaded here, not at the module's start: node:worker_threads is not in Node's start-up
    // snapshot, and only large dumps start workers.
    const { MessageChannel, Worker } = createRequire(import.meta.url)('node:worker_threads') as typeof WorkerThreads;
    for (let i = 0; i < size; i++) {
      const channel = new MessageChannel();
      const signal = new Int32Array(new SharedArrayBuffer(4));
      const shared = Array.from({ length: PARTS_PER_WORKER }, () => new SharedArrayBuffer(PART_BYTES));
      const worker = new Worker(script, { workerData: { recycle: channel.port2, signal, shared }, transferList: [channel.port2] });
      const slot: Slot = {
        worker,
        ready: false,
        busy: 0,
        recycle: channel.port1,
        signal,
        views: shared.map((b) => new Uint8Array(b)),
        partOf: new Map(shared.map((b, i) => [b, i])),
      };
      const views = (pieces: OutputPiece[]) => pieces.map((p) => slot.views[p.part]!.subarray(0, p.length));
      worker.unref();
      worker.on('message', (m: WorkerMessage) => {
        if ('ready' in m) {
          slot.ready = true;
          this.onReady();
          return;
        }
        const w = this.waiting.get(m.id);
        if (!w) return;
        if ('partial' in m) {
          w.onParts(views(m.partial), (parts) => this.giveBack(slot, parts));
          return;
        }
        if (!('parts' in m) || m.parts === undefined) {
          w.onStart(m.start);
          return;
        }
        const r: ChunkResult = { ...m, parts: views(m.parts) };
        this.producer.set(r, slot);
        this.waiting.delete(m.id);
        if (--slot.busy === 0) worker.unref();
        w.resolve(r);
      });
      worker.on('error', (e) => this.failAll(slot, e));
      worker.on('exit', (code) => this.failAll(slot, new Error(`parallel dump: worker exited with code ${code}`)));
      this.slots.push(slot);
    }
  }

  /** Called when a worker has loaded (the dump in progress gives it chunks). */
  onReady: () => void = () => {};

  /** Gives `job` to the ready worker with the fewest chunks (see hasRoom). */
  run(job: ChunkJob, onParts: OnParts, onStart: OnStart): Promise<ChunkResult> {
    const slot = this.slots.filter((s) => s.ready).reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.seq++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { slot, onParts, onStart, resolve, reject });
      if (slot.busy++ === 0) slot.worker.ref();
      slot.worker.postMessage({ ...job, id });
    });
  }

  /** Whether a ready worker has fewer than `ahead` chunks. */
  hasRoom(ahead: number): boolean {
    return !this.destroyed && this.slots.some((s) => s.ready && s.busy < ahead);
  }

  /** Tells the workers that a dump is over (they close its file). */
  closeFile(dump: number): void {
    if (!this.destroyed) for (const s of this.slots) s.worker.postMessage({ close: dump });
  }

  /** Gives a result's shared parts back to its worker once written (or dropped). */
  recycle(r: ChunkResult): void {
    const slot = this.producer.get(r);
    this.producer.delete(r);
    if (slot !== undefined) this.giveBack(slot, r.parts);
  }

  /** Gives the shared parts of `parts` back to their worker (they are written or dropped). */
  private giveBack(slot: Slot, parts: readonly Uint8Array[]): void {
    if (this.destroyed) return;
    const free: number[] = [];
    for (const p of parts) {
      const i = slot.partOf.get(p.buffer);
      if (i !== undefined) free.push(i);
    }
    if (free.length === 0) return;
    slot.recycle.postMessage(free);
    Atomics.add(slot.signal, 0, 1);
    Atomics.notify(slot.signal, 0);
  }

  private failAll(slot: Slot, e: unknown): void {
    this.destroyed = true;
    for (const [id, w] of [...this.waiting]) {
      if (w.slot !== slot) continue;
      this.waiting.delete(id);
      w.reject(e);
    }
  }

  destroy(): Promise<unknown> {
    this.destroyed = true;
    return Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

let pool: WorkerPool | null = null;

function workerPool(size: number): WorkerPool {
  if (pool === null || pool.destroyed || pool.size !== size) {
    void pool?.destroy();
    pool = new WorkerPool(size);
  }
  return pool;
}

/** Ends the workers of the parallel path (they are also ended with the process). */
export async function closeDumpWorkers(): Promise<void> {
  const p = pool;
  pool = null;
  await p?.destroy();
}
