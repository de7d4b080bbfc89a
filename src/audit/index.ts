import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Int64 } from '../format/int64.js';
import { type IrregularEntry, type PartitionDir, type SegmentFiles, readPartitionDir } from '../io/logdir.js';
import { orphanedIndexes } from '../io/orphan-indexes.js';
import { PathError, type PathTarget } from '../io/path-target.js';
import { notRegularText, resolvePath } from '../io/paths.js';
import { type PartitionEnds, checkCheckpoints, cleanedPartitions, logStartOffsets, readOffsetCheckpoint } from './checkpoints.js';
import { EpochCheck } from './epochs.js';
import { OffsetIndexCheck, TimeIndexCheck } from './indexes.js';
import { OffsetCheck } from './offsets.js';
import type { PartitionScan } from './partition.js';
import { ProducerCheck } from './producers.js';
import { type BatchSink, type SegmentScan, baseOffsetFromName, auditSegment } from './segment.js';
import { type AuditOptions, type AuditReport, type AuditSummary, Findings, PartitionFindings } from './types.js';

export { ANOMALY_CLASSES } from './types.js';
export type { Anomaly, AnomalyClass, AuditOptions, AuditReport, AuditSummary, Severity } from './types.js';
export type { BatchInfo, BatchSink, SegmentScan } from './segment.js';

/** The path cannot be audited at all (missing, not a log dir, a kind of file the audit does not know). */
export class AuditInputError extends PathError {
  override name = 'AuditInputError';
}

interface Counters {
  partitions: number;
  segments: number;
  batches: number;
  records: number;
  bytes: number;
}

/**
 * Audits a log dir, a partition dir or a single file. Never writes anything. Throws
 * AuditInputError when the path can't be audited; damage inside the files is reported, not thrown.
 */
export function auditPath(path: string, options: AuditOptions = {}): AuditReport {
  let t;
  try {
    t = resolvePath(path);
  } catch (e) {
    if (e instanceof PathError) throw new AuditInputError(e.path, e.what);
    throw e;
  }
  return auditTarget(t, options);
}

/** auditPath of a path already resolved (resolvePath). */
export function auditTarget(t: PathTarget, options: AuditOptions = {}): AuditReport {
  const findings = new Findings();
  const counters: Counters = { partitions: 0, segments: 0, batches: 0, records: 0, bytes: 0 };
  if (t.kind === 'logdir') {
    const ctx = logDirContext(t.path);
    const ends: PartitionEnds = new Map();
    for (const dir of t.listing.partitions) {
      const p = auditPartition(dir, ctx, findings, counters, options);
      ends.set(dir.name, { logEndOffset: p.logEndOffset, path: dir.path });
    }
    irregularFindings(t.listing.irregular, findings);
    checkCheckpoints(t.path, ends, findings);
  } else if (t.kind === 'partition') {
    const dir = t.dir;
    // The parent is normally the log dir: its checkpoints say more about this partition.
    const parent = parentOf(t.path);
    const p = auditPartition(dir, logDirContext(parent), findings, counters, options);
    checkCheckpoints(parent, new Map([[dir.name, { logEndOffset: p.logEndOffset, path: t.path }]]), findings, new Set([dir.name]));
  } else {
    auditFile(t.path, findings, counters, options);
  }
  return report(t.path, t.kind, options, findings, counters);
}

/** The folder holding `path` (`.` and `..` name no folder by themselves). */
function parentOf(path: string): string {
  const name = basename(path);
  return name === '.' || name === '..' ? dirname(resolve(path)) : dirname(path);
}

/**
 * A segment without its `.log`: index entries say records were there (a warning: they are gone);
 * an index of nothing is a note (a broker deletes such orphans on load).
 */
function orphanIndexFindings(files: SegmentFiles, findings: Findings): void {
  const o = orphanedIndexes(files);
  if (o === null) return;
  if (o.populated) {
    findings.push('log-missing', 'warning', o.log, -1, `the segment's .log is missing while ${o.description}: the records they indexed are gone (a broker deletes the orphaned index files on load)`, o.firstOffset === null ? {} : { offset: o.firstOffset });
  } else {
    findings.push('index-missing', 'info', o.files[0]!, -1, `index file without its .log segment: ${o.description} (a broker deletes such orphans on load)`);
  }
}

