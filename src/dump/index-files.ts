import { readFileSync } from 'node:fs';
import { RECORD_BATCH_OVERHEAD, decrementSequence, lastOffsetOf } from '../format/batch.js';
import { FormatError } from '../format/errors.js';
import { type Int64, int64Max, normalize } from '../format/int64.js';
import {
  OFFSET_INDEX_ENTRY_SIZE,
  TIME_INDEX_ENTRY_SIZE,
  abortedTxnEntries,
  offsetIndexEntry,
  offsetIndexLookupSlot,
  slotCount,
  timeIndexEntry,
} from '../format/indexes.js';
import { decodeEntryRecords } from '../format/entry.js';
import { decodeProducerSnapshot } from '../format/producer-snapshot.js';
import { JavaException, toJavaException } from './java-exception.js';
import { javaAbsolutePath, javaFileName, javaParent, javaParseLong, javaSplitFirstDot } from './java.js';
import { loadHeader, openSegment, pathTypeOf, sliceWindow, walkEntries } from './log.js';
import { offsetIndexSanity, timeIndexSanity } from '../io/index-sanity.js';
import { EntryWalker, type SegmentFile } from '../io/segment-file.js';
import type { DumpIO } from './output.js';
import type { DumpReports } from './reports.js';

const CORRUPT_INDEX = 'org.apache.kafka.storage.internals.log.CorruptIndexException';

/** The segment's base offset from a file name, as UnifiedLog.offsetFromFile / split("\\.")[0]. */
function baseOffsetOf(name: string): Int64 {
  return normalize(javaParseLong(javaSplitFirstDot(name)));
}

/**
 * Reads an index file read-only. Kafka would create a missing index (and then fail); we only fail.
 * A directory fails as Kafka's RandomAccessFile does (`displayPath` is how Kafka names the file).
 * A FIFO reads as empty: Kafka's open waits for a writer, then sees a length of 0; kseg does not
 * wait (and never opens it).
 */
function readIndexFile(absPath: string, displayPath: string): Buffer {
  const type = pathTypeOf(absPath);
  if (type === null) throw new JavaException('java.lang.IllegalArgumentException', 'Invalid max index size: -1');
  if (type === 'directory') throw new JavaException('java.io.FileNotFoundException', `${displayPath} (Is a directory)`);
  if (type === 'FIFO') return Buffer.alloc(0);
  return readFileSync(absPath);
}

function siblings(path: string, io: DumpIO) {
  const name = javaFileName(path);
  const abs = javaAbsolutePath(path, io.cwd);
  const dir = javaParent(abs);
  const prefix = javaSplitFirstDot(name);
  return { name, abs, logPath: `${dir}/${prefix}.log`, indexPath: `${dir}/${prefix}.index` };
}

/** DumpLogSegments.dumpIndex for a `.index` file. */
export function dumpIndex(path: string, opts: { sanityOnly: boolean; verifyOnly: boolean; maxMessageSize: number }, io: DumpIO, reports: DumpReports): void {
  const base = baseOffsetOf(javaFileName(path));
  const { abs, logPath } = siblings(path, io);
  const log = openSegment(logPath);
  try {
    const index = readIndexFile(abs, path);
    const entries = slotCount(index.length, OFFSET_INDEX_ENTRY_SIZE);
    if (entries === 0) {
      io.out.text(`${path} is empty.\n`);
      return;
    }
    if (opts.sanityOnly) {
      // The broker's start-up check (OffsetIndex.sanityCheck), shared with kseg ls.
      const sanity = offsetIndexSanity(abs, base);
      if (sanity.error !== null) throw new JavaException(CORRUPT_INDEX, sanity.error);
      io.out.text(`${path} passed sanity check.\n`);
      return;
    }
    for (let i = 0; i < entries; i++) {
      const e = offsetIndexEntry(index, i, base);
      if (i > 0 && e.offset === base) return;
      const end = sliceWindow(log, logPath, e.position, opts.maxMessageSize);
      const walk = walkEntries(log, logPath, e.position, end);
      const first = walk.next();
      if (first.done) throw new JavaException('java.util.NoSuchElementException', null);
      const { buf, at, entryPosition } = first.value;
      const batchLast = lastOffsetOf(loadHeader(log, buf, at, entryPosition, end, logPath));
      if (batchLast !== e.offset) reports.indexMismatch(abs, e.offset, batchLast);
      if (!opts.verifyOnly) io.out.text(`offset: ${e.offset} position: ${e.position}\n`);
    }
  } finally {
    log.close();
  }
}

