import type { IndexSanity, LogDirSummary, PartitionSummary, Problem, SegmentSummary } from '../io/log-summary.js';
import { SCHEMA_VERSIONS, int64Json } from './json.js';
import { type Cell, formatBytes, formatTimestamp, renderTable } from './table.js';

/**
 * `kseg ls` views: the JSON document (schema/ls.schema.json) and the table. Both render a
 * LogDirSummary; neither reads a byte of the log dir.
 */

type J = number | string | null;
const j = (v: number | bigint | null): J => (v === null ? null : int64Json(v));

function indexJson(i: IndexSanity | null) {
  return i === null ? null : { file: i.file, bytes: i.bytes, slots: i.slots, ok: i.ok, error: i.error, preallocated: i.preallocated };
}

function problemJson(p: Problem) {
  return { file: p.file, position: p.position ?? null, line: p.line ?? null, message: p.message };
}

function segmentJson(s: SegmentSummary) {
  return {
    baseOffset: j(s.baseOffset),
    file: s.log,
    bytes: s.bytes,
    active: s.active,
    batches: s.batches,
    records: s.records,
    recordsExact: s.recordsExact,
    controlBatches: s.controlBatches,
    controlRecords: s.controlRecords,
    firstOffset: j(s.firstOffset),
    lastOffset: j(s.lastOffset),
    firstTimestamp: j(s.firstTimestamp),
    maxTimestamp: j(s.maxTimestamp),
    codecs: s.codecs,
    magics: s.magics,
    indexes: { verdict: s.indexVerdict, offset: indexJson(s.offsetIndex), time: indexJson(s.timeIndex), abortedTxns: s.abortedTxns },
  };
}

function partitionJson(p: PartitionSummary) {
  const checkpoints: Record<string, J> = {};
  for (const [k, v] of Object.entries(p.checkpoints)) checkpoints[k] = j(v);
  return {
    name: p.name,
    topic: p.topic,
    partition: p.partition,
    state: p.state,
    path: p.path,
    segmentCount: p.segments.length,
    logBytes: p.logBytes,
    totalBytes: p.totalBytes,
    batches: p.batches,
    records: p.records,
    controlRecords: p.controlRecords,
    recordsExact: p.recordsExact,
    firstOffset: j(p.firstOffset),
    lastOffset: j(p.lastOffset),
    firstTimestamp: j(p.firstTimestamp),
    maxTimestamp: j(p.maxTimestamp),
    codecs: p.codecs,
    magics: p.magics,
    indexes: p.indexVerdict,
    abortedTxns: p.abortedTxns,
    topicId: p.topicId,
    leaderEpochs: p.leaderEpochs?.map((e) => ({ epoch: e.epoch, startOffset: j(e.startOffset) })) ?? null,
    quorumState: p.quorumState,
    checkpoints,
    snapshots: p.snapshots.map(j),
    kraftSnapshots: p.kraftSnapshots,
    leftovers: p.leftovers,
    other: p.other,
    segments: p.segments.map(segmentJson),
    problems: p.problems.map(problemJson),
  };
}

/** The `kseg ls --format json` document. */
export function lsJson(s: LogDirSummary) {
  return {
    schemaVersion: SCHEMA_VERSIONS.ls,
    command: 'ls' as const,
    path: s.path,
    meta: s.meta,
    files: s.files.map((f) => ({
      file: f.file,
      kind: f.kind,
      bytes: f.bytes,
      ...(f.properties ? { properties: f.properties } : {}),
      ...(f.version !== undefined ? { version: f.version } : {}),
      ...(f.entries !== undefined ? { entries: f.entries } : {}),
    })),
    totals: {
      partitions: s.partitions.length,
      segments: s.partitions.reduce((n, p) => n + p.segments.length, 0),
      logBytes: s.partitions.reduce((n, p) => n + p.logBytes, 0),
      batches: s.partitions.reduce((n, p) => n + p.batches, 0),
      records: s.partitions.reduce((n, p) => n + p.records, 0),
    },
    partitions: s.partitions.map(partitionJson),
    problems: s.problems.map(problemJson),
  };
}

const range = (a: number | bigint | null, b: number | bigint | null): string => (a === null || b === null ? '-' : `${a}..${b}`);

function timeRange(a: number | bigint | null, b: number | bigint | null): string {
  if (a === null && b === null) return '-';
  return `${formatTimestamp(a)} .. ${formatTimestamp(b)}`;
}

const INDEX_LABEL: Record<PartitionSummary['indexVerdict'], string> = {
  ok: 'ok',
  // Kafka's --index-sanity-check fails these too; they are the active segment's zero-filled tail.
  preallocated: 'ok (active, preallocated)',
  failed: 'FAILED',
  missing: 'missing',
  'log-missing': 'LOG MISSING',
};

