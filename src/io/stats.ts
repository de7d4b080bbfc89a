import { basename, dirname } from 'node:path';
import { compressionName } from '../codec/index.js';
import { type BatchHeader, RECORD_BATCH_OVERHEAD, firstTimestampOf, legacyHeaderSize, maxTimestampOf } from '../format/batch.js';
import { type Int64, readInt32 } from '../format/int64.js';
import type { LogRecord } from '../format/record.js';
import { parseControlKey } from '../format/schema/index.js';
import { forEachBatch } from './batches.js';
import { type Distribution, Histogram } from './histogram.js';
import type { LogBatch } from './log-batch.js';
import type { PathTarget } from './path-target.js';
import { batchFileOf, notRegularText, resolvePath } from './paths.js';
import { type Problem, problemOf } from './problem.js';

/**
 * What `kseg stats` computes: deep statistics over every record of a log dir, a partition or one
 * segment (decoded and decompressed), accumulated batch by batch in bounded memory.
 */

export type { Distribution } from './histogram.js';
export type { Problem } from './problem.js';

export interface CodecStats {
  codec: string;
  batches: number;
  records: number;
  /** Records payload as stored: batch minus its header (v2), wrapper value (legacy). */
  storedBytes: number;
  /** Records payload after decompression (= storedBytes when uncompressed). */
  rawBytes: number;
  /** rawBytes / storedBytes (null when nothing was stored). */
  ratio: number | null;
}

export interface ProducerStats {
  producerId: Int64;
  epochs: number[];
  batches: number;
  records: number;
  transactional: boolean;
  firstOffset: Int64;
  lastOffset: Int64;
}

export interface OpenTransaction {
  partition: string;
  producerId: Int64;
  producerEpoch: number;
  firstOffset: Int64;
  records: number;
}

export interface PartitionStatsRow {
  name: string;
  batches: number;
  /** Every record, control records included (as `kseg ls` counts them). */
  records: number;
  controlRecords: number;
  bytes: number;
}

export interface StatsResult {
  /** Bytes of the batches walked. */
  bytes: number;
  batches: number;
  /** Every record, control records included: the same count as `kseg ls` (PartitionSummary.records). */
  records: number;
  /** Records of data batches (what a consumer reads, aborted ones included): records - controlRecords. */
  dataRecords: number;
  controlBatches: number;
  controlRecords: number;
  recordsPerBatch: Distribution | null;
  /** Stored bytes (whole batches) per record. */
  bytesPerRecord: number | null;
  codecs: CodecStats[];
  keySize: Distribution | null;
  valueSize: Distribution | null;
  /** Per record: sum of header key (UTF-8) and value bytes. */
  headerSize: Distribution | null;
  headerCount: Distribution | null;
  nullKeys: number;
  /** Records with a null value. */
  tombstones: number;
  producers: ProducerStats[];
  transactions: {
    committed: number;
    aborted: number;
    open: number;
    /** Records of transactions that ended with an ABORT marker (they are on disk). */
    abortedRecords: number;
    openTransactions: OpenTransaction[];
  };
  /**
   * The batches' time range, as `kseg ls` shows it: the earliest first-record timestamp of a batch
   * (LogAppendTime: its max timestamp) to the latest batch max timestamp, every batch (control
   * ones too) with a timestamp (≥ 0).
   */
  time: { first: Int64 | null; last: Int64 | null; spanMs: number | null };
  crcErrors: number;
  partitions: PartitionStatsRow[];
  problems: Problem[];
}

const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * Accumulates deep statistics over batches. Feed it partitions in offset order (transactions are
 * tracked per partition and producer: a marker closes the producer's open transaction in that
 * partition), then call `result()`.
 */
export class StatsAccumulator {
  private partition = '';
  private row: PartitionStatsRow | null = null;
  private readonly rows: PartitionStatsRow[] = [];
  private bytes = 0;
  private batches = 0;
  private records = 0;
  private controlBatches = 0;
  private controlRecords = 0;
  private nullKeys = 0;
  private tombstones = 0;
  private crcErrors = 0;
  // Frequency maps, not per-record samples: memory is bounded by distinct sizes, percentiles exact.
  private readonly perBatch = new Histogram();
  private readonly keys = new Histogram();
  private readonly values = new Histogram();
  private readonly headerBytes = new Histogram();
  private readonly headerCounts = new Histogram();
  private readonly codecs = new Map<string, CodecStats>();
  private readonly producers = new Map<string, ProducerStats & { epochSet: Set<number> }>();
  /** `${partition}\0${producerId}` -> the open transaction. */
  private readonly open = new Map<string, OpenTransaction>();
  private committed = 0;
  private aborted = 0;
  private abortedRecords = 0;
  private first: Int64 | null = null;
  private last: Int64 | null = null;
  readonly problems: Problem[] = [];

