import { type Int64, addInt64, readInt32, readInt64 } from './int64.js';

/*
 * A segment's three index files, fixed-size entries back to back (a partial last slot is ignored):
 *
 * `.index` (OffsetIndex), 8 bytes:      0 relativeOffset int32 (from the segment's base offset)
 *                                       4 position int32 (of the batch in the `.log`)
 * `.timeindex` (TimeIndex), 12 bytes:   0 timestamp int64 (a batch's max timestamp)
 *                                       8 relativeOffset int32
 * `.txnindex` (TransactionIndex), 34:   0 version int16 (Kafka reads its first byte)
 *                                       2 producerId int64, 10 firstOffset int64,
 *                                      18 lastOffset int64, 26 lastStableOffset int64
 *
 * Printed by dump/index-files.ts (kafka-dump-log: `offset: position:`, `timestamp: offset:`, the
 * aborted transactions' line), checked by io/index-sanity.ts and audit/indexes.ts, read by io/seek.ts.
 */

/**
 * Offset index (`.index`): 8-byte entries of int32 offset relative to the segment's base offset
 * and int32 byte position in the `.log`. A broker preallocates the file and zero-fills the unused
 * tail, so a zero relative offset after the first slot marks the end of the real entries.
 */
export const OFFSET_INDEX_ENTRY_SIZE = 8;
/** Time index (`.timeindex`): 12-byte entries of int64 timestamp and int32 relative offset. */
export const TIME_INDEX_ENTRY_SIZE = 12;
/** Transaction index (`.txnindex`): 34-byte aborted-transaction entries. */
export const TXN_INDEX_ENTRY_SIZE = 34;

export interface OffsetIndexEntry {
  /** Slot number in the file; the entry occupies bytes [slot*8, slot*8+8). */
  slot: number;
  relativeOffset: number;
  offset: Int64;
  position: number;
}

export interface TimeIndexEntry {
  slot: number;
  timestamp: Int64;
  relativeOffset: number;
  offset: Int64;
}

export interface AbortedTxnEntry {
  /** Entry number; bytes [slot*34, slot*34+34). */
  slot: number;
  version: number;
  producerId: Int64;
  firstOffset: Int64;
  lastOffset: Int64;
  lastStableOffset: Int64;
}

/** Number of whole slots in an index of `byteLength` bytes (a partial trailing slot is ignored). */
export function slotCount(byteLength: number, entrySize: number): number {
  return Math.floor(byteLength / entrySize);
}

export function offsetIndexEntry(buf: Uint8Array, slot: number, baseOffset: Int64): OffsetIndexEntry {
  const at = slot * OFFSET_INDEX_ENTRY_SIZE;
  const relativeOffset = readInt32(buf, at);
  return { slot, relativeOffset, offset: addInt64(baseOffset, relativeOffset), position: readInt32(buf, at + 4) };
}

export function timeIndexEntry(buf: Uint8Array, slot: number, baseOffset: Int64): TimeIndexEntry {
  const at = slot * TIME_INDEX_ENTRY_SIZE;
  const relativeOffset = readInt32(buf, at + 8);
  return { slot, timestamp: readInt64(buf, at), relativeOffset, offset: addInt64(baseOffset, relativeOffset) };
}

/**
 * The entries a broker would use: slot 0, then every slot until the first one whose relative offset
 * is 0 again (the zero-filled preallocated area).
 */
export function offsetIndexEntries(buf: Uint8Array, baseOffset: Int64): OffsetIndexEntry[] {
  const n = slotCount(buf.length, OFFSET_INDEX_ENTRY_SIZE);
  const out: OffsetIndexEntry[] = [];
  for (let i = 0; i < n; i++) {
    const e = offsetIndexEntry(buf, i, baseOffset);
    if (i > 0 && e.relativeOffset === 0) break;
    out.push(e);
  }
  return out;
}

export function timeIndexEntries(buf: Uint8Array, baseOffset: Int64): TimeIndexEntry[] {
  const n = slotCount(buf.length, TIME_INDEX_ENTRY_SIZE);
  const out: TimeIndexEntry[] = [];
  for (let i = 0; i < n; i++) {
    const e = timeIndexEntry(buf, i, baseOffset);
    if (i > 0 && e.relativeOffset === 0) break;
    out.push(e);
  }
  return out;
}

export function abortedTxnEntries(buf: Uint8Array): AbortedTxnEntry[] {
  const n = slotCount(buf.length, TXN_INDEX_ENTRY_SIZE);
  const out: AbortedTxnEntry[] = [];
  for (let i = 0; i < n; i++) {
    const at = i * TXN_INDEX_ENTRY_SIZE;
    out.push({
      slot: i,
      // AbortedTxn.version() reads one byte of the two-byte field (ByteBuffer.get, not getShort)
      version: (buf[at]! << 24) >> 24,
      producerId: readInt64(buf, at + 2),
      firstOffset: readInt64(buf, at + 10),
      lastOffset: readInt64(buf, at + 18),
      lastStableOffset: readInt64(buf, at + 26),
    });
  }
  return out;
}

/**
 * The broker's lookup of the largest entry whose offset is ≤ target (AbstractIndex.lookup with its
 * warm-section binary search), over ALL slots including zero padding, exactly as the broker does.
 * Returns the slot, or -1 when the target is below the first entry.
 */
export function offsetIndexLookupSlot(buf: Uint8Array, baseOffset: Int64, target: Int64): number {
  const n = slotCount(buf.length, OFFSET_INDEX_ENTRY_SIZE);
  if (n === 0) return -1;
  const key = (slot: number): Int64 => addInt64(baseOffset, readInt32(buf, slot * OFFSET_INDEX_ENTRY_SIZE));
  return warmBinarySearch(n, OFFSET_INDEX_ENTRY_SIZE, key, target);
}

/** As offsetIndexLookupSlot, over a time index keyed by timestamp (largest timestamp ≤ target). */
export function timeIndexLookupSlot(buf: Uint8Array, target: Int64): number {
  const n = slotCount(buf.length, TIME_INDEX_ENTRY_SIZE);
  if (n === 0) return -1;
  const key = (slot: number): Int64 => readInt64(buf, slot * TIME_INDEX_ENTRY_SIZE);
  return warmBinarySearch(n, TIME_INDEX_ENTRY_SIZE, key, target);
}

/**
 * The broker's warm-section binary search over `n` slots whose key is read by `key(slot)`, for
 * indexes read slot by slot from disk rather than from one buffer (bounded seeks).
 */
export function warmBinarySearch(n: number, entrySize: number, key: (slot: number) => Int64, target: Int64): number {
  const warmEntries = Math.floor(8192 / entrySize);
  const firstHot = Math.max(0, n - 1 - warmEntries);
  if (key(firstHot) < target) return binarySearch(key, target, firstHot, n - 1);
  if (key(0) > target) return -1;
  return binarySearch(key, target, 0, firstHot);
}

function binarySearch(key: (slot: number) => Int64, target: Int64, begin: number, end: number): number {
  let lo = begin;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    const found = key(mid);
    if (found > target) hi = mid - 1;
    else if (found < target) lo = mid;
    else return mid;
  }
  return lo;
}
