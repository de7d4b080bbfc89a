import { type Stats, closeSync, constants, fstatSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { type FileKind, PathError, type PathTarget } from './path-target.js';
import {
  type EntryType,
  type LogDir,
  entryTypeOf,
  hasPartitionFiles,
  isPartitionFileName,
  looksLikeLogDir,
  parseTopicPartition,
  readLogDir,
  readPartitionDir,
} from './logdir.js';

export { PathError, type FileKind, type PathTarget } from './path-target.js';

/**
 * Every path a user gives kseg (the commands and `openLogDir`) is resolved here, once: what it
 * is (a log dir, a partition folder, a file of some kind), or why it can't be read, as a
 * `PathError` whose message is `<path>: <what>`. Nothing here opens a file that is not regular: a
 * FIFO would block the reader until a writer came.
 */

/** The path as the user typed it, without trailing slashes (`dir/` and `dir` are the same folder). */
export function trimTrailingSlashes(path: string): string {
  const t = path.replace(/\/+$/, '');
  return t === '' && path.startsWith('/') ? '/' : t;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a path component is not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EISDIR: 'is a directory',
  EIO: 'input/output error',
  ENXIO: 'no such device or address',
};

/** A Node file-system error as `<path>: <what>` (no errno code, no syscall), or null if it is not one. */
export function pathErrorOf(e: unknown, fallbackPath?: string): PathError | null {
  if (e instanceof PathError) return e;
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code !== 'string' || !(err.code in ERRNO_TEXT)) return null;
  return new PathError(err.path ?? fallbackPath ?? '?', ERRNO_TEXT[err.code]!);
}

/** stat, following symbolic links; null when nothing is there. Other failures are PathErrors. */
export function statPath(path: string): Stats | null {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch (e) {
    throw pathErrorOf(e, path) ?? e;
  }
}

/** Why an entry that is not a regular file or a folder is not read. */
export function notRegularText(type: EntryType): string {
  switch (type) {
    case 'FIFO':
      return 'a FIFO (named pipe), not a regular file: not read (reading it would wait for a writer)';
    case 'socket':
      return 'a socket, not a regular file: not read';
    case 'character device':
    case 'block device':
      return `a ${type}, not a regular file: not read`;
    case 'directory':
      return 'a directory named like a Kafka file, not a file';
    default:
      return `a ${type}, not a regular file: not read`;
  }
}

/**
 * Reads a whole regular file (a checkpoint, properties, an index). Opened without blocking and
 * checked to be a regular file first, so a FIFO or device put where a file was expected is an
 * error naming it, never a hang.
 */
export function readRegularFile(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw pathErrorOf(e, path) ?? e;
  }
  try {
    const st = fstatSync(fd);
    const type = entryTypeOf(st);
    if (type !== 'file') throw new PathError(path, type === 'directory' ? 'is a directory, not a file' : notRegularText(type));
    const buf = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  } catch (e) {
    throw pathErrorOf(e, path) ?? e;
  } finally {
    closeSync(fd);
  }
}

/** readRegularFile as UTF-8 text. */
export function readRegularText(path: string): string {
  return readRegularFile(path).toString('utf8');
}

export function fileKindOf(name: string): FileKind {
  if (/^\d+-\d+\.checkpoint$/.test(name)) return 'kraft-snapshot';
  if (name === 'leader-epoch-checkpoint') return 'leader-epoch-checkpoint';
  if (name.endsWith('-offset-checkpoint')) return 'offset-checkpoint';
  const ext = /\.([a-z]+)$/.exec(name)?.[1];
  switch (ext) {
    case 'log':
      return 'segment';
    case 'index':
      return 'offset-index';
    case 'timeindex':
      return 'time-index';
    case 'txnindex':
      return 'txn-index';
    case 'snapshot':
      return 'producer-snapshot';
    default:
      return 'other';
  }
}

/** How many subfolders are looked into to suggest a log dir below a folder that is not one. */
const HINT_SCAN_LIMIT = 64;

/** Subfolders of `path` that are log dirs (for the message when `path` is the folder above one). */
function logDirsBelow(path: string): string[] {
  const found: string[] = [];
  try {
    const dirs = readdirSync(path, { withFileTypes: true }).filter((e) => e.isDirectory()).slice(0, HINT_SCAN_LIMIT);
    for (const e of dirs) {
      try {
        if (looksLikeLogDir(readLogDir(join(path, e.name)))) found.push(e.name);
      } catch {
        // unreadable: not a suggestion
      }
    }
  } catch {
    // the caller reports the folder itself
  }
  return found.sort();
}

