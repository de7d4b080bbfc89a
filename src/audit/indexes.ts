import { readFileSync } from 'node:fs';
import type { Int64 } from '../format/int64.js';
import {
  OFFSET_INDEX_ENTRY_SIZE,
  TIME_INDEX_ENTRY_SIZE,
  type OffsetIndexEntry,
  type TimeIndexEntry,
  offsetIndexEntry,
  slotCount,
  timeIndexEntry,
} from '../format/indexes.js';
import type { BatchInfo, SegmentScan } from './segment.js';
import type { Findings } from './types.js';

/**
 * `.index` and `.timeindex` against the segment they index. Index problems are warnings: the
 * broker rebuilds an index it finds corrupt, but a wrong entry it does not notice sends fetches to
 * the wrong place.
 *
 * The broker's view of an index is slot 0 plus every slot until a relative offset of 0 comes back
 * (the zero-filled preallocated area). An active segment's index is preallocated and zero-padded
 * until the segment rolls or the broker shuts down cleanly: a zero tail there is normal, and a zero
 * slot 0 of an index with no entries yet is not an entry.
 */
export function checkOffsetIndex(path: string, scan: SegmentScan, active: boolean, findings: Findings): void {
  const buf = readFileSync(path);
  const base = scan.baseOffset ?? 0;
  if (buf.length % OFFSET_INDEX_ENTRY_SIZE !== 0) {
    findings.push('index-size', 'warning', path, buf.length - (buf.length % OFFSET_INDEX_ENTRY_SIZE), `size ${buf.length} is not a multiple of ${OFFSET_INDEX_ENTRY_SIZE} (the broker's sanity check fails)`);
  }
  const n = slotCount(buf.length, OFFSET_INDEX_ENTRY_SIZE);
  const entries: OffsetIndexEntry[] = [];
  for (let i = 0; i < n; i++) {
    const e = offsetIndexEntry(buf, i, base);
    if (i > 0 && e.relativeOffset === 0) break;
    if (i === 0 && e.relativeOffset === 0 && e.position === 0 && !firstBatchEndsAt(scan, base)) break;
    entries.push(e);
  }
  checkZeroTail(path, buf, entries.length * OFFSET_INDEX_ENTRY_SIZE, active, 'index', findings);
  const last = entries[entries.length - 1];
  if (last && last.offset < base) {
    findings.push('index-sanity', 'warning', path, last.slot * OFFSET_INDEX_ENTRY_SIZE, `last entry's offset ${last.offset} is below the base offset ${base} (the broker's sanity check fails)`, { offset: last.offset });
  }
  const byPosition = new Map<number, number>();
  scan.batches.forEach((b, i) => byPosition.set(b.position, i));
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k]!;
    const at = e.slot * OFFSET_INDEX_ENTRY_SIZE;
    const prev = entries[k - 1];
    if (prev && (e.offset <= prev.offset || e.position <= prev.position)) {
      findings.push('index-order', 'warning', path, at, `entry (offset ${e.offset}, position ${e.position}) does not follow (offset ${prev.offset}, position ${prev.position}): offsets and positions must increase`, { offset: e.offset });
      continue;
    }
    const bi = byPosition.get(e.position);
    if (bi === undefined) {
      const where = e.position >= scan.validEnd ? `beyond the readable end of the log (${scan.validEnd})` : 'not at the start of a batch';
      findings.push('index-position', 'warning', path, at, `entry for offset ${e.offset} points at position ${e.position}, ${where}`, { offset: e.offset });
      continue;
    }
    // Kafka 4.x indexes each batch by its last offset; brokers before 0.11 indexed a whole append
    // (several legacy messages) by its last offset at the position of its first: accept any batch
    // from the pointed one up to the next entry's position.
    const limit = entries[k + 1]?.position ?? Infinity;
    let ok = false;
    for (let j = bi; j < scan.batches.length && scan.batches[j]!.position < limit; j++) {
      if (scan.batches[j]!.lastOffset === e.offset) {
        ok = true;
        break;
      }
      if (scan.batches[j]!.lastOffset > e.offset) break;
    }
    if (!ok) {
      const b = scan.batches[bi]!;
      findings.push('index-offset', 'warning', path, at, `entry says offset ${e.offset} is at position ${e.position}, but the batch there holds offsets ${b.firstOffset}..${b.lastOffset}`, { offset: e.offset });
    }
  }
}

