import { type DiskPartition, type DiskRecordDigest, LogDirView, committedOffsets, fieldDigests } from './disk.js';
import { type ManifestRow, unb64 } from './manifest.js';
import type { ConsumeEvent } from './consume-log.js';
import { SCHEMA_VERSIONS } from '../view/json.js';

/**
 * The class of one manifest record after comparing it with the files. Exactly one per record;
 * the first matching rule in this order wins: replica disagreement, lost/corrupted/misplaced,
 * duplicate, reordered, transaction coverage, delivery, intact.
 */
export const RECORD_CLASSES = [
  'intact',
  'superseded',
  'unacked-present',
  'unacked-absent',
  'expired',
  'lost',
  'corrupted',
  'misplaced',
  'duplicate',
  'reordered',
  'txn-mismatch',
  'txn-unmarked',
  'replica-missing',
  'replica-mismatch',
  'undelivered',
  'aborted-delivered',
] as const;
export type RecordClass = (typeof RECORD_CLASSES)[number];

/** Classes that are not a failure: the record is where it should be, or its absence is explained. */
export const GOOD_CLASSES: ReadonlySet<RecordClass> = new Set(['intact', 'superseded', 'unacked-present', 'unacked-absent', 'expired']);

export interface RecordFinding {
  /** 1-based manifest line (counting non-blank lines). */
  line: number;
  id: string | null;
  topic: string;
  partition: number;
  /** As acked (null when not acked). */
  offset: number | null;
  class: RecordClass;
  /** Where the record was found on disk, when it was. */
  foundAt: number | null;
  detail: string;
  /** duplicate: `idempotence-failure` (same producer id, epoch and sequence written twice) or `retry` (sent again as a new record). */
  cause?: 'idempotence-failure' | 'retry';
  /** corrupted: the fields that differ (`key`, `value`, `headers`, `timestamp`, `crc`, `batch`). */
  fields?: string[];
  /** Replica comparisons: class per log dir. */
  replicas?: Array<{ logDir: string; class: RecordClass; detail: string }>;
}

export interface GapReport {
  from: number;
  to: number;
  explained: boolean;
  reason: string;
}

export interface VerifiedPartition {
  topic: string;
  partition: number;
  records: number;
  byClass: Partial<Record<RecordClass, number>>;
  replicas: Array<{
    logDir: string;
    logStartOffset: number;
    logEndOffset: number;
    batches: number;
    dataRecords: number;
    markers: { COMMIT: number; ABORT: number; other: number };
    abortedTxns: number;
    cleanedTo: number | null;
    /** Records on disk that match no manifest record (other producers, or duplicates counted above). */
    foreign: number;
    truncations: Array<{ file: string; position: number; fileSize: number }>;
    gaps: GapReport[];
  }>;
}

export interface ReplicaComparison {
  topic: string;
  partition: number;
  logDirs: string[];
  identical: boolean;
  logEndOffsets: number[];
  /** Batches (by base offset) whose bytes differ, or that one replica lacks. */
  differences: Array<{ baseOffset: number; lastOffset: number; kind: 'bytes-differ' | 'missing'; logDirs: string[] }>;
}

export interface GroupOffsetCheck {
  group: string;
  topic: string;
  partition: number;
  /** Last offset the consumer committed (consume log). */
  committed: number | null;
  /** Latest OffsetCommit for it in `__consumer_offsets` on disk. */
  onDisk: number | null;
  match: boolean;
}

export interface VerifyReport {
  schemaVersion: number;
  kind: 'harness-verify';
  manifest: string | null;
  logDirs: string[];
  ok: boolean;
  totals: { records: number; bad: number; byClass: Record<RecordClass, number>; unexplainedGaps: number; groupOffsetMismatches: number };
  partitions: VerifiedPartition[];
  /** Every record that is not `intact`. */
  findings: RecordFinding[];
  replicas: ReplicaComparison[];
  consumer: null | {
    groups: string[];
    isolation: string;
    delivered: number;
    undelivered: number;
    /** read_committed only: aborted records the consumer received. */
    abortedDelivered: number;
    offsets: GroupOffsetCheck[];
  };
  /** `kseg harness run` only: what the producers were told. */
  sends?: SendSummary;
}

