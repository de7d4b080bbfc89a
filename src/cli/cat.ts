import { type Command, Option } from 'commander';
import { COMPRESSION_NAMES } from '../codec/index.js';
import { type Int64, addInt64 } from '../format/int64.js';
import { resolvePath, trimTrailingSlashes } from '../io/paths.js';
import { type RecordFilter, logEndOffset, recordFilter, reversedRange, segmentSources, whyNoRecords } from '../io/record-query.js';
import { type ReadIssue, type SegmentSource, readPartitionRecords } from '../io/seek.js';
import { palette } from '../view/color.js';
import { toJson } from '../view/json.js';
import { DECODERS, type DecoderName, type PayloadMode, PAYLOAD_MODES, RecordDocumentWriter, batchText, decoderFor, recordJson, recordText } from '../view/records.js';
import { type CommandIo, EXIT, UsageError, errorLine, runCommand } from './command.js';
import { formatOption, parseCount, parseInt64, parseOffset, parsePartition, parseTime } from './options.js';

/** Where `kseg cat` writes (the process streams, or a capture in tests). */
export type CatIo = CommandIo;

export interface CatOptions {
  topic?: string;
  partition?: number;
  /** Negative: the last -N offsets of each partition (kcat's `-o -N`). */
  fromOffset?: Int64;
  toOffset?: Int64;
  fromTime?: Int64;
  toTime?: Int64;
  key?: string;
  producerId?: Int64;
  transactional?: boolean;
  /** Only control records. */
  control?: boolean;
  codec?: string;
  /** Only records of aborted transactions. */
  aborted?: boolean;
  /** What a read_committed consumer reads: no aborted records, no control records. */
  committed?: boolean;
  limit?: number;
  format: 'text' | 'json' | 'ndjson';
  payload: PayloadMode;
  maxPayload?: number;
  /** Decode keys and values of an internal topic ('auto': by the topic's name). */
  decode?: DecoderName | 'auto' | 'none';
}

/** The filters of the options, for recordFilter. */
function filterOf(opts: CatOptions): RecordFilter {
  return {
    key: opts.key,
    producerId: opts.producerId,
    transactional: opts.transactional,
    controlOnly: opts.control,
    codec: opts.codec,
    abortedOnly: opts.aborted,
    committedOnly: opts.committed,
  };
}

