import { decompressStream, javaArrayFailure, javaText, type CompressionTypeId, type JavaFailure, type StreamContent } from '../codec/index.js';
import { type RecordBatchHeader, RECORD_BATCH_OVERHEAD, incrementSequence } from './batch.js';
import { FormatError } from './errors.js';
import { type Int64, addInt64 } from './int64.js';
import type { LegacyFaults } from './legacy.js';
import { utf8 } from './utf8.js';
import { readVarint, readVarlong, sizeOfVarint } from './varint.js';

/*
 * The records of a v2 batch (DefaultRecord), after the batch's 61-byte header (format/batch.ts) or
 * off its decompressed stream. Each record, in order (varints zigzag-encoded, as Kafka's ByteUtils):
 *
 *   length           varint   bytes after this field
 *   attributes       int8     unused, 0
 *   timestampDelta   varlong  from the batch's baseTimestamp
 *   offsetDelta      varint   from the batch's baseOffset
 *   keyLength        varint   -1: a null key
 *   key              bytes
 *   valueLength      varint   -1: a null value
 *   value            bytes
 *   headerCount      varint
 *   headers          headerCount times:
 *     keyLength      varint
 *     key            bytes    UTF-8
 *     valueLength    varint   -1: a null value
 *     value          bytes
 *
 * Read here: readRecordFields / readRecordBody fill a RecordFields with where each field lies
 * (nothing allocated per record); decodeBatchRecords makes LogRecords of them (offset =
 * baseOffset + offsetDelta, timestamp = baseTimestamp + timestampDelta or the batch's
 * maxTimestamp under LogAppendTime, sequence = baseSequence + offsetDelta), with each field's byte
 * span on request. Legacy messages (magic 0/1) are legacy.ts's; an entry of either kind, entry.ts.
 *
 * Printed by: dump/record-lines.ts (kafka-dump-log's record lines straight from RecordFields, the
 * fast path), dump/log.ts dumpRecords (the same lines from LogRecords: every other case), view/
 * records.ts (kseg cat), view/explain.ts (kseg explain: every field's bytes, from the spans).
 */

export interface RecordHeader {
  key: string;
  /** null for a header whose value length is negative. */
  value: Uint8Array | null;
}

/** Byte spans of one v2 record's fields, relative to the buffer the record was decoded from. */
export interface RecordSpans {
  length: [number, number];
  attributes: [number, number];
  timestampDelta: [number, number];
  offsetDelta: [number, number];
  keyLength: [number, number];
  key: [number, number];
  valueLength: [number, number];
  value: [number, number];
  headerCount: [number, number];
  headers: Array<{ keyLength: [number, number]; key: [number, number]; valueLength: [number, number]; value: [number, number] }>;
}

/**
 * One record, as a consumer would see it, from either a v2 batch or a legacy message set.
 * `key`/`value` are views into the batch (or decompressed) bytes, never copies.
 */
export interface LogRecord {
  /**
   * Position of the record: absolute file position for uncompressed batches and legacy entries;
   * for records of a compressed batch, the position within the decompressed records stream.
   */
  position: number;
  sizeInBytes: number;
  offset: Int64;
  timestamp: Int64;
  /** Raw length fields: negative means null (v2: any negative; legacy: the int32 as stored). */
  keySize: number;
  valueSize: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
  /** v2: the record's sequence (-1 when the batch has none). Legacy: -1. */
  sequence: number;
  /** v2 only: record attributes byte, timestamp and offset deltas. */
  attributes: number;
  offsetDelta: number;
  timestampDelta: Int64;
  /** Legacy only: the message's magic, its stored CRC-32 and whether it matches. */
  legacy?: {
    magic: number;
    attributes: number;
    crc: number;
    isValid: boolean;
    timestampType: string;
    /** The offset field as stored (inner messages of a v1 wrapper store relative offsets). */
    storedOffset: Int64;
    /** The message's own timestamp field (-1 for magic 0), before any LogAppendTime override. */
    storedTimestamp: Int64;
    /** Where Kafka's accessors of this (damaged) message throw. */
    faults?: LegacyFaults;
  };
  spans?: RecordSpans;
}

