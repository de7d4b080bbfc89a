import { isUtf8 } from 'node:buffer';
import { compressionName } from '../codec/index.js';
import { lastOffsetOf } from '../format/batch.js';
import type { Int64 } from '../format/int64.js';
import type { LogRecord } from '../format/record.js';
import { decodeControlRecord, decodeCoordinatorRecord, decodeMetadataMessage, toJsonValue } from '../format/schema/index.js';
import type { PartitionRecord, SegmentSource } from '../io/seek.js';
import { type Palette, palette } from './color.js';
import type { ReadIssue } from '../io/seek.js';
import { SCHEMA_VERSIONS, int64Json, toJson } from './json.js';

/**
 * Renderings of records read by `readPartitionRecords` (`kseg cat`): JSON objects following
 * schema/record.schema.json, and a text view. Bytes are never parsed here, only encoded; the one
 * decode is of control records, through src/format/schema.
 */

export type PayloadMode = 'utf8' | 'hex' | 'base64' | 'json' | 'none';
export const PAYLOAD_MODES: readonly PayloadMode[] = ['utf8', 'hex', 'base64', 'json', 'none'];

/**
 * A key, value or header value as JSON. `encoding` says how `data` holds the bytes, which is not
 * always the mode asked for: bytes that are not valid UTF-8 fall back to base64 (never lossy), and
 * in json mode bytes that do not parse as JSON fall back to utf8 (or base64).
 */
export interface PayloadJson {
  size: number;
  encoding: PayloadMode;
  data?: unknown;
  /** Set when only the first `maxPayload` bytes are in `data`. */
  truncated?: true;
}

export interface RenderOptions {
  payload: PayloadMode;
  /** Render at most this many bytes of each key, value and header value. */
  maxPayload?: number;
}

/** The longest prefix of at most `max` bytes that does not end inside a UTF-8 sequence. */
function utf8Prefix(bytes: Uint8Array, max: number): Uint8Array {
  let cut = bytes.subarray(0, max);
  for (let back = 0; back < 4 && cut.length > 0 && !isUtf8(cut); back++) cut = bytes.subarray(0, max - back - 1);
  return cut;
}

export function payloadJson(bytes: Uint8Array | null, opts: RenderOptions): PayloadJson | null {
  if (bytes === null) return null;
  const size = bytes.length;
  const mode = opts.payload;
  if (mode === 'none') return { size, encoding: 'none' };
  const max = opts.maxPayload;
  const truncated = max !== undefined && size > max;
  const out = (encoding: PayloadMode, data: unknown): PayloadJson => (truncated ? { size, encoding, data, truncated: true } : { size, encoding, data });
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (mode === 'hex') return out('hex', buf.subarray(0, truncated ? max : size).toString('hex'));
  if (mode === 'base64') return out('base64', buf.subarray(0, truncated ? max : size).toString('base64'));
  const text = truncated ? utf8Prefix(bytes, max!) : bytes;
  if (!isUtf8(text)) return out('base64', buf.subarray(0, truncated ? max : size).toString('base64'));
  const s = Buffer.from(text.buffer, text.byteOffset, text.length).toString('utf8');
  if (mode === 'json' && !truncated && s.trim() !== '') {
    try {
      return out('json', JSON.parse(s));
    } catch {
      // not JSON: shown as text
    }
  }
  return out('utf8', s);
}

const MS_PER_DAY = 86_400_000;
const PAD = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** The day of the last timestamp formatted: its first millisecond and its text up to the 'T'. */
let dayStart = NaN;
let dayText = '';

