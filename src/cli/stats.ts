import type { Command } from 'commander';

// PLACEHOLDER: the 'stats' subcommand is being written; this file is replaced by its implementation.
export function registerStats(program: Command): void {
  program.command('stats').description('(not yet available)').action(() => {
    process.stderr.write('kseg stats: not yet available\n');
    process.exitCode = 2;
  });
}