/** Records decoded from a batch, and the error that stopped decoding if any. */
export interface DecodedRecords {
  records: LogRecord[];
  /** Set when decoding failed; `records` then holds those decoded before the failure. */
  error?: FormatError;
  /** For compressed batches: the decompressed records bytes (positions refer to it). */
  decompressed?: Uint8Array;
  /**
   * For compressed batches whose payload fails to decompress (the codec's CodecError), whether or
   * not the reading got as far as the failure (Kafka's readers may stop on a bad record first).
   */
  payloadError?: unknown;
}

export function invalid(message: string, position: number, cause?: unknown): FormatError {
  return new FormatError('InvalidRecord', message, position, cause === undefined ? undefined : { cause });
}

/**
 * The fields of one v2 record as positions in its buffer, filled in place by readRecordFields:
 * nothing is allocated per record, so the dump's record lines (and decodeBatchRecords) read the bytes
 * where they lie. Lengths are the raw varints: negative means null.
 */
export class RecordFields {
  /** Position of the length varint (the record's first byte) and of the body after it. */
  start = 0;
  bodyStart = 0;
  sizeOfBody = 0;
  /** Position after the record. */
  end = 0;
  attributes = 0;
  timestampDeltaStart = 0;
  timestampDelta: Int64 = 0;
  offsetDeltaStart = 0;
  offsetDelta = 0;
  keyLengthStart = 0;
  keyStart = 0;
  keyLength = -1;
  valueLengthStart = 0;
  valueStart = 0;
  valueLength = -1;
  headerCountStart = 0;
  headersStart = 0;
  headerCount = 0;
  /**
   * HEADER_FIELDS numbers per header: key-length varint position, key position, key length,
   * value-length varint position, value position, value length (negative: null).
   */
  headers: number[] = [];
}
export const HEADER_FIELDS = 6;

/** Position after the varint last read by zigzag() (a slot, not a result object per call). */
let after = 0;

/** A zigzag varint at `p`; one-byte values (most lengths and deltas) without a call. */
function zigzag(buf: Uint8Array, p: number, end: number): number {
  if (p < end) {
    const b = buf[p]!;
    if (b < 0x80) {
      after = p + 1;
      return (b >>> 1) ^ -(b & 1);
    }
  }
  const r = readVarint(buf, p, end);
  after = r.next;
  return r.value;
}

/** Where the bytes of the last sizedBytes() field start. */
let bytesStart = 0;

/**
 * A length varint at `p` and the bytes it announces (none if negative, which means null): returns
 * the length, leaves the bytes' position in `bytesStart` and the position after them in `after`.
 */
function sizedBytes(buf: Uint8Array, p: number, end: number, what: string): number {
  const length = zigzag(buf, p, end);
  const start = after;
  bytesStart = start;
  if (length >= 0) {
    if (start + length > end) throw new FormatError('IllegalArgument', `${what} past end`, start);
    after = start + length;
  }
  return length;
}

/**
 * Reads one v2 record at `pos` of `buf` (records end at `end`) into `f`, as DefaultRecord.readFrom
 * does on an uncompressed batch's buffer, with its checks and error messages. The next record starts
 * at `f.end`. The size varint comes first, outside the body's checks: a batch that ends inside it
 * is "premature EOF" (what Kafka's batch iterator makes of the BufferUnderflowException), an
 * over-long one escapes as IllegalArgumentException.
 */
