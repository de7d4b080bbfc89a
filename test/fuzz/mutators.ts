import { crc32c, decompress, type CompressionTypeId } from '../../src/codec/index.js';
import { RECORD_BATCH_LAYOUT, type RecordBatchHeader, decodeBatchHeader, decodeLegacyEntryHeader } from '../../src/format/batch.js';
import { type RecordSpans, decodeBatchRecords } from '../../src/format/record.js';
import { compressAs, fixLegacyCrc, fixV2Crc, overlong, unsignedVarint, varint, varlong } from './encode.js';
import { MUTATION_KINDS, applyMutation } from './mutations.js';
import type { Rng } from './rng.js';

/**
 * Structure-aware damage for the differential fuzzer (test tooling): each mutator takes the bytes
 * of a real file and returns damaged bytes and the kind of damage (`batch.batchLength`,
 * `record.valueLength`, `payload.flip`, `index.position`, …), or null where it does not apply.
 * Checksums and enclosing lengths are mostly re-computed after a change, so the damage reaches the
 * code that reads the field rather than stopping at the first CRC.
 */
export interface Mutated {
  bytes: Buffer;
  kind: string;
}

// ---------------------------------------------------------------------------------------------
// Framing of a segment's entries (what the tool walks), re-read after every mutation

export interface Entry {
  pos: number;
  /** Whole entry: 12 + size. */
  total: number;
  magic: number;
}

export function entriesOf(buf: Buffer): Entry[] {
  const out: Entry[] = [];
  for (let p = 0; p + 17 <= buf.length; ) {
    const size = buf.readInt32BE(p + 8);
    if (size < 14 || p + 12 + size > buf.length) break;
    out.push({ pos: p, total: 12 + size, magic: buf.readInt8(p + 16) });
    p += 12 + size;
  }
  return out;
}

export function splice(buf: Buffer, at: number, removed: number, insert: Buffer): Buffer {
  return Buffer.concat([buf.subarray(0, at), insert, buf.subarray(at + removed)]);
}

/** Values that sit on the edges of the checks readers make, around `current`. */
function interestingInt(rng: Rng, bits: 8 | 16 | 32 | 64, current: number, extra: number[] = []): bigint {
  const max = (1n << BigInt(bits - 1)) - 1n;
  const min = -(1n << BigInt(bits - 1));
  const near = [current - 1, current + 1, current - rng.range(2, 100), current + rng.range(2, 100), current * 2];
  const pool: bigint[] = [0n, 1n, -1n, 2n, max, min, max - 1n, min + 1n, ...[...near, ...extra].map((v) => BigInt(Math.trunc(v)))];
  if (rng.chance(0.15)) return BigInt.asIntN(bits, BigInt(rng.next()) * BigInt(rng.next()));
  const v = rng.pick(pool);
  return BigInt.asIntN(bits, v);
}

function writeInt(buf: Buffer, at: number, bytes: number, v: bigint): void {
  if (bytes === 8) buf.writeBigInt64BE(BigInt.asIntN(64, v), at);
  else if (bytes === 4) buf.writeInt32BE(Number(BigInt.asIntN(32, v)), at);
  else if (bytes === 2) buf.writeInt16BE(Number(BigInt.asIntN(16, v)), at);
  else buf.writeInt8(Number(BigInt.asIntN(8, v)), at);
}

function readInt(buf: Buffer, at: number, bytes: number): number {
  if (bytes === 8) return Number(buf.readBigInt64BE(at));
  if (bytes === 4) return buf.readInt32BE(at);
  if (bytes === 2) return buf.readInt16BE(at);
  return buf.readInt8(at);
}

/** The generic byte-level damage of the audit fuzzer (flip, truncate, splice, zero, swap, ...). */
export function rawMutation(buf: Buffer, rng: Rng, anchors: number[]): Mutated {
  const kind = rng.int(MUTATION_KINDS.length);
  const m = { kind, at: rng.next() & 0x7fffffff, len: rng.int(rng.chance(0.5) ? 64 : 4096), value: rng.next() & 0x7fffffff, bytes: rng.bytes(rng.int(rng.chance(0.5) ? 16 : 300)) };
  return { bytes: applyMutation(buf, m, anchors), kind: `raw.${MUTATION_KINDS[kind]}` };
}

// ---------------------------------------------------------------------------------------------
// .log / .checkpoint

