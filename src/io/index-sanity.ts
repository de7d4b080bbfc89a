import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Int64 } from '../format/int64.js';
import { OFFSET_INDEX_ENTRY_SIZE, TIME_INDEX_ENTRY_SIZE, offsetIndexEntry, slotCount, timeIndexEntry } from '../format/indexes.js';

/**
 * The broker's start-up checks of a segment's indexes (OffsetIndex/TimeIndex.sanityCheck), read
 * from the last slot (and the time index's first) only: what `kafka-dump-log --index-sanity-check`
 * prints and what `kseg ls` shows in its indexes column.
 */

export interface IndexSanity {
  file: string;
  kind: 'offset' | 'time';
  bytes: number;
  /** Whole slots in the file (including a preallocated zero tail). */
  slots: number;
  /** The broker's verdict. */
  ok: boolean;
  /** Kafka's CorruptIndexException message when not ok. */
  error: string | null;
  /**
   * The file ends in an all-zero slot: a broker preallocates the active segment's indexes and
   * zero-fills the tail. Such a time index fails Kafka's timestamp check (last 0 < first) even
   * though the segment is healthy; this flag lets the report say so instead of alarming.
   */
  preallocated: boolean;
}

/** Overall index verdict of a segment or partition, as an operator should read it. */
export type IndexVerdict =
  | 'ok' // every index passes the broker's sanity check
  | 'preallocated' // only preallocated (zero-tail) indexes of the active segment fail, as Kafka's check would: healthy
  | 'failed' // a real failure
  | 'missing' // a segment with records has no index file (the broker would rebuild it)
  | 'log-missing'; // index entries remain of a segment whose .log is gone: its records are lost

/** Reads `len` bytes at `pos` (or fewer at end of file) without loading the whole file. */
function readAt(fd: number, pos: number, len: number): Uint8Array {
  const b = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, b, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return b.subarray(0, got);
}

const allZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

/**
 * Opens an index, reads its size, and runs `check` on it with its whole slots (including a
 * preallocated zero tail): the sanity verdict, whose `error` is null when the check passes.
 */
function sanityOf(path: string, kind: IndexSanity['kind'], entrySize: number, check: (fd: number, bytes: number, slots: number) => { error: string | null; preallocated: boolean }): IndexSanity {
  const fd = openSync(path, 'r');
  try {
    const bytes = fstatSync(fd).size;
    const slots = slotCount(bytes, entrySize);
    const { error, preallocated } = check(fd, bytes, slots);
    return { file: path, kind, bytes, slots, ok: error === null, error, preallocated };
  } finally {
    closeSync(fd);
  }
}

/**
 * OffsetIndex.sanityCheck: a non-empty index's last slot offset must be ≥ the base offset and its
 * length a multiple of 8. Reads only the last slot.
 */
export function offsetIndexSanity(path: string, baseOffset: Int64): IndexSanity {
  return sanityOf(path, 'offset', OFFSET_INDEX_ENTRY_SIZE, (fd, bytes, slots) => {
    let error: string | null = null;
    let preallocated = false;
    if (slots > 0) {
      const lastSlot = readAt(fd, (slots - 1) * OFFSET_INDEX_ENTRY_SIZE, OFFSET_INDEX_ENTRY_SIZE);
      preallocated = slots > 1 && allZero(lastSlot);
      const last = offsetIndexEntry(lastSlot, 0, baseOffset).offset;
      if (last < baseOffset) {
        error = `Corrupt index found, index file ${path} has non-zero size but the last offset is ${last} which is less than the base offset ${baseOffset}`;
      } else if (bytes % OFFSET_INDEX_ENTRY_SIZE !== 0) {
        error = `Index file ${path} is corrupt, found ${bytes} bytes which is neither positive nor a multiple of ${OFFSET_INDEX_ENTRY_SIZE}`;
      }
    }
    return { error, preallocated };
  });
}

/**
 * TimeIndex.sanityCheck: a non-empty index's last timestamp must be ≥ its first, its last offset ≥
 * the base offset, and its length a multiple of 12. Reads only the first and last slots.
 */
export function timeIndexSanity(path: string, baseOffset: Int64): IndexSanity {
  return sanityOf(path, 'time', TIME_INDEX_ENTRY_SIZE, (fd, bytes, slots) => {
    let error: string | null = null;
    let preallocated = false;
    if (slots > 0) {
      const firstSlot = readAt(fd, 0, TIME_INDEX_ENTRY_SIZE);
      const lastSlot = readAt(fd, (slots - 1) * TIME_INDEX_ENTRY_SIZE, TIME_INDEX_ENTRY_SIZE);
      preallocated = slots > 1 && allZero(lastSlot);
      const first = timeIndexEntry(firstSlot, 0, baseOffset);
      const last = timeIndexEntry(lastSlot, 0, baseOffset);
      if (last.timestamp < first.timestamp) {
        error = `Corrupt time index found, time index file (${path}) has non-zero size but the last timestamp is ${last.timestamp} which is less than the first timestamp ${first.timestamp}`;
      } else if (last.offset < baseOffset) {
        error = `Corrupt time index found, time index file (${path}) has non-zero size but the last offset is ${last.offset} which is less than the first offset ${baseOffset}`;
      }
    }
    if (error === null && bytes % TIME_INDEX_ENTRY_SIZE !== 0) {
      error = `Time index file ${path} is corrupt, found ${bytes} bytes which is neither positive nor a multiple of ${TIME_INDEX_ENTRY_SIZE}`;
    }
    return { error, preallocated };
  });
}
