/**
 * kseg as a library: read Kafka log dirs (`log.dirs`) without a broker. `openLogDir` is the entry
 * point; the audit, the pure decoders and the harness's verify are exported beside it (docs/api.md).
 * Everything here is read-only. The public types use no Node type (`Buffer`, `NodeJS.*`): a
 * TypeScript consumer needs no `@types/node`.
 */
import type { BatchHeader } from './format/batch.js';
import type { Int64 } from './format/int64.js';
import type { LogRecord, RecordHeader } from './format/record.js';
import { readBatches } from './io/batches.js';
import { type LogBatch, walkStoppedEarly } from './io/log-batch.js';
import type { LogDir, PartitionDir, SegmentFiles } from './io/logdir.js';
import { type LogDirSummary, type PartitionSummary, type SummaryOptions, summarizeListing, summarizePartition } from './io/log-summary.js';
import { type StatsResult, statsOfTarget } from './io/stats.js';
import { listingOf, resolveDirectory } from './io/paths.js';
import { type ReadIssue, type ReadRecordsOptions, crcFailure, readPartitionRecords } from './io/seek.js';

/**
 * One record as stored, with where it came from. Its bytes stay valid after iteration moves on.
 *
 * Offsets, timestamps and producer ids are plain numbers: exact for every value below 2^53 (nine
 * quadrillion; Kafka's offsets and millisecond timestamps stay far below), so `r.offset + 1` just
 * works. `raw` holds the record as decoded, with each int64 as `Int64` (`number | bigint`, a bigint
 * only beyond 2^53): the exact escape for a value that large (a damaged batch can claim one).
 */
export interface DiskRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Epoch ms (-1 for magic 0 messages). LogAppendTime batches give the broker's append time. */
  timestamp: number;
  timestampType: BatchHeader['timestampType'];
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
  /** -1 for non-idempotent producers and legacy messages. */
  producerId: number;
  producerEpoch: number;
  sequence: number;
  isTransactional: boolean;
  /** A control record (transaction marker, KRaft control message); only yielded with `control: true`. */
  isControl: boolean;
  /** Part of a transaction the segment's `.txnindex` lists as aborted (still on disk; a read_committed consumer skips it). */
  aborted: boolean;
  /** The batch's stored checksum matches its bytes. */
  crcValid: boolean;
  /** The `.log` file and the batch's header (its `position` is the byte offset in that file). */
  file: string;
  batch: BatchHeader;
  /** The decoded record with every raw field (sizes, deltas, attributes), int64s exact. */
  raw: LogRecord;
}

/**
 * Damage met while reading (a batch whose checksum fails, bytes that do not decode, a torn tail),
 * thrown by `records()` and `batches()` unless an `onIssue` handler is given: damage is never
 * skipped silently.
 */
export class LogDamageError extends Error {
  override name = 'LogDamageError';
  readonly file: string;
  /** Byte position in `file` (-1 when unknown). */
  readonly position: number;
  constructor(issue: ReadIssue) {
    super(`${issue.file}: byte ${issue.position}: ${issue.message}`);
    this.file = issue.file;
    this.position = issue.position;
  }
}

/** What to do with damage: report it to `onIssue` and read on, or (no handler) throw a LogDamageError. */
function issueHandler(onIssue: ((issue: ReadIssue) => void) | undefined): (issue: ReadIssue) => void {
  return (
    onIssue ??
    ((issue) => {
      throw new LogDamageError(issue);
    })
  );
}

export interface RecordsOptions extends Omit<ReadRecordsOptions, 'onIssue' | 'stats' | 'chunk'> {
  /** Also yield control records (default false, as a consumer sees the log). */
  control?: boolean;
  /** Skip records of aborted transactions (read_committed). Default false: everything on disk. */
  committedOnly?: boolean;
  /**
   * Called for each piece of damage met (file, byte position, what), and the read goes on past it.
   * Without it, the first damage throws a LogDamageError.
   */
  onIssue?: (issue: ReadIssue) => void;
}

