import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DumpDriver, KAFKA_VERSION } from '../scripts/kafka-lib.mjs';
import { copyLogDir, modernCorpus } from '../scripts/modern-corpus.mjs';
import { type ModernJob, modernJobs } from '../scripts/modern-jobs.mjs';
import { dumpInProcess } from './helpers.js';
import { HAVE_KAFKA, ensureKafka } from './real-kafka.js';

/**
 * The modern corpus (scripts/modern-corpus.mjs: log dirs the real Kafka 4.3 broker and Kafka's Java clients
 * wrote, generated on first use and cached by the generator's inputs) in every mode: kafka-dump-log and the
 * real DumpLogSegments (one JVM, kafka/DumpDriver.java) on the same files give the same stdout, stderr and
 * exit code, byte for byte. Prints identical/total per mode; KSEG_SHOW_DIFFS=N shows N differences per mode
 * (default 10).
 */

/** What the corpus must hold, checked in the real tool's output (so the generator cannot silently lose it). */
const MUST_SHOW: Record<string, RegExp> = {
  'a batch with a delete horizon (compaction)': /deleteHorizonMs: OptionalLong\[\d+\]/,
  'a COMMIT marker': /endTxnMarker: COMMIT/,
  'an ABORT marker': /endTxnMarker: ABORT/,
  'a gzip batch': /compresscodec: gzip/,
  'a snappy batch': /compresscodec: snappy/,
  'an lz4 batch': /compresscodec: lz4/,
  'a zstd batch': /compresscodec: zstd/,
  'a LogAppendTime batch': /LogAppendTime: \d+/,
  'an idempotent producer after an epoch bump': /baseSequence: 0 lastSequence: \d+ producerId: \d+ producerEpoch: [1-9]\d* partitionLeaderEpoch: \d+ isTransactional: false/,
  'a deleted group or offset (tombstone)': /payload: <DELETE>/,
  'a KRaft snapshot header': /SnapshotHeader/,
};

