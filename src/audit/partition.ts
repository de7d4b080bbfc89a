import type { Int64 } from '../format/int64.js';
import type { PartitionDir, SegmentFiles } from '../io/logdir.js';
import type { SegmentScan } from './segment.js';

/** One partition after its segments were scanned: what the cross-segment checks work on. */
export interface PartitionScan {
  dir: PartitionDir;
  segments: Array<{ files: SegmentFiles; scan: SegmentScan | null }>;
  /**
   * Why the partition is believed compacted, or null. cleanup.policy is not on disk, so it is
   * inferred from what only the cleaner leaves behind: `.deleted`/`.cleaned`/`.swap` leftovers, a
   * cleaner-offset-checkpoint entry, or batches whose record offsets skip (or that are empty, or
   * carry a delete horizon).
   */
  compaction: string | null;
  /** The log start offset: the first segment's base offset, raised by log-start-offset-checkpoint. */
  logStartOffset: Int64;
  /**
   * One past the highest offset in the log (the log end offset); null when the partition has no
   * segment at all (a KRaft metadata dir holding only snapshots), so nothing can be compared to it.
   */
  logEndOffset: Int64 | null;
}

export function segmentLabel(s: { files: SegmentFiles }): string {
  return s.files.log ?? s.files.index ?? s.files.timeindex ?? s.files.txnindex ?? String(s.files.baseOffset);
}
