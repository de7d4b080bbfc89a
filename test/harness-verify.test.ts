import { readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConsumeEvent } from '../src/harness/consume-log.js';
import { LogDirView } from '../src/harness/disk.js';
import { type ManifestRow, readManifest } from '../src/harness/manifest.js';
import { GOOD_CLASSES, type VerifyReport, verifyRun, withSends } from '../src/harness/verify.js';
import { verifyReportJson, verifyReportText } from '../src/harness/report-text.js';
import {
  adjacentPair,
  appendCopy,
  batchesOf,
  copyLogDir,
  expectOnly,
  flipValueByte,
  linesIn,
  middleBatch,
  misplacedBySwap,
  removeBatch,
  swapAdjacent,
  tearInside,
} from './harness-faults.js';
import { FIXTURES, HAVE_SHARED, SHARED } from './helpers.js';

const FIX_LOGS = resolve(FIXTURES, 'kafka-logs');
const FIX_MANIFEST = resolve(FIXTURES, 'manifest.jsonl');
const fixtureRows = readManifest(FIX_MANIFEST);

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

const copyLogs = (): string => copyLogDir(FIX_LOGS, temps);

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
    expect(doc.schemaVersion).toBe(2);
  });
});

describe('harness verify: a log dir that changes while it is read', () => {
  it('a segment renamed after the listing (as the cleaner and retention do on a running broker): the partition is listed again and read', () => {
    const logs = copyLogs();
    const whole = new LogDirView(logs).partition('plain', 0)!;
    const view = new LogDirView(logs);
    const dir = join(logs, 'plain-0');
    const first = readdirSync(dir).filter((n) => n.endsWith('.log')).sort()[0]!;
    const inFirst = batchesOf(dir).filter((b) => b.file === join(dir, first)).reduce((n, b) => n + b.lastOffset - b.baseOffset + 1, 0);
    renameSync(join(dir, first), join(dir, `${first}.deleted`));
    const p = view.partition('plain', 0)!;
    expect(p.records.length).toBe(whole.records.length - inFirst);
    expect(p.batches.every((b) => !b.file.endsWith(first))).toBe(true);
  });
});

