import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type FrameResult, HEADER_SIZE_UP_TO_MAGIC, RECORD_BATCH_OVERHEAD, frameAt, legacyHeaderSize } from '../format/batch.js';
import { type Int64, readInt32, readInt64, readInt8, readUint32 } from '../format/int64.js';
import { entryChecksum } from '../format/entry.js';

/** Default read window: large enough for typical batches, small enough to bound memory. */
export const DEFAULT_CHUNK = 1 << 20;

/**
 * A segment-like file read through a bounded, reused window: memory stays O(chunk + largest
 * entry) whatever the file size. Strictly read-only (opened with 'r').
 */
export class SegmentFile {
  readonly fd: number;
  readonly size: number;
  /** Bytes read from disk so far (for tests that prove a seek reads little). */
  bytesRead = 0;
  /** The largest single read so far: the window's size (what memory reading this file has needed). */
  largestRead = 0;
  private buf: Buffer;
  /** File position of buf[0] and number of valid bytes in buf. */
  private bufStart = 0;
  private bufLen = 0;

  constructor(
    readonly path: string,
    /** Bytes read at a time (the window's size unless an entry needs more). */
    readonly chunk: number = DEFAULT_CHUNK,
  ) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
    this.buf = Buffer.allocUnsafe(0);
  }

  close(): void {
    closeSync(this.fd);
  }

  /**
   * Makes file bytes [pos, pos+len) (clamped to the file end) available and returns the buffer and
   * index of `pos` in it. The returned view is valid until the next call.
   */
  window(pos: number, len: number): { buf: Buffer; at: number; available: number } {
    const want = Math.max(0, Math.min(len, this.size - pos));
    if (pos >= this.bufStart && pos + want <= this.bufStart + this.bufLen) {
      return { buf: this.buf, at: pos - this.bufStart, available: this.bufStart + this.bufLen - pos };
    }
    const readLen = Math.min(Math.max(want, this.chunk), this.size - pos);
    // The bytes of the window from `pos` on are kept, not read again: a walk reads an entry's
    // header through a chunk-sized window, and an entry larger than the chunk (multi-MB records)
    // then needs the window extended from that same position. Read again, each such entry cost a
    // chunk more (--deep-iteration of 1 GiB of 1-4 MiB records read 1.45 GiB, now 1.0 GiB: a third
    // less from disk when the file is not cached).
    let kept = 0;
    if (pos >= this.bufStart && pos < this.bufStart + this.bufLen) kept = this.bufStart + this.bufLen - pos;
    if (this.buf.length < readLen) {
      const grown = Buffer.allocUnsafe(Math.max(readLen, Math.min(this.chunk, this.size)));
      if (kept > 0) this.buf.copy(grown, 0, pos - this.bufStart, pos - this.bufStart + kept);
      this.buf = grown;
    } else if (kept > 0 && pos > this.bufStart) {
      this.buf.copyWithin(0, pos - this.bufStart, pos - this.bufStart + kept);
    }
    let got = kept;
    while (got < readLen) {
      const n = readSync(this.fd, this.buf, got, readLen - got, pos + got);
      if (n === 0) break;
      got += n;
    }
    this.bytesRead += got - kept;
    if (readLen > this.largestRead) this.largestRead = readLen;
    this.bufStart = pos;
    this.bufLen = got;
    return { buf: this.buf, at: 0, available: got };
  }

  /**
   * File bytes [pos, pos + len) for a glance (len <= 64, clamped to the file end), without moving
   * the window: from it when it holds them, else read alone into a small buffer of the file's.
   * Valid until the next call. Returns the buffer, the index of `pos` in it and the bytes there.
   */
  peek(pos: number, len: number): { buf: Uint8Array; at: number; available: number } {
    const want = Math.max(0, Math.min(len, this.size - pos));
    if (pos >= this.bufStart && pos + want <= this.bufStart + this.bufLen) return { buf: this.buf, at: pos - this.bufStart, available: want };
    const got = want > 0 ? readSync(this.fd, this.small, 0, want, pos) : 0;
    this.bytesRead += got;
    return { buf: this.small, at: 0, available: got };
  }
  private readonly small = Buffer.allocUnsafe(64);

  /** Reads [pos, pos+len) into a fresh buffer (for small structures that outlive the window). */
  readCopy(pos: number, len: number): Buffer {
    const w = this.window(pos, len);
    return Buffer.from(w.buf.subarray(w.at, w.at + Math.min(len, w.available)));
  }
}