/** One mutation of a segment; `stack` more may follow on the result. */
export function mutateLog(buf: Buffer, rng: Rng): Mutated {
  const entries = entriesOf(buf);
  const anchors = entries.map((e) => e.pos);
  const v2 = entries.filter((e) => e.magic >= 2 && e.total >= 61);
  const legacy = entries.filter((e) => e.magic === 0 || e.magic === 1);
  const compressed = v2.filter((e) => (buf[e.pos + 22]! & 7) !== 0);
  const wrappers = legacy.filter((e) => (buf[e.pos + 17]! & 3) !== 0);
  for (let attempt = 0; attempt < 4; attempt++) {
    const what = rng.weighted<string>([
      ['raw', 3],
      ['batch', v2.length ? 4 : 0],
      ['record', v2.length ? 5 : 0],
      ['payload', compressed.length || wrappers.length ? 3 : 0],
      ['legacy', legacy.length ? 5 : 0],
      ['truncate', entries.length ? 2 : 0],
      ['tail', 1],
    ]);
    let r: Mutated | null = null;
    switch (what) {
      case 'raw':
        r = rawMutation(buf, rng, anchors);
        break;
      case 'batch':
        r = mutateBatchHeader(buf, rng.pick(v2), rng);
        break;
      case 'record':
        r = mutateRecord(buf, rng.pick(v2), rng);
        break;
      case 'payload':
        r = compressed.length && (wrappers.length === 0 || rng.chance(0.5)) ? mutatePayload(buf, rng.pick(compressed), rng) : mutateWrapper(buf, rng.pick(wrappers), rng);
        break;
      case 'legacy':
        r = mutateLegacy(buf, rng.pick(legacy), rng);
        break;
      case 'truncate': {
        const e = rng.pick(entries);
        const k = rng.pick([0, 1, 8, 11, 12, 13, 16, 17, 18, 21, 25, 26, 34, 60, 61, 62, e.total - 1, rng.int(e.total)]);
        r = { bytes: buf.subarray(0, Math.min(buf.length, e.pos + k)), kind: 'truncate.entry' };
        break;
      }
      case 'tail': {
        const t = rng.pick(['zeros', 'garbage', 'header']);
        const extra = t === 'zeros' ? Buffer.alloc(rng.range(1, 200)) : t === 'garbage' ? rng.bytes(rng.range(1, 100)) : entries.length ? Buffer.from(buf.subarray(entries[0]!.pos, entries[0]!.pos + rng.range(1, 80))) : rng.bytes(20);
        r = { bytes: Buffer.concat([buf, extra]), kind: `tail.${t}` };
        break;
      }
    }
    if (r) return r;
  }
  return rawMutation(buf, rng, anchors);
}

const BATCH_FIELD_WEIGHTS: Record<string, number> = {
  baseOffset: 1,
  batchLength: 4,
  partitionLeaderEpoch: 1,
  magic: 2,
  crc: 1,
  attributes: 5,
  lastOffsetDelta: 2,
  baseTimestamp: 1,
  maxTimestamp: 1,
  producerId: 1,
  producerEpoch: 1,
  baseSequence: 2,
  recordCount: 4,
};

function mutateBatchHeader(src: Buffer, e: Entry, rng: Rng): Mutated {
  const f = rng.weighted(RECORD_BATCH_LAYOUT.map((l) => [l, BATCH_FIELD_WEIGHTS[l.field] ?? 1] as const));
  const buf = Buffer.from(src);
  const at = e.pos + f.offset;
  if (f.field === 'attributes') {
    const a = buf.readUInt16BE(at);
    const choice = rng.int(6);
    // codec bits (0-7), then one flag bit each: timestamp type, transactional, control, delete horizon, the unused bits
    const next =
      choice === 0 ? (a & ~7) | rng.int(8) : choice === 1 ? a ^ 0x08 : choice === 2 ? a ^ 0x10 : choice === 3 ? a ^ 0x20 : choice === 4 ? a ^ 0x40 : a ^ (rng.chance(0.5) ? 0x80 : 1 << rng.range(8, 15));
    buf.writeUInt16BE(next & 0xffff, at);
  } else if (f.field === 'magic') {
    buf.writeInt8(rng.pick([0, 1, 3, 4, -1, 127, -128]), at);
  } else {
    const current = readInt(buf, at, f.length);
    const extra = f.field === 'batchLength' ? [0, 13, 14, 48, 49, 60, src.length - e.pos - 12, src.length - e.pos - 11] : f.field === 'recordCount' ? [0, current + 1, current - 1, 1000, 0x7ffffff] : [];
    writeInt(buf, at, f.length, interestingInt(rng, (f.length * 8) as 8 | 16 | 32 | 64, current, extra));
  }
  const fix = f.field !== 'crc' && rng.chance(0.7);
  if (fix) fixV2Crc(buf, e.pos);
  return { bytes: buf, kind: `batch.${f.field}` };
}

