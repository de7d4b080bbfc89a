import { basename } from 'node:path';
import { CodecError, crc32 as computeCrc32 } from '../codec/index.js';
import {
  type LegacyEntryHeader,
  type RecordBatchHeader,
  HEADER_SIZE_UP_TO_MAGIC,
  LOG_OVERHEAD,
  MIN_RECORD_OVERHEAD,
  RECORD_BATCH_OVERHEAD,
  V2_CRC_START,
  decodeBatchHeader,
  frameAt,
  legacyHeaderSize,
} from '../format/batch.js';
import type { FormatError } from '../format/errors.js';
import { type Int64, addInt64, int64Max, readInt32, readInt64, readInt8, readUint32 } from '../format/int64.js';
import { computeBatchCrc, isEntryCrcValid } from '../format/entry.js';
import { decodeLegacyRecords } from '../format/legacy.js';
import { type DecodedRecords, decodeBatchRecords } from '../format/record.js';
import { decodeControlRecord } from '../format/schema/index.js';
import { SegmentFile, entryChecksumMatches, findPlausibleEntry, isPlausibleEntryAt } from '../io/segment-file.js';
import type { AnomalyClass, Findings } from './types.js';

/** What the later checks (offsets, indexes, epochs, producers) need to know about one batch. */
export interface BatchInfo {
  position: number;
  size: number;
  magic: number;
  /** First offset the batch covers (v2 baseOffset; legacy: the first inner message's offset). */
  firstOffset: Int64;
  lastOffset: Int64;
  /** Max record timestamp as a broker indexes it (-1 when there is none). */
  maxTimestamp: Int64;
  crcValid: boolean;
  /** Records decoded without error. */
  recordsValid: boolean;
  /** v2 fields; -1 / false for legacy entries. */
  leaderEpoch: number;
  producerId: Int64;
  producerEpoch: number;
  baseSequence: number;
  lastSequence: number;
  isTransactional: boolean;
  isControl: boolean;
  /** For control batches: the control type of the first record (0 ABORT, 1 COMMIT, ...); -1 if unknown. */
  controlType: number;
  /** The records' offsets skip inside the batch, or it is empty, or its delete horizon is set: only the cleaner does that. */
  compacted: boolean;
}

export interface SegmentScan {
  file: string;
  /** Base offset from the file name (null if the name is not a segment name). */
  baseOffset: Int64 | null;
  fileSize: number;
  /** Batches read (each was handed to the scan's `onBatch` and not kept: memory does not grow with the log). */
  batchCount: number;
  /** Position after the last batch read (where a broker's recovery would truncate). */
  validEnd: number;
  records: number;
  /** The largest single read of the file (bytes): the window, or the largest batch that verified. */
  largestRead: number;
}

export interface ScanOptions {
  resync: boolean;
}

const SEGMENT_NAME = /^(\d{20})\.log$/;

/** The base offset a segment's file name says it starts at. */
export function baseOffsetFromName(path: string): Int64 | null {
  const m = SEGMENT_NAME.exec(basename(path));
  if (!m) return null;
  const v = BigInt(m[1]!);
  return v <= 9007199254740991n ? Number(v) : v;
}

/** A position read result: what sits at a position of the file, in the walker's terms. */
type Probe =
  | { kind: 'eof' } // exactly at the end
  | { kind: 'short'; available: number } // 1..16 bytes left
  | { kind: 'undersized'; size: number }
  | { kind: 'badmagic'; magic: number; size: number }
  | { kind: 'overflow'; size: number; magic: number } // claims more bytes than the file has
  | { kind: 'frame'; size: number; magic: number; totalSize: number };

/** Receives each batch as the scan reads it; the info is not retained by the scan. */
export type BatchSink = (b: BatchInfo) => void;

/**
 * Reads one segment file and checks every batch: framing, magic, attributes, checksum, record
 * count, every record's structure (varints and lengths, via the format decoders) and decompression.
 * Where the log stops being readable it classifies the rest (truncated batch, zero-filled tail,
 * garbage) and, with `resync`, steps to the next plausible batch and goes on.
 *
 * Each batch's summary goes to `onBatch` in file order and is then dropped: the cross-batch checks
 * (offsets, indexes, epochs, producers) keep their own bounded state, so memory is bounded by the
 * largest batch and the read window, not by the number of batches.
 */
