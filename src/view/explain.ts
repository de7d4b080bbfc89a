import { compressionName, crc32, crc32c } from '../codec/index.js';
import {
  type LegacyEntryHeader,
  LOG_OVERHEAD,
  RECORD_BATCH_LAYOUT,
  RECORD_BATCH_OVERHEAD,
  type RecordBatchHeader,
  V2_CRC_START,
} from '../format/batch.js';
import { legacyMessageLayout } from '../format/legacy.js';
import type { LogRecord } from '../format/record.js';
import type { LogBatch } from '../io/log-batch.js';
import { type Palette, palette } from './color.js';
import { SCHEMA_VERSION, int64Json } from './json.js';
import { isoTime } from './records.js';

/**
 * `kseg explain`: every byte of one batch, in order, as rows of (byte range, raw hex, field,
 * decoded value, meaning). Header rows come from RECORD_BATCH_LAYOUT, record rows from the spans
 * decodeBatchRecords reports, legacy messages from legacyMessageLayout and the decoded records. The rows
 * of a section tile it exactly: the file bytes of the batch, then (for a compressed batch) the
 * decompressed records stream. Nothing is decoded here; values come from the decoded header and
 * records.
 */

export interface ExplainRow {
  /** Byte range [start, end): file positions in a `file` section, stream positions in `decompressed`. */
  start: number;
  end: number;
  hex: string;
  field: string;
  value: string | number | boolean | null;
  meaning: string;
  /** Nesting for display: 0 batch/message fields, 1 record fields, 2 header fields. */
  depth: number;
}

export interface ExplainSection {
  space: 'file' | 'decompressed';
  title: string;
  start: number;
  end: number;
  rows: ExplainRow[];
}

export interface ExplainBit {
  bits: string;
  name: string;
  value: string | number | boolean;
}

export interface ExplainBatch {
  file: string;
  position: number;
  sizeInBytes: number;
  format: 'v2' | 'legacy';
  magic: number;
  codec: string;
  recordCount: number;
  crc: { algorithm: 'crc32c' | 'crc32'; stored: number; computed: number; valid: boolean; start: number; end: number };
  attributes: { raw: number; bits: ExplainBit[] };
  sections: ExplainSection[];
  /** Why decoding the records stopped early (the rest of the bytes are one `undecoded` row). */
  error: string | null;
}

export interface ExplainDocument {
  schemaVersion: number;
  file: string;
  batches: ExplainBatch[];
}

const MAX_PREVIEW = 48;

function hexOf(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('hex');
}

/** A short human preview of a byte field: quoted text if it is printable UTF-8, else a size. */
function preview(bytes: Uint8Array | null): string | null {
  if (bytes === null) return null;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const s = buf.toString('utf8');
  // eslint-disable-next-line no-control-regex
  if (!s.includes('\uFFFD') && !/[\x00-\x08\x0e-\x1f\x7f]/.test(s)) {
    return JSON.stringify(s.length > MAX_PREVIEW ? `${s.slice(0, MAX_PREVIEW)}…` : s);
  }
  return `<${bytes.length} bytes, not text>`;
}

/** Rows builder over one byte space: `bytes[i - origin]` is the byte at position i. */
class Rows {
  readonly rows: ExplainRow[] = [];
  constructor(
    private readonly bytes: Uint8Array,
    private readonly origin: number,
  ) {}
  add(start: number, end: number, field: string, value: ExplainRow['value'], meaning: string, depth = 0): void {
    // A batch read only in part (a damaged length field claiming more than the read window): rows
    // stop where its bytes do.
    end = Math.min(end, this.origin + this.bytes.length);
    if (end <= start) return; // a null or empty field has no bytes of its own
    this.rows.push({ start, end, hex: hexOf(this.bytes, start - this.origin, end - this.origin), field, value, meaning, depth });
  }
}

