import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { buildKsegProgram } from '../src/cli/kseg.js';
import { defaultLogDir, lsSummary } from '../src/cli/ls.js';
import { readBatches } from '../src/io/batches.js';
import { readLogDir } from '../src/io/logdir.js';
import { type LogDirSummary, summarizeLogDir } from '../src/io/log-summary.js';
import { toJson } from '../src/view/json.js';
import { lsJson, lsTable } from '../src/view/ls.js';
import { FIXTURES, HAVE_SHARED, REPO, SHARED } from './helpers.js';

const validateLs = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(resolve(REPO, 'schema/ls.schema.json'), 'utf8')));

/** Validates the JSON as a consumer would see it (through toJson, so bigints become strings). */
function expectValid(summary: LogDirSummary): Record<string, unknown> {
  const doc = JSON.parse(toJson(lsJson(summary))) as Record<string, unknown>;
  const ok = validateLs(doc);
  expect(validateLs.errors ?? [], JSON.stringify(validateLs.errors?.slice(0, 3))).toEqual([]);
  expect(ok).toBe(true);
  return doc;
}

/** Records per partition by a full deep walk (every batch decoded, decompressed if needed). */
function deepCounts(logdir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of readLogDir(logdir).partitions) {
    let n = 0;
    for (const s of p.segments) if (s.log) for (const b of readBatches(s.log)) n += b.records().records.length;
    out.set(p.name, n);
  }
  return out;
}

/** Rows of a recorded DumpLogSegments jobs.tsv: outputs, exit code, arguments. */
interface Job {
  out: string;
  err: string;
  code: number;
  args: string[];
}
function jobs(file: string): Job[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [out, err, code, ...args] = l.split('\t');
      return { out: out!, err: err!, code: Number(code), args };
    });
}

