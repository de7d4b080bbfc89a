import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { readBatches } from '../src/io/batches.js';
import type { ConsumeEvent } from '../src/harness/consume-log.js';
import { type ManifestRow, readManifest } from '../src/harness/manifest.js';
import { GOOD_CLASSES, type RecordClass, type VerifyReport, verifyRun } from '../src/harness/verify.js';
import { verifyReportJson, verifyReportText } from '../src/harness/report-text.js';
import { FIXTURES, HAVE_SHARED, SHARED } from './helpers.js';

const FIX_LOGS = resolve(FIXTURES, 'kafka-logs');
const FIX_MANIFEST = resolve(FIXTURES, 'manifest.jsonl');
const fixtureRows = readManifest(FIX_MANIFEST);

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function copyLogs(): string {
  const d = mkdtempSync(join(tmpdir(), 'kseg-harness-'));
  temps.push(d);
  cpSync(FIX_LOGS, d, { recursive: true });
  return d;
}

interface BatchAt {
  file: string;
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  isControl: boolean;
  control: boolean;
}

function batchesOf(dir: string): BatchAt[] {
  const out: BatchAt[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    for (const b of readBatches(join(dir, f))) {
      const h = b.header;
      if (h.format !== 'v2') throw new Error('v2 expected');
      out.push({ file: join(dir, f), position: h.position, size: h.sizeInBytes, baseOffset: Number(h.baseOffset), lastOffset: Number(h.lastOffset), isControl: h.isControl, control: h.isControl });
    }
  }
  return out;
}

function classesOf(r: VerifyReport, rows: ManifestRow[]): Map<number, RecordClass> {
  const m = new Map<number, RecordClass>();
  rows.forEach((_, i) => m.set(i + 1, 'intact'));
  for (const f of r.findings) m.set(f.line, f.class);
  return m;
}

/** Lines (1-based) of the manifest rows of a partition acked in [from, to]. */
function linesIn(rows: ManifestRow[], topic: string, from: number, to: number): number[] {
  const out: number[] = [];
  rows.forEach((r, i) => {
    if (r.topic === topic && r.offset !== null && r.offset >= from && r.offset <= to) out.push(i + 1);
  });
  return out;
}

/** Every finding of a bad class is in `expected` with class `cls`, and every expected line has it. */
function expectOnly(r: VerifyReport, rows: ManifestRow[], expected: number[], cls: RecordClass) {
  const classes = classesOf(r, rows);
  const bad = [...classes].filter(([, c]) => !GOOD_CLASSES.has(c));
  expect(expected.length).toBeGreaterThan(0);
  expect(bad.map(([l]) => l).sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
  for (const [, c] of bad) expect(c).toBe(cls);
  expect(r.ok).toBe(false);
  expect(r.totals.byClass[cls]).toBe(expected.length);
}

function baseline(rows: ManifestRow[], r: VerifyReport) {
  // No false alarm: every record intact, superseded by compaction, or found without an ack.
  expect(r.findings.filter((f) => !GOOD_CLASSES.has(f.class))).toEqual([]);
  expect(r.ok).toBe(true);
  expect(r.totals.unexplainedGaps).toBe(0);
  const unacked = rows.filter((x) => x.offset === null).length;
  expect(r.totals.byClass['unacked-present']).toBe(unacked);
  for (const f of r.findings.filter((x) => x.class === 'superseded')) {
    const p = r.partitions.find((x) => x.topic === f.topic && x.partition === f.partition)!;
    // Only the cleaner explains a missing record: below its checkpoint, and never the key's last write.
    expect(f.offset!).toBeLessThan(p.replicas[0]!.cleanedTo!);
    const last = rows.map((x, i) => ({ x, i })).filter(({ x }) => x.topic === f.topic && x.key === rows[f.line - 1]!.key).pop()!;
    expect(last.i + 1 > f.line || rows[f.line - 1]!.value === null).toBe(true);
  }
  expect(r.totals.byClass.intact + r.totals.byClass.superseded + unacked).toBe(rows.length);
}

describe('harness verify: fixtures (real broker files, always present)', () => {
  it('reports every record intact, superseded or unacked-present, with no false alarm', () => {
    const r = verifyRun(fixtureRows, [FIX_LOGS]);
    baseline(fixtureRows, r);
    expect(r.totals.byClass.superseded).toBeGreaterThan(0);
    const txn = r.partitions.find((p) => p.topic === 'txn')!;
    expect(txn.replicas[0]!.markers.ABORT).toBe(txn.replicas[0]!.abortedTxns);
    expect(txn.replicas[0]!.markers.COMMIT).toBeGreaterThan(0);
  });

  it('renders a text report and a JSON report valid against schema/harness-verify.schema.json', () => {
    const r = verifyRun(fixtureRows, [FIX_LOGS]);
    expect(verifyReportText(r)).toMatch(/^kseg harness verify: OK — 8100 records, 0 bad/);
    const doc = JSON.parse(verifyReportJson(r));
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const schema = JSON.parse(readFileSync(resolve(FIXTURES, '../schema/harness-verify.schema.json'), 'utf8'));
    const validate = ajv.compile(schema);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.schemaVersion).toBe(1);
  });
});

