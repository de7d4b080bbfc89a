import type { Command } from 'commander';
import { lastOffsetOf } from '../format/batch.js';
import type { Int64 } from '../format/int64.js';
import { type LogBatch, readBatches } from '../io/batches.js';
import { PathError, resolvePath } from '../io/paths.js';
import { seekOffset, segmentSourceOfFile } from '../io/seek.js';
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
 * The batches to explain: the one holding `offset` (found through the segment's offset index),
 * the one starting at byte `position`, or the first; then `count - 1` more.
 */
function pickBatches(file: string, opts: ExplainOptions): { batches: LogBatch[]; empty: string | null; damage: string | null } {
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
        if (end.undersized) return { batches: out, empty: null, damage: `byte ${end.position}: the entry there has size ${end.undersized.size}, below the minimum` };
        if (end.position < end.fileSize) return { batches: out, empty: null, damage: `byte ${end.position}: no whole batch starts there (${end.fileSize - end.position} bytes to the end)` };
        if (opts.offset !== undefined) return { batches: out, empty: `no batch holds offset ${opts.offset}`, damage: null };
        return { batches: out, empty: end.fileSize === 0 ? 'the file is empty (0 bytes)' : `no batch at byte ${start}: the file has ${end.fileSize} bytes`, damage: null };
      }
      break;
    }
    const b = n.value;
    if (opts.offset !== undefined && out.length === 0 && lastOffsetOf(b.header) < opts.offset) continue;
    out.push(b);
    if (out.length >= count) break;
  }
  it.return(undefined as never);
  return { batches: out, empty: null, damage: null };
}

/**
 * Runs `kseg explain`. Returns the exit code: 0, with a note on stderr when there is nothing to
 * explain; 1 when the bytes are damaged (a checksum mismatch, records that stop early, no batch
 * where one should start); 2 on usage errors (thrown).
 */
export function runExplain(file: string, opts: ExplainOptions, io: CommandIo): number {
  return handled('explain', io, () => {
    if (opts.offset !== undefined && opts.position !== undefined) throw new UsageError('give --offset or --position, not both');
    const t = resolvePath(file);
    if (t.kind !== 'file') throw new PathError(t.path, `a ${t.kind === 'logdir' ? 'log dir' : 'partition folder'}, not a segment file (kseg explain reads one .log file)`);
    if (t.file !== 'segment' && t.file !== 'kraft-snapshot') throw new PathError(t.path, `not a .log segment (a ${t.file} file)`);
    const { batches, empty, damage } = pickBatches(t.path, opts);
    const explained: ExplainBatch[] = batches.map(explainBatch);
    if (opts.format === 'json') io.out(`${toJson(explainDocument(t.path, explained), 2)}\n`);
    else {
      const c = palette(io.color);
      io.out(explained.map((e) => explainText(e, c)).join('\n\n') + (explained.length > 0 ? '\n' : ''));
    }
    if (empty !== null) io.err(`kseg explain: ${t.path}: nothing to explain: ${empty}\n`);
    if (damage !== null) io.err(`kseg explain: ${t.path}: ${damage}\n`);
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
