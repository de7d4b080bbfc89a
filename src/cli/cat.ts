import { stdoutWriter } from './stdout.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { COMPRESSION_NAMES } from '../codec/index.js';
import type { Int64 } from '../format/int64.js';
import { normalize } from '../format/int64.js';
import { classifyPath, readLogDir, readPartitionDir } from '../io/logdir.js';
import { type PartitionRecord, type ReadIssue, type SegmentSource, readPartitionRecords, segmentSourceOfFile } from '../io/seek.js';
import { colorWanted, palette } from '../view/color.js';
import { SCHEMA_VERSION, toJson } from '../view/json.js';
import { type PayloadMode, PAYLOAD_MODES, type RecordJson, batchText, recordJson, recordText } from '../view/records.js';

/** Where `kseg cat` writes; the real command uses the process streams, tests capture them. */
export interface CatIo {
  out(s: string): void;
  err(s: string): void;
  /** Colour the text view (TTY and no NO_COLOR). */
  color: boolean;
}

export interface CatOptions {
  topic?: string;
  partition?: number;
  fromOffset?: Int64;
  toOffset?: Int64;
  fromTime?: Int64;
  toTime?: Int64;
  key?: string;
  producerId?: Int64;
  transactional?: boolean;
  control?: boolean;
  codec?: string;
  limit?: number;
  format: 'text' | 'json' | 'ndjson';
  payload: PayloadMode;
  maxPayload?: number;
}

/** An int64 option: decimal digits, kept exact beyond 2^53. */
export function parseInt64(s: string): Int64 {
  if (!/^-?\d+$/.test(s.trim())) throw new InvalidArgumentError(`not an integer: ${s}`);
  return normalize(BigInt(s.trim()));
}

/** A time option: epoch milliseconds, or an ISO-8601 date/time (UTC unless it says otherwise). */
export function parseTime(s: string): Int64 {
  const t = s.trim();
  if (/^-?\d+$/.test(t)) return parseInt64(t);
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    // A date-time without a zone is taken as UTC, not the machine's zone: same answer everywhere.
    const withZone = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t) ? `${t}Z` : t;
    const ms = Date.parse(withZone);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new InvalidArgumentError(`not a time (epoch millis or ISO-8601 like 2023-11-14T22:13:20Z): ${s}`);
}

function parseCount(s: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`not a count: ${s}`);
  return n;
}

/** `--key`: `/regex/flags` matches the key as UTF-8 text; anything else is the exact key bytes. */
export function keyMatcher(spec: string): (key: Uint8Array | null) => boolean {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(spec);
  if (m) {
    const re = new RegExp(m[1]!, m[2]);
    return (key) => key !== null && re.test(Buffer.from(key.buffer, key.byteOffset, key.length).toString('utf8'));
  }
  const want = Buffer.from(spec, 'utf8');
  return (key) => key !== null && want.equals(key);
}