/** Entries that are not regular files are never opened (a FIFO would block the audit): each is a warning. */
function irregularFindings(entries: IrregularEntry[], findings: Findings): void {
  for (const e of entries) findings.push('not-regular-file', 'warning', e.path, -1, `${notRegularText(e.type)}; a broker keeps only regular files here`);
}

function report(path: string, target: AuditReport['target'], options: AuditOptions, findings: Findings, c: Counters): AuditReport {
  const anomalies = findings.all.filter((a) => a.severity !== 'info');
  const notes = findings.all.filter((a) => a.severity === 'info');
  const summary: AuditSummary = {
    ...c,
    errors: anomalies.filter((a) => a.severity === 'error').length,
    warnings: anomalies.filter((a) => a.severity === 'warning').length,
    notes: notes.length,
  };
  return { path, target, resync: options.resync ?? false, summary, anomalies, notes };
}

function scan(path: string, findings: Findings, counters: Counters, options: AuditOptions, onBatch?: BatchSink): SegmentScan {
  const progress = options.onBytes;
  let reported = 0;
  const sink: BatchSink | undefined =
    progress === undefined
      ? onBatch
      : (b) => {
          onBatch?.(b);
          progress(b.size);
          reported += b.size;
        };
  const s = auditSegment(path, findings, { resync: options.resync ?? false }, sink);
  // Bytes no batch covered (damage, skipped ranges, a torn tail) were read too.
  if (progress !== undefined && s.fileSize > reported) progress(s.fileSize - reported);
  counters.segments++;
  counters.batches += s.batchCount;
  counters.records += s.records;
  counters.bytes += s.fileSize;
  return s;
}

/** What the log dir's own files say about its partitions. */
interface LogDirContext {
  cleaned: Set<string>;
  logStart: Map<string, Int64>;
}

function logDirContext(logDir: string): LogDirContext {
  return { cleaned: cleanedPartitions(logDir), logStart: logStartOffsets(logDir) };
}

/**
 * Audits one partition directory; returns the scan for the log-dir level checks.
 *
 * The segments are read once, in order, and each batch is handed to every check as it passes
 * (offsets, this segment's indexes, epochs, producers); no check keeps the batches. Findings are
 * buffered per check and appended in the order the checks are documented (all segments' batch
 * findings, then offsets, indexes, epochs, producers), as when the checks ran one after another.
 */