describe.skipIf(!HAVE_SHARED)('harness verify: the real-broker corpus', () => {
  it('reports every record intact, superseded or unacked-present, with no false alarm', () => {
    const rows = readManifest(resolve(SHARED, 'corpus/manifest.jsonl'));
    const r = verifyRun(rows, [resolve(SHARED, 'corpus/kafka-logs')]);
    baseline(rows, r);
    expect(r.totals.byClass.superseded).toBeGreaterThan(0);
    expect(r.partitions).toHaveLength(new Set(rows.map((x) => `${x.topic}-${x.partition}`)).size);
  });

  it("checks a group's committed offsets against __consumer_offsets and reports undelivered records", () => {
    const rows = readManifest(resolve(SHARED, 'corpus/manifest.jsonl')).filter((x) => x.topic === 'multi');
    const delivered = rows.filter((x) => !(x.partition === 2 && x.offset! >= 300));
    const events: ConsumeEvent[] = [
      { type: 'start', group: 'audit-group-1', isolation: 'read_committed', topics: ['multi'], at: 0 },
      ...delivered.map((x) => ({ type: 'record' as const, topic: x.topic, partition: x.partition, offset: x.offset!, id: null })),
      // The corpus's librdkafka consumer committed multi-3 up to 25 (its last OffsetCommit on disk).
      { type: 'commit', group: 'audit-group-1', topic: 'multi', partition: 3, offset: 25 },
      { type: 'commit', group: 'audit-group-1', topic: 'multi', partition: 0, offset: 294 },
    ];
    const r = verifyRun(rows, [resolve(SHARED, 'corpus/kafka-logs')], { consumeLog: events });
    expect(r.consumer!.undelivered).toBe(rows.length - delivered.length);
    expect(r.findings.filter((f) => f.class === 'undelivered').map((f) => f.offset)).toEqual(rows.filter((x) => x.partition === 2 && x.offset! >= 300).map((x) => x.offset));
    const byPart = new Map(r.consumer!.offsets.map((o) => [o.partition, o]));
    expect(byPart.get(3)).toMatchObject({ committed: 25, onDisk: 25, match: true });
    expect(byPart.get(0)).toMatchObject({ committed: 294, onDisk: null, match: false });
    expect(r.totals.groupOffsetMismatches).toBe(1);
    expect(r.ok).toBe(false);
  });
});

