import { type BatchHeader, RECORD_BATCH_OVERHEAD, decodeBatchHeader } from '../format/batch.js';
import { type DecodedRecords, decodeBatchRecords, decodeLegacyRecords, isEntryCrcValid } from '../format/record.js';
import { EntryWalker, SegmentFile } from './segment-file.js';

/** A batch (v2) or legacy entry read from a segment, with lazy access to its records. */
export interface LogBatch {
  file: string;
  header: BatchHeader;
  /** The batch's bytes. A view into the reader's window unless `detach` was asked for. */
  bytes: Uint8Array;
  /** Stored checksum matches (CRC-32C for v2, CRC-32 for legacy). */
  crcValid(): boolean;
  /** Decodes the records (decompressing if needed). Keys and values are views into `bytes`. */
  records(options?: { withSpans?: boolean }): DecodedRecords;
}

export interface ReadBatchesOptions {
  /** Byte window [start, end) of the file to read. */
  start?: number;
  end?: number;
  /** Copy each batch's bytes so it stays valid after the iteration moves on. */
  detach?: boolean;
  /** Read window size in bytes. */
  chunk?: number;
}

/** The result of a walk: the batches, where it stopped, and why. */
export interface WalkEnd {
  /** Position after the last whole batch. */
  position: number;
  fileSize: number;
  /** An entry whose size field is < 14 stopped the walk (at `position`). */
  undersized: { size: number } | null;
}

/** Wraps one entry's bytes (`bytes[0]` is the entry start at file `position`) as a LogBatch. */
export function makeBatch(file: string, bytes: Uint8Array, position: number): LogBatch {
  const header = decodeBatchHeader(bytes, 0, position);
  return {
    file,
    header,
    bytes,
    crcValid: () => isEntryCrcValid(bytes, 0, header),
    records: (options) =>
      header.format === 'v2' ? decodeBatchRecords(bytes, 0, header, options) : decodeLegacyRecords(bytes, 0, header),
  };
}

/**
 * Streams the batches of a segment file with bounded memory. Returns (as the generator's return
 * value) where and why the walk ended, so callers can report trailing bytes.
 */
export function* readBatches(path: string, options: ReadBatchesOptions = {}): Generator<LogBatch, WalkEnd> {
  const file = new SegmentFile(path, options.chunk);
  try {
    const walker = new EntryWalker(file, options.start ?? 0, Math.min(options.end ?? file.size, file.size));
    for (const e of walker) {
      // A v2 header needs 61 bytes even when the entry claims fewer; such a batch is invalid.
      if (e.frame.magic >= 2 && e.frame.totalSize < RECORD_BATCH_OVERHEAD) {
        return { position: e.position, fileSize: file.size, undersized: { size: e.frame.size } };
      }
      const view = e.buf.subarray(e.at, e.at + e.frame.totalSize);
      yield makeBatch(path, options.detach ? Uint8Array.from(view) : view, e.position);
    }
    return { position: walker.position, fileSize: file.size, undersized: walker.undersized ? { size: walker.undersized.size } : null };
  } finally {
    file.close();
  }
}