/** The records stream of a v2 batch (decompressed if need be) and its records' spans within it. */
export function recordsOf(buf: Buffer, e: Entry): { header: RecordBatchHeader; stream: Buffer; spans: RecordSpans[] } | null {
  const header = decodeBatchHeader(buf, e.pos, e.pos) as RecordBatchHeader;
  if (header.compression > 4) return null;
  const decoded = decodeBatchRecords(buf, e.pos, header, { withSpans: true });
  let stream: Buffer;
  let shift: number;
  if (header.compression === 0) {
    stream = Buffer.from(buf.subarray(e.pos + 61, e.pos + e.total));
    shift = e.pos + 61;
  } else {
    if (!decoded.decompressed) return null;
    stream = Buffer.from(decoded.decompressed);
    shift = 0;
  }
  const spans = decoded.records.map((r) => r.spans!).filter(Boolean);
  if (spans.length === 0) return { header, stream, spans: [] };
  const rebase = (s: [number, number]): [number, number] => [s[0] - shift, s[1] - shift];
  return {
    header,
    stream,
    spans: spans.map((s) => ({
      length: rebase(s.length),
      attributes: rebase(s.attributes),
      timestampDelta: rebase(s.timestampDelta),
      offsetDelta: rebase(s.offsetDelta),
      keyLength: rebase(s.keyLength),
      key: rebase(s.key),
      valueLength: rebase(s.valueLength),
      value: rebase(s.value),
      headerCount: rebase(s.headerCount),
      headers: s.headers.map((h) => ({ keyLength: rebase(h.keyLength), key: rebase(h.key), valueLength: rebase(h.valueLength), value: rebase(h.value) })),
    })),
  };
}

/** Replaces the batch's records stream (re-compressing it) and fixes length and CRC as asked. */
function rebuildBatch(buf: Buffer, e: Entry, header: RecordBatchHeader, stream: Buffer, rng: Rng, fixCrc = rng.chance(0.9)): { bytes: Buffer; framing: string } {
  let payload = stream;
  let framing = 'none';
  if (header.compression !== 0) ({ bytes: payload, framing } = compressAs(header.compression, stream, rng));
  const batch = Buffer.concat([buf.subarray(e.pos, e.pos + 61), payload]);
  batch.writeInt32BE(batch.length - 12, 8);
  if (fixCrc) fixV2Crc(batch, 0);
  return { bytes: splice(buf, e.pos, e.total, batch), framing };
}

/** A varint field's new encoding: edge values, overlong or over-long-by-spec encodings, or a cut one. */
function varintBytes(rng: Rng, current: number, room: number, long: boolean): Buffer {
  const c = rng.int(10);
  if (c === 0) return overlong(long ? varlong(BigInt(current)) : varint(current), rng.range(1, long ? 5 : 3));
  if (c === 1) return Buffer.from(new Array(long ? 10 : 5).fill(0xff).concat([rng.chance(0.5) ? 0x01 : 0x7f])); // too long
  if (c === 2) return Buffer.from([0x80 | rng.int(128)]); // continuation bit, then whatever follows
  if (long && c === 3) return varlong(rng.pick([-(1n << 63n), (1n << 63n) - 1n, BigInt(rng.next()) << 20n]));
  const v = Number(interestingInt(rng, 32, current, [room, room - 1, room + 1, -2, 0x3fffffff]));
  return varint(v);
}

/** Content of a key, value or header field with the damage a decoder must survive. */
function contentBytes(rng: Rng, old: Buffer): Buffer {
  switch (rng.int(7)) {
    case 0: {
      // one byte changed (invalid UTF-8, a type/version id, a length inside the value)
      if (old.length === 0) return rng.bytes(1);
      const b = Buffer.from(old);
      b[rng.int(b.length)] ^= rng.range(1, 255);
      return b;
    }
    case 1:
      return old.subarray(0, rng.int(old.length + 1)); // cut short
    case 2:
      return Buffer.concat([old, rng.bytes(rng.range(1, 20))]); // bytes after the structure
    case 3: {
      // the leading int16 (record type / version of the coordinator and metadata formats)
      const b = Buffer.from(old.length >= 2 ? old : Buffer.concat([old, Buffer.alloc(2 - old.length)]));
      b.writeInt16BE(rng.pick([-1, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 20, 32767, -32768]), 0);
      return b;
    }
    case 4: {
      // invalid or edge UTF-8 sequences at a random place
      const seqs = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xef, 0xbf, 0xbd], [0x00], [0x0a], [0xf0, 0x9f, 0x98, 0x80]];
      const at = rng.int(old.length + 1);
      return Buffer.concat([old.subarray(0, at), Buffer.from(rng.pick(seqs)), old.subarray(at)]);
    }
    case 5:
      return rng.bytes(rng.int(40));
    default: {
      // an unsigned varint inside (metadata frame versions, api keys, compact lengths)
      if (old.length === 0) return unsignedVarint(rng.int(300));
      const at = rng.int(Math.min(old.length, 6));
      return Buffer.concat([old.subarray(0, at), unsignedVarint(rng.pick([0, 1, 2, 127, 128, 300, 0x7fffffff, rng.next()])), old.subarray(at + 1)]);
    }
  }
}

