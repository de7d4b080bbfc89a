import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, dumpInProcess } from './helpers.js';

/** Behaviour of kafka-dump-log that the recorded corpus runs do not exercise. */
const run = (...args: string[]) => {
  const r = dumpInProcess(args, FIXTURES);
  return { out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8'), code: r.code };
};

describe('kafka-dump-log: decoders and options beyond the recorded runs', () => {
  it('--version prints the Kafka version it reproduces', () => {
    expect(run('--version')).toEqual({ out: '4.3.2\n', err: '', code: 0 });
  });

  it('an unknown decoder class fails after the Dumping line, as Kafka 4.3 does', () => {
    const r = run('--value-decoder-class', 'com.example.Nope', '--files', 'kafka-logs/plain-0/00000000000000000000.log');
    expect(r.out).toBe('Dumping kafka-logs/plain-0/00000000000000000000.log\n');
    expect(r.err).toBe('Exception in thread "main" java.lang.RuntimeException: Failed to load decoder class\n');
    expect(r.code).toBe(1);
  });

  it('IntegerDecoder reads the first 4 bytes big-endian; a shorter value underflows', () => {
    const r = run('--key-decoder-class', 'org.apache.kafka.tools.api.IntegerDecoder', '--value-decoder-class', 'org.apache.kafka.tools.api.LongDecoder', '--files', 'kafka-logs/txn-0/00000000000000000025.log');
    // The first data record has an empty value: LongDecoder cannot read 8 bytes from it.
    expect(r.err).toBe('Exception in thread "main" java.nio.BufferUnderflowException\n');
    expect(r.code).toBe(1);
    expect(r.out).toContain('| offset: 25 CreateTime: 1795346862554 keySize: 4 valueSize: 6 sequence: -1 headerKeys: [] endTxnMarker: ABORT coordinatorEpoch: 0\n');
  });

  it('StringDecoder given explicitly equals the default', () => {
    const file = 'kafka-logs/txn-0/00000000000000000025.log';
    const a = run('--print-data-log', '--files', file);
    const b = run('--value-decoder-class', 'org.apache.kafka.tools.api.StringDecoder', '--files', file);
    expect(b).toEqual(a);
  });

  it('--max-bytes cuts the window and suppresses the invalid-bytes line', () => {
    const r = run('--max-bytes', '1000', '--files', 'kafka-logs/plain-0/00000000000000000000.log');
    const positions = [...r.out.matchAll(/ position: (\d+) .* size: (\d+) /g)].map((m) => Number(m[1]) + Number(m[2]));
    expect(positions.length).toBeGreaterThan(0);
    expect(Math.max(...positions)).toBeLessThanOrEqual(1000);
    expect(r.out).not.toContain('invalid bytes');
  });

  it('"--files a,,b,," skips trailing empty entries and ignores the empty middle one', () => {
    const r = run('--files', 'kafka-logs/plain-0/00000000000000000000.txnindex,,kafka-logs/plain-0/leader-epoch-checkpoint,,');
    expect(r.out).toBe('Dumping kafka-logs/plain-0/00000000000000000000.txnindex\nDumping \nDumping kafka-logs/plain-0/leader-epoch-checkpoint\n');
    expect(r.err).toBe('Ignoring unknown file \nIgnoring unknown file kafka-logs/plain-0/leader-epoch-checkpoint\n');
  });

  it('never writes to the log dir: a missing .index fails without being created (Kafka would create it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kseg-ro-'));
    try {
      cpSync(resolve(FIXTURES, 'kafka-logs/plain-0/00000000000000000000.log'), join(dir, '00000000000000000000.log'));
      const before = readdirSync(dir);
      const r = dumpInProcess(['--files', join(dir, '00000000000000000000.index')], dir);
      expect(r.stderr.toString()).toBe('Exception in thread "main" java.lang.IllegalArgumentException: Invalid max index size: -1\n');
      expect(readdirSync(dir)).toEqual(before);
      expect(existsSync(join(dir, '00000000000000000000.index'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a zero-filled tail of a copied segment crashes like Kafka (size 0 < 14), after the real batches', async () => {
    const { appendFileSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'kseg-zero-'));
    try {
      const file = join(dir, '00000000000000000000.log');
      cpSync(resolve(FIXTURES, 'kafka-logs/plain-0/00000000000000000000.log'), file);
      appendFileSync(file, Buffer.alloc(4096));
      const r = dumpInProcess(['--files', file], dir);
      expect(r.code).toBe(1);
      expect(r.stderr.toString()).toBe(`Exception in thread "main" org.apache.kafka.common.errors.CorruptRecordException: Found record size 0 smaller than minimum record overhead (14) in file ${file}.\n`);
      expect(r.stdout.toString().split('\n').filter((l) => l.startsWith('baseOffset:')).length).toBeGreaterThan(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
