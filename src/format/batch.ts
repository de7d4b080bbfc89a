import { FormatError } from './errors.js';
import { type Int64, addInt64, readInt16, readInt32, readInt64, readInt8, readUint32 } from './int64.js';

/*
 * The entries of a log segment and their headers. A segment is entries back to back; every entry,
 * whatever its magic, starts with the same framing (FileLogInputStream reads it: frameAt):
 *
 *    0  offset   int64
 *    8  size     int32    bytes after this field: the entry is 12 + size bytes
 *   16  magic    int8     2: a record batch; 0 or 1: a legacy message
 *
 * A v2 record batch (DefaultRecordBatch; decodeRecordBatchHeader, RECORD_BATCH_LAYOUT as data):
 *
 *    0  baseOffset            int64
 *    8  batchLength           int32   the entry's size
 *   12  partitionLeaderEpoch  int32
 *   16  magic                 int8    2
 *   17  crc                   uint32  CRC-32C of bytes 21 to the end (entry.ts)
 *   21  attributes            int16   bits 0-2 codec, 3 LogAppendTime, 4 transactional, 5 control,
 *                                     6 baseTimestamp is the delete horizon
 *   23  lastOffsetDelta       int32
 *   27  baseTimestamp         int64
 *   35  maxTimestamp          int64
 *   43  producerId            int64
 *   51  producerEpoch         int16
 *   53  baseSequence          int32
 *   57  recordCount           int32
 *   61  records                       record.ts; one compressed stream unless the codec is none
 *
 * A legacy message's header (LegacyRecord; decodeLegacyEntryHeader) is its first 18 bytes (26 for
 * v1): offset, size, crc, magic, attributes, v1's timestamp; its key and value are legacy.ts's.
 *
 * Printed by dump/log.ts printBatchLine (kafka-dump-log's batch line, one field after another),
 * view/records.ts (kseg cat's batch lines and JSON) and view/explain.ts (every byte).
 */

/**
 * Framing shared by every entry of a log segment, whatever its magic: int64 offset, int32 size,
 * and (at byte 16) the magic byte. An entry occupies LOG_OVERHEAD + size bytes.
 */
export const LOG_OVERHEAD = 12;
/** Bytes needed to read offset, size and magic (FileLogInputStream's HEADER_SIZE_UP_TO_MAGIC). */
export const HEADER_SIZE_UP_TO_MAGIC = 17;
/** The smallest legal `size` (LegacyRecord.RECORD_OVERHEAD_V0). */
export const MIN_RECORD_OVERHEAD = 14;
/** Size of a v2 batch header: records start here. */
export const RECORD_BATCH_OVERHEAD = 61;

/**
 * Byte layout of a v2 record batch header (DefaultRecordBatch), relative to the batch start.
 * This table is the byte span of every header field: a decoded header plus its `position` gives
 * the absolute span of each field.
 */
export const RECORD_BATCH_LAYOUT = [
  { field: 'baseOffset', offset: 0, length: 8 },
  { field: 'batchLength', offset: 8, length: 4 },
  { field: 'partitionLeaderEpoch', offset: 12, length: 4 },
  { field: 'magic', offset: 16, length: 1 },
  { field: 'crc', offset: 17, length: 4 },
  { field: 'attributes', offset: 21, length: 2 },
  { field: 'lastOffsetDelta', offset: 23, length: 4 },
  { field: 'baseTimestamp', offset: 27, length: 8 },
  { field: 'maxTimestamp', offset: 35, length: 8 },
  { field: 'producerId', offset: 43, length: 8 },
  { field: 'producerEpoch', offset: 51, length: 2 },
  { field: 'baseSequence', offset: 53, length: 4 },
  { field: 'recordCount', offset: 57, length: 4 },
] as const;
export type RecordBatchField = (typeof RECORD_BATCH_LAYOUT)[number]['field'];

export const TimestampType = { NoTimestampType: -1, CreateTime: 0, LogAppendTime: 1 } as const;
export type TimestampTypeName = 'NoTimestampType' | 'CreateTime' | 'LogAppendTime';

