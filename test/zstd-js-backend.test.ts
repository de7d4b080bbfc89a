// The pure-JS zstd fallback (what runs where zstd-napi did not build) against the real tool, on
// the zstd damage both backends must agree on (issue 14: one behaviour whatever is installed).
// KSEG_ZSTD=js is read when the codec first loads: this file sets it before importing anything.
process.env.KSEG_ZSTD = 'js';

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const { zstdBackend } = await import('../src/codec/zstd.js');
const { zstdRawFrame, fixV2Crc } = await import('./fuzz/encode.js');
const { entriesOf, recordsOf, splice } = await import('./fuzz/mutators.js');
const { FIXTURES, dumpInProcess } = await import('./helpers.js');
const { useRealDumpDriver } = await import('./real-kafka.js');

const dir = mkdtempSync(join(tmpdir(), 'kseg-zstd-js-'));
const realDriver = useRealDumpDriver(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ZSTD = 'kafka-logs/rd-zstd-0/00000000000000000854.log';

/** The segment with its first zstd batch's payload replaced by `frame(stream)` (length and CRC fixed). */
function segment(frame: (stream: Buffer) => Buffer): string {
  const log = readFileSync(join(FIXTURES, ZSTD));
  const e = entriesOf(log).find((x) => (log[x.pos + 22]! & 7) === 4)!;
  const batch = Buffer.concat([log.subarray(e.pos, e.pos + 61), frame(recordsOf(log, e)!.stream)]);
  batch.writeInt32BE(batch.length - 12, 8);
  fixV2Crc(batch, 0);
  const name = `s${Math.random().toString(36).slice(2)}/rd-zstd-0/00000000000000000854.log`;
  mkdirSync(join(dir, name, '..'), { recursive: true });
  writeFileSync(join(dir, name), splice(log, e.pos, e.total, batch));
  return name;
}

describe('zstd on the pure-JS fallback (KSEG_ZSTD=js)', () => {
  it('runs on fzstd here', () => {
    expect(zstdBackend()).toBe('fzstd (pure JS)');
  });

  // The expected stderr (null: the dump completes, with the segment's own end-of-run report).
  const cases: Array<[string, (s: Buffer) => Buffer, string | null]> = [
    [
      'a wrong content checksum fails the batch, as zstd-jni and the native path fail it',
      (s) => {
        const f = zstdRawFrame(s, { checksum: true, contentSize: false });
        f[f.length - 2] ^= 0x40;
        return f;
      },
      'Exception in thread "main" org.apache.kafka.common.KafkaException: Failed to decompress record stream\n',
    ],
    ['a right content checksum passes', (s) => zstdRawFrame(s, { checksum: true, contentSize: true }), null],
    ['bytes after the frame fail the read after the last record', (s) => Buffer.concat([zstdRawFrame(s, { checksum: false, contentSize: false }), Buffer.from('xyz!')]), 'Exception in thread "main" org.apache.kafka.common.KafkaException: Error checking for remaining bytes after reading batch\n'],
    ['a frame cut inside its only block: "Truncated source" before any record', (s) => zstdRawFrame(s, { checksum: false, contentSize: false }).subarray(0, 40), 'Exception in thread "main" org.apache.kafka.common.KafkaException: Failed to decompress record stream\n'],
  ];
  for (const [name, frame, stderr] of cases) {
    it(name, async () => {
      const args = ['--deep-iteration', '--files', segment(frame)];
      const ours = dumpInProcess(args, dir);
      if (stderr === null) expect(ours.code).toBe(0);
      else expect(ours.stderr.toString()).toBe(stderr);
      const driver = realDriver();
      if (driver) {
        const real = await driver.run(args);
        expect({ code: ours.code, stderr: ours.stderr.toString() }).toEqual({ code: real.code, stderr: real.stderr.toString() });
        expect(ours.stdout.toString()).toBe(real.stdout.toString());
      }
    });
  }
});
