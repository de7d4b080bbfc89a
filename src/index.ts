/**
 * kseg as a library: read Kafka log dirs (`log.dirs`) without a broker. `openLogDir` is the entry
 * point; the lower layers (decoders, segment readers, seeks, summaries) are exported as well for
 * callers that need them. Everything here is read-only.
 */
import { basename } from 'node:path';
import type { BatchHeader } from './format/batch.js';
import type { Int64 } from './format/int64.js';
import type { LogRecord, RecordHeader } from './format/record.js';
import { type LogBatch, readBatches } from './io/batches.js';
import { type LogDir, type PartitionDir, type SegmentFiles, readLogDir, readPartitionDir } from './io/logdir.js';
import {
  type LogDirSummary,
  type PartitionSummary,
  type StatsResult,
  type SummaryOptions,
  StatsAccumulator,
  accumulateSegment,
  summarizeListing,
  summarizePartition,
} from './io/partition.js';
import { type ReadIssue, type ReadRecordsOptions, readPartitionRecords } from './io/seek.js';

/** One record as stored, with where it came from. Its bytes stay valid after iteration moves on. */
export interface DiskRecord {
  topic: string;
  partition: number;
  offset: Int64;
  /** Epoch ms (-1 for magic 0 messages). LogAppendTime batches give the broker's append time. */
  timestamp: Int64;
  timestampType: BatchHeader['timestampType'];
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
  /** -1 for non-idempotent producers and legacy messages. */
  producerId: Int64;
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
  /** The decoded record with every raw field (sizes, deltas, attributes). */
  raw: LogRecord;
}

export interface RecordsOptions extends ReadRecordsOptions {
  /** Also yield control records (default false, as a consumer sees the log). */
  control?: boolean;
  /** Skip records of aborted transactions (read_committed). Default false: everything on disk. */
  committedOnly?: boolean;
}

export interface BatchesOptions {
  /** Skip batches whose last offset is below this offset (whole segments are skipped by base offset). */
  fromOffset?: Int64;
  /** Called for a segment whose walk stopped before its end (corrupt or truncated bytes). */
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
  for (const seg of segmentsFrom(dir, options.fromOffset)) {
    if (!seg.log) continue;
    const it = readBatches(seg.log, { detach: true, boundUnverified: true });
    for (;;) {
      const step = it.next();
      if (step.done) {
        const end = step.value;
        if (end.position < end.fileSize) {
          options.onIssue?.({
            file: seg.log,
            position: end.position,
            message: end.undersized
              ? `entry size ${end.undersized.size} is below the minimum (14): ${end.fileSize - end.position} bytes unread`
              : `${end.fileSize - end.position} trailing bytes do not hold a whole batch`,
          });
        }
        break;
      }
      const b = step.value;
      if (options.fromOffset !== undefined && BigInt(b.header.format === 'v2' ? b.header.lastOffset : b.header.offset) < BigInt(options.fromOffset)) continue;
      yield b;
    }
  }
}

