import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { computeStats } from '../src/io/stats.js';
import { summarizeLogDir } from '../src/io/log-summary.js';
import { toJson } from '../src/view/json.js';
import { createProgress } from '../src/view/progress.js';
import { type StatsTarget, statsJson, statsText } from '../src/view/stats.js';
import { FIXTURES, HAVE_SHARED, REPO, SHARED } from './helpers.js';

const validateStats = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(resolve(REPO, 'schema/stats.schema.json'), 'utf8')));

function expectValid(path: string, target: StatsTarget, r: ReturnType<typeof computeStats>['result']): void {
  const doc = JSON.parse(toJson(statsJson(path, target, r)));
  validateStats(doc);
  expect(validateStats.errors ?? []).toEqual([]);
}

interface Row {
  topic: string;
  partition: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
  timestamp: number | null;
  txn: 'commit' | 'abort' | null;
}

function manifest(file: string): Row[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Row);
}

const b64len = (s: string): number => Buffer.from(s, 'base64').length;

/** Nearest-rank percentile, computed independently of the implementation. */
function pct(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)]!;
}

describe('kseg stats on fixtures', () => {
  const rows = manifest(resolve(FIXTURES, 'manifest.jsonl'));

  it('plain-0: record count, key/value/header sizes and time span equal what the producer sent', () => {
    const { target, result: s } = computeStats(resolve(FIXTURES, 'kafka-logs/plain-0'));
    expect(target).toBe('partition');
    const sent = rows.filter((r) => r.topic === 'plain');
    expect(s.records).toBe(sent.length);
    const keys = sent.filter((r) => r.key !== null).map((r) => b64len(r.key!));
    const values = sent.filter((r) => r.value !== null).map((r) => b64len(r.value!));
    expect(s.nullKeys).toBe(sent.length - keys.length);
    expect(s.tombstones).toBe(sent.length - values.length);
    for (const [d, v] of [
      [s.keySize, keys],
      [s.valueSize, values],
    ] as const) {
      expect(d).toMatchObject({ count: v.length, min: Math.min(...v), max: Math.max(...v), p50: pct(v, 0.5), p90: pct(v, 0.9), p99: pct(v, 0.99) });
    }
    const headerBytes = sent.map((r) => r.headers.reduce((n, [k, v]) => n + Buffer.byteLength(k) + (v === null ? 0 : b64len(v)), 0));
    expect(s.headerSize).toMatchObject({ max: Math.max(...headerBytes), p90: pct(headerBytes, 0.9) });
    const ts = sent.map((r) => r.timestamp!);
    expect(s.time.first).toBe(Math.min(...ts));
    expect(s.time.last).toBe(Math.max(...ts));
    expect(s.codecs).toEqual([expect.objectContaining({ codec: 'none', ratio: 1, records: sent.length })]);
    expect(s.producers).toEqual([]);
    expectValid('plain-0', target, s);
  });

  it('txn-0: commits and aborts from the markers; aborted records equal what the producer aborted', () => {
    const { result: s } = computeStats(resolve(FIXTURES, 'kafka-logs/txn-0'));
    const sent = rows.filter((r) => r.topic === 'txn');
    expect(s.dataRecords).toBe(sent.length);
    expect(s.records).toBe(sent.length + s.controlRecords);
    expect(s.transactions.committed + s.transactions.aborted).toBe(40);
    expect(s.transactions.abortedRecords).toBe(sent.filter((r) => r.txn === 'abort').length);
    // Every ABORT marker has its .txnindex entry (read independently by ls).
    const ls = summarizeLogDir(resolve(FIXTURES, 'kafka-logs')).partitions.find((p) => p.name === 'txn-0')!;
    expect(s.transactions.aborted).toBe(ls.abortedTxns);
    expect(s.transactions.open).toBe(0);
    expect(s.controlRecords).toBe(40);
    expect(s.producers).toHaveLength(1);
    expect(s.producers[0]).toMatchObject({ transactional: true, records: sent.length });
    // The time range is the batches' (ls's definition): the COMMIT/ABORT markers' timestamps count.
    const ls0 = summarizeLogDir(resolve(FIXTURES, 'kafka-logs/txn-0')).partitions[0]!;
    expect([s.time.first, s.time.last]).toEqual([ls0.firstTimestamp, ls0.maxTimestamp]);
    expect(statsText('txn-0', 'partition', s)).toMatch(/\d+ committed, \d+ aborted \(\d+ records\), 0 open/);
  });

  it('a transaction without a later marker is open: segments read alone that end mid-transaction', () => {
    const { result: full } = computeStats(resolve(FIXTURES, 'kafka-logs/txn-0'));
    expect(full.transactions.open).toBe(0);
    const segs = summarizeLogDir(resolve(FIXTURES, 'kafka-logs')).partitions.find((p) => p.name === 'txn-0')!.segments;
    // txn-0 rolls segments in the middle of transactions: read alone, such a segment ends with
    // transactional data whose marker is in the next segment.
    const opened = segs.map((seg) => computeStats(seg.log!).result.transactions.open);
    expect(opened.some((n) => n > 0)).toBe(true);
  });

  it('codecs: compressed payloads are smaller than their records; a segment file and the whole dir validate', () => {
    const { target, result: s } = computeStats(resolve(FIXTURES, 'kafka-logs'));
    expect(target).toBe('logdir');
    const names = s.codecs.map((c) => c.codec);
    expect(names).toEqual(['gzip', 'lz4', 'none', 'snappy', 'zstd']);
    for (const c of s.codecs) {
      if (c.codec === 'none') expect(c.rawBytes).toBe(c.storedBytes);
      else expect(c.ratio!).toBeGreaterThan(1);
    }
    const ls = summarizeLogDir(resolve(FIXTURES, 'kafka-logs'));
    // One definition of a record count and a time range in ls and stats: every record, control ones included.
    expect(s.records).toBe(ls.partitions.reduce((n, p) => n + p.records, 0));
    for (const row of s.partitions) {
      const p = ls.partitions.find((x) => x.name === row.name)!;
      expect(row.records, row.name).toBe(p.records);
      const one = computeStats(p.path).result;
      expect([one.time.first, one.time.last], row.name).toEqual([p.firstTimestamp, p.maxTimestamp]);
    }
    expectValid('kafka-logs', target, s);
    const seg = resolve(FIXTURES, 'kafka-logs/v1-gzip-0/00000000000000000000.log');
    const one = computeStats(seg);
    expect(one.target).toBe('segment');
    expect(one.result.records).toBe(ls.partitions.find((p) => p.name === 'v1-gzip-0')!.segments[0]!.records);
    expectValid(seg, 'segment', one.result);
  });
});