export function readRecordFields(buf: Uint8Array, pos: number, end: number, f: RecordFields): void {
  let sizeOfBody: number;
  try {
    sizeOfBody = zigzag(buf, pos, end);
  } catch (e) {
    if (e instanceof FormatError && e.kind === 'BufferUnderflow') throw invalid(PREMATURE_EOF, pos, e);
    throw e;
  }
  const p = after;
  const remaining = end - p;
  if (remaining < sizeOfBody) {
    throw invalid(
      `Invalid record size: expected ${sizeOfBody} bytes in record payload, but instead the buffer has only ${remaining} remaining bytes.`,
      pos,
    );
  }
  readRecordBody(buf, pos, p, sizeOfBody, end, f);
}

export const PREMATURE_EOF = 'Incorrect declared batch size, premature EOF reached';

/**
 * The body of a v2 record whose size varint at `pos` said `sizeOfBody` and ended at `p`, read as
 * DefaultRecord.readFrom(ByteBuffer, size, ...) does with the buffer's limit at `end`: the batch's
 * end for an uncompressed batch, the record's own end for a record read off a decompression stream.
 */
export function readRecordBody(buf: Uint8Array, pos: number, bodyStart: number, sizeOfBody: number, end: number, f: RecordFields): void {
  let p = bodyStart;
  f.start = pos;
  f.bodyStart = p;
  f.sizeOfBody = sizeOfBody;
  // Reads may run up to `end`, past the record; only the final size check ties the body to
  // sizeOfBody. Underflows are "invalid record structure".
  try {
    f.attributes = buf[p++]!;
    if (p > end) throw new FormatError('BufferUnderflow', '', p);
    f.timestampDeltaStart = p;
    const t = p < end ? buf[p]! : 0x80;
    if (t < 0x80) {
      f.timestampDelta = (t >>> 1) ^ -(t & 1);
      p++;
    } else {
      const ts = readVarlong(buf, p, end);
      f.timestampDelta = ts.value;
      p = ts.next;
    }
    f.offsetDeltaStart = p;
    f.offsetDelta = zigzag(buf, p, end);
    p = after;
    f.keyLengthStart = p;
    f.keyLength = sizedBytes(buf, p, end, 'key');
    f.keyStart = bytesStart;
    p = after;
    f.valueLengthStart = p;
    f.valueLength = sizedBytes(buf, p, end, 'value');
    f.valueStart = bytesStart;
    p = after;
    const hcStart = p;
    f.headerCountStart = p;
    const numHeaders = zigzag(buf, p, end);
    p = after;
    f.headersStart = p;
    if (numHeaders < 0) throw invalid(`Found invalid number of record headers ${numHeaders}`, hcStart);
    if (numHeaders > end - p) {
      throw invalid(`Found invalid number of record headers. ${numHeaders} is larger than the remaining size of the buffer`, hcStart);
    }
    f.headerCount = numHeaders;
    const hs = f.headers;
    for (let i = 0, k = 0; i < numHeaders; i++, k += HEADER_FIELDS) {
      hs[k] = p;
      const hkl = zigzag(buf, p, end);
      p = after;
      if (hkl < 0) throw invalid(`Invalid negative header key size ${hkl}`, hs[k]!);
      if (p + hkl > end) throw new FormatError('IllegalArgument', 'header key past end', p);
      hs[k + 1] = p;
      hs[k + 2] = hkl;
      p += hkl;
      hs[k + 3] = p;
      hs[k + 5] = sizedBytes(buf, p, end, 'header value');
      hs[k + 4] = bytesStart;
      p = after;
    }
    if (p - f.bodyStart !== sizeOfBody) {
      throw invalid(
        `Invalid record size: expected to read ${sizeOfBody} bytes in record payload, but instead read ${p - f.bodyStart}`,
        pos,
      );
    }
    f.end = p;
  } catch (e) {
    if (e instanceof FormatError && e.kind === 'InvalidRecord') throw e;
    throw invalid('Found invalid record structure', pos, e);
  }
}

const SCRATCH = new RecordFields();

