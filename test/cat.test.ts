import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { type CatIo, type CatOptions, registerCat, runCat } from '../src/cli/cat.js';
import { readLogDir } from '../src/io/logdir.js';
import { FIXTURES, HAVE_SHARED, REPO, SHARED, buildSegment, dumpInProcess, fixtureBatches } from './helpers.js';
import type { ManifestRow } from '../src/harness/manifest.js';

const ajv = new Ajv2020({ strict: true, allErrors: true });
const validateRecordDoc = ajv.compile(JSON.parse(readFileSync(resolve(FIXTURES, '../schema/record.schema.json'), 'utf8')));


interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

function cat(path: string, opts: Partial<CatOptions>): Out {
  let stdout = '';
  let stderr = '';
  const io: CatIo = { out: (s) => (stdout += s), err: (s) => (stderr += s), color: false };
  const code = runCat(path, { format: 'ndjson', payload: 'base64', ...opts }, io);
  return { code, stdout, stderr };
}

/** Records of one partition as `kseg cat --format ndjson --payload base64` prints them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function catRecords(logDir: string, topic: string, partition: number): any[] {
  const r = cat(logDir, { topic, partition });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  return lines.map((l) => {
    const j = JSON.parse(l);
    if (!validateRecordDoc(j)) throw new Error(`schema: ${JSON.stringify(validateRecordDoc.errors)} for ${l.slice(0, 300)}`);
    return j;
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function sameContent(rec: any, row: ManifestRow, where: string): void {
  const got = {
    key: rec.key === null ? null : rec.key.data,
    value: rec.value === null ? null : rec.value.data,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    headers: rec.headers.map((h: any) => [h.key, h.value === null ? null : h.value.data]),
  };
  expect(got, where).toEqual({ key: row.key, value: row.value, headers: row.headers });
  expect(rec.keySize, where).toBe(row.key === null ? -1 : Buffer.from(row.key, 'base64').length);
  expect(rec.valueSize, where).toBe(row.value === null ? -1 : Buffer.from(row.value, 'base64').length);
  // Aborted transactional records are on disk; the .txnindex says which.
  expect(rec.aborted, where).toBe(row.txn === 'abort');
}

/**
 * `kseg cat` over a real log dir shows exactly what the producers sent: every record, with
 * byte-identical keys, values and headers. Returns counts for the summary assertion.
 */
function checkLogDirAgainstManifest(logDir: string, manifestPath: string): { records: number; partitions: number } {
  const rows = readFileSync(manifestPath, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ManifestRow);
  const groups = new Map<string, ManifestRow[]>();
  for (const r of rows) {
    const k = `${r.topic}-${r.partition}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  const onDisk = new Set(readLogDir(logDir).partitions.map((p) => p.name));
  let checked = 0;
  let partitions = 0;
  for (const [name, sent] of groups) {
    if (!onDisk.has(name)) continue;
    partitions++;
    const { topic, partition } = sent[0]!;
    const all = catRecords(logDir, topic, partition);
    // Offsets strictly increase across segments.
    for (let i = 1; i < all.length; i++) expect(BigInt(all[i].offset) > BigInt(all[i - 1].offset), name).toBe(true);
    const data = all.filter((r) => r.control === null);
    for (const r of all) if (r.control !== null) expect(r.control.typeName, name).toMatch(/^(ABORT|COMMIT)$/);
    if (topic === 'compacted') {
      // The cleaner keeps the latest value of each key; tombstones may be gone too.
      const byOffset = new Map(sent.map((r) => [r.offset, r]));
      const latest = new Map<string | null, ManifestRow>();
      for (const r of sent) latest.set(r.key, r);
      const diskOffsets = new Set<number>();
      for (const rec of data) {
        const row = byOffset.get(rec.offset);
        expect(row, `${name} offset ${rec.offset} is not in the manifest`).toBeDefined();
        sameContent(rec, row!, `${name}@${rec.offset}`);
        diskOffsets.add(rec.offset);
      }
      for (const [key, row] of latest) {
        if (row.value !== null) expect(diskOffsets.has(row.offset!), `${name}: latest value of key ${key} (offset ${row.offset}) is missing`).toBe(true);
      }
      checked += data.length;
      continue;
    }
    expect(data.length, `${name}: records on disk vs sent`).toBe(sent.length);
    if (sent.every((r) => r.offset === null)) {
      // The Java console producer reports no offsets: match in send order.
      sent.forEach((row, i) => sameContent(data[i], row, `${name} #${i}`));
    } else {
      const byOffset = new Map(data.map((r) => [r.offset, r]));
      for (const row of sent) {
        const rec = byOffset.get(row.offset);
        expect(rec, `${name} offset ${row.offset}`).toBeDefined();
        sameContent(rec, row, `${name}@${row.offset}`);
        // CreateTime topics keep the producer's timestamp.
        if (row.timestamp !== null && rec.timestampType === 'CreateTime') expect(rec.timestamp, `${name}@${row.offset}`).toBe(row.timestamp);
      }
    }
    checked += data.length;
  }
  return { records: checked, partitions };
}

