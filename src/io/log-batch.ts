import type { BatchHeader } from '../format/batch.js';
import type { DecodedRecords } from '../format/record.js';

/*
 * The shapes of a segment walk (src/io/batches.ts walks it): apart from the reader so that the
 * library's declarations name no Node type.
 */

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
  /**
   * Set when `bytes` is only the start of the entry (see ReadBatchesOptions.boundUnverified): the
   * checksum computed window by window over everything the entry claims.
   */
  computedChecksum?: number;
}

export interface ReadBatchesOptions {
  /** Byte window [start, end) of the file to read. */
  start?: number;
  end?: number;
  /** Copy each batch's bytes so it stays valid after the iteration moves on. */
  detach?: boolean;
  /** Read window size in bytes. */
  chunk?: number;
  /**
   * An entry larger than the read window whose checksum fails (a damaged length field often
   * claims megabytes) is not read whole: its batch holds the window's worth of its first bytes
   * and `records()` decodes those (see unreadBatch), so memory stays bounded whatever the field
   * claims. (Off: every entry is read whole, as Kafka reads it.)
   */
  boundUnverified?: boolean;
}

/** Where a walk over a segment's batches stopped, and why. */
export interface WalkEnd {
  /** Position after the last whole batch. */
  position: number;
  fileSize: number;
  /**
   * An entry too small to be one stopped the walk (at `position`): a size field below 14 (any
   * magic), or a v2 batch shorter than its 61-byte header (`minimum` 49: the size counts the bytes
   * after the offset and size fields).
   */
  undersized: { size: number; minimum: number } | null;
}

/**
 * What kseg says of a walk that stopped before the end of its file (`ls`, `stats`, `cat` and the
 * library's readers alike), or null when it read the file to its end.
 */
export function walkStoppedEarly(end: WalkEnd): string | null {
  const unread = end.fileSize - end.position;
  if (end.undersized) return `entry size ${end.undersized.size} is below the minimum (${end.undersized.minimum}): the walk stopped here, ${unread} bytes unread`;
  if (unread > 0) return `${unread} trailing bytes after the last whole batch (truncated write?)`;
  return null;
}
