import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { COMPRESSION_NAMES } from '../codec/index.js';
import { type BatchHeader, legacyHeaderSize, lastOffsetOf } from '../format/batch.js';
import { type Int64, addInt64, normalize, readInt32 } from '../format/int64.js';
import {
  OFFSET_INDEX_ENTRY_SIZE,
  TIME_INDEX_ENTRY_SIZE,
  TXN_INDEX_ENTRY_SIZE,
  offsetIndexEntry,
  slotCount,
  timeIndexEntry,
} from '../format/indexes.js';
import type { LogRecord } from '../format/record.js';
import { parseControlKey } from '../format/schema/index.js';
import {
  type LeaderEpochEntry,
  TextFileError,
  parseLeaderEpochCheckpoint,
  parseOffsetCheckpoint,
  parsePartitionMetadata,
  parseProperties,
  parseQuorumState,
} from '../format/text-files.js';
import { readBatches } from './batches.js';
import type { LogBatch } from './log-batch.js';
import { type Distribution, Histogram } from './histogram.js';
import type { LeftoverKind, LogDir, PartitionDir, SegmentFiles } from './logdir.js';
import { orphanedIndexes } from './orphan-indexes.js';
import { notRegularText, readRegularText, resolveDirectory } from './paths.js';

/**
 * The partition model behind `kseg ls` and `kseg stats`: what a log dir holds, summarised from
 * batch headers (a shallow walk that never decompresses), the broker's index sanity checks, and
 * the small text files decoded. Deep statistics (`StatsAccumulator`) decode records.
 */

/** Something wrong with an input file; the rest of the work goes on. */
export interface Problem {
  file: string;
  /** Byte position in the file, when the problem is at a byte. */
  position?: number;
  /** 1-based line, for text files. */
  line?: number;
  message: string;
}

function problemOf(file: string, e: unknown, position?: number): Problem {
  if (e instanceof TextFileError) return { file, line: e.line, message: e.message };
  const msg = e instanceof Error ? e.message : String(e);
  const pos = typeof (e as { position?: unknown })?.position === 'number' && (e as { position: number }).position >= 0 ? (e as { position: number }).position : position;
  return pos === undefined ? { file, message: msg } : { file, position: pos, message: msg };
}

// ---------------------------------------------------------------------------------------------
// Index sanity (DumpLogSegments --index-sanity-check, i.e. OffsetIndex/TimeIndex.sanityCheck)

export interface IndexSanity {
  file: string;
  kind: 'offset' | 'time';
  bytes: number;
  /** Whole slots in the file (including a preallocated zero tail). */
  slots: number;
  /** The broker's verdict. */
  ok: boolean;
  /** Kafka's CorruptIndexException message when not ok. */
  error: string | null;
  /**
   * The file ends in an all-zero slot: a broker preallocates the active segment's indexes and
   * zero-fills the tail. Such a time index fails Kafka's timestamp check (last 0 < first) even
   * though the segment is healthy; this flag lets the report say so instead of alarming.
   */
  preallocated: boolean;
}

/** Reads `len` bytes at `pos` (or fewer at end of file) without loading the whole file. */
function readAt(fd: number, pos: number, len: number): Uint8Array {
  const b = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, b, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return b.subarray(0, got);
}

const allZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

/**
 * OffsetIndex.sanityCheck: a non-empty index's last slot offset must be ≥ the base offset and its
 * length a multiple of 8. Reads only the last slot.
 */
export function offsetIndexSanity(path: string, baseOffset: Int64): IndexSanity {
  const fd = openSync(path, 'r');
  try {
    const bytes = fstatSync(fd).size;
    const slots = slotCount(bytes, OFFSET_INDEX_ENTRY_SIZE);
    let error: string | null = null;
    let preallocated = false;
    if (slots > 0) {
      const lastSlot = readAt(fd, (slots - 1) * OFFSET_INDEX_ENTRY_SIZE, OFFSET_INDEX_ENTRY_SIZE);
      preallocated = slots > 1 && allZero(lastSlot);
      const last = offsetIndexEntry(lastSlot, 0, baseOffset).offset;
      if (last < baseOffset) {
        error = `Corrupt index found, index file ${path} has non-zero size but the last offset is ${last} which is less than the base offset ${baseOffset}`;
      } else if (bytes % OFFSET_INDEX_ENTRY_SIZE !== 0) {
        error = `Index file ${path} is corrupt, found ${bytes} bytes which is neither positive nor a multiple of ${OFFSET_INDEX_ENTRY_SIZE}`;
      }
    }
    return { file: path, kind: 'offset', bytes, slots, ok: error === null, error, preallocated };
  } finally {
    closeSync(fd);
  }
}