  /** Starts a new partition (name as its folder). */
  startPartition(name: string): void {
    this.partition = name;
    this.row = { name, batches: 0, records: 0, controlRecords: 0, bytes: 0 };
    this.rows.push(this.row);
  }

  /** One batch's time range (the definition `kseg ls` uses: see StatsResult.time). */
  private time(h: BatchHeader): void {
    const first = firstTimestampOf(h);
    const last = maxTimestampOf(h);
    if (first >= 0 && (this.first === null || first < this.first)) this.first = first;
    if (last >= 0 && (this.last === null || last > this.last)) this.last = last;
  }

  addBatch(b: LogBatch): void {
    const h = b.header;
    this.time(h);
    this.batches++;
    this.bytes += h.sizeInBytes;
    if (this.row) {
      this.row.batches++;
      this.row.bytes += h.sizeInBytes;
    }
    if (!b.crcValid()) this.crcErrors++;
    const decoded = b.records();
    if (decoded.error) this.problems.push(problemOf(b.file, decoded.error, h.position));
    const recs = decoded.records;
    const n = recs.length;
    this.perBatch.add(n);

    // Codec accounting: stored payload vs decompressed payload.
    const codec = compressionName(h.compression);
    let stored: number;
    if (h.format === 'v2') stored = h.sizeInBytes - RECORD_BATCH_OVERHEAD;
    else {
      const hs = legacyHeaderSize(h.magic);
      const keyLen = b.bytes.length >= hs + 4 ? readInt32(b.bytes, hs) : -1;
      stored = h.compression === 0 ? h.sizeInBytes - hs : h.sizeInBytes - hs - 8 - Math.max(0, keyLen);
    }
    const raw = decoded.decompressed ? decoded.decompressed.length : stored;
    let c = this.codecs.get(codec);
    if (!c) this.codecs.set(codec, (c = { codec, batches: 0, records: 0, storedBytes: 0, rawBytes: 0, ratio: null }));
    c.batches++;
    c.records += n;
    c.storedBytes += stored;
    c.rawBytes += raw;

    this.records += n;
    if (this.row) this.row.records += n;
    if (h.format === 'v2' && h.isControl) {
      this.controlBatches++;
      this.controlRecords += n;
      if (this.row) this.row.controlRecords += n;
      for (const r of recs) this.marker(h.producerId, r);
      return;
    }
    for (const r of recs) {
      if (r.key === null) this.nullKeys++;
      else this.keys.add(r.key.length);
      if (r.value === null) this.tombstones++;
      else this.values.add(r.value.length);
      let hb = 0;
      for (const hd of r.headers) hb += utf8Length(hd.key) + (hd.value?.length ?? 0);
      this.headerBytes.add(hb);
      this.headerCounts.add(r.headers.length);
    }
    if (h.format === 'v2' && h.producerId !== -1 && n > 0) {
      const key = String(h.producerId);
      let p = this.producers.get(key);
      if (!p) {
        p = { producerId: h.producerId, epochs: [], epochSet: new Set(), batches: 0, records: 0, transactional: false, firstOffset: h.baseOffset, lastOffset: h.lastOffset };
        this.producers.set(key, p);
      }
      p.epochSet.add(h.producerEpoch);
      p.batches++;
      p.records += n;
      p.transactional ||= h.isTransactional;
      if (h.baseOffset < p.firstOffset) p.firstOffset = h.baseOffset;
      if (h.lastOffset > p.lastOffset) p.lastOffset = h.lastOffset;
      if (h.isTransactional) {
        const ok = `${this.partition}\0${key}`;
        const o = this.open.get(ok);
        if (o) o.records += n;
        else this.open.set(ok, { partition: this.partition, producerId: h.producerId, producerEpoch: h.producerEpoch, firstOffset: h.baseOffset, records: n });
      }
    }
  }

