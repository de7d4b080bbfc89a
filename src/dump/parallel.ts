import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { type Int64, addInt64 } from '../format/int64.js';
import type { SegmentFile } from '../io/segment-file.js';
import { JavaException } from './java-exception.js';
import { type DumpLogOptions, type OpenedLog, dumpOpenedLog, openLog, trailingBytesLine, walkEntries } from './log.js';
import type { DumpIO } from './output.js';
import type { DumpReports } from './reports.js';

/**
 * Deep dumps of large `.log`/`.checkpoint` files on several cores. The main thread frames the file
 * into chunks at batch boundaries; worker threads format the chunks with the serial code
 * (formatRange in log.ts, into their own ByteSink); the main thread writes the outputs strictly in
 * file order, merges the non-consecutive offsets as the serial walk finds them, and on the first
 * chunk that failed writes its partial output and throws its exception (later chunks are dropped).
 * At most two chunks per worker are in flight, so memory stays bounded whatever the file size.
 */

/** Files (their dumped window) below this size are dumped serially. Env: KSEG_PARALLEL_MIN_BYTES. */
export const PARALLEL_MIN_BYTES = 64 * 1024 * 1024;

/** Size of the output pieces a worker returns; the main thread sends them back to be reused. */
export const PART_BYTES = 1 << 20;
/** Output pieces a worker owns at most (see parallel-worker.ts): the output held in memory per worker. */
export const PARTS_PER_WORKER = 16;

/** Counters of the parallel path (for tests: proof that it ran, and on how many chunks). */
export const parallelStats = { files: 0, chunks: 0 };

function envBytes(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) && v > 0 ? v : fallback;
}

/** A chunk for a worker: the batches of [start, end), formatted as in the serial dump. */
export interface ChunkJob {
  /** Which dump the chunk belongs to (a worker keeps that dump's file open between its chunks). */
  dump: number;
  absPath: string;
  path: string;
  start: number;
  end: number;
  windowEnd: number;
  printContents: boolean;
  deepIteration: boolean;
  skipRecordMetadata: boolean;
  maxBytes: number;
  /** The command line: the worker builds the same record parser from it. */
  args: readonly string[];
}

/** What a worker returns for a chunk. */
export interface ChunkResult {
  id: number;
  /** The chunk's output, in order (up to the failure, if there was one). */
  parts: Uint8Array[];
  /** First and last record offsets of the chunk (null if it had no records). */
  first: Int64 | null;
  last: Int64 | null;
  /** Non-consecutive (previous, next) pairs after the chunk's first record, flattened, in order. */
  pairs: Int64[];
  error: { javaClass: string; javaMessage: string | null } | { internal: string } | null;
}

/**
 * DumpLogSegments.dumpLog, on worker threads when the window is large, the dump deep, and the
 * machine has more than one core; otherwise exactly the serial dumpLog.
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
    if (workerArgs === null || !opts.deepIteration || threads < 2 || log.windowEnd < envBytes('KSEG_PARALLEL_MIN_BYTES', PARALLEL_MIN_BYTES)) {
      dumpOpenedLog(log, path, opts, io, reports);
      return;
    }
    await dumpParallel(log, path, opts, io, reports, workerArgs, threads);
  } finally {
    log.file.close();
  }
}

interface FrameEnd {
  /** Where the walk stopped (the serial walk's valid bytes). */
  position: number;
  /** The walk's own failure at its end (an undersized entry), thrown after all chunks. */
  error: unknown;
}

/** Frames [0, windowEnd) into chunks of about `chunkBytes`, cut at batch boundaries. */
function* frameChunks(file: SegmentFile, path: string, windowEnd: number, chunkBytes: number): Generator<{ start: number; end: number }, FrameEnd, void> {
  let start = 0;
  let end = 0;
  let error: unknown = null;
  const walk = walkEntries(file, path, 0, windowEnd);
  for (;;) {
    let step;
    try {
      step = walk.next();
    } catch (e) {
      error = e;
      break;
    }
    if (step.done) break;
    end = step.value.position + step.value.frame.totalSize;
    if (end - start >= chunkBytes) {
      yield { start, end };
      start = end;
    }
  }
  if (end > start) yield { start, end };
  return { position: end, error };
}

