import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DiskRecord, LogDamageError, PathError, type ReadIssue, decodeBatchRecords, openLogDir } from '../src/index.js';
import { HEADER_FIELDS, RecordFields, readRecordFields } from '../src/format/record.js';
import { readBatches } from '../src/io/batches.js';
import { summarizeLogDir } from '../src/io/log-summary.js';
import { seekOffset } from '../src/io/seek.js';
import { FIXTURES, HAVE_SHARED, REPO, SHARED, ensureBuilt } from './helpers.js';

interface Row {
  topic: string;
  partition: number;
  offset: number | null;
  key: string | null;
  value: string | null;
  txn: string | null;
}

const rowsOf = (file: string): Row[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Row);

const b64 = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('base64'));

describe('library API: openLogDir', () => {
  const dir = openLogDir(resolve(FIXTURES, 'kafka-logs'));
  const rows = rowsOf(resolve(FIXTURES, 'manifest.jsonl'));

  it('lists partitions and segments', () => {
    expect(dir.partitions().map((p) => p.name)).toEqual(['compacted-0', 'java-snappy-0', 'plain-0', 'rd-zstd-0', 'txn-0', 'v0-lz4-0', 'v1-gzip-0']);
    const plain = dir.partition('plain', 0)!;
    expect(plain.segments().length).toBe(9);
    expect(dir.partition('plain', 7)).toBeUndefined();
    expect(dir.summary().partitions.length).toBe(7);
  });

  it('records() yields detached records in offset order across segments, equal to what was sent', async () => {
    for (const name of ['plain', 'rd-zstd', 'v1-gzip', 'java-snappy']) {
      const all: DiskRecord[] = [];
      for await (const r of dir.partition(name, 0)!.records()) all.push(r);
      const sent = rows.filter((r) => r.topic === name);
      expect(all.length, name).toBe(sent.length);
      // Collected first, compared after the iteration: the bytes must still be the right ones.
      for (let i = 0; i < all.length; i++) {
        expect(all[i]!.offset).toBe(i);
        expect(b64(all[i]!.value), `${name} ${i}`).toBe(sent[i]!.value);
        expect(b64(all[i]!.key), `${name} ${i}`).toBe(sent[i]!.key);
      }
    }
  });

  it('records(): aborted flags, control records on request, read_committed, offset ranges', async () => {
    const txn = dir.partition('txn', 0)!;
    let aborted = 0;
    let control = 0;
    let all = 0;
    for await (const r of txn.records({ control: true })) {
      all++;
      if (r.isControl) control++;
      if (r.aborted) aborted++;
    }
    const sent = rows.filter((r) => r.topic === 'txn');
    expect(all - control).toBe(sent.length);
    expect(control).toBe(40);
    expect(aborted).toBe(sent.filter((r) => r.txn === 'abort').length);
    let committed = 0;
    for await (const r of txn.records({ committedOnly: true })) {
      expect(r.aborted).toBe(false);
      committed++;
    }
    expect(committed).toBe(sent.filter((r) => r.txn === 'commit').length);
    const range: number[] = [];
    for await (const r of dir.partition('plain', 0)!.records({ fromOffset: 1340, toOffset: 1349 })) range.push(Number(r.offset));
    expect(range).toEqual([1340, 1341, 1342, 1343, 1344, 1345, 1346, 1347, 1348, 1349]);
  });

  it('batches() yields detached batches; fromOffset skips earlier segments', async () => {
    const plain = dir.partition('plain', 0)!;
    const batches = [];
    for await (const b of plain.batches()) batches.push(b);
    expect(batches.reduce((n, b) => n + b.records().records.length, 0)).toBe(1500);
    // Still valid after the walk: the CRCs of detached copies still match.
    expect(batches.every((b) => b.crcValid())).toBe(true);
    const late = [];
    for await (const b of plain.batches({ fromOffset: 1400 })) late.push(b);
    expect(late[0]!.file.endsWith('00000000000000001344.log')).toBe(true);
    expect(Number(late[0]!.header.format === 'v2' ? late[0]!.header.lastOffset : -1)).toBeGreaterThanOrEqual(1400);
  });

  it('summary() and stats() agree with the ls and stats layers; seek functions are exported', () => {
    const plain = dir.partition('plain', 0)!;
    expect(plain.summary().records).toBe(summarizeLogDir(resolve(FIXTURES, 'kafka-logs')).partitions.find((p) => p.name === 'plain-0')!.records);
    expect(plain.stats().records).toBe(1500);
    const pos = seekOffset(plain.dir, 1400);
    expect(pos?.segment.baseOffset).toBe(1344n);
  });

  it('a partition folder opens as a log dir of one partition', async () => {
    const one = openLogDir(resolve(FIXTURES, 'kafka-logs/v0-lz4-0'));
    expect(one.partitions().map((p) => p.name)).toEqual(['v0-lz4-0']);
    let n = 0;
    for await (const _ of one.partitions()[0]!.records()) n++;
    expect(n).toBe(600);
  });
});

