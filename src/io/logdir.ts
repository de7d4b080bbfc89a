import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A log dir as the broker lays it out: one folder per topic-partition (`<topic>-<partition>`),
 * segment files named by their 20-digit base offset, and a few text files.
 */
export type SegmentFileKind = 'log' | 'index' | 'timeindex' | 'txnindex' | 'snapshot' | 'checkpoint';

/** Leftovers of the cleaner, retention and replica movement, kept as-is but never read as live. */
export type LeftoverKind = 'deleted' | 'cleaned' | 'swap';

export interface SegmentFiles {
  baseOffset: bigint;
  /** Absolute paths; undefined when the file is absent. */
  log?: string;
  index?: string;
  timeindex?: string;
  txnindex?: string;
  logSize: number;
}

export interface PartitionDir {
  name: string;
  path: string;
  topic: string;
  partition: number;
  /** `-delete` (pending deletion) or `-future` (being moved between log dirs) folders. */
  state: 'live' | 'delete' | 'future';
  /** Segments in base-offset order. */
  segments: SegmentFiles[];
  /** Producer snapshots (`<offset>.snapshot`) by offset. */
  snapshots: Array<{ offset: bigint; path: string }>;
  /** KRaft snapshots (`<offset>-<epoch>.checkpoint`). */
  checkpoints: string[];
  leftovers: Array<{ path: string; kind: LeftoverKind }>;
  leaderEpochCheckpoint?: string;
  partitionMetadata?: string;
  quorumState?: string;
  other: string[];
}

export interface LogDir {
  path: string;
  partitions: PartitionDir[];
  /** Root files: `meta.properties`, `*-offset-checkpoint`, `bootstrap.checkpoint`, ... */
  files: string[];
}

const SEGMENT_RE = /^(\d{20})\.(log|index|timeindex|txnindex|snapshot)$/;
const LEFTOVER_RE = /\.(deleted|cleaned|swap)$/;

/** `<topic>-<partition>` (and `<topic>-<partition>.<uuid>-delete|-future`) folder names. */
export function parseTopicPartition(name: string): { topic: string; partition: number; state: PartitionDir['state'] } | null {
  let state: PartitionDir['state'] = 'live';
  let base = name;
  const suffix = /^(.*)\.[0-9a-f]{32}-(delete|future)$/.exec(name);
  if (suffix) {
    base = suffix[1]!;
    state = suffix[2] as 'delete' | 'future';
  }
  const m = /^(.+)-(\d+)$/.exec(base);
  if (!m) return null;
  return { topic: m[1]!, partition: Number(m[2]), state };
}

/** Reads one partition directory's listing (no file contents). */
export function readPartitionDir(path: string, name: string = path.split('/').pop()!): PartitionDir | null {
  const tp = parseTopicPartition(name);
  if (!tp) return null;
  const dir: PartitionDir = { name, path, ...tp, segments: [], snapshots: [], checkpoints: [], leftovers: [], other: [] };
  const byBase = new Map<string, SegmentFiles>();
  for (const f of readdirSync(path).sort()) {
    const full = join(path, f);
    const seg = SEGMENT_RE.exec(f);
    if (seg) {
      const kind = seg[2] as SegmentFileKind;
      if (kind === 'snapshot') {
        dir.snapshots.push({ offset: BigInt(seg[1]!), path: full });
        continue;
      }
      let s = byBase.get(seg[1]!);
      if (!s) byBase.set(seg[1]!, (s = { baseOffset: BigInt(seg[1]!), logSize: 0 }));
      (s as unknown as Record<string, string>)[kind] = full;
      if (kind === 'log') s.logSize = statSync(full).size;
      continue;
    }
    const left = LEFTOVER_RE.exec(f);
    if (left) dir.leftovers.push({ path: full, kind: left[1] as LeftoverKind });
    else if (f.endsWith('.checkpoint')) dir.checkpoints.push(full);
    else if (f === 'leader-epoch-checkpoint') dir.leaderEpochCheckpoint = full;
    else if (f === 'partition.metadata') dir.partitionMetadata = full;
    else if (f === 'quorum-state') dir.quorumState = full;
    else dir.other.push(full);
  }
  dir.segments = [...byBase.values()].sort((a, b) => (a.baseOffset < b.baseOffset ? -1 : 1));
  return dir;
}

/** Lists a whole log dir: every topic-partition folder and the root files. */
export function readLogDir(path: string): LogDir {
  const partitions: PartitionDir[] = [];
  const files: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) {
      const p = readPartitionDir(full, entry.name);
      if (p) partitions.push(p);
    } else {
      files.push(full);
    }
  }
  return { path, partitions, files };
}

/** Whether a path is a log dir root, a partition dir, or a file. */
export function classifyPath(path: string): 'logdir' | 'partition' | 'file' {
  const st = statSync(path);
  if (!st.isDirectory()) return 'file';
  const names = readdirSync(path);
  if (names.some((n) => SEGMENT_RE.test(n) || n === 'leader-epoch-checkpoint' || n === 'partition.metadata')) return 'partition';
  return 'logdir';
}