/** A dispatched chunk: output pieces that arrived before it became the one to write, and its end. */
interface InFlight {
  queued: Array<{ parts: Uint8Array[]; back: (parts: readonly Uint8Array[]) => void }>;
  head: boolean;
  /** Set when an earlier chunk failed: the output is not written. */
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
  const frames = frameChunks(log.file, path, log.windowEnd, chunkBytes);
  const pending: InFlight[] = [];
  let frameEnd: FrameEnd | null = null;
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
    while (!stopped && frameEnd === null && (pending.length === 0 || (pending.length < threads * 4 && pool.idle()))) {
      const f = frames.next();
      if (f.done) {
        frameEnd = f.value;
        break;
      }
      const job: ChunkJob = {
        dump,
        absPath: log.absPath,
        path,
        start: f.value.start,
        end: f.value.end,
        windowEnd: log.windowEnd,
        printContents: opts.printContents,
        deepIteration: opts.deepIteration,
        skipRecordMetadata: opts.skipRecordMetadata,
        maxBytes: opts.maxBytes,
        args,
      };
      const entry: InFlight = { queued: [], head: false, discard: false, done: Promise.resolve(null as unknown as ChunkResult) };
      entry.done = pool.run(job, (parts, back) => {
        if (entry.discard) back(parts);
        else if (entry.head) write(parts, back);
        else entry.queued.push({ parts, back });
      });
      // Awaited in order below (a dropped chunk must not be an unhandled rejection).
      entry.done.then(fill, () => {});
      pending.push(entry);
    }
  };
  parallelStats.files++;
  let lastOffset: Int64 = -1;
  let failed = false;
  try {
    fill();
    while (pending.length > 0) {
      const entry = pending[0]!;
      entry.head = true;
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
      fill();
    }
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    stopped = true;
    if (failed) {
      // Later chunks are dropped: their output pieces go back unwritten (a worker waiting for
      // pieces must not wait forever), and the workers finish them for nothing, then serve the
      // next file. A worker that broke is replaced.
      for (const entry of pending) {
        for (const q of entry.queued) q.back(q.parts);
        entry.queued = [];
        entry.discard = true;
        entry.done.then((r) => pool.recycle(r), () => {});
      }
      if (pool.destroyed) void pool.destroy();
    }
    pool.closeFile(dump);
  }
  const end = frameEnd as FrameEnd | null;
  if (end === null) throw new Error('parallel dump: framing did not finish');
  if (end.error !== null) throw end.error;
  const line = trailingBytesLine(log, opts, end.position);
  if (line !== null) io.out.text(line);
}

let dumps = 0;

/** The worker script: next to this module in dist/, or dist's when running from src/ (tests). */
function workerScript(): URL {
  const here = new URL('./parallel-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/dump/parallel-worker.js', import.meta.url);
}

/** Messages from a worker: output pieces of a chunk in progress, then the chunk's result. */
export type WorkerMessage = { id: number; partial: Uint8Array[] } | ChunkResult;

type OnParts = (parts: Uint8Array[], back: (parts: readonly Uint8Array[]) => void) => void;

interface Slot {
  worker: Worker;
  busy: number;
  /** Where written pieces go back to the worker, and the counter it waits on for them. */
  recycle: MessagePort;
  signal: Int32Array;
}

interface Waiting {
  slot: Slot;
  onParts: OnParts;
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
      const worker = new Worker(script, { workerData: { recycle: channel.port2, signal }, transferList: [channel.port2] });
      const slot: Slot = { worker, busy: 0, recycle: channel.port1, signal };
      worker.unref();
      worker.on('message', (m: WorkerMessage) => {
        const w = this.waiting.get(m.id);
        if (!w) return;
        if ('partial' in m) {
          w.onParts(m.partial, (parts) => this.giveBack(slot, parts));
          return;
        }
        this.producer.set(m, slot);
        this.waiting.delete(m.id);
        if (--slot.busy === 0) worker.unref();
        w.resolve(m);
      });
      worker.on('error', (e) => this.failAll(slot, e));
      worker.on('exit', (code) => this.failAll(slot, new Error(`parallel dump: worker exited with code ${code}`)));
      this.slots.push(slot);
    }
  }

  run(job: ChunkJob, onParts: OnParts): Promise<ChunkResult> {
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.seq++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { slot, onParts, resolve, reject });
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

  /** Sends a result's written output pieces back to its worker for reuse. */
  recycle(r: ChunkResult): void {
    const slot = this.producer.get(r);
    this.producer.delete(r);
    if (slot !== undefined) this.giveBack(slot, r.parts);
  }

  private giveBack(slot: Slot, parts: readonly Uint8Array[]): void {
    if (this.destroyed) return;
    const buffers = parts.map((p) => p.buffer as ArrayBuffer).filter((b) => b.byteLength === PART_BYTES);
    if (buffers.length === 0) return;
    slot.recycle.postMessage(buffers, buffers);
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
