import { readFileSync } from 'node:fs';
import { incrementSequence } from '../format/batch.js';
import { FormatError } from '../format/errors.js';
import type { Int64 } from '../format/int64.js';
import { TXN_INDEX_ENTRY_SIZE, abortedTxnEntries } from '../format/indexes.js';
import { type ProducerSnapshot, decodeProducerSnapshot } from '../format/producer-snapshot.js';
import type { PartitionDir } from '../io/logdir.js';
import type { PartitionScan } from './partition.js';
import type { BatchInfo } from './segment.js';
import { type Findings, type PartitionFindings, anomaly } from './types.js';

/** producer.id.expiration.ms default: a producer idle longer may have left the broker's state. */
const PRODUCER_EXPIRATION_MS = 86_400_000;

/** Where a batch that later checks refer to sits (kept per producer or per ABORT marker, not per batch). */
interface Located {
  file: string;
  /** Index of its segment in the partition (whose .txnindex must list an ABORT there). */
  segment: number;
  position: number;
  firstOffset: Int64;
  producerEpoch: number;
}

function locate(file: string, segment: number, b: BatchInfo): Located {
  return { file, segment, position: b.position, firstOffset: b.firstOffset, producerEpoch: b.producerEpoch };
}

interface ProducerState {
  epoch: number;
  lastSequence: number;
  lastOffset: Int64;
  lastTimestamp: Int64;
  /** First batch of the open transaction, or null. */
  txnFirst: Located | null;
  /** txnFirst is the log's first batch (the transaction may have begun before the log start). */
  txnGuessed: boolean;
}

interface Aborted {
  producerId: Int64;
  firstOffset: Int64;
  /** The transaction's first batch is the log's first batch: it may have begun in a deleted segment. */
  firstGuessed: boolean;
  marker: Located;
}

/** Forward distance from a to b in the 31-bit sequence space. */
function seqDistance(a: number, b: number): number {
  return (b - a + 2147483648) % 2147483648;
}

/**
 * Replays producer state batch by batch, reporting (when `findings` is given) sequence and epoch
 * problems and transactions a new epoch abandoned. Holds one state per producer id and one entry
 * per ABORT marker, nothing per batch.
 */
class Replay {
  readonly states = new Map<string, ProducerState>();
  readonly aborted: Aborted[] = [];
  private firstBatchSeen = false;

  constructor(private readonly findings: PartitionFindings | null) {}

  batch(file: string, segment: number, b: BatchInfo): void {
    const findings = this.findings;
    const states = this.states;
    const isFirstBatchOfLog = !this.firstBatchSeen;
    this.firstBatchSeen = true;
    if (b.magic < 2 || b.producerId < 0) return;
    const key = String(b.producerId);
    let s = states.get(key);
    if (b.isControl) {
      if (b.controlType !== 0 && b.controlType !== 1) return;
      if (!s) {
        s = { epoch: b.producerEpoch, lastSequence: -1, lastOffset: -1, lastTimestamp: b.maxTimestamp, txnFirst: null, txnGuessed: false };
        states.set(key, s);
      }
      if (b.producerEpoch > s.epoch) s.epoch = b.producerEpoch;
      if (s.txnFirst && b.controlType === 0) {
        this.aborted.push({ producerId: b.producerId, firstOffset: s.txnFirst.firstOffset, firstGuessed: s.txnGuessed, marker: locate(file, segment, b) });
      }
      s.txnFirst = null;
      return;
    }
    if (!s) {
      s = { epoch: b.producerEpoch, lastSequence: b.lastSequence, lastOffset: b.lastOffset, lastTimestamp: b.maxTimestamp, txnFirst: b.isTransactional ? locate(file, segment, b) : null, txnGuessed: b.isTransactional && isFirstBatchOfLog };
      states.set(key, s);
      return;
    }
    if (findings && b.producerEpoch < s.epoch) {
      findings.push('producer-epoch-regression', 'error', file, b.position + 51, `producer ${b.producerId} writes with epoch ${b.producerEpoch} after epoch ${s.epoch}`, { offset: b.firstOffset });
    } else if (findings && b.producerEpoch === s.epoch && b.baseSequence >= 0 && s.lastSequence >= 0) {
      const expected = incrementSequence(s.lastSequence, 1);
      if (b.baseSequence !== expected) {
        const d = seqDistance(expected, b.baseSequence);
        if (d > 1073741824) {
          // Going back to 0 in the same epoch is how producers before KIP-360 restarted after the
          // broker lost their state; any other step back re-writes sequences already in the log.
          const restart = b.baseSequence === 0;
          findings.push('producer-sequence-duplicate', restart ? 'info' : 'error', file, b.position + 53, `producer ${b.producerId} epoch ${b.producerEpoch}: sequence ${b.baseSequence}..${b.lastSequence} after ${s.lastSequence} (${restart ? 'the producer restarted its sequence' : 'these sequences are already in the log'})`, { offset: b.firstOffset });
        } else {
          // Whether the partition is compacted is known once all of it is read.
          const text = `producer ${b.producerId} epoch ${b.producerEpoch}: sequence ${b.baseSequence} follows ${s.lastSequence}, ${d} sequence number(s) missing`;
          const { position, firstOffset } = b;
          findings.defer((compaction) =>
            anomaly('producer-sequence-gap', compaction !== null ? 'info' : 'error', file, position + 53, `${text}${compaction !== null ? ` (explained by compaction: ${compaction})` : ''}`, { offset: firstOffset }),
          );
        }
      }
    }
    if (b.isTransactional) {
      if (s.txnFirst && b.producerEpoch > s.txnFirst.producerEpoch && findings) {
        findings.push('transaction-marker', 'error', s.txnFirst.file, s.txnFirst.position, `transaction of producer ${b.producerId} from offset ${s.txnFirst.firstOffset} (epoch ${s.txnFirst.producerEpoch}) has no COMMIT/ABORT marker before epoch ${b.producerEpoch} writes at offset ${b.firstOffset}`, { offset: s.txnFirst.firstOffset });
        s.txnFirst = locate(file, segment, b);
        s.txnGuessed = false;
      }
      if (!s.txnFirst) {
        s.txnFirst = locate(file, segment, b);
        s.txnGuessed = false;
      }
    }
    if (b.producerEpoch >= s.epoch) {
      s.epoch = b.producerEpoch;
      s.lastSequence = b.lastSequence;
      s.lastOffset = b.lastOffset;
      s.lastTimestamp = b.maxTimestamp;
    }
  }
}