/** The segment sources PATH names: a log dir (narrowed by topic/partition), a partition dir or a segment. */
export function resolveSources(path: string, opts: Pick<CatOptions, 'topic' | 'partition'>): SegmentSource[] {
  const kind = classifyPath(path);
  if (kind === 'file') {
    if (!path.endsWith('.log')) throw new Error(`${path}: not a .log segment (kseg cat reads log segments; see kseg dump-log for indexes)`);
    return [segmentSourceOfFile(path)];
  }
  if (kind === 'partition') {
    const p = readPartitionDir(path);
    if (!p) throw new Error(`${path}: not a <topic>-<partition> folder`);
    return [p];
  }
  const dir = readLogDir(path);
  const parts = dir.partitions.filter(
    (p) => p.state === 'live' && (opts.topic === undefined || p.topic === opts.topic) && (opts.partition === undefined || p.partition === opts.partition),
  );
  if (parts.length === 0) {
    const what = opts.topic === undefined ? 'no partition folders' : `no partition of topic ${opts.topic}${opts.partition === undefined ? '' : ` numbered ${opts.partition}`}`;
    throw new Error(`${path}: ${what}`);
  }
  // Partitions of a topic in partition order (the listing sorts names as text: 10 before 2).
  return parts.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

/** Runs `kseg cat`. Returns the exit code: 0, 1 when input problems were reported, 2 on usage errors. */
export function runCat(path: string, opts: CatOptions, io: CatIo): number {
  let sources: SegmentSource[];
  try {
    sources = resolveSources(path, opts);
  } catch (e) {
    io.err(`kseg cat: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const c = palette(io.color && opts.format === 'text');
  const issues: ReadIssue[] = [];
  const onIssue = (i: ReadIssue): void => {
    issues.push(i);
    if (opts.format !== 'json') io.err(`kseg cat: ${i.file}: byte ${i.position}: ${i.message}\n`);
  };
  const matchKey = opts.key === undefined ? null : keyMatcher(opts.key);
  const codec = opts.codec;
  if (codec !== undefined && !(COMPRESSION_NAMES as readonly string[]).includes(codec)) {
    io.err(`kseg cat: unknown codec ${codec} (one of ${COMPRESSION_NAMES.join(', ')})\n`);
    return 2;
  }
  const keep = (pr: PartitionRecord): boolean => {
    const h = pr.batch.header;
    const v2 = h.format === 'v2';
    if (matchKey && !matchKey(pr.record.key)) return false;
    if (opts.producerId !== undefined && !(v2 && h.producerId === opts.producerId)) return false;
    if (opts.transactional && !(v2 && h.isTransactional)) return false;
    if (opts.control && !(v2 && h.isControl)) return false;
    if (codec !== undefined && COMPRESSION_NAMES[h.compression] !== codec) return false;
    return true;
  };
  const render = { payload: opts.payload, maxPayload: opts.maxPayload };
  const jsonRecords: RecordJson[] = [];
  let shown = 0;
  let lastBatch: unknown = null;
  outer: for (const src of sources) {
    const where = { topic: src.topic ?? null, partition: src.partition ?? null };
    if (opts.format === 'text' && sources.length > 1) io.out(`${c.bold(`== ${where.topic}-${where.partition}`)}\n`);
    const records = readPartitionRecords(src, {
      fromOffset: opts.fromOffset,
      toOffset: opts.toOffset,
      fromTime: opts.fromTime,
      toTime: opts.toTime,
      onIssue,
    });
    for (const pr of records) {
      if (opts.limit !== undefined && shown >= opts.limit) break outer;
      if (!keep(pr)) continue;
      shown++;
      const j = recordJson(pr, where, render);
      if (opts.format === 'json') jsonRecords.push(j);
      else if (opts.format === 'ndjson') io.out(`${toJson(j)}\n`);
      else {
        if (pr.batch !== lastBatch) {
          io.out(`${batchText(j.batch, c)}\n`);
          lastBatch = pr.batch;
        }
        io.out(`${recordText(j, c)}\n`);
      }
    }
  }
  if (opts.format === 'json') {
    io.out(`${toJson({ schemaVersion: SCHEMA_VERSION, path, records: jsonRecords, issues }, 2)}\n`);
  }
  return issues.length > 0 ? 1 : 0;
}

const DEFAULT_TEXT_MAX_PAYLOAD = 512;

export function registerCat(program: Command, io?: CatIo): void {
  program
    .command('cat')
    .description(
      'Records in offset order across segments, with index seeks: PATH is a log dir (with --topic/--partition), a partition folder or a .log segment',
    )
    .argument('<path>', 'log dir, <topic>-<partition> folder, or segment .log file')
    .option('--topic <name>', 'in a log dir: only this topic')
    .option('--partition <n>', 'in a log dir: only this partition number', parseCount)
    .option('--from-offset <offset>', 'first offset (inclusive); found through the offset index', parseInt64)
    .option('--to-offset <offset>', 'last offset (inclusive)', parseInt64)
    .option('--from-time <time>', 'start at the first record stamped at or after TIME (epoch ms or ISO-8601), found through the time index', parseTime)
    .option('--to-time <time>', 'stop before the first record stamped after TIME', parseTime)
    .option('--key <key>', 'only records with this exact key, or whose UTF-8 key matches /regex/flags')
    .option('--producer-id <id>', 'only records of batches written by this producer id', parseInt64)
    .option('--transactional', 'only records of transactional batches')
    .option('--control', 'only control records (transaction markers, KRaft control messages)')
    .option('--codec <name>', `only records of batches compressed with this codec (${COMPRESSION_NAMES.join(', ')})`)
    .option('--limit <n>', 'print at most N records', parseCount)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'ndjson']).default('text'))
    .addOption(new Option('--payload <mode>', 'how to show keys, values and header values').choices([...PAYLOAD_MODES]).default('utf8'))
    .option('--max-payload <n>', `show at most N bytes of each payload (text default ${DEFAULT_TEXT_MAX_PAYLOAD}, json: all)`, parseCount)
    .action((path: string, raw: Record<string, unknown>) => {
      const opts = { ...raw } as unknown as CatOptions;
      if (opts.maxPayload === undefined && opts.format === 'text') opts.maxPayload = DEFAULT_TEXT_MAX_PAYLOAD;
      // `kseg cat ... | head`: a closed pipe ends the command quietly.
      const stdout = io ? null : stdoutWriter();
      const target: CatIo = io ?? {
        out: stdout!.write,
        err: (s) => process.stderr.write(s),
        color: colorWanted(process.stdout),
      };
      process.exitCode = runCat(path, opts, target);
      stdout?.flush();
    });
}
