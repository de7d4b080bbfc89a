import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { SegmentFile } from '../io/segment-file.js';
import { type RecordTextParser, openSegment } from './log.js';
import { DumpOptions } from './options.js';
import { ByteSink } from './output.js';
import { type ChunkJob, type OutputPiece, PART_BYTES, type ToWorker, type WorkerChunkResult, type WorkerMessage, formatChunk } from './parallel-chunk.js';
import { messageParser } from './run.js';

/**
 * A worker of the parallel dump (parallel.ts schedules, worker-pool.ts runs the workers): formats
 * one chunk of batches at a time with the serial code and returns its output, where it started and
 * stopped, record offsets and failure (the messages: parallel-chunk.ts).
 */
let parts: OutputPiece[] = [];
/** The chunk being formatted (its output pieces are sent on as they fill). */
let current = -1;

/**
 * Output goes into shared parts (SharedArrayBuffers the main thread also maps): a full part is
 * sent as its index and length, the main thread writes it from its own view and says when it is
 * free again. No copy, no transfer (typed-array writes into buffers that came back through a
 * transfer measured ~10% slower), no garbage.
 */
const { recycle, signal, shared } = workerData as { recycle: MessagePort; signal: Int32Array; shared: SharedArrayBuffer[] };
const free: number[] = shared.map((_, i) => i).reverse();
let currentPart = free.pop()!;

/** Output pieces sent together while a chunk is in progress. */
const STREAM_PARTS = 4;
// One sink for all chunks, writing into the current shared part.
const sink = new ByteSink(
  (c) => {
    if (c.buffer === shared[currentPart]) {
      parts.push({ part: currentPart, length: c.length });
    } else {
      // A piece larger than a part (a long value): copied into parts, so that it counts against
      // the same bound as the rest of the output.
      for (let off = 0; off < c.length; off += PART_BYTES) {
        const i = freePart();
        const n = Math.min(PART_BYTES, c.length - off);
        new Uint8Array(shared[i]!).set(c.subarray(off, off + n));
        parts.push({ part: i, length: n });
        if (parts.length >= STREAM_PARTS) send();
      }
    }
    if (parts.length >= STREAM_PARTS) send();
  },
  new Uint8Array(shared[currentPart]!),
  () => new Uint8Array(shared[(currentPart = freePart())]!),
);

/** Sends the filled parts of the chunk in progress to the main thread. */
function send(): void {
  if (parts.length === 0) return;
  parentPort!.postMessage({ id: current, partial: parts } satisfies WorkerMessage);
  parts = [];
}

let parserFor: { key: string; parser: RecordTextParser } | null = null;

function parserOf(args: readonly string[]): RecordTextParser {
  const key = JSON.stringify(args);
  if (parserFor === null || parserFor.key !== key) parserFor = { key, parser: messageParser(new DumpOptions(args)) };
  return parserFor.parser;
}

/**
 * The file of the current dump, opened once for all its chunks (a SegmentFile holds a 1 MiB read
 * buffer: one per chunk would be garbage the GC is slow to return).
 */
let open: { dump: number; file: SegmentFile } | null = null;

function fileOf(job: ChunkJob): SegmentFile {
  if (open !== null && open.dump === job.dump) return open.file;
  closeFile();
  const file = openSegment(job.absPath, job.path);
  open = { dump: job.dump, file };
  return file;
}

function closeFile(): void {
  open?.file.close();
  open = null;
}

/**
 * Backpressure: a worker has PARTS_PER_WORKER shared parts. When all are out (queued in the main
 * thread behind the chunk being written), it waits until the main thread writes some and gives
 * them back: memory stays bounded whatever the chunk size and the output's expansion.
 */
function freePart(): number {
  for (;;) {
    const i = free.pop();
    if (i !== undefined) return i;
    const seen = Atomics.load(signal, 0);
    for (let m = receiveMessageOnPort(recycle); m !== undefined; m = receiveMessageOnPort(recycle)) free.push(...(m.message as number[]));
    if (free.length > 0) continue;
    // The filled parts not yet sent must reach the main thread before waiting for it.
    send();
    Atomics.wait(signal, 0, seen);
  }
}

function run(job: ChunkJob & { id: number }): WorkerChunkResult {
  parts = [];
  current = job.id;
  const opts = {
    printContents: job.printContents,
    deepIteration: job.deepIteration,
    skipRecordMetadata: job.skipRecordMetadata,
    maxBytes: job.maxBytes,
    parser: parserOf(job.args),
    tuning: { recordLines: job.recordLines },
  };
  const outcome = formatChunk(() => fileOf(job), job, opts, sink, (start) => parentPort!.postMessage({ id: job.id, start } satisfies WorkerMessage));
  sink.flush();
  return { id: job.id, parts, ...outcome };
}

parentPort!.on('message', (msg: ToWorker) => {
  if ('close' in msg) {
    if (open !== null && open.dump === msg.close) closeFile();
    return;
  }
  const r = run(msg);
  parentPort!.postMessage(r satisfies WorkerMessage);
});

// Ready: the main thread gives this worker chunks from now on (until then it formats them itself).
parentPort!.postMessage({ ready: true } satisfies WorkerMessage);
