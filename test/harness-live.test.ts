import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, KAFKA_VERSION, startBroker } from '../scripts/kafka-lib.mjs';
import { auditPath } from '../src/audit/index.js';
import { decodeGroupCoordinatorRecord } from '../src/format/schema/index.js';
import { parseOffsetCheckpoint } from '../src/format/text-files.js';
import { readBatches } from '../src/io/batches.js';
import { allowRemote, kafkaClientMissing, loadKafka } from '../src/harness/client.js';
import { consumeRun } from '../src/harness/consume.js';
import { readConsumeLog } from '../src/harness/consume-log.js';
import { waitForFlush } from '../src/harness/flush.js';
import { type ManifestRow, readManifest } from '../src/harness/manifest.js';
import { type ProduceSummary, produceWorkload } from '../src/harness/produce.js';
import { GOOD_CLASSES, type VerifyReport, verifyRun } from '../src/harness/verify.js';
import { PROFILES, type ProfileName, buildWorkload } from '../src/harness/workload.js';
import {
  type BatchAt,
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
  rewriteMarker,
  swapAdjacent,
  tearInside,
} from './harness-faults.js';
import { REPO } from './helpers.js';
import { HAVE_KAFKA, KAFKA_MISSING, ensureKafka } from './real-kafka.js';

/**
 * The harness end to end against the real Kafka (kafka/pom.xml's version): a single-node KRaft
 * broker started here (or an external one: KAFKA_BOOTSTRAP and KAFKA_LOG_DIRS), every workload
 * profile produced through the live client, the run read back through a consumer group, the broker
 * stopped cleanly, then `verify` over its log.dirs: every acked record intact (compaction:
 * superseded allowed, and the cleaner must have run), every committed offset found in
 * __consumer_offsets. Then fault injection on copies of those real files: each fault caught as its
 * own class and nothing else.
 */
const EXTERNAL = process.env['KAFKA_BOOTSTRAP'] && process.env['KAFKA_LOG_DIRS'] ? { bootstrap: process.env['KAFKA_BOOTSTRAP'], logDirs: process.env['KAFKA_LOG_DIRS'].split(',') } : null;
const CLIENT_MISSING = await kafkaClientMissing();
const SKIP = CLIENT_MISSING ?? (EXTERNAL || HAVE_KAFKA ? null : KAFKA_MISSING.join('; '));
if (SKIP) console.warn(`[kseg tests] harness live tests skipped: ${SKIP}.`);

const RUN = `live${Date.now().toString(36)}`;
const PREFIX = `kseg-${RUN}-`;
const GROUP = `kseg-${RUN}-group`;
/** The run's manifests and logs; made by the first beforeAll, so a skipped file leaves nothing behind. */
let tmp = '';
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

const manifestOf = (p: ProfileName) => join(tmp, `${p}.ndjson`);
const consumeLog = () => join(tmp, 'consumed.ndjson');

function rowsOf(...profiles: ProfileName[]): ManifestRow[] {
  return profiles.flatMap((p) => readManifest(manifestOf(p)));
}

/** No bad record, no unexplained gap, every record intact (compaction: or superseded). */
function expectClean(r: VerifyReport, rows: ManifestRow[], allowSuperseded = false) {
  expect(r.findings.filter((f) => !GOOD_CLASSES.has(f.class)).map((f) => `${f.class} line ${f.line}: ${f.detail}`)).toEqual([]);
  expect(r.totals.unexplainedGaps).toBe(0);
  expect(r.totals.byClass.intact + (allowSuperseded ? r.totals.byClass.superseded : 0)).toBe(rows.length);
  expect(r.ok).toBe(true);
}

