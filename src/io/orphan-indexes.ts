import { type Int64, normalize } from '../format/int64.js';
import { abortedTxnEntries, offsetIndexEntries, timeIndexEntries } from '../format/indexes.js';
import type { SegmentFiles } from './logdir.js';
import { readRegularFile } from './paths.js';

/**
 * A segment whose `.log` is gone while index files of it remain. An index holding entries says
 * records were there (a broker indexes a segment only as it appends to it): they are lost. An
 * empty or zero-filled index indexed nothing. Either way a broker deletes such orphans on load.
 */
export interface OrphanedIndexes {
  /** Where the `.log` should be. */
  log: string;
  /** The orphan files found. */
  files: string[];
  /** Whether any of them holds entries (records were there). */
  populated: boolean;
  /** The first offset an entry names (null when none does). */
  firstOffset: Int64 | null;
  /** What the files hold, e.g. "its .index has 12 entries (offsets 100..250)". */
  description: string;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
const allZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

/** The orphaned index files of a segment without a `.log`, or null when it has its `.log` or no index. */
export function orphanedIndexes(seg: SegmentFiles): OrphanedIndexes | null {
  if (seg.log !== undefined) return null;
  const files = [seg.index, seg.timeindex, seg.txnindex].filter((f): f is string => f !== undefined);
  if (files.length === 0) return null;
  const base = normalize(seg.baseOffset);
  const parts: string[] = [];
  let firstOffset: Int64 | null = null;
  if (seg.index) {
    const buf = readRegularFile(seg.index);
    if (!allZero(buf)) {
      const e = offsetIndexEntries(buf, base);
      firstOffset = e[0]!.offset;
      parts.push(`its .index has ${plural(e.length, 'entry', 'entries')} (offsets ${e[0]!.offset}..${e[e.length - 1]!.offset})`);
    }
  }
  if (seg.timeindex) {
    const buf = readRegularFile(seg.timeindex);
    if (!allZero(buf)) {
      const e = timeIndexEntries(buf, base);
      firstOffset ??= e[0]!.offset;
      parts.push(`its .timeindex has ${plural(e.length, 'entry', 'entries')} (timestamps ${e[0]!.timestamp}..${e[e.length - 1]!.timestamp})`);
    }
  }
  if (seg.txnindex) {
    const e = abortedTxnEntries(readRegularFile(seg.txnindex));
    if (e.length > 0) parts.push(`its .txnindex lists ${plural(e.length, 'aborted transaction', 'aborted transactions')}`);
  }
  const log = files[0]!.replace(/\.[a-z]+$/, '.log');
  return {
    log,
    files,
    populated: parts.length > 0,
    firstOffset,
    description: parts.length > 0 ? parts.join(', ') : `${files.map((f) => f.slice(f.lastIndexOf('/') + 1)).join(', ')} ${files.length === 1 ? 'indexes' : 'index'} nothing`,
  };
}
