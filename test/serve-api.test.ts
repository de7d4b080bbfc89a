import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditPath } from '../src/audit/index.js';
import { auditJson } from '../src/audit/report-text.js';
import { type CatIo, runCat } from '../src/cli/cat.js';
import { runExplain } from '../src/cli/explain.js';
import { abortedTxnEntries, offsetIndexEntries, timeIndexEntries } from '../src/format/indexes.js';
import { type LogBatch, readBatches } from '../src/io/batches.js';
import { readLogDir } from '../src/io/logdir.js';
import { summarizeLogDir } from '../src/io/log-summary.js';
import { readPartitionRecords, seekOffset, seekTime } from '../src/io/seek.js';
import { LogDirBrowser } from '../src/serve/api.js';
import { type RunningServer, startServer } from '../src/serve/server.js';
import { lsJson } from '../src/view/ls.js';
import { batchJson } from '../src/view/records.js';
import { FIXTURES, buildSegment, fixtureBatches } from './helpers.js';

/**
 * `kseg serve`'s JSON API over HTTP, against what the commands and decoders give for the same
 * bytes: `kseg ls --format json`'s rows, `kseg explain --format json`, `kseg cat --format json`,
 * the index decoders, the seek readers and `kseg audit --format json`.
 */

const LOGS = join(FIXTURES, 'kafka-logs');
let server: RunningServer;

beforeAll(async () => {
  server = await startServer(new LogDirBrowser(LOGS), { port: 0 });
});
afterAll(async () => {
  await server?.close();
});