/** DumpLogSegments.dumpTimeIndex for a `.timeindex` file. */
export function dumpTimeIndex(path: string, opts: { sanityOnly: boolean; verifyOnly: boolean; frameChains: boolean }, io: DumpIO, reports: DumpReports): void {
  const base = baseOffsetOf(javaFileName(path));
  const { abs, logPath, indexPath } = siblings(path, io);
  const log = openSegment(logPath);
  try {
    const offsetIndex = readIndexFile(indexPath, indexPath);
    const timeIndex = readIndexFile(abs, path);
    const entries = slotCount(timeIndex.length, TIME_INDEX_ENTRY_SIZE);
    if (opts.sanityOnly) {
      // The broker's start-up check (TimeIndex.sanityCheck), shared with kseg ls. An empty index
      // passes it (and is not opened again: it may be a FIFO).
      const sanity = timeIndex.length === 0 ? null : timeIndexSanity(abs, base);
      if (sanity !== null && sanity.error !== null) throw new JavaException(CORRUPT_INDEX, sanity.error);
      io.out.text(`${path} passed sanity check.\n`);
      return;
    }
    let prev: Int64 = -1;
    const chains = new FrameChains(log, logPath, opts.frameChains);
    for (let i = 0; i < entries; i++) {
      const e = timeIndexEntry(timeIndex, i, base);
      if (i > 0 && e.offset === base) return;
      const slot = offsetIndexLookupSlot(offsetIndex, base, e.offset);
      const pos = slot < 0 ? 0 : offsetIndexEntry(offsetIndex, slot, base).position;
      const end = sliceWindow(log, logPath, pos, 2147483647);
      // Kafka 4.3 frames every batch from `pos` to the end before searching (a corrupt entry
      // anywhere after `pos` fails the dump), then loads headers until the first match.
      chains.check(pos, end);
      let match: { position: number; last: Int64 } | null = null;
      for (const { entryPosition: p } of walkEntries(log, logPath, pos, end)) {
        const w = log.window(p, RECORD_BATCH_OVERHEAD);
        const h = loadHeader(log, w.buf, w.at, p, end, logPath);
        const last = lastOffsetOf(h);
        if (last >= e.offset) {
          match = { position: p, last };
          break;
        }
      }
      if (match === null) {
        reports.offsetNotFound(abs, e.offset, -1);
      } else if (match.last !== e.offset) {
        reports.offsetNotFound(abs, e.offset, match.last);
      } else {
        const w0 = log.window(match.position, RECORD_BATCH_OVERHEAD);
        const size = loadHeader(log, w0.buf, w0.at, match.position, end, logPath).sizeInBytes;
        const w = log.window(match.position, Math.max(size, RECORD_BATCH_OVERHEAD));
        const h = loadHeader(log, w.buf, w.at, match.position, end, logPath);
        const decoded = decodeEntryRecords(w.buf, w.at, h);
        if (decoded.error) throw toJavaException(decoded.error);
        let maxTs: Int64 = -1;
        for (const r of decoded.records) maxTs = int64Max(maxTs, r.timestamp);
        if (maxTs !== e.timestamp) reports.timestampMismatch(abs, e.timestamp, maxTs);
        if (prev >= e.timestamp) reports.outOfOrderTimestamp(abs, e.timestamp, prev);
      }
      if (!opts.verifyOnly) io.out.text(`timestamp: ${e.timestamp} offset: ${e.offset}\n`);
      prev = e.timestamp;
    }
  } finally {
    log.close();
  }
}

/**
 * Whether framing the log from a position to its end fails, as Kafka finds out by framing it all
 * before each time-index entry's search (quadratic on big segments). Framing from a position is
 * deterministic, so a position on a chain already framed has that chain's outcome: the chain is
 * framed once, and kept as every CHECKPOINT-th position plus a cursor, so memory stays small
 * whatever the segment (a position per batch of a 1 GiB segment was ~100 MB). With `memo` off
 * (DumpTuning.frameChains), every position is framed again, as Kafka does (tests compare the two).
 */
const CHECKPOINT = 256;

class FrameChains {
  /** The chain framed last: from `start` to `end`, and how it ended. */
  private start = -1;
  private end = -1;
  private failure: unknown = null;
  /** Every CHECKPOINT-th position of the chain, from `start`, in order. */
  private checkpoints: number[] = [];
  /** A position on the chain (queries come in file order, so the next one is usually ahead). */
  private cursor = -1;

  constructor(
    private readonly log: SegmentFile,
    private readonly logPath: string,
    private readonly memo: boolean,
  ) {}

