import type { Command } from 'commander';
import type { Int64 } from '../format/int64.js';
import { batchesAt } from '../io/batches-at.js';
import { batchFileOf, resolvePath } from '../io/paths.js';
import { palette } from '../view/color.js';
import { type ExplainBatch, explainBatch, explainDocument, explainText } from '../view/explain.js';
import { toJson } from '../view/json.js';
import { type CommandIo, EXIT, handled, UsageError, runCommand } from './command.js';
import { formatOption, parseCount, parseOffset, parsePositive } from './options.js';

export interface ExplainOptions {
  offset?: Int64;
  position?: number;
  count?: number;
  format: 'text' | 'json';
}

/**
 * Runs `kseg explain`. Returns the exit code: 0, with a note on stderr when there is nothing to
 * explain; 1 when the bytes are damaged (a checksum mismatch, records that stop early, no batch
 * where one should start); 2 on usage errors (thrown).
 */
export function runExplain(file: string, opts: ExplainOptions, io: CommandIo): number {
  return handled('explain', io, () => {
    if (opts.offset !== undefined && opts.position !== undefined) throw new UsageError('give --offset or --position, not both');
    const path = batchFileOf(resolvePath(file));
    const { batches, empty, damage } = batchesAt(path, { offset: opts.offset, position: opts.position, count: opts.count ?? 1 });
    const explained: ExplainBatch[] = batches.map(explainBatch);
    if (opts.format === 'json') io.out(`${toJson(explainDocument(path, explained), 2)}\n`);
    else {
      const c = palette(io.color);
      io.out(explained.map((e) => explainText(e, c)).join('\n\n') + (explained.length > 0 ? '\n' : ''));
    }
    if (empty !== null) io.err(`kseg explain: ${path}: nothing to explain: ${empty}\n`);
    if (damage !== null) io.err(`kseg explain: ${path}: ${damage}\n`);
    const damaged = damage !== null || explained.some((e) => !e.crc.valid || e.error !== null);
    return damaged ? EXIT.FINDINGS : EXIT.OK;
  });
}

export function registerExplain(program: Command, io?: CommandIo): void {
  program
    .command('explain')
    .description('Every byte of a record batch (or legacy message), in order: range, hex, field, decoded value, meaning')
    .argument('<file>', 'a segment .log file')
    .option('-o, --offset <offset>', 'the batch holding this offset (found through the offset index)', parseOffset)
    .option('--position <bytes>', 'the batch starting at this byte position', parseCount)
    .option('-n, --count <n>', 'explain N consecutive batches (1 or more)', parsePositive, 1)
    .addOption(formatOption())
    .action((file: string, raw: Record<string, unknown>) => runCommand('explain', (target) => runExplain(file, raw as unknown as ExplainOptions, target), io));
}