/**
 * TimeIndex.sanityCheck: a non-empty index's last timestamp must be ≥ its first, its last offset ≥
 * the base offset, and its length a multiple of 12. Reads only the first and last slots.
 */
export function timeIndexSanity(path: string, baseOffset: Int64): IndexSanity {
  const fd = openSync(path, 'r');
  try {
    const bytes = fstatSync(fd).size;
    const slots = slotCount(bytes, TIME_INDEX_ENTRY_SIZE);
    let error: string | null = null;
    let preallocated = false;
    if (slots > 0) {
      const firstSlot = readAt(fd, 0, TIME_INDEX_ENTRY_SIZE);
      const lastSlot = readAt(fd, (slots - 1) * TIME_INDEX_ENTRY_SIZE, TIME_INDEX_ENTRY_SIZE);
      preallocated = slots > 1 && allZero(lastSlot);
      const first = timeIndexEntry(firstSlot, 0, baseOffset);
      const last = timeIndexEntry(lastSlot, 0, baseOffset);
      if (last.timestamp < first.timestamp) {
        error = `Corrupt time index found, time index file (${path}) has non-zero size but the last timestamp is ${last.timestamp} which is less than the first timestamp ${first.timestamp}`;
      } else if (last.offset < baseOffset) {
        error = `Corrupt time index found, time index file (${path}) has non-zero size but the last offset is ${last.offset} which is less than the first offset ${baseOffset}`;
      }
    }
    if (error === null && bytes % TIME_INDEX_ENTRY_SIZE !== 0) {
      error = `Time index file ${path} is corrupt, found ${bytes} bytes which is neither positive nor a multiple of ${TIME_INDEX_ENTRY_SIZE}`;
    }
    return { file: path, kind: 'time', bytes, slots, ok: error === null, error, preallocated };
  } finally {
    closeSync(fd);
  }
}

/** Overall index verdict of a segment or partition, as an operator should read it. */
export type IndexVerdict =
  | 'ok' // every index passes the broker's sanity check
  | 'preallocated' // only preallocated (zero-tail) indexes of the active segment fail, as Kafka's check would: healthy
  | 'failed' // a real failure
  | 'missing' // a segment with records has no index file (the broker would rebuild it)
  | 'log-missing'; // index entries remain of a segment whose .log is gone: its records are lost

// ---------------------------------------------------------------------------------------------
// Shallow segment and partition summaries

export interface SegmentSummary {
  baseOffset: Int64;
  log: string | null;
  /** Size of the `.log` file. */
  bytes: number;
  /** The last segment of the partition: the one a broker appends to. */
  active: boolean;
  batches: number;
  /** Every record, control records (transaction markers, KRaft control messages) included. */
  records: number;
  controlBatches: number;
  /** Records of control batches (included in `records`). */
  controlRecords: number;
  /** First and last offsets of the records (null when the segment is empty). */
  firstOffset: Int64 | null;
  lastOffset: Int64 | null;
  /** Earliest batch-first timestamp and latest batch max timestamp, from headers (null if none). */
  firstTimestamp: Int64 | null;
  maxTimestamp: Int64 | null;
  codecs: string[];
  magics: number[];
  /**
   * False when some legacy (magic 0/1) compressed wrapper was counted by its offset span rather
   * than decompressed: exact unless the log was compacted (offsets missing inside the wrapper).
   */
  recordsExact: boolean;
  offsetIndex: IndexSanity | null;
  timeIndex: IndexSanity | null;
  /** `.txnindex` aborted-transaction entries (null when there is no file). */
  abortedTxns: number | null;
  indexVerdict: IndexVerdict;
  problems: Problem[];
}

