import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as WorkerThreads from 'node:worker_threads';
import type { MessagePort, Worker } from 'node:worker_threads';
import { type ChunkJob, type ChunkResult, type OutputPiece, PART_BYTES, PARTS_PER_WORKER, type ToWorker, type WorkerMessage } from './parallel-chunk.js';

/**
 * The worker threads of the parallel dump (parallel.ts schedules the chunks, parallel-worker.ts is
 * a worker's side). Each worker writes its output into PARTS_PER_WORKER shared parts of PART_BYTES
 * that the main thread maps too: a filled part travels as its index and length, and goes back to
 * its worker once written (or dropped), so a worker's output in memory is bounded.
 */

/** Output pieces of a chunk in progress; `back` gives their parts back once they are written (or dropped). */
export type OnParts = (parts: Uint8Array[], back: (parts: readonly Uint8Array[]) => void) => void;
/** Where a speculative chunk starts (null: no plausible entry in its range), as soon as the worker knows. */
export type OnStart = (start: number | null) => void;

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
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly waiting = new Map<number, Waiting>();
  /** Which worker produced a result not yet recycled (its pieces go back to it). */
  private readonly producer = new WeakMap<ChunkResult, Slot>();
  private seq = 0;
  destroyed = false;

  constructor(
    readonly size: number,
    readonly script: URL,
  ) {
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
      slot.worker.postMessage({ ...job, id } satisfies ToWorker);
    });
  }

  /** Whether a ready worker has fewer than `ahead` chunks. */
  hasRoom(ahead: number): boolean {
    return !this.destroyed && this.slots.some((s) => s.ready && s.busy < ahead);
  }

  /** Tells the workers that a dump is over (they close its file). */
  closeFile(dump: number): void {
    if (!this.destroyed) for (const s of this.slots) s.worker.postMessage({ close: dump } satisfies ToWorker);
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

/** The pool of the process: kept between files, replaced when it broke or a dump wants another size or script. */
let pool: WorkerPool | null = null;

export function workerPool(size: number, script: URL): WorkerPool {
  if (pool === null || pool.destroyed || pool.size !== size || pool.script.href !== script.href) {
    void pool?.destroy();
    pool = new WorkerPool(size, script);
  }
  return pool;
}

/** Ends the workers of the parallel path (they are also ended with the process). */
export async function closeDumpWorkers(): Promise<void> {
  const p = pool;
  pool = null;
  await p?.destroy();
}

/**
 * The workers' script beside this module: dist/dump/parallel-worker.js, or the bundle's (the build
 * puts the bundles side by side). Null where there is none: the TypeScript sources, run by a test
 * runner, which passes a script of its own (ParallelTuning.workerScript) or gets the serial dump.
 */
export function defaultWorkerScript(): URL | null {
  const here = new URL('./parallel-worker.js', import.meta.url);
  return existsSync(fileURLToPath(here)) ? here : null;
}
