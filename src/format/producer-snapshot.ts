import { crc32c } from '../codec/index.js';
import { FormatError } from './errors.js';
import { type Int64, readInt16, readInt32, readInt64, readUint32 } from './int64.js';

/*
 * Producer-state snapshot (`<offset>.snapshot`, ProducerSnapshot v1):
 *
 *    0  version   int16   1
 *    2  crc       uint32  CRC-32C of bytes 6 to the end
 *    6  count     int32
 *   10  entries, 46 bytes each:
 *        0 producerId int64, 8 producerEpoch int16, 10 lastSequence int32, 14 lastOffset int64,
 *       22 offsetDelta int32, 26 timestamp int64, 34 coordinatorEpoch int32,
 *       38 currentTxnFirstOffset int64 (-1: no open transaction)
 *
 * Printed by dump/index-files.ts dumpProducerSnapshot (one line per entry), read by audit/producers.ts.
 */
export const PRODUCER_SNAPSHOT_ENTRIES_OFFSET = 6;
export const PRODUCER_SNAPSHOT_ENTRY_SIZE = 46;

export interface ProducerSnapshotEntry {
  /** Absolute byte position of the entry in the file. */
  position: number;
  producerId: Int64;
  producerEpoch: number;
  lastSequence: number;
  lastOffset: Int64;
  offsetDelta: number;
  timestamp: Int64;
  coordinatorEpoch: number;
  /** -1 when no transaction is open. */
  currentTxnFirstOffset: Int64;
}

export interface ProducerSnapshot {
  version: number;
  crc: number;
  computedCrc: number;
  entries: ProducerSnapshotEntry[];
}

/**
 * Decodes a producer snapshot the way ProducerStateManager.readSnapshot does, with its error texts
 * (FormatError kind 'CorruptSnapshot', message as Kafka prints it).
 */
export function decodeProducerSnapshot(bytes: Uint8Array): ProducerSnapshot {
  const fail = (detail: string, position: number): never => {
    throw new FormatError('CorruptSnapshot', `Snapshot failed schema validation: ${detail}`, position);
  };
  if (bytes.length < 2) fail('null', 0);
  const version = readInt16(bytes, 0);
  if (version !== 1) fail(`Snapshot contained an unknown file version ${version}`, 0);
  if (bytes.length < 6) fail('null', 2);
  const crc = readUint32(bytes, 2);
  if (bytes.length < 10) fail('null', 6);
  const count = readInt32(bytes, 6);
  if (count < 0) fail('non-nullable field producerEntries was serialized as null', 6);
  const remaining = bytes.length - 10;
  if (count > remaining) fail(`Tried to allocate a collection of size ${count}, but there are only ${remaining} bytes remaining.`, 6);
  const entries: ProducerSnapshotEntry[] = [];
  let p = 10;
  for (let i = 0; i < count; i++) {
    if (p + PRODUCER_SNAPSHOT_ENTRY_SIZE > bytes.length) fail('null', p);
    entries.push({
      position: p,
      producerId: readInt64(bytes, p),
      producerEpoch: readInt16(bytes, p + 8),
      lastSequence: readInt32(bytes, p + 10),
      lastOffset: readInt64(bytes, p + 14),
      offsetDelta: readInt32(bytes, p + 22),
      timestamp: readInt64(bytes, p + 26),
      coordinatorEpoch: readInt32(bytes, p + 34),
      currentTxnFirstOffset: readInt64(bytes, p + 38),
    });
    p += PRODUCER_SNAPSHOT_ENTRY_SIZE;
  }
  const computedCrc = crc32c(bytes.subarray(PRODUCER_SNAPSHOT_ENTRIES_OFFSET));
  if (crc !== computedCrc) {
    throw new FormatError('CorruptSnapshot', `Snapshot is corrupt (CRC is no longer valid). Stored crc: ${crc}. Computed crc: ${computedCrc}`, 2);
  }
  return { version, crc, computedCrc, entries };
}
