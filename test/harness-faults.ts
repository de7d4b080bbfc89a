/**
 * Fault injection for the harness's verify tests: each function damages a copy of real broker
 * files the way one failure class does (a batch gone, a flipped byte, a batch written twice, two
 * batches swapped, a marker dropped or turned around, a torn replica), and the expectations say
 * which manifest lines must come out in which class — that class and nothing else.
 * Used on fixtures/ (test/harness-verify.test.ts) and on a live Kafka 4.3.2 broker's files
 * (test/harness-live.test.ts). Never point these at anything but a temp copy.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { crc32cRange } from '../src/codec/crc.js';
import { readBatches } from '../src/io/batches.js';
import type { ManifestRow } from '../src/harness/manifest.js';
import { GOOD_CLASSES, type RecordClass, type VerifyReport } from '../src/harness/verify.js';

export interface BatchAt {
  file: string;
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  isControl: boolean;
  producerId: number;
}

/** The v2 batches of a partition folder, in file order. */
export function batchesOf(dir: string): BatchAt[] {
  const out: BatchAt[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    for (const b of readBatches(join(dir, f))) {
      const h = b.header;
      if (h.format !== 'v2') throw new Error('v2 expected');
      out.push({ file: join(dir, f), position: h.position, size: h.sizeInBytes, baseOffset: Number(h.baseOffset), lastOffset: Number(h.lastOffset), isControl: h.isControl, producerId: Number(h.producerId) });
    }
  }
  return out;
}

/**
 * A temp copy of a log dir: its top-level files (checkpoints, meta.properties) and the partition
 * folders `only` names (all when omitted). The caller removes it (see `temps`).
 */
export function copyLogDir(src: string, temps: string[], only?: readonly string[]): string {
  const d = mkdtempSync(join(tmpdir(), 'kseg-harness-copy-'));
  temps.push(d);
  for (const name of readdirSync(src)) {
    const from = join(src, name);
    if (statSync(from).isDirectory() && only && !only.includes(name)) continue;
    cpSync(from, join(d, name), { recursive: true });
  }
  return d;
}

/** The first batch from index `from` in the middle of a segment: a batch of the same file on each side. */
export function middleBatch(bs: BatchAt[], from = 1, where: (b: BatchAt) => boolean = () => true): BatchAt {
  const i = bs.findIndex((b, k) => k >= Math.max(1, from) && bs[k - 1]!.file === b.file && bs[k + 1]?.file === b.file && where(b));
  if (i < 0) throw new Error('no batch with neighbours in its segment');
  return bs[i]!;
}

/** Cuts a batch's bytes out of its segment: its offsets become a gap. */
export function removeBatch(b: BatchAt): void {
  const buf = readFileSync(b.file);
  writeFileSync(b.file, Buffer.concat([buf.subarray(0, b.position), buf.subarray(b.position + b.size)]));
}

/**
 * Appends a copy of `b` after the partition's last batch, with the next offsets, as a broker that
 * took a resent batch would (the CRC does not cover the base offset).
 */
export function appendCopy(b: BatchAt, last: BatchAt): void {
  const copy = Buffer.from(readFileSync(b.file).subarray(b.position, b.position + b.size));
  copy.writeBigInt64BE(BigInt(last.lastOffset + 1), 0);
  writeFileSync(last.file, Buffer.concat([readFileSync(last.file), copy]));
}

/** Swaps two adjacent batches of one segment, each taking the other's offsets. */
export function swapAdjacent(a: BatchAt, b: BatchAt): void {
  if (a.file !== b.file || a.position + a.size !== b.position) throw new Error('swapAdjacent: batches must be adjacent in one file');
  const buf = readFileSync(a.file);
  const ba = Buffer.from(buf.subarray(a.position, a.position + a.size));
  const bb = Buffer.from(buf.subarray(b.position, b.position + b.size));
  bb.writeBigInt64BE(BigInt(a.baseOffset), 0);
  ba.writeBigInt64BE(BigInt(a.baseOffset + (b.lastOffset - b.baseOffset + 1)), 0);
  writeFileSync(a.file, Buffer.concat([buf.subarray(0, a.position), bb, ba, buf.subarray(b.position + b.size)]));
}

/** Two adjacent data batches of one segment holding different record counts (so a swap moves records). */
export function adjacentPair(bs: BatchAt[], from = 0): [BatchAt, BatchAt] {
  const i = bs.findIndex(
    (b, k) => k >= from && !b.isControl && bs[k + 1]?.file === b.file && !bs[k + 1]!.isControl && b.lastOffset - b.baseOffset !== bs[k + 1]!.lastOffset - bs[k + 1]!.baseOffset,
  );
  if (i < 0) throw new Error('no adjacent pair of data batches with different sizes');
  return [bs[i]!, bs[i + 1]!];
}

