import { decompressStream, crc32, javaText, type CompressionTypeId, type StreamContent } from '../codec/index.js';
import { type LegacyEntryHeader, LOG_OVERHEAD, MIN_RECORD_OVERHEAD, decodeLegacyEntryHeader, legacyHeaderSize } from './batch.js';
import { FormatError } from './errors.js';
import { type Int64, addInt64, readInt32, readInt8, readInt64, readUint32 } from './int64.js';
import { type DecodedRecords, type LogRecord, EMPTY_HEADERS, MAX_RECORD_BODY, invalid, javaAllocate, javaError, openError } from './record.js';

/*
 * Legacy message sets (magic 0 and 1, LegacyRecord): every entry of such a segment is one message,
 * laid out from the entry's start as
 *
 *    0  offset       int64   a wrapper's: the offset of its last inner message (absolute)
 *    8  size         int32   bytes after this field
 *   12  crc          uint32  CRC-32 of bytes 16 to the end
 *   16  magic        int8    0 or 1
 *   17  attributes   int8    bits 0-2 codec, bit 3 timestamp type (v1)
 *   18  timestamp    int64   v1 only
 *   18 (v0) / 26 (v1)
 *       keyLength    int32   -1: a null key
 *       key          bytes
 *       valueLength  int32   -1: a null value
 *       value        bytes   of a compressed wrapper: its inner messages, as one compressed stream
 *
 * An uncompressed message is one record. A compressed wrapper's value decompresses to inner
 * messages laid out the same way (offset relative to the wrapper's under v1). The entry header is
 * decoded in format/batch.ts (decodeLegacyEntryHeader); key, value and inner messages here.
 *
 * Printed by dump/log.ts (the batch line: printBatchLine; its records: dumpRecords), view/records.ts
 * (kseg cat) and view/explain.ts (legacyMessageLayout: every field's bytes).
 */

/**
 * One legacy message (LegacyRecord) whose entry starts at `at` and whose record bytes (CRC onwards)
 * end at `end`, read as LegacyRecord's accessors read them: each at its own moment, so a damaged
 * message fails only where Kafka's tool touches the broken field (see LegacyFaults). Offsets of
 * the size fields follow the magic byte: 0 is v0, anything else v1.
 */
function decodeLegacyMessage(buf: Uint8Array, at: number, end: number) {
  const r = at + LOG_OVERHEAD;
  const limit = end - r;
  const magic = readInt8(buf, at + 16);
  const attributes = buf[at + 17]!;
  const faults: LegacyFaults = {};
  const outOfBounds = (): FormatError => javaError('java.lang.IndexOutOfBoundsException', null, at);
  // ByteBuffer.getInt(index) and Utils.sizeDelimited: the length, then a slice of it.
  const sized = (off: number, which: 'key' | 'value') => {
    if (off < 0 || off > limit - 4) {
      const e = outOfBounds();
      faults[which === 'key' ? 'keySize' : 'valueSize'] = e;
      faults[which] = e;
      return { size: -1, bytes: null };
    }
    const size = readInt32(buf, r + off);
    if (size < 0) return { size, bytes: null };
    const room = limit - off - 4;
    if (size > room) {
      faults[which] = new FormatError('IllegalArgument', `newLimit > capacity: (${size} > ${room})`, at);
      return { size, bytes: null };
    }
    return { size, bytes: buf.subarray(r + off + 4, r + off + 4 + size) };
  };
  const k = sized(magic === 0 ? 6 : 14, 'key');
  let v: { size: number; bytes: Uint8Array | null };
  if (faults.keySize) {
    faults.valueSize = faults.value = faults.keySize;
    v = { size: -1, bytes: null };
  } else {
    v = sized(((magic === 0 ? 10 : 18) + Math.max(0, k.size)) | 0, 'value');
  }
  const crc = readUint32(buf, at + 12);
  const isValid = limit >= MIN_RECORD_OVERHEAD && crc === crc32(buf.subarray(at + 16, end));
  const anyFault = faults.keySize || faults.valueSize || faults.key || faults.value;
  // The value's place in the log entry (its slice's offset in the entry's array).
  const valueAt = v.bytes === null ? -1 : v.bytes.byteOffset - buf.byteOffset - at;
  return { size: limit, magic, attributes, keySize: k.size, key: k.bytes, valueSize: v.size, value: v.bytes, valueAt, crc, isValid, faults: anyFault ? faults : undefined };
}

