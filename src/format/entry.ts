import { crc32, crc32Range, crc32cRange } from '../codec/index.js';
import { type BatchHeader, type LegacyEntryHeader, MIN_RECORD_OVERHEAD, RECORD_BATCH_OVERHEAD, V2_CRC_START } from './batch.js';
import { decodeLegacyRecords } from './legacy.js';
import { type DecodedRecords, decodeBatchRecords } from './record.js';

/*
 * An entry of a log segment, whatever its magic: a v2 record batch (record.ts) or a legacy message
 * (legacy.ts), both framed as format/batch.ts frames them. Its records, and its checksum.
 */

/** The records of the entry at `buf[at, at + header.sizeInBytes)` (see decodeBatchRecords, decodeLegacyRecords). */
export function decodeEntryRecords(buf: Uint8Array, at: number, header: BatchHeader, options: { withSpans?: boolean } = {}): DecodedRecords {
  return header.format === 'v2' ? decodeBatchRecords(buf, at, header, options) : decodeLegacyRecords(buf, at, header);
}

/** CRC-32C of a v2 batch's checksummed bytes, buf[at + 21, at + size) (DefaultRecordBatch.computeChecksum). */
export function computeBatchCrc(buf: Uint8Array, at: number, size: number): number {
  return crc32cRange(buf, at + V2_CRC_START, at + size);
}

/**
 * Whether an entry's stored checksum matches, as Kafka's isValid: a v2 batch needs its 61 header
 * bytes and its CRC-32C; a legacy message its CRC-32.
 */
export function isEntryCrcValid(buf: Uint8Array, at: number, header: BatchHeader): boolean {
  if (header.format === 'legacy') return isLegacyEntryValid(buf, at, header);
  return header.sizeInBytes >= RECORD_BATCH_OVERHEAD && header.crc === computeBatchCrc(buf, at, header.sizeInBytes);
}

/**
 * What an entry's checksum covers, relative to the entry's start, for checking it piece by piece:
 * a v2 batch's CRC-32C (stored at 17) from its attributes (21) to its end, a legacy message's
 * CRC-32 (stored at 12) from its magic byte (16) to its end. `continue(crc, buf, start, end)`
 * extends a running checksum over the next piece (0 to start).
 */
export function entryChecksum(magic: number): { storedAt: number; from: number; continue: (crc: number, buf: Uint8Array, start: number, end: number) => number } {
  return magic >= 2 ? V2_CHECKSUM : LEGACY_CHECKSUM;
}
const V2_CHECKSUM = { storedAt: 17, from: V2_CRC_START, continue: (crc: number, buf: Uint8Array, start: number, end: number) => crc32cRange(buf, start, end, crc) };
const LEGACY_CHECKSUM = { storedAt: 12, from: 16, continue: (crc: number, buf: Uint8Array, start: number, end: number) => crc32Range(buf, start, end, crc) };

/** Whether a legacy entry's stored CRC-32 matches (LegacyRecord.isValid). */
export function isLegacyEntryValid(buf: Uint8Array, at: number, header: LegacyEntryHeader): boolean {
  return header.size >= MIN_RECORD_OVERHEAD && header.crc === crc32(buf.subarray(at + 16, at + header.sizeInBytes));
}