/** The LogRecord of fields read by readRecordFields (key, value and header values are views). */
function recordFromFields(buf: Uint8Array, f: RecordFields, batch: RecordBatchHeader, withSpans: boolean): LogRecord {
  const pos = f.start;
  const numHeaders = f.headerCount;
  const headers: RecordHeader[] = numHeaders === 0 ? EMPTY_HEADERS : new Array(numHeaders);
  const hs = f.headers;
  for (let i = 0, k = 0; i < numHeaders; i++, k += HEADER_FIELDS) {
    const hvl = hs[k + 5]!;
    headers[i] = { key: utf8(buf, hs[k + 1]!, hs[k + 1]! + hs[k + 2]!), value: hvl >= 0 ? view(buf, hs[k + 4]!, hvl) : null };
  }
  const offsetDelta = f.offsetDelta;
  const record: LogRecord = {
    position: pos,
    // Kafka's DefaultRecord.sizeInBytes (the next record starts at f.end, where the reader stopped).
    sizeInBytes: sizeOfVarint(f.sizeOfBody) + f.sizeOfBody,
    offset: addInt64(batch.baseOffset, offsetDelta),
    timestamp: batch.timestampType === 'LogAppendTime' ? batch.maxTimestamp : addInt64(batch.baseTimestamp, f.timestampDelta),
    keySize: f.keyLength < 0 ? -1 : f.keyLength,
    valueSize: f.valueLength < 0 ? -1 : f.valueLength,
    key: f.keyLength >= 0 ? view(buf, f.keyStart, f.keyLength) : null,
    value: f.valueLength >= 0 ? view(buf, f.valueStart, f.valueLength) : null,
    headers,
    sequence: batch.baseSequence >= 0 ? incrementSequence(batch.baseSequence, offsetDelta) : -1,
    attributes: f.attributes,
    offsetDelta,
    timestampDelta: f.timestampDelta,
  };
  if (withSpans) {
    const headerSpans: RecordSpans['headers'] = [];
    for (let i = 0, k = 0; i < numHeaders; i++, k += HEADER_FIELDS) {
      const valueEnd = hs[k + 5]! >= 0 ? hs[k + 4]! + hs[k + 5]! : hs[k + 4]!;
      headerSpans.push({ keyLength: [hs[k]!, hs[k + 1]!], key: [hs[k + 1]!, hs[k + 3]!], valueLength: [hs[k + 3]!, hs[k + 4]!], value: [hs[k + 4]!, valueEnd] });
    }
    const keyEnd = f.keyLength >= 0 ? f.keyStart + f.keyLength : f.keyStart;
    const valueEnd = f.valueLength >= 0 ? f.valueStart + f.valueLength : f.valueStart;
    record.spans = {
      length: [pos, f.bodyStart],
      attributes: [f.bodyStart, f.bodyStart + 1],
      timestampDelta: [f.timestampDeltaStart, f.offsetDeltaStart],
      offsetDelta: [f.offsetDeltaStart, f.keyLengthStart],
      keyLength: [f.keyLengthStart, f.keyStart],
      key: [f.keyStart, keyEnd],
      valueLength: [f.valueLengthStart, f.valueStart],
      value: [f.valueStart, valueEnd],
      headerCount: [f.headerCountStart, f.headersStart],
      headers: headerSpans,
    };
  }
  return record;
}

export const EMPTY_HEADERS: RecordHeader[] = [];

/**
 * A plain Uint8Array view of buf[start, start+length): cheaper than Buffer#subarray (which goes
 * through the species constructor) on the per-record hot path.
 */
function view(buf: Uint8Array, start: number, length: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + start, length);
}

/**
 * Decodes the records of a v2 batch whose bytes are `buf[at, at + header.sizeInBytes)`.
 * Mirrors DefaultRecordBatch's iterators: uncompressed records are read in place (an error leaves
 * the records read before it); compressed records are read off the decompression stream as Kafka's
 * reader gets it (codec decompressStream), all of them before any is handed out.
 */