type RecordField = 'length' | 'attributes' | 'timestampDelta' | 'offsetDelta' | 'keyLength' | 'key' | 'valueLength' | 'value' | 'headerCount';

/** Damage to one record of a v2 batch (re-compressed when the batch is). */
function mutateRecord(src: Buffer, e: Entry, rng: Rng): Mutated | null {
  const parsed = recordsOf(src, e);
  if (!parsed) return null;
  const { header, stream, spans } = parsed;
  if (spans.length === 0) {
    // nothing decodes: damage the stream as bytes
    if (header.compression === 0) return null;
    const b = Buffer.from(stream);
    if (b.length) b[rng.int(b.length)] ^= rng.range(1, 255);
    return { bytes: rebuildBatch(src, e, header, b, rng).bytes, kind: 'record.stream-flip' };
  }
  const ri = rng.int(spans.length);
  const s = spans[ri]!;
  const recordEnd = ri + 1 < spans.length ? spans[ri + 1]!.length[0] : s.headers.length ? s.headers[s.headers.length - 1]!.value[1] : s.headerCount[1];
  const whole = rng.int(8) === 0;
  if (whole) {
    const op = rng.pick(['drop', 'dup', 'swap', 'trailing', 'cut'] as const);
    let next: Buffer;
    if (op === 'drop') next = splice(stream, s.length[0], recordEnd - s.length[0], Buffer.alloc(0));
    else if (op === 'dup') next = splice(stream, recordEnd, 0, stream.subarray(s.length[0], recordEnd));
    else if (op === 'swap' && ri + 1 < spans.length) {
      const nEnd = ri + 2 < spans.length ? spans[ri + 2]!.length[0] : stream.length;
      next = Buffer.concat([stream.subarray(0, s.length[0]), stream.subarray(recordEnd, nEnd), stream.subarray(s.length[0], recordEnd), stream.subarray(nEnd)]);
    } else if (op === 'trailing') next = Buffer.concat([stream, rng.chance(0.5) ? Buffer.alloc(rng.range(1, 8)) : rng.bytes(rng.range(1, 30))]);
    else next = stream.subarray(0, s.length[0] + rng.int(recordEnd - s.length[0]));
    return { bytes: rebuildBatch(src, e, header, next, rng).bytes, kind: `record.${op}` };
  }
  // One field of the record; header fields count as the record's headers.
  const fields: Array<[string, number]> = [
    ['length', 3],
    ['attributes', 1],
    ['timestampDelta', 2],
    ['offsetDelta', 2],
    ['keyLength', 3],
    ['key', 3],
    ['valueLength', 3],
    ['value', 5],
    ['headerCount', 3],
    ['header', s.headers.length ? 5 : 0],
  ];
  const field = rng.weighted(fields);
  let span: [number, number];
  let lengthSpan: [number, number] | null = null;
  let kind: string;
  let isVarint = true;
  let isLong = false;
  if (field === 'header') {
    const h = rng.pick(s.headers);
    const sub = rng.pick(['keyLength', 'key', 'valueLength', 'value'] as const);
    span = h[sub];
    kind = `record.header.${sub}`;
    if (sub === 'key' || sub === 'value') {
      isVarint = false;
      lengthSpan = sub === 'key' ? h.keyLength : h.valueLength;
    }
  } else {
    span = s[field as RecordField];
    kind = `record.${field}`;
    if (field === 'key' || field === 'value') {
      isVarint = false;
      lengthSpan = field === 'key' ? s.keyLength : s.valueLength;
    }
    if (field === 'attributes') isVarint = false;
    if (field === 'timestampDelta') isLong = true;
  }
  let replacement: Buffer;
  let from = span[0];
  let to = span[1];
  if (field === 'attributes') {
    replacement = Buffer.from([rng.int(256)]);
  } else if (isVarint) {
    const current = readZigzag(stream, span[0]);
    replacement = varintBytes(rng, current, recordEnd - span[1], isLong);
  } else {
    // content: new bytes, and the length varint before them rewritten to match
    const old = stream.subarray(span[0], span[1]);
    const isNull = span[0] === span[1] && readZigzag(stream, lengthSpan![0]) < 0;
    const content = isNull && rng.chance(0.5) ? rng.bytes(rng.int(10)) : contentBytes(rng, old);
    const setNull = !isNull && rng.chance(0.05);
    replacement = Buffer.concat([setNull ? varint(-1) : varint(content.length), setNull ? Buffer.alloc(0) : content]);
    from = lengthSpan![0];
    to = span[1];
  }
  let rec = Buffer.concat([stream.subarray(s.length[1], from), replacement, stream.subarray(to, recordEnd)]);
  // The record's own length: re-computed (damage stays inside), or left as it was.
  const fixLength = field !== 'length' && rng.chance(0.75);
  const lengthBytes = field === 'length' ? varintBytes(rng, rec.length, recordEnd - s.length[1], false) : fixLength ? varint(rec.length) : stream.subarray(s.length[0], s.length[1]);
  rec = Buffer.concat([lengthBytes, rec]);
  const next = splice(stream, s.length[0], recordEnd - s.length[0], rec);
  return { bytes: rebuildBatch(src, e, header, next, rng).bytes, kind };
}

