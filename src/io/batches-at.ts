import { lastOffsetOf } from '../format/batch.js';
import type { Int64 } from '../format/int64.js';
import { readBatches } from './batches.js';
import type { LogBatch, WalkEnd } from './log-batch.js';
import { seekOffset, segmentSourceOfFile } from './seek.js';

/** What `kseg explain` shows: the batches found, or why there are none. */
export interface BatchesAt {
  batches: LogBatch[];
  /** Nothing to show, and nothing wrong: an empty file, an offset past the end. */
  empty: string | null;
  /** No whole batch where one should start (damage), with the byte position. */
  damage: string | null;
}

/**
 * Why a walk that was to start at `end.position` found no batch there: an entry too small to be one,
 * bytes that frame none, or the file's end (`kseg explain`, `kseg serve`).
 */
export function noBatchThere(end: WalkEnd): string {
  if (end.undersized) return `the entry there has size ${end.undersized.size}, below the minimum (${end.undersized.minimum})`;
  if (end.position < end.fileSize) return `no whole batch starts there (${end.fileSize - end.position} bytes to the end)`;
  return `the file has ${end.fileSize} bytes`;
}

/**
 * `count` batches of a segment file (detached): from the one holding `offset` (found through the
 * segment's offset index), the one starting at byte `position`, or the first.
 */
export function batchesAt(file: string, opts: { offset?: Int64; position?: number; count: number }): BatchesAt {
  const count = opts.count;
  const out: LogBatch[] = [];
  let start = opts.position ?? 0;
  if (opts.offset !== undefined) start = seekOffset(segmentSourceOfFile(file), opts.offset)?.position ?? 0;
  const it = readBatches(file, { start, detach: true, boundUnverified: true });
  for (;;) {
    const n = it.next();
    if (n.done) {
      const end = n.value;
      if (out.length === 0) {
        if (end.undersized || end.position < end.fileSize) return { batches: out, empty: null, damage: `byte ${end.position}: ${noBatchThere(end)}` };
        if (opts.offset !== undefined) return { batches: out, empty: `no batch holds offset ${opts.offset}`, damage: null };
        return { batches: out, empty: end.fileSize === 0 ? 'the file is empty (0 bytes)' : `no batch at byte ${start}: the file has ${end.fileSize} bytes`, damage: null };
      }
      break;
    }
    const b = n.value;
    if (opts.offset !== undefined && out.length === 0 && lastOffsetOf(b.header) < opts.offset) continue;
    out.push(b);
    if (out.length >= count) break;
  }
  it.return(undefined as never);
  return { batches: out, empty: null, damage: null };
}
