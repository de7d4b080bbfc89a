import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { abortedTxnEntries } from '../format/indexes.js';
import { decodeControlRecord, decodeGroupCoordinatorRecord } from '../format/schema/index.js';
import { parseOffsetCheckpoint } from '../format/text-files.js';
import { readBatches } from '../io/batches.js';
import { type PartitionDir, readLogDir, readPartitionDir } from '../io/logdir.js';
import { readRegularText } from '../io/paths.js';

/**
 * What a partition holds on disk, reduced to what verification compares: per record a digest of
 * each field (so multi-MB values are not kept), per batch its producer state and checksum.
 */
export interface DiskBatch {
  file: string;
  position: number;
  size: number;
  magic: number;
  /** First and last offset the batch claims (legacy: the wrapper's offset for both ends when undecodable). */
  baseOffset: number;
  lastOffset: number;
  crcValid: boolean;
  compression: number;
  timestampType: string;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  isTransactional: boolean;
  isControl: boolean;
  /** Control batches: ABORT, COMMIT, … */
  control: string | null;
  /** Set when the records could not be (fully) decoded. */
  decodeError: string | null;
  /** sha1 of the batch bytes, for comparing replicas byte for byte. */
  digest: string;
}

export interface DiskRecordDigest {
  offset: number;
  /** Index into `DiskPartition.batches`. */
  batch: number;
  timestamp: number;
  sequence: number;
  key: string;
  value: string;
  headers: string;
  /** key + value + headers digests: the content identity used to find a record elsewhere. */
  content: string;
}

export interface DiskPartition {
  topic: string;
  partition: number;
  logDir: string;
  path: string;
  batches: DiskBatch[];
  /** Data records in file order. */
  records: DiskRecordDigest[];
  /** Data records by offset (a list: a damaged log can hold an offset twice). */
  byOffset: Map<number, DiskRecordDigest[]>;
  /** Control batches by their (single) offset. */
  markers: Map<number, DiskBatch>;
  /** Every offset some batch occupies (data, control, or the claimed range of an undecodable batch). */
  occupied: Set<number>;
  /** `.txnindex` entries: aborted transactions. */
  aborted: Array<{ producerId: number; firstOffset: number; lastOffset: number }>;
  /** First segment's base offset, or the log-start-offset checkpoint when larger. */
  logStartOffset: number;
  /** One past the last offset read. */
  logEndOffset: number;
  /** `cleaner-offset-checkpoint`: the cleaner has compacted offsets below this (null: never cleaned). */
  cleanedTo: number | null;
  /** Where a walk stopped before the end of its file (torn write, corrupt size field). */
  truncations: Array<{ file: string; position: number; fileSize: number }>;
}

function digest(bytes: Uint8Array | null): string {
  if (bytes === null) return '-';
  return createHash('sha1').update(bytes).digest('base64').slice(0, 22);
}

const ENC = new TextEncoder();

/** Digest of a header list: names as UTF-8, values as bytes, null distinct from empty. */
export function headersDigest(headers: ReadonlyArray<{ key: string; value: Uint8Array | null }>): string {
  if (headers.length === 0) return '0';
  const h = createHash('sha1');
  const len = Buffer.alloc(4);
  for (const x of headers) {
    const k = ENC.encode(x.key);
    len.writeInt32BE(k.length);
    h.update(len).update(k);
    len.writeInt32BE(x.value === null ? -1 : x.value.length);
    h.update(len);
    if (x.value !== null) h.update(x.value);
  }
  return h.digest('base64').slice(0, 22);
}

export function fieldDigests(key: Uint8Array | null, value: Uint8Array | null, headers: ReadonlyArray<{ key: string; value: Uint8Array | null }>) {
  const k = digest(key);
  const v = digest(value);
  const hd = headersDigest(headers);
  return { key: k, value: v, headers: hd, content: `${k}|${v}|${hd}` };
}

function checkpointOffsets(logDir: string, name: string): Map<string, number> {
  const m = new Map<string, number>();
  const p = join(logDir, name);
  if (!existsSync(p)) return m;
  try {
    // (readRegularText: a FIFO put there is an error, not a read that waits for a writer.)
    for (const e of parseOffsetCheckpoint(readRegularText(p)).entries) m.set(`${e.topic}-${e.partition}`, Number(e.offset));
  } catch {
    // An unreadable checkpoint explains nothing; verification goes on without it.
  }
  return m;
}