/** The producers' side of a run: a send that failed tested nothing, so a run with one is not OK. */
export interface SendSummary {
  sent: number;
  acked: number;
  failed: number;
  /** Distinct send errors, most frequent first. */
  errors: Array<{ error: string; records: number }>;
  /** Transactions whose COMMIT or ABORT failed. */
  transactionErrors: string[];
}

/** A run's report: the files' verdict, and not OK when any send or transaction end failed. */
export function withSends(report: VerifyReport, sends: SendSummary): VerifyReport {
  return { ...report, ok: report.ok && sends.failed === 0 && sends.transactionErrors.length === 0, sends };
}

export interface VerifyOptions {
  /** Topics to treat as compacted even without a cleaner checkpoint. */
  compactedTopics?: ReadonlySet<string>;
  consumeLog?: ConsumeEvent[];
  manifestPath?: string;
}

interface RowState {
  row: ManifestRow;
  index: number;
  digests: ReturnType<typeof fieldDigests>;
}

interface Verdict {
  class: RecordClass;
  rec: DiskRecordDigest | null;
  detail: string;
  cause?: 'idempotence-failure' | 'retry';
  fields?: string[];
}

function rowDigests(r: ManifestRow) {
  return fieldDigests(
    unb64(r.key),
    unb64(r.value),
    r.headers.map(([k, v]) => ({ key: k, value: unb64(v) })),
  );
}

function sameBatchProducer(a: DiskPartition, x: DiskRecordDigest, y: DiskRecordDigest): boolean {
  const bx = a.batches[x.batch]!;
  const by = a.batches[y.batch]!;
  return bx.producerId >= 0 && bx.producerId === by.producerId && bx.producerEpoch === by.producerEpoch && x.sequence >= 0 && x.sequence === y.sequence;
}

