import { type Dirent, readdirSync, statSync } from 'node:fs';
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
  /**
   * Entries that are not regular files (FIFOs, sockets, devices, or a directory named like a
   * segment): never opened (a FIFO would block the reader until a writer comes), only reported.
   */
  irregular: IrregularEntry[];
}

/** What an entry of a folder is, when it is not a regular file or a folder to descend into. */
export type EntryType = 'file' | 'directory' | 'FIFO' | 'socket' | 'character device' | 'block device' | 'symbolic link';

export interface IrregularEntry {
  path: string;
  type: EntryType;
}

export interface LogDir {
  path: string;
  partitions: PartitionDir[];
  /** Root files: `meta.properties`, `*-offset-checkpoint`, `bootstrap.checkpoint`, ... */
  files: string[];
  /** Root entries that are neither regular files nor folders (FIFOs, sockets, devices): never opened. */
  irregular: IrregularEntry[];
}

/** What a stat result or a folder entry answers (fs.Stats and fs.Dirent both do). */
export interface TypedEntry {
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}

/** The type of a stat result or a folder entry. */
export function entryTypeOf(st: TypedEntry): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'FIFO';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  return 'symbolic link';
}

/** The type of a folder entry, following a symbolic link (a dangling one stays 'symbolic link'). */
function direntType(dir: string, e: Dirent): EntryType {
  const t = entryTypeOf(e);
  if (t !== 'symbolic link') return t;
  const st = statSync(join(dir, e.name), { throwIfNoEntry: false });
  return st ? entryTypeOf(st) : 'symbolic link';
}

const SEGMENT_RE = /^(\d{20})\.(log|index|timeindex|txnindex|snapshot)$/;
const LEFTOVER_RE = /\.(deleted|cleaned|swap)$/;
/** KRaft snapshots: `<20-digit offset>-<10-digit epoch>.checkpoint`. */
const KRAFT_SNAPSHOT_RE = /^\d+-\d+\.checkpoint$/;

/** Whether a name is one a broker gives a file inside a partition folder. */
export function isPartitionFileName(name: string): boolean {
  return (
    SEGMENT_RE.test(name) ||
    KRAFT_SNAPSHOT_RE.test(name) ||
    LEFTOVER_RE.test(name) ||
    name === 'leader-epoch-checkpoint' ||
    name === 'partition.metadata' ||
    name === 'quorum-state'
  );
}

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
  const dir: PartitionDir = { name, path, ...tp, segments: [], snapshots: [], checkpoints: [], leftovers: [], other: [], irregular: [] };
  const byBase = new Map<string, SegmentFiles>();
  for (const e of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const f = e.name;
    const full = join(path, f);
    const type = direntType(path, e);
    if (type !== 'file') {
      // Only regular files are read; a folder is listed as other unless named like a Kafka file.
      if (type === 'directory' && !isPartitionFileName(f)) dir.other.push(full);
      else dir.irregular.push({ path: full, type });
      continue;
    }
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
  const irregular: IrregularEntry[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(path, entry.name);
    const type = direntType(path, entry);
    if (type === 'directory') {
      const p = readPartitionDir(full, entry.name);
      if (p) partitions.push(p);
    } else if (type === 'file') {
      files.push(full);
    } else {
      irregular.push({ path: full, type });
    }
  }
  return { path, partitions, files, irregular };
}

/**
 * Whether a partition folder holds anything a broker writes there (a segment, snapshot, leftover,
 * checkpoint or metadata file), as opposed to any folder whose name happens to end in `-<digits>`.
 */
export function hasPartitionFiles(dir: PartitionDir): boolean {
  return (
    dir.segments.length > 0 ||
    dir.snapshots.length > 0 ||
    dir.checkpoints.some((c) => KRAFT_SNAPSHOT_RE.test(c.slice(c.lastIndexOf('/') + 1))) ||
    dir.leftovers.length > 0 ||
    dir.leaderEpochCheckpoint !== undefined ||
    dir.partitionMetadata !== undefined ||
    dir.quorumState !== undefined ||
    dir.irregular.some((i) => isPartitionFileName(i.path.slice(i.path.lastIndexOf('/') + 1)))
  );
}

/** Files a broker keeps at the root of a log dir: any of them marks a folder as a log dir even with no partitions yet. */
const ROOT_FILE_RE = /^(meta\.properties|bootstrap\.checkpoint|\.lock|\.kafka_cleanshutdown|[a-z-]+-offset-checkpoint)$/;

/** Whether a listing is a broker's log dir: a partition folder holding Kafka files, or a broker's root file. */
export function looksLikeLogDir(dir: LogDir): boolean {
  return dir.partitions.some(hasPartitionFiles) || [...dir.files, ...dir.irregular.map((i) => i.path)].some((f) => ROOT_FILE_RE.test(f.slice(f.lastIndexOf('/') + 1)));
}
