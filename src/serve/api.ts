import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { auditPath } from '../audit/index.js';
import { auditJson } from '../audit/report-text.js';
import { type BatchHeader, lastOffsetOf } from '../format/batch.js';
import { OFFSET_INDEX_ENTRY_SIZE, TIME_INDEX_ENTRY_SIZE, TXN_INDEX_ENTRY_SIZE, abortedTxnEntries, warmBinarySearch } from '../format/indexes.js';
import { type Int64, addInt64, normalize } from '../format/int64.js';
import { type LogBatch, isWalkEnd, nextBatch, readBatches } from '../io/batches.js';
import { noBatchThere } from '../io/batches-at.js';
import { type PartitionDir, type SegmentFiles, parseTopicPartition, readLogDir, readPartitionDir } from '../io/logdir.js';
import { resolveDirectory } from '../io/paths.js';
import { sizeOf, summarizeListing } from '../io/log-summary.js';
import { IndexReader, type ReadIssue, abortedRanges, newReadStats, readPartitionRecords, seekOffset, seekTime } from '../io/seek.js';
import { EntryWalker, SegmentFile } from '../io/segment-file.js';
import { type ExplainBatch, explainBatch } from '../view/explain.js';
import { int64Json } from '../view/json.js';
import { lsJson } from '../view/ls.js';
import { type BatchJson, type PayloadMode, PAYLOAD_MODES, type RecordJson, batchJson, recordJson } from '../view/records.js';

/**
 * The data behind `kseg serve`: each function answers one JSON request of the page from the same
 * readers and renderers the commands use (the `ls` summary, `cat`'s records, `explain`'s byte
 * model, the audit's report), and reads only what the request needs: a page of batches from one
 * byte position, one batch, one index page. Nothing here writes, and nothing reads a whole segment
 * except the partition summary and the audit, which the page asks for separately.
 */

/** A request the browser got wrong (unknown partition, bad number): HTTP 400/404 with this message. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

type J = number | string | null;
const j = (v: Int64 | null): J => (v === null ? null : int64Json(v));

/** A segment's id in URLs: its file name's 20-digit base offset. */
export function segmentId(seg: SegmentFiles): string {
  return String(seg.baseOffset).padStart(20, '0');
}

/** Bytes read per window when paging through a segment: a page of small batches fits in one. */
const PAGE_CHUNK = 256 * 1024;
/** At most this many batches per page, index entries per index page, records per records page. */
export const MAX_PAGE = 1000;
/** Payload bytes rendered per key, value and header value (`kseg cat --max-payload`). */
export const DEFAULT_MAX_PAYLOAD = 16 * 1024;

/** What `kseg serve` browses: a log dir, or one partition folder. */
export class LogDirBrowser {
  readonly root: string;
  readonly kind: 'logdir' | 'partition';
  private readonly audits = new Map<string, { signature: string; report: unknown }>();

  constructor(path: string) {
    // Resolved as every command's path (io/paths.ts): a PathError says why it is no log dir.
    const t = resolveDirectory(path, { absolute: true, what: 'a log dir or a <topic>-<partition> folder' });
    this.root = t.path;
    this.kind = t.kind;
  }

  /** The folders and root files, from the directory listing alone (no file is read). */
  listing() {
    const partitions = this.partitionDirs();
    const files = this.rootFiles();
    return {
      path: this.root,
      kind: this.kind,
      partitions: partitions.map((p) => {
        const logs = p.segments.filter((s) => s.log !== undefined);
        return {
          name: p.name,
          topic: p.topic,
          partition: p.partition,
          state: p.state,
          segmentCount: logs.length,
          logBytes: logs.reduce((n, s) => n + s.logSize, 0),
          firstBaseOffset: logs.length > 0 ? j(normalize(logs[0]!.baseOffset)) : null,
          lastBaseOffset: logs.length > 0 ? j(normalize(logs[logs.length - 1]!.baseOffset)) : null,
        };
      }),
      files: files.map((f) => ({ name: basename(f), bytes: sizeOf(f) })),
    };
  }

  /**
   * The partition's row of `kseg ls --format json` (from every batch header of the partition: the
   * page asks for it after showing the listing).
   */
  summary(name: string) {
    const dir = this.partition(name);
    const doc = lsJson(summarizeListing({ path: this.root, partitions: [dir], files: this.rootFiles(), irregular: [] }));
    return doc.partitions[0]!;
  }