describe('harness verify: a consume log over the fixtures (real transactions)', () => {
  const rows = fixtureRows.filter((x) => x.topic === 'txn');
  const everything = (isolation: 'read_committed' | 'read_uncommitted'): ConsumeEvent[] => [
    { type: 'start', group: 'g', isolation, topics: ['txn'], at: 0 },
    ...rows.map((x) => ({ type: 'record' as const, topic: x.topic, partition: x.partition, offset: x.offset!, id: null })),
  ];

  it('read_committed: every aborted record the consumer received is aborted-delivered, nothing else', () => {
    const aborted = rows.filter((x) => x.txn === 'abort');
    expect(aborted.length).toBeGreaterThan(0);
    const r = verifyRun(rows, [FIX_LOGS], { consumeLog: everything('read_committed') });
    expectOnly(r, rows, rows.flatMap((x, i) => (x.txn === 'abort' ? [i + 1] : [])), 'aborted-delivered');
    expect(r.consumer!.abortedDelivered).toBe(aborted.length);
    expect(r.consumer!.undelivered).toBe(0);
  });

  it('read_uncommitted: aborted records are deliverable, so receiving them all is clean', () => {
    const r = verifyRun(rows, [FIX_LOGS], { consumeLog: everything('read_uncommitted') });
    expect(r.findings.filter((f) => !GOOD_CLASSES.has(f.class))).toEqual([]);
    expect(r.consumer!.abortedDelivered).toBe(0);
    expect(r.ok).toBe(true);
  });

  it('a run report (sends) is FAILED when a send failed, and its JSON is valid against the schema', () => {
    const files = verifyRun(rows, [FIX_LOGS]);
    expect(files.ok).toBe(true);
    const r = withSends(files, { sent: rows.length, acked: rows.length - 1, failed: 1, errors: [{ error: 'RECORD_LIST_TOO_LARGE (error code 18): …', records: 1 }], transactionErrors: [] });
    expect(r.ok).toBe(false);
    const text = verifyReportText(r).split('\n');
    expect(text[0]).toBe(`kseg harness run: FAILED — ${rows.length} sent, ${rows.length - 1} acked, 1 failed; on disk: ${rows.length} records, 0 bad, 0 unexplained offset gaps`);
    expect(text[1]).toBe('send error (1 records): RECORD_LIST_TOO_LARGE (error code 18): …');
    expect(withSends(files, { sent: rows.length, acked: rows.length, failed: 0, errors: [], transactionErrors: [] }).ok).toBe(true);
    const validate = new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(resolve(FIXTURES, '../schema/harness-verify.schema.json'), 'utf8')));
    for (const doc of [r, verifyRun(rows, [FIX_LOGS], { consumeLog: everything('read_committed') })]) {
      expect(validate(JSON.parse(verifyReportJson(doc))), JSON.stringify(validate.errors)).toBe(true);
    }
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
    const victim = middleBatch(batchesOf(join(logs, 'plain-0')), 11);
    removeBatch(victim);
    const r = verifyRun(fixtureRows, [logs]);
    expectOnly(r, fixtureRows, linesIn(fixtureRows, 'plain', victim.baseOffset, victim.lastOffset), 'lost');
    const gaps = r.partitions.find((p) => p.topic === 'plain')!.replicas[0]!.gaps;
    expect(gaps).toEqual([{ from: victim.baseOffset, to: victim.lastOffset, explained: true, reason: expect.stringContaining('acked records missing') }]);
  });

  it('a flipped byte in a value: that record corrupted (value, crc), its batch-mates corrupted (crc), nothing else', () => {
    const logs = copyLogs();
    const target = flipValueByte(join(logs, 'plain-0'));
    const r = verifyRun(fixtureRows, [logs]);
    expectOnly(r, fixtureRows, linesIn(fixtureRows, 'plain', target.base, target.last), 'corrupted');
    for (const f of r.findings.filter((x) => x.class === 'corrupted')) {
      expect(f.fields).toEqual(f.offset === target.offset ? ['value'] : ['crc']);
    }
  });

  it('a duplicated batch: its records are duplicates (retry without a producer id; idempotence failure with one)', () => {
    for (const [topic, cause] of [['plain', 'retry'], ['txn', 'idempotence-failure']] as const) {
      const logs = copyLogs();
      const bs = batchesOf(join(logs, `${topic}-0`));
      const victim = bs.find((b) => !b.isControl && b.baseOffset > 5)!;
      appendCopy(victim, bs[bs.length - 1]!);
      const r = verifyRun(fixtureRows, [logs]);
      expectOnly(r, fixtureRows, linesIn(fixtureRows, topic, victim.baseOffset, victim.lastOffset), 'duplicate');
      for (const f of r.findings.filter((x) => x.class === 'duplicate')) expect(f.cause).toBe(cause);
    }
  });

  it('two swapped batches: their records are misplaced, nothing else', () => {
    const logs = copyLogs();
    const [a, b] = adjacentPair(batchesOf(join(logs, 'plain-0')), 4);
    swapAdjacent(a, b);
    const r = verifyRun(fixtureRows, [logs]);
    expectOnly(r, fixtureRows, misplacedBySwap(fixtureRows, 'plain', a, b), 'misplaced');
  });

  it('a dropped COMMIT marker: that transaction is unmarked, nothing else', () => {
    const logs = copyLogs();
    const bs = batchesOf(join(logs, 'txn-0'));
    // The control batch right after a committed record closes a committed transaction.
    const txnRows = fixtureRows.filter((x) => x.topic === 'txn');
    const markers = bs.filter((b) => b.isControl);
    const k = markers.findIndex((m, j) => j > 0 && txnRows.some((x) => x.offset === m.baseOffset - 1 && x.txn === 'commit'));
    const m = markers[k]!;
    const prev = markers[k - 1]!;
    removeBatch(m);
    const r = verifyRun(fixtureRows, [logs]);
    expectOnly(r, fixtureRows, linesIn(fixtureRows, 'txn', prev.baseOffset + 1, m.baseOffset - 1), 'txn-unmarked');
    expect(r.totals.unexplainedGaps).toBe(1);
  });

  it('a truncated replica: the records past its end are replica-missing, nothing else', () => {
    const a = copyLogs();
    const b = copyLogs();
    const bs = batchesOf(join(b, 'plain-0'));
    const inLast = bs.filter((x) => x.file === bs[bs.length - 1]!.file);
    const cut = inLast[Math.floor(inLast.length / 2)]!;
    tearInside(cut);
    const r = verifyRun(fixtureRows, [a, b]);
    expectOnly(r, fixtureRows, linesIn(fixtureRows, 'plain', cut.baseOffset, 1e9), 'replica-missing');
    const cmp = r.replicas.find((x) => x.topic === 'plain')!;
    expect(cmp.identical).toBe(false);
    expect(cmp.differences.every((d) => d.kind === 'missing' && d.logDirs[0] === b)).toBe(true);
    expect(cmp.differences[0]!.baseOffset).toBe(cut.baseOffset);
    expect(r.replicas.filter((x) => x.topic !== 'plain').every((x) => x.identical)).toBe(true);
  });
});