function v2HeaderMeaning(h: RecordBatchHeader, field: string, computedCrc: number): { value: ExplainRow['value']; meaning: string } {
  const v = (x: unknown): ExplainRow['value'] => (typeof x === 'bigint' ? x.toString() : (x as ExplainRow['value']));
  switch (field) {
    case 'baseOffset':
      return { value: v(h.baseOffset), meaning: 'offset of the first record; records store deltas from it' };
    case 'batchLength':
      return { value: h.batchLength, meaning: `bytes after this field: the batch is 12 + ${h.batchLength} = ${h.sizeInBytes} bytes` };
    case 'partitionLeaderEpoch':
      return { value: h.partitionLeaderEpoch, meaning: 'leader epoch of the broker that appended the batch' };
    case 'magic':
      return { value: h.magic, meaning: 'format version: 2 = record batch (Kafka ≥ 0.11)' };
    case 'crc':
      return {
        value: `0x${h.crc.toString(16).padStart(8, '0')}`,
        meaning: `CRC-32C of bytes ${h.position + V2_CRC_START}..${h.position + h.sizeInBytes} (attributes to the end): computed 0x${computedCrc.toString(16).padStart(8, '0')}, ${computedCrc === h.crc ? 'matches' : 'MISMATCH'}`,
      };
    case 'attributes':
      return {
        value: `0x${h.attributes.toString(16).padStart(4, '0')}`,
        meaning: `compression=${compressionName(h.compression)}, timestampType=${h.timestampType}, transactional=${h.isTransactional}, control=${h.isControl}, deleteHorizon=${h.hasDeleteHorizon}`,
      };
    case 'lastOffsetDelta':
      return { value: h.lastOffsetDelta, meaning: `last offset = baseOffset + ${h.lastOffsetDelta} = ${h.lastOffset}` };
    case 'baseTimestamp':
      return {
        value: v(h.baseTimestamp),
        meaning: h.hasDeleteHorizon ? 'delete horizon set by the cleaner (tombstones/markers removable after it)' : `first record's timestamp ${isoTime(h.baseTimestamp) ?? '(none)'}; records store deltas`,
      };
    case 'maxTimestamp':
      return {
        value: v(h.maxTimestamp),
        meaning: `${h.timestampType === 'LogAppendTime' ? "broker's append time, every record's timestamp" : 'largest record timestamp'} ${isoTime(h.maxTimestamp) ?? '(none)'}`,
      };
    case 'producerId':
      return { value: v(h.producerId), meaning: h.producerId === -1 ? 'no producer id (not idempotent)' : 'idempotent/transactional producer id' };
    case 'producerEpoch':
      return { value: h.producerEpoch, meaning: h.producerEpoch === -1 ? 'no producer epoch' : 'producer epoch (fences zombie producers)' };
    case 'baseSequence':
      return { value: h.baseSequence, meaning: h.baseSequence === -1 ? 'no sequence numbers' : `sequence of the first record; last = ${h.lastSequence}` };
    case 'recordCount':
      return { value: h.recordCount, meaning: 'records in the batch' };
    default:
      return { value: null, meaning: '' };
  }
}

function v2AttributeBits(h: RecordBatchHeader): ExplainBit[] {
  return [
    { bits: '0-2', name: 'compression', value: compressionName(h.compression) },
    { bits: '3', name: 'timestampType', value: h.timestampType },
    { bits: '4', name: 'transactional', value: h.isTransactional },
    { bits: '5', name: 'control', value: h.isControl },
    { bits: '6', name: 'deleteHorizon', value: h.hasDeleteHorizon },
  ];
}

/** Rows of one v2 record from its spans (positions in the rows' byte space). */
function v2RecordRows(out: Rows, r: LogRecord, i: number, h: RecordBatchHeader): void {
  const s = r.spans!;
  const p = `records[${i}]`;
  const lengthBytes = s.length[1] - s.length[0];
  out.add(s.length[0], s.length[1], `${p}.length`, r.sizeInBytes - lengthBytes, `varint: the record's bytes after this field (record ${i}, offset ${r.offset})`, 1);
  out.add(s.attributes[0], s.attributes[1], `${p}.attributes`, r.attributes, 'record attributes (unused, 0)', 1);
  out.add(
    s.timestampDelta[0],
    s.timestampDelta[1],
    `${p}.timestampDelta`,
    int64Json(r.timestampDelta),
    `varlong: timestamp = baseTimestamp + Δ = ${r.timestamp}${isoTime(r.timestamp) ? ` (${isoTime(r.timestamp)})` : ''}${h.timestampType === 'LogAppendTime' ? ', replaced by maxTimestamp (LogAppendTime)' : ''}`,
    1,
  );
  out.add(s.offsetDelta[0], s.offsetDelta[1], `${p}.offsetDelta`, r.offsetDelta, `varint: offset = baseOffset + Δ = ${r.offset}`, 1);
  out.add(s.keyLength[0], s.keyLength[1], `${p}.keyLength`, r.keySize, r.keySize < 0 ? 'varint: -1 = null key' : 'varint: key bytes', 1);
  out.add(s.key[0], s.key[1], `${p}.key`, preview(r.key), 'key bytes', 1);
  out.add(s.valueLength[0], s.valueLength[1], `${p}.valueLength`, r.valueSize, r.valueSize < 0 ? 'varint: -1 = null value (tombstone)' : 'varint: value bytes', 1);
  out.add(s.value[0], s.value[1], `${p}.value`, preview(r.value), 'value bytes', 1);
  out.add(s.headerCount[0], s.headerCount[1], `${p}.headerCount`, r.headers.length, 'varint: number of headers', 1);
  s.headers.forEach((hs, j) => {
    const hd = r.headers[j]!;
    const q = `${p}.headers[${j}]`;
    out.add(hs.keyLength[0], hs.keyLength[1], `${q}.keyLength`, hs.key[1] - hs.key[0], 'varint: header key bytes', 2);
    out.add(hs.key[0], hs.key[1], `${q}.key`, JSON.stringify(hd.key), 'header key (UTF-8)', 2);
    out.add(hs.valueLength[0], hs.valueLength[1], `${q}.valueLength`, hd.value === null ? -1 : hd.value.length, hd.value === null ? 'varint: -1 = null header value' : 'varint: header value bytes', 2);
    out.add(hs.value[0], hs.value[1], `${q}.value`, preview(hd.value), 'header value bytes', 2);
  });
}

