import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ByteSink } from '../src/dump/output.js';
import { runDumpLog } from '../src/dump/run.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Ground truth from a real broker and the real Kafka 4.3 tool, beside the repo. */
export const SHARED = resolve(REPO, '../shared');
export const HAVE_SHARED = existsSync(resolve(SHARED, 'corpus/expected/kafka-4.3/jobs.tsv'));
export const FIXTURES = resolve(REPO, 'fixtures');

if (!HAVE_SHARED) {
  console.warn(`[kseg tests] ${SHARED} is absent: tests against the real-broker corpus are skipped (fixtures/ still run).`);
}

/** Runs kafka-dump-log in-process through the same entry point as the binary. */
export function dumpInProcess(args: readonly string[], cwd: string): { stdout: Buffer; stderr: Buffer; code: number } {
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  const io = {
    out: new ByteSink((c) => outChunks.push(Buffer.from(c))),
    err: new ByteSink((c) => errChunks.push(Buffer.from(c))),
    cwd,
  };
  const code = runDumpLog(args, io);
  return { stdout: Buffer.concat(outChunks), stderr: Buffer.concat(errChunks), code };
}