/**
 * Flips one bit in the value of the first record (of an uncompressed batch) with a value longer
 * than 4 bytes. Returns that record's offset and its batch's range.
 */
export function flipValueByte(dir: string): { offset: number; base: number; last: number } {
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    const file = join(dir, f);
    for (const b of readBatches(file)) {
      if (b.header.format !== 'v2' || b.header.compression !== 0 || b.header.isControl) continue;
      const rec = b.records({ withSpans: true }).records.find((x) => x.value !== null && x.value.length > 4);
      if (!rec) continue;
      const buf = readFileSync(file);
      buf[rec.spans!.value[0] + 2] ^= 0x20;
      writeFileSync(file, buf);
      return { offset: Number(rec.offset), base: Number(b.header.baseOffset), last: Number(b.header.lastOffset) };
    }
  }
  throw new Error(`no uncompressed record with a value in ${dir}`);
}

/** Control record key types (ControlRecordType). */
const CONTROL_TYPE = { ABORT: 0, COMMIT: 1 } as const;

/**
 * Turns a transaction marker into the other kind (COMMIT <-> ABORT) and re-signs the batch with a
 * valid CRC-32C, as a coordinator that wrote the wrong outcome would leave it.
 */
export function rewriteMarker(m: BatchAt, to: keyof typeof CONTROL_TYPE): void {
  const buf = readFileSync(m.file);
  const batch = [...readBatches(m.file)].find((b) => b.header.position === m.position)!;
  const rec = batch.records({ withSpans: true }).records[0]!;
  // The key is int16 version, int16 type.
  buf.writeInt16BE(CONTROL_TYPE[to], rec.spans!.key[0] + 2);
  // CRC-32C from the attributes (byte 21) to the end of the batch, stored at byte 17.
  buf.writeUInt32BE(crc32cRange(buf, m.position + 21, m.position + m.size) >>> 0, m.position + 17);
  writeFileSync(m.file, buf);
}

/** Truncates a segment inside a batch (a torn write): that batch and all after it are gone. */
export function tearInside(b: BatchAt): void {
  truncateSync(b.file, b.position + 7);
}

/**
 * The lines a swap of adjacent batches `a`, `b` makes misplaced: records of the two batches whose
 * offset now holds a record with other content (a record equal to the one now at its offset is
 * still byte-identical there).
 */
export function misplacedBySwap(rows: ManifestRow[], topic: string, a: BatchAt, b: BatchAt, partition = 0): number[] {
  const sizeA = a.lastOffset - a.baseOffset + 1;
  const sizeB = b.lastOffset - b.baseOffset + 1;
  const content = (x: ManifestRow) => JSON.stringify([x.key, x.value, x.headers, x.timestamp]);
  const nowAt = new Map<number, ManifestRow>();
  for (const x of rows) {
    if (x.topic !== topic || x.partition !== partition || x.offset === null) continue;
    if (x.offset >= a.baseOffset && x.offset <= a.lastOffset) nowAt.set(x.offset + sizeB, x);
    if (x.offset >= b.baseOffset && x.offset <= b.lastOffset) nowAt.set(x.offset - sizeA, x);
  }
  return linesIn(rows, topic, a.baseOffset, b.lastOffset, partition).filter((l) => content(nowAt.get(rows[l - 1]!.offset!)!) !== content(rows[l - 1]!));
}

/** The class of every manifest line (1-based): intact unless a finding says otherwise. */
export function classesOf(r: VerifyReport, rows: ManifestRow[]): Map<number, RecordClass> {
  const m = new Map<number, RecordClass>();
  rows.forEach((_, i) => m.set(i + 1, 'intact'));
  for (const f of r.findings) m.set(f.line, f.class);
  return m;
}

/** Lines (1-based) of the manifest rows of a topic partition acked in [from, to]. */
export function linesIn(rows: ManifestRow[], topic: string, from: number, to: number, partition = 0): number[] {
  const out: number[] = [];
  rows.forEach((r, i) => {
    if (r.topic === topic && r.partition === partition && r.offset !== null && r.offset >= from && r.offset <= to) out.push(i + 1);
  });
  return out;
}

/** Every bad finding is one of `expected`, with class `cls`, and every expected line has it. */
export function expectOnly(r: VerifyReport, rows: ManifestRow[], expected: number[], cls: RecordClass): void {
  const classes = classesOf(r, rows);
  const bad = [...classes].filter(([, c]) => !GOOD_CLASSES.has(c));
  expect(expected.length).toBeGreaterThan(0);
  expect(bad.map(([l]) => l).sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
  for (const [, c] of bad) expect(c).toBe(cls);
  expect(r.ok).toBe(false);
  expect(r.totals.byClass[cls]).toBe(expected.length);
}
