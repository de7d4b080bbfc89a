import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { type Int64, addInt64 } from '../format/int64.js';
import { JavaException } from './java-exception.js';
import { type DumpLogOptions, type OffsetGap, type OpenedLog, dumpOpenedLog, formatRange, openLog, trailingBytesLine } from './log.js';
import type { DumpIO } from './output.js';
import type { DumpReports } from './reports.js';

/**
 * Dumps of large `.log`/`.checkpoint` files on several cores. The file is cut into ranges of equal
 * size; a worker thread formats each with the serial code (formatRange in log.ts, into its own
 * ByteSink). Where batches start is only known by walking from the file's start, so a range's
 * worker starts at the first plausible entry of its range (framing, header and checksum valid,
 * see io/segment-file.ts) and walks on past the range's end to the first entry at or after it.
 * The main thread takes the outputs strictly in file order and uses one only if its start is
 * where the previous range's walk stopped: always, in a real segment. Otherwise (damage that hides
 * a batch's start, or a batch stored inside a record) it drops the later ranges and dumps the rest
 * of the file itself, serially. It also merges the non-consecutive offsets as the serial walk
 * finds them, and on the first range that failed writes its partial output and throws its
 * exception. Memory stays bounded whatever the file size (see PARTS_PER_WORKER). The main thread
 * reads nothing but the files' sizes: the workers read their ranges in parallel.
 */

/** Files (their dumped window) below this size are dumped serially. Env: KSEG_PARALLEL_MIN_BYTES. */
export const PARALLEL_MIN_BYTES = 64 * 1024 * 1024;
/**
 * Shallow dumps do far less work per byte, so the workers' start (~0.15 s) pays off only on larger
 * windows: measured against serial on the bench's batches, 1.07x the time at 256 MB, 0.85x at
 * 512 MB, 0.73x at 1 GB. They go parallel from this many times the deep threshold (512 MiB).
 */
export const SHALLOW_FACTOR = 8;

/** Size of the shared parts a worker writes its output into (see parallel-worker.ts). */
export const PART_BYTES = 1 << 20;
/** Shared parts per worker: the output held in memory per worker. */
export const PARTS_PER_WORKER = 12;

/** An output piece from a worker: a filled shared part (its index and length). */
export type OutputPiece = { part: number; length: number };

/** Counters of the parallel path (for tests: proof that it ran, on how many chunks, and how often it fell back). */
export const parallelStats = { files: 0, chunks: 0, fallbacks: 0 };

function envBytes(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) && v > 0 ? v : fallback;
}

/**
 * A chunk for a worker: the batches from `start` (from the first plausible entry at or after it, if
 * `speculative`) to the first entry at or after `stopAt`, formatted as in the serial dump.
 */
export interface ChunkJob {
  /** Which dump the chunk belongs to (a worker keeps that dump's file open between its chunks). */
  dump: number;
  absPath: string;
  path: string;
  start: number;
  speculative: boolean;
  stopAt: number;
  windowEnd: number;
  printContents: boolean;
  deepIteration: boolean;
  skipRecordMetadata: boolean;
  maxBytes: number;
  /** The command line: the worker builds the same record parser from it. */
  args: readonly string[];
}

/** A chunk's result as a worker sends it (pieces not yet mapped to the main thread's views). */
export type WorkerChunkResult = Omit<ChunkResult, 'parts'> & { parts: OutputPiece[] };

/** What a worker returns for a chunk. */
export interface ChunkResult {
  id: number;
  /** The chunk's output, in order (up to the failure, if there was one). */
  parts: Uint8Array[];
  /** Where the walk started (null: no plausible entry in the range) and where it stopped. */
  start: number | null;
  position: number;
  /** The walk ended (end of the entries) rather than at `stopAt`. */
  ended: boolean;
  /** First and last record offsets of the chunk (null if it had no records). */
  first: Int64 | null;
  last: Int64 | null;
  /** Non-consecutive (previous, next) pairs after the chunk's first record, flattened, in order. */
  pairs: Int64[];
  error: { javaClass: string; javaMessage: string | null } | { internal: string } | null;
}

/**
 * DumpLogSegments.dumpLog, on worker threads when the window is large (64 MiB deep, 512 MiB
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
    if (workerArgs === null || threads < 2 || log.windowEnd < minBytes) {
      dumpOpenedLog(log, path, opts, io, reports);
      return;
    }
    await dumpParallel(log, path, opts, io, reports, workerArgs, threads);
  } finally {
    log.file.close();
  }
}

/** A dispatched chunk: its output pieces held until it may be written, and its end. */
interface InFlight {
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
  done: Promise<ChunkResult>;
}