export interface SummaryOptions {
  /**
   * Decompress legacy compressed wrappers to count their records exactly (v2 batches carry their
   * count in the header and are never decompressed).
   */
  exactLegacyCounts?: boolean;
}

const codecName = (id: number): string => (COMPRESSION_NAMES as Record<number, string>)[id] ?? `unknown(${id})`;

/** Time a batch starts at, as far as its header says (baseTimestamp is the delete horizon or meaningless in some batches). */
function headerFirstTimestamp(h: BatchHeader): Int64 {
  if (h.format === 'legacy') return h.timestamp;
  if (h.timestampType === 'LogAppendTime' || h.hasDeleteHorizon) return h.maxTimestamp;
  return h.baseTimestamp;
}

function headerMaxTimestamp(h: BatchHeader): Int64 {
  return h.format === 'legacy' ? h.timestamp : h.maxTimestamp;
}

/**
 * Summarises one segment from its batch headers. `prevLastOffset` is the last offset before this
 * segment (to count legacy compressed wrappers by offset span); the segment's base offset is used
 * when absent.
 */
export function summarizeSegment(seg: SegmentFiles, active: boolean, options: SummaryOptions = {}): SegmentSummary {
  const baseOffset = normalize(seg.baseOffset);
  const s: SegmentSummary = {
    baseOffset,
    log: seg.log ?? null,
    bytes: seg.logSize,
    active,
    batches: 0,
    records: 0,
    controlBatches: 0,
    controlRecords: 0,
    firstOffset: null,
    lastOffset: null,
    firstTimestamp: null,
    maxTimestamp: null,
    codecs: [],
    magics: [],
    recordsExact: true,
    offsetIndex: null,
    timeIndex: null,
    abortedTxns: null,
    indexVerdict: 'ok',
    problems: [],
  };
  const codecs = new Set<string>();
  const magics = new Set<number>();
  if (seg.log) {
    let prevLast: Int64 = addInt64(baseOffset, -1);
    const it = readBatches(seg.log, { boundUnverified: true });
    try {
      for (;;) {
        const step = it.next();
        if (step.done) {
          const end = step.value;
          if (end.undersized) {
            s.problems.push({ file: seg.log, position: end.position, message: `entry size ${end.undersized.size} is below the minimum (14): the walk stopped here, ${end.fileSize - end.position} bytes unread` });
          } else if (end.position < end.fileSize) {
            s.problems.push({ file: seg.log, position: end.position, message: `${end.fileSize - end.position} trailing bytes do not hold a whole batch` });
          }
          break;
        }
        const b = step.value;
        const h = b.header;
        s.batches++;
        codecs.add(codecName(h.compression));
        magics.add(h.magic);
        let first: Int64;
        let count: number;
        if (h.format === 'v2') {
          first = h.baseOffset;
          count = h.recordCount;
          if (h.isControl) {
            s.controlBatches++;
            s.controlRecords += h.recordCount;
          }
        } else if (h.compression === 0) {
          first = h.offset;
          count = 1;
        } else if (options.exactLegacyCounts) {
          const d = b.records();
          if (d.error) s.problems.push(problemOf(seg.log, d.error, h.position));
          count = d.records.length;
          first = d.records[0]?.offset ?? h.offset;
        } else {
          // A legacy wrapper's offset is its last inner offset: without decompressing, the inner
          // count is the offset span since the previous entry.
          first = addInt64(prevLast, 1);
          count = Number(BigInt(h.offset) - BigInt(prevLast));
          s.recordsExact = false;
        }
        s.records += count;
        if (s.firstOffset === null) s.firstOffset = first;
        const last = lastOffsetOf(h);
        s.lastOffset = last;
        prevLast = last;
        const ft = headerFirstTimestamp(h);
        const mt = headerMaxTimestamp(h);
        if (ft >= 0 && (s.firstTimestamp === null || ft < s.firstTimestamp)) s.firstTimestamp = ft;
        if (mt >= 0 && (s.maxTimestamp === null || mt > s.maxTimestamp)) s.maxTimestamp = mt;
      }
    } catch (e) {
      s.problems.push(problemOf(seg.log, e));
    } finally {
      it.return?.(undefined as never);
    }
  }
  s.codecs = [...codecs].sort();
  s.magics = [...magics].sort();
  try {
    if (seg.index) s.offsetIndex = offsetIndexSanity(seg.index, baseOffset);
    if (seg.timeindex) s.timeIndex = timeIndexSanity(seg.timeindex, baseOffset);
    if (seg.txnindex) s.abortedTxns = slotCount(statSync(seg.txnindex).size, TXN_INDEX_ENTRY_SIZE);
  } catch (e) {
    s.problems.push(problemOf(seg.index ?? seg.log ?? '', e));
  }
  s.indexVerdict = segmentVerdict(s);
  const orphan = orphanedIndexes(seg);
  if (orphan?.populated) {
    s.indexVerdict = 'log-missing';
    s.problems.push({ file: orphan.log, message: `missing, while ${orphan.description}: the records they indexed are gone` });
  }
  return s;
}