  /** A partition's segments and their index files, from the listing (no file is read). */
  partitionView(name: string) {
    const dir = this.partition(name);
    const segs = dir.segments;
    return {
      name: dir.name,
      topic: dir.topic,
      partition: dir.partition,
      state: dir.state,
      path: dir.path,
      logBytes: segs.reduce((n, s) => n + s.logSize, 0),
      segments: segs.map((s, i) => ({
        id: segmentId(s),
        baseOffset: j(normalize(s.baseOffset)),
        active: i === segs.length - 1,
        log: s.log ?? null,
        bytes: s.logSize,
        index: indexFile(s.index, OFFSET_INDEX_ENTRY_SIZE),
        timeindex: indexFile(s.timeindex, TIME_INDEX_ENTRY_SIZE),
        txnindex: indexFile(s.txnindex, TXN_INDEX_ENTRY_SIZE),
      })),
      snapshots: dir.snapshots.map((s) => basename(s.path)),
      leftovers: dir.leftovers.map((l) => basename(l.path)),
      other: [dir.leaderEpochCheckpoint, dir.partitionMetadata, dir.quorumState, ...dir.checkpoints, ...dir.other].filter((f): f is string => f !== undefined).map((f) => basename(f)),
    };
  }

  /**
   * Up to `limit` batches of a segment from byte `position` (a batch start: 0, a page's `next`, a
   * seek's or an index entry's position), through a bounded window: one page reads about
   * PAGE_CHUNK bytes whatever the segment's size. `end` says where and why the segment's batches
   * stopped when the page reached it.
   */
  batches(name: string, segment: string, position: number, limit: number) {
    const seg = this.segment(name, segment);
    const path = seg.log!;
    const file = new SegmentFile(path, PAGE_CHUNK);
    const rows: Array<ReturnType<typeof batchRow>> = [];
    let next: number | null = null;
    let end: { position: number; fileSize: number; undersized: number | null } | null = null;
    try {
      if (position > file.size) throw new RequestError(400, `${path} has ${file.size} bytes; no batch starts at byte ${position}`);
      // Lazy: an entry claiming more than the window is checksummed window by window, not loaded.
      const walker = new EntryWalker(file, position, file.size, true);
      for (;;) {
        if (rows.length >= limit) {
          next = walker.position + (walker.frame?.totalSize ?? 0);
          break;
        }
        const step = nextBatch(path, file, walker, false);
        if (isWalkEnd(step)) {
          end = { position: step.position, fileSize: step.fileSize, undersized: step.undersized?.size ?? null };
          break;
        }
        rows.push(batchRow(step));
      }
      if (next !== null && next >= file.size) {
        next = null;
        end = { position: file.size, fileSize: file.size, undersized: null };
      }
      return { partition: name, segment, file: path, fileSize: file.size, position, batches: rows, next, end, bytesRead: file.bytesRead };
    } finally {
      file.close();
    }
  }

  /**
   * One batch, everything the page shows of it: `kseg explain`'s byte model, its records as
   * `kseg cat --format json` renders them, and the index entries that point at it.
   */
  batch(name: string, segment: string, position: number, payload: PayloadMode, maxPayload = DEFAULT_MAX_PAYLOAD) {
    const dir = this.partition(name);
    const seg = this.segment(name, segment);
    const path = seg.log!;
    const b = readBatchAt(path, position);
    const explain: ExplainBatch = explainBatch(b);
    const decoded = b.records();
    const crcValid = b.crcValid();
    const h = b.header;
    const segs = dir.segments.filter((s) => s.log !== undefined);
    const from = segs.findIndex((s) => s.baseOffset === seg.baseOffset);
    let aborted: ReturnType<typeof abortedRanges> | null = null;
    const records: RecordJson[] = decoded.records.map((record) => {
      let isAborted = false;
      if (h.format === 'v2' && h.isTransactional && !h.isControl) {
        // As readPartitionRecords: the .txnindex of this segment and the later ones.
        aborted ??= abortedRanges(segs.slice(from), {});
        isAborted = aborted.get(String(h.producerId))?.some(([a, z]) => record.offset >= a && record.offset <= z) ?? false;
      }
      return recordJson({ record, batch: b, segment: seg, crcValid, aborted: isAborted }, { topic: dir.topic, partition: dir.partition }, { payload, maxPayload });
    });
    const firstOffset = h.format === 'v2' ? h.baseOffset : (decoded.records[0]?.offset ?? h.offset);
    return {
      partition: name,
      segment,
      batch: batchRow(b),
      explain,
      records,
      recordsError: decoded.error ? decoded.error.message : null,
      indexEntries: indexEntriesOf(seg, position, firstOffset, lastOffsetOf(h)),
    };
  }