function cloneStates(states: Map<string, ProducerState>): Map<string, ProducerState> {
  const out = new Map<string, ProducerState>();
  for (const [k, s] of states) out.set(k, { ...s });
  return out;
}

function int64OfBig(v: bigint): Int64 {
  return v <= 9007199254740991n ? Number(v) : v;
}

/**
 * Producers and transactions of one partition, fed its batches in log order (`batch`) and judged
 * once all are read (`finish`).
 *
 * The producer snapshot a broker would load is compared with the state the log replays to at the
 * snapshot's offset. Which snapshot that is depends on the log end offset, known only at the end;
 * so a second replay (without findings, as a broker's load would run it) captures its state as the
 * batches reach each snapshot's offset, keeping only the newest capture: every captured snapshot is
 * below the log end, and the newest of them is the only one that can still be the one loaded.
 */
export class ProducerCheck {
  private readonly replay: Replay;
  private readonly atSnapshot: Replay | null;
  /** Snapshot offsets in increasing order, and the next one the replay has to reach. */
  private readonly snapshotOffsets: Int64[];
  private nextSnapshot = 0;
  private captured: { offset: Int64; states: Map<string, ProducerState> } | null = null;

  constructor(
    dir: PartitionDir,
    private readonly findings: PartitionFindings,
  ) {
    this.replay = new Replay(findings);
    this.snapshotOffsets = dir.snapshots
      .map((s) => s.offset)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map(int64OfBig);
    this.atSnapshot = this.snapshotOffsets.length > 0 ? new Replay(null) : null;
  }

  batch(file: string, segment: number, b: BatchInfo): void {
    this.replay.batch(file, segment, b);
    const r = this.atSnapshot;
    if (r === null || this.nextSnapshot >= this.snapshotOffsets.length) return;
    // The state at a snapshot's offset: every batch before the first one reaching that offset.
    let reached = false;
    while (this.nextSnapshot < this.snapshotOffsets.length && b.lastOffset >= this.snapshotOffsets[this.nextSnapshot]!) {
      this.nextSnapshot++;
      reached = true;
    }
    if (reached) this.captured = { offset: this.snapshotOffsets[this.nextSnapshot - 1]!, states: cloneStates(r.states) };
    r.batch(file, segment, b);
  }