export function decodeBatchRecords(
  buf: Uint8Array,
  at: number,
  header: RecordBatchHeader,
  options: { withSpans?: boolean } = {},
): DecodedRecords {
  const records: LogRecord[] = [];
  // DefaultRecordBatch.iterator() reads the count from the batch it loaded: a batch shorter than
  // its header has none there.
  if (header.sizeInBytes < RECORD_BATCH_OVERHEAD) return { records, error: javaError('java.lang.IndexOutOfBoundsException', null, header.position) };
  const count = header.recordCount;
  // No records, no stream; a compressed batch opens its stream before the record count is checked.
  if (count === 0) return { records };
  const invalidCount = () => invalid(`Found invalid record count ${count} in magic v${header.magic} batch`, header.position + 57);
  const withSpans = options.withSpans ?? false;
  const end = at + header.sizeInBytes;
  if (header.compression === 0) {
    if (count < 0) return { records, error: invalidCount() };
    // Positions are absolute file positions: at <-> header.position.
    const shift = header.position - at;
    let p = at + RECORD_BATCH_OVERHEAD;
    for (let i = 0; i < count; i++) {
      let r: LogRecord;
      try {
        readRecordFields(buf, p, end, SCRATCH);
        r = recordFromFields(buf, SCRATCH, header, withSpans);
      } catch (e) {
        return { records, error: withPosition(e, shift) };
      }
      p = SCRATCH.end;
      r.position += shift;
      if (r.spans) shiftSpans(r.spans, shift);
      if (i === count - 1 && p < end) {
        return { records, error: invalid('Incorrect declared batch size, records still remaining in file', header.position + (p - at)) };
      }
      records.push(r);
    }
    return { records };
  }
  if (header.compression > 4) {
    return { records, error: new FormatError('IllegalArgument', `Unknown compression type id: ${header.compression}`, header.position + 21) };
  }
  const content = decompressStream(header.compression as CompressionTypeId, buf.subarray(at + RECORD_BATCH_OVERHEAD, end), { magic: 2, bufferOffset: RECORD_BATCH_OVERHEAD });
  const decoded = streamRecords(content, count, invalidCount, header, withSpans);
  if (content.cause !== undefined) decoded.payloadError = content.cause;
  return decoded;
}

function streamRecords(content: StreamContent, count: number, invalidCount: () => FormatError, header: RecordBatchHeader, withSpans: boolean): DecodedRecords {
  if (content.openFailure) return { records: [], error: openError(content.openFailure, header.position, content.cause) };
  if (count < 0) return { records: [], error: invalidCount() };
  // The records are collected into an ArrayList sized by the count before any is read.
  const list = javaArrayFailure(count, 4);
  if (list) return { records: [], error: new FormatError('OutOfMemory', list.javaMessage!, header.position) };
  return readStreamRecords(content, header, withSpans);
}

/** An exception that escapes Kafka's readers as it is. */
export function javaError(javaClass: string, javaMessage: string | null, position: number): FormatError {
  return new FormatError('Java', javaMessage ?? '', position, { java: { javaClass, javaMessage, io: false } });
}

/** Kafka's record readers cannot open a decompression stream: KafkaException(cause). */
export function openError(f: JavaFailure, position: number, cause: unknown): FormatError {
  return new FormatError('Kafka', javaText(f), position, { cause });
}

/** The largest record body Kafka's stream reader takes (DefaultRecordBatch's maxRecordBodySize). */
export const MAX_RECORD_BODY = 2147483639;

/** `new byte[size]` in the reference tool: OutOfMemoryError past its heap. */
export function javaAllocate(size: number, position: number): void {
  const f = javaArrayFailure(size);
  if (f) throw new FormatError('OutOfMemory', f.javaMessage!, position);
}

/** The failure a read past the stream's data meets, as Kafka's stream record iterator reports it. */
function readError(content: StreamContent, position: number): FormatError {
  const f = content.failure!;
  return f.io ? decompressionError(content.cause, position) : new FormatError('Java', javaText(f), position, { java: f, cause: content.cause });
}

