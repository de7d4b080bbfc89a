import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBatchHeader } from '../src/format/batch.js';
import { decodeBatchRecords } from '../src/format/record.js';
import { clientRetryDelay, hasKafkaError, kafkaClientMissing, kafkaErrorText, loadKafka } from '../src/harness/client.js';
import { readBatches } from '../src/io/batches.js';
import { ManifestWriter, parseManifest, readManifest } from '../src/harness/manifest.js';
import { assignOffsets, planRequests, plannedRow } from '../src/harness/produce.js';
import { verifyRun } from '../src/harness/verify.js';
import { FIXTURES } from './helpers.js';
import { ID_HEADER, PROFILES, buildWorkload, murmur2, partitionForKey } from '../src/harness/workload.js';

const tmp = mkdtempSync(join(tmpdir(), 'kseg-harness-w-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const all = (profile: (typeof PROFILES)[number], seed = 7) => buildWorkload(profile, { seed, records: profile === 'large' ? 2 : 60 });
const rowsOf = (w: ReturnType<typeof buildWorkload>) => w.producers.flatMap((p) => p.records.map((r) => plannedRow(r, w.profile)));

describe('workload generator', () => {
  it("murmur2 matches Kafka's Utils.murmur2 test vectors", () => {
    const v: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [s, h] of v) expect(murmur2(Buffer.from(s))).toBe(h);
  });

  it.each(PROFILES)('%s: the same seed gives the same records; another seed does not', (profile) => {
    const a = JSON.stringify(rowsOf(all(profile)));
    expect(JSON.stringify(rowsOf(all(profile)))).toBe(a);
    expect(JSON.stringify(rowsOf(all(profile, 8)))).not.toBe(a);
  });

  it.each(PROFILES)('%s: every record has a unique id, carried first in the kseg-id header', (profile) => {
    const w = all(profile);
    const ids = w.producers.flatMap((p) => p.records.map((r) => r.id));
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of w.producers) {
      p.records.forEach((r, i) => {
        expect(r.id).toBe(`${w.run}/${p.spec.name}/${i}`);
        expect(r.headers[0]![0]).toBe(ID_HEADER);
        expect(r.headers[0]![1]!.toString()).toBe(r.id);
        expect(w.topics.some((t) => t.name === r.topic && r.partition < t.partitions)).toBe(true);
      });
    }
  });

  it('profiles have the content they promise', () => {
    const tut = all('tutorial');
    expect(tut.topics).toEqual([{ name: 'kseg-user_activities', partitions: 3, configs: {} }]);
    for (const r of tut.producers[0]!.records) {
      const v = JSON.parse(r.value!.toString());
      expect(r.key!.toString()).toBe(`user-${v.user_id}`);
      expect(r.partition).toBe(partitionForKey(r.key!, 3));
    }
    expect(new Set(all('codecs').producers.map((p) => p.spec.compression))).toEqual(new Set(['none', 'gzip', 'snappy', 'lz4', 'zstd']));
    const hs = all('headers').producers[0]!.records.flatMap((r) => r.headers);
    expect(hs.some(([, v]) => v === null)).toBe(true);
    expect(hs.some(([k]) => /[^\x00-\x7f]/.test(k))).toBe(true);
    expect(all('headers').producers[0]!.records.some((r) => r.headers.filter(([k]) => k === 'dup').length === 2)).toBe(true);
    for (const r of all('large').producers[0]!.records) expect(r.value!.length).toBeGreaterThanOrEqual(1024 * 1024);
    expect(all('idempotent').producers[0]!.spec.idempotent).toBe(true);
    const tx = all('transactions').producers[0]!;
    expect(tx.spec.transactionalId).not.toBeNull();
    expect(new Set(tx.records.map((r) => r.txn))).toEqual(new Set(['commit', 'abort']));
    for (const r of tx.records) expect(tx.records.filter((x) => x.txnId === r.txnId).every((x) => x.txn === r.txn)).toBe(true);
    const cp = all('compaction');
    expect(cp.topics[0]!.configs['cleanup.policy']).toBe('compact');
    const recs = cp.producers[0]!.records;
    expect(recs.some((r) => r.value === null)).toBe(true);
    expect(new Set(recs.map((r) => r.key!.toString())).size).toBeLessThan(recs.length);
  });

  it('requests respect the batch size and never span two transactions', () => {
    const tx = all('transactions').producers[0]!;
    const reqs = planRequests(tx.spec, tx.records);
    expect(reqs.flat()).toEqual(tx.records);
    for (const q of reqs) expect(new Set(q.map((r) => r.txnId)).size).toBe(1);
    const t = all('tutorial').producers[0]!;
    const small = planRequests({ ...t.spec, batchBytes: 500 }, t.records);
    expect(small.length).toBeGreaterThan(planRequests(t.spec, t.records).length);
    expect(assignOffsets(t.records.slice(0, 4), [{ topic: t.records[0]!.topic, partition: t.records[0]!.partition, offset: 10n }]).filter((x) => x !== null)[0]).toBe(10);
  });
});

