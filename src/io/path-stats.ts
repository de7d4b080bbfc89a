import { basename, dirname } from 'node:path';
import { StatsAccumulator, type StatsResult, accumulateSegment } from './partition.js';
import { type PathTarget, batchFileOf, notRegularText, resolvePath } from './paths.js';

/** What `kseg stats` was given. */
export type StatsTarget = 'logdir' | 'partition' | 'segment';

/**
 * Deep statistics of a resolved path (a log dir, a partition folder or one segment file): every
 * record decoded and decompressed. `onBytes` is told the size of each batch as it passes (progress).
 */
export function statsOfTarget(t: PathTarget, options: { onBytes?: (n: number) => void } = {}): { target: StatsTarget; result: StatsResult } {
  const acc = new StatsAccumulator();
  let target: StatsTarget;
  let work: Array<{ name: string; logs: string[] }>;
  if (t.kind === 'file') {
    target = 'segment';
    work = [{ name: basename(dirname(t.path)), logs: [batchFileOf(t)] }];
  } else {
    target = t.kind === 'logdir' ? 'logdir' : 'partition';
    const parts = t.kind === 'logdir' ? t.listing.partitions : [t.dir];
    work = parts.map((p) => ({ name: p.name, logs: p.segments.flatMap((s) => (s.log ? [s.log] : [])) }));
  }
  for (const w of work) {
    acc.startPartition(w.name);
    for (const log of w.logs) accumulateSegment(acc, log, options.onBytes);
  }
  const result = acc.result();
  // Entries the listing did not read (FIFOs, devices, folders named like segments) are problems too.
  const parts = t.kind === 'logdir' ? t.listing.partitions : t.kind === 'partition' ? [t.dir] : [];
  for (const p of parts) for (const i of p.irregular) result.problems.push({ file: i.path, message: notRegularText(i.type) });
  return { target, result };
}

/** statsOfTarget of a path (resolved with resolvePath: a PathError says why it can't be read). */
export function computeStats(path: string, options: { onBytes?: (n: number) => void } = {}): { target: StatsTarget; result: StatsResult } {
  return statsOfTarget(resolvePath(path, { absolute: true }), options);
}