function notes(p: PartitionSummary): string {
  const n: string[] = [];
  if (p.state !== 'live') n.push(p.state);
  const byKind = new Map<string, number>();
  for (const l of p.leftovers) byKind.set(l.kind, (byKind.get(l.kind) ?? 0) + 1);
  for (const [k, c] of byKind) n.push(`${c} .${k}`);
  if (p.controlRecords > 0) n.push(`${p.controlRecords} control`);
  if (p.abortedTxns > 0) n.push(`${p.abortedTxns} aborted txn`);
  if (p.leaderEpochs && p.leaderEpochs.length > 0) n.push(`epoch ${p.leaderEpochs[p.leaderEpochs.length - 1]!.epoch}`);
  if (p.quorumState) n.push(`quorum leader ${String(p.quorumState['leaderId'] ?? '?')}`);
  if (p.kraftSnapshots.length > 0) n.push(`${p.kraftSnapshots.length} snapshot(s)`);
  if (p.problems.length > 0) n.push(`${p.problems.length} problem(s)`);
  return n.join(', ');
}

export interface LsTableOptions {
  /** One row per segment under each partition. */
  segments?: boolean;
  /** The path as the user gave it, for the summary line (default: the summary's absolute path). */
  path?: string;
}

/** The `kseg ls` table, followed by the root files and any problems. */
export function lsTable(s: LogDirSummary, options: LsTableOptions = {}): string {
  const rows: Cell[][] = [];
  for (const p of s.partitions) {
    rows.push([
      p.name,
      p.segments.length,
      formatBytes(p.logBytes),
      range(p.firstOffset, p.lastOffset),
      timeRange(p.firstTimestamp, p.maxTimestamp),
      p.recordsExact ? p.records : `~${p.records}`,
      p.codecs.join(',') || '-',
      INDEX_LABEL[p.indexVerdict],
      notes(p),
    ]);
    if (options.segments) {
      for (const seg of p.segments) {
        rows.push([
          `  ${String(seg.baseOffset).padStart(20, '0')}${seg.active ? ' *' : ''}`,
          '',
          formatBytes(seg.bytes),
          range(seg.firstOffset, seg.lastOffset),
          timeRange(seg.firstTimestamp, seg.maxTimestamp),
          seg.recordsExact ? seg.records : `~${seg.records}`,
          seg.codecs.join(','),
          INDEX_LABEL[seg.indexVerdict],
          seg.abortedTxns ? `${seg.abortedTxns} aborted txn` : '',
        ]);
      }
    }
  }
  const out: string[] = [];
  // The records and time range are defined as in `kseg stats` (control records and batches included).
  out.push(renderTable(['partition', 'segs', 'bytes', 'offsets', 'batch time range (UTC)', 'records (incl. control)', 'codecs', 'indexes', 'notes'], rows, { right: [1, 2, 5] }));
  const recs = s.partitions.reduce((n, p) => n + p.records, 0);
  const bytes = s.partitions.reduce((n, p) => n + p.logBytes, 0);
  out.push(`${options.path ?? s.path}: ${s.partitions.length} partitions, ${s.partitions.reduce((n, p) => n + p.segments.length, 0)} segments, ${formatBytes(bytes)}, ${recs} records`);
  if (s.meta) out.push(`meta.properties: ${Object.entries(s.meta).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  for (const f of s.files) {
    if (f.kind === 'offset-checkpoint' && f.entries !== undefined) {
      out.push(`${f.file.split('/').pop()}: ${f.version === undefined ? 'empty' : `version ${f.version}`}, ${f.entries} entries`);
    }
    else if (f.kind === 'bootstrap.checkpoint') out.push(`bootstrap.checkpoint: ${f.bytes} bytes`);
  }
  if (s.partitions.some((p) => p.indexVerdict === 'preallocated')) {
    out.push("note: 'ok (active, preallocated)': the active segment's preallocated, zero-filled index fails Kafka's --index-sanity-check exactly as here; a running broker trims it on roll or shutdown.");
  }
  if (s.partitions.some((p) => !p.recordsExact)) {
    out.push('note: ~N: legacy compressed messages counted by offset span (exact unless compacted); --exact decompresses them.');
  }
  // The verdict is in the table; Kafka's message only for real failures (an active segment's
  // preallocated index fails Kafka's check on every running broker: the note above says why).
  for (const p of s.partitions) {
    for (const seg of p.segments) {
      for (const i of [seg.offsetIndex, seg.timeIndex]) {
        if (i && !i.ok && !(i.preallocated && seg.active)) out.push(`INDEX FAILED: ${i.error}`);
      }
    }
  }
  for (const p of s.problems) out.push(`problem: ${p.file}${p.position !== undefined ? ` at byte ${p.position}` : ''}${p.line !== undefined ? ` line ${p.line}` : ''}: ${p.message}`);
  return out.join('\n') + '\n';
}
