import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32c } from '../src/codec/index.js';
import { RECORD_BATCH_LAYOUT, V2_CRC_START } from '../src/format/batch.js';
import { ByteSink } from '../src/dump/output.js';
import { runDumpLog } from '../src/dump/run.js';
import type { DumpTuning } from '../src/dump/tuning.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Ground truth from a real broker and the real Kafka 4.3 tool, beside the repo. */
export const SHARED = resolve(REPO, '../shared');
export const HAVE_SHARED = existsSync(resolve(SHARED, 'corpus/expected/kafka-4.3/jobs.tsv'));
export const FIXTURES = resolve(REPO, 'fixtures');

if (!HAVE_SHARED) {
  console.warn(`[kseg tests] ${SHARED} is absent: tests against the real-broker corpus are skipped (fixtures/ still run).`);
}

/** Runs kafka-dump-log in-process through the same entry point as the binary. */
export function dumpInProcess(args: readonly string[], cwd: string, tuning: DumpTuning = {}): { stdout: Buffer; stderr: Buffer; code: number } {
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  const io = {
    out: new ByteSink((c) => outChunks.push(Buffer.from(c))),
    err: new ByteSink((c) => errChunks.push(Buffer.from(c))),
    cwd,
  };
  const code = runDumpLog(args, io, tuning);
  return { stdout: Buffer.concat(outChunks), stderr: Buffer.concat(errChunks), code };
}

const field = (name: string) => RECORD_BATCH_LAYOUT.find((f) => f.field === name)!.offset;

/** The v2 batches of fixture segments (fixtures/kafka-logs/<partition>/<log>), in order. */
export function fixtureBatches(partition: string, logs: string[]): Buffer[] {
  const out: Buffer[] = [];
  for (const name of logs) {
    const b = readFileSync(join(FIXTURES, 'kafka-logs', partition, name));
    for (let p = 0; p + 61 <= b.length; ) {
      const size = 12 + b.readInt32BE(p + 8);
      if (b[p + 16] === 2) out.push(b.subarray(p, p + size));
      p += size;
    }
  }
  return out;
}

/**
 * Repeats `batches` up to `bytes`, with contiguous base offsets from `base` (plus `gap(i)` more
 * before batch i) and CRC-32C recomputed. Returns the segment and its batch positions.
 */
export function buildSegment(batches: Buffer[], bytes: number, base: number, gap: (i: number) => number = () => 0): { log: Buffer; anchors: number[] } {
  const parts: Buffer[] = [];
  const anchors: number[] = [];
  let size = 0;
  let offset = BigInt(base);
  for (let i = 0; size < bytes; i++) {
    const c = Buffer.from(batches[i % batches.length]!);
    offset += BigInt(gap(i));
    c.writeBigInt64BE(offset, field('baseOffset'));
    c.writeUInt32BE(crc32c(c.subarray(V2_CRC_START)), field('crc'));
    offset += BigInt(c.readInt32BE(field('lastOffsetDelta')) + 1);
    anchors.push(size);
    parts.push(c);
    size += c.length;
  }
  return { log: Buffer.concat(parts), anchors };
}

/** The bytes of the first `count` of `batches` repeated (for buildSegment to stop after exactly `count`). */
export function bytesOfFirst(batches: Buffer[], count: number): number {
  let bytes = 0;
  for (let i = 0; i < count; i++) bytes += batches[i % batches.length]!.length;
  return bytes;
}


/**
 * Builds dist/ when `file` (relative to the repo) is missing: `npm ci` builds it in `prepare`, a
 * developer running vitest directly may not have. For tests that run the launchers or the build.
 */
export function ensureBuilt(file: string): void {
  if (existsSync(resolve(REPO, file))) return;
  const r = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
}