  /** Reports open transactions, `.txnindex` and snapshot disagreements; `p` is the whole partition. */
  finish(p: PartitionScan): void {
    const findings = this.findings;
    const { states, aborted } = this.replay;
    const snapshots = loadSnapshots(p, findings);
    // The newest snapshot at or below the log end is the one a broker would load.
    const end = p.logEndOffset === null ? null : BigInt(p.logEndOffset);
    const latest = end === null ? undefined : snapshots.filter((s) => s.offset <= end).pop();
    for (const s of snapshots) {
      if (end !== null && s.offset > end) {
        findings.push('producer-snapshot-stale', 'info', s.path, -1, `snapshot at offset ${s.offset} is beyond the log end offset ${p.logEndOffset} (a broker deletes it on load)`);
      }
    }
    // Open transactions at the end of the log.
    for (const [pid, s] of states) {
      if (!s.txnFirst) continue;
      const t = s.txnFirst;
      // The snapshot at the log end knows the transaction is ongoing; if the log starts inside it
      // (retention removed its beginning), the snapshot's first offset is earlier than ours.
      const known =
        latest &&
        latest.offset === end &&
        latest.snapshot?.entries.some((e) => String(e.producerId) === pid && (e.currentTxnFirstOffset === t.firstOffset || (s.txnGuessed && e.currentTxnFirstOffset >= 0 && e.currentTxnFirstOffset < t.firstOffset)));
      findings.push('transaction-open', known ? 'info' : 'warning', t.file, t.position, `transaction of producer ${pid} (epoch ${t.producerEpoch}) open since offset ${t.firstOffset} has no COMMIT or ABORT marker${known ? ' yet; the producer snapshot at the log end records it as ongoing' : ' (a hanging transaction holds back the last stable offset)'}`, { offset: t.firstOffset });
    }
    checkTxnIndexes(p, aborted, findings);
    if (latest?.snapshot) {
      const at = int64OfBig(latest.offset);
      // Reached by a batch: the capture; beyond every batch: the replay of the whole log.
      const atStates = this.captured !== null && this.captured.offset === at ? this.captured.states : this.atSnapshot!.states;
      compareSnapshot(p, latest, atStates, findings);
    }
  }
}
interface LoadedSnapshot {
  path: string;
  offset: bigint;
  snapshot: ProducerSnapshot | null;
}

function loadSnapshots(p: PartitionScan, findings: Findings): LoadedSnapshot[] {
  const out: LoadedSnapshot[] = [];
  for (const s of p.dir.snapshots) {
    let snapshot: ProducerSnapshot | null = null;
    try {
      snapshot = decodeProducerSnapshot(readFileSync(s.path));
    } catch (e) {
      const pos = e instanceof FormatError ? e.position : -1;
      findings.push('producer-snapshot-corrupt', 'warning', s.path, pos, (e as Error).message);
    }
    out.push({ path: s.path, offset: s.offset, snapshot });
  }
  return out.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
}

/** The snapshot a broker would load agrees with the producer state the log replays to at its offset. */
function compareSnapshot(p: PartitionScan, snap: LoadedSnapshot, states: Map<string, ProducerState>, findings: Findings): void {
  const at = int64OfBig(snap.offset);
  const compacted = p.compaction !== null;
  const seen = new Set<string>();
  let logMaxTs: Int64 = -1;
  for (const s of states.values()) if (s.lastTimestamp > logMaxTs) logMaxTs = s.lastTimestamp;
  for (const e of snap.snapshot!.entries) {
    const pid = String(e.producerId);
    seen.add(pid);
    const s = states.get(pid);
    if (!s || s.lastOffset < 0) {
      if (e.lastOffset >= 0 && e.lastOffset >= p.logStartOffset) {
        findings.push('producer-snapshot-mismatch', compacted ? 'info' : 'warning', snap.path, e.position, `producer ${pid}: the snapshot's last batch ends at offset ${e.lastOffset}, but the log has no batch of this producer before ${at}`, { offset: e.lastOffset });
      }
      continue;
    }
    const diffs: string[] = [];
    if (e.lastOffset !== s.lastOffset) diffs.push(`lastOffset ${e.lastOffset} vs ${s.lastOffset} in the log`);
    if (e.lastSequence !== s.lastSequence) diffs.push(`lastSequence ${e.lastSequence} vs ${s.lastSequence}`);
    if (e.producerEpoch !== s.epoch) diffs.push(`epoch ${e.producerEpoch} vs ${s.epoch}`);
    const openFirst: Int64 = s.txnFirst ? s.txnFirst.firstOffset : -1;
    const startedBeforeLog = s.txnGuessed && e.currentTxnFirstOffset >= 0 && e.currentTxnFirstOffset < openFirst;
    if (e.currentTxnFirstOffset !== openFirst && !startedBeforeLog) diffs.push(`open transaction from ${e.currentTxnFirstOffset} vs ${openFirst === -1 ? 'none' : openFirst} in the log`);
    if (diffs.length > 0) {
      findings.push('producer-snapshot-mismatch', 'warning', snap.path, e.position, `producer ${pid} at offset ${at}: ${diffs.join(', ')}`, { offset: e.lastOffset });
    }
  }
  for (const [pid, s] of states) {
    if (seen.has(pid) || s.lastOffset < 0) continue;
    // Producers idle for longer than producer.id.expiration.ms leave the broker's state.
    const recent = typeof s.lastTimestamp === 'number' && typeof logMaxTs === 'number' && logMaxTs - s.lastTimestamp < PRODUCER_EXPIRATION_MS;
    findings.push('producer-snapshot-mismatch', recent && !compacted ? 'warning' : 'info', snap.path, -1, `producer ${pid} wrote up to offset ${s.lastOffset} (sequence ${s.lastSequence}) but is not in the snapshot${recent ? '' : ' (it may have expired)'}`, { offset: s.lastOffset });
  }
}