/**
 * Walks the entries of `file` in the window [start, end) with FileLogInputStream's framing rules.
 * Stops at the first position where fewer than 18 bytes remain or the entry does not fit.
 * An entry whose size field is below the minimum is reported as `undersized` (and ends the walk).
 * The entry the walk is on is the walker's own fields (entryPosition, frame, buf, at): every walk
 * over a segment's entries steps one of these (io/batches.ts nextBatch turns its entry into a
 * LogBatch). The buffer is reused: copy what must outlive the next step.
 */
export class EntryWalker {
  /** Position after the last whole entry: where the walk stopped. */
  position: number;
  /** Set if the walk stopped on an entry whose size is below 14. */
  undersized: Extract<FrameResult, { kind: 'undersized' }> | null = null;
  /**
   * The entry `step` moved to (entryPosition -1 before the first step and after the end): it
   * starts at `entryPosition`, its bytes are `buf[at, at + frame.totalSize)`, valid until the next step.
   */
  entryPosition = -1;
  frame: Extract<FrameResult, { kind: 'entry' }> | null = null;
  buf: Uint8Array = EMPTY;
  at = 0;
  /**
   * Whether `buf` holds the whole entry. With `lazy`, an entry larger than the file's window is
   * stepped onto with its header only (61 bytes): `load()` reads the rest, so that a length field
   * claiming megabytes is read only if the caller needs every byte.
   */
  whole = false;

  constructor(
    private readonly file: SegmentFile,
    readonly start: number = 0,
    readonly end: number = file.size,
    private readonly lazy = false,
  ) {
    this.position = start;
  }

  /** Where the next step looks for an entry: after the current one (or where the walk is, before the first step). */
  get nextPosition(): number {
    return this.frame !== null ? this.entryPosition + this.frame.totalSize : this.position;
  }

  /** Reads the whole current entry into the window (after a lazy step). */
  load(): void {
    if (this.whole || this.frame === null) return;
    const w = this.file.window(this.entryPosition, this.frame.totalSize);
    this.buf = w.buf;
    this.at = w.at;
    this.whole = true;
  }

