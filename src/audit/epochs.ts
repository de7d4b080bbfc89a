import { readFileSync } from 'node:fs';
import type { Int64 } from '../format/int64.js';
import { type LeaderEpochEntry, TextFileError, parseLeaderEpochCheckpoint } from '../format/text-files.js';
import type { PartitionScan } from './partition.js';
import type { BatchInfo } from './segment.js';
import type { Findings } from './types.js';

/**
 * Leader epochs: the partitionLeaderEpoch of v2 batches never decreases along the log, and each
 * epoch's first batch starts where `leader-epoch-checkpoint` says the epoch starts.
 *
 * The checkpoint may legitimately say an epoch starts before the first batch carrying it: retention
 * or compaction removed the earlier batches, or the leader wrote nothing in that epoch. It may never
 * say an epoch starts after batches of that epoch, nor omit an epoch the log carries.
 */
export class EpochCheck {
  /** Each epoch's first batch (one entry per leader epoch, not per batch). */
  private readonly firstOfEpoch = new Map<number, { offset: Int64; file: string; position: number }>();
  private prevEpoch: number | null = null;

  constructor(private readonly findings: Findings) {}

  /** Fed each batch of the partition in log order (`file` is its segment). */
  batch(file: string, b: BatchInfo): void {
    if (b.magic < 2 || b.leaderEpoch < 0) return;
    if (this.prevEpoch !== null && b.leaderEpoch < this.prevEpoch) {
      this.findings.push('epoch-regression', 'error', file, b.position + 12, `leader epoch ${b.leaderEpoch} after epoch ${this.prevEpoch}: epochs never decrease along a log`, { offset: b.firstOffset });
    }
    if (!this.firstOfEpoch.has(b.leaderEpoch)) this.firstOfEpoch.set(b.leaderEpoch, { offset: b.firstOffset, file, position: b.position });
    // After a regression, follow the new epoch: one finding where the epoch went down, not one per batch after it.
    this.prevEpoch = b.leaderEpoch;
  }

  /** Compares what the log showed with `leader-epoch-checkpoint`, once all segments are read. */
  finish(p: PartitionScan): void {
    checkEpochCheckpoint(p, this.firstOfEpoch, this.findings);
  }
}

function checkEpochCheckpoint(p: PartitionScan, firstOfEpoch: Map<number, { offset: Int64; file: string; position: number }>, findings: Findings): void {
  const path = p.dir.leaderEpochCheckpoint;
  if (!path) return;
  let entries: LeaderEpochEntry[];
  try {
    entries = parseLeaderEpochCheckpoint(readFileSync(path, 'utf8')).entries;
  } catch (e) {
    const line = e instanceof TextFileError ? e.line : undefined;
    findings.push('checkpoint-unparseable', 'warning', path, -1, `leader-epoch-checkpoint does not parse: ${(e as Error).message}`, line === undefined ? {} : { line });
    return;
  }
  for (let i = 1; i < entries.length; i++) {
    const a = entries[i - 1]!;
    const b = entries[i]!;
    if (b.epoch <= a.epoch || b.startOffset < a.startOffset) {
      findings.push('epoch-checkpoint', 'warning', path, -1, `entry "${b.epoch} ${b.startOffset}" does not follow "${a.epoch} ${a.startOffset}": epochs must increase and start offsets not decrease`, { line: b.line });
    }
  }
  const byEpoch = new Map(entries.map((e) => [e.epoch, e]));
  for (const [epoch, first] of firstOfEpoch) {
    const e = byEpoch.get(epoch);
    if (!e) {
      findings.push('epoch-checkpoint', 'warning', first.file, first.position + 12, `the log has batches of leader epoch ${epoch} from offset ${first.offset}, but leader-epoch-checkpoint has no entry for it`, { offset: first.offset });
    } else if (e.startOffset > first.offset && !(e === entries[0] && e.startOffset <= p.logStartOffset)) {
      // (The earliest entry is moved up to the log start offset when records are deleted from the
      // start, DeleteRecords or retention, while older batches may still sit in the first segment.)
      findings.push('epoch-checkpoint', 'warning', path, -1, `epoch ${epoch} starts at ${e.startOffset} per the checkpoint, but the log has a batch of that epoch at offset ${first.offset} (${first.file} position ${first.position})`, { line: e.line, offset: first.offset });
    }
  }
  for (const e of entries) {
    if (p.logEndOffset !== null && e.startOffset > p.logEndOffset) {
      findings.push('epoch-checkpoint', 'warning', path, -1, `epoch ${e.epoch} starts at ${e.startOffset}, beyond the log end offset ${p.logEndOffset}`, { line: e.line });
    }
  }
}