/** Reads one partition folder into the verification model. */
export function readDiskPartition(dir: PartitionDir, logDir: string, checkpoints?: { cleaned: Map<string, number>; logStart: Map<string, number> }): DiskPartition {
  const cp = checkpoints ?? { cleaned: checkpointOffsets(logDir, 'cleaner-offset-checkpoint'), logStart: checkpointOffsets(logDir, 'log-start-offset-checkpoint') };
  const name = `${dir.topic}-${dir.partition}`;
  const part: DiskPartition = {
    topic: dir.topic,
    partition: dir.partition,
    logDir,
    path: dir.path,
    batches: [],
    records: [],
    byOffset: new Map(),
    markers: new Map(),
    occupied: new Set(),
    aborted: [],
    logStartOffset: dir.segments.length > 0 ? Number(dir.segments[0]!.baseOffset) : 0,
    logEndOffset: 0,
    cleanedTo: cp.cleaned.get(name) ?? null,
    truncations: [],
  };
  const ls = cp.logStart.get(name);
  if (ls !== undefined && ls > part.logStartOffset) part.logStartOffset = ls;
  part.logEndOffset = part.logStartOffset;
  for (const seg of dir.segments) {
    if (seg.txnindex) {
      for (const e of abortedTxnEntries(readFileSync(seg.txnindex))) {
        part.aborted.push({ producerId: Number(e.producerId), firstOffset: Number(e.firstOffset), lastOffset: Number(e.lastOffset) });
      }
    }
    if (!seg.log) continue;
    const it = readBatches(seg.log);
    for (;;) {
      const n = it.next();
      if (n.done) {
        if (n.value.position < n.value.fileSize) part.truncations.push({ file: seg.log, position: n.value.position, fileSize: n.value.fileSize });
        break;
      }
      const b = n.value;
      const h = b.header;
      const crcValid = b.crcValid();
      const decoded = b.records();
      const v2 = h.format === 'v2';
      const batch: DiskBatch = {
        file: seg.log,
        position: h.position,
        size: h.sizeInBytes,
        magic: h.magic,
        baseOffset: Number(v2 ? h.baseOffset : (decoded.records[0]?.offset ?? h.offset)),
        lastOffset: Number(v2 ? h.lastOffset : h.offset),
        crcValid,
        compression: h.compression,
        timestampType: h.timestampType,
        producerId: v2 ? Number(h.producerId) : -1,
        producerEpoch: v2 ? h.producerEpoch : -1,
        baseSequence: v2 ? h.baseSequence : -1,
        isTransactional: v2 && h.isTransactional,
        isControl: v2 && h.isControl,
        control: null,
        decodeError: decoded.error ? decoded.error.message || decoded.error.name : null,
        digest: digest(b.bytes),
      };
      const bi = part.batches.push(batch) - 1;
      for (let o = batch.baseOffset; o <= batch.lastOffset && o - batch.baseOffset < 1_000_000; o++) part.occupied.add(o);
      if (batch.lastOffset + 1 > part.logEndOffset) part.logEndOffset = batch.lastOffset + 1;
      if (batch.isControl) {
        const r = decoded.records[0];
        try {
          batch.control = r ? decodeControlRecord(r.key, r.value).typeName : 'EMPTY';
        } catch (e) {
          batch.control = 'UNREADABLE';
          batch.decodeError ??= (e as Error).message;
        }
        part.markers.set(batch.lastOffset, batch);
        continue;
      }
      for (const r of decoded.records) {
        const d = fieldDigests(r.key, r.value, r.headers);
        const rec: DiskRecordDigest = {
          offset: Number(r.offset),
          batch: bi,
          timestamp: Number(r.timestamp),
          sequence: r.sequence,
          ...d,
        };
        part.records.push(rec);
        part.occupied.add(rec.offset);
        const l = part.byOffset.get(rec.offset);
        if (l) l.push(rec);
        else part.byOffset.set(rec.offset, [rec]);
      }
    }
  }
  return part;
}

