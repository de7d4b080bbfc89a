import { type Int64, addInt64 } from '../format/int64.js';
import type { BatchInfo } from './segment.js';
import { type PartitionFindings, anomaly } from './types.js';

/**
 * Offset continuity: each batch starts right after the highest offset before it, within and across
 * segments, and each segment's first batch is not below the base offset its file name says.
 *
 * A gap is explained (a note, not an anomaly) when the partition is compacted: the cleaner drops
 * whole batches. Control batches and aborted transactions occupy their offsets, so they never
 * explain a gap in a log the cleaner has not touched.
 *
 * Fed batch by batch as the segments are read; it keeps only the highest offset so far.
 */
export class OffsetCheck {
  private maxLast: Int64 | null = null;
  private file = '';
  private baseOffset: Int64 | null = null;
  private atSegmentStart = false;

  constructor(private readonly findings: PartitionFindings) {}

  /** The next batches come from the segment `file` (base offset from its name, or null). */
  startSegment(file: string, baseOffset: Int64 | null): void {
    this.file = file;
    this.baseOffset = baseOffset;
    this.atSegmentStart = true;
  }

  batch(b: BatchInfo): void {
    const file = this.file;
    if (this.atSegmentStart) {
      this.atSegmentStart = false;
      if (this.baseOffset !== null) {
        // A legacy compressed wrapper carries its LAST inner offset, and the broker named the segment
        // after it when rolling (firstOrLastOffsetOfFirstBatch), so compare that for magic 0/1.
        const head = b.magic >= 2 ? b.firstOffset : b.lastOffset;
        if (head < this.baseOffset) {
          this.findings.push('segment-base-offset', 'error', file, b.position, `first batch starts at offset ${head}, below the segment's base offset ${this.baseOffset} (from its file name)`, { offset: head });
        }
      }
    }
    if (b.lastOffset < b.firstOffset) return; // reported by the segment scan (negative delta)
    const maxLast = this.maxLast;
    if (maxLast !== null) {
      const expected = addInt64(maxLast, 1);
      if (b.firstOffset > expected) {
        const { position, firstOffset } = b;
        const missing = `offsets ${expected}..${addInt64(firstOffset, -1)} are missing before this batch`;
        this.findings.defer((compaction) =>
          compaction !== null
            ? anomaly('offset-gap', 'info', file, position, `${missing}; explained by compaction (${compaction})`, { offset: firstOffset })
            : anomaly('offset-gap', 'error', file, position, `${missing} (the partition shows no sign of compaction)`, { offset: firstOffset }),
        );
      } else if (b.firstOffset <= maxLast) {
        this.findings.push('offset-overlap', 'error', file, b.position, `batch covers offsets ${b.firstOffset}..${b.lastOffset} but offsets up to ${maxLast} were already written before it`, { offset: b.firstOffset });
      }
    }
    if (maxLast === null || b.lastOffset > maxLast) this.maxLast = b.lastOffset;
  }
}