function segmentVerdict(s: SegmentSummary): IndexVerdict {
  const idx = [s.offsetIndex, s.timeIndex].filter((x): x is IndexSanity => x !== null);
  const failed = idx.filter((i) => !i.ok);
  if (failed.some((i) => !(i.preallocated && s.active))) return 'failed';
  if (s.batches > 0 && (s.offsetIndex === null || s.timeIndex === null)) return 'missing';
  return failed.length > 0 ? 'preallocated' : 'ok';
}

export interface Leftover {
  file: string;
  kind: LeftoverKind;
  bytes: number;
}

export interface PartitionSummary {
  name: string;
  topic: string;
  partition: number;
  state: PartitionDir['state'];
  path: string;
  segments: SegmentSummary[];
  /** Sum of the `.log` sizes. */
  logBytes: number;
  /** Every file of the folder, leftovers included. */
  totalBytes: number;
  batches: number;
  /** Every record, control records included (as a deep walk counts them). */
  records: number;
  controlRecords: number;
  recordsExact: boolean;
  firstOffset: Int64 | null;
  lastOffset: Int64 | null;
  firstTimestamp: Int64 | null;
  maxTimestamp: Int64 | null;
  codecs: string[];
  magics: number[];
  indexVerdict: IndexVerdict;
  abortedTxns: number;
  /** Producer snapshot offsets (`<offset>.snapshot`). */
  snapshots: Int64[];
  /** KRaft snapshot files (`<offset>-<epoch>.checkpoint`). */
  kraftSnapshots: string[];
  leaderEpochs: Array<{ epoch: number; startOffset: Int64 }> | null;
  topicId: string | null;
  quorumState: Record<string, unknown> | null;
  /** This partition's entries in the log dir's `*-offset-checkpoint` files, by file name. */
  checkpoints: Record<string, Int64>;
  leftovers: Leftover[];
  other: string[];
  problems: Problem[];
}

function readText(file: string, problems: Problem[]): string | null {
  try {
    return readRegularText(file);
  } catch (e) {
    problems.push(problemOf(file, e));
    return null;
  }
}