async function* recordsOf(dir: PartitionDir, options: RecordsOptions): AsyncGenerator<DiskRecord> {
  for (const r of readPartitionRecords(dir, options)) {
    const h = r.batch.header;
    const isControl = h.format === 'v2' && h.isControl;
    if (isControl && !options.control) continue;
    if (r.aborted && options.committedOnly) continue;
    const rec = r.record;
    yield {
      topic: dir.topic,
      partition: dir.partition,
      offset: rec.offset,
      timestamp: rec.timestamp,
      timestampType: h.timestampType,
      key: rec.key,
      value: rec.value,
      headers: rec.headers,
      producerId: h.format === 'v2' ? h.producerId : -1,
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
    stats: () => {
      const acc = new StatsAccumulator();
      acc.startPartition(dir.name);
      for (const s of dir.segments) if (s.log) accumulateSegment(acc, s.log);
      return acc.result();
    },
    batches: (options = {}) => batchesOf(dir, options),
    records: (options = {}) => recordsOf(dir, options),
  };
}

/**
 * Opens a log dir (the folder of `log.dirs`) or a single partition folder. Only the listing is
 * read here; segments are read when iterated.
 */
export function openLogDir(path: string): KafkaLogDir {
  let listing = readLogDir(path);
  if (listing.partitions.length === 0) {
    // A partition folder given directly: treat it as a log dir of one partition.
    const p = readPartitionDir(path, basename(path));
    if (p !== null && (p.segments.length > 0 || p.leaderEpochCheckpoint !== undefined || p.partitionMetadata !== undefined)) {
      listing = { path, partitions: [p], files: [] };
    }
  }
  const partitions = listing.partitions.map(partitionOf);
  return {
    path,
    listing,
    partitions: () => partitions,
    partition: (topic, partition) => partitions.find((p) => p.topic === topic && p.partition === partition),
    summary: (options) => summarizeListing(listing, options),
  };
}

// The layers underneath, for callers that need more than openLogDir.
export { decompress, crc32, crc32c, CodecError, COMPRESSION_NAMES, CompressionType } from './codec/index.js';
export type { CompressionTypeId, CompressionName } from './codec/index.js';
export {
  decodeBatchHeader,
  lastOffsetOf,
  incrementSequence,
  frameAt,
  RECORD_BATCH_LAYOUT,
  RECORD_BATCH_OVERHEAD,
  type BatchHeader,
  type RecordBatchHeader,
  type LegacyEntryHeader,
} from './format/batch.js';
export {
  decodeBatchRecords,
  decodeLegacyRecords,
  readRecordFields,
  RecordFields,
  HEADER_FIELDS,
  type LogRecord,
  type RecordHeader,
  type DecodedRecords,
  type RecordSpans,
} from './format/record.js';
export { FormatError, type FormatErrorKind } from './format/errors.js';
export type { Int64 } from './format/int64.js';
export {
  offsetIndexEntries,
  timeIndexEntries,
  abortedTxnEntries,
  offsetIndexLookupSlot,
  timeIndexLookupSlot,
  type OffsetIndexEntry,
  type TimeIndexEntry,
  type AbortedTxnEntry,
} from './format/indexes.js';
export { decodeProducerSnapshot, type ProducerSnapshot, type ProducerSnapshotEntry } from './format/producer-snapshot.js';
export {
  parseOffsetCheckpoint,
  parseLeaderEpochCheckpoint,
  parsePartitionMetadata,
  parseProperties,
  parseQuorumState,
  TextFileError,
} from './format/text-files.js';
export {
  decodeGroupCoordinatorRecord,
  decodeTransactionLogRecord,
  decodeShareGroupStateRecord,
  decodeMetadataRecord,
  decodeControlRecord,
  type DecodedRecord,
} from './format/schema/index.js';
export { readBatches, type LogBatch, type ReadBatchesOptions, type WalkEnd } from './io/batches.js';
export { readLogDir, readPartitionDir, parseTopicPartition, classifyPath, type LogDir, type PartitionDir, type SegmentFiles } from './io/logdir.js';
export {
  summarizeLogDir,
  summarizePartition,
  summarizeSegment,
  offsetIndexSanity,
  timeIndexSanity,
  logDirFromServerProperties,
  StatsAccumulator,
  accumulateSegment,
  type LogDirSummary,
  type PartitionSummary,
  type SegmentSummary,
  type IndexSanity,
  type IndexVerdict,
  type StatsResult,
  type Distribution,
  type Problem,
  type SummaryOptions,
} from './io/partition.js';
export {
  seekOffset,
  seekTime,
  readPartitionRecords,
  segmentSourceOfFile,
  segmentSourceOfPartition,
  newReadStats,
  type SegmentSource,
  type PartitionRecord,
  type SeekPosition,
  type TimeSeekResult,
  type SeekOptions,
  type ReadRecordsOptions,
  type ReadStats,
  type ReadIssue,
} from './io/seek.js';
export { SCHEMA_VERSION, int64Json, toJson } from './view/json.js';
export { auditPath, AuditInputError, ANOMALY_CLASSES, type Anomaly, type AnomalyClass, type AuditOptions, type AuditReport, type Severity } from './audit/index.js';
export { verifyRun, RECORD_CLASSES, type RecordClass, type VerifyReport } from './harness/verify.js';
export { readManifest, parseManifest, type ManifestRow } from './harness/manifest.js';
