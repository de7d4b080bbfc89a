import type { Int64 } from '../format/int64.js';
import { type SegmentFile, findPlausibleEntry } from '../io/segment-file.js';
import { JavaException } from './java-exception.js';
import { type DumpLogOptions, formatRange } from './log.js';
import type { ByteSink } from './output.js';

/**
 * The unit of work of a parallel dump, and what the main thread and its workers say about it:
 * parallel.ts schedules chunks, worker-pool.ts hands them to workers, parallel-worker.ts formats
 * them there, and the main thread formats some itself; all with formatChunk.
 */

/**
 * A chunk of a parallel dump (parallel.ts): the batches from `start` (from the first plausible
 * entry at or after it, if `speculative`) to the first entry at or after `stopAt`, formatted as in
 * the serial dump.
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
  /** DumpTuning.recordLines. */
  recordLines: boolean;
  /** The command line: a worker builds the same record parser from it. */
  args: readonly string[];
}

/** How a chunk's walk went (its output is in the sink it was given). */
export interface ChunkOutcome {
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

/** Size of the shared parts a worker writes its output into (see parallel-worker.ts). */
export const PART_BYTES = 1 << 20;
/** Shared parts per worker: the output held in memory per worker. */
export const PARTS_PER_WORKER = 12;

/** An output piece from a worker: a filled shared part (its index and length). */
export type OutputPiece = { part: number; length: number };

/** A chunk's result as a worker sends it (pieces not yet mapped to the main thread's views). */
export type WorkerChunkResult = ChunkOutcome & { id: number; parts: OutputPiece[] };

/** A formatted chunk: its output, in order (up to the failure, if there was one), and how its walk went. */
export type ChunkResult = ChunkOutcome & { parts: Uint8Array[] };

/** Messages to a worker: a chunk to format (`id` names it in the answers), or the end of a dump (its file may close). */
export type ToWorker = (ChunkJob & { id: number }) | { close: number };

/** Messages from a worker: it is ready; where a speculative chunk starts, output pieces of a chunk in progress, then the chunk's result. */
export type WorkerMessage = { ready: true } | { id: number; start: number | null; parts?: undefined } | { id: number; partial: OutputPiece[] } | WorkerChunkResult;

/**
 * Formats a chunk into `out` with the serial code (formatRange), on a worker or on the main
 * thread, reading the file `open` gives. `onStart` learns where a speculative chunk starts as soon
 * as it is known. Failures (opening the file too) are returned, not thrown: the output before them
 * is in `out`, and the main thread raises them when the chunk's turn comes.
 */
export function formatChunk(open: () => SegmentFile, job: ChunkJob, opts: DumpLogOptions, out: ByteSink, onStart: (start: number | null) => void): ChunkOutcome {
  let start: number | null = job.start;
  let position = job.start;
  let ended = false;
  let first: Int64 | null = null;
  let last: Int64 | null = null;
  const pairs: Int64[] = [];
  let error: ChunkOutcome['error'] = null;
  try {
    const file = open();
    if (job.speculative) {
      // Where the serial walk is expected to pass: the first plausible entry that starts in the
      // range (it may end past it: batches larger than a range). The main thread checks it
      // against where the previous chunk stopped before using the output.
      start = findPlausibleEntry(file, job.start, job.windowEnd, { before: job.stopAt });
      onStart(start);
    }
    if (start !== null) {
      const gap = (previous: Int64 | null, next: Int64) => {
        if (previous === null) first = next;
        else pairs.push(previous, next);
      };
      // The offset before the chunk is the main thread's to compare: start from "unknown".
      const r = formatRange({ file, path: job.path, windowEnd: job.windowEnd, opts, out, gap }, start, job.windowEnd, null, job.stopAt);
      last = r.lastOffset;
      position = r.position;
      ended = r.ended;
    }
  } catch (e) {
    error = e instanceof JavaException ? { javaClass: e.javaClass, javaMessage: e.javaMessage } : { internal: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  return { start, position, ended, first, last, pairs, error };
}