/** Classifies the rows of one partition against one replica's files. */
function verifyPartition(rows: RowState[], p: DiskPartition, compacted: boolean): { verdicts: Verdict[]; foreign: number; gaps: GapReport[] } {
  const verdicts: Array<Verdict | null> = rows.map(() => null);
  const claimed = new Set<DiskRecordDigest>();
  const byContent = new Map<string, DiskRecordDigest[]>();
  for (const rec of p.records) {
    const l = byContent.get(rec.content);
    if (l) l.push(rec);
    else byContent.set(rec.content, [rec]);
  }
  const cursor = new Map<string, number>();
  const takeByContent = (content: string): DiskRecordDigest | null => {
    const l = byContent.get(content);
    if (!l) return null;
    let i = cursor.get(content) ?? 0;
    while (i < l.length && claimed.has(l[i]!)) i++;
    cursor.set(content, i);
    if (i >= l.length) return null;
    claimed.add(l[i]!);
    return l[i]!;
  };
  const matched: Array<DiskRecordDigest | null> = rows.map(() => null);
  // A: acked records at their acked offset.
  rows.forEach((s, i) => {
    if (s.row.offset === null) return;
    const rec = p.byOffset.get(s.row.offset)?.find((r) => !claimed.has(r) && r.content === s.digests.content);
    if (rec) {
      claimed.add(rec);
      matched[i] = rec;
    }
  });
  // B: records without an ack, by content in send order.
  rows.forEach((s, i) => {
    if (s.row.offset !== null) return;
    const rec = takeByContent(s.digests.content);
    if (rec) {
      matched[i] = rec;
      verdicts[i] = { class: 'unacked-present', rec, detail: s.row.error ? `send failed (${s.row.error}) but the record is on disk` : 'no ack recorded; found by content' };
    } else if (s.row.error) {
      verdicts[i] = { class: 'unacked-absent', rec: null, detail: `send failed (${s.row.error}) and the record is not on disk` };
    }
  });
  // Keys' latest manifest record (send order), for compaction.
  const lastForKey = new Map<string, number>();
  rows.forEach((s, i) => {
    if (s.row.key !== null) lastForKey.set(s.row.key, i);
  });
  const ackedOffsets = new Set<number>();
  for (const s of rows) if (s.row.offset !== null) ackedOffsets.add(s.row.offset);
  // C: acked records not at their offset: elsewhere, changed, or gone.
  rows.forEach((s, i) => {
    if (matched[i] || verdicts[i]) return;
    const o = s.row.offset;
    const elsewhere = takeByContent(s.digests.content);
    if (elsewhere) {
      matched[i] = elsewhere;
      verdicts[i] = o === null ? null : { class: 'misplaced', rec: elsewhere, detail: `acked at ${o}, found at ${elsewhere.offset}` };
      return;
    }
    if (o === null) {
      verdicts[i] = { class: 'lost', rec: null, detail: 'not acked, no error recorded, and not on disk' };
      return;
    }
    const there = p.byOffset.get(o)?.[0];
    if (there) {
      const fields = (['key', 'value', 'headers'] as const).filter((f) => there[f] !== s.digests[f]);
      verdicts[i] = { class: 'corrupted', rec: there, fields, detail: `record at ${o} differs in ${fields.join(', ')}` };
      return;
    }
    // A compacted batch keeps its offset range without the removed records: only a damaged batch explains a missing record.
    const badBatch = p.batches.find((b) => !b.isControl && b.baseOffset <= o && o <= b.lastOffset && (b.decodeError !== null || !b.crcValid));
    if (badBatch) {
      verdicts[i] = {
        class: 'corrupted',
        rec: null,
        fields: ['batch'],
        detail: `batch ${badBatch.baseOffset}..${badBatch.lastOffset} at ${badBatch.file.split('/').pop()}:${badBatch.position} cannot be decoded (${badBatch.decodeError ?? 'record missing'})`,
      };
      return;
    }
    if (o < p.logStartOffset) {
      verdicts[i] = { class: 'expired', rec: null, detail: `below the log start offset ${p.logStartOffset} (retention)` };
      return;
    }
    const cleaned = compacted || (p.cleanedTo !== null && o < p.cleanedTo);
    if (cleaned && s.row.key !== null) {
      const last = lastForKey.get(s.row.key)!;
      if (last !== i) {
        verdicts[i] = { class: 'superseded', rec: null, detail: `compacted away: key updated later (manifest line ${rows[last]!.index + 1})` };
        return;
      }
      if (s.row.value === null) {
        verdicts[i] = { class: 'superseded', rec: null, detail: 'tombstone removed by the cleaner (delete retention)' };
        return;
      }
    }
    verdicts[i] = { class: 'lost', rec: null, detail: `acked at ${o}, not on disk (log ${p.logStartOffset}..${p.logEndOffset - 1})` };
  });
  // Checks on records found: checksum, timestamp.
  rows.forEach((s, i) => {
    const rec = matched[i];
    if (!rec) return;
    const v = verdicts[i];
    if (v && v.class !== 'unacked-present' && v.class !== 'misplaced') return;
    const b = p.batches[rec.batch]!;
    const fields: string[] = [];
    if (!b.crcValid) fields.push('crc');
    if (b.decodeError) fields.push('batch');
    const ts = s.row.timestamp;
    if (ts !== null && b.magic >= 1 && b.timestampType === 'CreateTime' && rec.timestamp !== ts) fields.push('timestamp');
    const ack = s.row.ackTimestamp;
    if (typeof ack === 'number' && ack >= 0 && b.timestampType === 'LogAppendTime' && rec.timestamp !== ack) fields.push('timestamp');
    if (fields.length > 0 && v?.class !== 'misplaced') {
      verdicts[i] = {
        class: 'corrupted',
        rec,
        fields,
        detail: fields.map((f) => (f === 'crc' ? `batch CRC mismatch (${b.file.split('/').pop()}:${b.position})` : f === 'timestamp' ? `timestamp ${rec.timestamp} != ${ts ?? ack}` : `batch: ${b.decodeError}`)).join('; '),
      };
    }
  });
  // Leftovers: copies of manifest records make them duplicates.
  const byClaimedContent = new Map<string, number[]>();
  rows.forEach((_, i) => {
    const rec = matched[i];
    if (!rec) return;
    const l = byClaimedContent.get(rec.content);
    if (l) l.push(i);
    else byClaimedContent.set(rec.content, [i]);
  });
  let foreign = 0;
  for (const rec of p.records) {
    if (claimed.has(rec)) continue;
    const owners = byClaimedContent.get(rec.content);
    if (!owners) {
      foreign++;
      continue;
    }
    // The original this copy repeats: same timestamp (a resend keeps it) and producer sequence if
    // any owner has them, then the nearest preceding by offset.
    let cands = owners.filter((j) => matched[j]!.timestamp === rec.timestamp);
    if (cands.length === 0) cands = owners;
    const seqMatch = cands.filter((j) => sameBatchProducer(p, matched[j]!, rec));
    if (seqMatch.length > 0) cands = seqMatch;
    const i = cands.reduce((best, j) => (matched[j]!.offset <= rec.offset && (best < 0 || matched[j]!.offset > matched[best]!.offset) ? j : best), -1);
    const owner = i >= 0 ? i : cands[0]!;
    const orig = matched[owner]!;
    const v = verdicts[owner];
    if (v && v.class !== 'unacked-present') continue;
    const idem = sameBatchProducer(p, orig, rec);
    const b = p.batches[rec.batch]!;
    verdicts[owner] = {
      class: 'duplicate',
      rec: orig,
      cause: idem ? 'idempotence-failure' : 'retry',
      detail: idem
        ? `also at ${rec.offset} with the same producer id ${b.producerId}, epoch ${b.producerEpoch} and sequence ${rec.sequence}: the broker did not deduplicate`
        : `also at ${rec.offset} (producer id ${b.producerId}, sequence ${rec.sequence}): sent again as a new record`,
    };
  }
  // Reordering per producer: disk offsets must follow send order.
  const maxByProducer = new Map<string, { offset: number; line: number }>();
  rows.forEach((s, i) => {
    const rec = matched[i];
    const v = verdicts[i];
    if (!rec || (v && v.class !== 'unacked-present')) return;
    const prod = s.row.producer ?? '';
    const m = maxByProducer.get(prod);
    if (m && rec.offset < m.offset) {
      verdicts[i] = { class: 'reordered', rec, detail: `sent after manifest line ${m.line} (offset ${m.offset}) but stored before it at ${rec.offset}` };
      return;
    }
    maxByProducer.set(prod, { offset: rec.offset, line: s.index + 1 });
  });
  // Transactions: the marker closing each transactional record, and the .txnindex.
  const markersByProducer = new Map<number, number[]>();
  for (const [off, b] of [...p.markers].sort((a, b) => a[0] - b[0])) {
    const l = markersByProducer.get(b.producerId);
    if (l) l.push(off);
    else markersByProducer.set(b.producerId, [off]);
  }
  const isHole = (o: number) => !p.occupied.has(o) && !ackedOffsets.has(o) && !(p.cleanedTo !== null && o < p.cleanedTo) && !compacted;
  rows.forEach((s, i) => {
    const rec = matched[i];
    const v = verdicts[i];
    if (!rec || !s.row.txn || (v && v.class !== 'unacked-present')) return;
    const b = p.batches[rec.batch]!;
    if (!b.isTransactional) {
      verdicts[i] = { class: 'txn-mismatch', rec, detail: `sent in a transaction (${s.row.txn}) but its batch is not transactional` };
      return;
    }
    const ms = markersByProducer.get(b.producerId) ?? [];
    const mo = ms.find((x) => x > rec.offset);
    const holeEnd = mo ?? p.logEndOffset;
    let hole = -1;
    for (let o = rec.offset + 1; o < holeEnd; o++) {
      if (isHole(o)) {
        hole = o;
        break;
      }
    }
    if (hole >= 0) {
      verdicts[i] = { class: 'txn-unmarked', rec, detail: `offset ${hole} is missing between the record and producer ${b.producerId}'s next marker${mo === undefined ? '' : ` (${mo})`}: its ${s.row.txn === 'commit' ? 'COMMIT' : 'ABORT'} marker is gone` };
      return;
    }
    if (mo === undefined) {
      verdicts[i] = { class: 'txn-unmarked', rec, detail: `no transaction marker from producer ${b.producerId} after offset ${rec.offset} (transaction left open)` };
      return;
    }
    const marker = p.markers.get(mo)!;
    const want = s.row.txn === 'commit' ? 'COMMIT' : 'ABORT';
    const inIndex = p.aborted.some((a) => a.producerId === b.producerId && a.firstOffset <= rec.offset && rec.offset <= a.lastOffset);
    if (marker.control !== want) {
      verdicts[i] = { class: 'txn-mismatch', rec, detail: `expected ${want}, the transaction ends with ${marker.control} at ${mo}` };
    } else if (want === 'ABORT' && !inIndex) {
      verdicts[i] = { class: 'txn-mismatch', rec, detail: `aborted (marker at ${mo}) but no .txnindex entry covers offset ${rec.offset}` };
    } else if (want === 'COMMIT' && inIndex) {
      verdicts[i] = { class: 'txn-mismatch', rec, detail: `committed (marker at ${mo}) but a .txnindex entry lists it as aborted` };
    }
  });
  const out = rows.map((_, i) => verdicts[i] ?? { class: 'intact' as const, rec: matched[i]!, detail: '' });
  return { verdicts: out, foreign, gaps: findGaps(p, ackedOffsets, compacted) };
}