export function auditSegment(path: string, findings: Findings, options: ScanOptions, onBatch: BatchSink = () => {}): SegmentScan {
  const file = new SegmentFile(path);
  try {
    return new Scanner(path, file, findings, options, onBatch).run();
  } finally {
    file.close();
  }
}

class Scanner {
  private readonly end: number;
  private batchCount = 0;
  private records = 0;
  /** The offset the next batch should start at, as far as this segment tells (for plausibility). */
  private expectNext: Int64 | null;

  constructor(
    private readonly path: string,
    private readonly file: SegmentFile,
    private readonly findings: Findings,
    private readonly options: ScanOptions,
    private readonly onBatch: BatchSink,
  ) {
    this.end = file.size;
    this.expectNext = baseOffsetFromName(path);
  }

  private add(cls: AnomalyClass, position: number, detail: string, extra: { end?: number; offset?: Int64 } = {}): void {
    // Zero tails are what a crash leaves in a preallocated or not-yet-flushed file: the broker's
    // recovery truncates them, nothing it acknowledged was stored there.
    this.findings.push(cls, cls === 'zero-tail' ? 'warning' : 'error', this.path, position, detail, extra);
  }

  run(): SegmentScan {
    let p = 0;
    let validEnd = 0;
    while (p < this.end) {
      const probe = this.probe(p);
      if (probe.kind === 'eof') break;
      if (probe.kind === 'frame') {
        const verdict = this.readEntry(p, probe.totalSize, probe.magic);
        if (verdict === 'ok') {
          p += probe.totalSize;
          validEnd = p;
          continue;
        }
      }
      // Unreadable at p: classify, then stop or resync.
      const next = findPlausibleEntry(this.file, p + 1, this.end);
      this.classifyBad(p, probe, next);
      if (next === null || !this.options.resync) break;
      this.add('resync-skipped', p, `skipped ${next - p} bytes [${p}, ${next}); resumed at the next batch whose framing, magic and checksum are valid`, { end: next });
      p = next;
    }
    return {
      file: this.path,
      baseOffset: baseOffsetFromName(this.path),
      fileSize: this.end,
      batchCount: this.batchCount,
      validEnd,
      records: this.records,
      largestRead: this.file.largestRead,
    };
  }

  /** Frames the entry at p with FileLogInputStream's rules, plus magic and v2 minimum size. */
  private probe(p: number): Probe {
    if (p >= this.end) return { kind: 'eof' };
    const w = this.file.window(p, RECORD_BATCH_OVERHEAD);
    if (w.available < HEADER_SIZE_UP_TO_MAGIC) return { kind: 'short', available: w.available };
    const size = readInt32(w.buf, w.at + 8);
    const magic = readInt8(w.buf, w.at + 16);
    const f = frameAt(w.buf, w.at, w.at + (this.end - p));
    if (f.kind === 'undersized') return { kind: 'undersized', size };
    if (magic < 0 || magic > 2) return { kind: 'badmagic', magic, size };
    if (f.kind === 'end') return { kind: 'overflow', size, magic };
    if (magic === 2 && f.totalSize < RECORD_BATCH_OVERHEAD) return { kind: 'undersized', size };
    if (magic < 2 && f.totalSize < legacyHeaderSize(magic) + 8) return { kind: 'undersized', size };
    return { kind: 'frame', size: f.size, magic, totalSize: f.totalSize };
  }

  /** Whether the bytes [from, to) are all zero. */
  private allZero(from: number, to: number): boolean {
    const CH = 1 << 16;
    for (let p = from; p < to; p += CH) {
      const n = Math.min(CH, to - p);
      const w = this.file.window(p, n);
      for (let i = 0; i < n; i++) if (w.buf[w.at + i] !== 0) return false;
    }
    return true;
  }

  /** The offset field at p looks like the next batch of this segment (for telling damage from garbage). */
  private offsetPlausible(p: number): boolean {
    if (this.end - p < 8) return false;
    const w = this.file.window(p, 8);
    const o = readInt64(w.buf, w.at);
    if (o < 0) return false;
    if (this.expectNext === null) return true;
    const d = BigInt(o) - BigInt(this.expectNext);
    return d >= 0n && d < 2147483648n;
  }

