import { type Int64, addInt64 } from '../format/int64.js';
import type { PartitionScan } from './partition.js';
import type { Findings } from './types.js';

/**
 * Offset continuity: each batch starts right after the highest offset before it, within and across
 * segments, and each segment's first batch is not below the base offset its file name says.
 *
 * A gap is explained (a note, not an anomaly) when the partition is compacted: the cleaner drops
 * whole batches. Control batches and aborted transactions occupy their offsets, so they never
 * explain a gap in a log the cleaner has not touched.
 */
export function checkOffsets(p: PartitionScan, findings: Findings): void {
  let maxLast: Int64 | null = null;
  for (const { scan } of p.segments) {
    if (!scan) continue;
    const first = scan.batches[0];
    if (first && scan.baseOffset !== null) {
      // A legacy compressed wrapper carries its LAST inner offset, and the broker named the segment
      // after it when rolling (firstOrLastOffsetOfFirstBatch), so compare that for magic 0/1.
      const head = first.magic >= 2 ? first.firstOffset : first.lastOffset;
      if (head < scan.baseOffset) {
        findings.push('segment-base-offset', 'error', scan.file, first.position, `first batch starts at offset ${head}, below the segment's base offset ${scan.baseOffset} (from its file name)`, { offset: head });
      }
    }
    for (const b of scan.batches) {
      if (b.lastOffset < b.firstOffset) continue; // reported by the segment scan (negative delta)
      if (maxLast !== null) {
        const expected = addInt64(maxLast, 1);
        if (b.firstOffset > expected) {
          const missing = `offsets ${expected}..${addInt64(b.firstOffset, -1)} are missing before this batch`;
          if (p.compaction !== null) {
            findings.push('offset-gap', 'info', scan.file, b.position, `${missing}; explained by compaction (${p.compaction})`, { offset: b.firstOffset });
          } else {
            findings.push('offset-gap', 'error', scan.file, b.position, `${missing} (the partition shows no sign of compaction)`, { offset: b.firstOffset });
          }
        } else if (b.firstOffset <= maxLast) {
          findings.push('offset-overlap', 'error', scan.file, b.position, `batch covers offsets ${b.firstOffset}..${b.lastOffset} but offsets up to ${maxLast} were already written before it`, { offset: b.firstOffset });
        }
      }
      if (maxLast === null || b.lastOffset > maxLast) maxLast = b.lastOffset;
    }
  }
}