  /**
   * Where an offset or a time leads, as `kseg cat --from-offset/--from-time` finds it: the index
   * seek (segment, index slot, byte position) and the first record at or after the target, with the
   * bytes that read.
   */
  seek(name: string, target: { offset: Int64 } | { time: Int64 }) {
    const dir = this.partition(name);
    const stats = newReadStats();
    const issues: ReadIssue[] = [];
    const onIssue = (i: ReadIssue) => issues.push(i);
    const byOffset = 'offset' in target;
    const records = readPartitionRecords(dir, byOffset ? { fromOffset: target.offset, stats, onIssue } : { fromTime: target.time, stats, onIssue });
    const first = records.next();
    records.return(undefined);
    // The index step alone, for the page to show how the seek went.
    let via: { segment: string; indexSlot: number; position: number; timeIndexOffset: J } | null = null;
    if (byOffset) {
      const s = seekOffset(dir, target.offset);
      if (s) via = { segment: segmentId(s.segment), indexSlot: s.indexSlot, position: s.position, timeIndexOffset: null };
    } else {
      const s = seekTime(dir, target.time);
      if (s) via = { segment: segmentId(s.segment), indexSlot: s.indexSlot, position: s.position, timeIndexOffset: j(s.offset) };
    }
    const found = first.done
      ? null
      : {
          segment: segmentId(first.value.segment),
          position: first.value.batch.header.position,
          offset: j(first.value.record.offset),
          timestamp: j(first.value.record.timestamp),
        };
    return { partition: name, target: byOffset ? { offset: j(target.offset) } : { time: j(target.time) }, found, via, bytesRead: stats.bytesRead, filesOpened: stats.filesOpened, issues };
  }

  /** Records in offset order from an offset or a time, as `kseg cat --format json` prints them. */
  records(name: string, from: { offset?: Int64; time?: Int64 }, limit: number, payload: PayloadMode, maxPayload = DEFAULT_MAX_PAYLOAD) {
    const dir = this.partition(name);
    const issues: ReadIssue[] = [];
    const out: RecordJson[] = [];
    let next: J = null;
    const it = readPartitionRecords(dir, { fromOffset: from.offset, fromTime: from.time, onIssue: (i) => issues.push(i) });
    try {
      for (const pr of it) {
        if (out.length >= limit) {
          next = j(pr.record.offset);
          break;
        }
        out.push(recordJson(pr, { topic: dir.topic, partition: dir.partition }, { payload, maxPayload }));
      }
    } finally {
      it.return(undefined);
    }
    return { partition: name, records: out, next, issues };
  }