/** Manifest rows per `topic-partition`. */
function manifestCounts(file: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { topic: string; partition: number };
    const k = `${r.topic}-${r.partition}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/**
 * Checks a summary against Kafka 4.3's recorded DumpLogSegments output: per segment, the number
 * of batch lines, the first batch's base offset (v2) and the last batch's last offset; the deep
 * record lines; and the --index-sanity-check verdict and message of every index.
 */
function checkAgainstDump(summary: LogDirSummary, jobsFile: string, expectedBase: string, dataBase: string, prefix = ''): { segments: number; indexes: number } {
  const all = jobs(jobsFile).filter((j) => j.args.length > 0 && j.args[j.args.length - 1]!.startsWith(prefix));
  const bySegment = new Map(summary.partitions.flatMap((p) => p.segments.map((s) => [s.log, s] as const)));
  const deepByPartition = new Map<string, number>();
  let segments = 0;
  let indexes = 0;
  for (const job of all) {
    const file = job.args[job.args.length - 1]!;
    const abs = resolve(dataBase, file);
    if (job.out.endsWith('.log.shallow.out')) {
      const seg = bySegment.get(abs);
      expect(seg, abs).toBeDefined();
      const lines = readFileSync(resolve(expectedBase, job.out), 'utf8').split('\n');
      const v2 = lines.filter((l) => l.startsWith('baseOffset: '));
      const legacy = lines.filter((l) => l.startsWith('offset: '));
      expect(seg!.batches, abs).toBe(v2.length + legacy.length);
      if (v2.length > 0) {
        expect(String(seg!.firstOffset)).toBe(/^baseOffset: (\d+)/.exec(v2[0]!)![1]);
        expect(String(seg!.lastOffset)).toBe(/lastOffset: (\d+)/.exec(v2[v2.length - 1]!)![1]);
      } else if (legacy.length > 0) {
        expect(String(seg!.lastOffset)).toBe(/^offset: (\d+)/.exec(legacy[legacy.length - 1]!)![1]);
      } else {
        expect(seg!.firstOffset).toBeNull();
      }
      // A segment's base offset never exceeds its first record's offset.
      if (seg!.firstOffset !== null) expect(BigInt(seg!.firstOffset) >= BigInt(seg!.baseOffset)).toBe(true);
      segments++;
    } else if (job.out.endsWith('.log.deep.out')) {
      const n = readFileSync(resolve(expectedBase, job.out), 'utf8').split('\n').filter((l) => l.startsWith('| offset: ')).length;
      const part = abs.split('/').slice(-2)[0]!;
      deepByPartition.set(part, (deepByPartition.get(part) ?? 0) + n);
    } else if (job.args[0] === '--index-sanity-check') {
      const seg = bySegment.get(abs.replace(/\.(time)?index$/, '.log'));
      expect(seg, abs).toBeDefined();
      const idx = abs.endsWith('.timeindex') ? seg!.timeIndex : seg!.offsetIndex;
      expect(idx, abs).not.toBeNull();
      expect(idx!.ok, abs).toBe(job.code === 0);
      if (job.code !== 0) {
        // Kafka's exception message, with the absolute path of its working folder as @CWD@.
        const err = readFileSync(resolve(expectedBase, job.err), 'utf8');
        expect(err).toContain(idx!.error!.split(dataBase).join('@CWD@'));
        // Every failure in a real broker's dir is a preallocated index of the active segment.
        expect(idx!.preallocated && seg!.active, abs).toBe(true);
        expect(seg!.indexVerdict).toBe('preallocated');
      }
      indexes++;
    }
  }
  // Kafka's deep iteration prints one line per record (control records included).
  for (const [part, n] of deepByPartition) {
    const p = summary.partitions.find((x) => x.name === part)!;
    if (p.segments.every((s) => all.some((j) => j.out.endsWith('.log.deep.out') && resolve(dataBase, j.args[j.args.length - 1]!) === s.log))) {
      expect(p.records, part).toBe(n);
    }
  }
  return { segments, indexes };
}

describe('kseg ls on fixtures/kafka-logs', () => {
  const logdir = resolve(FIXTURES, 'kafka-logs');
  const summary = summarizeLogDir(logdir);

  it('counts per partition equal a full deep walk, and the manifest where nothing was compacted', () => {
    const deep = deepCounts(logdir);
    const manifest = manifestCounts(resolve(FIXTURES, 'manifest.jsonl'));
    expect(summary.partitions.map((p) => p.name)).toEqual([...deep.keys()]);
    for (const p of summary.partitions) {
      expect(p.records, p.name).toBe(deep.get(p.name));
      if (p.name !== 'compacted-0') expect(p.records - p.controlRecords, p.name).toBe(manifest.get(p.name));
    }
    // txn-0 carries one marker per transaction (40) besides its 1000 data records.
    expect(summary.partitions.find((p) => p.name === 'txn-0')!.controlRecords).toBe(40);
  });

  it('agrees with DumpLogSegments batch lines and index sanity checks', () => {
    const r = checkAgainstDump(summary, resolve(FIXTURES, 'expected-corpus/expected/kafka-4.3/jobs.tsv'), resolve(FIXTURES, 'expected-corpus'), FIXTURES);
    expect(r.segments).toBeGreaterThan(30);
    expect(r.indexes).toBeGreaterThan(70);
  });

  it('decodes the small files and labels cleaner leftovers', () => {
    expect(summary.meta).toMatchObject({ 'broker.id': '0' });
    const compacted = summary.partitions.find((p) => p.name === 'compacted-0')!;
    expect(compacted.leftovers.length).toBe(readdirSync(compacted.path).filter((f) => f.endsWith('.deleted')).length);
    expect(compacted.leftovers.every((l) => l.kind === 'deleted')).toBe(true);
    expect(compacted.checkpoints['cleaner-offset-checkpoint']).toBeDefined();
    const plain = summary.partitions.find((p) => p.name === 'plain-0')!;
    expect(plain.leaderEpochs).toEqual([{ epoch: 0, startOffset: 0 }]);
    // The replication checkpoint (high watermark) is the next offset after the last record.
    expect(plain.checkpoints['replication-offset-checkpoint']).toBe(Number(plain.lastOffset) + 1);
    const table = lsTable(summary);
    expect(table).toContain('117 .deleted');
    expect(table).toContain('plain-0');
  });

  it('legacy compressed counts by offset span match --exact decompression', () => {
    const exact = summarizeLogDir(logdir, { exactLegacyCounts: true });
    for (const p of summary.partitions) {
      const e = exact.partitions.find((x) => x.name === p.name)!;
      expect(e.recordsExact).toBe(true);
      expect(p.records).toBe(e.records);
      expect(p.recordsExact).toBe(!p.segments.some((s) => s.magics.some((m) => m < 2) && s.codecs.some((c) => c !== 'none')));
    }
  });

  it('JSON validates against schema/ls.schema.json', () => {
    const doc = expectValid(summary);
    expect((doc['totals'] as { partitions: number }).partitions).toBe(7);
  });

  it('a KRaft metadata log dir: quorum-state and partition.metadata decoded', () => {
    const k = summarizeLogDir(resolve(FIXTURES, 'kraft/gritlab'));
    const meta = k.partitions.find((p) => p.name === '__cluster_metadata-0')!;
    expect(meta.quorumState).toMatchObject({ leaderId: 1 });
    expect(meta.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(meta.records).toBe(deepCounts(resolve(FIXTURES, 'kraft/gritlab')).get('__cluster_metadata-0'));
    expect(meta.records).toBeGreaterThan(0);
    expectValid(k);
  });
});

describe('kseg ls: damaged copies', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kseg-ls-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('names the file and byte position of a bad entry and goes on with the other partitions', () => {
    cpSync(resolve(FIXTURES, 'kafka-logs'), join(tmp, 'logs'), { recursive: true });
    const seg = join(tmp, 'logs/plain-0/00000000000000000189.log');
    const bytes = readFileSync(seg);
    // Batch 2 of the segment starts after batch 1; make its size field below the minimum.
    const first = bytes.readInt32BE(8) + 12;
    bytes.writeInt32BE(3, first + 8);
    writeFileSync(seg, bytes);
    // A corrupt time index: last timestamp below the first.
    const ti = join(tmp, 'logs/plain-0/00000000000000000000.timeindex');
    const t = readFileSync(ti);
    t.writeBigInt64BE(1n, t.length - 12);
    writeFileSync(ti, t);
    const s = summarizeLogDir(join(tmp, 'logs'));
    const plain = s.partitions.find((p) => p.name === 'plain-0')!;
    expect(plain.problems).toContainEqual(expect.objectContaining({ file: seg, position: first }));
    expect(plain.indexVerdict).toBe('failed');
    expect(plain.segments[0]!.timeIndex!.error).toContain('which is less than the first timestamp');
    expect(s.partitions.find((p) => p.name === 'rd-zstd-0')!.records).toBe(1200);
    expect(lsTable(s)).toContain(`at byte ${first}`);
    expectValid(s);
  });

  it('--config takes the first of log.dirs; the default is /tmp/kafka-logs', () => {
    const cfg = join(tmp, 'server.properties');
    writeFileSync(cfg, `# broker\nbroker.id=0\nlog.dirs=${FIXTURES}/kafka-logs, /elsewhere\n`);
    expect(defaultLogDir(cfg)).toBe(`${FIXTURES}/kafka-logs`);
    expect(defaultLogDir(undefined)).toBe('/tmp/kafka-logs');
    writeFileSync(cfg, 'broker.id=0\n');
    expect(() => defaultLogDir(cfg)).toThrow(/log.dirs/);
  });

  it('the CLI prints JSON for a log dir and a single partition folder', async () => {
    const out: string[] = [];
    await buildKsegProgram({ out: (s) => out.push(s), err: () => {}, color: false }).parseAsync(['node', 'kseg', 'ls', '--format', 'json', '--no-progress', resolve(FIXTURES, 'kafka-logs/txn-0')]);
    const doc = JSON.parse(out.join('')) as { partitions: Array<{ name: string; records: number }> };
    expect(doc.partitions.map((p) => p.name)).toEqual(['txn-0']);
    expect(doc.partitions[0]!.records).toBe(lsSummary(resolve(FIXTURES, 'kafka-logs/txn-0')).partitions[0]!.records);
  });
});

