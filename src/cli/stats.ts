import type { Command } from 'commander';
import { statsOfTarget } from '../io/stats.js';
import { resolvePath, targetLogBytes, trimTrailingSlashes } from '../io/paths.js';
import { toJson } from '../view/json.js';
import { createProgress } from '../view/progress.js';
import { statsJson, statsText } from '../view/stats.js';
import { type CommandIo, EXIT, handled, runCommand } from './command.js';
import { NO_PROGRESS, formatOption } from './options.js';

interface StatsOptions {
  format: 'text' | 'json';
  progress: boolean;
}

/**
 * Runs `kseg stats`: every record of a log dir, partition folder or segment decoded, with a
 * progress bar over the bytes on a TTY. Exit 1 when decoding met problems or CRC failures.
 */
export function runStats(path: string, opts: StatsOptions, io: CommandIo): number {
  return handled('stats', io, () => {
    const t = resolvePath(path, { absolute: true });
    const shown = trimTrailingSlashes(path);
    const bar = createProgress({ total: targetLogBytes(t), label: 'stats', unit: 'bytes', enabled: opts.progress });
    let stats;
    try {
      stats = statsOfTarget(t, { onBytes: (n) => bar.tick(n) });
    } finally {
      bar.stop();
    }
    const { target, result } = stats;
    io.out(opts.format === 'json' ? toJson(statsJson(shown, target, result), 2) + '\n' : statsText(shown, target, result));
    if (result.batches === 0) io.err(`kseg stats: ${shown}: no batches: ${result.problems.length > 0 ? 'none could be read (problems listed above)' : 'nothing to count'}\n`);
    return result.problems.length > 0 || result.crcErrors > 0 ? EXIT.FINDINGS : EXIT.OK;
  });
}

export function registerStats(program: Command, io?: CommandIo): void {
  program
    .command('stats')
    .description('Statistics of a log dir, partition folder or segment: records per batch, compression ratio per codec, key/value/header sizes, producers, transactions, time range')
    .argument('<path>', 'a log dir, a partition folder or a .log segment file')
    .addOption(formatOption())
    .option(...NO_PROGRESS)
    .action((path: string, opts: StatsOptions) => runCommand('stats', (target) => runStats(path, opts, target), io));
}