describe('progress bar', () => {
  function sink(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
    let out = '';
    const w = new Writable({
      write(chunk, _enc, cb) {
        out += String(chunk);
        cb();
      },
    }) as unknown as NodeJS.WriteStream;
    Object.assign(w, { isTTY, columns: 80, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    return { stream: w, text: () => out };
  }

  it('never draws when stderr is not a TTY, nor with --no-progress', () => {
    for (const [tty, enabled] of [
      [false, true],
      [true, false],
    ] as const) {
      const s = sink(tty);
      const bar = createProgress({ total: 100, stream: s.stream, enabled, delayMs: 0 });
      for (let i = 0; i < 100; i++) bar.tick();
      bar.stop();
      expect(s.text()).toBe('');
    }
  });

  it('draws on a TTY once the delay has passed, and not before', () => {
    const quiet = sink(true);
    const late = createProgress({ total: 10, stream: quiet.stream, delayMs: 60_000 });
    late.tick(5);
    late.stop();
    expect(quiet.text()).toBe('');
    const s = sink(true);
    const bar = createProgress({ total: 10, stream: s.stream, delayMs: 0, label: 'stats' });
    bar.tick(5);
    bar.stop();
    expect(s.text()).toContain('stats [');
  });

  it("never changes the terminal's modes (a Ctrl-C then leaves nothing to restore), and clears its line on exit", () => {
    const s = sink(true);
    const exitListeners = process.listenerCount('exit');
    const bar = createProgress({ total: 1000, stream: s.stream, delayMs: 0, label: 'audit', unit: 'bytes' });
    for (let i = 0; i < 100; i++) bar.tick(10);
    // Drawn, and ready to clear its line if the process exits before stop().
    expect(s.text()).toContain('audit [');
    expect(process.listenerCount('exit')).toBe(exitListeners + 1);
    bar.stop();
    expect(process.listenerCount('exit')).toBe(exitListeners);
    // No hidden cursor (ESC[?25l) and no line wrap off (ESC[?7l): what a killed process left broken.
    expect(s.text()).not.toMatch(/\x1b\[\?(25|7)[lh]/);
  });
});

describe.skipIf(!HAVE_SHARED)('kseg stats on the real-broker corpus', () => {
  it('per-partition records equal the manifest; aborted records equal the aborted sends', () => {
    const rows = manifest(resolve(SHARED, 'corpus/manifest.jsonl'));
    const { result: s } = computeStats(resolve(SHARED, 'corpus/kafka-logs'));
    const sent = new Map<string, number>();
    for (const r of rows) sent.set(`${r.topic}-${r.partition}`, (sent.get(`${r.topic}-${r.partition}`) ?? 0) + 1);
    let compared = 0;
    for (const row of s.partitions) {
      if (row.name.startsWith('__') || row.name.startsWith('compacted')) continue;
      expect(row.records - row.controlRecords, row.name).toBe(sent.get(row.name));
      compared++;
    }
    expect(compared).toBe(26);
    expect(s.transactions.abortedRecords).toBe(rows.filter((r) => r.txn === 'abort').length);
    expect(s.transactions.committed + s.transactions.aborted).toBe(40);
    expect(s.crcErrors).toBe(0);
    expect(s.problems).toEqual([]);
    expectValid('kafka-logs', 'logdir', s);
  });

  it('idempotent-0: one producer, its epochs, and zstd compression', () => {
    const { result: s } = computeStats(resolve(SHARED, 'corpus/kafka-logs/idempotent-0'));
    expect(s.producers).toHaveLength(1);
    expect(s.producers[0]).toMatchObject({ transactional: false, records: s.records, firstOffset: 0, lastOffset: s.records - 1 });
    expect(s.producers[0]!.epochs.length).toBeGreaterThan(0);
    expect(s.codecs.map((c) => c.codec)).toEqual(['zstd']);
  });

  it('a KRaft cluster metadata log validates and counts its control records', () => {
    const { result: s } = computeStats(resolve(SHARED, 'kraft/gritlab/__cluster_metadata-0'));
    expect(s.records).toBeGreaterThan(0);
    expect(s.controlRecords).toBeGreaterThan(0);
    expectValid('__cluster_metadata-0', 'partition', s);
  });
});
