import type { LogRecord } from '../format/record.js';
import { type Decoder, loadDecoder, stringDecoder } from './decoders.js';
import { dumpIndex, dumpProducerSnapshot, dumpTimeIndex, dumpTxnIndex } from './index-files.js';
import { JavaException } from './java-exception.js';
import { javaFileName, javaFilePath } from './java.js';
import { OPTION_TABLE, TOOL_DESCRIPTION } from './help-text.js';
import { type DumpLogOptions, type RecordTextParser, dumpLog } from './log.js';
import { DEFAULT_DECODER, DumpOptions } from './options.js';
import type { DumpIO } from './output.js';
import {
  type MessageParser,
  createClusterMetadataParser,
  createOffsetsParser,
  createRemoteLogMetadataParser,
  createShareGroupStateParser,
  createTransactionLogParser,
} from './parsers/index.js';
import { dumpLogAsync } from './parallel.js';
import { DumpReports } from './reports.js';
import type { DumpTuning } from './tuning.js';

/** The Kafka version this drop-in reproduces (what `--version` prints). */
export const KAFKA_VERSION = '4.3.2';

class DecoderMessageParser implements RecordTextParser {
  readonly bytesAsText: boolean;
  constructor(
    private readonly keyDecoder: Decoder,
    private readonly valueDecoder: Decoder,
  ) {
    this.bytesAsText = keyDecoder === stringDecoder && valueDecoder === stringDecoder;
  }
  parse(r: LogRecord) {
    return {
      key: r.key === null ? undefined : this.keyDecoder(r.key),
      value: r.value === null ? undefined : this.valueDecoder(r.value),
    };
  }
}

function adapt(p: MessageParser): RecordTextParser {
  return { parse: (r) => p.parse(r) };
}

/** DumpLogSegmentsOptions.messageParser(): decoder flags in Kafka's order of precedence. */
export function messageParser(o: DumpOptions): RecordTextParser {
  if (o.has('offsets-decoder')) return adapt(createOffsetsParser());
  if (o.has('transaction-log-decoder')) return adapt(createTransactionLogParser());
  if (o.has('cluster-metadata-decoder')) return adapt(createClusterMetadataParser());
  if (o.has('remote-log-metadata-decoder')) return adapt(createRemoteLogMetadataParser());
  if (o.has('share-group-state-decoder')) return adapt(createShareGroupStateParser());
  const valueDecoder = loadDecoder(o.valueOf('value-decoder-class', DEFAULT_DECODER)!);
  const keyDecoder = loadDecoder(o.valueOf('key-decoder-class', DEFAULT_DECODER)!);
  return new DecoderMessageParser(keyDecoder, valueDecoder);
}

/**
 * Runs DumpLogSegments with `args`, writing to `io`. Returns the exit code. Uncaught-exception
 * exits print the JVM's first line and return 1, after whatever was already printed. `tuning`:
 * the fast paths' switches and counters (tests; the command uses the defaults).
 */
export function runDumpLog(args: readonly string[], io: DumpIO, tuning: DumpTuning = {}): number {
  try {
    const steps = execute(args, io, tuning);
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done) return step.value;
      const job = step.value;
      dumpLog(job.path, job.opts, io, job.reports);
    }
  } catch (e) {
    return failure(e, io);
  } finally {
    io.out.flush();
    io.err.flush();
  }
}

/**
 * runDumpLog for the command line: the same run, except that dumps of large `.log` and
 * `.checkpoint` files are formatted by worker threads (see parallel.ts), with the same output.
 */
export async function runDumpLogAsync(args: readonly string[], io: DumpIO, tuning: DumpTuning = {}): Promise<number> {
  try {
    const steps = execute(args, io, tuning);
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done) return step.value;
      const job = step.value;
      await dumpLogAsync(job.path, job.opts, io, job.reports, job.workerArgs, tuning.parallel, tuning.counters?.parallel);
    }
  } catch (e) {
    return failure(e, io);
  } finally {
    io.out.flush();
    io.err.flush();
  }
}