describe('manifest writer', () => {
  it('writes one line per ack that reads back identically (and verify reads it)', () => {
    const path = join(tmp, 'm.ndjson');
    const rows = rowsOf(all('headers'));
    const w = new ManifestWriter(path);
    rows.forEach((r, i) => w.write({ ...r, offset: i % 5 === 0 ? null : i, error: i % 5 === 0 ? 'timeout' : null }));
    w.close();
    const back = readManifest(path);
    expect(back).toHaveLength(rows.length);
    expect(back[1]).toEqual({ ...rows[1], offset: 1, error: null });
    expect(readFileSync(path, 'utf8').split('\n')[0]!.startsWith('{"id":')).toBe(true);
    // Nothing of this run is on disk: acked rows are lost, failed sends unacked-absent.
    const r = verifyRun(back, [join(tmp)]);
    expect(r.totals.byClass['unacked-absent']).toBe(Math.ceil(rows.length / 5));
    expect(r.totals.byClass.lost).toBe(rows.length - Math.ceil(rows.length / 5));
  });

  it('rejects malformed lines with their line number', () => {
    expect(() => parseManifest('{"topic":"t","partition":0,"offset":1,"key":null,"value":null,"headers":[],"timestamp":1,"txn":null}\n\n{"topic":1}')).toThrow(/line 3/);
    expect(() => parseManifest('{"topic":"t","partition":0,"txn":"maybe"}')).toThrow(/txn/);
  });
});