function findGaps(p: DiskPartition, ackedOffsets: ReadonlySet<number>, compacted: boolean): GapReport[] {
  const gaps: GapReport[] = [];
  let from = -1;
  const flush = (to: number) => {
    if (from < 0) return;
    let reason: string;
    let explained = true;
    const lostHere = [...Array(to - from + 1).keys()].some((k) => ackedOffsets.has(from + k));
    if (compacted || (p.cleanedTo !== null && to < p.cleanedTo)) reason = 'compaction (below the cleaner checkpoint)';
    else if (lostHere) reason = 'acked records missing (reported per record)';
    else {
      reason = 'no batch and no manifest record holds these offsets (a control marker or another producer\'s batch is missing)';
      explained = false;
    }
    gaps.push({ from, to, explained, reason });
    from = -1;
  };
  for (let o = p.logStartOffset; o < p.logEndOffset; o++) {
    if (!p.occupied.has(o)) {
      if (from < 0) from = o;
    } else flush(o - 1);
  }
  flush(p.logEndOffset - 1);
  return gaps;
}

function rank(c: RecordClass): number {
  return RECORD_CLASSES.indexOf(c);
}

function compareReplicas(parts: DiskPartition[]): ReplicaComparison {
  const first = parts[0]!;
  const maps = parts.map((p) => new Map(p.batches.map((b) => [b.baseOffset, b])));
  const bases = [...new Set(parts.flatMap((p) => p.batches.map((b) => b.baseOffset)))].sort((a, b) => a - b);
  const differences: ReplicaComparison['differences'] = [];
  for (const base of bases) {
    const have = maps.map((m) => m.get(base));
    const present = have.filter((b) => b !== undefined);
    const lastOffset = present[0]!.lastOffset;
    if (present.length < parts.length) {
      differences.push({ baseOffset: base, lastOffset, kind: 'missing', logDirs: parts.filter((_, i) => !have[i]).map((p) => p.logDir) });
    } else if (new Set(present.map((b) => b!.digest)).size > 1) {
      differences.push({ baseOffset: base, lastOffset, kind: 'bytes-differ', logDirs: parts.map((p) => p.logDir) });
    }
  }
  return {
    topic: first.topic,
    partition: first.partition,
    logDirs: parts.map((p) => p.logDir),
    identical: differences.length === 0,
    logEndOffsets: parts.map((p) => p.logEndOffset),
    differences,
  };
}