  /** Names what is wrong at p (the start of an unreadable region) and reports it. */
  private classifyBad(p: number, probe: Probe, next: number | null): void {
    const to = next ?? this.end;
    const rest = next === null ? '' : this.options.resync ? '' : `; a plausible batch starts at ${next} (--resync reads on from there)`;
    const range = { end: next !== null && this.options.resync ? next : this.end };
    if (this.allZero(p, to)) {
      if (next === null) this.add('zero-tail', p, `${this.end - p} zero bytes from ${p} to the end of the file (a preallocated or unflushed tail)`, range);
      else this.add('zero-fill', p, `${next - p} zero bytes [${p}, ${next}) inside the log${rest}`, range);
      return;
    }
    const looksOurs = this.offsetPlausible(p);
    if (probe.kind === 'short') {
      this.add(looksOurs ? 'truncated-batch' : 'trailing-garbage', p, `${probe.available} bytes left at ${p}, fewer than a batch header`, range);
      return;
    }
    // A batch whose only damage is its length field: the checksum of the bytes up to the next
    // plausible batch still matches.
    if (next !== null && next - p >= RECORD_BATCH_OVERHEAD) {
      const h = this.file.window(p, RECORD_BATCH_OVERHEAD);
      const claimed = readInt32(h.buf, h.at + 8);
      const offset = readInt64(h.buf, h.at);
      if (h.buf[h.at + 16] === 2 && entryChecksumMatches(this.file, p, next - p, 2)) {
        this.add('batch-size', p + 8, `batchLength says ${claimed} but the batch's checksum verifies over ${next - p - LOG_OVERHEAD} bytes${rest}`, { ...range, offset });
        return;
      }
    }
    if (!looksOurs) {
      this.add(next === null ? 'trailing-garbage' : 'garbage', p, `${to - p} bytes at ${p} are not a record batch${rest}`, range);
      return;
    }
    switch (probe.kind) {
      case 'badmagic':
        this.add('batch-magic', p + 16, `magic byte ${probe.magic} (known: 0, 1, 2)${rest}`, range);
        return;
      case 'undersized':
        this.add('batch-size', p + 8, `size field ${probe.size} is below the minimum for its magic${rest}`, range);
        return;
      case 'overflow':
        if (next === null) {
          this.add('truncated-batch', p, `batch claims ${LOG_OVERHEAD + probe.size} bytes, only ${this.end - p} remain: the file ends inside it`, range);
        } else {
          this.add('batch-size', p + 8, `size field ${probe.size} runs past the end of the file${rest}`, range);
        }
        return;
      default:
        // It frames but its checksum fails and what follows it is not a batch: its length is wrong.
        this.add('batch-size', p + 8, `size field ${probe.kind === 'frame' ? probe.size : '?'} leads to no batch and the checksum fails${rest}`, range);
    }
  }

  /**
   * Reads and checks one framed entry. Returns 'bad' when its framing can't be trusted (checksum
   * fails and what follows is not a batch either), so the caller treats p as unreadable.
   */
  private readEntry(p: number, totalSize: number, magic: number): 'ok' | 'bad' {
    // The checksum decides whether the size field is trusted. An entry larger than the window (a
    // damaged length field often claims megabytes) has it computed window by window before it is
    // loaded, so that a bad size never grows the window.
    let entry = totalSize > this.file.chunk ? null : this.load(p, totalSize);
    const crcValid = entry !== null ? isEntryCrcValid(entry.w.buf, entry.w.at, entry.header) : entryChecksumMatches(this.file, p, totalSize, magic);
    if (!crcValid) {
      // Trust the size field only if it leads somewhere sensible (looking there moves the window).
      if (!this.sizeLeadsOn(p + totalSize)) return 'bad';
      entry = null;
    }
    const { w, header } = entry ?? this.load(p, totalSize);
    if (!crcValid) {
      // A v2 batch whose magic byte was damaged: the v2 checksum still verifies.
      if (header.format === 'legacy' && totalSize >= RECORD_BATCH_OVERHEAD && readUint32(w.buf, w.at + 17) === computeBatchCrc(w.buf, w.at, totalSize)) {
        this.add('batch-magic', p + 16, `magic byte ${header.magic}, but the batch is a v2 batch (its CRC-32C verifies)`, { offset: readInt64(w.buf, w.at) });
        return 'bad';
      }
      if (header.format === 'v2') {
        const computed = computeBatchCrc(w.buf, w.at, totalSize);
        this.add('batch-crc', p, `CRC-32C stored ${header.crc}, computed ${computed} over [${p + V2_CRC_START}, ${p + totalSize})`, { offset: header.baseOffset });
      } else {
        const msgEnd = w.at + totalSize;
        const computed = header.size >= MIN_RECORD_OVERHEAD ? computeCrc32(w.buf.subarray(w.at + 16, msgEnd)) : 0;
        this.add('batch-crc', p, `CRC-32 stored ${header.crc}, computed ${computed} over [${p + 16}, ${p + totalSize})`, { offset: header.offset });
      }
    }
    const info = header.format === 'v2' ? this.checkV2(w.buf, w.at, header, crcValid) : this.checkLegacy(w.buf, w.at, header, crcValid);
    this.batchCount++;
    this.onBatch(info);
    if (this.expectNext === null || info.lastOffset >= this.expectNext) this.expectNext = addInt64(info.lastOffset, 1);
    return 'ok';
  }

