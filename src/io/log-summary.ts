import { statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { compressionName } from '../codec/index.js';
import { firstTimestampOf, lastOffsetOf, maxTimestampOf } from '../format/batch.js';
import { type Int64, addInt64, normalize } from '../format/int64.js';
import { TXN_INDEX_ENTRY_SIZE, slotCount } from '../format/indexes.js';
import {
  type LeaderEpochEntry,
  parseLeaderEpochCheckpoint,
  parseOffsetCheckpoint,
  parsePartitionMetadata,
  parseProperties,
  parseQuorumState,
} from '../format/text-files.js';
import { forEachBatch } from './batches.js';
import { type IndexSanity, type IndexVerdict, offsetIndexSanity, timeIndexSanity } from './index-sanity.js';
import type { LeftoverKind, LogDir, PartitionDir, SegmentFiles } from './logdir.js';
import { orphanedIndexes } from './orphan-indexes.js';
import { notRegularText, readRegularText, resolveDirectory } from './paths.js';
import { type Problem, problemOf } from './problem.js';

/**
 * What `kseg ls` shows: a log dir summarised from batch headers (a shallow walk that never
 * decompresses v2 batches), each segment's index sanity (index-sanity.ts), and the small text files
 * decoded. Deep statistics, which decode every record, are stats.ts's.
 */

export type { IndexSanity, IndexVerdict } from './index-sanity.js';
export type { Problem } from './problem.js';

/** What a segment's and a partition's summaries both say, from batch headers and indexes. */
export interface HeaderSummary {
  batches: number;
  /** Every record, control records (transaction markers, KRaft control messages) included. */
  records: number;
  /** Records of control batches (included in `records`). */
  controlRecords: number;
  /**
   * False when some legacy (magic 0/1) compressed wrapper was counted by its offset span rather
   * than decompressed: exact unless the log was compacted (offsets missing inside the wrapper).
   */
  recordsExact: boolean;
  /** First and last offsets of the records (null when there are none). */
  firstOffset: Int64 | null;
  lastOffset: Int64 | null;
  /** Earliest batch-first timestamp and latest batch max timestamp, from headers (null if none). */
  firstTimestamp: Int64 | null;
  maxTimestamp: Int64 | null;
  codecs: string[];
  magics: number[];
  indexVerdict: IndexVerdict;
  problems: Problem[];
}

export interface SegmentSummary extends HeaderSummary {
  baseOffset: Int64;
  log: string | null;
  /** Size of the `.log` file. */
  bytes: number;
  /** The last segment of the partition: the one a broker appends to. */
  active: boolean;
  controlBatches: number;
  offsetIndex: IndexSanity | null;
  timeIndex: IndexSanity | null;
  /** `.txnindex` aborted-transaction entries (null when there is no file). */
  abortedTxns: number | null;
}

export interface SummaryOptions {
  /**
   * Decompress legacy compressed wrappers to count their records exactly (v2 batches carry their
   * count in the header and are never decompressed).
   */
  exactLegacyCounts?: boolean;
}

/** The ranges of a summary before any batch is read (its fields in the order the summaries list them). */
function nothingRead(): Pick<HeaderSummary, 'firstOffset' | 'lastOffset' | 'firstTimestamp' | 'maxTimestamp' | 'codecs' | 'magics'> {
  return { firstOffset: null, lastOffset: null, firstTimestamp: null, maxTimestamp: null, codecs: [], magics: [] };
}

/**
 * Summarises one segment from its batch headers and its indexes' sanity; `active`: it is the
 * partition's last segment (whose preallocated indexes are healthy).
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
    ...nothingRead(),
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
    forEachBatch(seg.log, s.problems, (b) => {
      const h = b.header;
      s.batches++;
      codecs.add(compressionName(h.compression));
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
        if (d.error) s.problems.push(problemOf(b.file, d.error, h.position));
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
      const ft = firstTimestampOf(h);
      const mt = maxTimestampOf(h);
      if (ft >= 0 && (s.firstTimestamp === null || ft < s.firstTimestamp)) s.firstTimestamp = ft;
      if (mt >= 0 && (s.maxTimestamp === null || mt > s.maxTimestamp)) s.maxTimestamp = mt;
    });
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

export interface PartitionSummary extends HeaderSummary {
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
    ...nothingRead(),
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
