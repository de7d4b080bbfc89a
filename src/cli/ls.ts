import type { Command } from 'commander';
import { type LogDirSummary, logDirFromServerProperties, summarizeLogDir } from '../io/log-summary.js';
import { PathError, trimTrailingSlashes } from '../io/paths.js';
import { toJson } from '../view/json.js';
import { lsJson, lsTable } from '../view/ls.js';
import { type Progress, createProgress } from '../view/progress.js';
import { type CommandIo, EXIT, handled, runCommand } from './command.js';
import { NO_PROGRESS, formatOption } from './options.js';

interface LsOptions {
  config?: string;
  format: 'text' | 'json';
  segments?: boolean;
  exact?: boolean;
  progress: boolean;
}

/** Kafka's default `log.dirs`. */
const KAFKA_DEFAULT_LOG_DIR = '/tmp/kafka-logs';

/** Where `kseg ls` looks when given no LOGDIR: `--config`'s log.dirs, else Kafka's default. */
export function defaultLogDir(config: string | undefined): string {
  if (config !== undefined) {
    const d = logDirFromServerProperties(config);
    if (d === null) throw new PathError(config, 'sets neither log.dirs nor log.dir');
    return d;
  }
  return KAFKA_DEFAULT_LOG_DIR;
}

/** The summary of a log dir or a single partition folder, with a progress bar on a TTY. */
export function lsSummary(path: string, opts: { exact?: boolean; progress?: boolean } = {}): LogDirSummary {
  let bar: Progress | null = null;
  try {
    return summarizeLogDir(path, {
      exactLegacyCounts: opts.exact,
      onPartition: (done, total) => {
        bar ??= createProgress({ total, label: 'ls', enabled: opts.progress ?? true });
        bar.update(done);
      },
    });
  } finally {
    (bar as Progress | null)?.stop();
  }
}

/** Whether a listing found something wrong: problems, a failed index check, a lost segment. */
export function lsHasFindings(s: LogDirSummary): boolean {
  return s.problems.length > 0 || s.partitions.some((p) => p.indexVerdict === 'failed' || p.indexVerdict === 'log-missing');
}

/** Runs `kseg ls`: exit 0, 1 when the listing found problems, 2 when the path is no log dir or partition folder. */
export function runLs(logdir: string | undefined, opts: LsOptions, io: CommandIo): number {
  return handled('ls', io, () => {
    let path: string;
    let summary: LogDirSummary;
    try {
      path = logdir ?? defaultLogDir(opts.config);
      summary = lsSummary(path, { exact: opts.exact, progress: opts.progress });
    } catch (e) {
      // Not given, the log dir is a default: say where it came from.
      if (logdir === undefined && e instanceof PathError && e.path !== opts.config) {
        throw new PathError(e.path, `${e.what} (${opts.config === undefined ? "Kafka's default log.dirs" : `log.dirs of ${opts.config}`}; give LOGDIR)`);
      }
      throw e;
    }
    io.out(opts.format === 'json' ? toJson(lsJson(summary), 2) + '\n' : lsTable(summary, { segments: opts.segments, path: trimTrailingSlashes(path) }));
    return lsHasFindings(summary) ? EXIT.FINDINGS : EXIT.OK;
  });
}

export function registerLs(program: Command, io?: CommandIo): void {
  program
    .command('ls')
    .description('List every topic-partition of a log dir: segments, bytes, offset and time ranges, record counts, codecs, index sanity, and the small metadata files')
    .argument('[LOGDIR]', `a log dir (or one partition folder); default: log.dirs of --config, else ${KAFKA_DEFAULT_LOG_DIR}`)
    .option('--config <server.properties>', 'take the log dir from this broker config (first entry of log.dirs)')
    .addOption(formatOption())
    .option('--segments', 'also list every segment')
    .option('--exact', 'decompress legacy (magic 0/1) compressed messages to count their records exactly')
    .option(...NO_PROGRESS)
    .action((logdir: string | undefined, opts: LsOptions) => runCommand('ls', (target) => runLs(logdir, opts, target), io));
}
