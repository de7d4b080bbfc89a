import { statSync } from 'node:fs';
import { COMPRESSION_NAMES } from '../codec/index.js';
import {
  type BatchHeader,
  type LegacyEntryHeader,
  type RecordBatchHeader,
  HEADER_SIZE_UP_TO_MAGIC,
  RECORD_BATCH_OVERHEAD,
  decodeBatchHeader,
  legacyHeaderSize,
} from '../format/batch.js';
import { FormatError } from '../format/errors.js';
import { type Int64, addInt64, readInt8 } from '../format/int64.js';
import { decodeEntryRecords, isEntryCrcValid } from '../format/entry.js';
import type { LegacyFaults } from '../format/legacy.js';
import type { LogRecord } from '../format/record.js';
import { type EntryType, entryTypeOf } from '../io/logdir.js';
import { EntryWalker, SegmentFile, entryChecksumMatches } from '../io/segment-file.js';
import type { DecodedText } from './decoders.js';
import { JavaException, toJavaException } from './java-exception.js';
import { javaAbsolutePath, javaFileName, javaParseInt, javaParseLong, javaSplitFirstDot } from './java.js';
import { type ByteSink, type DumpIO, type Label, label, labelOf, putDecimal, putInt64, putLabel } from './output.js';
import { formatControlRecord } from './parsers/index.js';
import { L_HEADER_KEYS, L_KEY_SIZE, L_RECORD_OFFSET, L_SEQUENCE, L_TIMESTAMP, L_VALUE_SIZE, writeRecordLines } from './record-lines.js';
import type { DumpReports } from './reports.js';
import type { DumpTuning } from './tuning.js';

/*
 * DumpLogSegments.dumpLog: a `.log` segment or a KRaft `.checkpoint`, walked entry by entry
 * (formatRange): each entry's batch line, then with --deep-iteration its record lines. Which field
 * of the bytes each part of a line prints (layouts: format/batch.ts, record.ts, legacy.ts):
 *
 * The batch line (printBatchLine, from the entry's header):
 *   v2      baseOffset lastOffset (baseOffset + lastOffsetDelta) count (recordCount) baseSequence
 *           lastSequence (baseSequence + lastOffsetDelta) producerId producerEpoch
 *           partitionLeaderEpoch isTransactional isControl (attributes) deleteHorizonMs
 *           (baseTimestamp, with attributes bit 6)
 *   legacy  offset
 *   both    position (in the file) CreateTime|LogAppendTime|NoTimestampType (maxTimestamp, legacy:
 *           timestamp) size (12 + size) magic compresscodec (attributes bits 0-2) crc isvalid
 *           (the checksum, computed)
 * A record line (the records, read by format/record.ts or legacy.ts):
 *   | offset (baseOffset + offsetDelta) CreateTime (baseTimestamp + timestampDelta) keySize
 *   valueSize, then v2: sequence (baseSequence + offsetDelta) headerKeys [header keys]; legacy:
 *   isValid crc; a control record: its type and value; with --print-data-log: key payload (as the
 *   record parser decodes them).
 * Record lines are written by record-lines.ts straight from a v2 batch's bytes where it can (data
 * batches, bytes printed as text), else by dumpRecords below from decoded LogRecords: the reference.
 */

/** What a record's key and value print as; undefined parts are not printed. */
export interface RecordText {
  key?: DecodedText;
  value?: DecodedText;
}
export interface RecordTextParser {
  parse(record: LogRecord): RecordText;
  /** True when keys and values print as their bytes decoded as UTF-8 (the default StringDecoder). */
  readonly bytesAsText?: boolean;
}

export interface DumpLogOptions {
  printContents: boolean;
  deepIteration: boolean;
  skipRecordMetadata: boolean;
  maxBytes: number;
  parser: RecordTextParser;
  /** The fast paths' switches and counters (tuning.ts); absent: every fast path on. */
  tuning?: DumpTuning;
}

const INT_MAX = 2147483647;

