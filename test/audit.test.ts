import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { ANOMALY_CLASSES, auditPath, auditTarget } from '../src/audit/index.js';
import { resolvePath, targetLogBytes } from '../src/io/paths.js';
import { auditJson, auditText } from '../src/audit/report-text.js';
import { copyPartition, flip, SEG } from './audit-helpers.js';
import { FIXTURES, HAVE_SHARED, REPO, SHARED } from './helpers.js';

const schema = JSON.parse(readFileSync(join(REPO, 'schema/audit.schema.json'), 'utf8'));
const validate = new (Ajv2020 as unknown as typeof Ajv2020.default)({ allErrors: true }).compile(schema);

/** Snapshot of a directory's files (name, size, mtime) to prove the audit wrote nothing. */
function listing(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = join(e.parentPath, e.name);
    const st = statSync(p);
    out.push(`${p} ${st.size} ${st.mtimeMs}`);
  }
  return out.sort();
}

describe('audit: no false alarm on real data', () => {
  it('fixtures/kafka-logs is clean: exit 0, zero anomalies, every batch read, nothing written', () => {
    const dir = join(FIXTURES, 'kafka-logs');
    const before = listing(dir);
    const r = auditPath(dir);
    expect(r.anomalies).toEqual([]);
    expect(r.target).toBe('logdir');
    expect(r.summary.partitions).toBe(7);
    expect(r.summary.batches).toBeGreaterThan(1000);
    // compacted-0's gaps are explained, and the checkpoints name partitions this sample lacks.
    expect(r.notes.some((n) => n.class === 'offset-gap' && n.file.includes('compacted-0'))).toBe(true);
    expect(listing(dir)).toEqual(before);
    expect(validate(JSON.parse(auditJson(r))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('fixtures/kraft/gritlab (a real KRaft metadata log) is clean', () => {
    const r = auditPath(join(FIXTURES, 'kraft/gritlab'));
    expect(r.anomalies).toEqual([]);
    expect(r.summary.batches).toBeGreaterThan(1000);
  });

  it('each partition and each segment file audited alone is clean too', () => {
    for (const p of readdirSync(join(FIXTURES, 'kafka-logs'))) {
      const dir = join(FIXTURES, 'kafka-logs', p);
      if (!statSync(dir).isDirectory()) continue;
      expect(auditPath(dir).anomalies, p).toEqual([]);
      for (const f of readdirSync(dir)) {
        if (!/^\d{20}\.(log|index|timeindex|txnindex|snapshot)$/.test(f)) continue;
        const r = auditPath(join(dir, f));
        expect(r.target).toBe('file');
        expect(r.anomalies, `${p}/${f}`).toEqual([]);
      }
    }
  });
});

describe.skipIf(!HAVE_SHARED)('audit: the real-broker corpus (../shared)', () => {
  it.each(['kafka-logs', 'live-logs'])('corpus/%s: exit 0, zero anomalies', (name) => {
    const r = auditPath(join(SHARED, 'corpus', name));
    expect(r.anomalies).toEqual([]);
    expect(r.summary.partitions).toBe(31);
    expect(r.summary.records).toBeGreaterThan(18000);
    expect(validate(JSON.parse(auditJson(r))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('live-logs: the active segments\' preallocated zero-padded indexes are notes, not anomalies', () => {
    const r = auditPath(join(SHARED, 'corpus/live-logs'));
    const pre = r.notes.filter((n) => n.class === 'index-preallocated');
    expect(pre.length).toBeGreaterThan(30);
    expect(pre.every((n) => n.severity === 'info' && n.end! > n.position)).toBe(true);
  });

  it('kraft/gritlab and kraft/flink-on-prem are clean; missing indexes and stale snapshots are notes', () => {
    for (const d of ['gritlab', 'flink-on-prem']) {
      const r = auditPath(join(SHARED, 'kraft', d));
      expect(r.anomalies, d).toEqual([]);
    }
    const pa = auditPath(join(SHARED, 'kraft/patient-admissions'));
    expect(pa.notes.filter((n) => n.class === 'index-missing').length).toBeGreaterThan(100);
    expect(pa.anomalies.filter((a) => a.severity === 'error')).toEqual([]);
    // The only warnings: high watermarks beyond the end of logs that were copied shorter.
    expect(new Set(pa.anomalies.map((a) => a.class))).toEqual(new Set(['checkpoint-beyond-log']));
  });
});

describe('audit: progress counts bytes', () => {
  it('the bytes reported add up to the bytes of every segment read, damaged ones included', () => {
    const c = copyPartition('plain-0');
    try {
      flip(c.file(SEG(0, 'log')), 100);
      for (const path of [join(FIXTURES, 'kafka-logs'), join(FIXTURES, 'kraft/gritlab'), c.dir]) {
        const t = resolvePath(path);
        const sizes: number[] = [];
        auditTarget(t, { onBytes: (n) => sizes.push(n) });
        expect(sizes.reduce((a, b) => a + b, 0), path).toBe(targetLogBytes(t));
        // Batch by batch: one big partition moves the bar too.
        expect(sizes.length).toBeGreaterThan(10);
      }
    } finally {
      c.cleanup();
    }
  });
});

describe('audit: report and CLI', () => {
  it('schema lists exactly the classes the audit can report', () => {
    expect(schema.$defs.finding.properties.class.enum).toEqual([...ANOMALY_CLASSES]);
  });

  it('kseg audit exits 0 clean, 1 with anomalies (human and json), 2 when it cannot run', () => {
    const bin = join(REPO, 'bin/kseg.js');
    if (!statSync(join(REPO, 'dist/bundle/kseg.js'), { throwIfNoEntry: false })) return; // needs a build
    const clean = spawnSync(process.execPath, [bin, 'audit', join(FIXTURES, 'kafka-logs/txn-0')], { encoding: 'utf8' });
    expect(clean.status).toBe(0);
    expect(clean.stdout).toContain('CLEAN: no anomalies.');

    const c = copyPartition('plain-0');
    try {
      flip(c.file(SEG(0, 'log')), 100);
      const human = spawnSync(process.execPath, [bin, 'audit', c.dir], { encoding: 'utf8' });
      expect(human.status).toBe(1);
      expect(human.stdout).toMatch(/ERROR\s+batch-crc at byte \d+, offset \d+: CRC-32C stored/);
      const json = spawnSync(process.execPath, [bin, 'audit', '--format', 'json', c.dir], { encoding: 'utf8' });
      expect(json.status).toBe(1);
      const doc = JSON.parse(json.stdout);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
      expect(doc.clean).toBe(false);
      expect(doc.anomalies[0]).toMatchObject({ class: 'batch-crc', severity: 'error', file: c.file(SEG(0, 'log')) });
    } finally {
      c.cleanup();
    }
    const missing = spawnSync(process.execPath, [bin, 'audit', join(REPO, 'no-such-dir')], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no such file or directory');
    const badFormat = spawnSync(process.execPath, [bin, 'audit', '--format', 'xml', FIXTURES], { encoding: 'utf8' });
    expect(badFormat.status).toBe(2);
  });

  it('the human report lists each anomaly under its file with class, byte and offset', () => {
    const c = copyPartition('txn-0');
    try {
      const log = c.file(SEG(131, 'log'));
      flip(log, 30);
      const text = auditText(auditPath(c.dir));
      expect(text).toContain(`\n${log}\n  ERROR   batch-crc at byte 0, offset 131: CRC-32C stored`);
      expect(text).toMatch(/ANOMALIES: 1 error\(s\), 0 warning\(s\)\.\n$/);
    } finally {
      c.cleanup();
    }
  });
});