/** ISO-8601 for an epoch-millis timestamp, null for Kafka's "no timestamp" (-1) or out of range. */
export function isoTime(ts: Int64): string | null {
  if (typeof ts === 'bigint' || ts === -1) return null;
  // Records of a segment mostly share a day: its date is formatted once (Date#toISOString costs
  // ~0.5 µs, most of `kseg cat`'s time per record), the time of day by arithmetic.
  const ms = ts - dayStart;
  if (ms >= 0 && ms < MS_PER_DAY) {
    const s = Math.floor(ms / 1000);
    const m = Math.floor(s / 60);
    const h = Math.floor(m / 60);
    return `${dayText}${PAD[h]!.slice(1)}:${PAD[m - h * 60]!.slice(1)}:${PAD[s - m * 60]!.slice(1)}.${PAD[ms - s * 1000]!}Z`;
  }
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return null;
  const iso = d.toISOString();
  // Years 0-9999 print as YYYY-MM-DDTHH:mm:ss.sssZ; others (+/-YYYYYY) are not cached.
  if (iso.length === 24) {
    dayStart = ts - (((ts % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY);
    dayText = iso.slice(0, 11);
  }
  return iso;
}

export interface BatchJson {
  file: string;
  position: number;
  sizeInBytes: number;
  magic: number;
  codec: string;
  /** v2 only (legacy entries: null). */
  baseOffset: number | string | null;
  lastOffset: number | string;
  recordCount: number | null;
  producerId: number | string | null;
  producerEpoch: number | null;
  baseSequence: number | null;
  partitionLeaderEpoch: number | null;
  transactional: boolean;
  control: boolean;
  timestampType: string;
  crcValid: boolean;
}

/** The last batch rendered, and its JSON (the records of a batch share one object). */
let lastBatch: { batch: PartitionRecord['batch']; crcValid: boolean; json: BatchJson } | null = null;

export function batchJson(pr: Pick<PartitionRecord, 'batch' | 'crcValid'>): BatchJson {
  if (lastBatch !== null && lastBatch.batch === pr.batch && lastBatch.crcValid === pr.crcValid) return lastBatch.json;
  const json = newBatchJson(pr);
  lastBatch = { batch: pr.batch, crcValid: pr.crcValid, json };
  return json;
}

function newBatchJson(pr: Pick<PartitionRecord, 'batch' | 'crcValid'>): BatchJson {
  const h = pr.batch.header;
  const v2 = h.format === 'v2';
  return {
    file: pr.batch.file,
    position: h.position,
    sizeInBytes: h.sizeInBytes,
    magic: h.magic,
    codec: compressionName(h.compression),
    baseOffset: v2 ? int64Json(h.baseOffset) : null,
    lastOffset: int64Json(lastOffsetOf(h)),
    recordCount: v2 ? h.recordCount : null,
    producerId: v2 ? int64Json(h.producerId) : null,
    producerEpoch: v2 ? h.producerEpoch : null,
    baseSequence: v2 ? h.baseSequence : null,
    partitionLeaderEpoch: v2 ? h.partitionLeaderEpoch : null,
    transactional: v2 && h.isTransactional,
    control: v2 && h.isControl,
    timestampType: h.timestampType,
    crcValid: pr.crcValid,
  };
}

/** Decoded values made JSON-safe: int64 as number or string, bytes as base64. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return int64Json(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64');
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = plain(x);
    return o;
  }
  return v;
}

export type ControlJson = { type: number; typeName: string; version: number | null; data: unknown } | { error: string };

/** A control record decoded (end-transaction markers, KRaft control messages), or why it is not. */
export function controlJson(record: LogRecord): ControlJson {
  try {
    const c = decodeControlRecord(record.key, record.value);
    return { type: c.type, typeName: c.typeName, version: c.version, data: plain(c.data) };
  } catch (e) {
    return { error: e instanceof Error ? e.message || e.name : String(e) };
  }
}

/** The internal topics whose keys and values kseg decodes (the decoders of kafka-dump-log's flags). */
export const DECODERS = ['consumer-offsets', 'transaction-state', 'cluster-metadata', 'share-group-state'] as const;
export type DecoderName = (typeof DECODERS)[number];

/** A decoded record as kseg's JSON shows it: Kafka's JSON of the key and value (`kafka-dump-log`'s decoders print the same fields). */
interface Decoded {
  type: number;
  typeName: string;
  version: number | null;
  data: Record<string, unknown>;
}

function coordinator(family: 'group' | 'transaction' | 'share'): (key: Uint8Array | null, value: Uint8Array | null) => Decoded {
  return (key, value) => {
    const r = decodeCoordinatorRecord(family, key ?? new Uint8Array(0), value);
    return {
      type: r.type,
      typeName: r.typeName,
      version: r.value?.version ?? null,
      data: { key: toJsonValue(r.pair.key, r.key, 0), value: r.value === null ? null : toJsonValue(r.pair.value, r.value.data, r.value.version) },
    };
  };
}

const DECODE: Record<DecoderName, (key: Uint8Array | null, value: Uint8Array | null) => Decoded> = {
  'consumer-offsets': coordinator('group'),
  'transaction-state': coordinator('transaction'),
  'share-group-state': coordinator('share'),
  'cluster-metadata': (_key, value) => {
    const r = decodeMetadataMessage(value);
    return { type: r.type, typeName: r.typeName, version: r.version, data: toJsonValue(r.schema, r.data, r.version) };
  },
};

const TOPIC_DECODERS: Record<string, DecoderName> = {
  __consumer_offsets: 'consumer-offsets',
  __transaction_state: 'transaction-state',
  __cluster_metadata: 'cluster-metadata',
  __share_group_state: 'share-group-state',
};

/** The decoder for a source: the one named, or with 'auto' the one of its topic (null: none). */
export function decoderFor(choice: DecoderName | 'auto' | 'none', source: Pick<SegmentSource, 'topic'>): DecoderName | null {
  if (choice === 'none') return null;
  if (choice !== 'auto') return choice;
  return (source.topic !== undefined && source.topic !== null && TOPIC_DECODERS[source.topic]) || null;
}

export type DecodedJson = { type: number; typeName: string; version: number | null; data: unknown } | { error: string };

/** A data record of an internal topic decoded with `decoder`, or why it could not be. */
export function decodedJson(record: LogRecord, decoder: DecoderName): DecodedJson {
  try {
    return DECODE[decoder](record.key, record.value);
  } catch (e) {
    return { error: e instanceof Error ? e.message || e.name : String(e) };
  }
}

export interface RecordJson {
  schemaVersion: number;
  topic: string | null;
  partition: number | null;
  offset: number | string;
  timestamp: number | string;
  timestampIso: string | null;
  timestampType: string;
  keySize: number;
  valueSize: number;
  key: PayloadJson | null;
  value: PayloadJson | null;
  headers: Array<{ key: string; keySize: number; value: PayloadJson | null; valueSize: number }>;
  sequence: number;
  aborted: boolean;
  control: ControlJson | null;
  /** Present when the record is of an internal topic decoded (`kseg cat --decode`). */
  decoded?: DecodedJson;
  batch: BatchJson;
}

export function recordJson(
  pr: PartitionRecord,
  where: { topic: string | null; partition: number | null },
  opts: RenderOptions,
  decoder: DecoderName | null = null,
): RecordJson {
  const r = pr.record;
  const h = pr.batch.header;
  const isControl = h.format === 'v2' && h.isControl;
  const j: RecordJson = {
    schemaVersion: SCHEMA_VERSIONS.record,
    topic: where.topic,
    partition: where.partition,
    offset: int64Json(r.offset),
    timestamp: int64Json(r.timestamp),
    timestampIso: isoTime(r.timestamp),
    timestampType: h.timestampType,
    keySize: r.keySize,
    valueSize: r.valueSize,
    key: payloadJson(r.key, opts),
    value: payloadJson(r.value, opts),
    headers: r.headers.map((x) => ({
      key: x.key,
      keySize: Buffer.byteLength(x.key, 'utf8'),
      value: payloadJson(x.value, opts),
      valueSize: x.value === null ? -1 : x.value.length,
    })),
    sequence: r.sequence,
    aborted: pr.aborted,
    control: isControl ? controlJson(r) : null,
    batch: batchJson(pr),
  };
  if (decoder !== null && !isControl) {
    // Before `batch` in the document: the record's own fields first.
    const { batch, ...rest } = j;
    return { ...rest, decoded: decodedJson(r, decoder), batch };
  }
  return j;
}

// ---------------------------------------------------------------------------------------------
// Text

function payloadText(p: PayloadJson | null, c: Palette): string {
  if (p === null) return c.magenta('null');
  const cut = p.truncated ? c.dim(' …') : '';
  switch (p.encoding) {
    case 'none':
      return '';
    case 'utf8':
      return JSON.stringify(p.data) + cut;
    case 'json':
      return c.green(JSON.stringify(p.data));
    case 'hex':
      return c.cyan(`0x${String(p.data)}`) + cut;
    case 'base64':
      return c.cyan(`base64:${String(p.data)}`) + cut;
  }
}

function sizeText(size: number): string {
  return size < 0 ? 'null' : `${size} B`;
}

/** The line introducing a batch in the text view. */
export function batchText(b: BatchJson, c: Palette = palette(false)): string {
  const parts = [
    c.blue(`batch ${b.baseOffset ?? '?'}..${b.lastOffset}`),
    `at byte ${b.position} of ${b.file}`,
    `magic ${b.magic}`,
    b.codec,
    `${b.sizeInBytes} B`,
  ];
  if (b.recordCount !== null) parts.push(`${b.recordCount} record${b.recordCount === 1 ? '' : 's'}`);
  if (b.producerId !== null && b.producerId !== -1) parts.push(`producer ${b.producerId} epoch ${b.producerEpoch} seq ${b.baseSequence}`);
  if (b.transactional) parts.push(c.yellow('transactional'));
  if (b.control) parts.push(c.yellow('control'));
  parts.push(b.timestampType);
  if (!b.crcValid) parts.push(c.red('CRC MISMATCH'));
  return parts.join('  ');
}

/** A record in the text view: a heading line, then key, value and headers with their sizes. */
export function recordText(j: RecordJson, c: Palette = palette(false)): string {
  const lines: string[] = [];
  const ts = j.timestampIso === null ? `${j.timestamp}` : `${j.timestampIso} (${j.timestamp})`;
  let head = `${c.bold(`offset ${j.offset}`)}  ${ts}`;
  if (j.aborted) head += `  ${c.red('ABORTED')}`;
  lines.push(head);
  if (j.control !== null) {
    if ('error' in j.control) lines.push(`  ${c.red('control record, undecodable:')} ${j.control.error}`);
    else lines.push(`  ${c.yellow(`control ${j.control.typeName}`)} (type ${j.control.type}, version ${j.control.version}) ${JSON.stringify(j.control.data)}`);
  }
  if (j.decoded !== undefined) {
    if ('error' in j.decoded) lines.push(`  ${c.red('undecodable:')} ${j.decoded.error}`);
    else lines.push(`  ${c.green(j.decoded.typeName)} (type ${j.decoded.type}, version ${j.decoded.version ?? 'tombstone'}) ${JSON.stringify(j.decoded.data)}`);
  }
  lines.push(`  ${c.dim('key')}    ${sizeText(j.keySize).padStart(8)}  ${payloadText(j.key, c)}`.trimEnd());
  lines.push(`  ${c.dim('value')}  ${sizeText(j.valueSize).padStart(8)}  ${payloadText(j.value, c)}`.trimEnd());
  for (const h of j.headers) {
    lines.push(`  ${c.dim('header')} ${JSON.stringify(h.key)} (${h.keySize} B) ${sizeText(h.valueSize)}  ${payloadText(h.value, c)}`.trimEnd());
  }
  return lines.join('\n');
}

/**
 * `kseg cat --format json`, streamed: the document `JSON.stringify({schemaVersion, path, records,
 * issues}, null, 2)` prints, written a record at a time, so memory does not grow with the records.
 */
export class RecordDocumentWriter {
  private count = 0;
  constructor(
    private readonly out: (s: string) => void,
    path: string,
  ) {
    out(`{\n  "schemaVersion": ${SCHEMA_VERSIONS.record},\n  "path": ${toJson(path)},\n  "records": [`);
  }

  record(value: RecordJson): void {
    this.out(`${this.count++ === 0 ? '' : ','}\n    ${toJson(value, 2).replace(/\n/g, '\n    ')}`);
  }

  end(issues: ReadIssue[]): void {
    this.out(`${this.count === 0 ? ']' : '\n  ]'},\n  "issues": ${toJson(issues, 2).replace(/\n/g, '\n  ')}\n}\n`);
  }
}