async function dumpParallel(
  log: OpenedLog,
  path: string,
  opts: DumpLogOptions,
  io: DumpIO,
  reports: DumpReports,
  args: readonly string[],
  threads: number,
): Promise<void> {
  const minBytes = envBytes('KSEG_PARALLEL_MIN_BYTES', PARALLEL_MIN_BYTES);
  const chunkBytes = envBytes('KSEG_PARALLEL_CHUNK_BYTES', Math.min(16 << 20, Math.max(4096, Math.floor(minBytes / 8))));
  const pool = workerPool(threads);
  const windowEnd = log.windowEnd;
  const pending: InFlight[] = [];
  let nextStart = 0;
  const dump = ++dumps;
  // Output pieces go out as they come for the chunk being written; later chunks' wait their turn.
  const write = (parts: readonly Uint8Array[], back: (parts: readonly Uint8Array[]) => void) => {
    for (const part of parts) io.out.pass(part);
    back(parts);
  };
  let stopped = false;
  const fill = () => {
    // A chunk goes to a worker as soon as it is idle: the chunk being written streams out, later
    // ones are held until their turn, and a worker whose output pieces are all held waits (see
    // PARTS_PER_WORKER), so memory stays bounded however far ahead the workers get.
    // (Always one, even if the workers are still finishing chunks a failed dump dropped.)
    while (!stopped && nextStart < windowEnd && (pending.length === 0 || (pending.length < threads * 4 && pool.idle()))) {
      const start = nextStart;
      nextStart = Math.min(start + chunkBytes, windowEnd);
      const job: ChunkJob = {
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
      let onStart: () => void = () => {};
      const entry: InFlight = {
        job,
        queued: [],
        start: job.speculative ? undefined : start,
        started: job.speculative ? new Promise((resolve) => (onStart = resolve)) : Promise.resolve(),
        writing: false,
        discard: false,
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
      entry.done.then(fill, () => {}).finally(onStart);
      pending.push(entry);
    }
  };
  /** Drops the chunks not yet written: their pieces go back unwritten (a worker waiting for pieces must not wait forever). */
  const dropPending = () => {
    stopped = true;
    for (const entry of pending) {
      for (const q of entry.queued) q.back(q.parts);
      entry.queued = [];
      entry.discard = true;
      entry.done.then((r) => pool.recycle(r), () => {});
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
  try {
    fill();
    while (pending.length > 0) {
      const entry = pending[0]!;
      await entry.started;
      const start = entry.start;
      // A chunk without a plausible entry is right only if the walk has passed its whole range.
      const agrees = start === undefined || (start === null ? expected >= entry.job.stopAt : start === expected);
      if (!agrees) {
        fallback = true;
        break;
      }
      entry.writing = true;
      for (const q of entry.queued) write(q.parts, q.back);
      entry.queued = [];
      const r = await entry.done;
      pending.shift();
      parallelStats.chunks++;
      write(r.parts, () => pool.recycle(r));
      if (r.first !== null && r.first !== addInt64(lastOffset, 1)) reports.nonConsecutiveOffset(log.absPath, lastOffset, r.first);
      for (let i = 0; i < r.pairs.length; i += 2) reports.nonConsecutiveOffset(log.absPath, r.pairs[i]!, r.pairs[i + 1]!);
      if (r.last !== null) lastOffset = r.last;
      if (r.error !== null) {
        if ('internal' in r.error) {
          void pool.destroy();
          const e = new Error('worker failed');
          e.stack = r.error.internal;
          throw e;
        }
        throw new JavaException(r.error.javaClass, r.error.javaMessage);
      }
      if (r.start !== null) {
        expected = r.position;
        if (r.ended) {
          walkEnd = r.position;
          break;
        }
      }
      fill();
    }
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    // Chunks after the end of the walk, after a failure or after a disagreement are dropped; the
    // workers finish them for nothing, then serve the next file. A worker that broke is replaced.
    dropPending();
    if (failed && pool.destroyed) void pool.destroy();
    pool.closeFile(dump);
  }
  if (fallback) {
    // The rest of the file, serially from where the walk is: exactly the serial dump's output.
    parallelStats.fallbacks++;
    const gap: OffsetGap = (previous, next) => reports.nonConsecutiveOffset(log.absPath, previous!, next);
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

/** Messages from a worker: where a speculative chunk starts, output pieces of a chunk in progress, then the chunk's result. */
export type WorkerMessage = { id: number; start: number | null; parts?: undefined } | { id: number; partial: OutputPiece[] } | WorkerChunkResult;

type OnParts = (parts: Uint8Array[], back: (parts: readonly Uint8Array[]) => void) => void;
type OnStart = (start: number | null) => void;

interface Slot {
  worker: Worker;
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
    for (let i = 0; i < size; i++) {
      const channel = new MessageChannel();
      const signal = new Int32Array(new SharedArrayBuffer(4));
      const shared = Array.from({ length: PARTS_PER_WORKER }, () => new SharedArrayBuffer(PART_BYTES));
      const worker = new Worker(script, { workerData: { recycle: channel.port2, signal, shared }, transferList: [channel.port2] });
      const slot: Slot = {
        worker,
        busy: 0,
        recycle: channel.port1,
        signal,
        views: shared.map((b) => new Uint8Array(b)),
        partOf: new Map(shared.map((b, i) => [b, i])),
      };
      const views = (pieces: OutputPiece[]) => pieces.map((p) => slot.views[p.part]!.subarray(0, p.length));
      worker.unref();
      worker.on('message', (m: WorkerMessage) => {
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

  run(job: ChunkJob, onParts: OnParts, onStart: OnStart): Promise<ChunkResult> {
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.seq++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { slot, onParts, onStart, resolve, reject });
      if (slot.busy++ === 0) slot.worker.ref();
      slot.worker.postMessage({ ...job, id });
    });
  }

  /** Whether a worker has nothing to do. */
  idle(): boolean {
    return this.slots.some((s) => s.busy === 0);
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