function readZigzag(buf: Buffer, p: number): number {
  let v = 0;
  let shift = 0;
  for (let i = p; i < buf.length && shift <= 28; i++, shift += 7) {
    v |= (buf[i]! & 0x7f) << shift;
    if ((buf[i]! & 0x80) === 0) break;
  }
  return (v >>> 1) ^ -(v & 1);
}

/** Damage to the compressed payload of a v2 batch, or a valid re-encoding of it. */
function mutatePayload(src: Buffer, e: Entry, rng: Rng): Mutated | null {
  const header = decodeBatchHeader(src, e.pos, e.pos) as RecordBatchHeader;
  const payload = src.subarray(e.pos + 61, e.pos + e.total);
  const op = rng.weighted<string>([
    ['flip', 4],
    ['truncate', 2],
    ['reframe', 2],
    ['codec-swap', 1],
    ['trailing', 1],
    ['checksum', 2],
  ]);
  const withPayload = (p: Buffer, kind: string, fixCrc = rng.chance(0.85)): Mutated => {
    const batch = Buffer.concat([src.subarray(e.pos, e.pos + 61), p]);
    batch.writeInt32BE(batch.length - 12, 8);
    if (fixCrc) fixV2Crc(batch, 0);
    return { bytes: splice(src, e.pos, e.total, batch), kind };
  };
  if (op === 'flip' || op === 'truncate' || op === 'trailing') {
    if (op === 'flip') {
      const p = Buffer.from(payload);
      for (let i = rng.range(1, 3); i > 0 && p.length; i--) p[rng.int(p.length)] ^= rng.range(1, 255);
      return withPayload(p, 'payload.flip');
    }
    if (op === 'truncate') return withPayload(payload.subarray(0, rng.int(payload.length)), 'payload.truncate');
    return withPayload(Buffer.concat([payload, rng.chance(0.3) ? Buffer.alloc(rng.range(1, 8)) : rng.bytes(rng.range(1, 16))]), 'payload.trailing');
  }
  let stream: Buffer;
  try {
    stream = Buffer.from(decompress(header.compression as CompressionTypeId, payload, { magic: 2 }));
  } catch {
    return null;
  }
  if (op === 'codec-swap') {
    const codec = rng.pick([0, 1, 2, 3, 4].filter((c) => c !== header.compression));
    const batch = Buffer.concat([src.subarray(e.pos, e.pos + 61), codec === 0 ? stream : compressAs(codec, stream, rng).bytes]);
    batch.writeInt32BE(batch.length - 12, 8);
    batch.writeUInt16BE((batch.readUInt16BE(21) & ~7) | codec, 21);
    fixV2Crc(batch, 0);
    return { bytes: splice(src, e.pos, e.total, batch), kind: 'payload.codec-swap' };
  }
  const { bytes: p, framing } = compressAs(header.compression, stream, rng);
  if (op === 'reframe') return withPayload(p, 'payload.reframe', true);
  // checksum: a framing with a content checksum (lz4, zstd), then its checksum bytes damaged
  if (!/crc/.test(framing)) return withPayload(p, 'payload.reframe', true);
  const q = Buffer.from(p);
  q[q.length - 1 - rng.int(4)] ^= rng.range(1, 255);
  return withPayload(q, `payload.checksum`, true);
}

