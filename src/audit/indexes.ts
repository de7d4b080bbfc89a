import { readFileSync } from 'node:fs';
import { type Int64, addInt64, readInt32, readInt64 } from '../format/int64.js';
import { OFFSET_INDEX_ENTRY_SIZE, TIME_INDEX_ENTRY_SIZE, slotCount } from '../format/indexes.js';
import type { BatchInfo } from './segment.js';
import { Findings } from './types.js';

/**
 * `.index` and `.timeindex` against the segment they index. Index problems are warnings: the
 * broker rebuilds an index it finds corrupt, but a wrong entry it does not notice sends fetches to
 * the wrong place.
 *
 * The broker's view of an index is slot 0 plus every slot until a relative offset of 0 comes back
 * (the zero-filled preallocated area). An active segment's index is preallocated and zero-padded
 * until the segment rolls or the broker shuts down cleanly: a zero tail there is normal, and a zero
 * slot 0 of an index with no entries yet is not an entry.
 *
 * Both checks are fed the segment's batches as the scan reads them (`batch`), and report when the
 * segment is done (`finish`). They hold the index file (small) and a few numbers per entry, never
 * the batches: entries are matched with cursors that advance as the batches pass.
 */
export class OffsetIndexCheck {
  private readonly buf: Buffer;
  private readonly base: Int64;
  /** Number of entries in the broker's view (slots 0..count-1); -1 until the first batch is seen. */
  private count = -1;
  /** Entries in the order of their positions, and the next one a batch may start at. */
  private byPosition: Int32Array = new Int32Array(0);
  private next = 0;
  /** Per entry: 0 no batch at its position (yet), 1 searching its batch, 2 matched, 3 mismatch. */
  private state: Uint8Array = new Uint8Array(0);
  /** Entries whose search is under way (a batch starts at their position, the matching one is not seen yet). */
  private searching: number[] = [];
  /** For entries that did not match: the offsets of the batch at their position. */
  private readonly pointed = new Map<number, { first: Int64; last: Int64 }>();

  constructor(
    private readonly path: string,
    baseOffset: Int64 | null,
  ) {
    this.buf = readFileSync(path);
    this.base = baseOffset ?? 0;
  }

  private relativeOffset(k: number): number {
    return readInt32(this.buf, k * OFFSET_INDEX_ENTRY_SIZE);
  }

  private offset(k: number): Int64 {
    return addInt64(this.base, this.relativeOffset(k));
  }

  private position(k: number): number {
    return readInt32(this.buf, k * OFFSET_INDEX_ENTRY_SIZE + 4);
  }

  /** Entry k does not follow entry k-1 (reported, and not looked up). */
  private outOfOrder(k: number): boolean {
    return k > 0 && (this.offset(k) <= this.offset(k - 1) || this.position(k) <= this.position(k - 1));
  }

