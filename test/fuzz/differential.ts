import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { DumpDriver, REPO } from '../../scripts/kafka-lib.mjs';
import { ByteSink } from '../../src/dump/output.js';
import { runDumpLog } from '../../src/dump/run.js';
import { type Mutated, mutateIndex, mutateLog, mutateSnapshot, mutateTxnIndex, rawMutation } from './mutators.js';
import { Rng } from './rng.js';

/**
 * Differential fuzzing of kafka-dump-log against the real DumpLogSegments (test tooling).
 *
 * A case takes one real file (fixtures/, and ../shared when present), damages it with one to three
 * structure-aware mutations (mutators.ts), writes it with the files it needs beside it (the
 * `.log` of an index, ...) into a temp dir, and dumps it in every mode that applies: kseg
 * in-process, then Kafka's tool through DumpDriver (one JVM), both with the temp dir as working
 * directory. stdout, stderr and the exit code must be equal byte for byte. The only normalisation
 * is DefaultDecoder's `[B@<identity hash>`, which Java prints differently each run.
 * Case `i` of seed `s` depends on nothing else: `FUZZ_SEED=s FUZZ_ONLY=i` replays it.
 */

// (REPO from kafka-lib: this module may run bundled elsewhere, see scripts/ts-tool.mjs)
const FIXTURES = join(REPO, 'fixtures');
const SHARED = resolve(REPO, '../shared');

type FileKind = 'log' | 'index' | 'timeindex' | 'txnindex' | 'snapshot' | 'checkpoint';

/** A real file to start from, and the files of its segment that dumping it reads. */
export interface Source {
  /** Short name for the report: `<root>/<partition>/<file>`. */
  name: string;
  kind: FileKind;
  /** Absolute paths: the file, then siblings to copy beside it. */
  path: string;
  siblings: string[];
  /** The decoder flag of the topic (--offsets-decoder, ...), if it is an internal one. */
  decoder?: string;
  /** Keep only the whole entries within the first N bytes (big real logs). */
  prefix?: number;
}

interface SegmentSpec {
  root: 'fixtures' | 'shared';
  dir: string;
  base: string;
  decoder?: string;
  prefix?: number;
  /** Which of the segment's files are targets (default: every one that exists). */
  only?: FileKind[];
}

const OFFSETS = '--offsets-decoder';
const TXN = '--transaction-log-decoder';
const METADATA = '--cluster-metadata-decoder';