  /** A page of an index's slots, decoded, with the batch each offset-index entry points at. */
  index(name: string, segment: string, kind: 'offset' | 'time' | 'txn', from: number, limit: number) {
    const seg = this.segment(name, segment);
    const path = kind === 'offset' ? seg.index : kind === 'time' ? seg.timeindex : seg.txnindex;
    if (path === undefined) throw new RequestError(404, `segment ${segment} of ${name} has no ${kind === 'offset' ? '.index' : kind === 'time' ? '.timeindex' : '.txnindex'}`);
    const base = normalize(seg.baseOffset);
    if (kind === 'txn') {
      const f = new SegmentFile(path);
      try {
        const n = Math.floor(f.size / TXN_INDEX_ENTRY_SIZE);
        const to = Math.min(n, from + limit);
        const w = f.window(from * TXN_INDEX_ENTRY_SIZE, (to - from) * TXN_INDEX_ENTRY_SIZE);
        const entries = abortedTxnEntries(w.buf.subarray(w.at, w.at + Math.max(0, to - from) * TXN_INDEX_ENTRY_SIZE)).map((e) => ({
          slot: from + e.slot,
          version: e.version,
          producerId: j(e.producerId),
          firstOffset: j(e.firstOffset),
          lastOffset: j(e.lastOffset),
          lastStableOffset: j(e.lastStableOffset),
        }));
        return { partition: name, segment, kind, file: path, bytes: f.size, slots: n, validSlots: n, from, entries, next: to < n ? to : null };
      } finally {
        f.close();
      }
    }
    const idx = new IndexReader(path, kind === 'offset' ? OFFSET_INDEX_ENTRY_SIZE : TIME_INDEX_ENTRY_SIZE, undefined);
    try {
      const to = Math.min(idx.validSlots, from + limit);
      const entries = [];
      for (let s = from; s < to; s++) {
        const rel = idx.relativeOffset(s);
        entries.push(kind === 'offset' ? { slot: s, relativeOffset: rel, offset: j(addInt64(base, rel)), position: idx.position(s) } : { slot: s, timestamp: j(idx.timestamp(s)), relativeOffset: rel, offset: j(addInt64(base, rel)) });
      }
      return { partition: name, segment, kind, file: path, bytes: sizeOf(path), slots: idx.slots, validSlots: idx.validSlots, from, entries, next: to < idx.validSlots ? to : null };
    } finally {
      idx.close();
    }
  }

  /**
   * `kseg audit --format json` of the partition folder. It reads the whole partition, so its
   * report is kept until a file of the folder changes size or time.
   */
  audit(name: string) {
    const dir = this.partition(name);
    const signature = folderSignature(dir);
    const cached = this.audits.get(name);
    if (cached && cached.signature === signature) return cached.report;
    const report = JSON.parse(auditJson(auditPath(dir.path))) as unknown;
    this.audits.set(name, { signature, report });
    return report;
  }

  /** The log dir's own files (meta.properties, the checkpoints), as readLogDir lists them, without its partitions. */
  private rootFiles(): string[] {
    if (this.kind !== 'logdir') return [];
    return readdirSync(this.root, { withFileTypes: true })
      .filter((e) => !e.isDirectory())
      .map((e) => e.name)
      .sort()
      .map((n) => join(this.root, n));
  }

  private partitionDirs(): PartitionDir[] {
    if (this.kind === 'partition') {
      const p = readPartitionDir(this.root, basename(this.root));
      return p ? [p] : [];
    }
    return readLogDir(this.root).partitions;
  }

  /** A partition folder by name: a direct child of the log dir (or the browsed folder itself). */
  private partition(name: string): PartitionDir {
    let path: string;
    if (this.kind === 'partition') {
      if (name !== basename(this.root)) throw new RequestError(404, `no partition ${name} here (browsing ${this.root})`);
      path = this.root;
    } else {
      // A name, never a path: nothing outside the log dir is reachable.
      if (name.includes('/') || name.includes('\\') || name === '.' || name === '..' || parseTopicPartition(name) === null) throw new RequestError(404, `no partition folder ${JSON.stringify(name)} in ${this.root}`);
      path = join(this.root, name);
    }
    let dir: PartitionDir | null = null;
    try {
      dir = statSync(path).isDirectory() ? readPartitionDir(path, basename(path)) : null;
    } catch {
      dir = null;
    }
    if (dir === null) throw new RequestError(404, `no partition folder ${name} in ${this.kind === 'partition' ? dirname(this.root) : this.root}`);
    return dir;
  }

  private segment(name: string, id: string): SegmentFiles {
    const seg = this.partition(name).segments.find((s) => segmentId(s) === id && s.log !== undefined);
    if (!seg) throw new RequestError(404, `partition ${name} has no segment ${id}.log`);
    return seg;
  }
}

function indexFile(path: string | undefined, entrySize: number) {
  if (path === undefined) return null;
  const bytes = sizeOf(path);
  return { file: path, bytes, slots: Math.floor(bytes / entrySize) };
}

/** Sizes and times of a folder's files: a changed folder gets a fresh audit. */
function folderSignature(dir: PartitionDir): string {
  const files = [...dir.segments.flatMap((s) => [s.log, s.index, s.timeindex, s.txnindex]), ...dir.snapshots.map((s) => s.path), ...dir.checkpoints, dir.leaderEpochCheckpoint];
  return files
    .filter((f): f is string => f !== undefined)
    .map((f) => {
      try {
        const st = statSync(f);
        return `${f}:${st.size}:${st.mtimeMs}`;
      } catch {
        return `${f}:-`;
      }
    })
    .join('\n');
}