// ---------------------------------------------------------------------------------------------
// Legacy message sets (magic 0 and 1)

/** Field offsets of a legacy message relative to its entry start. */
export function legacyLayout(buf: Buffer, at: number) {
  const magic = buf.readInt8(at + 16);
  const keyLenAt = magic === 1 ? 26 : 18;
  const keyLen = buf.readInt32BE(at + keyLenAt);
  const valueLenAt = keyLenAt + 4 + Math.max(keyLen, 0);
  const valueLen = buf.readInt32BE(at + valueLenAt);
  return { magic, keyLenAt, keyLen, valueLenAt, valueLen };
}

/** Rewrites the legacy message at `at` of `msg` (one whole entry) with its size and CRC fixed. */
function finishLegacy(msg: Buffer, fixCrc: boolean): Buffer {
  msg.writeInt32BE(msg.length - 12, 8);
  if (fixCrc) fixLegacyCrc(msg, 0);
  return msg;
}

/** One field of one legacy message (an entry of its own, or inside a wrapper), as an entry buffer. */
function damageLegacyMessage(msg: Buffer, rng: Rng): { msg: Buffer; field: string } {
  const b = Buffer.from(msg);
  let l: ReturnType<typeof legacyLayout>;
  try {
    l = legacyLayout(b, 0);
  } catch {
    return { msg: b, field: 'unparsed' };
  }
  const field = rng.weighted<string>([
    ['offset', 2],
    ['size', 3],
    ['crc', 1],
    ['magic', 2],
    ['attributes', 4],
    ['timestamp', l.magic === 1 ? 1 : 0],
    ['keyLength', 2],
    ['valueLength', 3],
    ['key', 2],
    ['value', 3],
  ]);
  switch (field) {
    case 'offset':
      b.writeBigInt64BE(interestingInt(rng, 64, Number(b.readBigInt64BE(0))), 0);
      break;
    case 'size':
      b.writeInt32BE(Number(interestingInt(rng, 32, b.readInt32BE(8), [13, 14, 17, 21, 25])), 8);
      return { msg: b, field };
    case 'crc':
      b.writeUInt32BE(rng.next(), 12);
      return { msg: b, field };
    case 'magic':
      b.writeInt8(rng.pick([0, 1, 2, 3, -1]), 16);
      break;
    case 'attributes': {
      const a = b[17]!;
      b[17] = rng.pick([(a & ~7) | rng.int(8), a ^ 0x08, a ^ (1 << rng.range(4, 7)), rng.int(256)]);
      break;
    }
    case 'timestamp':
      b.writeBigInt64BE(interestingInt(rng, 64, Number(b.readBigInt64BE(18))), 18);
      break;
    case 'keyLength':
    case 'valueLength': {
      const at = field === 'keyLength' ? l.keyLenAt : l.valueLenAt;
      if (at + 4 > b.length) return { msg: b, field };
      b.writeInt32BE(Number(interestingInt(rng, 32, b.readInt32BE(at), [b.length - at - 4, b.length - at - 3, -2])), at);
      break;
    }
    case 'key':
    case 'value': {
      const at = field === 'key' ? l.keyLenAt : l.valueLenAt;
      const len = field === 'key' ? l.keyLen : l.valueLen;
      if (at + 4 > b.length || at + 4 + Math.max(len, 0) > b.length) return { msg: b, field };
      const old = b.subarray(at + 4, at + 4 + Math.max(len, 0));
      const content = contentBytes(rng, Buffer.from(old));
      const lenBytes = Buffer.alloc(4);
      lenBytes.writeInt32BE(content.length);
      const next = Buffer.concat([b.subarray(0, at), lenBytes, content, b.subarray(at + 4 + Math.max(len, 0))]);
      return { msg: finishLegacy(next, rng.chance(0.8)), field };
    }
  }
  return { msg: finishLegacy(b, rng.chance(0.8)), field };
}

function mutateLegacy(src: Buffer, e: Entry, rng: Rng): Mutated {
  const { msg, field } = damageLegacyMessage(src.subarray(e.pos, e.pos + e.total), rng);
  return { bytes: splice(src, e.pos, e.total, msg), kind: `legacy.${field}` };
}

