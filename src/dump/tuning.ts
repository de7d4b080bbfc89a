/**
 * The dump's fast paths as options, and what they count. Each fast path prints exactly what its
 * reference path prints; tests turn one off to compare the two, and read the counters as proof
 * that a path ran. Absent options mean every fast path on, nothing counted: what the command does.
 * Passed down from runDumpLog/runDumpLogAsync (run.ts), never held in module state.
 */
export interface DumpTuning {
  /**
   * Record lines of v2 batches written straight from the batch's bytes (record-lines.ts). Off:
   * every record through the general path (log.ts dumpRecords), the reference.
   */
  recordLines?: boolean;
  /**
   * A `.timeindex` dump frames each chain of batches once (index-files.ts FrameChains). Off: it
   * frames the log from every entry's position again, as Kafka's tool does.
   */
  frameChains?: boolean;
  /** The parallel dump of large `.log`/`.checkpoint` files (parallel.ts). */
  parallel?: ParallelTuning;
  /** Counted into, when given (newDumpCounters). */
  counters?: DumpCounters;
}

/** Files (their dumped window) below this size are dumped serially. The command: KSEG_PARALLEL_MIN_BYTES. */
export const PARALLEL_MIN_BYTES = 64 * 1024 * 1024;

/** See ParallelTuning.largeEntryFactor. */
export const LARGE_ENTRY_FACTOR = 8;
/** See ParallelTuning.shallowSerialEntryBytes. */
export const SHALLOW_SERIAL_ENTRY_BYTES = 4096;

export interface ParallelTuning {
  /**
   * Windows below this many bytes are dumped serially (deep dumps; shallow ones below
   * SHALLOW_FACTOR times it). Default PARALLEL_MIN_BYTES.
   */
  minBytes?: number;
  /** The size of the ranges a file is cut into (default: parallel.ts rangeBytes, from minBytes). */
  chunkBytes?: number;
  /**
   * The main thread formats the ranges at the walk's position straight out while no range is ahead
   * (the workers are starting). Off: it waits for the workers. Default on.
   */
  direct?: boolean;
  /**
   * The main thread formats the next free range into memory while the range being written is still
   * on a worker. Off: it waits. Default on.
   */
  held?: boolean;
  /**
   * Ranges cut at batch starts found by stepping the entries' frames from the last cut (parallel.ts
   * frameCut), so that a range's start is known rather than scanned for. Default: on for files whose
   * leading entries are large (multi-MB records), off otherwise.
   */
  frameCuts?: boolean;
  /**
   * Files whose leading entries are large (frame cuts) go parallel only from this many times minBytes,
   * in every mode: below, reading and checksumming on one thread beats starting a worker (256 MiB of
   * 1-4 MiB records: serial shallow 0.219 against 0.244 s, deep 0.251 against 0.310 s; 1 GiB:
   * parallel 0.352 against 0.405 s shallow). Default LARGE_ENTRY_FACTOR (8: 512 MiB) with
   * @node-rs/crc32's CRC-32C; with ISA-L's (codec crc32cOutrunsReading), Infinity (serial) unless
   * the values are printed (--print-data-log) by JS rather than the native engine (format/utf8.ts
   * javaUtf8Engine).
   */
  largeEntryFactor?: number;
  /**
   * Shallow dumps whose leading entries reach this many bytes (and not large enough for frame
   * cuts) stay serial: batches of several KB are read and checksummed, little else, and the
   * worker's start and the scanned ranges' reads cost more than a second core saves (~16 KB
   * batches of ~400 B records: serial 0.318 against 0.461 s at 256 MiB, 0.583 against 0.663 s at
   * 1 GiB). Default SHALLOW_SERIAL_ENTRY_BYTES (4 KiB).
   */
  shallowSerialEntryBytes?: number;
  /**
   * The workers' script. Default: parallel-worker.js beside parallel.ts's module (dist/, or the
   * bundle); where there is none (the TypeScript sources, under a test runner) the dump is serial.
   */
  workerScript?: URL;
}

export interface DumpCounters {
  /** v2 batches whose record lines record-lines.ts wrote (on this thread; workers do not report theirs). */
  recordLineBatches: number;
  parallel: ParallelCounters;
}

/** How the parallel path went: how often it ran, on how many ranges, by which thread, and how often it fell back. */
export interface ParallelCounters {
  /** Files dumped on the parallel path. */
  files: number;
  /** Ranges written, and of those, formatted by the main thread at the walk (direct) or ahead into memory (held). */
  chunks: number;
  direct: number;
  held: number;
  /** Ranges whose end was looked for by stepping frames (parallel.ts frameCut). */
  frameCuts: number;
  /** Files whose rest was dumped serially after a range disagreed with the walk. */
  fallbacks: number;
}

export function newParallelCounters(): ParallelCounters {
  return { files: 0, chunks: 0, direct: 0, held: 0, frameCuts: 0, fallbacks: 0 };
}

export function newDumpCounters(): DumpCounters {
  return { recordLineBatches: 0, parallel: newParallelCounters() };
}

/** The command's parallel settings from its environment: KSEG_PARALLEL_MIN_BYTES, KSEG_PARALLEL_CHUNK_BYTES (positive integers; others are ignored). */
export function parallelTuningFromEnv(env: Readonly<Record<string, string | undefined>>): ParallelTuning {
  const bytes = (name: string): number | undefined => {
    const v = Number(env[name]);
    return Number.isSafeInteger(v) && v > 0 ? v : undefined;
  };
  const tuning: ParallelTuning = {};
  const minBytes = bytes('KSEG_PARALLEL_MIN_BYTES');
  const chunkBytes = bytes('KSEG_PARALLEL_CHUNK_BYTES');
  if (minBytes !== undefined) tuning.minBytes = minBytes;
  if (chunkBytes !== undefined) tuning.chunkBytes = chunkBytes;
  return tuning;
}
