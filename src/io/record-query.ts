import { COMPRESSION_NAMES } from '../codec/index.js';
import { lastOffsetOf } from '../format/batch.js';
import { type Int64, addInt64 } from '../format/int64.js';
import { readBatches } from './batches.js';
import type { PartitionDir, SegmentFiles } from './logdir.js';
import { PathError, type PathTarget, batchFileOf } from './paths.js';
import { type PartitionRecord, type SegmentSource, seekOffset, segmentSourceOfFile } from './seek.js';

/**
 * What `kseg cat` and the library's `records()` read: the segments a path names (narrowed by topic
 * and partition), the record filters, and the facts that explain an empty result.
 */

export interface Narrowing {
  topic?: string;
  partition?: number;
}

/** The segment sources a resolved path names: a log dir's live partitions (narrowed), one partition, or one segment file. */
export function segmentSources(t: PathTarget, narrow: Narrowing = {}): SegmentSource[] {
  if (t.kind === 'file') return [segmentSourceOfFile(batchFileOf(t))];
  const parts: PartitionDir[] = t.kind === 'partition' ? [t.dir] : t.listing.partitions.filter((p) => p.state === 'live');
  const chosen = parts.filter((p) => (narrow.topic === undefined || p.topic === narrow.topic) && (narrow.partition === undefined || p.partition === narrow.partition));
  if (chosen.length === 0) {
    if (parts.length === 0) throw new PathError(t.path, 'no live partition folders');
    const want = `${narrow.topic === undefined ? 'any topic' : `topic ${narrow.topic}`}${narrow.partition === undefined ? '' : ` partition ${narrow.partition}`}`;
    const topics = [...new Set(parts.map((p) => p.topic))].sort();
    const have = t.kind === 'partition' ? `it is ${t.dir.name}` : `topics here: ${topics.slice(0, 10).join(', ')}${topics.length > 10 ? ', …' : ''}`;
    throw new PathError(t.path, `no partition of ${want} (${have})`);
  }
  // Partitions of a topic in partition order (the listing sorts names as text: 10 before 2).
  return chosen.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

/** Filters on records, shared by `kseg cat` and `Partition.records()`. All given ones must hold. */
export interface RecordFilter {
  /** Exact key (UTF-8 bytes of the string), or `/regex/flags` matched against the key as UTF-8. */
  key?: string;
  producerId?: Int64;
  /** Only records of transactional batches. */
  transactional?: boolean;
  /** Only control records (transaction markers, KRaft control messages). */
  controlOnly?: boolean;
  /** Leave control records out (as a consumer sees the log). */
  noControl?: boolean;
  /** Only records of batches compressed with this codec (none, gzip, snappy, lz4, zstd). */
  codec?: string;
  /** Only records of aborted transactions (still on disk; listed in the `.txnindex`). */
  abortedOnly?: boolean;
  /** What a read_committed consumer reads: no records of aborted transactions, no control records. */
  committedOnly?: boolean;
}

/** `key`: `/regex/flags` matches the key as UTF-8 text; anything else is the exact key bytes. */
export function keyMatcher(spec: string): (key: Uint8Array | null) => boolean {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(spec);
  if (m) {
    const re = new RegExp(m[1]!, m[2]);
    return (key) => key !== null && re.test(Buffer.from(key.buffer, key.byteOffset, key.length).toString('utf8'));
  }
  const want = Buffer.from(spec, 'utf8');
  return (key) => key !== null && want.equals(key);
}

/** The predicate of a filter (throws a plain Error on an unknown codec or a bad regex). */
export function recordFilter(f: RecordFilter): (pr: PartitionRecord) => boolean {
  const matchKey = f.key === undefined ? null : keyMatcher(f.key);
  const codec = f.codec;
  if (codec !== undefined && !(COMPRESSION_NAMES as readonly string[]).includes(codec)) {
    throw new Error(`unknown codec ${codec} (one of ${COMPRESSION_NAMES.join(', ')})`);
  }
  if (f.abortedOnly && f.committedOnly) throw new Error('aborted-only and committed-only exclude each other');
  return (pr) => {
    const h = pr.batch.header;
    const v2 = h.format === 'v2';
    const control = v2 && h.isControl;
    if (control && (f.noControl || f.committedOnly)) return false;
    if (f.controlOnly && !control) return false;
    if (f.committedOnly && pr.aborted) return false;
    if (f.abortedOnly && !pr.aborted) return false;
    if (matchKey && !matchKey(pr.record.key)) return false;
    if (f.producerId !== undefined && !(v2 && h.producerId === f.producerId)) return false;
    if (f.transactional && !(v2 && h.isTransactional)) return false;
    if (codec !== undefined && COMPRESSION_NAMES[h.compression] !== codec) return false;
    return true;
  };
}

/** The offsets and timestamps a source holds, from batch headers (what explains an empty read). */
export interface SourceExtent {
  /** First and last offsets of the batches (null when there is no batch). */
  firstOffset: Int64 | null;
  lastOffset: Int64 | null;
  /** Latest batch max timestamp (-1 / null when no batch has one: magic 0 messages carry none). */
  maxTimestamp: Int64 | null;
  /** Magic values met (0 and 1: legacy messages). */
  magics: Set<number>;
  batches: number;
}

function segmentExtent(seg: SegmentFiles, into: SourceExtent): void {
  const it = readBatches(seg.log!, { boundUnverified: true });
  try {
    for (const b of it) {
      const h = b.header;
      into.batches++;
      into.magics.add(h.magic);
      const first = h.format === 'v2' ? h.baseOffset : h.offset;
      if (into.firstOffset === null || first < into.firstOffset) into.firstOffset = first;
      const last = lastOffsetOf(h);
      if (into.lastOffset === null || last > into.lastOffset) into.lastOffset = last;
      const ts = h.format === 'v2' ? h.maxTimestamp : h.timestamp;
      if (ts >= 0 && (into.maxTimestamp === null || ts > into.maxTimestamp)) into.maxTimestamp = ts;
    }
  } finally {
    it.return?.(undefined as never);
  }
}

/** Offsets, timestamps and magics of every batch of a source (a shallow walk of the headers). */
export function sourceExtent(source: SegmentSource): SourceExtent {
  const e: SourceExtent = { firstOffset: null, lastOffset: null, maxTimestamp: null, magics: new Set(), batches: 0 };
  for (const seg of source.segments) if (seg.log) segmentExtent(seg, e);
  return e;
}

/**
 * The offset after the last batch of a source (its log end offset), or null when it holds no
 * batch. Reads from the last segment's last index entry on, not the whole partition.
 */
export function logEndOffset(source: SegmentSource): Int64 | null {
  const logs = source.segments.filter((s) => s.log !== undefined);
  for (let i = logs.length - 1; i >= 0; i--) {
    const seg = logs[i]!;
    // The last index entry of this segment gives a position near its end.
    const at = seekOffset({ segments: [seg] }, Number.MAX_SAFE_INTEGER);
    const e: SourceExtent = { firstOffset: null, lastOffset: null, maxTimestamp: null, magics: new Set(), batches: 0 };
    const it = readBatches(seg.log!, { start: at?.position ?? 0, boundUnverified: true });
    try {
      for (const b of it) {
        const last = lastOffsetOf(b.header);
        if (e.lastOffset === null || last > e.lastOffset) e.lastOffset = last;
      }
    } finally {
      it.return?.(undefined as never);
    }
    if (e.lastOffset !== null) return addInt64(e.lastOffset, 1);
  }
  return null;
}

/** The bounds of a read, as `kseg cat` and `records()` take them. */
export interface RangeQuery {
  fromOffset?: Int64;
  toOffset?: Int64;
  fromTime?: Int64;
  toTime?: Int64;
  limit?: number;
}

const describeTime = (t: Int64): string => (typeof t === 'number' ? `${t} (${new Date(t).toISOString()})` : String(t));

/** Why a range holds nothing whatever the data (it is reversed), or null. */
export function reversedRange(q: RangeQuery): string | null {
  if (q.fromOffset !== undefined && q.toOffset !== undefined && q.fromOffset >= 0 && q.fromOffset > q.toOffset) {
    return `--from-offset ${q.fromOffset} is after --to-offset ${q.toOffset}`;
  }
  if (q.fromTime !== undefined && q.toTime !== undefined && q.fromTime > q.toTime) {
    return `--from-time ${describeTime(q.fromTime)} is after --to-time ${describeTime(q.toTime)}`;
  }
  return null;
}

/**
 * Why a read found no record, as one phrase: the data is empty or damaged, the range lies outside
 * it, it has no timestamps, the filters matched none of the `inRange` records read. Reads batch
 * headers only (called only when nothing was found).
 */
export function whyNoRecords(sources: SegmentSource[], q: RangeQuery, counts: { inRange: number; issues: number }): string {
  if (q.limit === 0) return '--limit 0';
  const e: SourceExtent = { firstOffset: null, lastOffset: null, maxTimestamp: null, magics: new Set(), batches: 0 };
  for (const s of sources) {
    const x = sourceExtent(s);
    e.batches += x.batches;
    if (x.firstOffset !== null && (e.firstOffset === null || x.firstOffset < e.firstOffset)) e.firstOffset = x.firstOffset;
    if (x.lastOffset !== null && (e.lastOffset === null || x.lastOffset > e.lastOffset)) e.lastOffset = x.lastOffset;
    if (x.maxTimestamp !== null && (e.maxTimestamp === null || x.maxTimestamp > e.maxTimestamp)) e.maxTimestamp = x.maxTimestamp;
    x.magics.forEach((m) => e.magics.add(m));
  }
  if (e.batches === 0) {
    if (counts.issues > 0) return 'no whole batch could be read (the damage is reported above)';
    return sources.length === 1 && sources[0]!.segments.length === 1 ? 'the segment holds no batch (empty)' : 'no segment holds a batch (empty)';
  }
  if (q.fromOffset !== undefined && q.fromOffset >= 0 && e.lastOffset !== null && q.fromOffset > e.lastOffset) {
    return `--from-offset ${q.fromOffset} is past the last offset, ${e.lastOffset}`;
  }
  if (q.toOffset !== undefined && e.firstOffset !== null && q.toOffset < e.firstOffset) return `--to-offset ${q.toOffset} is before the first offset, ${e.firstOffset}`;
  if ((q.fromTime !== undefined || q.toTime !== undefined) && e.maxTimestamp === null) {
    return e.magics.has(0) && e.magics.size === 1 ? 'magic 0 messages carry no timestamp: a time filter matches none' : 'no batch carries a timestamp: a time filter matches none';
  }
  if (q.fromTime !== undefined && e.maxTimestamp !== null && q.fromTime > e.maxTimestamp) {
    return `no record is stamped at or after ${describeTime(q.fromTime)}; the latest is ${describeTime(e.maxTimestamp)}`;
  }
  if (counts.inRange > 0) return `none of the ${counts.inRange} record(s) in range matched the filters`;
  return 'no record in the range asked for';
}
