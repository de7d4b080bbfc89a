import { stdoutWriter } from './stdout.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { lastOffsetOf } from '../format/batch.js';
import type { Int64 } from '../format/int64.js';
import { type LogBatch, readBatches } from '../io/batches.js';
import { classifyPath } from '../io/logdir.js';
import { seekOffset, segmentSourceOfFile } from '../io/seek.js';
import { colorWanted, palette } from '../view/color.js';
import { type ExplainBatch, explainBatch, explainDocument, explainText } from '../view/explain.js';
import { toJson } from '../view/json.js';
import { type CatIo, parseInt64 } from './cat.js';

export interface ExplainOptions {
  offset?: Int64;
  position?: number;
  count?: number;
  format: 'text' | 'json';
}

function parseCount(s: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`not a non-negative integer: ${s}`);
  return n;
}

/**
 * The batches to explain: the one holding `offset` (found through the segment's offset index),
 * the one starting at byte `position`, or the first; then `count - 1` more.
 */
function pickBatches(file: string, opts: ExplainOptions): { batches: LogBatch[]; error: string | null } {
  const count = opts.count ?? 1;
  const out: LogBatch[] = [];
  let start = opts.position ?? 0;
  if (opts.offset !== undefined) start = seekOffset(segmentSourceOfFile(file), opts.offset)?.position ?? 0;
  const it = readBatches(file, { start, detach: true, boundUnverified: true });
  for (;;) {
    const n = it.next();
    if (n.done) {
      const end = n.value;
      if (out.length === 0) {
        if (opts.offset !== undefined) return { batches: out, error: `${file}: no batch holds offset ${opts.offset}` };
        const why = end.undersized ? `the entry there has size ${end.undersized.size}, below the minimum` : start >= end.fileSize ? `the file has ${end.fileSize} bytes` : 'no whole batch starts there';
        return { batches: out, error: `${file}: byte ${start}: ${why}` };
      }
      break;
    }
    const b = n.value;
    if (opts.offset !== undefined && out.length === 0 && lastOffsetOf(b.header) < opts.offset) continue;
    out.push(b);
    if (out.length >= count) break;
  }
  it.return(undefined as never);
  return { batches: out, error: null };
}

/** Runs `kseg explain`. Returns the exit code (0, 1 when nothing could be explained, 2 on usage errors). */
export function runExplain(file: string, opts: ExplainOptions, io: CatIo): number {
  if (opts.offset !== undefined && opts.position !== undefined) {
    io.err('kseg explain: give --offset or --position, not both\n');
    return 2;
  }
  try {
    if (classifyPath(file) !== 'file' || !file.endsWith('.log')) {
      io.err(`kseg explain: ${file}: not a .log segment file\n`);
      return 2;
    }
  } catch (e) {
    io.err(`kseg explain: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const { batches, error } = pickBatches(file, opts);
  const explained: ExplainBatch[] = batches.map(explainBatch);
  if (opts.format === 'json') io.out(`${toJson(explainDocument(file, explained), 2)}\n`);
  else {
    const c = palette(io.color);
    io.out(explained.map((e) => explainText(e, c)).join('\n\n') + (explained.length > 0 ? '\n' : ''));
  }
  if (error !== null) {
    io.err(`kseg explain: ${error}\n`);
    return 1;
  }
  return 0;
}

export function registerExplain(program: Command, io?: CatIo): void {
  program
    .command('explain')
    .description('Every byte of a record batch (or legacy message), in order: range, hex, field, decoded value, meaning')
    .argument('<file>', 'a segment .log file')
    .option('--offset <offset>', 'the batch holding this offset (found through the offset index)', parseInt64)
    .option('--position <bytes>', 'the batch starting at this byte position', parseCount)
    .option('--count <n>', 'explain N consecutive batches', parseCount, 1)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((file: string, raw: Record<string, unknown>) => {
      const stdout = io ? null : stdoutWriter();
      const target: CatIo = io ?? { out: stdout!.write, err: (s) => process.stderr.write(s), color: colorWanted(process.stdout) };
      process.exitCode = runExplain(file, raw as unknown as ExplainOptions, target);
      stdout?.flush();
    });
}