/** Damage inside a compressed legacy wrapper: its compressed bytes, or one inner message re-compressed. */
function mutateWrapper(src: Buffer, e: Entry, rng: Rng): Mutated | null {
  const w = Buffer.from(src.subarray(e.pos, e.pos + e.total));
  const h = decodeLegacyEntryHeader(w, 0, 0);
  const l = legacyLayout(w, 0);
  if (l.valueLen < 0 || l.valueLenAt + 4 + l.valueLen > w.length) return null;
  const value = w.subarray(l.valueLenAt + 4, l.valueLenAt + 4 + l.valueLen);
  const rebuild = (v: Buffer, kind: string): Mutated => {
    const lenBytes = Buffer.alloc(4);
    lenBytes.writeInt32BE(v.length);
    const msg = finishLegacy(Buffer.concat([w.subarray(0, l.valueLenAt), lenBytes, v]), rng.chance(0.85));
    return { bytes: splice(src, e.pos, e.total, msg), kind };
  };
  const op = rng.weighted<string>([
    ['flip', 3],
    ['truncate', 1],
    ['inner', 6],
    ['wrapper-offset', h.magic === 1 ? 2 : 0],
  ]);
  if (op === 'flip') {
    const v = Buffer.from(value);
    for (let i = rng.range(1, 3); i > 0 && v.length; i--) v[rng.int(v.length)] ^= rng.range(1, 255);
    return rebuild(v, 'wrapper.flip');
  }
  if (op === 'truncate') return rebuild(value.subarray(0, rng.int(value.length)), 'wrapper.truncate');
  if (op === 'wrapper-offset') {
    const b = Buffer.from(src);
    b.writeBigInt64BE(interestingInt(rng, 64, Number(h.offset), [0]), e.pos);
    return { bytes: b, kind: 'wrapper.offset' };
  }
  let inner: Buffer;
  try {
    inner = Buffer.from(decompress(h.compression as CompressionTypeId, value, { magic: h.magic }));
  } catch {
    return null;
  }
  const messages = entriesOf(inner);
  if (messages.length === 0) return null;
  const m = rng.pick(messages);
  let next: Buffer;
  let kind: string;
  if (rng.chance(0.15)) {
    const op2 = rng.pick(['drop', 'dup', 'trailing'] as const);
    next =
      op2 === 'drop'
        ? splice(inner, m.pos, m.total, Buffer.alloc(0))
        : op2 === 'dup'
          ? splice(inner, m.pos, 0, inner.subarray(m.pos, m.pos + m.total))
          : Buffer.concat([inner, rng.bytes(rng.range(1, 30))]);
    kind = `wrapper.inner.${op2}`;
  } else {
    const d = damageLegacyMessage(inner.subarray(m.pos, m.pos + m.total), rng);
    next = splice(inner, m.pos, m.total, d.msg);
    kind = `wrapper.inner.${d.field}`;
  }
  // Kafka's legacy writers: gzip, snappy (xerial) and lz4 frames; lz4 for magic 0 has KAFKA-3160's header checksum.
  return rebuild(compressAs(h.compression, next, rng).bytes, kind);
}

// ---------------------------------------------------------------------------------------------
// .index, .timeindex

/** Damage to an offset index (8-byte entries) or a time index (12-byte entries). */
export function mutateIndex(src: Buffer, rng: Rng, entrySize: 8 | 12, logSize: number): Mutated {
  const name = entrySize === 8 ? 'index' : 'timeindex';
  const n = Math.floor(src.length / entrySize);
  const op = rng.weighted<string>([
    ['offset', n ? 4 : 0],
    ['position', n && entrySize === 8 ? 4 : 0],
    ['timestamp', n && entrySize === 12 ? 4 : 0],
    ['partial', 1],
    ['zeros', 2],
    ['swap', n > 1 ? 1 : 0],
    ['raw', 1],
  ]);
  const b = Buffer.from(src);
  const slot = rng.int(n);
  const at = slot * entrySize;
  switch (op) {
    case 'offset': {
      const p = at + (entrySize === 8 ? 0 : 8);
      const prev = slot > 0 ? b.readInt32BE(p - entrySize) : 0;
      const next = slot + 1 < n ? b.readInt32BE(p + entrySize) : b.readInt32BE(p) + 10;
      b.writeInt32BE(Number(interestingInt(rng, 32, b.readInt32BE(p), [prev, next, prev - 1, next + 1])), p);
      break;
    }
    case 'position':
      b.writeInt32BE(Number(interestingInt(rng, 32, b.readInt32BE(at + 4), [logSize, logSize - 1, logSize - 17, logSize + 1, slot > 0 ? b.readInt32BE(at - 4) : 0])), at + 4);
      break;
    case 'timestamp': {
      const prev = slot > 0 ? Number(b.readBigInt64BE(at - 12)) : 0;
      b.writeBigInt64BE(interestingInt(rng, 64, Number(b.readBigInt64BE(at)), [prev, prev - 1, -1]), at);
      break;
    }
    case 'partial':
      return { bytes: rng.chance(0.5) && b.length ? b.subarray(0, b.length - rng.range(1, Math.min(b.length, entrySize - 1))) : Buffer.concat([b, rng.bytes(rng.range(1, entrySize - 1))]), kind: `${name}.partial` };
    case 'zeros':
      if (rng.chance(0.5) || n === 0) return { bytes: Buffer.concat([b, Buffer.alloc(entrySize * rng.range(1, 20))]), kind: `${name}.prealloc` };
      b.fill(0, at, at + entrySize);
      break;
    case 'swap': {
      const other = rng.int(n) * entrySize;
      const tmp = Buffer.from(b.subarray(at, at + entrySize));
      b.copy(b, at, other, other + entrySize);
      tmp.copy(b, other);
      break;
    }
    case 'raw':
      return { ...rawMutation(src, rng, []), kind: `${name}.raw` };
  }
  return { bytes: b, kind: `${name}.${op}` };
}