/** Rows of records decoded from `[start, end)` of a space, then the undecoded rest if any. */
function recordsSection(space: ExplainSection['space'], title: string, bytes: Uint8Array, origin: number, start: number, end: number, fill: (rows: Rows) => number): ExplainSection {
  const rows = new Rows(bytes, origin);
  const reached = fill(rows);
  if (reached < end) rows.add(reached, end, 'undecoded', null, 'bytes the decoder could not read as records (see error)', 1);
  return { space, title, start, end, rows: rows.rows };
}

function explainV2(batch: LogBatch, h: RecordBatchHeader): ExplainBatch {
  const bytes = batch.bytes;
  const P = h.position;
  const computed = batch.computedChecksum ?? crc32c(bytes.subarray(V2_CRC_START, h.sizeInBytes));
  const header = new Rows(bytes, P);
  for (const f of RECORD_BATCH_LAYOUT) {
    const { value, meaning } = v2HeaderMeaning(h, f.field, computed);
    header.add(P + f.offset, P + f.offset + f.length, f.field, value, meaning);
  }
  const decoded = batch.records({ withSpans: true });
  const sections: ExplainSection[] = [];
  // (Where the bytes end: the batch's, or what was read of one claiming more than the window.)
  const end = P + Math.min(h.sizeInBytes, bytes.length);
  // Returns where the decoded records end (the rest, if any, is undecodable).
  const fillRecords = (rows: Rows, start: number): number => {
    let reached = start;
    decoded.records.forEach((r, i) => {
      v2RecordRows(rows, r, i, h);
      reached = r.position + r.sizeInBytes;
    });
    return reached;
  };
  if (h.compression === 0) {
    const recs = recordsSection('file', 'batch', bytes, P, P + RECORD_BATCH_OVERHEAD, end, (rows) => fillRecords(rows, P + RECORD_BATCH_OVERHEAD));
    sections.push({ space: 'file', title: `batch at byte ${P} of ${batch.file}`, start: P, end, rows: [...header.rows, ...recs.rows] });
  } else {
    const stored = end - P - RECORD_BATCH_OVERHEAD;
    const what = h.recordCount === 1 ? 'the record' : `the ${h.recordCount} records`;
    header.add(
      P + RECORD_BATCH_OVERHEAD,
      end,
      'records',
      `${compressionName(h.compression)}, ${stored} bytes`,
      `${what}, compressed into one ${compressionName(h.compression)} stream of ${stored} bytes${decoded.decompressed ? `; ${decoded.decompressed.length} bytes decompressed (below)` : ''}`,
    );
    sections.push({ space: 'file', title: `batch at byte ${P} of ${batch.file}`, start: P, end, rows: header.rows });
    if (decoded.decompressed) {
      const d = decoded.decompressed;
      sections.push(
        recordsSection('decompressed', `decompressed records (${d.length} bytes; positions in the decompressed stream)`, d, 0, 0, d.length, (rows) => fillRecords(rows, 0)),
      );
    }
  }
  return {
    file: batch.file,
    position: P,
    sizeInBytes: h.sizeInBytes,
    format: 'v2',
    magic: h.magic,
    codec: compressionName(h.compression),
    recordCount: h.recordCount,
    crc: { algorithm: 'crc32c', stored: h.crc, computed, valid: computed === h.crc, start: P + V2_CRC_START, end: P + h.sizeInBytes },
    attributes: { raw: h.attributes, bits: v2AttributeBits(h) },
    sections,
    error: decoded.error ? decoded.error.message : null,
  };
}