/** The real segments, snapshots and checkpoints the cases start from. */
const SEGMENTS: SegmentSpec[] = [
  { root: 'fixtures', dir: 'kafka-logs/plain-0', base: '00000000000000000189' },
  { root: 'fixtures', dir: 'kafka-logs/txn-0', base: '00000000000000000025' },
  { root: 'fixtures', dir: 'kafka-logs/txn-0', base: '00000000000000000935' },
  { root: 'fixtures', dir: 'kafka-logs/txn-0', base: '00000000000000000916', only: ['snapshot'] },
  { root: 'fixtures', dir: 'kafka-logs/rd-zstd-0', base: '00000000000000000854' },
  { root: 'fixtures', dir: 'kafka-logs/java-snappy-0', base: '00000000000000000000', prefix: 16384 },
  { root: 'fixtures', dir: 'kafka-logs/v0-lz4-0', base: '00000000000000000000', prefix: 16384 },
  { root: 'fixtures', dir: 'kafka-logs/v1-gzip-0', base: '00000000000000000000', prefix: 16384 },
  { root: 'fixtures', dir: 'kafka-logs/compacted-0', base: '00000000000000002300' },
  { root: 'fixtures', dir: 'kraft/gritlab/__cluster_metadata-0', base: '00000000000000000000', decoder: METADATA, prefix: 16384, only: ['log'] },
  { root: 'shared', dir: 'corpus/kafka-logs/rd-gzip-0', base: '00000000000000000853' },
  { root: 'shared', dir: 'corpus/kafka-logs/java-gzip-0', base: '00000000000000000000', prefix: 16384 },
  { root: 'shared', dir: 'corpus/kafka-logs/rd-lz4-0', base: '00000000000000000915', prefix: 16384 },
  { root: 'shared', dir: 'corpus/kafka-logs/java-lz4-0', base: '00000000000000000000', prefix: 16384 },
  { root: 'shared', dir: 'corpus/kafka-logs/rd-snappy-0', base: '00000000000000000915', prefix: 16384 },
  { root: 'shared', dir: 'corpus/kafka-logs/java-zstd-0', base: '00000000000000000000', prefix: 16384 },
  { root: 'shared', dir: 'corpus/kafka-logs/logappend-0', base: '00000000000000000550' },
  { root: 'shared', dir: 'corpus/kafka-logs/idempotent-0', base: '00000000000000000650' },
  { root: 'shared', dir: 'corpus/kafka-logs/recompress-0', base: '00000000000000000000', prefix: 16384 },
  { root: 'shared', dir: 'corpus/kafka-logs/v0-none-0', base: '00000000000000000329', prefix: 8192 },
  { root: 'shared', dir: 'corpus/kafka-logs/v0-gzip-0', base: '00000000000000000574' },
  { root: 'shared', dir: 'corpus/kafka-logs/v0-snappy-0', base: '00000000000000000000', prefix: 16384 },
  { root: 'shared', dir: 'corpus/kafka-logs/v1-none-0', base: '00000000000000000550' },
  { root: 'shared', dir: 'corpus/kafka-logs/v1-lz4-0', base: '00000000000000000000', prefix: 16384 },
  { root: 'shared', dir: 'corpus/kafka-logs/v1-snappy-0', base: '00000000000000000000', prefix: 16384 },
  { root: 'shared', dir: 'corpus/kafka-logs/__consumer_offsets-1', base: '00000000000000000000', decoder: OFFSETS },
  { root: 'shared', dir: 'corpus/kafka-logs/__transaction_state-0', base: '00000000000000000000', decoder: TXN, prefix: 8192 },
  { root: 'shared', dir: 'corpus/live-logs/txn-0', base: '00000000000000000935' },
  { root: 'shared', dir: 'corpus/kafka-logs/idempotent-0', base: '00000000000000000800', only: ['snapshot'] },
  { root: 'shared', dir: 'kraft/gritlab/__consumer_offsets-35', base: '00000000000000000000', decoder: OFFSETS },
  { root: 'shared', dir: 'kraft/patient-admissions/__consumer_offsets-37', base: '00000000000000000000', decoder: OFFSETS, prefix: 8192 },
  { root: 'shared', dir: 'kraft/patient-admissions/__transaction_state-44', base: '00000000000000000000', decoder: TXN },
  { root: 'shared', dir: 'kraft/patient-admissions/_confluent-ksql-default__command_topic-0', base: '00000000000000000000' },
  { root: 'shared', dir: 'kraft/patient-admissions/_confluent-ksql-default__command_topic-0', base: '00000000000000000002', only: ['snapshot'] },
  { root: 'shared', dir: 'kraft/flink-on-prem/_confluent-monitoring-0', base: '00000000000000002827', only: ['snapshot'] },
  { root: 'shared', dir: 'kraft/flink-on-prem/__cluster_metadata-0', base: '00000000000000000000', decoder: METADATA, prefix: 16384, only: ['log'] },
];

const CHECKPOINTS: Array<{ root: 'fixtures' | 'shared'; path: string }> = [
  { root: 'fixtures', path: 'kraft/gritlab/bootstrap.checkpoint' },
  { root: 'shared', path: 'kraft/flink-on-prem/__cluster_metadata-0/00000000000000007752-0000000001.checkpoint' },
  { root: 'shared', path: 'kraft/patient-admissions/__cluster_metadata-0/00000000000000060500-0000000025.checkpoint' },
  { root: 'shared', path: 'kraft/flink-on-prem/bootstrap.checkpoint' },
];

