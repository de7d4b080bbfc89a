import { LOG_OVERHEAD, MIN_RECORD_OVERHEAD, RECORD_BATCH_OVERHEAD, decodeBatchHeader } from '../format/batch.js';
import { FormatError } from '../format/errors.js';
import { decodeEntryRecords, isEntryCrcValid } from '../format/entry.js';
import { type LogBatch, type ReadBatchesOptions, type WalkEnd, walkStoppedEarly } from './log-batch.js';
import { type Problem, problemOf } from './problem.js';
import { EntryWalker, SegmentFile, entryChecksumOf } from './segment-file.js';

export { type LogBatch, type ReadBatchesOptions, type WalkEnd, walkStoppedEarly } from './log-batch.js';

/** Wraps one entry's bytes (`bytes[0]` is the entry start at file `position`) as a LogBatch. */
export function makeBatch(file: string, bytes: Uint8Array, position: number): LogBatch {
  const header = decodeBatchHeader(bytes, 0, position);
  return {
    file,
    header,
    bytes,
    crcValid: () => isEntryCrcValid(bytes, 0, header),
    records: (options) => decodeEntryRecords(bytes, 0, header, options),
  };
}

/**
 * The batch of an entry that was not read whole (see ReadBatchesOptions.boundUnverified): `bytes`
 * are its first bytes (up to the read window), its checksum failed. Its records are decoded from
 * those bytes as far as they go (a damaged length field over an intact batch: all of them), and
 * the decoding's error says the entry was cut.
 */
export function unreadBatch(file: string, bytes: Uint8Array, position: number, computedChecksum: number): LogBatch {
  const header = decodeBatchHeader(bytes, 0, position);
  const clipped = { ...header, sizeInBytes: bytes.length };
  const cut = `batch claims ${header.sizeInBytes} bytes, more than the read window, and its checksum fails: records decoded from its first ${bytes.length} bytes`;
  return {
    file,
    header,
    bytes,
    crcValid: () => false,
    computedChecksum,
    records: (options) => {
      const d = decodeEntryRecords(bytes, 0, clipped, options);
      const error = d.error ? new FormatError(d.error.kind, `${d.error.message} (${cut})`, d.error.position) : new FormatError('CorruptRecord', cut, position);
      return { ...d, error };
    },
  };
}

/**
 * The batch of `walker`'s current entry (after a step): read whole, or, for a lazy entry whose
 * checksum fails, an unreadBatch.
 */
export function currentBatch(path: string, file: SegmentFile, walker: EntryWalker, detach: boolean): LogBatch {
  const frame = walker.frame!;
  const position = walker.entryPosition;
  if (!walker.whole) {
    const sum = entryChecksumOf(file, position, frame.totalSize, frame.magic);
    if (sum.computed !== sum.stored) {
      const n = Math.min(frame.totalSize, file.chunk);
      const w = file.window(position, n);
      return unreadBatch(path, Uint8Array.from(w.buf.subarray(w.at, w.at + n)), position, sum.computed);
    }
    walker.load();
  }
  const view = walker.buf.subarray(walker.at, walker.at + frame.totalSize);
  return makeBatch(path, detach ? Uint8Array.from(view) : view, position);
}

/** The smallest `size` field of a v2 batch: its 61-byte header less the offset and size fields. */
const MIN_V2_SIZE = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;

/**
 * Steps `walker` to its next batch (see currentBatch), or says where and why the walk over `file`
 * ended: an entry with a size field below 14 (the walker's framing) or a v2 batch shorter than its
 * header (Kafka reads 61 header bytes whatever the entry claims) ends it as undersized. The one
 * step of every batch walk: readBatches, the seeks' scan, kseg serve's pages.
 */
export function nextBatch(path: string, file: SegmentFile, walker: EntryWalker, detach: boolean): LogBatch | WalkEnd {
  if (!walker.step()) {
    const undersized = walker.undersized ? { size: walker.undersized.size, minimum: MIN_RECORD_OVERHEAD } : null;
    return { position: walker.position, fileSize: file.size, undersized };
  }
  const frame = walker.frame!;
  if (frame.magic >= 2 && frame.totalSize < RECORD_BATCH_OVERHEAD) {
    return { position: walker.entryPosition, fileSize: file.size, undersized: { size: frame.size, minimum: MIN_V2_SIZE } };
  }
  return currentBatch(path, file, walker, detach);
}

/** Whether a step of nextBatch ended the walk. */
export function isWalkEnd(step: LogBatch | WalkEnd): step is WalkEnd {
  return !('header' in step);
}

/**
 * Streams the batches of a segment file with bounded memory. Returns (as the generator's return
 * value) where and why the walk ended, so callers can report trailing bytes (walkStoppedEarly).
 */
export function* readBatches(path: string, options: ReadBatchesOptions = {}): Generator<LogBatch, WalkEnd> {
  const file = new SegmentFile(path, options.chunk);
  try {
    const walker = new EntryWalker(file, options.start ?? 0, Math.min(options.end ?? file.size, file.size), options.boundUnverified === true);
    for (;;) {
      const step = nextBatch(path, file, walker, options.detach === true);
      if (isWalkEnd(step)) return step;
      yield step;
    }
  } finally {
    file.close();
  }
}

/**
 * Hands every batch of a segment to `each` (a bounded walk: see ReadBatchesOptions.boundUnverified);
 * a walk that stops early (walkStoppedEarly) or fails becomes a Problem naming the file and byte.
 */
export function forEachBatch(log: string, problems: Problem[], each: (b: LogBatch) => void): void {
  const it = readBatches(log, { boundUnverified: true });
  try {
    for (;;) {
      const step = it.next();
      if (step.done) {
        const end = step.value;
        const message = walkStoppedEarly(end);
        if (message !== null) problems.push({ file: log, position: end.position, message });
        return;
      }
      each(step.value);
    }
  } catch (e) {
    problems.push(problemOf(log, e));
  } finally {
    it.return?.(undefined as never);
  }
}