  /** The entry at p, read whole, and its header. */
  private load(p: number, totalSize: number) {
    const w = this.file.window(p, Math.max(totalSize, RECORD_BATCH_OVERHEAD));
    return { w, header: decodeBatchHeader(w.buf, w.at, p) };
  }

  /** An entry's size can be trusted though its checksum fails: it ends at the file's end, at a frame, or where only zeros follow. */
  private sizeLeadsOn(after: number): boolean {
    return after === this.end || this.nextFrames(after) || this.allZero(after, this.end);
  }

  private nextFrames(q: number): boolean {
    const pr = this.probe(q);
    if (pr.kind === 'frame') return this.offsetPlausible(q) || isPlausibleEntryAt(this.file, q, this.end);
    return false;
  }

  /**
   * What decoding the records found, and a payload that fails to decompress even where the reading
   * stopped before the failure (a bad record first, as Kafka's readers would).
   */
  private decodeErrors(decoded: DecodedRecords, position: number, offset: Int64): void {
    if (decoded.error) this.recordError(decoded.error, position, offset);
    const reported = decoded.error && (decoded.error.kind === 'Decompression' || decoded.error.cause instanceof CodecError);
    if (decoded.payloadError instanceof CodecError && !reported) this.add('decompression', position, decoded.payloadError.message, { offset });
  }

  private recordError(e: FormatError, fallback: number, offset: Int64): void {
    const cls: AnomalyClass =
      e.kind === 'Decompression' || e.cause instanceof CodecError ? 'decompression' : /record count/i.test(e.message) ? 'record-count' : 'record-corrupt';
    const cause = e.cause instanceof Error ? ` (${e.cause.message})` : '';
    this.add(cls, e.position >= 0 ? e.position : fallback, `${e.message || e.kind}${cause}`, { offset });
  }