  /** The entries a broker would use; a zero slot 0 is an entry only when the first batch ends at the base offset. */
  private parse(first: BatchInfo | null): void {
    const n = slotCount(this.buf.length, OFFSET_INDEX_ENTRY_SIZE);
    const firstBatchEndsAtBase = first !== null && first.position === 0 && first.lastOffset === this.base;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const rel = this.relativeOffset(i);
      if (i > 0 && rel === 0) break;
      if (i === 0 && rel === 0 && this.position(0) === 0 && !firstBatchEndsAtBase) break;
      count++;
    }
    this.count = count;
    this.state = new Uint8Array(count);
    const order: number[] = [];
    let sorted = true;
    for (let k = 0; k < count; k++) {
      if (this.outOfOrder(k)) continue;
      if (order.length > 0 && this.position(order[order.length - 1]!) > this.position(k)) sorted = false;
      order.push(k);
    }
    if (!sorted) order.sort((a, b) => this.position(a) - this.position(b) || a - b);
    this.byPosition = Int32Array.from(order);
  }

  batch(b: BatchInfo): void {
    if (this.count < 0) this.parse(b);
    // Entries pointing between batches stay unmatched; those pointing at this batch start searching.
    const byPosition = this.byPosition;
    while (this.next < byPosition.length && this.position(byPosition[this.next]!) < b.position) this.next++;
    while (this.next < byPosition.length && this.position(byPosition[this.next]!) === b.position) {
      const k = byPosition[this.next++]!;
      this.state[k] = 1;
      this.pointed.set(k, { first: b.firstOffset, last: b.lastOffset });
      this.searching.push(k);
    }
    if (this.searching.length === 0) return;
    // Kafka 4.x indexes each batch by its last offset; brokers before 0.11 indexed a whole append
    // (several legacy messages) by its last offset at the position of its first: accept any batch
    // from the pointed one up to the next entry's position.
    let kept = 0;
    for (const k of this.searching) {
      const limit = k + 1 < this.count ? this.position(k + 1) : Infinity;
      const offset = this.offset(k);
      if (b.position >= limit || b.lastOffset > offset) this.state[k] = 3;
      else if (b.lastOffset === offset) {
        this.state[k] = 2;
        this.pointed.delete(k);
      } else this.searching[kept++] = k;
    }
    this.searching.length = kept;
  }

  /** Reports what the index has wrong; `validEnd` is where the segment stopped being readable. */
  finish(validEnd: number, active: boolean, findings: Findings): void {
    if (this.count < 0) this.parse(null);
    const { buf, path } = this;
    if (buf.length % OFFSET_INDEX_ENTRY_SIZE !== 0) {
      findings.push('index-size', 'warning', path, buf.length - (buf.length % OFFSET_INDEX_ENTRY_SIZE), `size ${buf.length} is not a multiple of ${OFFSET_INDEX_ENTRY_SIZE} (the broker's sanity check fails)`);
    }
    checkZeroTail(path, buf, this.count * OFFSET_INDEX_ENTRY_SIZE, active, 'index', findings);
    const lastK = this.count - 1;
    if (lastK >= 0 && this.offset(lastK) < this.base) {
      findings.push('index-sanity', 'warning', path, lastK * OFFSET_INDEX_ENTRY_SIZE, `last entry's offset ${this.offset(lastK)} is below the base offset ${this.base} (the broker's sanity check fails)`, { offset: this.offset(lastK) });
    }
    for (let k = 0; k < this.count; k++) {
      const at = k * OFFSET_INDEX_ENTRY_SIZE;
      const offset = this.offset(k);
      const position = this.position(k);
      if (this.outOfOrder(k)) {
        findings.push('index-order', 'warning', path, at, `entry (offset ${offset}, position ${position}) does not follow (offset ${this.offset(k - 1)}, position ${this.position(k - 1)}): offsets and positions must increase`, { offset });
        continue;
      }
      if (this.state[k] === 0) {
        const where = position >= validEnd ? `beyond the readable end of the log (${validEnd})` : 'not at the start of a batch';
        findings.push('index-position', 'warning', path, at, `entry for offset ${offset} points at position ${position}, ${where}`, { offset });
        continue;
      }
      const b = this.pointed.get(k);
      if (this.state[k] !== 2 && b) {
        findings.push('index-offset', 'warning', path, at, `entry says offset ${offset} is at position ${position}, but the batch there holds offsets ${b.first}..${b.last}`, { offset });
      }
    }
  }
}

export class TimeIndexCheck {
  private readonly buf: Buffer;
  private readonly base: Int64;
  /** Number of entries in the broker's view (slots 0..count-1). */
  private readonly count: number;
  /** The next entry to look up: entries are looked up in order as the batches pass. */
  private next = 0;
  /** Findings about single entries, in entry order, reported after the whole-file ones. */
  private readonly entryFindings = new Findings();

  constructor(
    private readonly path: string,
    baseOffset: Int64 | null,
  ) {
    this.buf = readFileSync(path);
    this.base = baseOffset ?? 0;
    const n = slotCount(this.buf.length, TIME_INDEX_ENTRY_SIZE);
    let count = 0;
    for (let i = 0; i < n; i++) {
      const rel = this.relativeOffset(i);
      if (i > 0 && rel === 0) break;
      if (i === 0 && rel === 0 && this.timestamp(0) === 0) break;
      count++;
    }
    this.count = count;
  }