const HAVE_SHARED = existsSync(join(SHARED, 'corpus/kafka-logs'));

function rootDir(root: 'fixtures' | 'shared'): string {
  return root === 'fixtures' ? FIXTURES : SHARED;
}

/** The sources that exist here (../shared's only when it is present and `useShared`). */
export function fuzzSources(useShared = HAVE_SHARED): Source[] {
  const out: Source[] = [];
  for (const s of SEGMENTS) {
    if (s.root === 'shared' && !useShared) continue;
    const dir = join(rootDir(s.root), s.dir);
    const file = (ext: string) => join(dir, `${s.base}.${ext}`);
    const has = (k: FileKind) => existsSync(file(k)) && (s.only ?? [k]).includes(k);
    const name = (k: string) => `${s.root === 'fixtures' ? 'fixtures' : 'shared'}/${basename(dir)}/${s.base}.${k}`;
    const nonEmpty = (k: string) => existsSync(file(k)) && readFileSync(file(k)).length > 0;
    if (has('log') && nonEmpty('log')) out.push({ name: name('log'), kind: 'log', path: file('log'), siblings: [], decoder: s.decoder, prefix: s.prefix });
    if (has('index') && has('log') && nonEmpty('index')) out.push({ name: name('index'), kind: 'index', path: file('index'), siblings: [file('log')] });
    if (has('timeindex') && has('log') && existsSync(file('index')) && nonEmpty('timeindex')) {
      out.push({ name: name('timeindex'), kind: 'timeindex', path: file('timeindex'), siblings: [file('log'), file('index')] });
    }
    if (has('txnindex')) out.push({ name: name('txnindex'), kind: 'txnindex', path: file('txnindex'), siblings: [] });
    if (has('snapshot') && nonEmpty('snapshot')) out.push({ name: name('snapshot'), kind: 'snapshot', path: file('snapshot'), siblings: [] });
  }
  for (const c of CHECKPOINTS) {
    if (c.root === 'shared' && !useShared) continue;
    const path = join(rootDir(c.root), c.path);
    if (existsSync(path)) out.push({ name: `${c.root}/${basename(dirname(path))}/${basename(path)}`, kind: 'checkpoint', path, siblings: [], decoder: METADATA });
  }
  return out;
}

const bytesCache = new Map<string, Buffer>();
function original(path: string, prefix?: number): Buffer {
  const key = `${path}@${prefix ?? ''}`;
  let b = bytesCache.get(key);
  if (!b) {
    b = readFileSync(path);
    if (prefix !== undefined) b = b.subarray(0, wholeEntriesWithin(b, prefix));
    bytesCache.set(key, b);
  }
  return b;
}

/** Bytes of the whole entries that start within the first `limit` bytes (at least one entry). */
function wholeEntriesWithin(b: Buffer, limit: number): number {
  let p = 0;
  while (p + 12 <= b.length) {
    const next = p + 12 + b.readInt32BE(p + 8);
    if (next > b.length || (p > 0 && next > limit)) break;
    p = next;
  }
  return p;
}

/** One damaged file (and the files beside it) and the runs to compare on it. */
export interface FuzzCase {
  index: number;
  source: Source;
  /** Mutation kinds applied, in order. */
  kinds: string[];
  /** Relative path (inside the case dir) → bytes. */
  files: Map<string, Buffer>;
  /** The `--files` value of each run is `target`; the other flags are per run. */
  target: string;
  runs: string[][];
}

const DECODER_CLASSES = ['org.apache.kafka.tools.api.StringDecoder', 'org.apache.kafka.tools.api.IntegerDecoder', 'org.apache.kafka.tools.api.LongDecoder', 'org.apache.kafka.tools.api.DefaultDecoder'];
const ALL_DECODERS = [OFFSETS, TXN, METADATA, '--remote-log-metadata-decoder', '--share-group-state-decoder'];

