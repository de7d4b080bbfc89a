import type { Int64 } from '../format/int64.js';

/**
 * What the audit can find. Every finding has exactly one class; the class says which check fired,
 * the severity says how much it matters (see SEVERITY_OF and docs/audit.md).
 */
export const ANOMALY_CLASSES = [
  // Batches and records (src/audit/segment.ts)
  'batch-crc',
  'batch-size',
  'batch-magic',
  'batch-attributes',
  'record-count',
  'record-corrupt',
  'record-offset',
  'decompression',
  // Where a segment stops being readable (segment.ts)
  'truncated-batch',
  'zero-tail',
  'zero-fill',
  'trailing-garbage',
  'garbage',
  'resync-skipped',
  // Offsets (offsets.ts)
  'offset-gap',
  'offset-overlap',
  'segment-base-offset',
  // Indexes (indexes.ts)
  'index-size',
  'index-sanity',
  'index-order',
  'index-position',
  'index-offset',
  'index-missing',
  'index-preallocated',
  'log-missing',
  'timeindex-size',
  'timeindex-sanity',
  'timeindex-order',
  'timeindex-offset',
  'timeindex-timestamp',
  'timeindex-missing',
  // Leader epochs (epochs.ts)
  'epoch-regression',
  'epoch-checkpoint',
  // Producers and transactions (producers.ts)
  'producer-epoch-regression',
  'producer-sequence-duplicate',
  'producer-sequence-gap',
  'transaction-open',
  'transaction-marker',
  'txnindex-corrupt',
  'txnindex-mismatch',
  'producer-snapshot-corrupt',
  'producer-snapshot-mismatch',
  'producer-snapshot-stale',
  // Text files (checkpoints.ts)
  'checkpoint-unparseable',
  'checkpoint-beyond-log',
  'checkpoint-unknown-partition',
  // Folder entries (index.ts)
  'not-regular-file',
] as const;
export type AnomalyClass = (typeof ANOMALY_CLASSES)[number];

/**
 * - `error`: the log itself is damaged or inconsistent: records a consumer would miss, reject or
 *   read twice.
 * - `warning`: a derived file (index, transaction index, producer snapshot, epoch checkpoint) disagrees
 *   with the log, or the log has a crash leftover a broker's recovery truncates. The broker can
 *   rebuild or repair it, but something went wrong.
 * - `info`: explained or expected, never counted as an anomaly: gaps left by compaction, an active
 *   segment's preallocated index, a missing index a broker rebuilds, a snapshot beyond the log end.
 */
export type Severity = 'error' | 'warning' | 'info';

export interface Anomaly {
  class: AnomalyClass;
  severity: Severity;
  /** The file the finding is about (absolute or as given). */
  file: string;
  /** Byte position in `file` (-1 when the finding is about the file as a whole, or a text line's file). */
  position: number;
  /** End (exclusive) of the byte range concerned, for ranges: skipped bytes, tails. */
  end?: number;
  /** The Kafka offset concerned, where known. */
  offset?: Int64;
  /** Line number, for text files. */
  line?: number;
  /** What is wrong, with the stored and expected values. */
  detail: string;
}

export interface AuditOptions {
  /** Step past unreadable bytes to the next plausible batch instead of stopping the segment. */
  resync?: boolean;
  /** Called with the bytes of each batch as it is checked, and of bytes no batch covered (progress). */
  onBytes?: (bytes: number) => void;
}

export interface AuditSummary {
  partitions: number;
  segments: number;
  batches: number;
  records: number;
  bytes: number;
  errors: number;
  warnings: number;
  notes: number;
}

export interface AuditReport {
  path: string;
  /** What `path` was taken to be. */
  target: 'logdir' | 'partition' | 'file';
  resync: boolean;
  summary: AuditSummary;
  /** Findings of severity error or warning, in discovery order (by file, then position). */
  anomalies: Anomaly[];
  /** Findings of severity info. */
  notes: Anomaly[];
}

/** Collects findings; checks push into it, the audit sorts them into anomalies and notes. */
export class Findings {
  readonly all: Anomaly[] = [];

  add(a: Anomaly): void {
    this.all.push(a);
  }

  push(cls: AnomalyClass, severity: Severity, file: string, position: number, detail: string, extra: Partial<Pick<Anomaly, 'end' | 'offset' | 'line'>> = {}): void {
    this.all.push(anomaly(cls, severity, file, position, detail, extra));
  }

  /** Appends `other`'s findings after these, in order (a loop: spreading may overflow the stack). */
  append(other: Findings): void {
    for (const a of other.all) this.all.push(a);
  }
}

export function anomaly(cls: AnomalyClass, severity: Severity, file: string, position: number, detail: string, extra: Partial<Pick<Anomaly, 'end' | 'offset' | 'line'>> = {}): Anomaly {
  const a: Anomaly = { class: cls, severity, file, position, detail };
  if (extra.end !== undefined) a.end = extra.end;
  if (extra.offset !== undefined) a.offset = extra.offset;
  if (extra.line !== undefined) a.line = extra.line;
  return a;
}

/** Makes a finding once the partition's compaction verdict (why it is compacted, or null) is known. */
export type CompactionResolver = (compaction: string | null) => Anomaly;

/**
 * Findings of one check of one partition, kept in discovery order until the partition is done.
 * The batches stream past once, but whether the partition is compacted (which turns some errors
 * into notes) is known only at its end: such findings are deferred and made then, in place.
 */
export class PartitionFindings extends Findings {
  private readonly deferred: Array<{ at: number; make: CompactionResolver }> = [];

  defer(make: CompactionResolver): void {
    this.deferred.push({ at: this.all.length, make });
    // A placeholder keeps the finding's place in discovery order.
    this.all.push(null as unknown as Anomaly);
  }

  /** Resolves the deferred findings and appends everything to `target`. */
  flushTo(target: Findings, compaction: string | null): void {
    for (const d of this.deferred) this.all[d.at] = d.make(compaction);
    target.append(this);
  }
}
