import type { LogDir, PartitionDir } from './logdir.js';

/**
 * The types of a resolved path and of a path that can't be read (src/io/paths.ts resolves them).
 * Apart from paths.ts, so that the library's declarations name no Node type.
 */

/** A path that cannot be read as asked. `message` is `<path>: <what>`. */
export class PathError extends Error {
  override name = 'PathError';
  constructor(
    readonly path: string,
    readonly what: string,
  ) {
    super(`${path}: ${what}`);
  }
}

/** What a regular file is, by its name as a broker names its files. */
export type FileKind =
  | 'segment' // <offset>.log
  | 'kraft-snapshot' // <offset>-<epoch>.checkpoint
  | 'offset-index' // .index
  | 'time-index' // .timeindex
  | 'txn-index' // .txnindex
  | 'producer-snapshot' // .snapshot
  | 'leader-epoch-checkpoint'
  | 'offset-checkpoint' // recovery-point-, replication-, log-start-, cleaner-offset-checkpoint
  | 'other';

/** A path resolved: a broker's log dir, one partition folder, or one regular file. */
export type PathTarget =
  | { kind: 'logdir'; path: string; listing: LogDir }
  | { kind: 'partition'; path: string; dir: PartitionDir }
  | { kind: 'file'; path: string; file: FileKind };