/** The modes a file of this kind is dumped in, plus one drawn from the rarer ones. */
function modesFor(source: Source, rng: Rng, fileSize: number): string[][] {
  switch (source.kind) {
    case 'log':
    case 'checkpoint': {
      const modes: string[][] = [[], ['--deep-iteration'], ['--print-data-log'], ['--print-data-log', '--skip-record-metadata']];
      if (source.decoder) modes.push([source.decoder]);
      const extra = rng.int(6);
      if (extra === 0) modes.push(['--deep-iteration', '--skip-record-metadata']);
      else if (extra === 1) modes.push(['--value-decoder-class', rng.pick(DECODER_CLASSES), ...(rng.chance(0.5) ? ['--key-decoder-class', rng.pick(DECODER_CLASSES)] : [])]);
      else if (extra === 2) modes.push(['--max-bytes', String(rng.pick([0, 1, 17, 61, rng.int(fileSize + 1), fileSize - 1, fileSize]))]);
      else if (extra === 3) modes.push([rng.pick(ALL_DECODERS), ...(rng.chance(0.3) ? ['--skip-record-metadata'] : [])]);
      else if (extra === 4) modes.push(['--deep-iteration', '--max-bytes', String(rng.int(fileSize + 1))]);
      return modes;
    }
    case 'index':
      return [[], ['--verify-index-only'], ['--index-sanity-check'], ['--max-message-size', String(rng.pick([0, 1, 12, 17, 61, 100, 1000, rng.int(20000)])), ...(rng.chance(0.5) ? ['--verify-index-only'] : [])]];
    case 'timeindex':
      return [[], ['--verify-index-only'], ['--index-sanity-check']];
    default:
      return [[]];
  }
}

/** Builds case `index` of seed `seed` from `sources`. */
export function makeCase(sources: readonly Source[], seed: number, index: number): FuzzCase {
  const rng = Rng.forCase(seed, index);
  // Weighted towards logs: most of the tool's code is there.
  const source = rng.weighted(sources.map((s) => [s, s.kind === 'log' ? 6 : s.kind === 'checkpoint' ? 3 : s.kind === 'snapshot' ? 1 : 2] as const));
  const caseDir = `c${index}`;
  const partition = basename(dirname(source.path));
  const rel = (p: string) => `${caseDir}/${partition}/${basename(p)}`;
  const files = new Map<string, Buffer>();
  const target = rel(source.path);
  for (const s of source.siblings) files.set(rel(s), original(s));
  let bytes = original(source.path, source.prefix);
  const kinds: string[] = [];
  const count = rng.weighted([
    [1, 6],
    [2, 3],
    [3, 1],
  ] as const);
  for (let i = 0; i < count; i++) {
    const m = mutateOnce(source, bytes, files, rel, rng);
    bytes = m.bytes;
    kinds.push(m.kind);
  }
  files.set(target, bytes);
  const runs = modesFor(source, rng, bytes.length);
  return { index, source, kinds, files, target, runs };
}

/** One mutation of the case's target (or of a file it is checked against). */
function mutateOnce(source: Source, bytes: Buffer, files: Map<string, Buffer>, rel: (p: string) => string, rng: Rng): Mutated {
  try {
    return mutateBySource(source, bytes, files, rel, rng);
  } catch (e) {
    // A structure-aware mutator that met bytes an earlier mutation left too short to parse.
    if (!(e instanceof RangeError)) throw e;
    return rawMutation(bytes, rng, []);
  }
}