export interface BatchesOptions {
  /** Skip batches whose last offset is below this offset (whole segments are skipped by base offset). */
  fromOffset?: Int64;
  /**
   * Called for a batch whose checksum fails and for a segment whose walk stopped before its end
   * (corrupt or truncated bytes), and the read goes on. Without it, damage throws a LogDamageError.
   */
  onIssue?: (issue: ReadIssue) => void;
}

/** A topic-partition folder of a log dir. */
export interface Partition {
  name: string;
  topic: string;
  partition: number;
  path: string;
  /** The folder's listing: segments, snapshots, leftovers, metadata files. */
  dir: PartitionDir;
  /** Segments in base-offset order. */
  segments(): SegmentFiles[];
  /** Offset/time ranges, counts, codecs and index sanity from batch headers (fast; no decompression). */
  summary(options?: SummaryOptions): PartitionSummary;
  /** Deep statistics: every record decoded. */
  stats(): StatsResult;
  /** Batches (v2) or legacy entries in offset order across segments, detached (bytes are copies). */
  batches(options?: BatchesOptions): AsyncIterable<LogBatch>;
  /** Records in offset order across segments; offset/time bounds use the broker's indexes. */
  records(options?: RecordsOptions): AsyncIterable<DiskRecord>;
}

/** A log dir opened for reading. */
export interface KafkaLogDir {
  path: string;
  listing: LogDir;
  /** Every topic-partition folder, sorted by folder name. */
  partitions(): Partition[];
  /** One partition by topic and number, or undefined. */
  partition(topic: string, partition: number): Partition | undefined;
  /** What `kseg ls` shows: every partition summarised and the root files decoded. */
  summary(options?: SummaryOptions): LogDirSummary;
}

function segmentsFrom(dir: PartitionDir, fromOffset: Int64 | undefined): SegmentFiles[] {
  if (fromOffset === undefined) return dir.segments;
  const from = BigInt(fromOffset);
  // The last segment whose base offset is ≤ from holds it; earlier ones can be skipped.
  let first = 0;
  dir.segments.forEach((s, i) => {
    if (s.baseOffset <= from) first = i;
  });
  return dir.segments.slice(first);
}

async function* batchesOf(dir: PartitionDir, options: BatchesOptions): AsyncGenerator<LogBatch> {
  const onIssue = issueHandler(options.onIssue);
  for (const seg of segmentsFrom(dir, options.fromOffset)) {
    if (!seg.log) continue;
    const it = readBatches(seg.log, { detach: true, boundUnverified: true });
    for (;;) {
      const step = it.next();
      if (step.done) {
        const message = walkStoppedEarly(step.value);
        if (message !== null) onIssue({ file: seg.log, position: step.value.position, message });
        break;
      }
      const b = step.value;
      if (options.fromOffset !== undefined && BigInt(b.header.format === 'v2' ? b.header.lastOffset : b.header.offset) < BigInt(options.fromOffset)) continue;
      if (!b.crcValid()) onIssue({ file: seg.log, position: b.header.position, message: crcFailure(b.header.position) });
      yield b;
    }
  }
}

const num = (v: Int64): number => (typeof v === 'bigint' ? Number(v) : v);

async function* recordsOf(dir: PartitionDir, options: RecordsOptions): AsyncGenerator<DiskRecord> {
  for (const r of readPartitionRecords(dir, { ...options, onIssue: issueHandler(options.onIssue) })) {
    const h = r.batch.header;
    const isControl = h.format === 'v2' && h.isControl;
    if (isControl && !options.control) continue;
    if (r.aborted && options.committedOnly) continue;
    const rec = r.record;
    yield {
      topic: dir.topic,
      partition: dir.partition,
      offset: num(rec.offset),
      timestamp: num(rec.timestamp),
      timestampType: h.timestampType,
      key: rec.key,
      value: rec.value,
      headers: rec.headers,
      producerId: h.format === 'v2' ? num(h.producerId) : -1,
      producerEpoch: h.format === 'v2' ? h.producerEpoch : -1,
      sequence: rec.sequence,
      isTransactional: h.format === 'v2' && h.isTransactional,
      isControl,
      aborted: r.aborted,
      crcValid: r.crcValid,
      file: r.batch.file,
      batch: h,
      raw: rec,
    };
  }
}

