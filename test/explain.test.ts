import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { COMPRESSION_NAMES } from '../src/codec/index.js';
import { RECORD_BATCH_LAYOUT } from '../src/format/batch.js';
import { type CatIo } from '../src/cli/cat.js';
import { runExplain } from '../src/cli/explain.js';
import { readBatches } from '../src/io/batches.js';
import { readLogDir } from '../src/io/logdir.js';
import { colorWanted } from '../src/view/color.js';
import { type ExplainBatch, explainBatch, explainDocument } from '../src/view/explain.js';
import { toJson } from '../src/view/json.js';
import { FIXTURES, HAVE_SHARED, SHARED } from './helpers.js';

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
const validateExplain = ajv.compile(JSON.parse(readFileSync(resolve(FIXTURES, '../schema/explain.schema.json'), 'utf8')));

/**
 * The rows of every section tile it exactly (each row starts where the previous ended, the first at
 * the section start, the last at its end), and in the file section each row's hex is the file's
 * own bytes at that range.
 */
function checkTiling(e: ExplainBatch, file: Buffer): void {
  const where = `${e.file}@${e.position}`;
  // Plain comparisons (one expect per row would dominate the run time); the first failure throws.
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  const first = e.sections[0]!;
  if (first.space !== 'file' || first.start !== e.position || first.end !== e.position + e.sizeInBytes) fail('the file section is not the batch');
  for (const s of e.sections) {
    let at = s.start;
    for (const r of s.rows) {
      if (r.start !== at) fail(`${s.space} ${r.field}: starts at ${r.start}, previous row ended at ${at} (gap or overlap)`);
      if (r.end <= r.start) fail(`${r.field}: empty range`);
      if (r.hex.length !== 2 * (r.end - r.start)) fail(`${r.field}: hex length`);
      if (s.space === 'file' && r.hex !== file.subarray(r.start, r.end).toString('hex')) fail(`${r.field}: hex is not the file's bytes`);
      at = r.end;
    }
    if (at !== s.end) fail(`${s.space}: rows end at ${at}, section at ${s.end}`);
  }
  if (!e.crc.valid) fail('crc');
  if (e.error !== null) fail(e.error);
}

interface Seen {
  batches: number;
  kinds: Set<string>;
}

/** Explains every batch of every segment of the given partitions; checks tiling and schema. */
function explainAll(logDir: string, names: (n: string) => boolean, maxPerSegment: number): Seen {
  const seen: Seen = { batches: 0, kinds: new Set() };
  for (const p of readLogDir(logDir).partitions) {
    if (!names(p.name)) continue;
    for (const s of p.segments) {
      if (!s.log || s.logSize === 0) continue;
      const bytes = readFileSync(s.log);
      const explained: ExplainBatch[] = [];
      for (const b of readBatches(s.log, { detach: true })) {
        const e = explainBatch(b);
        checkTiling(e, bytes);
        // Header rows carry the decoded header's values.
        if (b.header.format === 'v2') {
          const h = b.header;
          for (const f of RECORD_BATCH_LAYOUT) {
            const row = e.sections[0]!.rows.find((r) => r.field === f.field)!;
            expect([row.start - h.position, row.end - row.start]).toEqual([f.offset, f.length]);
          }
          expect(e.sections[0]!.rows.find((r) => r.field === 'baseOffset')!.value).toBe(h.baseOffset);
          expect(e.sections[0]!.rows.find((r) => r.field === 'recordCount')!.value).toBe(h.recordCount);
        }
        // Every record's value is in the rows, at bytes equal to the decoder's.
        const recs = b.records().records;
        const rows = new Map(e.sections.flatMap((x) => x.rows).map((r) => [r.field, r]));
        recs.forEach((r, i) => {
          const name = b.header.format === 'v2' ? `records[${i}].value` : b.header.compression === 0 ? 'value' : `messages[${i}].value`;
          const row = rows.get(name);
          const want = r.value !== null && r.value.length > 0 ? Buffer.from(r.value).toString('hex') : undefined;
          if (row?.hex !== want) expect(row?.hex, `${s.log}@${b.header.position} ${name}`).toBe(want);
        });
        seen.kinds.add(`magic ${b.header.magic} ${COMPRESSION_NAMES[b.header.compression]}`);
        explained.push(e);
        seen.batches++;
        if (explained.length >= maxPerSegment) break;
      }
      const doc = JSON.parse(toJson(explainDocument(s.log, explained)));
      expect(validateExplain(doc), JSON.stringify(validateExplain.errors?.slice(0, 3))).toBe(true);
    }
  }
  return seen;
}

describe('explain: byte ranges tile each batch exactly (fixtures)', () => {
  it('every batch of every fixture segment', () => {
    const seen = explainAll(resolve(FIXTURES, 'kafka-logs'), () => true, Infinity);
    expect(seen.batches).toBeGreaterThan(500);
    expect(explainAll(resolve(FIXTURES, 'kraft/gritlab'), () => true, Infinity).batches).toBeGreaterThan(10);
    for (const k of ['magic 2 none', 'magic 2 zstd', 'magic 2 snappy', 'magic 1 gzip', 'magic 0 lz4']) expect(seen.kinds).toContain(k);
  });
});

