import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditSegment } from '../src/audit/segment.js';
import { Findings } from '../src/audit/types.js';
import { crc32c } from '../src/codec/index.js';
import { V2_CRC_START } from '../src/format/batch.js';
import { formatRange } from '../src/dump/log.js';
import { ByteSink } from '../src/dump/output.js';
import { DEFAULT_CHUNK, SegmentFile } from '../src/io/segment-file.js';
import { readBatches } from '../src/io/batches.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { runExplain } from '../src/cli/explain.js';
import { FIXTURES, buildSegment, fixtureBatches } from './helpers.js';

/**
 * A length field damaged to claim megabytes (a crash's torn write, a flipped high bit) must not
 * make kseg read the claimed entry in one piece: the audit and shallow dumps check its checksum
 * window by window. Here a real segment of ~3 MB has one batch claiming 2 MB.
 */
const dir = mkdtempSync(join(tmpdir(), 'kseg-claims-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLAIM = 2_000_000;

/** plain-0's real batches renumbered from 0 up to `bytes`; batch `damaged` claims CLAIM bytes. */
function damagedSegment(bytes: number, damaged: number): { log: Buffer; at: number } {
  const { log, anchors } = buildSegment(fixtureBatches('plain-0', ['00000000000000000189.log']), bytes, 0);
  const at = anchors[damaged]!;
  log.writeInt32BE(CLAIM - 12, at + 8);
  return { log, at };
}

describe('a length field claiming megabytes', () => {
  const { log, at } = damagedSegment(3_200_000, 100);
  const path = join(dir, '00000000000000000000.log');
  writeFileSync(path, log);

  it('kseg audit reports it as a bad size, with and without --resync, reading no more than its window at once', () => {
    for (const resync of [false, true]) {
      const findings = new Findings();
      const scan = auditSegment(path, findings, { resync });
      expect(findings.all.find((a) => a.class === 'batch-size')?.position, `resync ${resync}`).toBe(at + 8);
      expect(scan.largestRead).toBeLessThanOrEqual(DEFAULT_CHUNK);
      if (resync) expect(scan.batchCount).toBeGreaterThan(4000);
    }
  });

  it('a shallow dump prints it as invalid and steps over the claim, as when it reads it whole, with a window of 4 KiB', () => {
    const dump = (chunk: number) => {
      const file = new SegmentFile(path, chunk);
      const parts: Buffer[] = [];
      const out = new ByteSink((c) => parts.push(Buffer.from(c)));
      try {
        const opts = { printContents: false, deepIteration: false, skipRecordMetadata: false, maxBytes: 2147483647, parser: null as never };
        const r = formatRange({ file, path, windowEnd: file.size, opts, out, gap: () => {} }, 0, file.size, -1);
        out.flush();
        return { text: Buffer.concat(parts).toString('utf8'), position: r.position, largestRead: file.largestRead };
      } finally {
        file.close();
      }
    };
    const small = dump(4096);
    const whole = dump(8 << 20); // the claimed entry fits this window: read whole
    expect(small.text).toBe(whole.text);
    expect(small.position).toBe(whole.position);
    expect(small.text).toContain(`position: ${at} CreateTime:`);
    expect(small.text.split('\n').find((l) => l.includes(`position: ${at} `))).toMatch(/isvalid: false$/);
    expect(small.text.split('\n').filter((l) => l.startsWith('baseOffset')).length).toBeGreaterThan(100);
    expect(small.largestRead).toBeLessThanOrEqual(4096);
    expect(whole.largestRead).toBeGreaterThanOrEqual(CLAIM);
  });

  it('kseg ls, stats and cat (readBatches bounded): the batch keeps its header and the records its first window holds, with the cut said', () => {
    const read = (boundUnverified: boolean) =>
      [...readBatches(path, { chunk: 4096, detach: true, boundUnverified })].map((b) => {
        const d = b.records();
        return { position: b.header.position, size: b.header.sizeInBytes, crc: b.crcValid(), records: d.records.map((r) => [r.offset, Buffer.from(r.value ?? []).toString('hex')]), error: d.error?.message ?? null };
      });
    const whole = read(false);
    const bounded = read(true);
    expect(bounded.map((b) => ({ ...b, error: null }))).toEqual(whole.map((b) => ({ ...b, error: null })));
    const damaged = bounded.find((b) => b.position === at)!;
    expect(damaged.size).toBe(CLAIM);
    expect(damaged.crc).toBe(false);
    expect(damaged.records.length).toBeGreaterThan(0);
    expect(damaged.error).toContain(whole.find((b) => b.position === at)!.error!);
    expect(damaged.error).toContain(`batch claims ${CLAIM} bytes, more than the read window, and its checksum fails: records decoded from its first 4096 bytes`);
  });

  it('kseg explain shows the bytes it read of such a batch, the checksum over all it claims, and where it stopped', () => {
    let out = '';
    const io = { out: (t: string) => void (out += t), err: (t: string) => void (out += t), color: false };
    // Explained, and damaged: exit 1 (findings), as for every kseg command.
    expect(runExplain(path, { position: at, format: 'json' }, io)).toBe(1);
    const doc = JSON.parse(out);
    const validate = new Ajv2020({ strict: true, allowUnionTypes: true }).compile(JSON.parse(readFileSync(join(FIXTURES, '../schema/explain.schema.json'), 'utf8')));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const b = doc.batches[0];
    expect(b.sizeInBytes).toBe(CLAIM);
    // The checksum over everything the length field claims, computed window by window.
    expect(b.crc).toEqual({ algorithm: 'crc32c', stored: log.readUInt32BE(at + 17), computed: crc32c(log.subarray(at + V2_CRC_START, at + CLAIM)), valid: false, start: at + V2_CRC_START, end: at + CLAIM });
    // The rows tile the bytes read (the read window), the decoded records first.
    const rows = b.sections[0].rows as Array<{ start: number; end: number; field: string }>;
    expect(rows[0]!.start).toBe(at);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.start).toBe(rows[i - 1]!.end);
    expect(rows.at(-1)!.end).toBe(at + DEFAULT_CHUNK);
    expect(rows.some((r) => r.field === 'records[0].value')).toBe(true);
    expect(b.error).toContain(`batch claims ${CLAIM} bytes, more than the read window`);
  });
});