function notALogDir(path: string): PathError {
  const below = logDirsBelow(path);
  const hint = below.length > 0 ? `; log dirs inside it: ${below.slice(0, 5).join(', ')}${below.length > 5 ? ', …' : ''}` : '';
  return new PathError(path, `no partition folders: not a Kafka log dir, partition folder or segment${hint}`);
}

/**
 * Resolves a path the user gave: a log dir (a folder holding `<topic>-<partition>` folders or a
 * broker's root files), a partition folder (named `<topic>-<partition>`, holding a broker's
 * files), or a regular file. Trailing slashes are ignored. Throws a PathError when it is none of
 * these: missing, unreadable, a FIFO or device, a folder named like a segment, a folder with no
 * partition folders (`/etc`, an empty folder, the folder above a log dir).
 */
export function resolvePath(input: string, options: { absolute?: boolean } = {}): PathTarget {
  if (input === '') throw new PathError("''", 'an empty path');
  // Messages name the path as typed; the target holds it absolute if asked (for JSON documents).
  const shown = trimTrailingSlashes(input);
  const path = options.absolute ? resolve(shown) : shown;
  const st = statPath(shown);
  if (st === null) throw new PathError(shown, 'no such file or directory');
  const type = entryTypeOf(st);
  if (type === 'file') return { kind: 'file', path, file: fileKindOf(basename(path)) };
  if (type !== 'directory') throw new PathError(shown, notRegularText(type));
  // `.` or `..` name no folder: the name is the resolved one.
  const name = basename(resolve(path));
  if (isPartitionFileName(name) && !parseTopicPartition(name)) throw new PathError(shown, 'a directory named like a segment file, not a segment file');
  try {
    if (parseTopicPartition(name)) {
      const dir = readPartitionDir(path, name);
      // A log dir may itself be named `<something>-<n>` (`data-1`): it holds folders, not segments.
      if (dir && hasPartitionFiles(dir)) return { kind: 'partition', path, dir };
    }
    const listing = readLogDir(path);
    if (looksLikeLogDir(listing)) return { kind: 'logdir', path, listing };
    const names = readdirSync(path);
    if (names.length === 0) throw new PathError(shown, 'an empty directory: not a Kafka log dir, partition folder or segment');
    if (names.some(isPartitionFileName)) {
      throw new PathError(shown, "holds a partition's files but is not named <topic>-<partition> (kseg takes a partition's topic and number from its folder's name)");
    }
  } catch (e) {
    throw pathErrorOf(e, shown) ?? e;
  }
  throw notALogDir(shown);
}

/** Bytes of the `.log` segments (and KRaft snapshots) a target holds: what a full read goes through (progress totals). */
export function targetLogBytes(t: PathTarget): number {
  const partitions = t.kind === 'logdir' ? t.listing.partitions : t.kind === 'partition' ? [t.dir] : [];
  if (t.kind === 'file') return statPath(t.path)?.size ?? 0;
  let n = 0;
  for (const p of partitions) {
    for (const s of p.segments) n += s.logSize;
    for (const c of p.checkpoints) n += statPath(c)?.size ?? 0;
  }
  return n;
}

/** What a path is (resolvePath's kind); throws a PathError when it is none of them. */
export function classifyPath(path: string): PathTarget['kind'] {
  return resolvePath(path).kind;
}

/** resolvePath for a command that reads log dirs and partition folders only (`ls`, `openLogDir`). */
export function resolveDirectory(input: string, options: { absolute?: boolean; what?: string } = {}): Extract<PathTarget, { kind: 'logdir' | 'partition' }> {
  const t = resolvePath(input, options);
  if (t.kind === 'file') throw new PathError(trimTrailingSlashes(input), `a file, not ${options.what ?? 'a log dir or a partition folder'}`);
  return t;
}

/**
 * The file of a target that must be a batch file (a `.log` segment or a KRaft snapshot, which
 * holds batches too); a PathError saying what it is otherwise.
 */
export function batchFileOf(t: PathTarget): string {
  if (t.kind !== 'file') throw new PathError(t.path, `a ${t.kind === 'logdir' ? 'log dir' : 'partition folder'}, not a .log segment`);
  if (t.file !== 'segment' && t.file !== 'kraft-snapshot') {
    throw new PathError(t.path, `not a .log segment (a ${t.file} file; kafka-dump-log --files dumps every kind of file)`);
  }
  return t.path;
}

/** A resolved directory as a listing of partitions: a log dir's, or a listing of the one partition. */
export function listingOf(t: Extract<PathTarget, { kind: 'logdir' | 'partition' }>): LogDir {
  return t.kind === 'logdir' ? t.listing : { path: t.path, partitions: [t.dir], files: [], irregular: [] };
}