/**
 * The records of a compressed v2 batch, read off its decompression stream as DefaultRecordBatch's
 * stream iterator does (DefaultRecord.readFrom(InputStream)): each record's size varint, then its
 * body copied whole and parsed within its own bounds; after the last, one more byte must not be
 * there. Kafka collects the records before handing out any, so a failure leaves none.
 */
function readStreamRecords(content: StreamContent, header: RecordBatchHeader, withSpans: boolean): DecodedRecords {
  const data = content.data;
  const n = data.length;
  const position = header.position;
  const fail = (error: FormatError): DecodedRecords => ({ records: [], decompressed: data, error });
  const records: LogRecord[] = [];
  let p = 0;
  for (let i = 0; i < header.recordCount; i++) {
    const start = p;
    // ByteUtils.readVarint(InputStream): a byte past the end reads as -1, i.e. 0xff, so an
    // unfinished varint runs to its fifth byte and fails as over-long: "premature EOF".
    let value = 0;
    let k = 0;
    for (; k < 5; k++) {
      let b: number;
      if (p < n) b = data[p++]!;
      else if (content.failure) return fail(readError(content, position));
      else b = 0xff;
      value |= (b & 0x7f) << (7 * k);
      if (b < 0x80) break;
    }
    if (k === 5) return fail(invalid(PREMATURE_EOF, position));
    const size = (value >>> 1) ^ -(value & 1);
    if (size < 0) return fail(invalid(`Invalid record size: ${size} is negative.`, position));
    if (size > MAX_RECORD_BODY) return fail(invalid(`Invalid record size: ${size} exceeds the configured maximum record size of ${MAX_RECORD_BODY}.`, position));
    try {
      javaAllocate(size, position);
    } catch (e) {
      return fail(e as FormatError);
    }
    if (n - p < size) {
      if (content.failure) return fail(readError(content, position));
      return fail(invalid(`Invalid record size: expected ${size} bytes in record payload, but the record payload reached EOF.`, position));
    }
    try {
      readRecordBody(data, start, p, size, p + size, SCRATCH);
      records.push(recordFromFields(data, SCRATCH, header, withSpans));
    } catch (e) {
      return fail(e instanceof FormatError ? e : invalid(String(e), position));
    }
    p += size;
  }
  if (p < n) return fail(invalid('Incorrect declared batch size, records still remaining in file', position));
  if (content.failure) {
    const f = content.failure;
    return fail(f.io ? new FormatError('Kafka', 'Error checking for remaining bytes after reading batch', position, { cause: content.cause }) : readError(content, position));
  }
  return { records, decompressed: data };
}

function decompressionError(e: unknown, position: number): FormatError {
  // Kafka's message; the codec's own explanation stays available as the cause.
  return new FormatError('Decompression', 'Failed to decompress record stream', position, { cause: e });
}

function withPosition(e: unknown, shift: number): FormatError {
  if (e instanceof FormatError) {
    return new FormatError(e.kind, e.message, e.position >= 0 ? e.position + shift : -1, { cause: e.cause });
  }
  return invalid(String(e), -1, e);
}

function shiftSpans(spans: RecordSpans, shift: number): void {
  for (const k of ['length', 'attributes', 'timestampDelta', 'offsetDelta', 'keyLength', 'key', 'valueLength', 'value', 'headerCount'] as const) {
    spans[k] = [spans[k][0] + shift, spans[k][1] + shift];
  }
  for (const h of spans.headers) {
    h.keyLength = [h.keyLength[0] + shift, h.keyLength[1] + shift];
    h.key = [h.key[0] + shift, h.key[1] + shift];
    h.valueLength = [h.valueLength[0] + shift, h.valueLength[1] + shift];
    h.value = [h.value[0] + shift, h.value[1] + shift];
  }
}