function kseg(args: string[]) {
  const r = spawnSync(process.execPath, [resolve(REPO, 'bin/kseg.js'), ...args], { cwd: tmp, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(SKIP !== null)(`the harness live against Kafka ${KAFKA_VERSION}${EXTERNAL ? ` (external broker ${EXTERNAL.bootstrap})` : ''}`, () => {
  let broker: Broker | null = null;
  let bootstrap: string[];
  let logDirs: string[];
  const produced = new Map<ProfileName, ProduceSummary>();
  const timings: string[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'kseg-harness-live-'));
    temps.push(tmp);
    // `npm ci` builds dist/ in `prepare`; a developer running vitest directly may not have.
    if (!existsSync(resolve(REPO, 'dist/bundle/kseg.js'))) {
      const b = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
      if (b.status !== 0) throw new Error(`build failed: ${b.stdout}${b.stderr}`);
    }
    if (EXTERNAL) {
      bootstrap = allowRemote(EXTERNAL.bootstrap);
      logDirs = EXTERNAL.logDirs;
      return;
    }
    ensureKafka();
    const t0 = Date.now();
    broker = await startBroker({ workDir: mkdtempSync(join(tmpdir(), 'kseg-harness-broker-')) });
    temps.push(broker.workDir);
    timings.push(`broker start ${Date.now() - t0} ms`);
    bootstrap = [broker.bootstrap];
    logDirs = [broker.logDir];
  }, 180_000);

  afterAll(async () => {
    await broker?.stop();
    if (timings.length > 0) console.log(`[harness live] ${timings.join(', ')}`);
  }, 180_000);

  it("a topic config Kafka 4.x refuses: the error names the broker's error code and message", async () => {
    const w = buildWorkload('compaction', { run: RUN, records: 5, topicPrefix: `${PREFIX}refused-`, baseTimestamp: Date.now() });
    w.topics[0]!.configs['segment.bytes'] = String(16 * 1024);
    await expect(produceWorkload(w, { bootstrap, manifestPath: join(tmp, 'refused.ndjson') })).rejects.toThrow(
      new RegExp(`creating topic ${PREFIX}refused-compacted: .*CreateTopics.*INVALID_CONFIG \\(error code 40\\): .*segment\\.bytes.*1048576`),
    );
  });

  it.each(PROFILES)('%s: every send acked', async (profile) => {
    const w = buildWorkload(profile, { seed: 3, run: RUN, topicPrefix: PREFIX, baseTimestamp: Date.now() });
    const t0 = Date.now();
    const s = await produceWorkload(w, { bootstrap, manifestPath: manifestOf(profile) });
    timings.push(`${profile} ${s.records} records ${Date.now() - t0} ms`);
    produced.set(profile, s);
    expect(s.errorCounts).toEqual([]);
    expect(s.transactionErrors).toEqual([]);
    expect(s.acked).toBe(s.records);
    expect(s.records).toBe(w.producers.reduce((n, p) => n + p.records.length, 0));
    expect(await waitForFlush(logDirs, s.partitions, { timeoutMs: 60_000 })).toEqual([]);
  });

  it('kseg harness run (the command): produces, verifies the live files, exits 0 with an OK report', () => {
    const r = kseg(['harness', 'run', '--bootstrap', bootstrap.join(','), '--profile', 'tutorial', '--records', '120', '--topic-prefix', `${PREFIX}cli-`, '--manifest', 'cli.ndjson', '--log-dirs', logDirs.join(',')]);
    expect(r.stdout.split('\n')[0]).toMatch(/^kseg harness run: OK — 120 sent, 120 acked, 0 failed; on disk: 120 records, 0 bad, 0 unexplained offset gaps$/);
    expect(r.code).toBe(0);
  });

  it('kseg harness run whose sends fail: FAILED with the broker error, exit 1, though the files hold no bad record', async () => {
    // A topic that exists with the broker's 1 MiB segments: a batch of several MiB cannot be appended.
    const kafka = await loadKafka();
    const admin = new kafka.Admin({ clientId: 'kseg-test', bootstrapBrokers: bootstrap });
    await admin.createTopics({ topics: [`${PREFIX}small-large`], partitions: 1, replicas: 1, configs: [{ name: 'max.message.bytes', value: String(9 * 1024 * 1024) }] });
    await admin.close();
    const r = kseg(['harness', 'run', '--bootstrap', bootstrap.join(','), '--profile', 'large', '--records', '1', '--topic-prefix', `${PREFIX}small-`, '--manifest', 'failing.ndjson', '--log-dirs', logDirs.join(',')]);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('kseg harness run: FAILED — 1 sent, 0 acked, 1 failed; on disk: 1 records, 0 bad, 0 unexplained offset gaps');
    expect(lines[1]).toMatch(/^send error \(1 records\): .*Produce.*RECORD_LIST_TOO_LARGE \(error code 18\)/);
    expect(r.stderr).toContain(`topic ${PREFIX}small-large exists with other configs than the profile's: segment.bytes=1048576 (profile: 16777216)`);
    expect(r.code).toBe(1);
  });

  it('consume through a group: records read back, offsets committed', async () => {
    const topics = [...new Set(rowsOf(...PROFILES).map((r) => r.topic))];
    const t0 = Date.now();
    const c = await consumeRun({ bootstrap, group: GROUP, topics, logPath: consumeLog(), idleMs: 3000, commitEvery: 100 });
    timings.push(`consume ${c.records} records ${Date.now() - t0} ms`);
    expect(c.records).toBeGreaterThan(0);
    expect(c.commits).toBeGreaterThan(0);
  });

  it.skipIf(EXTERNAL !== null)('the cleaner compacts the compaction topic, then the broker stops cleanly', async () => {
    const cleaned = () => {
      const p = join(logDirs[0]!, 'cleaner-offset-checkpoint');
      if (!existsSync(p)) return 0;
      const e = parseOffsetCheckpoint(readFileSync(p, 'utf8')).entries.find((x) => x.topic === `${PREFIX}compacted` && x.partition === 0);
      return e ? Number(e.offset) : 0;
    };
    const deadline = Date.now() + 60_000;
    while (cleaned() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(cleaned()).toBeGreaterThan(0);
    const t0 = Date.now();
    await broker!.stop();
    timings.push(`clean stop ${Date.now() - t0} ms`);
    // A controlled shutdown leaves LogManager's clean-shutdown marker in the log dir.
    expect(existsSync(join(logDirs[0]!, '.kafka_cleanshutdown'))).toBe(true);
  });

  it.each(PROFILES.filter((p) => p !== 'compaction'))('verify %s over the broker\'s log.dirs: every acked record intact', (profile) => {
    const rows = rowsOf(profile);
    expectClean(verifyRun(rows, logDirs), rows);
  });

  it('verify compaction: every record intact or superseded by a later write of its key, and the cleaner removed some', () => {
    const rows = rowsOf('compaction');
    const r = verifyRun(rows, logDirs);
    expectClean(r, rows, true);
    if (!EXTERNAL) expect(r.totals.byClass.superseded).toBeGreaterThan(0);
    // Every key's last write survives unless it is a tombstone.
    const last = new Map<string, number>();
    rows.forEach((x, i) => last.set(x.key!, i + 1));
    const superseded = new Set(r.findings.filter((f) => f.class === 'superseded').map((f) => f.line));
    for (const [, line] of last) if (rows[line - 1]!.value !== null) expect(superseded.has(line)).toBe(false);
  });

  it('verify transactions: one COMMIT or ABORT marker per transaction and partition, .txnindex lists the aborted ones', () => {
    const rows = rowsOf('transactions');
    const r = verifyRun(rows, logDirs);
    expectClean(r, rows);
    for (const p of r.partitions) {
      const txns = new Map<number, string>();
      for (const x of rows) if (x.partition === p.partition) txns.set(x.txnId!, x.txn!);
      const want = { COMMIT: [...txns.values()].filter((t) => t === 'commit').length, ABORT: [...txns.values()].filter((t) => t === 'abort').length };
      expect(want.ABORT).toBeGreaterThan(0);
      expect(p.replicas[0]!.markers).toEqual({ ...want, other: 0 });
      expect(p.replicas[0]!.abortedTxns).toBe(want.ABORT);
    }
  });

  it('verify with the consume log: everything deliverable was delivered, every committed offset is in __consumer_offsets', () => {
    const rows = rowsOf(...PROFILES);
    const events = readConsumeLog(consumeLog());
    const r = verifyRun(rows, logDirs, { consumeLog: events });
    expect(r.consumer!.isolation).toBe('read_committed');
    expect(r.consumer!.undelivered).toBe(0);
    expect(r.consumer!.offsets.length).toBeGreaterThanOrEqual(r.partitions.length);
    expect(r.consumer!.offsets.filter((o) => !o.match)).toEqual([]);
    // Aborted records a read_committed consumer received, counted from the manifest and the log
    // alone: @platformatic/kafka 1.35.0 keeps one aborted range per producer and fetch, so it
    // delivers most aborted records (84 of 92 in the transactions profile). Each is reported.
    const got = new Set(events.flatMap((e) => (e.type === 'record' ? [`${e.topic}/${e.partition}/${e.offset}`] : [])));
    const aborted = rows.filter((x) => x.txn === 'abort' && got.has(`${x.topic}/${x.partition}/${x.offset}`)).length;
    timings.push(`read_committed consumer got ${aborted} of ${rows.filter((x) => x.txn === 'abort').length} aborted records`);
    expect(r.totals.byClass['aborted-delivered']).toBe(aborted);
    expect(r.findings.filter((f) => !GOOD_CLASSES.has(f.class) && f.class !== 'aborted-delivered')).toEqual([]);
    expect(r.ok).toBe(aborted === 0);
  });

  it.skipIf(EXTERNAL !== null)("kseg audit over the stopped broker's log.dirs: no anomaly", () => {
    const a = auditPath(logDirs[0]!);
    expect(a.anomalies.map((x) => `${x.class} ${x.file}@${x.position}: ${x.detail}`)).toEqual([]);
  });

  describe.skipIf(EXTERNAL !== null)("fault injection on copies of the stopped broker's files", () => {
    const tut = `${PREFIX}user_activities`;
    /** A copy of the log dir with only these topics' partition folders (and the top-level files). */
    const copyOf = (...topics: string[]) => copyLogDir(logDirs[0]!, temps, readdirSync(logDirs[0]!).filter((n) => topics.some((t) => n.startsWith(`${t}-`))));
    /** The tutorial partition with the most batches (all in one segment at this size). */
    const tutorialPartition = () => [0, 1, 2].map((p) => ({ p, n: batchesOf(join(logDirs[0]!, `${tut}-${p}`)).length })).sort((a, b) => b.n - a.n)[0]!.p;

    it('a batch cut out of a segment: its records lost, nothing else', () => {
      const rows = rowsOf('tutorial');
      const p = tutorialPartition();
      const logs = copyOf(tut);
      const victim = middleBatch(batchesOf(join(logs, `${tut}-${p}`)));
      removeBatch(victim);
      expectOnly(verifyRun(rows, [logs]), rows, linesIn(rows, tut, victim.baseOffset, victim.lastOffset, p), 'lost');
    });

    it('a flipped bit in a value: that record corrupted (value), its batch-mates (crc), nothing else', () => {
      const topic = `${PREFIX}codec-none`;
      const rows = rowsOf('codecs').filter((x) => x.topic === topic);
      const logs = copyOf(topic);
      const target = flipValueByte(join(logs, `${topic}-0`));
      const r = verifyRun(rows, [logs]);
      expectOnly(r, rows, linesIn(rows, topic, target.base, target.last), 'corrupted');
      for (const f of r.findings) expect(f.fields).toEqual(f.offset === target.offset ? ['value'] : ['crc']);
    });

    it('a batch stored twice: duplicate, cause retry for the plain producer, idempotence-failure for the idempotent one', () => {
      for (const [profile, topic, cause] of [
        ['tutorial', tut, 'retry'],
        ['idempotent', `${PREFIX}idempotent`, 'idempotence-failure'],
      ] as const) {
        const rows = rowsOf(profile);
        const logs = copyOf(topic);
        const bs = batchesOf(join(logs, `${topic}-0`));
        const victim = bs[Math.floor(bs.length / 2)]!;
        appendCopy(victim, bs[bs.length - 1]!);
        const r = verifyRun(rows, [logs]);
        expectOnly(r, rows, linesIn(rows, topic, victim.baseOffset, victim.lastOffset), 'duplicate');
        for (const f of r.findings) expect(f.cause).toBe(cause);
      }
    });

    it('two batches swapped, offsets rewritten: misplaced, nothing else', () => {
      const rows = rowsOf('tutorial');
      const p = tutorialPartition();
      const logs = copyOf(tut);
      const [a, b] = adjacentPair(batchesOf(join(logs, `${tut}-${p}`)));
      swapAdjacent(a, b);
      expectOnly(verifyRun(rows, [logs]), rows, misplacedBySwap(rows, tut, a, b, p), 'misplaced');
    });

    it('two batches swapped, verified against a manifest without acks (found by content in send order): reordered, nothing else', () => {
      const p = tutorialPartition();
      // What a producer that records no offsets (like Java's console producer) leaves.
      const rows = rowsOf('tutorial').map((x) => (x.partition === p ? { ...x, offset: null } : x));
      const acked = rowsOf('tutorial');
      const logs = copyOf(tut);
      const [a, b] = adjacentPair(batchesOf(join(logs, `${tut}-${p}`)));
      swapAdjacent(a, b);
      // The second batch's records, sent later, now sit before the first's.
      expectOnly(verifyRun(rows, [logs]), rows, linesIn(acked, tut, b.baseOffset, b.lastOffset, p), 'reordered');
    });

    /** A COMMIT marker of the txn topic with a marker before and after it in its segment, and that marker's partition. */
    const commitMarker = (logs: string, rows: ManifestRow[]): { m: BatchAt; prev: BatchAt; p: number } => {
      for (const p of [0, 1]) {
        const markers = batchesOf(join(logs, `${PREFIX}txn-${p}`)).filter((b) => b.isControl);
        const k = markers.findIndex((m, j) => j > 0 && j < markers.length - 1 && rows.some((x) => x.partition === p && x.offset === m.baseOffset - 1 && x.txn === 'commit'));
        if (k > 0) return { m: markers[k]!, prev: markers[k - 1]!, p };
      }
      throw new Error('no COMMIT marker between two others');
    };

    it('a COMMIT marker gone: its transaction txn-unmarked, one unexplained gap, nothing else', () => {
      const rows = rowsOf('transactions');
      const logs = copyOf(`${PREFIX}txn`);
      const { m, prev, p } = commitMarker(logs, rows);
      removeBatch(m);
      const r = verifyRun(rows, [logs]);
      expectOnly(r, rows, linesIn(rows, `${PREFIX}txn`, prev.baseOffset + 1, m.baseOffset - 1, p), 'txn-unmarked');
      expect(r.totals.unexplainedGaps).toBe(1);
    });

    it('a COMMIT marker rewritten as ABORT (valid CRC): its transaction txn-mismatch, nothing else', () => {
      const rows = rowsOf('transactions');
      const logs = copyOf(`${PREFIX}txn`);
      const { m, prev, p } = commitMarker(logs, rows);
      rewriteMarker(m, 'ABORT');
      const r = verifyRun(rows, [logs]);
      expectOnly(r, rows, linesIn(rows, `${PREFIX}txn`, prev.baseOffset + 1, m.baseOffset - 1, p), 'txn-mismatch');
      for (const f of r.findings) expect(f.detail).toMatch(/expected COMMIT, the transaction ends with ABORT/);
    });

    it('a replica torn inside a batch: the records from there on replica-missing, nothing else', () => {
      const rows = rowsOf('tutorial');
      const p = tutorialPartition();
      const a = copyOf(tut);
      const b = copyOf(tut);
      const cut = middleBatch(batchesOf(join(b, `${tut}-${p}`)));
      tearInside(cut);
      const r = verifyRun(rows, [a, b]);
      expectOnly(r, rows, linesIn(rows, tut, cut.baseOffset, Number.MAX_SAFE_INTEGER, p), 'replica-missing');
      expect(r.replicas.find((x) => x.partition === p)!.differences.every((d) => d.kind === 'missing' && d.logDirs[0] === b)).toBe(true);
    });

    it('a replica with a flipped bit: the batch replica-mismatch (intact on one, corrupted on the other), nothing else', () => {
      const topic = `${PREFIX}codec-none`;
      const rows = rowsOf('codecs').filter((x) => x.topic === topic);
      const a = copyOf(topic);
      const b = copyOf(topic);
      const target = flipValueByte(join(b, `${topic}-0`));
      const r = verifyRun(rows, [a, b]);
      expectOnly(r, rows, linesIn(rows, topic, target.base, target.last), 'replica-mismatch');
      for (const f of r.findings) expect(f.replicas!.map((x) => x.class)).toEqual(['intact', 'corrupted']);
      expect(r.replicas.find((x) => x.topic === topic)!.differences).toEqual([{ baseOffset: target.base, lastOffset: target.last, kind: 'bytes-differ', logDirs: [a, b] }]);
    });

    it('records the consumer never got (dropped from the consume log): undelivered, nothing else', () => {
      const rows = rowsOf('tutorial');
      const events = readConsumeLog(consumeLog());
      const p = tutorialPartition();
      const dropped = new Set(rows.filter((x) => x.topic === tut && x.partition === p).slice(0, 10).map((x) => x.offset));
      const kept = events.filter((e) => !(e.type === 'record' && e.topic === tut && e.partition === p && dropped.has(e.offset)));
      const r = verifyRun(rows, logDirs, { consumeLog: kept });
      expectOnly(r, rows, linesIn(rows, tut, Math.min(...(dropped as Set<number>)), Math.max(...(dropped as Set<number>)), p), 'undelivered');
      expect(r.consumer!.undelivered).toBe(10);
    });

    it("the batch of a group's last offset commit gone from __consumer_offsets: those partitions' commits mismatch, nothing else", () => {
      const rows = rowsOf('tutorial');
      const events = readConsumeLog(consumeLog());
      const logs = copyOf(tut, '__consumer_offsets');
      // Where the group's commits are: the last batch holding one of its OffsetCommit records.
      let last: { dir: string; batch: BatchAt; keys: string[] } | null = null;
      for (const dir of readdirSync(logs).filter((n) => n.startsWith('__consumer_offsets-'))) {
        const bs = batchesOf(join(logs, dir));
        for (const f of readdirSync(join(logs, dir)).filter((n) => n.endsWith('.log')).sort()) {
          for (const b of readBatches(join(logs, dir, f))) {
            if (b.header.format !== 'v2' || b.header.isControl) continue;
            const keys: string[] = [];
            for (const rec of b.records().records) {
              const d = decodeGroupCoordinatorRecord(rec.key!, rec.value);
              const k = d.data['key'] as { group?: string; topic?: string; partition?: number };
              if (d.typeName === 'OffsetCommit' && k.group === GROUP) keys.push(`${k.topic}/${k.partition}`);
            }
            if (keys.length > 0) last = { dir, batch: bs.find((x) => x.file === join(logs, dir, f) && x.position === b.header.position)!, keys };
          }
        }
      }
      expect(last).not.toBeNull();
      removeBatch(last!.batch);
      // The keys committed in that batch, except those committed again in a later one, now lag.
      const r = verifyRun(rows, [logs], { consumeLog: events });
      const mismatched = r.consumer!.offsets.filter((o) => !o.match).map((o) => `${o.topic}/${o.partition}`);
      expect(mismatched.sort()).toEqual([...new Set(last!.keys)].sort());
      expect(r.totals.groupOffsetMismatches).toBe(mismatched.length);
      expect(r.ok).toBe(false);
      expect(r.findings.filter((f) => !GOOD_CLASSES.has(f.class))).toEqual([]);
    });
  });
});