/** A file's size, 0 when it cannot be read (gone meanwhile). */
export function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Summarises a partition folder (listing from `readPartitionDir`). */
export function summarizePartition(dir: PartitionDir, options: SummaryOptions = {}): PartitionSummary {
  const problems: Problem[] = [];
  const segments = dir.segments.map((seg, i) => summarizeSegment(seg, i === dir.segments.length - 1, options));
  const p: PartitionSummary = {
    name: dir.name,
    topic: dir.topic,
    partition: dir.partition,
    state: dir.state,
    path: dir.path,
    segments,
    logBytes: 0,
    totalBytes: 0,
    batches: 0,
    records: 0,
    controlRecords: 0,
    recordsExact: true,
    firstOffset: null,
    lastOffset: null,
    firstTimestamp: null,
    maxTimestamp: null,
    codecs: [],
    magics: [],
    indexVerdict: 'ok',
    abortedTxns: 0,
    snapshots: dir.snapshots.map((s) => normalize(s.offset)),
    kraftSnapshots: dir.checkpoints.map((c) => basename(c)),
    leaderEpochs: null,
    topicId: null,
    quorumState: null,
    checkpoints: {},
    leftovers: dir.leftovers.map((l) => ({ file: l.path, kind: l.kind, bytes: sizeOf(l.path) })),
    other: dir.other,
    problems,
  };
  const codecs = new Set<string>();
  const magics = new Set<number>();
  const verdictRank: Record<IndexVerdict, number> = { ok: 0, preallocated: 1, missing: 2, failed: 3, 'log-missing': 4 };
  for (const s of segments) {
    p.logBytes += s.bytes;
    p.batches += s.batches;
    p.records += s.records;
    p.controlRecords += s.controlRecords;
    p.recordsExact &&= s.recordsExact;
    p.abortedTxns += s.abortedTxns ?? 0;
    if (s.firstOffset !== null && p.firstOffset === null) p.firstOffset = s.firstOffset;
    if (s.lastOffset !== null) p.lastOffset = s.lastOffset;
    if (s.firstTimestamp !== null && (p.firstTimestamp === null || s.firstTimestamp < p.firstTimestamp)) p.firstTimestamp = s.firstTimestamp;
    if (s.maxTimestamp !== null && (p.maxTimestamp === null || s.maxTimestamp > p.maxTimestamp)) p.maxTimestamp = s.maxTimestamp;
    s.codecs.forEach((c) => codecs.add(c));
    s.magics.forEach((m) => magics.add(m));
    if (verdictRank[s.indexVerdict] > verdictRank[p.indexVerdict]) p.indexVerdict = s.indexVerdict;
    problems.push(...s.problems);
  }
  p.codecs = [...codecs].sort();
  p.magics = [...magics].sort();
  for (const i of dir.irregular) problems.push({ file: i.path, message: notRegularText(i.type) });
  const files = [
    ...dir.segments.flatMap((s) => [s.log, s.index, s.timeindex, s.txnindex]),
    ...dir.snapshots.map((s) => s.path),
    ...dir.checkpoints,
    ...dir.leftovers.map((l) => l.path),
    dir.leaderEpochCheckpoint,
    dir.partitionMetadata,
    dir.quorumState,
    ...dir.other,
  ];
  for (const f of files) if (f) p.totalBytes += sizeOf(f);
  const leaderEpochs = parseSmallFile(dir.leaderEpochCheckpoint, parseLeaderEpochCheckpoint, problems);
  if (leaderEpochs) p.leaderEpochs = leaderEpochs.entries.map((e: LeaderEpochEntry) => ({ epoch: e.epoch, startOffset: e.startOffset }));
  const metadata = parseSmallFile(dir.partitionMetadata, parsePartitionMetadata, problems);
  if (metadata) p.topicId = metadata.topicId;
  const quorum = parseSmallFile(dir.quorumState, parseQuorumState, problems);
  if (quorum) p.quorumState = quorum;
  return p;
}

export interface RootFile {
  file: string;
  kind: 'meta.properties' | 'offset-checkpoint' | 'bootstrap.checkpoint' | 'other';
  bytes: number;
  /** meta.properties: the properties. */
  properties?: Record<string, string>;
  /** `*-offset-checkpoint`: format version (absent for an empty file: no entries) and number of entries. */
  version?: number;
  entries?: number;
}

export interface LogDirSummary {
  path: string;
  files: RootFile[];
  /** meta.properties (`broker.id` / `node.id`, `cluster.id`, `version`, ...), null if absent. */
  meta: Record<string, string> | null;
  partitions: PartitionSummary[];
  problems: Problem[];
}

/**
 * Summarises what `kseg ls` shows for a path: a whole log dir (every partition from its batch
 * headers and indexes, and the root files decoded) or one partition folder. The path is resolved
 * by resolvePath (a PathError says why it is neither); paths in the summary are absolute.
 * `onPartition` is called after each partition (progress reporting).
 */
export function summarizeLogDir(path: string, options: SummaryOptions & { onPartition?: (done: number, total: number) => void } = {}): LogDirSummary {
  const t = resolveDirectory(path, { absolute: true });
  if (t.kind === 'logdir') return summarizeListing(t.listing, options);
  const p = summarizePartition(t.dir, options);
  options.onPartition?.(1, 1);
  return { path: dirname(t.path), files: [], meta: null, partitions: [p], problems: p.problems };
}