function mutateBySource(source: Source, bytes: Buffer, files: Map<string, Buffer>, rel: (p: string) => string, rng: Rng): Mutated {
  let m: Mutated;
  switch (source.kind) {
    case 'log':
    case 'checkpoint':
      m = mutateLog(bytes, rng);
      break;
    case 'index':
    case 'timeindex': {
      // The index itself, or the log (and offset index) it is checked against.
      const logRel = rel(source.siblings[0]!);
      if (rng.chance(0.25)) {
        const lm = mutateLog(files.get(logRel)!, rng);
        files.set(logRel, lm.bytes);
        m = { bytes, kind: `${source.kind}+log.${lm.kind}` };
      } else if (source.kind === 'timeindex' && rng.chance(0.15)) {
        const idxRel = rel(source.siblings[1]!);
        const im = mutateIndex(files.get(idxRel)!, rng, 8, files.get(logRel)!.length);
        files.set(idxRel, im.bytes);
        m = { bytes, kind: `timeindex+${im.kind}` };
      } else {
        m = mutateIndex(bytes, rng, source.kind === 'index' ? 8 : 12, files.get(logRel)!.length);
      }
      break;
    }
    case 'txnindex':
      m = mutateTxnIndex(bytes, rng);
      break;
    case 'snapshot':
      m = mutateSnapshot(bytes, rng);
      break;
  }
  return m;
}

export interface RunOutput {
  stdout: Buffer;
  stderr: Buffer;
  code: number | 'timeout';
}

export interface RunResult {
  args: string[];
  /** Milliseconds each side took. */
  oursMs: number;
  realMs: number;
  ours: RunOutput;
  real: RunOutput;
  same: boolean;
  /** For a difference: which streams differ and the first differing line of each, numbers masked. */
  signature?: string;
}

/** DefaultDecoder's `[B@<hash>`: Java's identity hash differs each run, kseg prints a stand-in. */
function normalise(b: Buffer): string {
  return b.toString('utf8').replace(/\[B@[0-9a-f]+/g, '[B@…');
}

function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) {
      const mask = (s: string | undefined) => (s === undefined ? '<none>' : s.replace(/\d+/g, '#').slice(0, 140));
      return `line ${i + 1}: ours ${mask(x[i])} | real ${mask(y[i])}`;
    }
  }
  return '';
}

/** Runs cases through kseg and the real tool in one temp dir (`workDir`, removed by close()). */
export class DifferentialRunner {
  readonly workDir: string;
  private readonly driver: DumpDriver;

  constructor(opts: { timeoutMs?: number } = {}) {
    this.workDir = mkdtempSync(join(tmpdir(), 'kseg-difffuzz-'));
    this.driver = new DumpDriver({ cwd: this.workDir, timeoutMs: opts.timeoutMs ?? 60_000 });
  }

  private writeFiles(c: FuzzCase): void {
    rmSync(join(this.workDir, `c${c.index}`), { recursive: true, force: true });
    for (const [rel, bytes] of c.files) {
      mkdirSync(dirname(join(this.workDir, rel)), { recursive: true });
      writeFileSync(join(this.workDir, rel), bytes);
    }
  }

  async run(c: FuzzCase): Promise<RunResult[]> {
    const results: RunResult[] = [];
    try {
      for (const flags of c.runs) {
        const args = [...flags, '--files', c.target];
        // Fresh files for each run: Kafka's tool may create a missing index beside them.
        this.writeFiles(c);
        const t0 = performance.now();
        const ours = dumpInProcess(args, this.workDir);
        const t1 = performance.now();
        const real = await this.driver.run(args);
        const t2 = performance.now();
        const [oo, ro, oe, re] = [normalise(ours.stdout), normalise(real.stdout), ours.stderr.toString('utf8'), real.stderr.toString('utf8')];
        const same = ours.code === real.code && oo === ro && oe === re;
        let signature: string | undefined;
        if (!same) {
          const parts: string[] = [];
          if (real.code === 'timeout') parts.push('real tool timed out');
          else {
            if (ours.code !== real.code) parts.push(`exit ${ours.code} vs ${real.code}`);
            if (oe !== re) parts.push(`stderr ${firstDifference(oe, re)}`);
            if (oo !== ro) parts.push(`stdout ${firstDifference(oo, ro)}`);
          }
          signature = parts.join('; ');
        }
        results.push({ args, oursMs: t1 - t0, realMs: t2 - t1, ours, real, same, signature });
      }
    } finally {
      rmSync(join(this.workDir, `c${c.index}`), { recursive: true, force: true });
    }
    return results;
  }