/** Verifies a run's manifest against one or more log dirs (replicas of the same partitions). */
export function verifyRun(rows: ManifestRow[], logDirs: string[], options: VerifyOptions = {}): VerifyReport {
  const views = logDirs.map((d) => new LogDirView(d));
  const byPartition = new Map<string, RowState[]>();
  rows.forEach((row, index) => {
    const k = `${row.topic}\u0000${row.partition}`;
    const s: RowState = { row, index, digests: rowDigests(row) };
    const l = byPartition.get(k);
    if (l) l.push(s);
    else byPartition.set(k, [s]);
  });
  const findingsByIndex: Array<RecordFinding | null> = rows.map(() => null);
  const finals: RecordClass[] = rows.map(() => 'intact');
  const diskOffsets: Array<number | null> = rows.map(() => null);
  const partitions: VerifiedPartition[] = [];
  const replicas: ReplicaComparison[] = [];
  let unexplainedGaps = 0;
  for (const states of byPartition.values()) {
    const { topic, partition } = states[0]!.row;
    const parts = views.map((v) => v.partition(topic, partition)).filter((p): p is DiskPartition => p !== null);
    const summary: VerifiedPartition = { topic, partition, records: states.length, byClass: {}, replicas: [] };
    partitions.push(summary);
    if (parts.length === 0) {
      for (const s of states) {
        const failed = s.row.offset === null && s.row.error;
        finals[s.index] = failed ? 'unacked-absent' : 'lost';
        findingsByIndex[s.index] = finding(s, finals[s.index]!, null, `${failed ? `send failed (${s.row.error}); ` : ''}partition ${topic}-${partition} is in none of the log dirs`);
      }
      continue;
    }
    const compacted = options.compactedTopics?.has(topic) ?? false;
    const results = parts.map((p) => verifyPartition(states, p, compacted));
    parts.forEach((p, k) => {
      const markers = { COMMIT: 0, ABORT: 0, other: 0 };
      for (const m of p.markers.values()) {
        if (m.control === 'COMMIT') markers.COMMIT++;
        else if (m.control === 'ABORT') markers.ABORT++;
        else markers.other++;
      }
      unexplainedGaps += results[k]!.gaps.filter((g) => !g.explained).length;
      summary.replicas.push({
        logDir: p.logDir,
        logStartOffset: p.logStartOffset,
        logEndOffset: p.logEndOffset,
        batches: p.batches.length,
        dataRecords: p.records.length,
        markers,
        abortedTxns: p.aborted.length,
        cleanedTo: p.cleanedTo,
        foreign: results[k]!.foreign,
        truncations: p.truncations,
        gaps: results[k]!.gaps,
      });
    });
    if (parts.length > 1) replicas.push(compareReplicas(parts));
    states.forEach((s, j) => {
      const vs = results.map((r) => r.verdicts[j]!);
      const v0 = vs[0]!;
      let cls: RecordClass = v0.class;
      let detail = v0.detail;
      let best = v0;
      if (vs.some((v) => v.class !== v0.class)) {
        best = vs.reduce((a, b) => (rank(b.class) < rank(a.class) ? b : a));
        const others = vs.filter((v) => v.class !== best.class);
        cls = others.every((v) => v.class === 'lost') ? 'replica-missing' : 'replica-mismatch';
        detail = parts.map((p, k) => `${p.logDir}: ${vs[k]!.class}`).join('; ');
      }
      finals[s.index] = cls;
      diskOffsets[s.index] = best.rec?.offset ?? null;
      if (cls !== 'intact') {
        const f = finding(s, cls, best.rec?.offset ?? null, detail);
        if (best.cause && cls === 'duplicate') f.cause = best.cause;
        if (best.fields && cls === 'corrupted') f.fields = best.fields;
        if (parts.length > 1) f.replicas = parts.map((p, k) => ({ logDir: p.logDir, class: vs[k]!.class, detail: vs[k]!.detail }));
        findingsByIndex[s.index] = f;
      }
    });
  }
  const consumer = options.consumeLog ? checkConsumer(rows, finals, diskOffsets, findingsByIndex, options.consumeLog, views) : null;
  const byClass = Object.fromEntries(RECORD_CLASSES.map((c) => [c, 0])) as Record<RecordClass, number>;
  for (const c of finals) byClass[c]++;
  for (const summary of partitions) summary.byClass = {};
  const summaryOf = new Map(partitions.map((s) => [`${s.topic}\u0000${s.partition}`, s]));
  rows.forEach((r, i) => {
    const s = summaryOf.get(`${r.topic}\u0000${r.partition}`)!;
    s.byClass[finals[i]!] = (s.byClass[finals[i]!] ?? 0) + 1;
  });
  const bad = finals.filter((c) => !GOOD_CLASSES.has(c)).length;
  const groupOffsetMismatches = consumer ? consumer.offsets.filter((o) => !o.match).length : 0;
  return {
    schemaVersion: SCHEMA_VERSIONS['harness-verify'],
    kind: 'harness-verify',
    manifest: options.manifestPath ?? null,
    logDirs,
    ok: bad === 0 && unexplainedGaps === 0 && groupOffsetMismatches === 0,
    totals: { records: rows.length, bad, byClass, unexplainedGaps, groupOffsetMismatches },
    partitions,
    findings: findingsByIndex.filter((f): f is RecordFinding => f !== null),
    replicas,
    consumer,
  };
}