// Constant labels of the batch lines (record lines: record-lines.ts and dumpRecords below).
const L_BASE_OFFSET = label('baseOffset: ');
const L_LAST_OFFSET = label(' lastOffset: ');
const L_COUNT = label(' count: ');
const L_BASE_SEQUENCE = label(' baseSequence: ');
const L_LAST_SEQUENCE = label(' lastSequence: ');
const L_PRODUCER_ID = label(' producerId: ');
const L_PRODUCER_EPOCH = label(' producerEpoch: ');
const L_LEADER_EPOCH = label(' partitionLeaderEpoch: ');
/** ` isTransactional: … isControl: …` by (transactional ? 2 : 0) + (control ? 1 : 0). */
const L_FLAGS = [false, true].flatMap((txn) => [false, true].map((ctrl) => label(` isTransactional: ${txn} isControl: ${ctrl}`)));
const L_DELETE_HORIZON_OPEN = label(' deleteHorizonMs: OptionalLong[');
const L_DELETE_HORIZON_EMPTY = label(' deleteHorizonMs: OptionalLong.empty');
const L_LEGACY_OFFSET = label('offset: ');
const L_POSITION = label(' position: ');
const L_SIZE = label(' size: ');
const L_MAGIC = label(' magic: ');
const L_CODEC = label(' compresscodec: ');
const L_CRC = label(' crc: ');
const L_VALID = label(' isvalid: true\n');
const L_INVALID = label(' isvalid: false\n');
/** The codec names. */
const L_CODECS = COMPRESSION_NAMES.map((c) => label(c));
/**
 * The middle of the last batch line without sequences (sequences, producer, epochs, flags, empty
 * delete horizon): batches of a producer without idempotence repeat it, so it is copied whole.
 */
let middle: { producerId: Int64; producerEpoch: number; leaderEpoch: number; flags: number; text: Label } | null = null;

/** Room for a batch line: labels, 13 int64s and slack. */
const BATCH_LINE_ROOM = 640;

/**
 * A directory opened as FileRecords.open opens one: it has the directory's size, and the first
 * read fails as Kafka's RecordBatchIterator reports it.
 */
class DirectoryRecords extends SegmentFile {
  override window(): never {
    throw new JavaException('org.apache.kafka.common.KafkaException', 'java.io.IOException: Is a directory');
  }
}

/** The type of what is at a path, without opening it (opening a FIFO waits for a writer); null if nothing. */
export function pathTypeOf(absPath: string): EntryType | null {
  try {
    const st = statSync(absPath, { throwIfNoEntry: false });
    return st ? entryTypeOf(st) : null;
  } catch {
    return null; // the open that follows reports why
  }
}

/**
 * Opens a segment for reading as FileRecords.open does, with its failures. A FIFO is never opened:
 * Kafka's open() waits for a writer, then FileChannel.position fails on the pipe; kseg fails the
 * same way at once (`Illegal seek`) instead of waiting.
 */