function auditPartition(dir: PartitionDir, ctx: LogDirContext, findings: Findings, counters: Counters, options: AuditOptions): PartitionScan {
  counters.partitions++;
  const scanFindings = new Findings();
  const offsetFindings = new PartitionFindings();
  const indexFindings = new Findings();
  const epochFindings = new Findings();
  const producerFindings = new PartitionFindings();
  const offsets = new OffsetCheck(offsetFindings);
  const epochs = new EpochCheck(epochFindings);
  const producers = new ProducerCheck(dir, producerFindings);
  let maxLast: Int64 | null = null;
  let compactedBatch: string | null = null;
  irregularFindings(dir.irregular, indexFindings);
  const segments = dir.segments.map((files, i) => {
    const active = i === dir.segments.length - 1;
    const log = files.log;
    if (!log) {
      orphanIndexFindings(files, indexFindings);
      return { files, scan: null };
    }
    const baseOffset = baseOffsetFromName(log);
    const index = files.index ? new OffsetIndexCheck(files.index, baseOffset) : null;
    const timeIndex = files.timeindex ? new TimeIndexCheck(files.timeindex, baseOffset) : null;
    offsets.startSegment(log, baseOffset);
    const s = scan(log, scanFindings, counters, options, (b) => {
      if (maxLast === null || b.lastOffset > maxLast) maxLast = b.lastOffset;
      if (b.compacted && compactedBatch === null) compactedBatch = `batch at ${log} position ${b.position} has records removed`;
      offsets.batch(b);
      index?.batch(b);
      timeIndex?.batch(b);
      epochs.batch(log, b);
      producers.batch(log, i, b);
    });
    // A broker rebuilds a missing index on load; real KRaft dirs ship segments without them.
    if (index) index.finish(s.validEnd, active, indexFindings);
    else indexFindings.push('index-missing', 'info', s.file, -1, 'no .index for this segment (the broker rebuilds it on load)');
    if (timeIndex) timeIndex.finish(active, indexFindings);
    else indexFindings.push('timeindex-missing', 'info', s.file, -1, 'no .timeindex for this segment (the broker rebuilds it on load)');
    return { files, scan: s };
  });
  let compaction: string | null = compactedBatch;
  const leftover = dir.leftovers[0];
  if (leftover) compaction = `the cleaner's leftover ${basename(leftover.path)}`;
  else if (ctx.cleaned.has(dir.name)) compaction = 'the partition is in cleaner-offset-checkpoint';
  const first = dir.segments[0];
  const last = dir.segments[dir.segments.length - 1];
  let logStartOffset: Int64 = first ? normalizeBig(first.baseOffset) : 0;
  const checkpointed = ctx.logStart.get(dir.name);
  if (checkpointed !== undefined && checkpointed > logStartOffset) logStartOffset = checkpointed;
  const end: Int64 | null = maxLast;
  const logEndOffset: Int64 | null = end !== null ? add1(end) : last ? normalizeBig(last.baseOffset) : null;
  const p: PartitionScan = { dir, segments, compaction, logStartOffset, logEndOffset };

  epochs.finish(p);
  producers.finish(p);
  findings.append(scanFindings);
  offsetFindings.flushTo(findings, compaction);
  findings.append(indexFindings);
  findings.append(epochFindings);
  producerFindings.flushTo(findings, compaction);
  // KRaft snapshots (`<offset>-<epoch>.checkpoint`) are batch files too: check their batches.
  for (const cp of dir.checkpoints) scan(cp, findings, counters, options);
  return p;
}

function add1(v: Int64): Int64 {
  return typeof v === 'number' && v < Number.MAX_SAFE_INTEGER ? v + 1 : normalizeBig(BigInt(v) + 1n);
}

function normalizeBig(v: bigint): Int64 {
  return v <= 9007199254740991n && v >= -9007199254740991n ? Number(v) : v;
}

/** A single file, checked as far as it can be on its own (an index needs its sibling .log). */
function auditFile(path: string, findings: Findings, counters: Counters, options: AuditOptions): void {
  const name = basename(path);
  const dir = dirname(path);
  const ext = /\.([a-z]+)$/.exec(name)?.[1];
  const sibling = (suffix: string) => join(dir, name.replace(/\.[a-z]+$/, suffix));
  if (ext === 'log' || /^\d+-\d+\.checkpoint$/.test(name)) {
    scan(path, findings, counters, options);
    return;
  }
  if (ext === 'index' || ext === 'timeindex') {
    const log = sibling('.log');
    if (!existsSync(log)) throw new AuditInputError(path, `its segment ${log} is missing; an index is checked against its log`);
    const baseOffset = baseOffsetFromName(log);
    const check = ext === 'index' ? new OffsetIndexCheck(path, baseOffset) : new TimeIndexCheck(path, baseOffset);
    const s = scan(log, findings, counters, options, (b) => check.batch(b));
    if (baseOffset === null) throw new AuditInputError(path, 'not a segment file name');
    // Alone, a file can't tell whether its segment is the active one: accept a preallocated tail.
    if (check instanceof OffsetIndexCheck) check.finish(s.validEnd, true, findings);
    else check.finish(true, findings);
    return;
  }
  if (ext === 'snapshot' || ext === 'txnindex' || name === 'leader-epoch-checkpoint') {
    // These are checked against the whole partition; audit the partition and keep this file's findings.
    const part = readPartitionDir(dir, basename(resolve(dir)));
    if (!part) throw new AuditInputError(path, `checked against its partition, but ${dir} is not a partition folder`);
    const all = new Findings();
    auditPartition(part, logDirContext(parentOf(dir)), all, counters, options);
    for (const a of all.all) if (a.file === path) findings.add(a);
    return;
  }
  if (name.endsWith('-offset-checkpoint')) {
    readOffsetCheckpoint(path, findings);
    return;
  }
  throw new AuditInputError(path, 'the audit does not know this kind of file');
}