  private checkV2(buf: Uint8Array, at: number, h: RecordBatchHeader, crcValid: boolean): BatchInfo {
    const p = h.position;
    // Attribute bits 7..15 have no meaning; bits 0-2 above 4 name no codec.
    if (h.compression > 4) this.add('batch-attributes', p + 21, `attributes 0x${h.attributes.toString(16)}: compression id ${h.compression} is unknown`, { offset: h.baseOffset });
    const unknownBits = ((buf[at + 21]! << 8) | buf[at + 22]!) & 0xff80;
    if (unknownBits !== 0) this.add('batch-attributes', p + 21, `attributes 0x${((buf[at + 21]! << 8) | buf[at + 22]!).toString(16)} set undefined bits 0x${unknownBits.toString(16)}`, { offset: h.baseOffset });
    if (h.lastOffsetDelta < 0) this.add('record-offset', p + 23, `lastOffsetDelta ${h.lastOffsetDelta} is negative`, { offset: h.baseOffset });
    if (h.recordCount > h.lastOffsetDelta + 1 && h.lastOffsetDelta >= 0) {
      this.add('record-count', p + 57, `recordCount ${h.recordCount} exceeds the ${h.lastOffsetDelta + 1} offsets the batch spans`, { offset: h.baseOffset });
    }
    let compacted = h.hasDeleteHorizon || h.recordCount === 0 || h.recordCount < h.lastOffsetDelta + 1;
    let decoded: DecodedRecords | null = null;
    if (h.compression <= 4 && h.recordCount >= 0) {
      decoded = decodeBatchRecords(buf, at, h);
      this.decodeErrors(decoded, p, h.baseOffset);
    }
    let maxTs: Int64 = -1;
    let controlType = -1;
    let firstOffset: Int64 = h.baseOffset;
    if (decoded) {
      let prevDelta = -1;
      for (const r of decoded.records) {
        if (r.offsetDelta <= prevDelta || r.offsetDelta > h.lastOffsetDelta) {
          this.add('record-offset', r.position, `record offsetDelta ${r.offsetDelta} after ${prevDelta} (lastOffsetDelta ${h.lastOffsetDelta})`, { offset: r.offset });
        } else if (r.offsetDelta !== prevDelta + 1) {
          compacted = true;
        }
        prevDelta = r.offsetDelta;
        maxTs = int64Max(maxTs, r.timestamp);
      }
      this.records += decoded.records.length;
      if (h.isControl && decoded.records.length > 0) {
        const r0 = decoded.records[0]!;
        try {
          controlType = decodeControlRecord(r0.key, r0.value).type;
        } catch (e) {
          this.add('record-corrupt', r0.position, `control record does not decode: ${(e as Error).message}`, { offset: r0.offset });
        }
      }
      if (decoded.error || decoded.records.length === 0) maxTs = h.maxTimestamp;
    } else {
      maxTs = h.maxTimestamp;
    }
    return {
      position: p,
      size: h.sizeInBytes,
      magic: 2,
      firstOffset,
      lastOffset: h.lastOffset,
      maxTimestamp: maxTs,
      crcValid,
      recordsValid: decoded !== null && !decoded.error,
      leaderEpoch: h.partitionLeaderEpoch,
      producerId: h.producerId,
      producerEpoch: h.producerEpoch,
      baseSequence: h.baseSequence,
      lastSequence: h.lastSequence,
      isTransactional: h.isTransactional,
      isControl: h.isControl,
      controlType,
      compacted,
    };
  }

  private checkLegacy(buf: Uint8Array, at: number, h: LegacyEntryHeader, crcValid: boolean): BatchInfo {
    const p = h.position;
    if (h.compression > 4) this.add('batch-attributes', p + 17, `attributes 0x${h.attributes.toString(16)}: compression id ${h.compression} is unknown`, { offset: h.offset });
    else if (h.compression === 4) this.add('batch-attributes', p + 17, `zstd (compression id 4) is not allowed in a magic ${h.magic} message`, { offset: h.offset });
    const decoded = decodeLegacyRecords(buf, at, h);
    this.decodeErrors(decoded, p, h.offset);
    let maxTs: Int64 = -1;
    let firstOffset: Int64 = h.offset;
    let compacted = false;
    let prev: Int64 | null = null;
    for (const r of decoded.records) {
      if (prev !== null) {
        if (r.offset <= prev) this.add('record-offset', p, `inner message offset ${r.offset} after ${prev}`, { offset: r.offset });
        else if (r.offset !== addInt64(prev, 1)) compacted = true;
      }
      prev = r.offset;
      maxTs = int64Max(maxTs, r.timestamp);
    }
    if (decoded.records.length > 0) {
      firstOffset = decoded.records[0]!.offset;
      const last = decoded.records[decoded.records.length - 1]!.offset;
      if (last !== h.offset && h.compression !== 0) {
        this.add('record-offset', p, `wrapper offset ${h.offset} but the last inner message has offset ${last}`, { offset: h.offset });
      }
    } else {
      maxTs = h.timestamp;
    }
    this.records += decoded.records.length;
    return {
      position: p,
      size: h.sizeInBytes,
      magic: h.magic,
      firstOffset: firstOffset > h.offset ? h.offset : firstOffset,
      lastOffset: h.offset,
      maxTimestamp: maxTs,
      crcValid,
      recordsValid: !decoded.error,
      leaderEpoch: -1,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      lastSequence: -1,
      isTransactional: false,
      isControl: false,
      controlType: -1,
      compacted,
    };
  }
}