/**
 * One legacy message's rows at `at` (its entry start, a position in the rows' space):
 * offset, size, crc, magic, attributes, [timestamp], keyLength, key, valueLength, value.
 */
function legacyMessageRows(
  out: Rows,
  at: number,
  m: { offset: unknown; offsetMeaning: string; size: number; crc: number; magic: number; attributes: number; timestamp: unknown; keySize: number; key: Uint8Array | null; valueSize: number; value: Uint8Array | null; crcOk: boolean },
  depth: number,
  p: string,
  valueMeaning: string,
): number {
  const ts = m.magic === 1;
  out.add(at, at + 8, `${p}offset`, String(m.offset), m.offsetMeaning, depth);
  out.add(at + 8, at + 12, `${p}size`, m.size, `bytes after this field: the entry is 12 + ${m.size} bytes`, depth);
  out.add(at + 12, at + 16, `${p}crc`, `0x${m.crc.toString(16).padStart(8, '0')}`, `CRC-32 of the message from magic to its end: ${m.crcOk ? 'matches' : 'MISMATCH'}`, depth);
  out.add(at + 16, at + 17, `${p}magic`, m.magic, `message format v${m.magic}${ts ? ' (with timestamp)' : ' (no timestamp)'}`, depth);
  out.add(
    at + 17,
    at + 18,
    `${p}attributes`,
    `0x${m.attributes.toString(16).padStart(2, '0')}`,
    `compression=${compressionName(m.attributes & 7)}${ts ? `, timestampType=${(m.attributes & 8) === 0 ? 'CreateTime' : 'LogAppendTime'}` : ''}`,
    depth,
  );
  let q = at + 18;
  if (ts) {
    const t = m.timestamp as number;
    out.add(q, q + 8, `${p}timestamp`, String(m.timestamp), `${isoTime(t) ?? '(none)'}`, depth);
    q += 8;
  }
  out.add(q, q + 4, `${p}keyLength`, m.keySize, m.keySize < 0 ? '-1 = null key' : 'key bytes', depth);
  q += 4;
  if (m.keySize > 0) {
    out.add(q, q + m.keySize, `${p}key`, preview(m.key), 'key bytes', depth);
    q += m.keySize;
  }
  out.add(q, q + 4, `${p}valueLength`, m.valueSize, m.valueSize < 0 ? '-1 = null value' : 'value bytes', depth);
  q += 4;
  if (m.valueSize > 0) {
    out.add(q, q + m.valueSize, `${p}value`, valueMeaning === 'value bytes' ? preview(m.value) : `${m.valueSize} bytes`, valueMeaning, depth);
    q += m.valueSize;
  }
  return q;
}