/** One batch of a page: `kseg cat`'s batch fields and the header's timestamps. */
function batchRow(b: LogBatch): BatchJson & { baseTimestamp: J; maxTimestamp: J } {
  const h: BatchHeader = b.header;
  return {
    ...batchJson({ batch: b, crcValid: b.crcValid() }),
    baseTimestamp: h.format === 'v2' ? j(h.baseTimestamp) : j(h.timestamp),
    maxTimestamp: h.format === 'v2' ? j(h.maxTimestamp) : j(h.timestamp),
  };
}

/** The batch starting at byte `position` of `path`, or a 404 saying why there is none. */
function readBatchAt(path: string, position: number): LogBatch {
  const it = readBatches(path, { start: position, detach: true, boundUnverified: true });
  try {
    const n = it.next();
    if (n.done) throw new RequestError(404, `${path}: byte ${position}: ${noBatchThere(n.value)}`);
    return n.value;
  } finally {
    it.return(undefined as never);
  }
}

/**
 * The index entries that point at the batch at `position` holding offsets first..last: the
 * offset-index entry whose position is the batch's (positions grow slot by slot), and the
 * time-index entries whose offset lies in the batch. Found by binary search, a few pages read.
 */
function indexEntriesOf(seg: SegmentFiles, position: number, first: Int64, last: Int64) {
  const base = normalize(seg.baseOffset);
  const offset: Array<{ slot: number; offset: J; position: number }> = [];
  const time: Array<{ slot: number; timestamp: J; offset: J }> = [];
  if (seg.index !== undefined) {
    const idx = new IndexReader(seg.index, OFFSET_INDEX_ENTRY_SIZE, undefined);
    try {
      if (idx.validSlots > 0) {
        const s = warmBinarySearch(idx.validSlots, OFFSET_INDEX_ENTRY_SIZE, (k) => idx.position(k), position);
        if (s >= 0 && idx.position(s) === position) offset.push({ slot: s, offset: j(addInt64(base, idx.relativeOffset(s))), position });
      }
    } finally {
      idx.close();
    }
  }
  if (seg.timeindex !== undefined) {
    const idx = new IndexReader(seg.timeindex, TIME_INDEX_ENTRY_SIZE, undefined);
    try {
      if (idx.validSlots > 0) {
        const offsetOf = (k: number): Int64 => addInt64(base, idx.relativeOffset(k));
        for (let s = warmBinarySearch(idx.validSlots, TIME_INDEX_ENTRY_SIZE, offsetOf, last); s >= 0 && offsetOf(s) >= first; s--) {
          time.unshift({ slot: s, timestamp: j(idx.timestamp(s)), offset: j(offsetOf(s)) });
        }
      }
    } finally {
      idx.close();
    }
  }
  return { offset, time };
}

/** Parses a non-negative integer request parameter (byte positions, counts, slots). */
export function countParam(value: string | null, what: string, fallback?: number): number {
  if (value === null || value === '') {
    if (fallback !== undefined) return fallback;
    throw new RequestError(400, `${what} is required`);
  }
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new RequestError(400, `${what}: not a non-negative integer: ${value}`);
  return Number(value);
}

/** Parses an int64 request parameter (offsets, epoch-millisecond times), exact beyond 2^53. */
export function int64Param(value: string, what: string): Int64 {
  if (!/^-?\d{1,19}$/.test(value)) throw new RequestError(400, `${what}: not an integer: ${value}`);
  const v = BigInt(value);
  if (v > 9223372036854775807n || v < -9223372036854775808n) throw new RequestError(400, `${what}: out of the int64 range: ${value}`);
  return normalize(v);
}

export function payloadParam(value: string | null): PayloadMode {
  if (value === null || value === '') return 'utf8';
  if (!(PAYLOAD_MODES as readonly string[]).includes(value)) throw new RequestError(400, `payload: one of ${PAYLOAD_MODES.join(', ')}, not ${value}`);
  return value as PayloadMode;
}
