import { spawnSync } from 'node:child_process';
import { closeSync, constants, copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DumpDriver, KAFKA_VERSION } from '../scripts/kafka-lib.mjs';
import { FIXTURES, dumpInProcess } from './helpers.js';
import { HAVE_KAFKA, ensureKafka } from './real-kafka.js';

/**
 * `kafka-dump-log --files` on a directory named like a Kafka file, and on a FIFO, side by side with
 * the real DumpLogSegments: same stdout, stderr (first line) and exit code.
 *
 * Kafka's tool waits in open() until a FIFO has a writer. kseg never waits: it prints what Kafka
 * prints once a writer opened the FIFO and closed it without writing (the pipe then can't seek,
 * and reads as empty). The test plays that writer for the real tool only.
 */
const SEGMENT = '00000000000000000025';
const KINDS = [`${SEGMENT}.log`, `${SEGMENT}.index`, `${SEGMENT}.timeindex`, `${SEGMENT}.txnindex`, `${SEGMENT}.snapshot`, `${SEGMENT}-0000000001.checkpoint`];
const MODES: Record<string, string[][]> = {
  log: [[], ['--deep-iteration', '--print-data-log']],
  checkpoint: [[], ['--cluster-metadata-decoder']],
  index: [[], ['--index-sanity-check'], ['--verify-index-only']],
  timeindex: [[], ['--index-sanity-check'], ['--verify-index-only']],
  txnindex: [[]],
  snapshot: [[]],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens the FIFO for writing once a reader has it open, then closes it (an empty write), until `done`. */
async function emptyWriter(fifo: string, done: { settled: boolean }): Promise<void> {
  while (!done.settled) {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      return;
    } catch {
      await sleep(50); // ENXIO: no reader yet
    }
  }
}

describe.skipIf(!HAVE_KAFKA)(`kafka-dump-log on directories and FIFOs named like Kafka files = the real Kafka ${KAFKA_VERSION}`, () => {
  const root = mkdtempSync(join(tmpdir(), 'kseg-dump-irregular-'));
  let driver: DumpDriver;
  beforeAll(() => {
    ensureKafka();
    driver = new DumpDriver({ cwd: root, timeoutMs: 60_000 });
  });
  afterAll(() => {
    driver?.close();
    rmSync(root, { recursive: true, force: true });
  });

  let n = 0;
  for (const type of ['directory', 'FIFO'] as const) {
    for (const name of KINDS) {
      const kind = name.endsWith('.checkpoint') ? 'checkpoint' : name.slice(name.lastIndexOf('.') + 1);
      for (const mode of MODES[kind]!) {
        it(`${type} ${name} ${mode.join(' ')}`, async () => {
          // A fresh folder per case: the real segment's files, the one under test replaced.
          const dir = join(root, `case-${n++}`);
          mkdirSync(dir);
          const src = join(FIXTURES, 'kafka-logs/txn-0');
          for (const f of readdirSync(src).filter((f) => f.startsWith(SEGMENT))) copyFileSync(join(src, f), join(dir, f));
          const target = join(dir, name);
          rmSync(target, { force: true });
          if (type === 'directory') mkdirSync(target);
          else expect(spawnSync('mkfifo', [target]).status).toBe(0);
          const args = [...mode, '--files', `case-${n - 1}/${name}`];

          const t0 = Date.now();
          const ours = dumpInProcess(args, root);
          expect(Date.now() - t0, 'kseg must not wait for a writer').toBeLessThan(5_000);

          const state = { settled: false };
          const real = driver.run(args).finally(() => (state.settled = true));
          if (type === 'FIFO') await emptyWriter(target, state);
          const r = await real;
          expect({ code: ours.code, stderr: ours.stderr.toString('utf8') }).toEqual({ code: r.code, stderr: r.stderr.toString('utf8') });
          expect(ours.stdout.toString('utf8')).toBe(r.stdout.toString('utf8'));
        });
      }
    }
  }
});