describe.skipIf(!HAVE_SHARED)('explain: byte ranges tile each batch exactly (corpus, every codec and magic)', () => {
  it('batches of every partition, magic 0/1/2 × none/gzip/snappy/lz4/zstd', () => {
    const seen = explainAll(resolve(SHARED, 'corpus/kafka-logs'), () => true, 40);
    for (const magic of [0, 1, 2]) for (const codec of COMPRESSION_NAMES) if (!(magic < 2 && codec === 'zstd')) expect(seen.kinds).toContain(`magic ${magic} ${codec}`);
    expect(seen.batches).toBeGreaterThan(1000);
  });

  it('KRaft metadata logs (control records: snapshot, leader change, voters)', () => {
    let batches = 0;
    for (const cluster of ['flink-on-prem', 'gritlab', 'patient-admissions']) batches += explainAll(resolve(SHARED, 'kraft', cluster), () => true, 60).batches;
    expect(batches).toBeGreaterThan(100);
  });
});

describe('the tiling check itself', () => {
  it('catches a missing or shifted row', () => {
    const seg = resolve(FIXTURES, 'kafka-logs/rd-zstd-0/00000000000000000000.log');
    const bytes = readFileSync(seg);
    const b = readBatches(seg, { detach: true }).next().value as Parameters<typeof explainBatch>[0];
    const good = explainBatch(b);
    checkTiling(good, bytes);
    const gap = structuredClone(good);
    gap.sections[1]!.rows.splice(5, 1);
    expect(() => checkTiling(gap, bytes)).toThrow(/gap or overlap/);
    const shifted = structuredClone(good);
    shifted.sections[0]!.rows[2]!.start += 1;
    expect(() => checkTiling(shifted, bytes)).toThrow(/gap or overlap/);
  });
});

describe('kseg explain command', () => {
  const plainSeg = resolve(FIXTURES, 'kafka-logs/plain-0/00000000000000000189.log');
  const run = (file: string, opts: Parameters<typeof runExplain>[1], color = false): { code: number; out: string; err: string } => {
    let out = '';
    let err = '';
    const io: CatIo = { out: (s) => (out += s), err: (s) => (err += s), color };
    return { code: runExplain(file, opts, io), out, err };
  };

  it('--offset explains the batch holding it, found through the index', () => {
    for (const o of [189, 200, 250, 356]) {
      const r = run(plainSeg, { format: 'json', offset: o });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.out);
      expect(validateExplain(doc)).toBe(true);
      const rows = doc.batches[0].sections[0].rows;
      const base = rows.find((x: { field: string }) => x.field === 'baseOffset').value;
      const delta = rows.find((x: { field: string }) => x.field === 'lastOffsetDelta').value;
      expect(base <= o && o <= base + delta).toBe(true);
    }
  });

  it('--position explains the batch there; a position inside a batch is an error naming file and byte', () => {
    const batches = [...readBatches(plainSeg)].map((b) => b.header.position);
    const r = run(plainSeg, { format: 'json', position: batches[3], count: 2 });
    expect(JSON.parse(r.out).batches.map((b: { position: number }) => b.position)).toEqual([batches[3], batches[4]]);
    const bad = run(plainSeg, { format: 'text', position: batches[3]! + 5 });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(`${plainSeg}: byte ${batches[3]! + 5}:`);
  });

  it('text: plain when not a TTY or NO_COLOR, coloured otherwise', () => {
    const plain = run(plainSeg, { format: 'text' });
    expect(plain.out).not.toMatch(/\x1b\[/);
    expect(plain.out).toMatch(/^ *0\.\.8 +00 00 00 00 00 00 00 bd +baseOffset +189 /m);
    expect(plain.out).toMatch(/records\[0\]\.offsetDelta/);
    expect(run(plainSeg, { format: 'text' }, true).out).toMatch(/\x1b\[36m/);
    expect(colorWanted({ isTTY: true }, {})).toBe(true);
    expect(colorWanted({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorWanted({ isTTY: false }, {})).toBe(false);
  });

  it("a compressed batch's records row: the stored size is the stream's, the decompressed size said as such; one record is 'the record'", () => {
    const snappy = run(resolve(FIXTURES, 'kafka-logs/java-snappy-0/00000000000000000000.log'), { format: 'json' });
    const rows = JSON.parse(snappy.out).batches[0].sections[0].rows as Array<{ field: string; start: number; end: number; meaning: string }>;
    const records = rows.find((r) => r.field === 'records')!;
    const decompressed = JSON.parse(snappy.out).batches[0].sections[1].end;
    expect(records.meaning).toBe(`the 134 records, compressed into one snappy stream of ${records.end - records.start} bytes; ${decompressed} bytes decompressed (below)`);
    if (HAVE_SHARED) {
      const one = run(resolve(SHARED, 'corpus/kafka-logs/rd-lz4-0/00000000000000000000.log'), { format: 'text', count: 500 });
      expect(one.out).toMatch(/records +lz4, (\d+) bytes +the record, compressed into one lz4 stream of \1 bytes; \d+ bytes decompressed \(below\)/);
      expect(one.out).not.toContain('the 1 records');
    }
  });

  it('nothing to explain is said on stderr, exit 0; damage is exit 1', () => {
    const past = run(plainSeg, { format: 'text', offset: 99999 });
    expect(past).toEqual({ code: 0, out: '', err: `kseg explain: ${plainSeg}: nothing to explain: no batch holds offset 99999\n` });
  });

  it('both --offset and --position is a usage error', () => {
    expect(run(plainSeg, { format: 'text', offset: 189, position: 0 }).code).toBe(2);
  });
});