/** Record types by decoder mode (the key's type for group records, the record name for metadata). */
const TYPES: Record<string, RegExp> = {
  offsets: /key: \{"type":"(\d+)"/g,
  txnlog: /key: \{"type":"(\d+)"/g,
  sharestate: /key: \{"type":"(\d+)"/g,
  metadata: /payload: \{"type":"([A-Z_]+)"/g,
  remotelog: /payload: (Remote\w+)\{/g,
};

describe.skipIf(!HAVE_KAFKA)(`modern corpus: kafka-dump-log and the real Kafka ${KAFKA_VERSION} DumpLogSegments`, () => {
  let root = '';
  let jobs: ModernJob[] = [];
  let driver: DumpDriver | undefined;
  const tally = new Map<string, { same: number; all: number }>();
  const seen = new Set<string>();
  const types = new Map<string, Set<string>>();

  beforeAll(async () => {
    ensureKafka();
    const cached = await modernCorpus({ log: (l) => console.log(`[modern-corpus] ${l}`) });
    // a copy: the real tool may create a missing index next to a segment, and nothing may change the cache
    root = join(mkdtempSync(join(tmpdir(), 'kseg-modern-test-')), 'corpus');
    copyLogDir(cached, root);
    jobs = modernJobs(root);
    driver = new DumpDriver({ cwd: root });
  }, 900_000);

  afterAll(() => {
    driver?.close();
    if (root) rmSync(dirname(root), { recursive: true, force: true });
    let same = 0;
    let all = 0;
    const per = [...tally.entries()].map(([m, t]) => {
      same += t.same;
      all += t.all;
      return `${m} ${t.same}/${t.all}`;
    });
    console.log(`[conformance] modern corpus (Kafka ${KAFKA_VERSION}): ${same}/${all} identical (${per.join(', ')}; * = a decoder on files it is not for)`);
  });

  async function runMode(mode: string, applies: boolean): Promise<void> {
    const mine = jobs.filter((j) => j.mode === mode && j.applies === applies);
    const key = `${mode}${applies ? '' : '*'}`;
    const t = { same: 0, all: 0 };
    tally.set(key, t);
    const failures: string[] = [];
    for (const job of mine) {
      const real = await driver!.run(job.args);
      const ours = dumpInProcess(job.args, root);
      const realOut = real.stdout.toString('utf8');
      t.all++;
      const outSame = ours.stdout.equals(real.stdout);
      const errSame = ours.stderr.equals(real.stderr);
      if (outSame && errSame && ours.code === real.code) t.same++;
      else failures.push(describeDifference(job, real, ours));
      for (const [what, re] of Object.entries(MUST_SHOW)) if (re.test(realOut)) seen.add(what);
      const typeRe = TYPES[mode];
      if (typeRe && applies) {
        const set = types.get(mode) ?? new Set<string>();
        types.set(mode, set);
        for (const m of realOut.matchAll(typeRe)) set.add(m[1]!);
      }
    }
    expect(mine.length).toBeGreaterThan(0);
    expect(failures.slice(0, Number(process.env.KSEG_SHOW_DIFFS ?? 10)).join('\n\n') + (failures.length > 10 ? `\n… and ${failures.length - 10} more` : '')).toBe('');
  }

  for (const mode of ['shallow', 'deep', 'data', 'skipmeta', 'plain', 'verify', 'sanity']) {
    it(`${mode}`, () => runMode(mode, true), 600_000);
  }
  for (const mode of ['offsets', 'txnlog', 'metadata', 'sharestate', 'remotelog']) {
    it(`${mode} (${mode === 'metadata' ? '__cluster_metadata and .checkpoint files' : 'its topic'})`, () => runMode(mode, true), 600_000);
  }
  for (const mode of ['offsets', 'txnlog', 'metadata', 'sharestate', 'remotelog']) {
    it(`${mode} on files it is not for`, () => runMode(mode, false), 600_000);
  }

  it('holds what Kafka 4.x writes (seen in the real tool output above)', () => {
    // the features in effect while the workload ran, as the broker reported them
    expect(readFileSync(join(root, 'generator.txt'), 'utf8')).toMatch(/transaction\.version=2 group\.version=1 share\.version=1 streams\.version=1/);
    expect(Object.keys(MUST_SHOW).filter((w) => !seen.has(w))).toEqual([]);
    const has = (mode: string) => [...(types.get(mode) ?? [])].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
    // __consumer_offsets: OffsetCommit (1), classic GroupMetadata (2), KIP-848 consumer groups (3, 5-8, 16),
    // share groups (10-13, 15), streams groups (17, 19-23)
    expect(has('offsets')).toEqual(expect.arrayContaining(['1', '2', '3', '5', '6', '7', '8', '10', '11', '12', '13', '15', '16', '17', '19', '20', '21', '22', '23']));
    expect(has('sharestate')).toEqual(expect.arrayContaining(['0', '1']));
    expect(has('txnlog')).toEqual(['0']);
    expect(has('remotelog')).toEqual(['RemoteLogSegmentMetadata', 'RemoteLogSegmentMetadataUpdate']);
    expect(has('metadata')).toEqual(
      expect.arrayContaining([
        'TOPIC_RECORD',
        'PARTITION_RECORD',
        'CONFIG_RECORD',
        'PARTITION_CHANGE_RECORD',
        'REMOVE_TOPIC_RECORD',
        'FEATURE_LEVEL_RECORD',
        'CLIENT_QUOTA_RECORD',
        'USER_SCRAM_CREDENTIAL_RECORD',
        'REMOVE_USER_SCRAM_CREDENTIAL_RECORD',
        'ACCESS_CONTROL_ENTRY_RECORD',
        'REMOVE_ACCESS_CONTROL_ENTRY_RECORD',
        'PRODUCER_IDS_RECORD',
        'REGISTER_BROKER_RECORD',
        'BROKER_REGISTRATION_CHANGE_RECORD',
        'NO_OP_RECORD',
      ]),
    );
    // several metadata log segments and KRaft snapshots
    const metadataFiles = (suffix: string) => new Set(jobs.filter((j) => j.file.startsWith('kafka-logs/__cluster_metadata-0/') && j.file.endsWith(suffix)).map((j) => j.file)).size;
    expect(metadataFiles('.log')).toBeGreaterThan(1);
    expect(metadataFiles('.checkpoint')).toBeGreaterThan(1);
    // the live copy's active segments have preallocated indexes; after the clean stop they are trimmed
    const size = (f: string) => statSync(join(root, f)).size;
    const active = jobs.find((j) => j.file.startsWith('live-logs/codec-zstd-0/') && j.file.endsWith('.index'))!.file;
    expect(size(active)).toBe(256 * 1024);
    expect(size(active.replace('live-logs/', 'kafka-logs/'))).toBeLessThan(256 * 1024);
    console.log(`[modern-corpus] record types: ${[...types.entries()].map(([m, s]) => `${m}: ${[...s].join(' ')}`).join('; ')}`);
  });
});

function describeDifference(job: ModernJob, real: { stdout: Buffer; stderr: Buffer; code: number | string }, ours: { stdout: Buffer; stderr: Buffer; code: number }): string {
  const lines: string[] = [`kafka-dump-log ${job.args.join(' ')}`];
  if (real.code !== ours.code) lines.push(`  exit: real ${real.code}, kseg ${ours.code}`);
  for (const [name, a, b] of [['stdout', real.stdout, ours.stdout], ['stderr', real.stderr, ours.stderr]] as const) {
    if (a.equals(b)) continue;
    const ra = a.toString('utf8').split('\n');
    const rb = b.toString('utf8').split('\n');
    let i = 0;
    while (i < ra.length && ra[i] === rb[i]) i++;
    lines.push(`  ${name} line ${i + 1} (of ${ra.length} / ${rb.length}):`, `    real: ${(ra[i] ?? '<end>').slice(0, 400)}`, `    kseg: ${(rb[i] ?? '<end>').slice(0, 400)}`);
  }
  return lines.join('\n');
}
