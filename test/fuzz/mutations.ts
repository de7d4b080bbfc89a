import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECORD_BATCH_LAYOUT } from '../../src/format/batch.js';
import { readBatches } from '../../src/io/batches.js';
import { type AuditReport, auditPath } from '../../src/audit/index.js';

/**
 * Mutation fuzzing of the audit on copies of real files: the property-based tests and
 * `npm run fuzz` draw `MutationSpec`s (plain numbers, so any generator can make them), apply them to
 * one file of a small real partition copied to a temp dir, and audit it. The audit must return a
 * report, never throw, never hang. Nothing here touches the original files.
 */
export const MUTATION_KINDS = [
  'flip', // xor one byte
  'field', // overwrite a batch header field (at a real batch start) with an extreme value
  'truncate',
  'insert', // splice random bytes in
  'delete', // cut a range out
  'duplicate', // repeat a range in place
  'zero', // zero a range
  'swap', // swap two ranges
  'extend-zero', // append zeros (preallocation)
  'random', // overwrite a range with random bytes
] as const;

export interface MutationSpec {
  kind: number;
  at: number;
  len: number;
  value: number;
  bytes: Uint8Array;
}

const EXTREMES = [0, 1, -1, 0x7fffffff, -0x80000000, 13, 14, 48, 49, 61, 0xff, 0x7f, 0x80];

/** Applies one mutation; `anchors` are real batch start positions (for structure-aware damage). */
export function applyMutation(src: Buffer, m: MutationSpec, anchors: readonly number[]): Buffer {
  const n = src.length;
  const kind = MUTATION_KINDS[Math.abs(m.kind) % MUTATION_KINDS.length]!;
  const at = n === 0 ? 0 : m.at % (n + 1);
  const len = Math.min(m.len % 4096, n - Math.min(at, n));
  switch (kind) {
    case 'flip': {
      if (n === 0) return src;
      const b = Buffer.from(src);
      const p = m.at % n;
      b[p] = b[p]! ^ ((m.value & 0xff) || 1);
      return b;
    }
    case 'field': {
      if (anchors.length === 0 || n === 0) return src;
      const f = RECORD_BATCH_LAYOUT[m.value % RECORD_BATCH_LAYOUT.length]!;
      const p = anchors[m.at % anchors.length]! + f.offset;
      const b = Buffer.from(src);
      const v = EXTREMES[m.len % EXTREMES.length]!;
      for (let i = 0; i < f.length && p + i < n; i++) b[p + i] = (f.length - 1 - i >= 4 ? (v < 0 ? 0xff : 0) : (v >>> (8 * (f.length - 1 - i))) & 0xff);
      return b;
    }
    case 'truncate':
      return src.subarray(0, at);
    case 'insert':
      return Buffer.concat([src.subarray(0, at), m.bytes, src.subarray(at)]);
    case 'delete':
      return Buffer.concat([src.subarray(0, at), src.subarray(at + len)]);
    case 'duplicate':
      return Buffer.concat([src.subarray(0, at + len), src.subarray(at, at + len), src.subarray(at + len)]);
    case 'zero': {
      const b = Buffer.from(src);
      b.fill(0, at, at + len);
      return b;
    }
    case 'swap': {
      const mid = at + Math.floor(len / 2);
      return Buffer.concat([src.subarray(0, at), src.subarray(mid, at + len), src.subarray(at, mid), src.subarray(at + len)]);
    }
    case 'extend-zero':
      return Buffer.concat([src, Buffer.alloc(m.len % 8192)]);
    case 'random': {
      const b = Buffer.from(src);
      for (let i = 0; i < m.bytes.length && at + i < n; i++) b[at + i] = m.bytes[i]!;
      return b;
    }
  }
}

/** Small real partitions (one or two segments each) covering every format the audit reads. */
const SOURCES: ReadonlyArray<{ partition: string; bases: number[] }> = [
  { partition: 'txn-0', bases: [916] },
  { partition: 'txn-0', bases: [528, 545] },
  { partition: 'plain-0', bases: [1344] },
  { partition: 'compacted-0', bases: [2300, 2350] },
  { partition: 'v1-gzip-0', bases: [0] },
  { partition: 'v0-lz4-0', bases: [0] },
  { partition: 'rd-zstd-0', bases: [854] },
  { partition: 'java-snappy-0', bases: [0] },
];
const ROOT_FILES = ['recovery-point-offset-checkpoint', 'replication-offset-checkpoint', 'log-start-offset-checkpoint', 'cleaner-offset-checkpoint'];

interface Target {
  path: string;
  dir: string;
  original: Buffer;
  anchors: number[];
}

export interface FuzzBench {
  targets: readonly Target[];
  /** Applies the mutations to one target, audits its partition, restores the file. */
  run(target: number, mutations: readonly MutationSpec[], resync: boolean): AuditReport;
  cleanup(): void;
}

export function createFuzzBench(fixturesKafkaLogs: string): FuzzBench {
  const root = mkdtempSync(join(tmpdir(), 'kseg-fuzz-'));
  const targets: Target[] = [];
  for (const f of ROOT_FILES) if (existsSync(join(fixturesKafkaLogs, f))) copyFileSync(join(fixturesKafkaLogs, f), join(root, f));
  SOURCES.forEach((s, i) => {
    // Each source is its own partition dir; the numbered suffix keeps names valid and distinct.
    const dir = join(root, `${s.partition.replace(/-\d+$/, '')}-${i}`);
    mkdirSync(dir);
    const src = join(fixturesKafkaLogs, s.partition);
    for (const name of readdirSync(src)) {
      const m = /^(\d{20})\.(log|index|timeindex|txnindex|snapshot)$/.exec(name);
      const keep = m ? s.bases.includes(Number(m[1])) || (m[2] === 'snapshot' && Number(m[1]) > Math.max(...s.bases)) : name === 'leader-epoch-checkpoint';
      if (!keep) continue;
      copyFileSync(join(src, name), join(dir, name));
      const path = join(dir, name);
      const anchors: number[] = [];
      if (name.endsWith('.log')) for (const b of readBatches(path)) anchors.push(b.header.position);
      targets.push({ path, dir, original: readFileSync(path), anchors });
    }
  });
  for (const f of ROOT_FILES) {
    const path = join(root, f);
    if (existsSync(path)) targets.push({ path, dir: join(root, readdirSync(root).find((n) => n.startsWith('txn-'))!), original: readFileSync(path), anchors: [] });
  }
  return {
    targets,
    run(target, mutations, resync) {
      const t = targets[target % targets.length]!;
      let bytes = t.original;
      for (const m of mutations) bytes = applyMutation(bytes, m, t.anchors);
      writeFileSync(t.path, bytes);
      try {
        return auditPath(t.dir, { resync });
      } finally {
        writeFileSync(t.path, t.original);
      }
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
