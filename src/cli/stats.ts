import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { type PartitionDir, classifyPath, readLogDir, readPartitionDir } from '../io/logdir.js';
import { StatsAccumulator, type StatsResult, accumulateSegment } from '../io/partition.js';
import { toJson } from '../view/json.js';
import { createProgress } from '../view/progress.js';
import { type StatsTarget, statsJson, statsText } from '../view/stats.js';

interface StatsOptions {
  format: string;
  progress: boolean;
}

/**
 * Deep statistics of a log dir, a partition folder or one segment file. Every record is decoded
 * (and decompressed); a progress bar over the bytes shows on a TTY when this takes a while.
 */
export function computeStats(path: string, opts: { progress?: boolean } = {}): { target: StatsTarget; result: StatsResult } {
  const abs = resolve(path);
  const kind = classifyPath(abs);
  const acc = new StatsAccumulator();
  let target: StatsTarget;
  let work: Array<{ name: string; logs: string[] }>;
  if (kind === 'file') {
    target = 'segment';
    work = [{ name: basename(dirname(abs)), logs: [abs] }];
  } else {
    const parts: PartitionDir[] = [];
    if (kind === 'partition') {
      target = 'partition';
      const p = readPartitionDir(abs);
      if (p === null) throw new Error(`${path}: not a <topic>-<partition> folder`);
      parts.push(p);
    } else {
      target = 'logdir';
      parts.push(...readLogDir(abs).partitions);
    }
    work = parts.map((p) => ({ name: p.name, logs: p.segments.flatMap((s) => (s.log ? [s.log] : [])) }));
  }
  const total = work.reduce((n, w) => n + w.logs.reduce((m, l) => m + statSync(l).size, 0), 0);
  const bar = createProgress({ total, label: 'stats', unit: 'bytes', enabled: opts.progress ?? true });
  try {
    for (const w of work) {
      acc.startPartition(w.name);
      for (const log of w.logs) accumulateSegment(acc, log, (n) => bar.tick(n));
    }
  } finally {
    bar.stop();
  }
  return { target, result: acc.result() };
}

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('Statistics of a log dir, partition folder or segment: records per batch, compression ratio per codec, key/value/header sizes, producers, transactions, time span')
    .argument('<PATH>', 'a log dir, a partition folder or a .log segment file')
    .option('--format <format>', 'text or json', 'text')
    .option('--no-progress', 'never draw a progress bar')
    .action((path: string, opts: StatsOptions) => {
      if (opts.format !== 'text' && opts.format !== 'table' && opts.format !== 'json') throw new Error(`--format must be text or json, not ${opts.format}`);
      if (!existsSync(path)) throw new Error(`${path}: no such file or directory`);
      const { target, result } = computeStats(path, { progress: opts.progress });
      process.stdout.write(opts.format === 'json' ? toJson(statsJson(path, target, result), 2) + '\n' : statsText(path, target, result));
    });
}