/** `.txnindex`: well-formed, and its aborted ranges are exactly the log's ABORT markers. */
function checkTxnIndexes(p: PartitionScan, aborted: Aborted[], findings: Findings): void {
  const compacted = p.compaction !== null;
  const entries: Array<{ path: string; segment: number; producerId: Int64; firstOffset: Int64; lastOffset: Int64; position: number }> = [];
  p.segments.forEach((s, i) => {
    const path = s.files.txnindex;
    if (!path) return;
    const buf = readFileSync(path);
    if (buf.length % TXN_INDEX_ENTRY_SIZE !== 0) {
      findings.push('txnindex-corrupt', 'warning', path, buf.length - (buf.length % TXN_INDEX_ENTRY_SIZE), `size ${buf.length} is not a multiple of ${TXN_INDEX_ENTRY_SIZE}: a partial entry at the end`);
    }
    for (const t of abortedTxnEntries(buf)) {
      const position = t.slot * TXN_INDEX_ENTRY_SIZE;
      if (t.version !== 0) {
        findings.push('txnindex-corrupt', 'warning', path, position, `entry version ${t.version} (only 0 exists)`, { offset: t.lastOffset });
        continue;
      }
      if (t.firstOffset > t.lastOffset) {
        findings.push('txnindex-corrupt', 'warning', path, position, `aborted range ${t.firstOffset}..${t.lastOffset} is reversed`, { offset: t.lastOffset });
      }
      entries.push({ path, segment: i, producerId: t.producerId, firstOffset: t.firstOffset, lastOffset: t.lastOffset, position });
    }
  });
  const key = (pid: Int64, last: Int64) => `${pid}@${last}`;
  const byKey = new Map(entries.map((e) => [key(e.producerId, e.lastOffset), e]));
  const expectedKeys = new Set<string>();
  for (const a of aborted) {
    const k = key(a.producerId, a.marker.firstOffset);
    expectedKeys.add(k);
    const e = byKey.get(k);
    const seg = p.segments[a.marker.segment]!;
    const where = seg.files.txnindex ?? a.marker.file;
    if (!e) {
      findings.push('txnindex-mismatch', compacted ? 'info' : 'warning', where, seg.files.txnindex ? -1 : a.marker.position, `ABORT marker at offset ${a.marker.firstOffset} (producer ${a.producerId}, transaction from ${a.firstOffset}) has no entry in the transaction index`, { offset: a.marker.firstOffset });
      continue;
    }
    if (e.segment !== a.marker.segment) {
      findings.push('txnindex-mismatch', 'warning', e.path, e.position, `aborted transaction ending at ${e.lastOffset} is indexed in a segment that does not hold its ABORT marker (${a.marker.file})`, { offset: e.lastOffset });
    }
    if (e.firstOffset !== a.firstOffset && !(e.firstOffset < a.firstOffset && (a.firstGuessed || compacted))) {
      findings.push('txnindex-mismatch', 'warning', e.path, e.position, `aborted transaction of producer ${a.producerId} ending at ${e.lastOffset}: index says it began at ${e.firstOffset}, the log's first batch of it is at ${a.firstOffset}`, { offset: e.firstOffset });
    }
  }
  for (const e of entries) {
    if (expectedKeys.has(key(e.producerId, e.lastOffset))) continue;
    if (e.lastOffset < p.logStartOffset) continue;
    findings.push('txnindex-mismatch', compacted ? 'info' : 'warning', e.path, e.position, `aborted range ${e.firstOffset}..${e.lastOffset} of producer ${e.producerId} matches no ABORT marker in the log`, { offset: e.lastOffset });
  }
}