/** GET on the running server: status and parsed JSON (or text). */
function get(s: RunningServer, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: any; type: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = request(`${s.url.replace(/\/$/, '')}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const type = String(res.headers['content-type'] ?? '');
        resolvePromise({ status: res.statusCode ?? 0, type, body: type.startsWith('application/json') ? JSON.parse(text) : text });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
const api = async (path: string, params: Record<string, string | number>) => {
  const r = await get(server, `/api/${path}?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

/** What a command prints with --format json, parsed. */
function commandJson(run: (io: CatIo) => number): any {
  let out = '';
  const code = run({ out: (s) => (out += s), err: () => {}, color: false });
  expect(code).toBe(0);
  return JSON.parse(out);
}

const segId = (log: string) => /(\d{20})\.log$/.exec(log)![1]!;

/** Every batch of a segment, detached, as the library reads them. */
function allBatches(log: string): LogBatch[] {
  return [...readBatches(log, { detach: true })];
}

describe('kseg serve JSON API', () => {
  const dir = readLogDir(LOGS);

  it('lists the log dir from its folders', async () => {
    const r = await api('logdir', {});
    expect(r.partitions.map((p: any) => p.name)).toEqual(dir.partitions.map((p) => p.name));
    for (const p of dir.partitions) {
      const row = r.partitions.find((x: any) => x.name === p.name);
      expect(row.segmentCount).toBe(p.segments.filter((s) => s.log).length);
      expect(row.logBytes).toBe(p.segments.reduce((n, s) => n + s.logSize, 0));
    }
    expect(r.files.map((f: any) => f.name).sort()).toEqual(dir.files.map((f) => f.split('/').pop()).sort());
  });

  it("gives each partition the row of `kseg ls --format json`", async () => {
    const ls = lsJson(summarizeLogDir(LOGS));
    for (const p of ls.partitions) expect(await api('summary', { partition: p.name })).toEqual(JSON.parse(JSON.stringify(p)));
  });

  it('pages through every segment of every partition: the same batches, in the same order, as the segment reader', async () => {
    let batches = 0;
    for (const p of dir.partitions) {
      for (const seg of p.segments.filter((s) => s.log)) {
        const expected = allBatches(seg.log!);
        const got: any[] = [];
        let position: number | null = 0;
        let end: any = null;
        while (position !== null) {
          const page: any = await api('batches', { partition: p.name, segment: segId(seg.log!), position, limit: 7 });
          expect(page.batches.length).toBeLessThanOrEqual(7);
          got.push(...page.batches);
          position = page.next;
          end = page.end;
        }
        expect(got.map((b) => b.position)).toEqual(expected.map((b) => b.header.position));
        got.forEach((b, i) => {
          const want = expected[i]!;
          const { baseTimestamp, maxTimestamp, ...rest } = b;
          expect(rest).toEqual(JSON.parse(JSON.stringify(batchJson({ batch: want, crcValid: want.crcValid() }))));
          const h = want.header;
          expect(maxTimestamp).toBe(h.format === 'v2' ? h.maxTimestamp : h.timestamp);
          expect(baseTimestamp).toBe(h.format === 'v2' ? h.baseTimestamp : h.timestamp);
        });
        expect(end).toEqual({ position: seg.logSize, fileSize: seg.logSize, undersized: null });
        batches += got.length;
      }
    }
    expect(batches).toBe(lsJson(summarizeLogDir(LOGS)).totals.batches);
  });

  /** The batch view of one batch against `kseg explain` and `kseg cat` on the same bytes. */
  async function checkBatch(partition: string, log: string, b: LogBatch) {
    const position = b.header.position;
    const got = await api('batch', { partition, segment: segId(log), position, payload: 'json' });
    const explained = commandJson((io) => runExplain(log, { position, format: 'json' }, io));
    expect(got.explain).toEqual(explained.batches[0]);
    const offsets = b.records().records.map((r) => r.offset);
    const cat = commandJson((io) => runCat(join(LOGS, partition), { format: 'json', payload: 'json', fromOffset: offsets[0], toOffset: offsets[offsets.length - 1], maxPayload: 16 * 1024 }, io));
    expect(got.records).toEqual(cat.records);
    return got;
  }

  it("explains a zstd batch as `kseg explain` does, with the records `kseg cat` prints", async () => {
    const seg = dir.partitions.find((p) => p.name === 'rd-zstd-0')!.segments[0]!;
    const zstd = allBatches(seg.log!).filter((b) => b.header.compression === 4);
    expect(zstd.length).toBeGreaterThan(0);
    for (const b of zstd.slice(0, 5)) {
      const got = await checkBatch('rd-zstd-0', seg.log!, b);
      expect(got.explain.sections.map((s: any) => s.space)).toEqual(['file', 'decompressed']);
      expect(got.explain.codec).toBe('zstd');
      expect(got.records.length).toBe(b.header.format === 'v2' ? b.header.recordCount : 0);
    }
  });

  it('explains legacy wrappers (v0 lz4, v1 gzip) with their inner messages', async () => {
    for (const name of ['v0-lz4-0', 'v1-gzip-0']) {
      const seg = dir.partitions.find((p) => p.name === name)!.segments[0]!;
      for (const b of allBatches(seg.log!).slice(0, 3)) {
        const got = await checkBatch(name, seg.log!, b);
        expect(got.explain.format).toBe('legacy');
        expect(got.explain.sections[1].rows.some((r: any) => r.field.startsWith('messages[0].'))).toBe(true);
      }
    }
  });

  it('marks the records of aborted transactions as `kseg cat` does', async () => {
    const p = dir.partitions.find((x) => x.name === 'txn-0')!;
    let aborted = 0;
    for (const seg of p.segments.slice(0, 3)) {
      for (const b of allBatches(seg.log!)) {
        const got = await checkBatch('txn-0', seg.log!, b);
        aborted += got.records.filter((r: any) => r.aborted).length;
      }
    }
    expect(aborted).toBeGreaterThan(0);
  });

  it('names the index entries that point at each batch', async () => {
    const p = dir.partitions.find((x) => x.name === 'plain-0')!;
    for (const seg of p.segments) {
      const base = Number(seg.baseOffset);
      const entries = offsetIndexEntries(readFileSync(seg.index!), base);
      const times = timeIndexEntries(readFileSync(seg.timeindex!), base);
      for (const b of allBatches(seg.log!)) {
        const got = await api('batch', { partition: 'plain-0', segment: segId(seg.log!), position: b.header.position });
        const h = b.header;
        if (h.format !== 'v2') throw new Error('plain-0 holds v2 batches');
        expect(got.indexEntries.offset.map((e: any) => e.slot)).toEqual(entries.filter((e) => e.position === h.position).map((e) => e.slot));
        expect(got.indexEntries.time.map((e: any) => e.slot)).toEqual(times.filter((e) => e.offset >= h.baseOffset && e.offset <= h.lastOffset).map((e) => e.slot));
      }
    }
  });

  it('decodes index pages as the index decoders do, and each offset entry leads to a batch', async () => {
    for (const p of dir.partitions) {
      for (const seg of p.segments.filter((s) => s.log)) {
        const base = Number(seg.baseOffset);
        const id = segId(seg.log!);
        const positions = new Set(allBatches(seg.log!).map((b) => b.header.position));
        if (seg.index) {
          const want = offsetIndexEntries(readFileSync(seg.index), base);
          const got: any[] = [];
          for (let from: number | null = 0; from !== null; ) {
            const r: any = await api('index', { partition: p.name, segment: id, kind: 'offset', from, limit: 5 });
            got.push(...r.entries);
            from = r.next;
          }
          expect(got).toEqual(want);
          for (const e of got) expect(positions.has(e.position)).toBe(true);
        }
        if (seg.timeindex) {
          const r = await api('index', { partition: p.name, segment: id, kind: 'time', limit: 1000 });
          expect(r.entries).toEqual(timeIndexEntries(readFileSync(seg.timeindex), base));
        }
        if (seg.txnindex) {
          const r = await api('index', { partition: p.name, segment: id, kind: 'txn', limit: 1000 });
          expect(r.entries).toEqual(JSON.parse(JSON.stringify(abortedTxnEntries(readFileSync(seg.txnindex)))));
        }
      }
    }
  });

  it('seeks by offset and by time as `kseg cat --from-offset/--from-time` does, through the same index lookups', async () => {
    for (const name of ['plain-0', 'txn-0', 'rd-zstd-0', 'v1-gzip-0']) {
      const p = dir.partitions.find((x) => x.name === name)!;
      const all = [...readPartitionRecords(p)];
      // Offsets and times spread over the partition, from its own records.
      const picks = [0, 1, Math.floor(all.length / 3), Math.floor(all.length / 2), all.length - 1].map((i) => all[i]!);
      for (const pick of picks) {
        const byOffset = await api('seek', { partition: name, offset: String(pick.record.offset) });
        const first = readPartitionRecords(p, { fromOffset: pick.record.offset }).next().value!;
        expect(byOffset.found).toEqual({ segment: segId(first.segment.log!), position: first.batch.header.position, offset: first.record.offset, timestamp: first.record.timestamp });
        const via = seekOffset(p, pick.record.offset)!;
        expect(byOffset.via).toEqual({ segment: segId(via.segment.log!), indexSlot: via.indexSlot, position: via.position, timeIndexOffset: null });
        if (pick.record.timestamp < 0) continue;
        const byTime = await api('seek', { partition: name, time: String(pick.record.timestamp) });
        const t = seekTime(p, pick.record.timestamp)!;
        const firstT = readPartitionRecords(p, { fromTime: pick.record.timestamp }).next().value!;
        expect(byTime.found.offset).toBe(t.offset);
        expect(byTime.found).toEqual({ segment: segId(firstT.segment.log!), position: firstT.batch.header.position, offset: firstT.record.offset, timestamp: firstT.record.timestamp });
        expect(byTime.via.timeIndexOffset).toBe(t.offset);
      }
    }
  });

  it('pages records in offset order as `kseg cat --format json` prints them', async () => {
    const cat = commandJson((io) => runCat(join(LOGS, 'txn-0'), { format: 'json', payload: 'hex', fromOffset: 20, limit: 30, maxPayload: 16 * 1024 }, io));
    const page1 = await api('records', { partition: 'txn-0', offset: 20, limit: 20, payload: 'hex' });
    const page2 = await api('records', { partition: 'txn-0', offset: page1.next, limit: 10, payload: 'hex' });
    expect([...page1.records, ...page2.records]).toEqual(cat.records);
  });

  it('refuses what it must: other hosts, writes, names outside the log dir, positions that hold no batch', async () => {
    const hostile = await get(server, '/api/logdir', { host: 'attacker.example:80' });
    expect(hostile.status).toBe(403);
    expect((await get(server, '/api/logdir', {}, 'POST')).status).toBe(405);
    expect((await get(server, '/api/partition?partition=..')).status).toBe(404);
    expect((await get(server, '/api/partition?partition=..%2Fkafka-logs%2Fplain-0')).status).toBe(404);
    expect((await get(server, '/api/batches?partition=plain-0&segment=00000000000000000999')).status).toBe(404);
    expect((await get(server, '/api/batches?partition=plain-0&segment=00000000000000000000&position=-1')).status).toBe(400);
    const notBatch = await get(server, '/api/batch?partition=plain-0&segment=00000000000000000000&position=99999999');
    expect(notBatch.status).toBe(404);
    expect(notBatch.body.error).toMatch(/plain-0\/00000000000000000000\.log: byte 99999999: the file has \d+ bytes/);
    const empty = await get(server, '/api/batch?partition=compacted-0&segment=00000000000000000000&position=0');
    expect([empty.status, empty.body.error]).toEqual([404, `${join(LOGS, 'compacted-0', '00000000000000000000.log')}: byte 0: the file has 0 bytes`]);
    expect((await get(server, '/api/seek?partition=plain-0&offset=x')).status).toBe(400);
    expect((await get(server, '/etc/passwd')).status).toBe(404);
    const page = await get(server, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="app.js">');
  });
});

describe('kseg serve on damaged and large partitions', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kseg-serve-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('shows the audit of a damaged copy as `kseg audit --format json`, and the damaged batch fails its CRC', async () => {
    const logs = join(tmp, 'damaged');
    cpSync(LOGS, logs, { recursive: true });
    const seg = join(logs, 'plain-0', '00000000000000000000.log');
    const victim = allBatches(seg)[3]!.header;
    const bytes = readFileSync(seg);
    bytes[victim.position + 100] ^= 0x01; // one flipped bit inside the fourth batch's records
    writeFileSync(seg, bytes);
    const s = await startServer(new LogDirBrowser(logs), { port: 0 });
    try {
      const r = await get(s, '/api/audit?partition=plain-0');
      expect(r.body).toEqual(JSON.parse(auditJson(auditPath(join(logs, 'plain-0')))));
      expect(r.body.anomalies.some((a: any) => a.class === 'batch-crc' && a.file === seg && a.position === victim.position)).toBe(true);
      const b = await get(s, `/api/batch?partition=plain-0&segment=00000000000000000000&position=${victim.position}`);
      expect(b.body.explain.crc.valid).toBe(false);
      expect(b.body.batch.crcValid).toBe(false);
    } finally {
      await s.close();
    }
  });

  it('reads a page of a 64 MiB segment through one small window, wherever the page starts', async () => {
    const part = join(tmp, 'big', 'big-0');
    mkdirSync(part, { recursive: true });
    const { log, anchors } = buildSegment(fixtureBatches('plain-0', ['00000000000000000000.log']), 64 * 1024 * 1024, 0);
    writeFileSync(join(part, '00000000000000000000.log'), log);
    const s = await startServer(new LogDirBrowser(join(tmp, 'big')), { port: 0 });
    try {
      for (const at of [0, anchors[Math.floor(anchors.length / 2)]!, anchors[anchors.length - 60]!]) {
        const r = await get(s, `/api/batches?partition=big-0&segment=00000000000000000000&position=${at}&limit=50`);
        expect(r.body.batches.length).toBe(50);
        expect(r.body.batches[0].position).toBe(at);
        // 50 batches of ~600 B: one 256 KiB window, not the 64 MiB file.
        expect(r.body.bytesRead).toBeLessThanOrEqual(256 * 1024);
      }
      const last = await get(s, `/api/batches?partition=big-0&segment=00000000000000000000&position=${anchors[anchors.length - 3]}&limit=50`);
      expect(last.body.batches.length).toBe(3);
      expect(last.body.end).toEqual({ position: log.length, fileSize: log.length, undersized: null });
    } finally {
      await s.close();
    }
  });

  it('never writes: every file of the log dir is byte-identical, with the same times, after every kind of request', async () => {
    const logs = join(tmp, 'readonly');
    cpSync(LOGS, logs, { recursive: true, preserveTimestamps: true });
    const snapshot = () => {
      const out: string[] = [];
      const walk = (d: string) => {
        for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
          const f = join(d, e.name);
          if (e.isDirectory()) walk(f);
          else out.push(`${f} ${statSync(f).mtimeMs} ${createHash('sha256').update(readFileSync(f)).digest('hex')}`);
        }
      };
      walk(logs);
      return out;
    };
    const before = snapshot();
    const s = await startServer(new LogDirBrowser(logs), { port: 0 });
    try {
      for (const p of readLogDir(logs).partitions) {
        for (const path of ['summary', 'partition', 'audit']) expect((await get(s, `/api/${path}?partition=${p.name}`)).status).toBe(200);
        const seg = p.segments.find((x) => x.log && x.logSize > 0)!;
        expect((await get(s, `/api/batch?partition=${p.name}&segment=${segId(seg.log!)}&position=0`)).status).toBe(200);
        expect((await get(s, `/api/seek?partition=${p.name}&offset=1`)).status).toBe(200);
        expect((await get(s, `/api/records?partition=${p.name}&limit=5`)).status).toBe(200);
      }
    } finally {
      await s.close();
    }
    expect(snapshot()).toEqual(before);
  });
});