  /** An end-transaction marker (control key type 0 ABORT, 1 COMMIT) closes the producer's transaction. */
  private marker(producerId: Int64, r: LogRecord): void {
    let type: number;
    try {
      type = parseControlKey(r.key)[1];
    } catch {
      return; // not an end-transaction marker we can read; the dump shows why
    }
    if (type !== 0 && type !== 1) return;
    const ok = `${this.partition}\0${String(producerId)}`;
    const o = this.open.get(ok);
    this.open.delete(ok);
    if (type === 1) this.committed++;
    else {
      this.aborted++;
      this.abortedRecords += o?.records ?? 0;
    }
  }

  result(): StatsResult {
    const codecs = [...this.codecs.values()]
      .map((c) => ({ ...c, ratio: c.storedBytes > 0 ? c.rawBytes / c.storedBytes : null }))
      .sort((a, b) => (a.codec < b.codec ? -1 : 1));
    const producers = [...this.producers.values()]
      .map(({ epochSet, ...p }) => ({ ...p, epochs: [...epochSet].sort((a, b) => a - b) }))
      .sort((a, b) => (a.producerId < b.producerId ? -1 : 1));
    const openTransactions = [...this.open.values()];
    const total = this.records;
    return {
      bytes: this.bytes,
      batches: this.batches,
      records: this.records,
      dataRecords: this.records - this.controlRecords,
      controlBatches: this.controlBatches,
      controlRecords: this.controlRecords,
      recordsPerBatch: this.perBatch.distribution(),
      bytesPerRecord: total > 0 ? this.bytes / total : null,
      codecs,
      keySize: this.keys.distribution(),
      valueSize: this.values.distribution(),
      headerSize: this.headerBytes.distribution(),
      headerCount: this.headerCounts.distribution(),
      nullKeys: this.nullKeys,
      tombstones: this.tombstones,
      producers,
      transactions: { committed: this.committed, aborted: this.aborted, open: openTransactions.length, abortedRecords: this.abortedRecords, openTransactions },
      time: {
        first: this.first,
        last: this.last,
        spanMs: this.first !== null && this.last !== null ? Number(BigInt(this.last) - BigInt(this.first)) : null,
      },
      crcErrors: this.crcErrors,
      partitions: this.rows,
      problems: this.problems,
    };
  }
}

/** Walks one segment's batches into an accumulator; a walk that stops early is one of its problems. */
export function accumulateSegment(acc: StatsAccumulator, log: string, onBytes?: (n: number) => void): void {
  forEachBatch(log, acc.problems, (b) => {
    acc.addBatch(b);
    onBytes?.(b.header.sizeInBytes);
  });
}

/** What `kseg stats` was given. */
export type StatsTarget = 'logdir' | 'partition' | 'segment';

/**
 * Deep statistics of a resolved path (a log dir, a partition folder or one segment file): every
 * record decoded and decompressed. `onBytes` is told the size of each batch as it passes (progress).
 */
export function statsOfTarget(t: PathTarget, options: { onBytes?: (n: number) => void } = {}): { target: StatsTarget; result: StatsResult } {
  const acc = new StatsAccumulator();
  let target: StatsTarget;
  let work: Array<{ name: string; logs: string[] }>;
  if (t.kind === 'file') {
    target = 'segment';
    work = [{ name: basename(dirname(t.path)), logs: [batchFileOf(t)] }];
  } else {
    target = t.kind === 'logdir' ? 'logdir' : 'partition';
    const parts = t.kind === 'logdir' ? t.listing.partitions : [t.dir];
    work = parts.map((p) => ({ name: p.name, logs: p.segments.flatMap((s) => (s.log ? [s.log] : [])) }));
  }
  for (const w of work) {
    acc.startPartition(w.name);
    for (const log of w.logs) accumulateSegment(acc, log, options.onBytes);
  }
  const result = acc.result();
  // Entries the listing did not read (FIFOs, devices, folders named like segments) are problems too.
  const parts = t.kind === 'logdir' ? t.listing.partitions : t.kind === 'partition' ? [t.dir] : [];
  for (const p of parts) for (const i of p.irregular) result.problems.push({ file: i.path, message: notRegularText(i.type) });
  return { target, result };
}

/** statsOfTarget of a path (resolved with resolvePath: a PathError says why it can't be read). */
export function computeStats(path: string, options: { onBytes?: (n: number) => void } = {}): { target: StatsTarget; result: StatsResult } {
  return statsOfTarget(resolvePath(path, { absolute: true }), options);
}
