import { decompress, type CompressionTypeId } from '../codec/index.js';
import { type RecordBatchHeader, RECORD_BATCH_OVERHEAD, incrementSequence } from '../format/batch.js';
import type { Int64 } from '../format/int64.js';
import type { OffsetGap } from './log.js';
import { HEADER_FIELDS, RecordFields, readRecordFields } from '../format/record.js';
import { type ByteSink, type Label, label, putJavaUtf8, putDecimal, putLabel } from './output.js';

/**
 * The record lines of a v2 batch in a deep dump, written straight from the batch's bytes: the
 * fields are read in place (format/record.ts readRecordFields) and printed into the sink's buffer,
 * with no LogRecord, view or string per record (which field each part prints: log.ts's header).
 * This is the common case of --deep-iteration and --print-data-log; everything else (and every
 * failure) is left to the general path in log.ts, which is the reference: this writer either
 * prints exactly what it would, or nothing (DumpTuning.recordLines turns it off, for comparison).
 */

// Labels of the record lines (the general path in log.ts writes them too).
export const L_RECORD_OFFSET = label('| offset: ');
export const L_KEY_SIZE = label(' keySize: ');
export const L_VALUE_SIZE = label(' valueSize: ');
export const L_SEQUENCE = label(' sequence: ');
export const L_HEADER_KEYS = label(' headerKeys: [');
/** The same two labels around the sequence of a batch without one (most producers). */
const L_NO_SEQUENCE_HEADER_KEYS = label(' sequence: -1 headerKeys: [');
const L_KEY = label('key: ');
const L_PAYLOAD = label('payload: ');
/** ` <TimestampType>: ` per type name (batch lines too). */
export const L_TIMESTAMP: Record<string, Label> = {
  CreateTime: label(' CreateTime: '),
  LogAppendTime: label(' LogAppendTime: '),
  NoTimestampType: label(' NoTimestampType: '),
};

/** Output bytes per record besides its key, value and header-key bytes (labels and 6 numbers). */
const LINE_ROOM = 200;

const fields = new RecordFields();

export interface RecordLineOptions {
  printContents: boolean;
  skipRecordMetadata: boolean;
}

/**
 * Writes the record lines of the v2 batch at `buf[at, at + h.sizeInBytes)` and returns the last
 * record's offset, or returns undefined having written nothing when the general path must do it:
 * a control batch, a record that fails to decode, an int64 past 2^53, or more output than the sink
 * holds at once. Offsets that do not follow on are reported to `gap` once the batch is written.
 * Keys and values print as Java prints `new String(bytes, UTF_8)` (the default StringDecoder).
 */
export function writeRecordLines(
  out: ByteSink,
  buf: Uint8Array,
  at: number,
  h: RecordBatchHeader,
  opts: RecordLineOptions,
  gap: OffsetGap,
  lastOffset: Int64 | null,
): Int64 | undefined {
  const count = h.recordCount;
  const baseOffset = h.baseOffset;
  if (h.isControl || count <= 0 || h.compression > 4 || typeof lastOffset !== 'number' || typeof baseOffset !== 'number') return undefined;
  const logAppendTime = h.timestampType === 'LogAppendTime';
  const batchTime = logAppendTime ? h.maxTimestamp : h.baseTimestamp;
  if (typeof batchTime !== 'number') return undefined;

  let data = buf;
  let p = at + RECORD_BATCH_OVERHEAD;
  let end = at + h.sizeInBytes;
  if (h.compression !== 0) {
    try {
      data = decompress(h.compression as CompressionTypeId, buf.subarray(p, end), { magic: 2 });
    } catch {
      return undefined;
    }
    p = 0;
    end = data.length;
  }
  // Room for the whole batch up front: no flush can happen below, so giving up rewinds cleanly.
  const room = LINE_ROOM * count + 4 * (end - p);
  if (room > out.capacity) return undefined;
  const dst = out.reserve(room);
  const dstView = out.view;
  const srcView = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const mark = out.length;
  let o = mark;

  const { printContents, skipRecordMetadata } = opts;
  const tsLabel = L_TIMESTAMP[h.timestampType]!;
  const baseSequence = h.baseSequence;
  const f = fields;
  const hs = f.headers;
  let offset = lastOffset;
  // (previous, next) pairs, reported only if the whole batch is written.
  let gaps: number[] | null = null;
  for (let i = 0; i < count; i++) {
    if (p >= end) return giveUp(out, mark);
    try {
      readRecordFields(data, p, end, f);
    } catch {
      return giveUp(out, mark);
    }
    p = f.end;
    const recordOffset = baseOffset + f.offsetDelta;
    if (!Number.isSafeInteger(recordOffset)) return giveUp(out, mark);
    if (recordOffset !== offset + 1) (gaps ??= []).push(offset, recordOffset);
    offset = recordOffset;
    if (!skipRecordMetadata) {
      let timestamp = batchTime;
      if (!logAppendTime) {
        const delta = f.timestampDelta;
        if (typeof delta !== 'number') return giveUp(out, mark);
        timestamp += delta;
        if (!Number.isSafeInteger(timestamp)) return giveUp(out, mark);
      }
      o = putLabel(dstView, o, L_RECORD_OFFSET);
      o = putDecimal(dst, dstView, o, recordOffset);
      o = putLabel(dstView, o, tsLabel);
      o = putDecimal(dst, dstView, o, timestamp);
      o = putLabel(dstView, o, L_KEY_SIZE);
      o = putDecimal(dst, dstView, o, f.keyLength < 0 ? -1 : f.keyLength);
      o = putLabel(dstView, o, L_VALUE_SIZE);
      o = putDecimal(dst, dstView, o, f.valueLength < 0 ? -1 : f.valueLength);
      if (baseSequence >= 0) {
        o = putLabel(dstView, o, L_SEQUENCE);
        o = putDecimal(dst, dstView, o, incrementSequence(baseSequence, f.offsetDelta));
        o = putLabel(dstView, o, L_HEADER_KEYS);
      } else {
        o = putLabel(dstView, o, L_NO_SEQUENCE_HEADER_KEYS);
      }
      for (let k = 0, n = f.headerCount * HEADER_FIELDS; k < n; k += HEADER_FIELDS) {
        if (k > 0) dst[o++] = 0x2c; // ,
        o = putJavaUtf8(dst, dstView, o, data, srcView, hs[k + 1]!, hs[k + 1]! + hs[k + 2]!);
      }
      dst[o++] = 0x5d; // ]
    }
    if (printContents) {
      let first = skipRecordMetadata;
      if (f.keyLength >= 0) {
        if (first) dst[o++] = 0x7c; // |
        dst[o++] = 0x20;
        first = false;
        o = putLabel(dstView, o, L_KEY);
        o = putJavaUtf8(dst, dstView, o, data, srcView, f.keyStart, f.keyStart + f.keyLength);
      }
      if (f.valueLength >= 0) {
        if (first) dst[o++] = 0x7c;
        dst[o++] = 0x20;
        o = putLabel(dstView, o, L_PAYLOAD);
        o = putJavaUtf8(dst, dstView, o, data, srcView, f.valueStart, f.valueStart + f.valueLength);
      }
    }
    dst[o++] = 0x0a;
  }
  // Bytes left after the last record: Kafka's "records still remaining" failure.
  if (p < end) return giveUp(out, mark);
  out.length = o;
  if (gaps !== null) for (let k = 0; k < gaps.length; k += 2) gap(gaps[k]!, gaps[k + 1]!);
  return offset;
}

function giveUp(out: ByteSink, mark: number): undefined {
  out.length = mark;
  return undefined;
}