describe.skipIf(!HAVE_SHARED)('kseg ls on the real-broker corpus and KRaft dirs', () => {
  const corpus = resolve(SHARED, 'corpus');
  const manifest = HAVE_SHARED ? manifestCounts(resolve(corpus, 'manifest.jsonl')) : new Map<string, number>();

  for (const name of ['kafka-logs', 'live-logs']) {
    it(`${name}: counts equal a deep walk and the manifest; batch lines and index checks equal Kafka's`, () => {
      const logdir = resolve(corpus, name);
      const s = summarizeLogDir(logdir);
      expect(s.partitions.length).toBe(31);
      const deep = deepCounts(logdir);
      let compared = 0;
      for (const p of s.partitions) {
        expect(p.records, p.name).toBe(deep.get(p.name));
        if (p.topic.startsWith('__') || p.topic === 'compacted') continue;
        // Aborted transactional records are on disk and in the manifest (txn "abort").
        expect(p.records - p.controlRecords, p.name).toBe(manifest.get(p.name));
        compared++;
      }
      expect(compared).toBe(26);
      const r = checkAgainstDump(s, resolve(corpus, 'expected/kafka-4.3/jobs.tsv'), corpus, corpus, `${name}/`);
      expect(r.segments).toBeGreaterThan(50);
      expectValid(s);
      if (name === 'live-logs') {
        // The running broker's active segments have preallocated indexes: labelled, not failed.
        expect(s.partitions.filter((p) => p.indexVerdict === 'preallocated').length).toBeGreaterThan(10);
        expect(s.partitions.some((p) => p.indexVerdict === 'failed')).toBe(false);
      }
    });
  }

  for (const name of HAVE_SHARED ? readdirSync(resolve(SHARED, 'kraft')).filter((d) => existsSync(resolve(SHARED, 'kraft', d, 'meta.properties'))) : []) {
    it(`kraft/${name}: counts equal a deep walk, JSON validates, index checks equal Kafka's`, () => {
      const logdir = resolve(SHARED, 'kraft', name);
      const s = summarizeLogDir(logdir);
      const deep = deepCounts(logdir);
      for (const p of s.partitions) expect(p.records, p.name).toBe(deep.get(p.name));
      expect(s.partitions.find((p) => p.name === '__cluster_metadata-0')?.quorumState).not.toBeNull();
      expectValid(s);
      // The kraft jobs name files as <dir>/<partition>/<file>, relative to kraft/.
      const r = checkAgainstDump(s, resolve(SHARED, 'kraft/expected/kafka-4.3/jobs.tsv'), resolve(SHARED, 'kraft'), resolve(SHARED, 'kraft'), `${name}/`);
      expect(r.segments).toBeGreaterThan(0);
    });
  }

  // Its speed (under a second for this log dir) is measured by `npm run bench`, not in a timed test.
  it('lists all 31 partitions of the corpus from batch headers', () => {
    const s = lsSummary(resolve(corpus, 'kafka-logs'), { progress: false });
    expect(lsTable(s)).toContain('31 partitions');
    expect(s.partitions.length).toBe(31);
  });
});