  private relativeOffset(k: number): number {
    return readInt32(this.buf, k * TIME_INDEX_ENTRY_SIZE + 8);
  }

  private offset(k: number): Int64 {
    return addInt64(this.base, this.relativeOffset(k));
  }

  private timestamp(k: number): Int64 {
    return readInt64(this.buf, k * TIME_INDEX_ENTRY_SIZE);
  }

  /**
   * Whether entry k does not follow entry k-1 (then it is reported here and not looked up). Called
   * once for such an entry: the cursor moves past it at once.
   */
  private reportedOutOfOrder(k: number): boolean {
    if (k === 0) return false;
    const ts = this.timestamp(k);
    const offset = this.offset(k);
    const prevTs = this.timestamp(k - 1);
    const prevOffset = this.offset(k - 1);
    if (ts <= prevTs || offset < prevOffset) {
      this.entryFindings.push('timeindex-order', 'warning', this.path, k * TIME_INDEX_ENTRY_SIZE, `entry (timestamp ${ts}, offset ${offset}) does not follow (timestamp ${prevTs}, offset ${prevOffset}): timestamps must increase, offsets not decrease`, { offset });
      return true;
    }
    return false;
  }

  /** Looks up the waiting entries in `b`, the first batch (in log order) whose last offset reaches theirs. */
  batch(b: BatchInfo): void {
    while (this.next < this.count) {
      const k = this.next;
      if (this.reportedOutOfOrder(k)) {
        this.next++;
        continue;
      }
      const offset = this.offset(k);
      if (b.lastOffset < offset) return; // this entry waits for a later batch
      this.next++;
      const at = k * TIME_INDEX_ENTRY_SIZE;
      const ts = this.timestamp(k);
      if (b.firstOffset > offset) {
        this.entryFindings.push('timeindex-offset', 'warning', this.path, at, `entry for timestamp ${ts} names offset ${offset}, which no batch of the segment holds`, { offset });
      } else if (b.maxTimestamp !== ts) {
        this.entryFindings.push('timeindex-timestamp', 'warning', this.path, at, `entry says timestamp ${ts} for offset ${offset}, but the batch at ${b.position} has max timestamp ${b.maxTimestamp}`, { offset });
      }
    }
  }

  finish(active: boolean, findings: Findings): void {
    const { buf, path, count } = this;
    if (buf.length % TIME_INDEX_ENTRY_SIZE !== 0) {
      findings.push('timeindex-size', 'warning', path, buf.length - (buf.length % TIME_INDEX_ENTRY_SIZE), `size ${buf.length} is not a multiple of ${TIME_INDEX_ENTRY_SIZE} (the broker's sanity check fails)`);
    }
    checkZeroTail(path, buf, count * TIME_INDEX_ENTRY_SIZE, active, 'timeindex', findings);
    if (count > 1) {
      const first = this.timestamp(0);
      const last = this.timestamp(count - 1);
      if (last < first) {
        findings.push('timeindex-sanity', 'warning', path, (count - 1) * TIME_INDEX_ENTRY_SIZE, `last timestamp ${last} is below the first ${first} (the broker's sanity check fails)`, { offset: this.offset(count - 1) });
      }
    }
    if (count > 0 && this.offset(count - 1) < this.base) {
      const lastOffset = this.offset(count - 1);
      findings.push('timeindex-sanity', 'warning', path, (count - 1) * TIME_INDEX_ENTRY_SIZE, `last offset ${lastOffset} is below the base offset ${this.base} (the broker's sanity check fails)`, { offset: lastOffset });
    }
    // Entries no batch reached: no batch of the segment holds their offset.
    while (this.next < count) {
      const k = this.next++;
      if (this.reportedOutOfOrder(k)) continue;
      const offset = this.offset(k);
      this.entryFindings.push('timeindex-offset', 'warning', path, k * TIME_INDEX_ENTRY_SIZE, `entry for timestamp ${this.timestamp(k)} names offset ${offset}, which no batch of the segment holds`, { offset });
    }
    findings.append(this.entryFindings);
  }
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
