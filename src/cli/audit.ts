import type { Command } from 'commander';
import { auditPath } from '../audit/index.js';
import { classifyPath, readLogDir } from '../io/logdir.js';
import { auditJson, auditText } from '../audit/report-text.js';
import { createProgress } from '../view/progress.js';

/** `kseg audit PATH`: exit 0 clean, 1 anomalies, 2 could not run. */
export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('Check a log dir, partition dir or file for corruption; exit 0 clean, 1 anomalies, 2 could not run')
    .argument('<path>', 'log dir (log.dirs), partition dir (<topic>-<partition>) or a single file')
    .option('--format <format>', 'human or json', 'human')
    .option('--resync', 'step past unreadable bytes to the next plausible batch and report the skipped range, instead of stopping the segment')
    .option('-v, --verbose', 'list the notes (explained findings) too, not only their counts')
    .option('--no-progress', 'never draw a progress bar (it only appears on a TTY after about a second)')
    .action((path: string, opts: { format: string; resync?: boolean; verbose?: boolean; progress: boolean }) => {
      if (opts.format !== 'human' && opts.format !== 'json') {
        process.stderr.write(`kseg audit: --format must be human or json, not ${opts.format}\n`);
        process.exitCode = 2;
        return;
      }
      let report;
      try {
        // One tick per partition (or file) as the audit reaches it.
        const total = partitionCount(path);
        const bar = createProgress({ total, label: 'audit', unit: 'items', enabled: opts.progress });
        try {
          report = auditPath(path, { resync: opts.resync ?? false, onProgress: () => bar.tick() });
        } finally {
          bar.stop();
        }
      } catch (e) {
        process.stderr.write(`kseg audit: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 2;
        return;
      }
      process.stdout.write(opts.format === 'json' ? auditJson(report) : auditText(report, { verbose: opts.verbose ?? false }));
      process.exitCode = report.anomalies.length === 0 ? 0 : 1;
    });
}

/** How many partitions (ticks) an audit of `path` goes through; 1 when it is not a log dir. */
function partitionCount(path: string): number {
  try {
    return classifyPath(path) === 'logdir' ? readLogDir(path).partitions.length : 1;
  } catch {
    return 1; // auditPath reports the problem with the path itself
  }
}
