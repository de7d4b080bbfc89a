import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { classifyPath, readPartitionDir } from '../io/logdir.js';
import { type LogDirSummary, logDirFromServerProperties, summarizeLogDir, summarizePartition } from '../io/partition.js';
import { toJson } from '../view/json.js';
import { lsJson, lsTable } from '../view/ls.js';
import { type Progress, createProgress } from '../view/progress.js';

interface LsOptions {
  config?: string;
  format: string;
  segments?: boolean;
  exact?: boolean;
  progress: boolean;
}

/** Where `kseg ls` looks when given no LOGDIR: `--config`'s log.dirs, else Kafka's default. */
export function defaultLogDir(config: string | undefined): string {
  if (config !== undefined) {
    const d = logDirFromServerProperties(config);
    if (d === null) throw new Error(`${config}: sets neither log.dirs nor log.dir`);
    return d;
  }
  return '/tmp/kafka-logs';
}

/** Builds the summary for a log dir or a single partition dir. */
export function lsSummary(path: string, opts: { exact?: boolean; progress?: boolean } = {}): LogDirSummary {
  const abs = resolve(path);
  if (classifyPath(abs) === 'partition') {
    const dir = readPartitionDir(abs);
    if (dir === null) throw new Error(`${path}: not a <topic>-<partition> folder`);
    const p = summarizePartition(dir, { exactLegacyCounts: opts.exact });
    return { path: dirname(abs), files: [], meta: null, partitions: [p], problems: p.problems };
  }
  let bar: Progress | null = null;
  try {
    return summarizeLogDir(abs, {
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

export function registerLs(program: Command): void {
  program
    .command('ls')
    .description('List every topic-partition of a log dir: segments, bytes, offset and time ranges, record counts, codecs, index sanity, and the small metadata files')
    .argument('[LOGDIR]', 'a log dir (or one partition folder); default: log.dirs of --config, else /tmp/kafka-logs')
    .option('--config <server.properties>', 'take the log dir from this broker config (first entry of log.dirs)')
    .option('--format <format>', 'table or json', 'table')
    .option('--segments', 'also list every segment')
    .option('--exact', 'decompress legacy (magic 0/1) compressed messages to count their records exactly')
    .option('--no-progress', 'never draw a progress bar')
    .action((logdir: string | undefined, opts: LsOptions) => {
      if (opts.format !== 'table' && opts.format !== 'json') throw new Error(`--format must be table or json, not ${opts.format}`);
      const path = logdir ?? defaultLogDir(opts.config);
      if (!existsSync(path)) throw new Error(`${path}: no such log dir`);
      const summary = lsSummary(path, { exact: opts.exact, progress: opts.progress });
      process.stdout.write(opts.format === 'json' ? toJson(lsJson(summary), 2) + '\n' : lsTable(summary, { segments: opts.segments }));
    });
}