// ---------------------------------------------------------------------------------------------
// .txnindex, producer .snapshot

export function mutateTxnIndex(src: Buffer, rng: Rng): Mutated {
  const n = Math.floor(src.length / 34);
  const b = Buffer.from(src);
  const op = rng.weighted<string>([
    ['version', n ? 2 : 0],
    ['field', n ? 4 : 0],
    ['partial', 1],
    ['raw', 1],
  ]);
  const at = rng.int(n) * 34;
  if (op === 'version') b.writeInt16BE(rng.pick([1, -1, 2, 32767]), at);
  else if (op === 'field') {
    const f = rng.int(4);
    b.writeBigInt64BE(interestingInt(rng, 64, Number(b.readBigInt64BE(at + 2 + 8 * f))), at + 2 + 8 * f);
  } else if (op === 'partial') return { bytes: Buffer.concat([b, rng.bytes(rng.range(1, 33))]), kind: 'txnindex.partial' };
  else return { ...rawMutation(src, rng, []), kind: 'txnindex.raw' };
  return { bytes: b, kind: `txnindex.${op}` };
}

/** Producer snapshot: int16 version, uint32 CRC-32C of the rest, int32 count, 46-byte entries. */
export function mutateSnapshot(src: Buffer, rng: Rng): Mutated {
  const b = Buffer.from(src);
  const n = b.length >= 10 ? Math.floor((b.length - 10) / 46) : 0;
  const op = rng.weighted<string>([
    ['version', 1],
    ['crc', 1],
    ['count', 2],
    ['entry', n ? 5 : 0],
    ['truncate', 2],
    ['extend', 1],
    ['raw', 1],
  ]);
  let fixCrc = rng.chance(0.8);
  switch (op) {
    case 'version':
      if (b.length >= 2) b.writeInt16BE(rng.pick([0, 2, -1, 32767]), 0);
      break;
    case 'crc':
      if (b.length >= 6) b.writeUInt32BE(rng.next(), 2);
      fixCrc = false;
      break;
    case 'count':
      if (b.length >= 10) b.writeInt32BE(Number(interestingInt(rng, 32, b.readInt32BE(6), [n + 1, n - 1, b.length - 10, b.length - 9])), 6);
      break;
    case 'entry': {
      const at = 10 + rng.int(n) * 46;
      const fields: Array<[number, number]> = [
        [0, 8],
        [8, 2],
        [10, 4],
        [14, 8],
        [22, 4],
        [26, 8],
        [34, 4],
        [38, 8],
      ];
      const [off, len] = rng.pick(fields);
      writeInt(b, at + off, len, interestingInt(rng, (len * 8) as 16 | 32 | 64, readInt(b, at + off, len)));
      break;
    }
    case 'truncate':
      return { bytes: b.subarray(0, rng.int(b.length)), kind: 'snapshot.truncate' };
    case 'extend':
      return finishSnapshot(Buffer.concat([b, rng.chance(0.5) ? Buffer.alloc(rng.range(1, 60)) : rng.bytes(rng.range(1, 60))]), 'snapshot.extend', fixCrc);
    case 'raw':
      return { ...rawMutation(src, rng, []), kind: 'snapshot.raw' };
  }
  return finishSnapshot(b, `snapshot.${op}`, fixCrc);
}

function finishSnapshot(b: Buffer, kind: string, fixCrc: boolean): Mutated {
  if (fixCrc && b.length >= 6) b.writeUInt32BE(crc32c(b.subarray(6)), 2);
  return { bytes: b, kind };
}