  /** Throws the failure of framing [pos, end), if it fails. */
  check(pos: number, end: number): void {
    if (!this.memo || !this.onChain(pos, end)) this.frame(pos, end);
    if (this.failure !== null) throw this.failure;
  }

  private frame(pos: number, end: number): void {
    this.start = pos;
    this.end = end;
    this.cursor = pos;
    this.failure = null;
    this.checkpoints = [];
    let n = 0;
    try {
      for (const entry of walkEntries(this.log, this.logPath, pos, end)) {
        if (n++ % CHECKPOINT === 0) this.checkpoints.push(entry.entryPosition);
      }
    } catch (e) {
      this.failure = e;
    }
  }

  /** Whether `pos` is a position of the current chain (the walk from `start` passes it). */
  private onChain(pos: number, end: number): boolean {
    if (this.start < 0 || end !== this.end || pos < this.start) return false;
    if (pos === this.start || pos === this.cursor) return true;
    let from = this.cursor;
    if (pos < from) {
      // Behind the cursor: from the last checkpoint at or before `pos`.
      let lo = 0;
      let hi = this.checkpoints.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.checkpoints[mid]! <= pos) lo = mid;
        else hi = mid - 1;
      }
      from = this.checkpoints[lo]!;
    }
    const walker = new EntryWalker(this.log, from, end);
    while (walker.step()) {
      if (walker.entryPosition >= pos) {
        this.cursor = walker.entryPosition;
        return walker.entryPosition === pos;
      }
    }
    return false;
  }
}

/** DumpLogSegments.dumpTxnIndex for a `.txnindex` file (a missing file has no entries). */
export function dumpTxnIndex(path: string, io: DumpIO): void {
  baseOffsetOf(javaFileName(path));
  const abs = javaAbsolutePath(path, io.cwd);
  const type = pathTypeOf(abs);
  if (type === null) return;
  // As Kafka's FileChannel.open and position: a directory can't be opened, a pipe can't seek.
  if (type === 'directory') throw new JavaException('java.nio.file.FileSystemException', `${path}: Is a directory`);
  if (type === 'FIFO') throw new JavaException('java.io.IOException', 'Illegal seek');
  const bytes = readFileSync(abs);
  // TransactionIndex.allAbortedTxns() collects every entry (checking its version) before any is printed.
  const entries = abortedTxnEntries(bytes);
  for (const t of entries) {
    if (t.version > 0) {
      throw new JavaException(
        'org.apache.kafka.common.KafkaException',
        `Unexpected aborted transaction version ${t.version} in transaction index ${javaAbsolutePath(path, io.cwd)}, current version is 0`,
      );
    }
  }
  for (const t of entries) {
    io.out.text(`version: ${t.version} producerId: ${t.producerId} firstOffset: ${t.firstOffset} lastOffset: ${t.lastOffset} lastStableOffset: ${t.lastStableOffset}\n`);
  }
}

/** DumpLogSegments.dumpProducerIdSnapshot: a corrupt snapshot is reported on stderr, not fatal. */
export function dumpProducerSnapshot(path: string, io: DumpIO): void {
  let bytes: Buffer;
  try {
    const abs = javaAbsolutePath(path, io.cwd);
    const type = pathTypeOf(abs);
    if (type === 'directory') throw new JavaException('java.io.IOException', 'Is a directory');
    // Kafka's read waits for a FIFO's writer, then reads what it wrote; kseg does not wait: nothing.
    bytes = type === 'FIFO' ? Buffer.alloc(0) : readFileSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new JavaException('java.nio.file.NoSuchFileException', path);
    throw e;
  }
  try {
    const snapshot = decodeProducerSnapshot(bytes);
    for (const p of snapshot.entries) {
      let line = `producerId: ${p.producerId} producerEpoch: ${p.producerEpoch} coordinatorEpoch: ${p.coordinatorEpoch} currentTxnFirstOffset: ${p.currentTxnFirstOffset >= 0 ? `OptionalLong[${p.currentTxnFirstOffset}]` : 'OptionalLong.empty'} lastTimestamp: ${p.timestamp}`;
      if (p.lastOffset >= 0) {
        const first = decrementSequence(p.lastSequence, p.offsetDelta);
        line += ` firstSequence: ${first} lastSequence: ${p.lastSequence} lastOffset: ${p.lastOffset} offsetDelta: ${p.offsetDelta} timestamp: ${p.timestamp}`;
      }
      io.out.text(line + '\n');
    }
  } catch (e) {
    if (e instanceof FormatError && e.kind === 'CorruptSnapshot') {
      io.err.text(`${e.message}\n`);
      return;
    }
    throw e;
  }
}