export function openSegment(absPath: string, displayPath: string = absPath): SegmentFile {
  const type = pathTypeOf(absPath);
  if (type === 'FIFO') throw new JavaException('java.io.IOException', 'Illegal seek');
  try {
    return type === 'directory' ? new DirectoryRecords(absPath) : new SegmentFile(absPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new JavaException('java.nio.file.NoSuchFileException', displayPath);
    if (code === 'EACCES') throw new JavaException('java.nio.file.AccessDeniedException', displayPath);
    if (code === 'ENXIO') throw new JavaException('java.nio.file.FileSystemException', `${displayPath}: No such device or address`);
    throw e;
  }
}

export function fileRecordsString(file: SegmentFile, displayPath: string, start: number, end: number): string {
  return `FileRecords(size=${end - start}, file=${displayPath}, start=${start}, end=${end})`;
}

/**
 * FileRecords.slice(position, size) bounds: the window's end, or the failure Kafka reports.
 * `displayPath` is how the FileRecords prints its file.
 */
export function sliceWindow(file: SegmentFile, displayPath: string, position: number, size: number): number {
  const self = `FileRecords(size=${file.size}, file=${displayPath}, start=0, end=${INT_MAX})`;
  if (position < 0) throw new JavaException('java.lang.IllegalArgumentException', `Invalid position: ${position} in read from ${self}`);
  if (position > file.size) throw new JavaException('java.lang.IllegalArgumentException', `Slice from position ${position} exceeds end position of ${self}`);
  if (size < 0) throw new JavaException('java.lang.IllegalArgumentException', `Invalid size: ${size} in read from ${self}`);
  let end = position + size;
  if (end > INT_MAX || end > file.size) end = file.size;
  return end;
}

/**
 * Walks the entries of a window, raising Kafka's CorruptRecordException on an undersized one.
 * Yields the walker on each entry (entryPosition, buf, at: valid until the next step).
 */
export function* walkEntries(file: SegmentFile, displayPath: string, start: number, end: number): Generator<EntryWalker, number> {
  const walker = new EntryWalker(file, start, end);
  while (walker.step()) yield walker;
  checkWalkEnd(walker, displayPath);
  return walker.position;
}

/** At the end of a walk: Kafka's CorruptRecordException if it stopped on an undersized entry. */
function checkWalkEnd(walker: EntryWalker, displayPath: string): void {
  if (walker.undersized) {
    throw new JavaException(
      'org.apache.kafka.common.errors.CorruptRecordException',
      `Found record size ${walker.undersized.size} smaller than minimum record overhead (14) in file ${displayPath}.`,
    );
  }
}

/**
 * Decodes an entry's header the way FileChannelRecordBatch loads it: a v2 header needs 61 bytes of
 * the file. A legacy entry's magic is checked where Kafka's tool first needs its header size: in
 * the batch line, after "offset: N" (printBatchLine).
 */
export function loadHeader(file: SegmentFile, buf: Uint8Array, at: number, position: number, windowEnd: number, displayPath: string): BatchHeader {
  const magic = readInt8(buf, at + 16);
  if (magic >= 2 && file.size - position < RECORD_BATCH_OVERHEAD) {
    throw new JavaException(
      'org.apache.kafka.common.KafkaException',
      `Failed to load record batch at position ${position} from ${fileRecordsString(file, displayPath, 0, windowEnd)}`,
    );
  }
  return decodeBatchHeader(buf, at, position);
}

/** CompressionType.forId: ids 5-7 fail as Kafka fails. */
function checkCompression(id: number): void {
  if (COMPRESSION_NAMES[id] === undefined) throw new JavaException('java.lang.IllegalArgumentException', `Unknown compression type id: ${id}`);
}

/** Header line text of a .log/.checkpoint dump, or the failure parsing the name. */
function headerLine(name: string): string | null {
  if (name.endsWith('.log')) return `Log starting offset: ${javaParseLong(javaSplitFirstDot(name))}\n`;
  if (name.endsWith('.checkpoint')) {
    if (name === 'bootstrap.checkpoint') return 'KRaft bootstrap snapshot\n';
    // Snapshots.parse: %020d-%010d.checkpoint; offset from chars [0,20), epoch from [21,31).
    if (name.length < 20) throw stringIndex(0, 20, name.length);
    const offset = javaParseLong(name.slice(0, 20));
    if (name.length < 31) throw stringIndex(21, 31, name.length);
    const epoch = javaParseInt(name.slice(21, 31));
    return `Snapshot end offset: ${offset}, epoch: ${epoch}\n`;
  }
  return null;
}

function stringIndex(begin: number, end: number, length: number): JavaException {
  return new JavaException('java.lang.StringIndexOutOfBoundsException', `begin ${begin}, end ${end}, length ${length}`);
}

/** What dumpLog has set up before walking: the file, its window and the names it prints. */
export interface OpenedLog {
  name: string;
  absPath: string;
  file: SegmentFile;
  windowEnd: number;
}

/**
 * The part of DumpLogSegments.dumpLog before the walk: the header line, FileRecords.open and
 * slice. The caller closes the file.
 */
export function openLog(path: string, opts: DumpLogOptions, io: DumpIO): OpenedLog {
  const name = javaFileName(path);
  const header = headerLine(name);
  if (header !== null) io.out.text(header);
  const absPath = javaAbsolutePath(path, io.cwd);
  const file = openSegment(absPath, path);
  try {
    return { name, absPath, file, windowEnd: sliceWindow(file, path, 0, opts.maxBytes) };
  } catch (e) {
    file.close();
    throw e;
  }
}

/** Where a walk reports a record whose offset does not follow the previous one (null: none yet). */
export type OffsetGap = (previous: Int64 | null, next: Int64) => void;

/** How a walk over a byte range of batches formats them: shared by the serial dump and the workers. */
export interface RangeContext {
  file: SegmentFile;
  /** The path as given (what Kafka's messages print). */
  path: string;
  /** End of the FileRecords slice of the whole dump (printed by some failures). */
  windowEnd: number;
  opts: DumpLogOptions;
  out: ByteSink;
  gap: OffsetGap;
}

/**
 * Formats the batches of [start, end) into `ctx.out`, as DumpLogSegments' loop does. `lastOffset`
 * is the offset of the record before the range (-1 at the start of a file, null if unknown).
 * With `stopAt`, the walk also stops at the first position at or after it where it would look for
 * an entry (a parallel chunk's end), without looking; `ended` says whether the walk itself ended
 * instead. Returns the position where the walk stopped and the last record offset; throws Kafka's
 * exception after printing what Kafka prints before it.
 */
export function formatRange(
  ctx: RangeContext,
  start: number,
  end: number,
  lastOffsetIn: Int64 | null,
  stopAt: number = Infinity,
): { position: number; lastOffset: Int64 | null; ended: boolean } {
  const { file, path, windowEnd, opts, out, gap } = ctx;
  let lastOffset = lastOffsetIn;
  // The stepping walk (walkEntries without its two generators: this is the dump's hot loop).
  // Entries larger than the window come header first: a shallow dump checks their checksum window
  // by window, so a damaged length field claiming megabytes is not read in one piece.
  const walker = new EntryWalker(file, start, end, true);
  for (;;) {
    // A parallel chunk stops before stepping onto the entry at or after `stopAt` (a step reads a
    // window there, 1 MiB that the next chunk reads again), unless the walk would end there anyway.
    // (If no entry frames there, the next chunk's start disagrees and the rest is the serial walk's.)
    const next = walker.nextPosition;
    if (next >= stopAt && next < end - HEADER_SIZE_UP_TO_MAGIC) return { position: next, lastOffset, ended: false };
    if (!walker.step()) {
      checkWalkEnd(walker, path);
      return { position: walker.position, lastOffset, ended: true };
    }
    const position = walker.entryPosition;
    if (opts.deepIteration) walker.load();
    const h = loadHeader(file, walker.buf, walker.at, position, windowEnd, path);
    // (Checked before the line is printed: it moves the window, the header is decoded already.)
    const crcValid = walker.whole ? isEntryCrcValid(walker.buf, walker.at, h) : entryChecksumMatches(file, position, h.sizeInBytes, h.magic);
    printBatchLine(out, h, position, crcValid);
    if (opts.deepIteration) lastOffset = dumpRecords(out, walker.buf, walker.at, h, opts, gap, lastOffset);
  }
}

/** The line after the walk: bytes of the window the walk did not reach, unless --max-bytes was given. */
export function trailingBytesLine(log: OpenedLog, opts: DumpLogOptions, position: number): string | null {
  const trailing = log.windowEnd - position;
  return trailing > 0 && opts.maxBytes === INT_MAX ? `Found ${trailing} invalid bytes at the end of ${log.name}\n` : null;
}

/** DumpLogSegments.dumpLog: a `.log` segment or a KRaft `.checkpoint`. */
export function dumpLog(path: string, opts: DumpLogOptions, io: DumpIO, reports: DumpReports): void {
  const log = openLog(path, opts, io);
  try {
    dumpOpenedLog(log, path, opts, io, reports);
  } finally {
    log.file.close();
  }
}

/** The serial walk of an opened log, from its start to the end of its window. */
export function dumpOpenedLog(log: OpenedLog, path: string, opts: DumpLogOptions, io: DumpIO, reports: DumpReports): void {
  const { absPath } = log;
  const gap: OffsetGap = (previous, next) => reports.nonConsecutiveOffset(absPath, previous!, next);
  const { position } = formatRange({ file: log.file, path, windowEnd: log.windowEnd, opts, out: io.out, gap }, 0, log.windowEnd, -1);
  const line = trailingBytesLine(log, opts, position);
  if (line !== null) io.out.text(line);
}

function printBatchLine(out: ByteSink, h: BatchHeader, position: number, crcValid: boolean): void {
  // Written straight into the sink's buffer (no per-line string, a word at a time for labels):
  // this is the hot path of shallow dumps. The text is exactly DumpLogSegments.printBatchLevel's.
  const dst = out.reserve(BATCH_LINE_ROOM);
  const view = out.view;
  let o = out.length;
  if (h.format === 'v2') {
    o = putLabel(view, o, L_BASE_OFFSET);
    o = putInt64(dst, view, o, h.baseOffset);
    o = putLabel(view, o, L_LAST_OFFSET);
    o = putInt64(dst, view, o, h.lastOffset);
    o = putLabel(view, o, L_COUNT);
    o = putDecimal(dst, view, o, h.recordCount);
    const flags = (h.isTransactional ? 2 : 0) + (h.isControl ? 1 : 0);
    const m = middle;
    if (
      m !== null &&
      h.baseSequence === -1 &&
      !h.hasDeleteHorizon &&
      h.producerId === m.producerId &&
      h.producerEpoch === m.producerEpoch &&
      h.partitionLeaderEpoch === m.leaderEpoch &&
      flags === m.flags &&
      h.lastSequence === -1
    ) {
      o = putLabel(view, o, m.text);
    } else {
      const from = o;
      o = putLabel(view, o, L_BASE_SEQUENCE);
      o = putDecimal(dst, view, o, h.baseSequence);
      o = putLabel(view, o, L_LAST_SEQUENCE);
      o = putDecimal(dst, view, o, h.lastSequence);
      o = putLabel(view, o, L_PRODUCER_ID);
      o = putInt64(dst, view, o, h.producerId);
      o = putLabel(view, o, L_PRODUCER_EPOCH);
      o = putDecimal(dst, view, o, h.producerEpoch);
      o = putLabel(view, o, L_LEADER_EPOCH);
      o = putDecimal(dst, view, o, h.partitionLeaderEpoch);
      o = putLabel(view, o, L_FLAGS[flags]!);
      if (h.hasDeleteHorizon) {
        o = putLabel(view, o, L_DELETE_HORIZON_OPEN);
        o = putInt64(dst, view, o, h.baseTimestamp);
        dst[o++] = 0x5d; // ]
      } else {
        o = putLabel(view, o, L_DELETE_HORIZON_EMPTY);
        if (h.baseSequence === -1 && h.lastSequence === -1) {
          const text = labelOf(dst.subarray(from, o));
          middle = { producerId: h.producerId, producerEpoch: h.producerEpoch, leaderEpoch: h.partitionLeaderEpoch, flags, text };
        }
      }
    }
    out.length = o;
    // Kafka prints the first half with print(), then fails here on an unknown codec id.
    checkCompression(h.compression);
    out.length = printBatchTail(dst, view, o, position, h.timestampType, h.maxTimestamp, h.sizeInBytes, h.magic, h.compression, h.crc, crcValid);
  } else {
    o = putLabel(view, o, L_LEGACY_OFFSET);
    o = putInt64(dst, view, o, h.offset);
    out.length = o;
    // LegacyRecord.headerSize(magic), on the way to the timestamp type.
    try {
      legacyHeaderSize(h.magic);
    } catch (e) {
      throw toJavaException(e);
    }
    checkCompression(h.compression);
    out.length = printBatchTail(dst, view, o, position, h.timestampType, h.timestamp, h.sizeInBytes, h.magic, h.compression, h.crc, crcValid);
  }
}

function printBatchTail(
  dst: Uint8Array,
  view: DataView,
  o: number,
  position: number,
  timestampType: string,
  maxTimestamp: Int64,
  size: number,
  magic: number,
  compression: number,
  crc: number,
  valid: boolean,
): number {
  o = putLabel(view, o, L_POSITION);
  o = putDecimal(dst, view, o, position);
  o = putLabel(view, o, L_TIMESTAMP[timestampType]!);
  o = putInt64(dst, view, o, maxTimestamp);
  o = putLabel(view, o, L_SIZE);
  o = putDecimal(dst, view, o, size);
  o = putLabel(view, o, L_MAGIC);
  o = putDecimal(dst, view, o, magic);
  o = putLabel(view, o, L_CODEC);
  o = putLabel(view, o, L_CODECS[compression]!);
  o = putLabel(view, o, L_CRC);
  o = putDecimal(dst, view, o, crc);
  return putLabel(view, o, valid ? L_VALID : L_INVALID);
}

function dumpRecords(
  out: ByteSink,
  buf: Uint8Array,
  at: number,
  h: BatchHeader,
  opts: DumpLogOptions,
  gap: OffsetGap,
  lastOffsetIn: Int64 | null,
): Int64 | null {
  if (h.format === 'v2' && opts.tuning?.recordLines !== false && (!opts.printContents || opts.parser.bytesAsText === true)) {
    const last = writeRecordLines(out, buf, at, h, opts, gap, lastOffsetIn);
    if (last !== undefined) {
      if (opts.tuning?.counters) opts.tuning.counters.recordLineBatches++;
      return last;
    }
  }
  let lastOffset = lastOffsetIn;
  const decoded = decodeEntryRecords(buf, at, h);
  const isControl = h.format === 'v2' && h.isControl;
  const legacy = h.format === 'legacy';
  const tsLabel = L_TIMESTAMP[h.timestampType]!;
  for (const r of decoded.records) {
    if (lastOffset === null || r.offset !== addInt64(lastOffset, 1)) gap(lastOffset, r.offset);
    lastOffset = r.offset;
    const faults = r.legacy?.faults;
    if (!opts.skipRecordMetadata) {
      // The line's first part is one string: its keySize() and valueSize() come before any of it.
      if (faults) throwFault(faults.keySize ?? faults.valueSize);
      out.label(L_RECORD_OFFSET);
      out.int(r.offset);
      out.label(tsLabel);
      out.int(r.timestamp);
      out.label(L_KEY_SIZE);
      out.int(r.keySize);
      out.label(L_VALUE_SIZE);
      out.int(r.valueSize);
      if (!legacy) {
        out.label(L_SEQUENCE);
        out.int(r.sequence);
        out.label(L_HEADER_KEYS);
        const hs = r.headers;
        for (let i = 0; i < hs.length; i++) {
          if (i > 0) out.text(',');
          out.text(hs[i]!.key);
        }
        out.text(']');
      } else {
        out.text(r.legacy!.isValid ? ' isValid: true crc: ' : ' isValid: false crc: ');
        out.int(r.legacy!.crc);
      }
      if (isControl) out.text(formatControlRecord(r.key, r.value));
    }
    if (opts.printContents && !isControl) {
      let prefix = opts.skipRecordMetadata ? '| ' : ' ';
      const t = opts.parser.parse(faults ? withFaults(r, faults) : r);
      if (t.key !== undefined) {
        out.text(`${prefix}key: `);
        write(out, t.key);
        prefix = ' ';
      }
      if (t.value !== undefined) {
        out.text(`${prefix}payload: `);
        write(out, t.value);
      }
    }
    out.text('\n');
  }
  if (decoded.error) throw toJavaException(decoded.error);
  return lastOffset;
}

function throwFault(e: FormatError | undefined): void {
  if (e) throw toJavaException(e);
}

/**
 * A damaged legacy message for the parsers: its key and value throw, when read, what LegacyRecord's
 * accessors throw (hasKey()/keySize() first, then key()), so each parser meets the failure where
 * Kafka's meets it, inside or outside its own error handling.
 */
function withFaults(r: LogRecord, faults: LegacyFaults): LogRecord {
  const copy = { ...r };
  const accessor = (size: number, sizeFault: FormatError | undefined, fault: FormatError | undefined, bytes: Uint8Array | null) => ({
    get: () => {
      throwFault(sizeFault);
      if (size < 0) return null;
      throwFault(fault);
      return bytes;
    },
  });
  Object.defineProperty(copy, 'key', accessor(r.keySize, faults.keySize, faults.key, r.key));
  Object.defineProperty(copy, 'value', accessor(r.valueSize, faults.valueSize, faults.value, r.value));
  return copy;
}

function write(out: ByteSink, t: DecodedText): void {
  if (typeof t === 'string') out.text(t);
  else out.javaUtf8(t);
}

export type { LegacyEntryHeader, RecordBatchHeader };