/** Runs `kseg cat`. Returns the exit code: 0, 1 when input problems were reported, 2 on usage errors. */
export function runCat(input: string, opts: CatOptions, io: CatIo): number {
  const path = trimTrailingSlashes(input);
  let sources: SegmentSource[];
  let keep: ReturnType<typeof recordFilter>;
  try {
    if (opts.aborted && opts.committed) throw new UsageError('--aborted and --committed exclude each other');
    try {
      keep = recordFilter(filterOf(opts));
    } catch (e) {
      // An unknown codec, a bad /regex/.
      throw new UsageError((e as Error).message);
    }
    sources = segmentSources(resolvePath(path), { topic: opts.topic, partition: opts.partition });
  } catch (e) {
    io.err(`${errorLine('cat', e)}\n`);
    return EXIT.ERROR;
  }
  // A reversed range holds nothing: say so before reading.
  const reversed = reversedRange(opts);
  if (reversed !== null) {
    io.err(`kseg cat: ${path}: no records: ${reversed}\n`);
    return EXIT.OK;
  }
  const c = palette(io.color && opts.format === 'text');
  const issues: ReadIssue[] = [];
  const onIssue = (i: ReadIssue): void => {
    issues.push(i);
    if (opts.format !== 'json') io.err(`kseg cat: ${i.file}: byte ${i.position}: ${i.message}\n`);
  };
  const render = { payload: opts.payload, maxPayload: opts.maxPayload };
  const json = opts.format === 'json' ? new RecordDocumentWriter(io.out, path) : null;
  let shown = 0;
  let inRange = 0;
  let lastBatch: unknown = null;
  outer: for (const src of sources) {
    const at = { topic: src.topic ?? null, partition: src.partition ?? null };
    const decoder = decoderFor(opts.decode ?? 'auto', src);
    if (opts.format === 'text' && sources.length > 1) io.out(`${c.bold(`== ${at.topic}-${at.partition}`)}\n`);
    let fromOffset = opts.fromOffset;
    if (fromOffset !== undefined && fromOffset < 0) {
      // kcat's -o -N: the last N offsets of the partition.
      const end = logEndOffset(src);
      if (end === null) continue;
      fromOffset = addInt64(end, fromOffset);
      if (fromOffset < 0) fromOffset = 0;
    }
    const records = readPartitionRecords(src, { fromOffset, toOffset: opts.toOffset, fromTime: opts.fromTime, toTime: opts.toTime, onIssue });
    for (const pr of records) {
      if (opts.limit !== undefined && shown >= opts.limit) break outer;
      inRange++;
      if (!keep(pr)) continue;
      shown++;
      const j = recordJson(pr, at, render, decoder);
      if (json !== null) json.record(j);
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
  json?.end(issues);
  if (shown === 0) io.err(`kseg cat: ${path}: no records: ${whyNoRecords(sources, opts, { inRange, issues: issues.length })}\n`);
  return issues.length > 0 ? EXIT.FINDINGS : EXIT.OK;
}

const DEFAULT_TEXT_MAX_PAYLOAD = 512;

export function registerCat(program: Command, io?: CatIo): void {
  program
    .command('cat')
    .description('Records in offset order across segments, with index seeks: PATH is a log dir (with -t/-p), a partition folder or a .log segment')
    .argument('<path>', 'log dir, <topic>-<partition> folder, or segment .log file')
    .option('-t, --topic <name>', 'in a log dir: only this topic')
    .option('-p, --partition <n>', 'only this partition number', parsePartition)
    .option('-o, --from-offset <offset>', "first offset (inclusive), found through the offset index; -N: the last N offsets of each partition (kcat's meaning)", parseInt64)
    .option('--to-offset <offset>', 'last offset (inclusive)', parseOffset)
    .option('--from-time <time>', 'start at the first record stamped at or after TIME (epoch ms or ISO-8601), found through the time index', parseTime)
    .option('--to-time <time>', 'stop before the first record stamped after TIME', parseTime)
    .option('--key <key>', 'only records with this exact key, or whose UTF-8 key matches /regex/flags')
    .option('--producer-id <id>', 'only records of batches written by this producer id', parseInt64)
    .option('--transactional', 'only records of transactional batches')
    .option('--control', 'only control records (transaction markers, KRaft control messages)')
    .option('--aborted', 'only records of aborted transactions (on disk, listed in the .txnindex)')
    .option('--committed', 'what a read_committed consumer reads: no records of aborted transactions, no control records')
    .option('--codec <name>', `only records of batches compressed with this codec (${COMPRESSION_NAMES.join(', ')})`)
    .option('-n, --limit <n>', 'print at most N records', parseCount)
    .addOption(formatOption(['text', 'json', 'ndjson']))
    .addOption(new Option('--payload <mode>', 'how to show keys, values and header values').choices([...PAYLOAD_MODES]).default('utf8'))
    .option('--max-payload <n>', `show at most N bytes of each payload (text default ${DEFAULT_TEXT_MAX_PAYLOAD}, json: all)`, parseCount)
    .addOption(
      new Option('--decode <decoder>', 'decode keys and values of an internal topic as JSON; auto: by the topic name (__consumer_offsets, __transaction_state, __cluster_metadata, __share_group_state)')
        .choices(['auto', 'none', ...DECODERS])
        .default('auto'),
    )
    .action((path: string, raw: Record<string, unknown>) =>
      runCommand(
        'cat',
        (target) => {
          const opts = { ...raw } as unknown as CatOptions;
          if (opts.maxPayload === undefined && opts.format === 'text') opts.maxPayload = DEFAULT_TEXT_MAX_PAYLOAD;
          return runCat(path, opts, target);
        },
        io,
      ),
    );
}