function partitionOf(dir: PartitionDir): Partition {
  return {
    name: dir.name,
    topic: dir.topic,
    partition: dir.partition,
    path: dir.path,
    dir,
    segments: () => dir.segments,
    summary: (options) => summarizePartition(dir, options),
    stats: () => statsOfTarget({ kind: 'partition', path: dir.path, dir }).result,
    batches: (options = {}) => batchesOf(dir, options),
    records: (options = {}) => recordsOf(dir, options),
  };
}

/**
 * Opens a log dir (the folder of `log.dirs`) or a single partition folder. Only the listing is
 * read here; segments are read when iterated. A path that is neither (missing, a file, a folder
 * with no partition folders) throws a PathError saying so: `<path>: <what>`.
 */
export function openLogDir(path: string): KafkaLogDir {
  const target = resolveDirectory(path);
  const listing = listingOf(target);
  const partitions = listing.partitions.map(partitionOf);
  return {
    path: target.path,
    listing,
    partitions: () => partitions,
    partition: (topic, partition) => partitions.find((p) => p.topic === topic && p.partition === partition),
    summary: (options) => summarizeListing(listing, options),
  };
}

// What else the library offers: the audit, the pure decoders (bytes in, values out), the JSON
// conventions, the harness's verify. The I/O and dump internals stay internal (docs/api.md).
export { PathError } from './io/path-target.js';
export type { ReadIssue } from './io/seek.js';
export type { LogBatch } from './io/log-batch.js';
export type { LogDir, PartitionDir, SegmentFiles, IrregularEntry, EntryType } from './io/logdir.js';
export type { LogDirSummary, PartitionSummary, SegmentSummary, IndexSanity, IndexVerdict, Problem, SummaryOptions } from './io/log-summary.js';
export type { StatsResult, Distribution } from './io/stats.js';
export type { Int64 } from './format/int64.js';
export type { BatchHeader, RecordBatchHeader, LegacyEntryHeader } from './format/batch.js';
export type { LogRecord, RecordHeader, DecodedRecords } from './format/record.js';
export { decodeBatchHeader, RECORD_BATCH_OVERHEAD } from './format/batch.js';
export { decodeBatchRecords } from './format/record.js';
export { decodeLegacyRecords } from './format/legacy.js';
export { FormatError, type FormatErrorKind } from './format/errors.js';
export { decompress, crc32, crc32c, CodecError, COMPRESSION_NAMES, CompressionType } from './codec/index.js';
export type { CompressionTypeId, CompressionName } from './codec/index.js';
export { offsetIndexEntries, timeIndexEntries, abortedTxnEntries, type OffsetIndexEntry, type TimeIndexEntry, type AbortedTxnEntry } from './format/indexes.js';
export { decodeProducerSnapshot, type ProducerSnapshot, type ProducerSnapshotEntry } from './format/producer-snapshot.js';
export { parseOffsetCheckpoint, parseLeaderEpochCheckpoint, parsePartitionMetadata, parseProperties, parseQuorumState, TextFileError } from './format/text-files.js';
export {
  decodeGroupCoordinatorRecord,
  decodeTransactionLogRecord,
  decodeShareGroupStateRecord,
  decodeMetadataRecord,
  decodeControlRecord,
  type DecodedRecord,
} from './format/schema/index.js';
export { SCHEMA_VERSIONS, int64Json, toJson } from './view/json.js';
export { auditPath, AuditInputError, ANOMALY_CLASSES, type Anomaly, type AnomalyClass, type AuditOptions, type AuditReport, type Severity } from './audit/index.js';
export { verifyRun, RECORD_CLASSES, type RecordClass, type VerifyReport } from './harness/verify.js';
export { readManifest, parseManifest, type ManifestRow } from './harness/manifest.js';