/** The outcome of looking for the next entry at a position (FileLogInputStream.nextBatch rules). */
export type FrameResult =
  | { kind: 'end' } // fewer than 18 bytes left, or the entry does not fit the window
  | { kind: 'undersized'; size: number; offset: Int64 } // size < 14: Kafka's CorruptRecordException
  | { kind: 'entry'; offset: Int64; size: number; magic: number; totalSize: number };

/**
 * Frames the entry at `pos` of a window ending at `windowEnd` (both absolute indexes into `buf`,
 * whose first 17 bytes from `pos` must be present if the window allows it).
 */
export function frameAt(buf: Uint8Array, pos: number, windowEnd: number): FrameResult {
  if (pos >= windowEnd - HEADER_SIZE_UP_TO_MAGIC) return { kind: 'end' };
  const offset = readInt64(buf, pos);
  const size = readInt32(buf, pos + 8);
  if (size < MIN_RECORD_OVERHEAD) return { kind: 'undersized', size, offset };
  if (pos > windowEnd - LOG_OVERHEAD - size) return { kind: 'end' };
  return { kind: 'entry', offset, size, magic: readInt8(buf, pos + 16), totalSize: LOG_OVERHEAD + size };
}

/** A v2 (magic ≥ 2) record batch header, decoded. */
export interface RecordBatchHeader {
  format: 'v2';
  /** Absolute byte position of the batch in its file. */
  position: number;
  /** Total bytes of the batch: 12 + batchLength. */
  sizeInBytes: number;
  baseOffset: Int64;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  /** Stored CRC-32C, unsigned. */
  crc: number;
  attributes: number;
  /** Compression type id, attributes bits 0-2 (5-7 are invalid). */
  compression: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  isTransactional: boolean;
  isControl: boolean;
  /** Attributes bit 6: baseTimestamp holds the delete horizon (compaction of tombstones/markers). */
  hasDeleteHorizon: boolean;
  lastOffsetDelta: number;
  baseTimestamp: Int64;
  maxTimestamp: Int64;
  producerId: Int64;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  /** baseOffset + lastOffsetDelta (Java long arithmetic). */
  lastOffset: Int64;
  /** -1 if baseSequence is -1, else incrementSequence(baseSequence, lastOffsetDelta). */
  lastSequence: number;
}

/**
 * Decodes a v2 batch header from `buf` at `at` (index into buf) for a batch at absolute file position
 * `position`. Needs 61 bytes at `at`. Fields are read even if the batch is shorter (as Kafka does);
 * `isRecordBatchValid` says whether they can be trusted.
 */
export function decodeRecordBatchHeader(buf: Uint8Array, at: number, position: number): RecordBatchHeader {
  const baseOffset = readInt64(buf, at);
  const batchLength = readInt32(buf, at + 8);
  // Kafka reads the attributes as the int16 at 21 but only uses its low byte.
  const attributes = buf[at + 22]!;
  const lastOffsetDelta = readInt32(buf, at + 23);
  const baseSequence = readInt32(buf, at + 53);
  return {
    format: 'v2',
    position,
    sizeInBytes: LOG_OVERHEAD + batchLength,
    baseOffset,
    batchLength,
    partitionLeaderEpoch: readInt32(buf, at + 12),
    magic: readInt8(buf, at + 16),
    crc: readUint32(buf, at + 17),
    attributes,
    compression: attributes & 0x07,
    timestampType: (attributes & 0x08) === 0 ? 'CreateTime' : 'LogAppendTime',
    isTransactional: (attributes & 0x10) !== 0,
    isControl: (attributes & 0x20) !== 0,
    hasDeleteHorizon: (attributes & 0x40) !== 0,
    lastOffsetDelta,
    baseTimestamp: readInt64(buf, at + 27),
    maxTimestamp: readInt64(buf, at + 35),
    producerId: readInt64(buf, at + 43),
    producerEpoch: readInt16(buf, at + 51),
    baseSequence,
    recordCount: readInt32(buf, at + 57),
    lastOffset: addInt64(baseOffset, lastOffsetDelta),
    lastSequence: baseSequence === -1 ? -1 : incrementSequence(baseSequence, lastOffsetDelta),
  };
}

/**
 * Sequence numbers wrap at Integer.MAX_VALUE back to 0 (DefaultRecordBatch.incrementSequence), in
 * Java int arithmetic: on damaged batches (a negative delta) the overflowing intermediate values
 * wrap too, and decide the branch.
 */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > ((2147483647 - increment) | 0)) return (increment - (2147483647 - sequence) - 1) | 0;
  return (sequence + increment) | 0;
}

