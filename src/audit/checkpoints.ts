import { join } from 'node:path';
import type { Int64 } from '../format/int64.js';
import { type OffsetCheckpointEntry, TextFileError, parseOffsetCheckpoint } from '../format/text-files.js';
import { readRegularText, statPath } from '../io/paths.js';
import type { Findings, Severity } from './types.js';

/**
 * The log dir's offset checkpoints, and what an offset past the log end means:
 * - recovery-point: the broker flushed up to there, so a log ending before it lost fsynced data;
 * - replication (high watermark): consumers may have read up to there, so records they saw are gone;
 * - log-start and cleaner: the broker would clamp them; the file is stale or the log was cut.
 * All are warnings: the log itself may be intact but shorter than the broker recorded (a crash lost
 * its unflushed tail, or the files were copied at different moments).
 */
export const OFFSET_CHECKPOINTS: ReadonlyArray<{ name: string; beyondLog: Severity; what: string }> = [
  { name: 'recovery-point-offset-checkpoint', beyondLog: 'warning', what: 'recovery point (data flushed to disk)' },
  { name: 'replication-offset-checkpoint', beyondLog: 'warning', what: 'high watermark (data consumers may have read)' },
  { name: 'log-start-offset-checkpoint', beyondLog: 'warning', what: 'log start offset' },
  { name: 'cleaner-offset-checkpoint', beyondLog: 'warning', what: 'cleaner position' },
];

/** What a checkpoint entry is compared with: the partition's log end offset, if it is in this log dir. */
export type PartitionEnds = Map<string, { logEndOffset: Int64 | null; path: string }>;

/** Reads one checkpoint file; a file that does not parse is an anomaly (with its line). */
export function readOffsetCheckpoint(path: string, findings: Findings | null): OffsetCheckpointEntry[] | null {
  let text: string;
  try {
    text = readRegularText(path);
  } catch (e) {
    findings?.push('checkpoint-unparseable', 'warning', path, -1, `cannot read: ${(e as Error).message}`);
    return null;
  }
  try {
    return parseOffsetCheckpoint(text).entries;
  } catch (e) {
    const line = e instanceof TextFileError ? e.line : undefined;
    findings?.push('checkpoint-unparseable', 'warning', path, -1, `does not parse: ${(e as Error).message}`, line === undefined ? {} : { line });
    return null;
  }
}

/**
 * Checks the offset checkpoints in `logDir`. `only` restricts the check to entries naming those
 * partitions (when a single partition is audited).
 */
export function checkCheckpoints(logDir: string, ends: PartitionEnds, findings: Findings, only?: Set<string>): void {
  for (const cp of OFFSET_CHECKPOINTS) {
    const path = join(logDir, cp.name);
    // Absent, or not a regular file (reported with the log dir's listing, never opened).
    if (!statPath(path)?.isFile()) continue;
    const entries = readOffsetCheckpoint(path, only ? null : findings);
    if (!entries) continue;
    for (const e of entries) {
      const name = `${e.topic}-${e.partition}`;
      if (only && !only.has(name)) continue;
      const p = ends.get(name);
      if (!p) {
        // A checkpoint names every partition the broker had in this log dir when it wrote it;
        // a copied or partial log dir legitimately lacks some.
        findings.push('checkpoint-unknown-partition', 'info', path, -1, `${cp.what} ${e.offset} for ${name}, which is not in this log dir`, { line: e.line, offset: e.offset });
        continue;
      }
      if (p.logEndOffset !== null && e.offset > p.logEndOffset) {
        findings.push('checkpoint-beyond-log', cp.beyondLog, path, -1, `${cp.what} for ${name} is ${e.offset}, beyond its log end offset ${p.logEndOffset}`, { line: e.line, offset: e.offset });
      }
    }
  }
}

/** The log-start-offset-checkpoint entries of a log dir, by partition name. */
export function logStartOffsets(logDir: string): Map<string, Int64> {
  const path = join(logDir, 'log-start-offset-checkpoint');
  if (!statPath(path)?.isFile()) return new Map();
  return new Map((readOffsetCheckpoint(path, null) ?? []).map((e) => [`${e.topic}-${e.partition}`, e.offset]));
}

/** Partitions the log dir's cleaner-offset-checkpoint names: the cleaner has compacted them. */
export function cleanedPartitions(logDir: string): Set<string> {
  const path = join(logDir, 'cleaner-offset-checkpoint');
  if (!statPath(path)?.isFile()) return new Set();
  const entries = readOffsetCheckpoint(path, null) ?? [];
  return new Set(entries.map((e) => `${e.topic}-${e.partition}`));
}