describe('the live client dependency', () => {
  it('harness-client/ pins the versions package.json lists as optional dependencies (npm run harness-client installs them there on Node < 22.19)', () => {
    const root = JSON.parse(readFileSync(resolve(FIXTURES, '../package.json'), 'utf8')) as { dependencies: Record<string, string>; optionalDependencies: Record<string, string> };
    const side = JSON.parse(readFileSync(resolve(FIXTURES, '../harness-client/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const lock = JSON.parse(readFileSync(resolve(FIXTURES, '../harness-client/package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
    for (const name of ['@platformatic/kafka', '@bokuweb/zstd-wasm']) {
      expect(root.dependencies[name]).toBeUndefined();
      expect(side.dependencies[name]).toBe(root.optionalDependencies[name]);
      expect(lock.packages[`node_modules/${name}`]!.version).toBe(root.optionalDependencies[name]);
    }
  });
});

const CLIENT_MISSING = await kafkaClientMissing();
if (CLIENT_MISSING) console.warn(`[kseg tests] the client encoding tests are skipped: ${CLIENT_MISSING}`);

describe.skipIf(CLIENT_MISSING !== null)('the client encodes what kseg decodes (no broker)', () => {
  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const)('%s: @platformatic/kafka batches decode to the planned records', async (compression) => {
    const kafka = await loadKafka();
    const records = all('headers').producers[0]!.records.slice(0, 40);
    const messages = records.map((r) => ({
      topic: r.topic,
      partition: 0,
      key: r.key ?? undefined,
      value: r.value ?? undefined,
      headers: new Map(r.headers.map(([k, v]) => [Buffer.from(k), v] as [Buffer, Buffer])),
      timestamp: BigInt(r.timestamp),
    }));
    const built = kafka.createRecordsBatch(messages as never, { compression }) as unknown as { buffer: Buffer };
    const buf = new Uint8Array(built.buffer);
    const header = decodeBatchHeader(buf, 0, 0);
    if (header.format !== 'v2') throw new Error('v2 expected');
    expect(header.compression).toBe(['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(compression));
    const out = decodeBatchRecords(buf, 0, header);
    expect(out.error).toBeUndefined();
    expect(out.records).toHaveLength(records.length);
    out.records.forEach((d, i) => {
      const r = records[i]!;
      expect(d.key === null ? null : Buffer.from(d.key)).toEqual(r.key);
      expect(d.value === null ? null : Buffer.from(d.value)).toEqual(r.value);
      expect(d.headers.map((h) => [h.key, h.value === null ? null : Buffer.from(h.value)])).toEqual(r.headers);
      expect(Number(d.timestamp)).toBe(r.timestamp);
    });
  });
});

describe.skipIf(CLIENT_MISSING !== null)('the client as the harness loads it (no broker)', () => {
  it("decodes Kafka's Java-written snappy (xerial framing): a real Java producer's segment reads as kseg reads it", async () => {
    const kafka = (await loadKafka()) as unknown as {
      Reader: { from(b: Buffer): unknown };
      readRecordsBatches(r: unknown): Array<{ firstOffset: bigint; attributes: number; records: Array<{ offsetDelta: number; key: Buffer | null; value: Buffer | null }> }>;
    };
    const file = resolve(FIXTURES, 'kafka-logs/java-snappy-0/00000000000000000000.log');
    const theirs = kafka.readRecordsBatches(kafka.Reader.from(readFileSync(file)));
    const ours = [...readBatches(file)].map((b) => b.records().records);
    expect(theirs.length).toBe(ours.length);
    expect(theirs.every((b) => (b.attributes & 7) === 2)).toBe(true);
    theirs.forEach((b, i) => {
      expect(b.records.map((r) => [Number(b.firstOffset) + r.offsetDelta, r.key?.toString('hex') ?? null, r.value?.toString('hex') ?? null])).toEqual(
        ours[i]!.map((r) => [Number(r.offset), r.key === null ? null : Buffer.from(r.key).toString('hex'), r.value === null ? null : Buffer.from(r.value).toString('hex')]),
      );
    });
  });

  it("names the broker's error inside the client's error: error name, code and message", async () => {
    const kafka = (await loadKafka()) as unknown as { ResponseError: new (api: number, version: number, errors: Record<string, [number, string | null]>, response: unknown) => Error };
    // CreateTopics (api key 19) answered with INVALID_CONFIG (40), as Kafka 4.x answers segment.bytes=16384.
    const e = new kafka.ResponseError(19, 7, { '/topics/0': [40, 'Invalid value 16384 for configuration segment.bytes: Value must be at least 1048576'] }, {});
    expect(kafkaErrorText(e)).toBe(
      'Received response with error while executing API CreateTopics(v7): INVALID_CONFIG (error code 40): Invalid value 16384 for configuration segment.bytes: Value must be at least 1048576',
    );
    expect(hasKafkaError(e, 'INVALID_CONFIG')).toBe(true);
    expect(hasKafkaError(e, 'TOPIC_ALREADY_EXISTS')).toBe(false);
    // Without a server message, the error's own description.
    expect(kafkaErrorText(new kafka.ResponseError(0, 11, { '/responses/0': [18, null] }, {}))).toMatch(/^Received response with error while executing API Produce\(v11\): RECORD_LIST_TOO_LARGE \(error code 18\): \S/);
  });

  it('retries CONCURRENT_TRANSACTIONS after 20 ms like the Java producer, other errors with a 100 ms..1 s backoff', async () => {
    const kafka = (await loadKafka()) as unknown as { ResponseError: new (api: number, version: number, errors: Record<string, [number, string | null]>, response: unknown) => Error };
    const concurrent = new kafka.ResponseError(24, 4, { '/results/0': [51, null] }, {});
    const other = new kafka.ResponseError(0, 11, { '/responses/0': [6, null] }, {});
    expect([1, 2, 5].map((a) => clientRetryDelay(null, 'addPartitionsToTransaction', a, 10, concurrent))).toEqual([20, 20, 20]);
    expect([1, 2, 3, 4, 5, 9].map((a) => clientRetryDelay(null, 'produce', a, 10, other))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});