describe('harness verify: fault injection on temp copies', () => {
  it('a deleted batch: its records are lost, nothing else', () => {
    const logs = copyLogs();
    const bs = batchesOf(join(logs, 'plain-0'));
    const victim = bs.find((b, i) => i > 10 && bs[i + 1]?.file === b.file && bs[i - 1]?.file === b.file)!;
    const buf = readFileSync(victim.file);
    writeFileSync(victim.file, Buffer.concat([buf.subarray(0, victim.position), buf.subarray(victim.position + victim.size)]));
    const r = verifyRun(fixtureRows, [logs]);
    expectOnly(r, fixtureRows, linesIn(fixtureRows, 'plain', victim.baseOffset, victim.lastOffset), 'lost');
    const gaps = r.partitions.find((p) => p.topic === 'plain')!.replicas[0]!.gaps;
    expect(gaps).toEqual([{ from: victim.baseOffset, to: victim.lastOffset, explained: true, reason: expect.stringContaining('acked records missing') }]);
  });

  it('a flipped byte in a value: that record corrupted (value, crc), its batch-mates corrupted (crc), nothing else', () => {
    const logs = copyLogs();
    const dir = join(logs, 'plain-0');
    const file = join(dir, readdirSync(dir).filter((n) => n.endsWith('.log')).sort()[1]!);
    let target: { pos: number; offset: number; base: number; last: number } | null = null;
    for (const b of readBatches(file)) {
      const rec = b.records({ withSpans: true }).records.find((x) => x.value !== null && x.value.length > 4);
      if (rec && b.header.format === 'v2') {
        target = { pos: rec.spans!.value[0] + 2, offset: Number(rec.offset), base: Number(b.header.baseOffset), last: Number(b.header.lastOffset) };
        break;
      }
    }
    const buf = readFileSync(file);
    buf[target!.pos] ^= 0x20;
    writeFileSync(file, buf);
    const r = verifyRun(fixtureRows, [logs]);
    expectOnly(r, fixtureRows, linesIn(fixtureRows, 'plain', target!.base, target!.last), 'corrupted');
    for (const f of r.findings.filter((x) => x.class === 'corrupted')) {
      expect(f.fields).toEqual(f.offset === target!.offset ? ['value'] : ['crc']);
    }
  });

  it('a duplicated batch: its records are duplicates (retry without a producer id; idempotence failure with one)', () => {
    for (const [topic, cause] of [['plain', 'retry'], ['txn', 'idempotence-failure']] as const) {
      const logs = copyLogs();
      const bs = batchesOf(join(logs, `${topic}-0`));
      const victim = bs.find((b) => !b.isControl && b.baseOffset > 5)!;
      const last = bs[bs.length - 1]!;
      const copy = Buffer.from(readFileSync(victim.file).subarray(victim.position, victim.position + victim.size));
      // The broker would give the copy new offsets; the CRC does not cover the base offset.
      copy.writeBigInt64BE(BigInt(last.lastOffset + 1), 0);
      const tail = readFileSync(last.file);
      writeFileSync(last.file, Buffer.concat([tail, copy]));
      const r = verifyRun(fixtureRows, [logs]);
      expectOnly(r, fixtureRows, linesIn(fixtureRows, topic, victim.baseOffset, victim.lastOffset), 'duplicate');
      for (const f of r.findings.filter((x) => x.class === 'duplicate')) expect(f.cause).toBe(cause);
    }
  });

  it('two swapped batches: their records are misplaced, nothing else', () => {
    const logs = copyLogs();
    const bs = batchesOf(join(logs, 'plain-0'));
    const i = bs.findIndex((b, k) => k > 3 && bs[k + 1]?.file === b.file && b.lastOffset - b.baseOffset !== bs[k + 1]!.lastOffset - bs[k + 1]!.baseOffset);
    const [a, b] = [bs[i]!, bs[i + 1]!];
    const buf = readFileSync(a.file);
    const ba = Buffer.from(buf.subarray(a.position, a.position + a.size));
    const bb = Buffer.from(buf.subarray(b.position, b.position + b.size));
    bb.writeBigInt64BE(BigInt(a.baseOffset), 0);
    ba.writeBigInt64BE(BigInt(a.baseOffset + (b.lastOffset - b.baseOffset + 1)), 0);
    writeFileSync(a.file, Buffer.concat([buf.subarray(0, a.position), bb, ba, buf.subarray(b.position + b.size)]));
    const r = verifyRun(fixtureRows, [logs]);
    // A record whose bytes equal those now at its offset is still byte-identical there.
    const rows = fixtureRows.filter((x) => x.topic === 'plain');
    const content = (x: ManifestRow) => JSON.stringify([x.key, x.value, x.headers, x.timestamp]);
    const nowAt = new Map<number, ManifestRow>();
    for (const x of rows) {
      if (x.offset! >= a.baseOffset && x.offset! <= a.lastOffset) nowAt.set(x.offset! + (b.lastOffset - b.baseOffset + 1), x);
      if (x.offset! >= b.baseOffset && x.offset! <= b.lastOffset) nowAt.set(x.offset! - (a.lastOffset - a.baseOffset + 1), x);
    }
    const expected = linesIn(fixtureRows, 'plain', a.baseOffset, b.lastOffset).filter((l) => content(nowAt.get(fixtureRows[l - 1]!.offset!)!) !== content(fixtureRows[l - 1]!));
    expectOnly(r, fixtureRows, expected, 'misplaced');
  });

  it('a dropped COMMIT marker: that transaction is unmarked, nothing else', () => {
    const logs = copyLogs();
    const dir = join(logs, 'txn-0');
    const bs = batchesOf(dir);
    // Markers have a COMMIT or ABORT key; the control batch of a committed transaction is followed by the next one.
    const txnRows = fixtureRows.filter((x) => x.topic === 'txn');
    const markers = bs.filter((b) => b.isControl);
    const k = markers.findIndex((m, j) => j > 0 && txnRows.some((x) => x.offset === m.baseOffset - 1 && x.txn === 'commit'));
    const m = markers[k]!;
    const prev = markers[k - 1]!;
    const buf = readFileSync(m.file);
    writeFileSync(m.file, Buffer.concat([buf.subarray(0, m.position), buf.subarray(m.position + m.size)]));
    const r = verifyRun(fixtureRows, [logs]);
    expectOnly(r, fixtureRows, linesIn(fixtureRows, 'txn', prev.baseOffset + 1, m.baseOffset - 1), 'txn-unmarked');
    expect(r.totals.unexplainedGaps).toBe(1);
  });

  it('a truncated replica: the records past its end are replica-missing, nothing else', () => {
    const a = copyLogs();
    const b = copyLogs();
    const bs = batchesOf(join(b, 'plain-0'));
    const lastFile = bs[bs.length - 1]!.file;
    const inLast = bs.filter((x) => x.file === lastFile);
    const cut = inLast[Math.floor(inLast.length / 2)]!;
    truncateSync(lastFile, cut.position + 7);
    const r = verifyRun(fixtureRows, [a, b]);
    expectOnly(r, fixtureRows, linesIn(fixtureRows, 'plain', cut.baseOffset, 1e9), 'replica-missing');
    const cmp = r.replicas.find((x) => x.topic === 'plain')!;
    expect(cmp.identical).toBe(false);
    expect(cmp.differences.every((d) => d.kind === 'missing' && d.logDirs[0] === b)).toBe(true);
    expect(cmp.differences[0]!.baseOffset).toBe(cut.baseOffset);
    expect(r.replicas.filter((x) => x.topic !== 'plain').every((x) => x.identical)).toBe(true);
  });
});