describe.skipIf(!HAVE_SHARED)('library API on the corpus', () => {
  it('every non-compacted partition reads back exactly what the manifest lists, with acked offsets', async () => {
    const rows = rowsOf(resolve(SHARED, 'corpus/manifest.jsonl'));
    const dir = openLogDir(resolve(SHARED, 'corpus/kafka-logs'));
    let checked = 0;
    for (const p of dir.partitions()) {
      if (p.topic.startsWith('__') || p.topic === 'compacted') continue;
      const sent = rows.filter((r) => r.topic === p.topic && r.partition === p.partition);
      let i = 0;
      for await (const r of p.records()) {
        const s = sent[i++]!;
        // Offsets as acked (null for the Java console producer, which reports none).
        if (s.offset !== null) expect(Number(r.offset)).toBe(s.offset);
        expect(b64(r.value)).toBe(s.value);
      }
      expect(i, p.name).toBe(sent.length);
      checked++;
    }
    expect(checked).toBe(26);
  });
});

describe('readRecordFields (the zero-allocation record reader the dump prints from)', () => {
  it('reads every record of the fixture v2 batches to the fields decodeBatchRecords reports', () => {
    let records = 0;
    for (const partition of ['plain-0', 'txn-0']) {
      const p = openLogDir(resolve(FIXTURES, 'kafka-logs')).partition(partition.replace(/-0$/, ''), 0)!;
      for (const seg of p.segments()) {
        for (const b of readBatches(seg.log!)) {
          const h = b.header;
          if (h.format !== 'v2' || h.compression !== 0 || h.recordCount <= 0) continue;
          const decoded = decodeBatchRecords(b.bytes, 0, h, { withSpans: true });
          const f = new RecordFields();
          let pos = 61;
          for (const r of decoded.records) {
            readRecordFields(b.bytes, pos, h.sizeInBytes, f);
            const s = r.spans!;
            const shift = h.position; // spans are file positions; b.bytes starts at the batch
            const size = (n: number) => (n < 0 ? -1 : n);
            expect([f.start + shift, f.offsetDelta, f.timestampDelta, size(f.keyLength), size(f.valueLength), f.headerCount]).toEqual([
              r.position,
              r.offsetDelta,
              r.timestampDelta,
              r.key === null ? -1 : r.key.length,
              r.value === null ? -1 : r.value.length,
              r.headers.length,
            ]);
            expect([f.keyStart + shift, f.valueStart + shift, f.headersStart + shift]).toEqual([s.key[0], s.value[0], s.headerCount[1]]);
            for (let i = 0; i < f.headerCount; i++) {
              const k = i * HEADER_FIELDS;
              expect(Buffer.from(b.bytes.subarray(f.headers[k + 1]!, f.headers[k + 1]! + f.headers[k + 2]!)).toString()).toBe(r.headers[i]!.key);
            }
            pos = f.end;
            records++;
          }
          expect(pos).toBe(h.sizeInBytes);
        }
      }
    }
    expect(records).toBeGreaterThan(500);
  });
});