  /** Writes a case's files under `dir` (to reproduce it by hand). */
  static keep(c: FuzzCase, dir: string): void {
    for (const [rel, bytes] of c.files) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), bytes);
    }
  }

  close(): void {
    this.driver.close();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** kafka-dump-log in-process (the binary's entry point), with `cwd` as its working directory. */
export function dumpInProcess(args: readonly string[], cwd: string): { stdout: Buffer; stderr: Buffer; code: number } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const code = runDumpLog(args, { out: new ByteSink((c) => out.push(Buffer.from(c))), err: new ByteSink((c) => err.push(Buffer.from(c))), cwd });
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), code };
}

/** Counts by mutation kind and by difference, for the closing report. */
export class Tally {
  cases = 0;
  runs = 0;
  mismatches = 0;
  timeouts = 0;
  readonly byKind = new Map<string, { runs: number; mismatches: number }>();
  readonly bySignature = new Map<string, { count: number; example: string }>();
  readonly failures: Array<{ c: FuzzCase; r: RunResult }> = [];
  /** The slowest run of each side. */
  slowestOurs = { ms: 0, what: '' };
  slowestReal = { ms: 0, what: '' };

  add(c: FuzzCase, results: RunResult[]): void {
    this.cases++;
    for (const r of results) {
      this.runs++;
      const what = `case ${c.index} (${c.source.name}, ${c.kinds.join(' + ')}): ${r.args.join(' ')}`;
      if (r.oursMs > this.slowestOurs.ms) this.slowestOurs = { ms: r.oursMs, what };
      if (r.realMs > this.slowestReal.ms) this.slowestReal = { ms: r.realMs, what };
      // a kind counts once per run; stacked mutations count for each of their kinds
      for (const kind of new Set(c.kinds.map((k) => k.replace(/\+log\.(\w+)\..*/, '+log.$1')))) {
        const t = this.byKind.get(kind) ?? { runs: 0, mismatches: 0 };
        this.byKind.set(kind, t);
        t.runs++;
        if (!r.same) t.mismatches++;
      }
      if (r.same) continue;
      if (r.real.code === 'timeout') this.timeouts++;
      else this.mismatches++;
      const sig = this.bySignature.get(r.signature!) ?? { count: 0, example: what };
      this.bySignature.set(r.signature!, sig);
      sig.count++;
      if (this.failures.length < 50) this.failures.push({ c, r });
    }
  }

  report(): string {
    const lines: string[] = [];
    lines.push(`${this.runs} differential runs (${this.cases} damaged files): ${this.runs - this.mismatches - this.timeouts} identical, ${this.mismatches} mismatches, ${this.timeouts} real-tool timeouts`);
    lines.push(`slowest run: kseg ${this.slowestOurs.ms.toFixed(0)} ms (${this.slowestOurs.what}), real tool ${this.slowestReal.ms.toFixed(0)} ms (${this.slowestReal.what})`);
    lines.push('by mutation kind (runs / mismatches):');
    for (const [k, t] of [...this.byKind.entries()].sort((a, b) => a[0].localeCompare(b[0]))) lines.push(`  ${k.padEnd(34)} ${String(t.runs).padStart(6)} / ${t.mismatches}`);
    if (this.bySignature.size > 0) {
      lines.push('differences (count, first case):');
      for (const [s, v] of [...this.bySignature.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, 40)) lines.push(`  ${v.count} × ${s}\n      e.g. ${v.example}`);
    }
    return lines.join('\n');
  }
}
