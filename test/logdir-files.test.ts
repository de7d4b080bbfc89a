import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditPath } from '../src/audit/index.js';
import { lsHasFindings } from '../src/cli/ls.js';
import { resolvePath } from '../src/io/paths.js';
import { parseLeaderEpochCheckpoint, parseOffsetCheckpoint } from '../src/format/text-files.js';
import { computeStats } from '../src/io/stats.js';
import { summarizeLogDir } from '../src/io/log-summary.js';
import { lsJson, lsTable } from '../src/view/ls.js';
import { FIXTURES, HAVE_SHARED, SHARED } from './helpers.js';

/**
 * What a log dir holds besides batches, as `ls` and `audit` read it: checkpoint files as Kafka
 * reads them (CRLF, empty), a segment whose `.log` is gone, entries that are not regular files,
 * and a running broker's preallocated indexes. `ls` and `audit` must agree on each.
 */
const tmp = mkdtempSync(join(tmpdir(), 'kseg-logdir-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** A copy of fixtures/kafka-logs/plain-0 (and txn-0) in a fresh log dir. */
function logDir(): string {
  const d = join(tmp, `logs-${n++}`);
  for (const p of ['plain-0', 'txn-0']) cpSync(join(FIXTURES, 'kafka-logs', p), join(d, p), { recursive: true });
  return d;
}

describe('checkpoint files as Kafka reads them (BufferedReader.readLine; an empty file has no entries)', () => {
  const lf = '0\n2\nplain-0 0 1500\ntxn-0 0 1040\n'.replace(/plain-0 0/, 'plain 0').replace(/txn-0 0/, 'txn 0');

  it('CRLF and CR line ends parse as LF does; an empty file is no entries; a blank line is still an error', () => {
    const want = parseOffsetCheckpoint(lf);
    expect(want.entries.map((e) => [e.topic, e.partition, e.offset])).toEqual([
      ['plain', 0, 1500],
      ['txn', 0, 1040],
    ]);
    expect(parseOffsetCheckpoint(lf.replace(/\n/g, '\r\n'))).toEqual(want);
    expect(parseOffsetCheckpoint(lf.replace(/\n/g, '\r'))).toEqual(want);
    expect(parseOffsetCheckpoint('')).toEqual({ version: null, entries: [] });
    expect(parseLeaderEpochCheckpoint('0\r\n1\r\n0 0\r\n').entries).toEqual([{ epoch: 0, startOffset: 0, line: 3 }]);
    expect(parseLeaderEpochCheckpoint('')).toEqual({ version: null, entries: [] });
    expect(() => parseOffsetCheckpoint('\n')).toThrow(/expected a version number/);
  });

  it('ls and audit agree: CRLF and empty checkpoints are read, not flagged (and a CRLF entry is checked against the log)', () => {
    const d = logDir();
    // plain-0 ends at 1499: 1600 is beyond it, which only a parsed file can tell.
    writeFileSync(join(d, 'recovery-point-offset-checkpoint'), '0\r\n2\r\nplain 0 1600\r\ntxn 0 1040\r\n');
    writeFileSync(join(d, 'replication-offset-checkpoint'), '');
    writeFileSync(join(d, 'cleaner-offset-checkpoint'), '');
    const ls = summarizeLogDir(d);
    expect(ls.problems).toEqual([]);
    expect(lsTable(ls)).toContain('recovery-point-offset-checkpoint: version 0, 2 entries\nreplication-offset-checkpoint: empty, 0 entries');
    expect(ls.partitions.find((p) => p.name === 'plain-0')!.checkpoints).toEqual({ 'recovery-point-offset-checkpoint': 1600 });
    const audit = auditPath(d);
    expect(audit.anomalies.map((a) => [a.class, a.line, a.offset])).toEqual([['checkpoint-beyond-log', 3, 1600]]);
    expect([...audit.anomalies, ...audit.notes].filter((a) => a.class === 'checkpoint-unparseable')).toEqual([]);
  });
});

describe("a segment whose .log is gone while its indexes remain: records are lost, and ls and audit say so", () => {
  it('populated indexes: audit warning log-missing (with the first offset they index), ls verdict LOG MISSING and a problem', () => {
    const d = logDir();
    const log = join(d, 'plain-0/00000000000000000189.log');
    unlinkSync(log);
    const audit = auditPath(d);
    const lost = audit.anomalies.filter((a) => a.class === 'log-missing');
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ severity: 'warning', file: log, position: -1 });
    expect(Number(lost[0]!.offset)).toBeGreaterThanOrEqual(189);
    expect(lost[0]!.detail).toMatch(/^the segment's \.log is missing while its \.index has \d+ entr(y|ies) \(offsets 2\d\d\.\.\d+\), its \.timeindex has/);
    const ls = summarizeLogDir(d);
    const plain = ls.partitions.find((p) => p.name === 'plain-0')!;
    expect(plain.indexVerdict).toBe('log-missing');
    expect(plain.problems.map((p) => p.file)).toEqual([log]);
    expect(lsHasFindings(ls)).toBe(true);
    expect(lsTable(ls)).toMatch(/│ plain-0 .*│ LOG MISSING │/);
    expect(lsJson(ls).partitions.find((p) => p.name === 'plain-0')!.indexes).toBe('log-missing');
  });

  it('indexes of nothing (empty or zero-filled): a note only, as before', () => {
    const d = logDir();
    unlinkSync(join(d, 'plain-0/00000000000000000189.log'));
    writeFileSync(join(d, 'plain-0/00000000000000000189.index'), Buffer.alloc(80));
    writeFileSync(join(d, 'plain-0/00000000000000000189.timeindex'), Buffer.alloc(0));
    const audit = auditPath(d);
    // (The offsets the segment held are a gap now; its indexes say nothing was lost beyond that.)
    expect(audit.anomalies.filter((a) => a.class === 'log-missing')).toEqual([]);
    expect(audit.notes.filter((a) => a.class === 'index-missing' && a.file.endsWith('00000000000000000189.index'))).toHaveLength(1);
    expect(summarizeLogDir(d).partitions.find((p) => p.name === 'plain-0')!.indexVerdict).toBe('ok');
  });
});

describe('what a folder is', () => {
  it('a log dir named like a partition (data-1), even a KRaft one with bootstrap.checkpoint, is a log dir', () => {
    const d = join(tmp, 'data-1');
    cpSync(join(FIXTURES, 'kraft/gritlab'), d, { recursive: true });
    expect(resolvePath(d).kind).toBe('logdir');
    expect(resolvePath(join(d, '__cluster_metadata-0')).kind).toBe('partition');
    expect(auditPath(d).target).toBe('logdir');
  });
});

describe('entries that are not regular files are never opened, and are reported', () => {
  it('a FIFO named like a segment, and one named like a checkpoint: ls, stats and audit finish and name them', () => {
    const d = logDir();
    const fifo = join(d, 'plain-0/00000000000000009999.log');
    const rootFifo = join(d, 'replication-offset-checkpoint');
    for (const f of [fifo, rootFifo]) expect(spawnSync('mkfifo', [f]).status).toBe(0);
    const ls = summarizeLogDir(d);
    expect(ls.problems.map((p) => [p.file, p.message])).toEqual([
      [rootFifo, 'a FIFO (named pipe), not a regular file: not read (reading it would wait for a writer)'],
      [fifo, 'a FIFO (named pipe), not a regular file: not read (reading it would wait for a writer)'],
    ]);
    expect(computeStats(join(d, 'plain-0')).result.problems.map((p) => p.file)).toEqual([fifo]);
    const audit = auditPath(d);
    expect(audit.anomalies.filter((a) => a.class === 'not-regular-file').map((a) => [a.file, a.severity])).toEqual([
      [fifo, 'warning'],
      [rootFifo, 'warning'],
    ]);
  });
});

describe.skipIf(!HAVE_SHARED)("ls on a running broker's log dir (corpus/live-logs): one verdict, in the table", () => {
  it("the active segments' preallocated indexes are 'ok (active, preallocated)', explained once, with no line per index", () => {
    const live = summarizeLogDir(resolve(SHARED, 'corpus/live-logs'));
    const text = lsTable(live);
    expect(live.partitions.filter((p) => p.indexVerdict === 'preallocated').length).toBeGreaterThan(0);
    expect(text).toContain('ok (active, preallocated)');
    expect(text).not.toContain('Corrupt time index found');
    expect(text.match(/^note: 'ok \(active, preallocated\)'/gm)).toHaveLength(1);
    expect(lsHasFindings(live)).toBe(false);
    // A real failure still prints Kafka's message: a non-active segment's zero-filled time index.
    const d = join(tmp, 'failed');
    cpSync(resolve(SHARED, 'corpus/live-logs/plain-0'), join(d, 'plain-0'), { recursive: true });
    const ti = join(d, 'plain-0/00000000000000000189.timeindex');
    const bytes = readFileSync(ti);
    writeFileSync(ti, Buffer.concat([bytes, Buffer.alloc(12)]));
    const failed = summarizeLogDir(d);
    expect(lsTable(failed)).toMatch(/^INDEX FAILED: Corrupt time index found, time index file \(.*00000000000000000189\.timeindex\)/m);
    expect(lsHasFindings(failed)).toBe(true);
  });
});