/**
 * Where LegacyRecord's accessors of a damaged message throw (an IndexOutOfBoundsException for a
 * size field past the message's end, an IllegalArgumentException for a key or value longer than
 * what follows it). Kafka's tool meets them as it prints: keySize/valueSize in a record line's
 * metadata, key/value when it decodes the contents; the record's `key`/`value` are null then.
 */
export interface LegacyFaults {
  keySize?: FormatError;
  valueSize?: FormatError;
  key?: FormatError;
  value?: FormatError;
}

/** Where a legacy message's key and value lie, read leniently (for views of damaged bytes too). */
export interface LegacyMessageLayout {
  /** Position of the key length field, relative to the entry start. */
  keySizeAt: number;
  keySize: number;
  valueSizeAt: number;
  /** -1 when the length field itself lies past the entry. */
  valueSize: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
}

/**
 * The key/value layout of the legacy message at `buf[at, at + sizeInBytes)`. Never throws: lengths
 * that run past the entry give truncated views, a value length past the entry reads as -1.
 */
export function legacyMessageLayout(buf: Uint8Array, at: number, header: LegacyEntryHeader): LegacyMessageLayout {
  const end = at + header.sizeInBytes;
  const keySizeAt = legacyHeaderSize(header.magic);
  const keySize = at + keySizeAt + 4 <= end ? readInt32(buf, at + keySizeAt) : -1;
  const valueSizeAt = keySizeAt + 4 + Math.max(keySize, 0);
  const valueSize = at + valueSizeAt + 4 <= end ? readInt32(buf, at + valueSizeAt) : -1;
  const clip = (start: number, len: number) => buf.subarray(Math.min(at + start, end), Math.min(at + start + len, end));
  return {
    keySizeAt,
    keySize,
    valueSizeAt,
    valueSize,
    key: keySize >= 0 ? clip(keySizeAt + 4, keySize) : null,
    value: valueSize >= 0 ? clip(valueSizeAt + 4, valueSize) : null,
  };
}

/**
 * The LogRecord of a legacy message `m` whose entry header is `h`, inside the entry `outer` (the
 * same entry, or the compressed wrapper that holds it): timestamp type from the outer entry, offset
 * and timestamp as stored in `h` (the caller rebases inner v1 offsets afterwards).
 */
function legacyRecord(m: ReturnType<typeof decodeLegacyMessage>, h: LegacyEntryHeader, outer: LegacyEntryHeader, position: number, timestamp: Int64): LogRecord {
  return {
    position,
    sizeInBytes: h.sizeInBytes,
    offset: h.offset,
    timestamp,
    keySize: m.keySize,
    valueSize: m.valueSize,
    key: m.key,
    value: m.value,
    headers: EMPTY_HEADERS,
    sequence: -1,
    attributes: m.attributes,
    offsetDelta: 0,
    timestampDelta: 0,
    legacy: {
      magic: m.magic,
      attributes: m.attributes,
      crc: m.crc,
      isValid: m.isValid,
      timestampType: outer.timestampType,
      storedOffset: h.offset,
      storedTimestamp: h.timestamp,
      faults: m.faults,
    },
  };
}

/**
 * Records of a legacy entry at `buf[at, at + header.sizeInBytes)`: the entry itself when
 * uncompressed, else the inner messages of the decompressed wrapper value, read as Kafka 4.3's
 * AbstractLegacyRecordBatch.DeepRecordsIterator does: every inner entry read off the stream first
 * (DataLogInputStream: an entry cut short ends them quietly), then Kafka's offset rules; an inner
 * message that is itself compressed fails when the iteration reaches it.
 */
export function decodeLegacyRecords(buf: Uint8Array, at: number, header: LegacyEntryHeader): DecodedRecords {
  const end = at + header.sizeInBytes;
  const outer = decodeLegacyMessage(buf, at, end);
  if (header.compression === 0) return { records: [legacyRecord(outer, header, header, header.position, header.timestamp)] };
  const wrapperMagic = header.magic;
  if (wrapperMagic !== 0 && wrapperMagic !== 1) {
    return { records: [], error: invalid(`Invalid wrapper magic found in legacy deep record iterator ${wrapperMagic}`, header.position) };
  }
  if (header.compression > 4) {
    return { records: [], error: new FormatError('IllegalArgument', `Unknown compression type id: ${header.compression}`, header.position + 17) };
  }
  if (header.compression === 4) {
    return { records: [], error: invalid(`Invalid wrapper compressionType found in legacy deep record iterator ${wrapperMagic}`, header.position) };
  }
  const valueFault = outer.faults?.value;
  if (valueFault) return { records: [], error: valueFault };
  if (outer.value === null) {
    return { records: [], error: invalid(`Found invalid compressed record set with null value (magic = ${wrapperMagic})`, header.position) };
  }
  const content = decompressStream(header.compression as CompressionTypeId, outer.value, { magic: wrapperMagic, bufferOffset: 0, arrayOffset: outer.valueAt });
  const decoded = innerRecords(content, header);
  if (content.cause !== undefined) decoded.payloadError = content.cause;
  return decoded;
}