function explainLegacy(batch: LogBatch, h: LegacyEntryHeader): ExplainBatch {
  const bytes = batch.bytes;
  const P = h.position;
  const end = P + Math.min(h.sizeInBytes, bytes.length);
  const computed = batch.computedChecksum ?? crc32(bytes.subarray(16, h.sizeInBytes));
  const decoded = batch.records();
  const rows = new Rows(bytes, P);
  const sections: ExplainSection[] = [];
  // The wrapper's (or the message's) own key and value, as the format layer lays them out.
  const layout = legacyMessageLayout(bytes, 0, h);
  const { keySize, valueSize, value } = layout;
  const wrapped = h.compression !== 0;
  const reached = legacyMessageRows(
    rows,
    P,
    { offset: h.offset, offsetMeaning: wrapped ? 'offset of the LAST inner message (the wrapper carries it)' : 'offset of this message', size: h.size, crc: h.crc, magic: h.magic, attributes: h.attributes, timestamp: h.timestamp, keySize, key: layout.key, valueSize, value, crcOk: computed === h.crc },
    0,
    '',
    wrapped ? `the inner messages, compressed as one ${compressionName(h.compression)} stream` : 'value bytes',
  );
  if (reached < end) rows.add(reached, end, 'undecoded', null, 'bytes past the message fields', 0);
  sections.push({ space: 'file', title: `${wrapped ? 'compressed wrapper message' : 'message'} at byte ${P} of ${batch.file}`, start: P, end, rows: rows.rows });
  if (wrapped && decoded.decompressed) {
    const d = decoded.decompressed;
    sections.push(
      recordsSection('decompressed', `decompressed inner messages (${d.length} bytes; positions in the decompressed stream)`, d, 0, 0, d.length, (inner) => {
        let q = 0;
        decoded.records.forEach((r, i) => {
          const at = r.position;
          q = legacyMessageRows(
            inner,
            at,
            {
              offset: r.legacy!.storedOffset,
              offsetMeaning: h.magic === 1 ? `relative to the wrapper: absolute offset ${r.offset}` : `absolute offset ${r.offset}`,
              size: r.sizeInBytes - LOG_OVERHEAD,
              crc: r.legacy!.crc,
              magic: r.legacy!.magic,
              attributes: r.legacy!.attributes,
              timestamp: r.legacy!.storedTimestamp,
              keySize: r.keySize,
              key: r.key,
              valueSize: r.valueSize,
              value: r.value,
              crcOk: r.legacy!.isValid,
            },
            1,
            `messages[${i}].`,
            'value bytes',
          );
        });
        return q;
      }),
    );
  }
  return {
    file: batch.file,
    position: P,
    sizeInBytes: h.sizeInBytes,
    format: 'legacy',
    magic: h.magic,
    codec: compressionName(h.compression),
    recordCount: decoded.records.length,
    crc: { algorithm: 'crc32', stored: h.crc, computed, valid: computed === h.crc, start: P + 16, end: P + h.sizeInBytes },
    attributes: {
      raw: h.attributes,
      bits: [
        { bits: '0-2', name: 'compression', value: compressionName(h.compression) },
        ...(h.magic === 1 ? [{ bits: '3', name: 'timestampType', value: h.timestampType }] : []),
      ],
    },
    sections,
    error: decoded.error ? decoded.error.message : null,
  };
}

/** The byte-by-byte explanation of one batch or legacy entry. */
export function explainBatch(batch: LogBatch): ExplainBatch {
  const h = batch.header;
  return h.format === 'v2' ? explainV2(batch, h) : explainLegacy(batch, h);
}

export function explainDocument(file: string, batches: ExplainBatch[]): ExplainDocument {
  return { schemaVersion: SCHEMA_VERSION, file, batches };
}

// ---------------------------------------------------------------------------------------------
// Text

const HEX_SHOWN = 16;

function hexText(hex: string): string {
  const shown = hex.slice(0, HEX_SHOWN * 2).replace(/(..)(?!$)/g, '$1 ');
  return hex.length > HEX_SHOWN * 2 ? `${shown} …` : shown;
}

export function explainText(e: ExplainBatch, c: Palette = palette(false)): string {
  const lines: string[] = [];
  lines.push(
    c.bold(
      `${e.format === 'v2' ? 'record batch' : `legacy message (magic ${e.magic})`} at byte ${e.position} of ${e.file}: ${e.sizeInBytes} bytes, ${e.codec}, ${e.recordCount} record${e.recordCount === 1 ? '' : 's'}`,
    ),
  );
  const crcText = `${e.crc.algorithm.toUpperCase()} over bytes ${e.crc.start}..${e.crc.end}: stored 0x${e.crc.stored.toString(16).padStart(8, '0')}, computed 0x${e.crc.computed.toString(16).padStart(8, '0')}`;
  lines.push(`${c.dim('checksum')} ${crcText} ${e.crc.valid ? c.green('ok') : c.red('MISMATCH')}`);
  lines.push(`${c.dim('attributes')} 0x${e.attributes.raw.toString(16)}: ${e.attributes.bits.map((b) => `bit ${b.bits} ${b.name}=${b.value}`).join(', ')}`);
  for (const s of e.sections) {
    lines.push('');
    lines.push(c.bold(s.title));
    const w = String(s.end).length;
    for (const r of s.rows) {
      const range = `${String(r.start).padStart(w)}..${String(r.end).padEnd(w)}`;
      const indent = '  '.repeat(r.depth);
      const field = `${indent}${r.field}`;
      const value = r.value === null ? 'null' : String(r.value);
      lines.push(`${c.dim(range)}  ${c.cyan(hexText(r.hex).padEnd(HEX_SHOWN * 3 + 1))}  ${c.bold(field.padEnd(38))} ${c.yellow(value.padEnd(14))}  ${c.dim(r.meaning)}`);
    }
  }
  if (e.error !== null) lines.push(c.red(`records stop early: ${e.error}`));
  return lines.join('\n');
}
