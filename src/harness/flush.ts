import { LogDirView } from './disk.js';

export interface FlushTarget {
  topic: string;
  partition: number;
  /** Highest acked offset in the partition. */
  maxOffset: number;
}

/** Partitions whose acked offsets are not all readable yet, across the given replicas. */
export function pendingPartitions(logDirs: string[], targets: FlushTarget[]): FlushTarget[] {
  const views = logDirs.map((d) => new LogDirView(d));
  return targets.filter((t) => {
    const parts = views.map((v) => v.partition(t.topic, t.partition)).filter((p) => p !== null);
    // Readable on at least one replica that holds the partition (followers may lag; verify reports it).
    return !parts.some((p) => p!.logEndOffset > t.maxOffset);
  });
}

/**
 * Polls the files until every acked offset is readable (the broker has written it to the segment,
 * page cache included) or the timeout passes. Returns the partitions still pending.
 */
export async function waitForFlush(logDirs: string[], targets: FlushTarget[], options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<FlushTarget[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const pending = pendingPartitions(logDirs, targets);
    if (pending.length === 0 || Date.now() >= deadline) return pending;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
}