/**
 * Reads again (up to 5 times in all) when a file it had listed is gone: a running broker renames
 * and deletes segments as it works (the cleaner swaps compacted segments in and renames the old
 * ones to .deleted; retention deletes). `read` gets the attempt number, to list the folder again.
 * A file deleted while open stays readable, so a listing that holds is read whole.
 */
function whileFilesMove<T>(read: (attempt: number) => T): T {
  for (let attempt = 0; ; attempt++) {
    try {
      return read(attempt);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 4) throw e;
    }
  }
}

/** A partition folder's listing: the one given first, a fresh one after a file moved. */
const relisted = (d: PartitionDir, attempt: number): PartitionDir => (attempt === 0 ? d : (readPartitionDir(d.path, d.name) ?? d));

/** The partitions of a log dir, by `topic-partition` (live folders only), read lazily. */
export class LogDirView {
  private dirs = new Map<string, PartitionDir>();
  private cache = new Map<string, DiskPartition>();
  private checkpoints: { cleaned: Map<string, number>; logStart: Map<string, number> };
  constructor(readonly path: string) {
    for (const p of whileFilesMove(() => readLogDir(path)).partitions) if (p.state === 'live') this.dirs.set(`${p.topic}-${p.partition}`, p);
    this.checkpoints = { cleaned: checkpointOffsets(path, 'cleaner-offset-checkpoint'), logStart: checkpointOffsets(path, 'log-start-offset-checkpoint') };
  }
  has(topic: string, partition: number): boolean {
    return this.dirs.has(`${topic}-${partition}`);
  }
  partition(topic: string, partition: number): DiskPartition | null {
    const k = `${topic}-${partition}`;
    const c = this.cache.get(k);
    if (c) return c;
    const d = this.dirs.get(k);
    if (!d) return null;
    const p = whileFilesMove((attempt) => readDiskPartition(relisted(d, attempt), this.path, this.checkpoints));
    this.cache.set(k, p);
    return p;
  }
  /** Drops cached partitions (between polls while waiting for a flush). */
  forget(): void {
    this.cache.clear();
  }
  names(): string[] {
    return [...this.dirs.keys()];
  }
  consumerOffsetPartitions(): PartitionDir[] {
    return [...this.dirs.values()].filter((d) => d.topic === '__consumer_offsets');
  }
}

/** An OffsetCommit record for a group's partition, as stored in `__consumer_offsets`. */
export interface StoredCommit {
  group: string;
  topic: string;
  partition: number;
  offset: number;
  commitTimestamp: number;
}

/** Latest committed offset per `group/topic/partition` from `__consumer_offsets` on disk (tombstones delete). */
export function committedOffsets(view: LogDirView, groups?: ReadonlySet<string>): Map<string, StoredCommit> {
  const out = new Map<string, StoredCommit>();
  for (const listed of view.consumerOffsetPartitions()) {
    // __consumer_offsets is compacted while the broker runs: its segments move too.
    for (const [id, c] of whileFilesMove((attempt) => partitionCommits(relisted(listed, attempt), groups))) {
      if (c === null) out.delete(id);
      else out.set(id, c);
    }
  }
  return out;
}

/** One __consumer_offsets partition's OffsetCommit records in log order (null: a tombstone). */
function partitionCommits(d: PartitionDir, groups?: ReadonlySet<string>): Array<[string, StoredCommit | null]> {
  const out: Array<[string, StoredCommit | null]> = [];
  for (const seg of d.segments) {
    if (!seg.log) continue;
    for (const b of readBatches(seg.log)) {
      if (b.header.format === 'v2' && b.header.isControl) continue;
      for (const r of b.records().records) {
        if (r.key === null) continue;
        let rec;
        try {
          rec = decodeGroupCoordinatorRecord(r.key, r.value);
        } catch {
          continue;
        }
        if (rec.typeName !== 'OffsetCommit') continue;
        const key = rec.data['key'] as { group: string; topic: string; partition: number };
        if (groups && !groups.has(key.group)) continue;
        const value = rec.data['value'] as { offset: number | bigint; commitTimestamp: number | bigint } | null;
        out.push([
          `${key.group}/${key.topic}/${key.partition}`,
          value === null ? null : { group: key.group, topic: key.topic, partition: key.partition, offset: Number(value.offset), commitTimestamp: Number(value.commitTimestamp) },
        ]);
      }
    }
  }
  return out;
}
