import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DumpDriver, KAFKA_VERSION, runRealDumpLog } from '../scripts/kafka-lib.mjs';
import { FIXTURES, dumpInProcess } from './helpers.js';
import { HAVE_KAFKA, ensureKafka } from './real-kafka.js';

/**
 * The real DumpLogSegments (Kafka's jars from Maven Central) and kafka-dump-log on command-line
 * cases: same stdout, stderr and exit code. Also checks that the one-JVM driver the corpus and
 * fuzz comparisons use gives what a JVM per run gives.
 */
describe.skipIf(!HAVE_KAFKA)(`the real Kafka ${KAFKA_VERSION} DumpLogSegments`, () => {
  let driver: DumpDriver;
  const tmp = mkdtempSync(join(tmpdir(), 'kseg-real-tool-'));
  beforeAll(() => {
    ensureKafka();
    driver = new DumpDriver({ cwd: FIXTURES });
  });
  afterAll(() => {
    driver?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const seg = 'kafka-logs/txn-0/00000000000000000025.log';
  const CASES: string[][] = [
    ['--version'],
    ['--help'],
    [],
    ['--files'],
    ['--bogus', '--files', seg],
    ['--files', seg, '--max-bytes', 'abc'],
    ['--files', 'kafka-logs/nope-0/00000000000000000000.log'],
    ['--files', 'kafka-logs/plain-0/leader-epoch-checkpoint'],
    ['--print-data-log', '--files', seg],
    ['--deep-iteration', '--skip-record-metadata', '--files', seg],
    ['--files', `${seg},kafka-logs/txn-0/00000000000000000025.txnindex`],
    ['--value-decoder-class', 'kafka.serializer.IntegerDecoder', '--print-data-log', '--files', seg],
    ['--value-decoder-class', 'com.example.Nope', '--print-data-log', '--files', seg],
  ];

  it.each(CASES.map((c) => [c.join(' ') || '(no arguments)', c]))('%s', async (_name, args) => {
    const real = await driver.run(args as string[]);
    const ours = dumpInProcess(args as string[], FIXTURES);
    expect({ code: ours.code, stderr: ours.stderr.toString('utf8') }).toEqual({ code: real.code, stderr: real.stderr.toString('utf8') });
    expect(ours.stdout.toString('utf8')).toBe(real.stdout.toString('utf8'));
  });

  it('the one-JVM driver prints what a JVM per run prints', async () => {
    for (const args of [['--version'], ['--bogus'], ['--print-data-log', '--files', seg], ['--files', 'kafka-logs/nope-0/00000000000000000000.log']]) {
      const one = runRealDumpLog(args, { cwd: FIXTURES });
      const many = await driver.run(args);
      expect({ code: many.code, out: many.stdout.toString(), err: many.stderr.toString() }).toEqual({
        code: one.code,
        out: one.stdout.toString(),
        // a JVM that dies prints the stack too; the recordings (and the driver) keep the first line
        err: one.stderr.toString().split('\n').filter((l) => !/^\s+(at |\.\.\. \d+ more)|^Caused by: /.test(l)).join('\n'),
      });
    }
  });
});
