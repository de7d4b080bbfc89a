import type { Command } from 'commander';
import { AuditInputError, auditTarget } from '../audit/index.js';
import { auditJson, auditText } from '../audit/report-text.js';
import { PathError, resolvePath, targetLogBytes } from '../io/paths.js';
import { createProgress } from '../view/progress.js';
import { type CommandIo, EXIT, handled, runCommand } from './command.js';
import { NO_PROGRESS, formatOption } from './options.js';

interface AuditFlags {
  format: 'text' | 'json';
  resync?: boolean;
  verbose?: boolean;
  progress: boolean;
}

/** Runs `kseg audit`: exit 0 clean, 1 anomalies, 2 could not run (thrown: the path can't be audited). */
export function runAudit(path: string, opts: AuditFlags, io: CommandIo): number {
  return handled('audit', io, () => {
    let t;
    try {
      t = resolvePath(path);
    } catch (e) {
      throw e instanceof PathError ? new AuditInputError(e.path, e.what) : e;
    }
    // The bar counts bytes (one big partition moves it too).
    const bar = createProgress({ total: targetLogBytes(t), label: 'audit', unit: 'bytes', enabled: opts.progress });
    let report;
    try {
      report = auditTarget(t, { resync: opts.resync ?? false, onBytes: (n) => bar.tick(n) });
    } finally {
      bar.stop();
    }
    io.out(opts.format === 'json' ? auditJson(report) : auditText(report, { verbose: opts.verbose ?? false }));
    return report.anomalies.length === 0 ? EXIT.OK : EXIT.FINDINGS;
  });
}

/** `kseg audit PATH`: exit 0 clean, 1 anomalies, 2 could not run. */
export function registerAudit(program: Command, io?: CommandIo): void {
  program
    .command('audit')
    .description('Check a log dir, partition dir or file for corruption; exit 0 clean, 1 anomalies, 2 could not run')
    .argument('<path>', 'log dir (log.dirs), partition dir (<topic>-<partition>) or a single file')
    .addOption(formatOption())
    .option('--resync', 'step past unreadable bytes to the next plausible batch and report the skipped range, instead of stopping the segment')
    .option('-v, --verbose', 'list the notes (explained findings) too, not only their counts')
    .option(...NO_PROGRESS)
    .action((path: string, opts: AuditFlags) => runCommand('audit', (target) => runAudit(path, opts, target), io));
}
