import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { type CatIo, type CatOptions, registerCat, runCat } from '../src/cli/cat.js';
import { readLogDir } from '../src/io/logdir.js';
import { FIXTURES, HAVE_SHARED, SHARED } from './helpers.js';
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