describe('library API: damage, paths, types', () => {
  /** A copy of plain-0 with a flipped byte in one batch and a torn last segment. */
  function damagedCopy(): { dir: string; flipped: string; torn: string; cleanup: () => void } {
    const tmp = mkdtempSync(join(tmpdir(), 'kseg-api-'));
    const dir = join(tmp, 'plain-0');
    cpSync(resolve(FIXTURES, 'kafka-logs/plain-0'), dir, { recursive: true });
    const flipped = join(dir, '00000000000000000189.log');
    const b = readFileSync(flipped);
    b[700] = b[700]! ^ 0xff;
    writeFileSync(flipped, b);
    const torn = join(dir, '00000000000000001344.log');
    const t = readFileSync(torn);
    writeFileSync(torn, t.subarray(0, t.length - 10));
    return { dir, flipped, torn, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
  }

  it('records() and batches() throw LogDamageError on damage unless onIssue is given; with it they read on', async () => {
    const c = damagedCopy();
    try {
      const p = openLogDir(c.dir).partition('plain', 0)!;
      const drain = async (it: AsyncIterable<unknown>): Promise<number> => {
        let n = 0;
        for await (const _ of it) n++;
        return n;
      };
      await expect(drain(p.records())).rejects.toThrow(LogDamageError);
      await expect(drain(p.records())).rejects.toThrow(new RegExp(`^${c.flipped.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: byte \\d+: batch at byte \\d+: stored checksum does not match`));
      await expect(drain(p.batches())).rejects.toThrow(LogDamageError);
      const issues: ReadIssue[] = [];
      const n = await drain(p.records({ onIssue: (i) => issues.push(i) }));
      expect(n).toBeGreaterThan(1400);
      expect(issues.map((i) => i.file)).toEqual([c.flipped, c.torn]);
      const batchIssues: ReadIssue[] = [];
      await drain(p.batches({ onIssue: (i) => batchIssues.push(i) }));
      expect(batchIssues.map((i) => i.file)).toEqual([c.flipped, c.torn]);
      // A clean partition reads without a handler.
      expect(await drain(openLogDir(resolve(FIXTURES, 'kafka-logs')).partition('plain', 0)!.records())).toBe(1500);
    } finally {
      c.cleanup();
    }
  });

  it('openLogDir: a path that is no log dir is a PathError saying what it is', () => {
    expect(() => openLogDir('/nonexistent')).toThrow(new PathError('/nonexistent', 'no such file or directory'));
    expect(() => openLogDir(resolve(FIXTURES, 'kafka-logs/plain-0/00000000000000000000.log'))).toThrow(/00000000000000000000\.log: a file, not a log dir or a partition folder$/);
    expect(() => openLogDir(FIXTURES)).toThrow(/fixtures: no partition folders: .*; log dirs inside it: kafka-logs$/);
    // A trailing slash names the same folder.
    expect(openLogDir(`${resolve(FIXTURES, 'kafka-logs')}/`).partitions().length).toBe(7);
  });

  it('offsets, timestamps and producer ids are numbers (r.offset + 1 works); raw keeps the exact Int64', async () => {
    for await (const r of openLogDir(resolve(FIXTURES, 'kafka-logs')).partition('txn', 0)!.records({ fromOffset: 26, toOffset: 26 })) {
      expect(typeof r.offset).toBe('number');
      expect(r.offset + 1).toBe(27);
      expect(typeof r.producerId).toBe('number');
      expect(r.raw.offset).toBe(26);
    }
  });

  it('the declarations need no @types/node: a strict consumer with types [] and lib es2022 compiles against dist/', () => {
    ensureBuilt('dist/index.d.ts');
    const tmp = mkdtempSync(join(tmpdir(), 'kseg-dts-'));
    try {
      writeFileSync(
        join(tmp, 'consumer.ts'),
        [
          `import { openLogDir, auditPath, LogDamageError, PathError, type DiskRecord } from ${JSON.stringify(resolve(REPO, 'dist/index.js'))};`,
          'declare const console: { log(...args: unknown[]): void };',
          'export async function main(): Promise<void> {',
          "  for await (const r of openLogDir('logs').partition('plain', 0)!.records({ fromOffset: 10, onIssue: (i) => console.log(i.file, i.position) })) {",
          '    const next: number = r.offset + 1;',
          '    const rec: DiskRecord = r;',
          '    console.log(next, rec.timestamp + 1000, rec.key?.length, rec.raw.offset);',
          '  }',
          "  console.log(auditPath('logs').anomalies.length, LogDamageError.name, PathError.name);",
          '}',
        ].join('\n'),
      );
      const options = { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'], types: [], noEmit: true, skipLibCheck: false };
      writeFileSync(join(tmp, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files: ['consumer.ts'] }));
      const r = spawnSync(process.execPath, [resolve(REPO, 'node_modules/typescript/bin/tsc'), '-p', tmp], { encoding: 'utf8' });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