function failure(e: unknown, io: DumpIO): number {
  if (e instanceof JavaException) {
    io.err.text(`${e.firstLine}\n`);
    return 1;
  }
  // A bug of ours: say so plainly rather than pretend to be Kafka, in one line (KSEG_DEBUG=1: the stack).
  const err = e instanceof Error ? e : new Error(String(e));
  const where = process.env['KSEG_DEBUG'] ? `\n${err.stack ?? ''}` : ' (KSEG_DEBUG=1 shows where)';
  io.err.text(`kafka-dump-log: internal error: ${`${err.name}: ${err.message}`.split('\n')[0]}${where}\n`);
  return 2;
}

/** A `.log`/`.checkpoint` file to dump, handed to the runner (which does it serially or not). */
interface LogJob {
  path: string;
  opts: DumpLogOptions;
  reports: DumpReports;
  /** The arguments a worker rebuilds the same parser from, or null if the parser has state across records. */
  workerArgs: readonly string[] | null;
}

/** DefaultDecoder prints a running identity hash per record: only one thread can number them in order. */
function parserIsStateless(o: DumpOptions): boolean {
  const coordinator = ['offsets-decoder', 'transaction-log-decoder', 'cluster-metadata-decoder', 'remote-log-metadata-decoder', 'share-group-state-decoder'];
  if (coordinator.some((f) => o.has(f))) return true;
  const stateful = 'org.apache.kafka.tools.api.DefaultDecoder';
  return o.valueOf('value-decoder-class', DEFAULT_DECODER) !== stateful && o.valueOf('key-decoder-class', DEFAULT_DECODER) !== stateful;
}

/** DumpLogSegments.main's loop; yields each log dump to the runner. Returns the exit code. */
function* execute(args: readonly string[], io: DumpIO, tuning: DumpTuning): Generator<LogJob, number, void> {
  const opts = new DumpOptions(args);
  if (opts.isHelp) {
    io.err.text(`${TOOL_DESCRIPTION}\n${OPTION_TABLE}`);
    return 1;
  }
  if (opts.has('version')) {
    io.out.text(`${KAFKA_VERSION}\n`);
    return 0;
  }
  if (!opts.has('files')) {
    io.err.text(`Missing required argument "[files]"\n${OPTION_TABLE}`);
    return 1;
  }
  const reports = new DumpReports();
  for (const arg of opts.files()) {
    const path = javaFilePath(arg);
    io.out.text(`Dumping ${path}\n`);
    const name = javaFileName(path);
    const dot = name.lastIndexOf('.');
    const suffix = dot < 0 ? null : name.slice(dot);
    switch (suffix) {
      case '.log':
      case '.checkpoint': {
        // Argument evaluation order of the Java call: the parser, then max-bytes.
        const printContents = opts.shouldPrintDataLog;
        const deepIteration = opts.isDeepIteration;
        const parser = messageParser(opts);
        const skipRecordMetadata = opts.skipRecordMetadata;
        const maxBytes = opts.maxBytes();
        const workerArgs = parserIsStateless(opts) ? args : null;
        yield { path, opts: { printContents, deepIteration, parser, skipRecordMetadata, maxBytes, tuning }, reports, workerArgs };
        break;
      }
      case '.index':
        dumpIndex(path, { sanityOnly: opts.indexSanityOnly, verifyOnly: opts.verifyOnly, maxMessageSize: opts.maxMessageSize() }, io, reports);
        break;
      case '.timeindex':
        dumpTimeIndex(path, { sanityOnly: opts.indexSanityOnly, verifyOnly: opts.verifyOnly, frameChains: tuning.frameChains ?? true }, io, reports);
        break;
      case '.snapshot':
        dumpProducerSnapshot(path, io);
        break;
      case '.txnindex':
        dumpTxnIndex(path, io);
        break;
      default:
        io.err.text(`Ignoring unknown file ${path}\n`);
    }
  }
  reports.print(io.err);
  return 0;
}