export function summarizeListing(dir: LogDir, options: SummaryOptions & { onPartition?: (done: number, total: number) => void } = {}): LogDirSummary {
  const problems: Problem[] = [];
  const files: RootFile[] = [];
  let meta: Record<string, string> | null = null;
  // topic-partition -> checkpoint file name -> offset
  const cp = new Map<string, Record<string, Int64>>();
  for (const f of dir.files) {
    const name = basename(f);
    const rf: RootFile = { file: f, kind: 'other', bytes: sizeOf(f) };
    if (name === 'meta.properties') {
      rf.kind = 'meta.properties';
      const t = readText(f, problems);
      if (t !== null) rf.properties = meta = parseProperties(t);
    } else if (name.endsWith('-offset-checkpoint')) {
      rf.kind = 'offset-checkpoint';
      const t = readText(f, problems);
      if (t !== null) {
        try {
          const c = parseOffsetCheckpoint(t);
          if (c.version !== null) rf.version = c.version;
          rf.entries = c.entries.length;
          for (const e of c.entries) {
            const key = `${e.topic}-${e.partition}`;
            let m = cp.get(key);
            if (!m) cp.set(key, (m = {}));
            m[name] = e.offset;
          }
        } catch (e) {
          problems.push(problemOf(f, e));
        }
      }
    } else if (name === 'bootstrap.checkpoint') {
      rf.kind = 'bootstrap.checkpoint';
    }
    files.push(rf);
  }
  for (const i of dir.irregular) problems.push({ file: i.path, message: notRegularText(i.type) });
  const partitions: PartitionSummary[] = [];
  for (const pd of dir.partitions) {
    const p = summarizePartition(pd, options);
    p.checkpoints = cp.get(`${p.topic}-${p.partition}`) ?? {};
    partitions.push(p);
    problems.push(...p.problems);
    options.onPartition?.(partitions.length, dir.partitions.length);
  }
  return { path: dir.path, files, meta, partitions, problems };
}

/**
 * `log.dirs` (or `log.dir`) of a broker's `server.properties`: the first directory of the comma
 * list, as `kseg ls --config` uses it. Null when the file sets neither.
 */
export function logDirFromServerProperties(file: string): string | null {
  const props = parseProperties(readRegularText(file));
  const v = props['log.dirs'] ?? props['log.dir'];
  if (v === undefined) return null;
  const first = v.split(',').map((s) => s.trim()).find((s) => s !== '');
  return first ?? null;
}

// ---------------------------------------------------------------------------------------------
// Deep statistics (`kseg stats`): every record decoded

export type { Distribution } from './histogram.js';

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
    const first = headerFirstTimestamp(h);
    const last = headerMaxTimestamp(h);
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
    const codec = codecName(h.compression);
    let stored: number;
    if (h.format === 'v2') stored = h.sizeInBytes - 61;
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

/** Walks one segment's batches into an accumulator, recording where a walk stopped early. */
export function accumulateSegment(acc: StatsAccumulator, log: string, onBytes?: (n: number) => void): void {
  const it = readBatches(log, { boundUnverified: true });
  try {
    for (;;) {
      const step = it.next();
      if (step.done) {
        const end = step.value;
        if (end.undersized) acc.problems.push({ file: log, position: end.position, message: `entry size ${end.undersized.size} is below the minimum (14): the walk stopped here` });
        else if (end.position < end.fileSize) acc.problems.push({ file: log, position: end.position, message: `${end.fileSize - end.position} trailing bytes do not hold a whole batch` });
        return;
      }
      acc.addBatch(step.value);
      onBytes?.(step.value.header.sizeInBytes);
    }
  } catch (e) {
    acc.problems.push(problemOf(log, e));
  } finally {
    it.return?.(undefined as never);
  }
}

/** Reads and parses one of a partition's small text files; a failure becomes a problem naming the file. */
function parseSmallFile<T>(path: string | undefined, parse: (text: string) => T, problems: Problem[]): T | null {
  if (!path) return null;
  const text = readText(path, problems);
  if (text === null) return null;
  try {
    return parse(text);
  } catch (e) {
    problems.push(problemOf(path, e));
    return null;
  }
}