/** DefaultRecordBatch.decrementSequence, in Java int arithmetic. */
export function decrementSequence(sequence: number, decrement: number): number {
  if (sequence < decrement) return (2147483647 - (decrement - sequence) + 1) | 0;
  return (sequence - decrement) | 0;
}

/** The byte range the v2 CRC covers, relative to the batch start: [21, size). */
export const V2_CRC_START = 21;

/**
 * Legacy (magic 0/1) message header (LegacyRecord inside its log entry), relative to the entry start:
 * offset(8) size(4) crc(4) magic(1) attributes(1) [timestamp(8) if magic 1] keyLength(4) key valueLength(4) value.
 */
export interface LegacyEntryHeader {
  format: 'legacy';
  position: number;
  sizeInBytes: number;
  /** The entry's offset field: for a compressed wrapper, the last inner offset (absolute). */
  offset: Int64;
  size: number;
  crc: number;
  magic: number;
  attributes: number;
  compression: number;
  timestampType: TimestampTypeName;
  /** -1 for magic 0. */
  timestamp: Int64;
}

export function legacyHeaderSize(magic: number): number {
  if (magic === 0) return LOG_OVERHEAD + 6;
  if (magic === 1) return LOG_OVERHEAD + 14;
  throw new FormatError('IllegalArgument', `Invalid magic used in LegacyRecord: ${magic}`);
}

export function decodeLegacyEntryHeader(buf: Uint8Array, at: number, position: number): LegacyEntryHeader {
  const magic = readInt8(buf, at + 16);
  const attributes = buf[at + 17]!;
  const size = readInt32(buf, at + 8);
  return {
    format: 'legacy',
    position,
    sizeInBytes: LOG_OVERHEAD + size,
    offset: readInt64(buf, at),
    size,
    crc: readUint32(buf, at + 12),
    magic,
    attributes,
    compression: attributes & 0x07,
    timestampType: magic === 0 ? 'NoTimestampType' : (attributes & 0x08) === 0 ? 'CreateTime' : 'LogAppendTime',
    timestamp: magic === 0 ? -1 : readInt64(buf, at + 18),
  };
}

/** Either kind of entry header: a v2 batch, or a legacy (magic 0/1) message or compressed wrapper. */
export type BatchHeader = RecordBatchHeader | LegacyEntryHeader;

/** Bytes of `buf` needed at an entry start to decode its header. */
export function headerBytesNeeded(magic: number): number {
  return magic >= 2 ? RECORD_BATCH_OVERHEAD : magic === 1 ? LOG_OVERHEAD + 14 : LOG_OVERHEAD + 6;
}

/** Decodes the header of the entry at `buf[at]` (absolute file position `position`) by its magic. */
export function decodeBatchHeader(buf: Uint8Array, at: number, position: number): BatchHeader {
  const magic = readInt8(buf, at + 16);
  return magic >= 2 ? decodeRecordBatchHeader(buf, at, position) : decodeLegacyEntryHeader(buf, at, position);
}

/** Last offset of an entry: v2 baseOffset + lastOffsetDelta; legacy its offset field. */
export function lastOffsetOf(h: BatchHeader): Int64 {
  return h.format === 'v2' ? h.lastOffset : h.offset;
}

/**
 * The time an entry starts at, as far as its header says: a v2 batch's base timestamp, or its max
 * timestamp where the base one is not a record's time (LogAppendTime, or a delete horizon); a
 * legacy entry's own timestamp. With maxTimestampOf, the time range `kseg ls` and `kseg stats` show.
 */
export function firstTimestampOf(h: BatchHeader): Int64 {
  if (h.format === 'legacy') return h.timestamp;
  if (h.timestampType === 'LogAppendTime' || h.hasDeleteHorizon) return h.maxTimestamp;
  return h.baseTimestamp;
}

/** The latest time an entry's header gives: a v2 batch's max timestamp, a legacy entry's own. */
export function maxTimestampOf(h: BatchHeader): Int64 {
  return h.format === 'legacy' ? h.timestamp : h.maxTimestamp;
}