describe('kseg cat shows exactly what the producers sent (fixtures)', () => {
  it('every manifest record, byte-identical, in every fixture partition', () => {
    const { records, partitions } = checkLogDirAgainstManifest(resolve(FIXTURES, 'kafka-logs'), resolve(FIXTURES, 'manifest.jsonl'));
    expect(partitions).toBe(7);
    expect(records).toBeGreaterThan(3000);
  });
});

describe.skipIf(!HAVE_SHARED)('kseg cat shows exactly what the producers sent (corpus)', () => {
  it('every manifest record of all 27 topic partitions, byte-identical', () => {
    const corpus = resolve(SHARED, 'corpus');
    const { records, partitions } = checkLogDirAgainstManifest(resolve(corpus, 'kafka-logs'), resolve(corpus, 'manifest.jsonl'));
    expect(partitions).toBe(27);
    expect(records).toBeGreaterThan(18000);
  });
});

describe('kseg cat options', () => {
  const logs = resolve(FIXTURES, 'kafka-logs');

  it('--format json is one document valid against schema/record.schema.json', () => {
    for (const payload of ['utf8', 'hex', 'base64', 'json', 'none'] as const) {
      const r = cat(logs, { topic: 'plain', format: 'json', payload, maxPayload: 7, limit: 40 });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(validateRecordDoc(doc), JSON.stringify(validateRecordDoc.errors)).toBe(true);
      expect(doc.records).toHaveLength(40);
      for (const rec of doc.records) {
        if (rec.value !== null && rec.value.size > 7 && payload !== 'none') expect(rec.value.truncated).toBe(true);
      }
    }
  });

  it('--payload utf8 falls back to base64 for bytes that are not UTF-8, never losing them', () => {
    const b64 = cat(logs, { topic: 'plain', payload: 'base64' }).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const u8 = cat(logs, { topic: 'plain', payload: 'utf8' }).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(u8).toHaveLength(b64.length);
    let fallbacks = 0;
    for (let i = 0; i < u8.length; i++) {
      const v = u8[i].value;
      if (v === null) continue;
      const bytes = v.encoding === 'utf8' ? Buffer.from(v.data, 'utf8') : Buffer.from(v.data, 'base64');
      if (v.encoding === 'base64') fallbacks++;
      expect(bytes.toString('base64')).toBe(b64[i].value.data);
    }
    expect(fallbacks).toBeGreaterThan(0); // the fixtures have binary values
  });

  it('--key exact and /regex/, --limit, --control, --transactional, --producer-id, --codec', () => {
    const all = cat(logs, { topic: 'txn', payload: 'utf8' }).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const keyed = all.find((r) => r.key !== null && r.key.encoding === 'utf8' && r.control === null);
    const exact = cat(logs, { topic: 'txn', payload: 'utf8', key: keyed.key.data }).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(exact.length).toBe(all.filter((r) => r.key?.data === keyed.key.data && r.key?.encoding === 'utf8').length);
    const re = cat(logs, { topic: 'plain', payload: 'utf8', key: '/^用户-\\d+$/u' }).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(re.length).toBeGreaterThan(0);
    for (const r of re) expect(r.key.data).toMatch(/^用户-\d+$/u);

    const control = cat(logs, { topic: 'txn', control: true }).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(control.length).toBe(all.filter((r) => r.control !== null).length);
    expect(control.length).toBeGreaterThan(0);
    for (const r of control) expect(['ABORT', 'COMMIT']).toContain(r.control.typeName);

    const txnl = cat(logs, { topic: 'txn', transactional: true }).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(txnl.length).toBe(all.filter((r) => r.batch.transactional).length);
    const pid = all[0].batch.producerId;
    expect(cat(logs, { topic: 'txn', producerId: pid }).stdout.trim().split('\n').length).toBe(all.filter((r) => r.batch.producerId === pid).length);

    expect(cat(logs, { topic: 'rd-zstd', codec: 'zstd', limit: 5 }).stdout.trim().split('\n')).toHaveLength(5);
    expect(cat(logs, { topic: 'rd-zstd', codec: 'gzip' }).stdout).toBe('');
  });

  it('--from-time/--to-time take ISO-8601 and epoch millis alike', () => {
    const all = cat(logs, { topic: 'plain', payload: 'none' }).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const pick = all[700];
    const a = cat(logs, { topic: 'plain', payload: 'none', fromTime: pick.timestamp, limit: 3 }).stdout;
    const run = (args: string[]): string => {
      let out = '';
      const program = new Command().exitOverride();
      registerCat(program, { out: (s) => (out += s), err: () => {}, color: false });
      program.parse(['node', 'kseg', 'cat', logs, '--topic', 'plain', '--format', 'ndjson', '--payload', 'none', '--limit', '3', ...args]);
      return out;
    };
    expect(run(['--from-time', String(pick.timestamp)])).toBe(a);
    expect(run(['--from-time', pick.timestampIso])).toBe(a);
    expect(JSON.parse(a.split('\n')[0]!).offset).toBe(all.find((r) => r.timestamp >= pick.timestamp).offset);
  });

  it('text view: batch lines, ISO times, sizes; plain unless colour is asked for', () => {
    let out = '';
    const code = runCat(resolve(logs, 'txn-0'), { format: 'text', payload: 'utf8', limit: 60 }, { out: (s) => (out += s), err: () => {}, color: false });
    expect(code).toBe(0);
    expect(out).not.toMatch(/\x1b\[/);
    expect(out).toMatch(/^batch 0\.\.\d+ {2}at byte 0 of .*txn-0\/0{20}\.log {2}magic 2/m);
    expect(out).toMatch(/^offset 0 {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(\d+\)/m);
    expect(out).toMatch(/control (ABORT|COMMIT)/);
    let colored = '';
    runCat(resolve(logs, 'txn-0'), { format: 'text', payload: 'utf8', limit: 1 }, { out: (s) => (colored += s), err: () => {}, color: true });
    expect(colored).toMatch(/\x1b\[1moffset 0/);
  });

  it('a segment file alone: records with topic and partition from its folder', () => {
    const dir = readLogDir(logs).partitions.find((p) => p.topic === 'plain')!;
    const seg = dir.segments[1]!;
    const recs = cat(seg.log!, {}).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(recs[0].topic).toBe('plain');
    expect(BigInt(recs[0].offset)).toBe(seg.baseOffset);
    expect(recs.every((r) => r.batch.file === seg.log)).toBe(true);
  });

  it('KRaft metadata log: control records decoded (LEADER_CHANGE …), data records listed', () => {
    const r = cat(resolve(FIXTURES, 'kraft/gritlab'), { payload: 'none' });
    expect(r.code).toBe(0);
    const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    for (const x of recs) expect(validateRecordDoc(x)).toBe(true);
    const control = recs.filter((x) => x.control !== null);
    expect(control.length).toBeGreaterThan(0);
    for (const x of control) {
      expect(x.control.error).toBeUndefined();
      expect(x.control.typeName).not.toBe('UNKNOWN');
    }
    expect(recs.length).toBeGreaterThan(control.length);
  });

  it('a missing path is a usage error (exit 2) naming it', () => {
    const r = cat(resolve(FIXTURES, 'nope'), {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nope');
  });

  it('bad input: a damaged copy is reported with file and byte position, and the rest is read', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'kseg-cat-'));
    try {
      const src = resolve(logs, 'plain-0');
      const dst = join(tmp, 'plain-0');
      cpSync(src, dst, { recursive: true });
      const good = cat(dst, {}).stdout.trim().split('\n').map((l) => JSON.parse(l));
      const victim = good[50].batch;
      const seg = victim.file.replace(src, dst);
      const bytes = readFileSync(seg);
      bytes[victim.position + 70] ^= 0xff; // inside the records, covered by the CRC
      const last = good[good.length - 1].batch.file.replace(src, dst);
      const lastBytes = readFileSync(last);
      writeFileSync(seg, bytes);
      writeFileSync(last, lastBytes.subarray(0, lastBytes.length - 10)); // a torn final batch
      const r = cat(dst, {});
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${seg}: byte ${victim.position}: batch at byte ${victim.position}: stored checksum does not match`);
      expect(r.stderr).toMatch(new RegExp(`${last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: byte \\d+: \\d+ trailing bytes after the last whole batch`));
      const after = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      // Everything but the torn batch is still read, the damaged batch flagged.
      expect(after.length).toBeGreaterThan(good.length - 20);
      expect(after.find((x) => x.batch.position === victim.position && x.batch.file === seg)?.batch.crcValid).toBe(false);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('kseg cat: streamed JSON, explained empty results, kcat offsets, transactions, internal topics', () => {
  const logs = resolve(FIXTURES, 'kafka-logs');

  it('--format json is the document of every record, written a record at a time (byte-identical to one JSON.stringify)', () => {
    for (const [path, opts] of [
      [logs, { topic: 'txn', limit: 30 }],
      [resolve(logs, 'plain-0'), { fromOffset: 5000 }], // no record: "records": []
    ] as const) {
      const json = cat(path, { ...opts, format: 'json' });
      const ndjson = cat(path, { ...opts, format: 'ndjson' });
      const records = ndjson.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      expect(json.stdout).toBe(`${JSON.stringify({ schemaVersion: 2, path, records, issues: [] }, null, 2)}\n`);
      expect(validateRecordDoc(JSON.parse(json.stdout))).toBe(true);
    }
  });

  it('memory does not grow with the input in any format: 20 MB of records under a 40 MB heap', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'kseg-cat-mem-'));
    try {
      const dir = join(tmp, 'plain-0');
      mkdirSync(dir);
      const { log } = buildSegment(fixtureBatches('plain-0', ['00000000000000000000.log', '00000000000000000189.log']), 20 << 20, 0);
      writeFileSync(join(dir, '00000000000000000000.log'), log);
      for (const format of ['json', 'ndjson', 'text']) {
        const r = spawnSync(process.execPath, ['--max-old-space-size=40', resolve(REPO, 'bin/kseg.js'), 'cat', dir, '-f', format], {
          stdio: ['ignore', 'ignore', 'pipe'],
          encoding: 'utf8',
        });
        // Holding every record (as --format json did) runs out of heap here.
        expect({ format, status: r.status, stderr: r.stderr.slice(0, 300) }).toEqual({ format, status: 0, stderr: '' });
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('an empty result says why on stderr (exit 0)', () => {
    const plain = resolve(logs, 'plain-0');
    const why = (path: string, opts: Partial<CatOptions>): string => {
      const r = cat(path, opts);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
      return r.stderr;
    };
    expect(why(plain, { fromOffset: 5000 })).toBe(`kseg cat: ${plain}: no records: --from-offset 5000 is past the last offset, 1499\n`);
    expect(why(plain, { fromOffset: 20, toOffset: 10 })).toBe(`kseg cat: ${plain}: no records: --from-offset 20 is after --to-offset 10\n`);
    expect(why(plain, { fromTime: 4102444800000 })).toBe(
      `kseg cat: ${plain}: no records: no record is stamped at or after 4102444800000 (2100-01-01T00:00:00.000Z); the latest is 1700001498566 (2023-11-14T22:38:18.566Z)\n`,
    );
    expect(why(plain, { fromTime: 20, toTime: 10 })).toMatch(/no records: --from-time 20 .* is after --to-time 10 /);
    expect(why(resolve(logs, 'v0-lz4-0'), { fromTime: 0 })).toBe(`kseg cat: ${resolve(logs, 'v0-lz4-0')}: no records: magic 0 messages carry no timestamp: a time filter matches none\n`);
    expect(why(plain, { key: 'no-such-key', limit: 5 })).toBe(`kseg cat: ${plain}: no records: none of the 1500 record(s) in range matched the filters\n`);
    expect(why(plain, { limit: 0 })).toBe(`kseg cat: ${plain}: no records: --limit 0\n`);
  });

  it("-o -N is kcat's: the last N offsets of each partition", () => {
    const offsets = (opts: Partial<CatOptions>) => cat(logs, { payload: 'none', ...opts }).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(offsets({ topic: 'plain', fromOffset: -3 }).map((r) => r.offset)).toEqual([1497, 1498, 1499]);
    // Compacted: the last 50 offsets hold fewer records (the cleaner removed some).
    const compacted = offsets({ topic: 'compacted', fromOffset: -50 });
    expect(compacted.every((r) => r.offset >= 2350 && r.offset <= 2399)).toBe(true);
    expect(compacted.length).toBe(offsets({ topic: 'compacted', fromOffset: 2350 }).length);
    // More than the partition holds: all of it.
    expect(offsets({ topic: 'v1-gzip', fromOffset: -100000 })).toHaveLength(600);
    // Every partition of the log dir: its own last 2.
    const all = offsets({ fromOffset: -2 });
    expect(all).toHaveLength(7 * 2);
  });

  it('--aborted and --committed split transactional data as the .txnindex says; --committed drops the markers', () => {
    const rows = readFileSync(resolve(FIXTURES, 'manifest.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ManifestRow)
      .filter((r) => r.topic === 'txn');
    const read = (opts: Partial<CatOptions>) => cat(logs, { topic: 'txn', ...opts }).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const aborted = read({ aborted: true });
    const committed = read({ committed: true });
    expect(aborted.map((r) => r.offset)).toEqual(rows.filter((r) => r.txn === 'abort').map((r) => r.offset));
    expect(committed.map((r) => r.offset)).toEqual(rows.filter((r) => r.txn !== 'abort').map((r) => r.offset));
    expect(committed.every((r) => r.control === null && !r.aborted)).toBe(true);
  });

  it('KRaft __cluster_metadata records decode as kafka-dump-log --cluster-metadata-decoder prints them', () => {
    const seg = 'kraft/gritlab/__cluster_metadata-0/00000000000000000000.log';
    const ours = cat(resolve(FIXTURES, seg), { payload: 'none' }).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const kafka = kafkaDecoded(['--cluster-metadata-decoder', '--files', seg]);
    let compared = 0;
    for (const r of ours) {
      if (r.control !== null) continue;
      const k = kafka.get(r.offset)!.payload as { type: string; version: number; data: unknown };
      expect({ typeName: r.decoded.typeName, version: r.decoded.version, data: r.decoded.data }, `offset ${r.offset}`).toEqual({ typeName: k.type, version: k.version, data: k.data });
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
  });
});

/** kafka-dump-log's decoded `key: {…} payload: {…}` of each record, by offset (in-process, Kafka's output). */
function kafkaDecoded(args: string[], cwd = FIXTURES): Map<number, { key: unknown; payload: unknown }> {
  const out = dumpInProcess(args, cwd).stdout.toString('utf8');
  const m = new Map<number, { key: unknown; payload: unknown }>();
  for (const line of out.split('\n')) {
    const o = /^\| offset: (\d+) .*? headerKeys: \[[^\]]*\](?: key: (.*?))?(?: payload: (.*))?$/.exec(line);
    if (o) m.set(Number(o[1]), { key: o[2] === undefined ? null : JSON.parse(o[2]), payload: o[3] === undefined ? null : JSON.parse(o[3]) });
  }
  return m;
}

describe.skipIf(!HAVE_SHARED)('kseg cat decodes __transaction_state and __consumer_offsets as Kafka decodes them (real brokers)', () => {
  it('__transaction_state: every record equals --transaction-log-decoder', () => {
    const seg = 'kafka-logs/__transaction_state-0/00000000000000000000.log';
    const ours = cat(resolve(SHARED, 'corpus', seg), { payload: 'none' }).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const kafka = kafkaDecoded(['--transaction-log-decoder', '--files', seg], resolve(SHARED, 'corpus'));
    expect(ours.length).toBeGreaterThan(10);
    for (const r of ours) {
      const k = kafka.get(r.offset)! as { key: { type: string; data: unknown }; payload: { version: string; data: unknown } | null };
      expect(r.decoded.typeName).toBe('TransactionLog');
      expect(r.decoded.data.key, `offset ${r.offset}`).toEqual(k.key.data);
      expect(String(r.decoded.type)).toBe(k.key.type);
      expect(r.decoded.data.value, `offset ${r.offset}`).toEqual(k.payload?.data ?? null);
    }
  });

  it('__consumer_offsets (KRaft broker): keys and values equal --offsets-decoder (subscription/assignment stay bytes)', () => {
    const root = resolve(SHARED, 'kraft/gritlab');
    let compared = 0;
    for (const p of readLogDir(root).partitions.filter((x) => x.topic === '__consumer_offsets')) {
      for (const seg of p.segments) {
        const ours = cat(seg.log!, { payload: 'none' }).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
        if (ours.length === 0) continue;
        const kafka = kafkaDecoded(['--offsets-decoder', '--files', seg.log!.slice(resolve(SHARED, 'kraft').length + 1)], resolve(SHARED, 'kraft'));
        for (const r of ours) {
          const k = kafka.get(r.offset)! as { key: { type: string; data: unknown }; payload: { version: string; data: Record<string, unknown> } | null };
          expect(r.decoded.data.key).toEqual(k.key.data);
          const value = (v: Record<string, unknown> | null) =>
            v === null ? null : { ...v, members: (v['members'] as Array<Record<string, unknown>> | undefined)?.map(({ subscription: _s, assignment: _a, ...m }) => m) };
          expect(value(r.decoded.data.value), `${seg.log} offset ${r.offset}`).toEqual(value(k.payload?.data ?? null));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(0);
  });
});

/**
 * Kafka's decoded `key: {…} payload: {…}` per offset, from a recorded run of the real tool. An
 * integer beyond 2^53 becomes its decimal string, as kseg's JSON writes it (JSON.parse would round it).
 */
function recordedDecoded(outFile: string): Map<number, { key: { type: string; data: unknown } | null; payload: { type?: string; version: string | number; data: unknown } | null }> {
  const exact = (json: string): unknown => JSON.parse(json.replace(/(?<=[:[,])-?\d{16,}(?=[,\]}])/g, (n) => (Number.isSafeInteger(Number(n)) ? n : `"${n}"`)));
  const m = new Map();
  for (const line of readFileSync(outFile, 'utf8').split('\n')) {
    const o = /^\| offset: (\d+) .*? headerKeys: \[[^\]]*\](?: key: (.*?))?(?: payload: (.*))?$/.exec(line);
    if (o) m.set(Number(o[1]), { key: o[2] === undefined ? null : exact(o[2]), payload: o[3] === undefined || o[3] === '<DELETE>' ? null : exact(o[3]) });
  }
  return m;
}

describe('kseg cat decodes every internal topic of the modern corpus sample as the real Kafka 4.3.2 did (recorded, no Java)', () => {
  const root = resolve(FIXTURES, 'expected-modern');
  const jobs = readFileSync(resolve(root, 'expected/kafka-4.3/jobs.tsv'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'))
    // Each decoder on the topic it decodes (the sample also runs decoders on the wrong topics).
    .filter((r) => /^--(offsets|transaction-log|share-group-state|cluster-metadata)-decoder$/.test(r[3]!) && r.length === 6)
    .filter(([, , , flag, , file]) => {
      const topic = { '--offsets-decoder': '__consumer_offsets-', '--transaction-log-decoder': '__transaction_state-', '--share-group-state-decoder': '__share_group_state-', '--cluster-metadata-decoder': '__cluster_metadata-' }[flag!]!;
      return file!.includes(`/${topic}`);
    });

  it('covers each internal topic', () => expect(new Set(jobs.map((j) => j[3]))).toEqual(new Set(['--offsets-decoder', '--transaction-log-decoder', '--share-group-state-decoder', '--cluster-metadata-decoder'])));

  for (const [out, , , flag, , file] of jobs) {
    it(`${flag} ${file}`, () => {
      const ours = cat(resolve(FIXTURES, 'modern', file!), { payload: 'none' }).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const kafka = recordedDecoded(resolve(root, out!));
      let compared = 0;
      for (const r of ours) {
        if (r.control !== null) continue;
        const k = kafka.get(r.offset)!;
        expect(r.decoded.error, `offset ${r.offset}`).toBeUndefined();
        if (flag === '--cluster-metadata-decoder') {
          expect({ typeName: r.decoded.typeName, version: r.decoded.version, data: r.decoded.data }, `offset ${r.offset}`).toEqual({ typeName: k.payload!.type, version: k.payload!.version, data: k.payload!.data });
        } else {
          expect(String(r.decoded.type)).toBe(k.key!.type);
          expect(r.decoded.data.key, `offset ${r.offset}`).toEqual(k.key!.data);
          // A classic group's member subscription/assignment: Kafka's dump parses those bytes further.
          const value = (v: unknown): unknown =>
            v === null || typeof v !== 'object' || !Array.isArray((v as { members?: unknown }).members)
              ? v
              : { ...v, members: (v as { members: Array<Record<string, unknown>> }).members.map(({ subscription: _s, assignment: _a, ...m }) => m) };
          expect(value(r.decoded.data.value), `offset ${r.offset}`).toEqual(value(k.payload?.data ?? null));
        }
        compared++;
      }
      expect(compared).toBeGreaterThan(0);
    });
  }
});