function finding(s: RowState, cls: RecordClass, foundAt: number | null, detail: string): RecordFinding {
  return { line: s.index + 1, id: s.row.id ?? null, topic: s.row.topic, partition: s.row.partition, offset: s.row.offset, class: cls, foundAt, detail };
}

/** Delivery (records on disk a consumer never got) and the group's committed offsets. */
function checkConsumer(
  rows: ManifestRow[],
  finals: RecordClass[],
  diskOffsets: Array<number | null>,
  findings: Array<RecordFinding | null>,
  events: ConsumeEvent[],
  views: LogDirView[],
): NonNullable<VerifyReport['consumer']> {
  const delivered = new Set<string>();
  const groups = new Set<string>();
  let isolation = 'read_committed';
  const lastCommit = new Map<string, GroupOffsetCheck>();
  for (const e of events) {
    if (e.type === 'start') {
      groups.add(e.group);
      isolation = e.isolation;
    } else if (e.type === 'record') delivered.add(`${e.topic}\u0000${e.partition}\u0000${e.offset}`);
    else if (e.type === 'commit') {
      groups.add(e.group);
      lastCommit.set(`${e.group}/${e.topic}/${e.partition}`, { group: e.group, topic: e.topic, partition: e.partition, committed: e.offset, onDisk: null, match: false });
    }
  }
  let undelivered = 0;
  let abortedDelivered = 0;
  const flag = (i: number, cls: RecordClass, off: number, detail: string) => {
    const r = rows[i]!;
    finals[i] = cls;
    findings[i] = { line: i + 1, id: r.id ?? null, topic: r.topic, partition: r.partition, offset: r.offset, class: cls, foundAt: off, detail };
  };
  rows.forEach((r, i) => {
    const off = diskOffsets[i];
    const cls = finals[i]!;
    if (off === null || off === undefined) return;
    if (cls !== 'intact' && cls !== 'unacked-present') return;
    const got = delivered.has(`${r.topic}\u0000${r.partition}\u0000${off}`);
    if (r.txn === 'abort' && isolation === 'read_committed') {
      // On disk with its ABORT marker (the record is intact): read_committed must skip it.
      if (got) {
        abortedDelivered++;
        flag(i, 'aborted-delivered', off, `aborted (its transaction ends with ABORT) but the read_committed consumer (${[...groups].join(', ')}) received it at ${off}`);
      }
      return;
    }
    if (got) return;
    undelivered++;
    flag(i, 'undelivered', off, `on disk at ${off} but the consumer (${[...groups].join(', ')}) never received it`);
  });
  const onDisk = new Map<string, { offset: number }>();
  for (const v of views) for (const [k, c] of committedOffsets(v, groups)) if (!onDisk.has(k)) onDisk.set(k, c);
  const offsets = [...lastCommit.values()].map((c) => {
    const d = onDisk.get(`${c.group}/${c.topic}/${c.partition}`);
    return { ...c, onDisk: d ? d.offset : null, match: d !== undefined && d.offset === c.committed };
  });
  return { groups: [...groups], isolation, delivered: delivered.size, undelivered, abortedDelivered, offsets };
}