  /**
   * Moves to the next entry; false when the walk ends (`undersized` says if on a bad size). A
   * stepping walk for hot loops: nothing is allocated per entry but the file's window views.
   */
  step(): boolean {
    if (this.frame !== null) {
      // `position` stays at the entry's start while it is the current one.
      this.position = this.entryPosition + this.frame.totalSize;
      this.frame = null;
      this.entryPosition = -1;
    }
    const { file, end } = this;
    const p = this.position;
    if (p >= end - HEADER_SIZE_UP_TO_MAGIC) return false;
    let w = file.window(p, RECORD_BATCH_OVERHEAD);
    if (w.available < HEADER_SIZE_UP_TO_MAGIC) return false;
    // frameAt works in buffer coordinates: translate the window end.
    const frame = frameAt(w.buf, w.at, w.at + (end - p));
    if (frame.kind === 'end') return false;
    if (frame.kind === 'undersized') {
      this.undersized = frame;
      return false;
    }
    // The whole entry, plus up to 61 header bytes even for tiny entries (Kafka reads the v2
    // header from the file regardless of the entry's size).
    this.whole = !this.lazy || frame.totalSize <= file.chunk;
    w = file.window(p, this.whole ? Math.max(frame.totalSize, RECORD_BATCH_OVERHEAD) : RECORD_BATCH_OVERHEAD);
    this.entryPosition = p;
    this.frame = frame;
    this.buf = w.buf;
    this.at = w.at;
    return true;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Whether a plausible entry starts at `q` of `file` (entries end by `end`): it frames with
 * FileLogInputStream's rules, has magic 0-2 and at least a header's size, a non-negative offset,
 * (v2) a known codec id and a record count >= 0, and its checksum verifies. Random bytes pass
 * with odds of about 2^-32 (the checksum), so this finds where batches resume after damage.
 */
export function isPlausibleEntryAt(file: SegmentFile, q: number, end: number, followed = false): boolean {
  if (q >= end) return false;
  const h = file.window(q, RECORD_BATCH_OVERHEAD);
  if (h.available < HEADER_SIZE_UP_TO_MAGIC) return false;
  const magic = readInt8(h.buf, h.at + 16);
  if (magic < 0 || magic > 2) return false;
  const f = frameAt(h.buf, h.at, h.at + (end - q));
  if (f.kind !== 'entry') return false;
  if (f.totalSize < minimumEntrySize(magic)) return false;
  // The header's fields first, from the small window: most candidates in record bytes fail here,
  // before the whole claimed entry (up to `end`) is read and checksummed.
  const offset = readInt64(h.buf, h.at);
  if (offset < 0) return false;
  if (magic === 2) {
    if (h.available < RECORD_BATCH_OVERHEAD || (h.buf[h.at + 22]! & 0x07) > 4 || readInt32(h.buf, h.at + 57) < 0) return false;
  } else {
    // A legacy message is exactly its fields: key length, key, value length, value. (Without this,
    // a v2 batch's leader epoch read as a magic-0 header claims its base offset as a size: the
    // scan then read and checksummed megabytes per candidate.)
    const k = legacyHeaderSize(magic);
    if (h.available < k + 4) return false;
    const keyLength = readInt32(h.buf, h.at + k);
    const valueAt = k + 4 + Math.max(keyLength, 0);
    if (keyLength < -1 || valueAt + 4 > f.totalSize) return false;
    // (The 4 bytes alone: a key length read from record bytes may put them megabytes away, and
    // moving the window there and back would read two windows for each such candidate.)
    const v = file.peek(q + valueAt, 4);
    const valueLength = readInt32(v.buf, v.at);
    if (valueLength < -1 || valueAt + 4 + Math.max(valueLength, 0) !== f.totalSize) return false;
  }
  if (followed && !framesNext(file, q + f.totalSize, end, offset)) return false;
  // Checksummed window by window: a claimed entry larger than the window (often a size read from
  // record bytes, up to the file's end) never grows it.
  return entryChecksumMatches(file, q, f.totalSize, magic);
}

/**
 * Whether what follows an entry ending at `p` looks like the walk going on, for FOLLOWING_ENTRIES
 * entries: each the walk's end (fewer than a header's bytes before `end`) or an entry header with
 * magic 0-2, an offset above the one before it (`offset`: the candidate's) and a size of at least
 * a header that fits by `end`. Read with `peek`: the window stays where the caller's scan is.
 */
function framesNext(file: SegmentFile, p: number, end: number, offset: Int64): boolean {
  for (let k = 0; k < FOLLOWING_ENTRIES; k++) {
    if (p >= end - HEADER_SIZE_UP_TO_MAGIC) return true;
    const f = peekFrame(file, p, end);
    if (f.kind !== 'entry' || f.magic < 0 || f.magic > 2 || f.offset <= offset || f.totalSize < minimumEntrySize(f.magic)) return false;
    offset = f.offset;
    p += f.totalSize;
  }
  return true;
}

/**
 * The entry at `p` of `file` framed as the walk frames it (entries end by `end`), from a peek of
 * its first 17 bytes: the file's window is not moved. `end` when fewer bytes are left in the file.
 */
export function peekFrame(file: SegmentFile, p: number, end: number): FrameResult {
  const h = file.peek(p, HEADER_SIZE_UP_TO_MAGIC);
  return h.available < HEADER_SIZE_UP_TO_MAGIC ? FRAME_END : frameAt(h.buf, h.at, h.at + (end - p));
}
const FRAME_END: FrameResult = { kind: 'end' };

/**
 * How many entries after a candidate framesNext checks, and why their offsets must rise (as they
 * do in every segment a broker writes: a guess that is wrong only costs speed). In segments of
 * small compressed batches (lz4, ~500 B), a candidate found in payload bytes is followed by bytes
 * that frame like a header often enough, and its size, read from payload bytes, lands on a real
 * batch's start often enough (after which every later check passes), that candidates claiming
 * hundreds of megabytes reached the checksum, each read and summed to its claimed end: guessing
 * the 127 range starts of a 1 GiB segment of the corpus's lz4 batches read 37.6 GiB with one
 * entry checked and no offset order (8.8 s for a shallow dump that takes 2.4 s serially). An
 * offset read from payload bytes is rarely below the real one that follows.
 */
const FOLLOWING_ENTRIES = 3;

/** The smallest entry of magic `magic`: a v2 batch's header, or a legacy message with empty key and value. */
function minimumEntrySize(magic: number): number {
  return magic === 2 ? RECORD_BATCH_OVERHEAD : legacyHeaderSize(magic) + 8;
}

/**
 * The stored and computed checksums of the `totalSize`-byte entry at `q` with magic `magic`
 * (CRC-32C for v2, CRC-32 for legacy), read window by window: the file's window never grows for
 * it, whatever size a damaged length field claims.
 */
export function entryChecksumOf(file: SegmentFile, q: number, totalSize: number, magic: number): { stored: number; computed: number } {
  const sum = entryChecksum(magic);
  const head = file.window(q, sum.storedAt + 4);
  const stored = readUint32(head.buf, head.at + sum.storedAt);
  let crc = 0;
  for (let p = q + sum.from, to = q + totalSize; p < to; ) {
    const n = Math.min(file.chunk, to - p);
    const w = file.window(p, n);
    crc = sum.continue(crc, w.buf, w.at, w.at + n);
    p += n;
  }
  return { stored, computed: crc };
}

/** Whether the stored checksum of an entry matches its bytes (see entryChecksumOf). */
export function entryChecksumMatches(file: SegmentFile, q: number, totalSize: number, magic: number): boolean {
  const c = entryChecksumOf(file, q, totalSize, magic);
  return c.stored === c.computed;
}

/**
 * The first position in [from, end) where a plausible entry starts (isPlausibleEntryAt), or null.
 * With `likely`, only positions before `likely.before` are candidates (their entries may run on to
 * `end`), and an entry must also be followed by the walk's end or another entry's header: a guess
 * at where the walk passes, for a parallel dump's range (see parallel-chunk.ts). Why the second
 * condition: a candidate in record bytes may claim most of the window as its size, and its
 * checksum would be computed over all of it (megabytes per candidate); random bytes pass this
 * check first with odds of about 1/2000. A wrong guess only costs speed (the dump checks it).
 */
export function findPlausibleEntry(file: SegmentFile, from: number, end: number, likely?: { before: number }): number | null {
  // 26 bytes: the smallest entry (a magic-0 message with empty key and value).
  const last = Math.min(end - 26, (likely?.before ?? Infinity) - 1);
  let q = from;
  while (q <= last) {
    // A tight scan for a magic byte of 0-2 first: most positions fail there (in random bytes, 253
    // of 256), and the full check would re-frame each one. The full check may move the window, so
    // the scan takes it again after each candidate.
    // (A small request: it reuses the current window, whose `available` runs to its end.)
    const w = file.window(q, RECORD_BATCH_OVERHEAD);
    const n = Math.min(w.available - HEADER_SIZE_UP_TO_MAGIC + 1, last - q + 1);
    if (n <= 0) return null;
    const buf = w.buf;
    const magicAt = w.at + 16;
    let i = 0;
    while (i < n && buf[magicAt + i]! > 2) i++;
    q += i;
    if (i === n) continue;
    if (isPlausibleEntryAt(file, q, end, likely !== undefined)) return q;
    q++;
  }
  return null;
}