/** The inner messages of a legacy wrapper whose value's stream is `content` (DeepRecordsIterator). */
function innerRecords(content: StreamContent, header: LegacyEntryHeader): DecodedRecords {
  const wrapperMagic = header.magic;
  if (content.openFailure) return { records: [], error: openError(content.openFailure, header.position, content.cause) };
  const data = content.data;
  const n = data.length;
  // A read past the data: the stream's failure (IOExceptions come wrapped in KafkaException), or the end.
  const failure = (): FormatError | null => {
    const f = content.failure;
    if (!f) return null;
    return f.io ? openError(f, header.position, content.cause) : new FormatError('Java', javaText(f), header.position, { java: f, cause: content.cause });
  };
  const inner: LogRecord[] = [];
  const fail = (error: FormatError): DecodedRecords => ({ records: [], decompressed: data, error });
  let p = 0;
  for (;;) {
    if (n - p < LOG_OVERHEAD) {
      const f = failure();
      if (f) return fail(f);
      break;
    }
    const size = readInt32(data, p + 8);
    if (size < MIN_RECORD_OVERHEAD) return fail(new FormatError('CorruptRecord', `Record size is less than the minimum record overhead (${MIN_RECORD_OVERHEAD})`, header.position));
    if (size > MAX_RECORD_BODY) return fail(invalid(`Invalid record size: ${size} exceeds the configured maximum record size of ${MAX_RECORD_BODY}.`, header.position));
    try {
      javaAllocate(size, header.position);
    } catch (e) {
      return fail(e as FormatError);
    }
    if (n - p - LOG_OVERHEAD < size) {
      const f = failure();
      if (f) return fail(f);
      break;
    }
    const h = decodeLegacyEntryHeader(data, p, p);
    const m = decodeLegacyMessage(data, p, p + LOG_OVERHEAD + size);
    // Only a v1 inner message takes the wrapper's timestamp (LogAppendTime) and timestamp type.
    const timestamp = h.magic === 0 ? -1 : h.magic === 1 && header.timestampType === 'LogAppendTime' ? header.timestamp : readInt64(data, p + 18);
    inner.push(legacyRecord(m, h, header, p, timestamp));
    p += LOG_OVERHEAD + size;
  }
  if (inner.length === 0) return fail(invalid('Found invalid compressed record set with no inner records', header.position));
  if (wrapperMagic === 1) {
    // v1 inner offsets are relative; the wrapper carries the absolute offset of the last one.
    const lastFromWrapper = header.offset;
    let absoluteBase: Int64 = 0;
    if (lastFromWrapper !== 0) {
      const lastInner = inner[inner.length - 1]!.offset;
      if (lastFromWrapper < lastInner) {
        return fail(
          invalid(
            `Found invalid wrapper offset in compressed v1 message set, wrapper offset '${lastFromWrapper}' is less than the last inner message offset '${lastInner}' and it is not zero.`,
            header.position,
          ),
        );
      }
      absoluteBase = addInt64(lastFromWrapper, -lastInner);
    }
    for (const r of inner) r.offset = addInt64(absoluteBase, r.offset);
  }
  // The iteration hands out inner messages until one is compressed (an unknown codec id fails first).
  for (let i = 0; i < inner.length; i++) {
    const codec = inner[i]!.legacy!.attributes & 7;
    if (codec > 4) return { records: inner.slice(0, i), decompressed: data, error: new FormatError('IllegalArgument', `Unknown compression type id: ${codec}`, header.position) };
    if (codec !== 0) return { records: inner.slice(0, i), decompressed: data, error: invalid('Inner messages must not be compressed', header.position) };
  }
  return { records: inner, decompressed: data };
}