export function checkTimeIndex(path: string, scan: SegmentScan, active: boolean, findings: Findings): void {
  const buf = readFileSync(path);
  const base = scan.baseOffset ?? 0;
  if (buf.length % TIME_INDEX_ENTRY_SIZE !== 0) {
    findings.push('timeindex-size', 'warning', path, buf.length - (buf.length % TIME_INDEX_ENTRY_SIZE), `size ${buf.length} is not a multiple of ${TIME_INDEX_ENTRY_SIZE} (the broker's sanity check fails)`);
  }
  const n = slotCount(buf.length, TIME_INDEX_ENTRY_SIZE);
  const entries: TimeIndexEntry[] = [];
  for (let i = 0; i < n; i++) {
    const e = timeIndexEntry(buf, i, base);
    if (i > 0 && e.relativeOffset === 0) break;
    if (i === 0 && e.relativeOffset === 0 && e.timestamp === 0) break;
    entries.push(e);
  }
  checkZeroTail(path, buf, entries.length * TIME_INDEX_ENTRY_SIZE, active, 'timeindex', findings);
  if (entries.length > 1) {
    const first = entries[0]!;
    const last = entries[entries.length - 1]!;
    if (last.timestamp < first.timestamp) {
      findings.push('timeindex-sanity', 'warning', path, last.slot * TIME_INDEX_ENTRY_SIZE, `last timestamp ${last.timestamp} is below the first ${first.timestamp} (the broker's sanity check fails)`, { offset: last.offset });
    }
  }
  const lastEntry = entries[entries.length - 1];
  if (lastEntry && lastEntry.offset < base) {
    findings.push('timeindex-sanity', 'warning', path, lastEntry.slot * TIME_INDEX_ENTRY_SIZE, `last offset ${lastEntry.offset} is below the base offset ${base} (the broker's sanity check fails)`, { offset: lastEntry.offset });
  }
  // Batches in offset order for the search below (a damaged log may not be in order).
  const batches = scan.batches;
  let j = 0;
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k]!;
    const at = e.slot * TIME_INDEX_ENTRY_SIZE;
    const prev = entries[k - 1];
    if (prev && (e.timestamp <= prev.timestamp || e.offset < prev.offset)) {
      findings.push('timeindex-order', 'warning', path, at, `entry (timestamp ${e.timestamp}, offset ${e.offset}) does not follow (timestamp ${prev.timestamp}, offset ${prev.offset}): timestamps must increase, offsets not decrease`, { offset: e.offset });
      continue;
    }
    while (j < batches.length && batches[j]!.lastOffset < e.offset) j++;
    const b: BatchInfo | undefined = batches[j];
    if (!b || b.firstOffset > e.offset) {
      findings.push('timeindex-offset', 'warning', path, at, `entry for timestamp ${e.timestamp} names offset ${e.offset}, which no batch of the segment holds`, { offset: e.offset });
      continue;
    }
    if (b.maxTimestamp !== e.timestamp) {
      findings.push('timeindex-timestamp', 'warning', path, at, `entry says timestamp ${e.timestamp} for offset ${e.offset}, but the batch at ${b.position} has max timestamp ${b.maxTimestamp}`, { offset: e.offset });
    }
  }
}

/** Whether the segment's first batch ends at the base offset (then a zero slot 0 is a real entry). */
function firstBatchEndsAt(scan: SegmentScan, base: Int64): boolean {
  const b = scan.batches[0];
  return b !== undefined && b.position === 0 && b.lastOffset === base;
}

/** Slots after the last entry: zero padding (normal on the active segment) or leftover entries. */
function checkZeroTail(path: string, buf: Uint8Array, from: number, active: boolean, kind: 'index' | 'timeindex', findings: Findings): void {
  if (from >= buf.length) return;
  let nonZero = -1;
  for (let i = from; i < buf.length; i++) {
    if (buf[i] !== 0) {
      nonZero = i;
      break;
    }
  }
  if (nonZero >= 0) {
    const size = kind === 'index' ? OFFSET_INDEX_ENTRY_SIZE : TIME_INDEX_ENTRY_SIZE;
    const slot = Math.floor(nonZero / size);
    findings.push(kind === 'index' ? 'index-order' : 'timeindex-order', 'warning', path, from, `a zero relative offset at byte ${from} ends the broker's view of the index, but non-zero bytes follow at ${nonZero} (slot ${slot}): those entries are invisible`);
    return;
  }
  // Preallocated: the broker trims it when the segment rolls or on a clean shutdown.
  findings.push('index-preallocated', active ? 'info' : 'warning', path, from, `${buf.length - from} zero bytes of preallocated ${kind} after the last entry${active ? ' (active segment: normal while the broker runs or after a crash)' : ' on a segment that is not the active one (the broker trims it on roll)'}`, { end: buf.length });
}
