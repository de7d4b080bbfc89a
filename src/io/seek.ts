import { existsSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { RECORD_BATCH_OVERHEAD, frameAt, lastOffsetOf } from '../format/batch.js';
import {
  OFFSET_INDEX_ENTRY_SIZE,
  TIME_INDEX_ENTRY_SIZE,
  TXN_INDEX_ENTRY_SIZE,
  abortedTxnEntries,
  warmBinarySearch,
} from '../format/indexes.js';
import { type Int64, addInt64, readInt32, readInt64 } from '../format/int64.js';
import type { LogRecord } from '../format/record.js';
import { isWalkEnd, nextBatch } from './batches.js';
import { type LogBatch, walkStoppedEarly } from './log-batch.js';
import { type PartitionDir, type SegmentFiles, parseTopicPartition } from './logdir.js';
import { EntryWalker, SegmentFile } from './segment-file.js';

/**
 * Record reads with the broker's own index seeks: an offset goes through the segment list (floor
 * by base offset) and the `.index`; a timestamp through each segment's `.timeindex` the way
 * `fetchOffsetsByTimestamp` does. Index files are read slot by slot through a small window and log
 * files from the looked-up position only, so a seek near the end of a big partition reads little;
 * every byte read is counted in a `ReadStats` the caller may pass.
 */

/** Bytes read from disk (logs and indexes) by one or more reads, for callers that prove bounds. */
export interface ReadStats {
  bytesRead: number;
  /** Files opened (log segments and index files). */
  filesOpened: number;
  /** Batches (or legacy entries) framed. */
  batches: number;
}

export function newReadStats(): ReadStats {
  return { bytesRead: 0, filesOpened: 0, batches: 0 };
}

/** Something wrong met on the way (bad batch, unreadable index, trailing bytes): where and what. */
export interface ReadIssue {
  file: string;
  /** Absolute byte position in `file`, -1 when unknown. */
  position: number;
  message: string;
}

/** The segments to read, in base-offset order. A PartitionDir is one. */
export interface SegmentSource {
  segments: SegmentFiles[];
  topic?: string | null;
  partition?: number | null;
}

/** One record with the batch it came from. Detached: both stay valid after the iteration moves on. */
export interface PartitionRecord {
  record: LogRecord;
  batch: LogBatch;
  segment: SegmentFiles;
  /** Whether the batch's stored checksum matches (computed once per batch). */
  crcValid: boolean;
  /**
   * For records of transactional data batches: whether the segment's `.txnindex` lists the
   * record's producer and offset as part of an aborted transaction (the records are still on disk).
   */
  aborted: boolean;
}

/** Where a seek landed: a segment, the byte position to read from, and the index entry used. */
export interface SeekPosition {
  segmentIndex: number;
  segment: SegmentFiles;
  /** Byte position in the segment's `.log` to scan forward from. */
  position: number;
  /** The index slot that gave `position` (-1: none, the scan starts at the segment start). */
  indexSlot: number;
}

export interface TimeSeekResult extends SeekPosition {
  /** The first record (in offset order) whose timestamp is ≥ the target. */
  offset: Int64;
  timestamp: Int64;
}

export interface SeekOptions {
  stats?: ReadStats;
  onIssue?: (issue: ReadIssue) => void;
  /** Read window for log files, bytes (default 64 KiB: a seek reads about one window). */
  chunk?: number;
}

export interface ReadRecordsOptions extends SeekOptions {
  /** First offset to return (inclusive). */
  fromOffset?: Int64;
  /** Last offset to return (inclusive). */
  toOffset?: Int64;
  /** Start at the first record whose timestamp is ≥ fromTime (epoch ms), then go on in offset order. */
  fromTime?: Int64;
  /** Stop before the first record (in offset order) whose timestamp is > toTime (epoch ms). */
  toTime?: Int64;
}

const LOG_CHUNK = 64 * 1024;
/** Index files are read a page at a time: a binary search touches only a few pages. */
const INDEX_CHUNK = 4096;

function big(v: Int64 | bigint): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

function report(opts: SeekOptions, issue: ReadIssue): void {
  opts.onIssue?.(issue);
}

/** What kseg says of a batch whose stored checksum fails (cat, the library's records() and batches()). */
export function crcFailure(position: number): string {
  return `batch at byte ${position}: stored checksum does not match its bytes (corrupt batch)`;
}

/**
 * An `.index` or `.timeindex` read slot by slot. A live (active) segment's index is preallocated
 * and zero-filled past its last entry; the broker knows its entry count from memory, a reader of
 * the file finds it as the first slot after slot 0 whose relative offset is 0 (entries after the
 * first have strictly increasing relative offsets > 0, so the test is monotone and binary-searched).
 */
export class IndexReader {
  private readonly file: SegmentFile | null;
  readonly slots: number;
  readonly validSlots: number;

  constructor(
    path: string | undefined,
    readonly entrySize: number,
    private readonly stats: ReadStats | undefined,
  ) {
    let file: SegmentFile | null = null;
    if (path !== undefined && existsSync(path) && statSync(path).size >= entrySize) {
      file = new SegmentFile(path, INDEX_CHUNK);
      if (stats) stats.filesOpened++;
    }
    this.file = file;
    this.slots = file ? Math.floor(file.size / entrySize) : 0;
    this.validSlots = this.countValid();
  }

  /** The relative-offset field of a slot. */
  relativeOffset(slot: number): number {
    return readInt32(this.read(slot), this.entrySize === OFFSET_INDEX_ENTRY_SIZE ? 0 : 8);
  }

  /** Offset index: the position field; time index: the timestamp. */
  position(slot: number): number {
    return readInt32(this.read(slot), 4);
  }

  timestamp(slot: number): Int64 {
    return readInt64(this.read(slot), 0);
  }

  close(): void {
    if (this.file) {
      if (this.stats) this.stats.bytesRead += this.file.bytesRead;
      this.file.close();
    }
  }

  private read(slot: number): Uint8Array {
    const w = this.file!.window(slot * this.entrySize, this.entrySize);
    return w.buf.subarray(w.at, w.at + this.entrySize);
  }

  private countValid(): number {
    if (this.slots <= 1) return this.slots;
    if (this.relativeOffset(this.slots - 1) !== 0) return this.slots;
    let lo = 1; // invariant: slots < lo are entries
    let hi = this.slots - 1; // invariant: slot hi is padding
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.relativeOffset(mid) === 0) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** The broker's offset-index lookup (largest entry ≤ target) over the real entries of an index. */
function lookupOffsetIndex(idx: IndexReader, baseOffset: Int64, target: Int64): number {
  if (idx.validSlots === 0) return -1;
  return warmBinarySearch(idx.validSlots, OFFSET_INDEX_ENTRY_SIZE, (s) => addInt64(baseOffset, idx.relativeOffset(s)), target);
}

function lookupTimeIndex(idx: IndexReader, target: Int64): number {
  if (idx.validSlots === 0) return -1;
  return warmBinarySearch(idx.validSlots, TIME_INDEX_ENTRY_SIZE, (s) => idx.timestamp(s), target);
}

function baseOf(seg: SegmentFiles): Int64 {
  const b = seg.baseOffset;
  return b <= 9007199254740991n ? Number(b) : b;
}

function logSegments(source: SegmentSource): SegmentFiles[] {
  return source.segments.filter((s) => s.log !== undefined);
}

/**
 * The byte position in `seg`'s log from which to scan for `target` (LogSegment.translateOffset's
 * first step): the offset index's largest entry ≤ target, or 0. A position the index gets wrong
 * (past the end, or not at an entry boundary of this segment) is reported and replaced by 0.
 */
function positionForOffset(seg: SegmentFiles, target: Int64, opts: SeekOptions): { position: number; slot: number } {
  const idx = new IndexReader(seg.index, OFFSET_INDEX_ENTRY_SIZE, opts.stats);
  let slot: number;
  let position = 0;
  try {
    slot = lookupOffsetIndex(idx, baseOf(seg), target);
    if (slot >= 0) position = idx.position(slot);
  } finally {
    idx.close();
  }
  if (position !== 0 && !plausibleEntryAt(seg, position, opts)) {
    report(opts, {
      file: seg.index!,
      position: slot * OFFSET_INDEX_ENTRY_SIZE,
      message: `offset index slot ${slot} points at byte ${position}, which is not a batch of ${seg.log}; reading that segment from its start`,
    });
    return { position: 0, slot: -1 };
  }
  return { position, slot };
}

/** Whether an entry that frames correctly and belongs to the segment starts at `position`. */
function plausibleEntryAt(seg: SegmentFiles, position: number, opts: SeekOptions): boolean {
  if (position < 0 || position >= seg.logSize) return false;
  const f = new SegmentFile(seg.log!, 64);
  try {
    const w = f.window(position, RECORD_BATCH_OVERHEAD);
    const frame = frameAt(w.buf, w.at, w.at + (f.size - position));
    return frame.kind === 'entry' && frame.magic >= 0 && frame.magic <= 2 && frame.offset >= baseOf(seg);
  } finally {
    if (opts.stats) opts.stats.bytesRead += f.bytesRead;
    f.close();
  }
}

/**
 * Where to start reading for `offset`: the segment with the largest base offset ≤ offset (the
 * first segment when the offset is below all of them), then its offset index. The record itself
 * may be further on (even in a later segment, after compaction): scan forward from here.
 */
export function seekOffset(source: SegmentSource, offset: Int64, opts: SeekOptions = {}): SeekPosition | null {
  const segs = logSegments(source);
  if (segs.length === 0) return null;
  const target = big(offset);
  let i = 0;
  for (let lo = 0, hi = segs.length - 1; lo <= hi; ) {
    const mid = (lo + hi) >>> 1;
    if (segs[mid]!.baseOffset <= target) {
      i = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const segment = segs[i]!;
  if (segment.baseOffset > target) return { segmentIndex: 0, segment, position: 0, indexSlot: -1 };
  const { position, slot } = positionForOffset(segment, offset, opts);
  return { segmentIndex: i, segment, position, indexSlot: slot };
}

/**
 * Kafka's fetchOffsetsByTimestamp for one timestamp: the first record, in offset order, whose
 * timestamp is ≥ `timestamp`. Segments whose time index proves their largest timestamp is below
 * the target are skipped without reading their logs; in the first other segment the time index
 * (largest entry ≤ target) gives an offset, the offset index a position, and the log is scanned
 * from there. A segment whose largest timestamp is not in its time index (the active segment,
 * whose last entries are not indexed yet, or one without a time index) is searched, and when it
 * holds no such record the search goes on in the next segment. Returns null if no record matches.
 */
export function seekTime(source: SegmentSource, timestamp: Int64, opts: SeekOptions = {}): TimeSeekResult | null {
  const segs = logSegments(source);
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const tidx = new IndexReader(seg.timeindex, TIME_INDEX_ENTRY_SIZE, opts.stats);
    let fromOffset: Int64 = baseOf(seg);
    let skip = false;
    try {
      if (tidx.validSlots > 0) {
        const largest = tidx.timestamp(tidx.validSlots - 1);
        // The last segment may have records newer than its last time index entry.
        skip = largest < timestamp && i < segs.length - 1;
        if (!skip) {
          const slot = lookupTimeIndex(tidx, timestamp);
          if (slot >= 0) fromOffset = addInt64(fromOffset, tidx.relativeOffset(slot));
        }
      }
    } finally {
      tidx.close();
    }
    if (skip) continue;
    const { position, slot } = positionForOffset(seg, fromOffset, opts);
    // As LogSegment.findOffsetByTimestamp: the time index only picks where to start reading; every
    // record from there on counts (one in the same batch before the indexed offset included).
    for (const pr of segmentBatchesFrom(seg, position, opts)) {
      // As LogSegment.searchForTimestamp: a batch whose max timestamp is below the target is
      // skipped without decoding (legacy entries: the wrapper's or message's own timestamp).
      const h = pr.batch.header;
      if ((h.format === 'v2' ? h.maxTimestamp : h.timestamp) < timestamp) continue;
      for (const r of pr.records) {
        if (r.timestamp >= timestamp) {
          return { segmentIndex: i, segment: seg, position, indexSlot: slot, offset: r.offset, timestamp: r.timestamp };
        }
      }
    }
  }
  return null;
}

/** A batch met by a seek's or a read's walk, with its records decoded on first use. */
interface WalkedBatch {
  batch: LogBatch;
  /** Decoded lazily: only batches the caller looks into are decompressed. */
  readonly records: LogRecord[];
  crcValid: boolean;
}

/**
 * The batches of one segment from `start`, detached, each with lazily decoded records. Reports a
 * record-decoding error or a bad CRC once per batch, and where the walk stopped early.
 */
function* segmentBatchesFrom(seg: SegmentFiles, start: number, opts: SeekOptions): Generator<WalkedBatch> {
  const path = seg.log!;
  const file = new SegmentFile(path, opts.chunk ?? LOG_CHUNK);
  if (opts.stats) opts.stats.filesOpened++;
  let counted = 0;
  const count = (): void => {
    if (opts.stats) opts.stats.bytesRead += file.bytesRead - counted;
    counted = file.bytesRead;
  };
  try {
    // Bounded: an entry claiming more than the window whose checksum fails is not read (see
    // ReadBatchesOptions.boundUnverified); its records() says so.
    const walker = new EntryWalker(file, Math.min(start, file.size), file.size, true);
    for (;;) {
      const step = nextBatch(path, file, walker, true);
      if (isWalkEnd(step)) {
        const message = walkStoppedEarly(step);
        if (message !== null) report(opts, { file: path, position: step.position, message });
        break;
      }
      const batch = step;
      const position = batch.header.position;
      if (opts.stats) opts.stats.batches++;
      let decoded: LogRecord[] | null = null;
      const crcValid = batch.crcValid();
      if (!crcValid) report(opts, { file: path, position, message: crcFailure(position) });
      count();
      yield {
        batch,
        crcValid,
        get records(): LogRecord[] {
          if (decoded === null) {
            const d = batch.records();
            decoded = d.records;
            if (d.error) {
              const p = d.error.position >= 0 ? d.error.position : position;
              report(opts, { file: path, position: p, message: `batch at byte ${position}: ${d.error.message}` });
            }
          }
          return decoded;
        },
      };
    }
  } finally {
    count();
    file.close();
  }
}

/**
 * Aborted transactions by producer id, from the `.txnindex` of `segs`. An aborted transaction is
 * indexed with the segment that holds its ABORT marker, which may come after the segment holding
 * its records, so (as the broker's collectAbortedTransactions) the reading segment's index and all
 * later ones count.
 */
export function abortedRanges(segs: SegmentFiles[], opts: SeekOptions): Map<string, Array<[Int64, Int64]>> {
  const out = new Map<string, Array<[Int64, Int64]>>();
  for (const seg of segs) {
    if (seg.txnindex === undefined || !existsSync(seg.txnindex)) continue;
    const f = new SegmentFile(seg.txnindex);
    try {
      if (f.size < TXN_INDEX_ENTRY_SIZE) continue;
      const w = f.window(0, f.size);
      for (const e of abortedTxnEntries(w.buf.subarray(w.at, w.at + w.available))) {
        const k = String(e.producerId);
        let list = out.get(k);
        if (!list) out.set(k, (list = []));
        list.push([e.firstOffset, e.lastOffset]);
      }
    } finally {
      if (opts.stats) {
        opts.stats.bytesRead += f.bytesRead;
        opts.stats.filesOpened++;
      }
      f.close();
    }
  }
  return out;
}

/**
 * Records of a partition (or any segment list) in offset order, with index seeks for the range.
 * Never scans from the start for a bound: `fromOffset` goes through seekOffset, `fromTime` and
 * `toTime` through seekTime. Problems are reported through `onIssue` and the read goes on.
 */
export function* readPartitionRecords(source: SegmentSource, options: ReadRecordsOptions = {}): Generator<PartitionRecord> {
  const segs = logSegments(source);
  if (segs.length === 0) return;
  let from: Int64 | null = options.fromOffset ?? null;
  // Exclusive upper bound on offsets, null for none.
  let end: bigint | null = options.toOffset !== undefined ? big(options.toOffset) + 1n : null;
  let startAt: SeekPosition | null = null;
  if (options.fromTime !== undefined) {
    const t = seekTime(source, options.fromTime, options);
    if (t === null) return;
    if (from === null || t.offset > from) {
      from = t.offset;
      startAt = t;
    }
  }
  if (options.toTime !== undefined) {
    const t = seekTime(source, addInt64(options.toTime, 1), options);
    if (t !== null && (end === null || big(t.offset) < end)) end = big(t.offset);
  }
  if (end !== null && from !== null && big(from) >= end) return;
  if (startAt === null) {
    startAt = from === null ? { segmentIndex: 0, segment: segs[0]!, position: 0, indexSlot: -1 } : seekOffset(source, from, options);
    if (startAt === null) return;
  }
  // Read only when a transactional batch shows up.
  let aborted: ReturnType<typeof abortedRanges> | undefined;
  for (let i = startAt.segmentIndex; i < segs.length; i++) {
    const seg = segs[i]!;
    for (const sb of segmentBatchesFrom(seg, i === startAt.segmentIndex ? startAt.position : 0, options)) {
      const h = sb.batch.header;
      if (from !== null && lastOffsetOf(h) < from) continue;
      if (end !== null && h.format === 'v2' && big(h.baseOffset) >= end) return;
      for (const record of sb.records) {
        if (from !== null && record.offset < from) continue;
        if (end !== null && big(record.offset) >= end) return;
        let isAborted = false;
        if (h.format === 'v2' && h.isTransactional && !h.isControl) {
          if (aborted === undefined) aborted = abortedRanges(segs.slice(i), options);
          const ranges = aborted.get(String(h.producerId));
          if (ranges) isAborted = ranges.some(([a, b]) => record.offset >= a && record.offset <= b);
        }
        yield { record, batch: sb.batch, segment: seg, crcValid: sb.crcValid, aborted: isAborted };
      }
    }
  }
}

/**
 * A single `.log` file as a segment source: its base offset from its name (`<20 digits>.log`) and
 * the `.index` / `.timeindex` / `.txnindex` beside it when present; topic and partition from the
 * folder name when it is a partition folder.
 */
export function segmentSourceOfFile(path: string): SegmentSource {
  const name = basename(path);
  const m = /^(\d{20})\.log$/.exec(name);
  const stem = path.slice(0, path.length - '.log'.length);
  const seg: SegmentFiles = { baseOffset: m ? BigInt(m[1]!) : 0n, log: path, logSize: statSync(path).size };
  if (m) {
    for (const kind of ['index', 'timeindex', 'txnindex'] as const) {
      if (existsSync(`${stem}.${kind}`)) seg[kind] = `${stem}.${kind}`;
    }
  }
  const tp = parseTopicPartition(basename(dirname(path)));
  return { segments: [seg], topic: tp?.topic ?? null, partition: tp?.partition ?? null };
}

/** A partition folder as a segment source (PartitionDir already is one). */
export function segmentSourceOfPartition(dir: PartitionDir): SegmentSource {
  return dir;
}
