import type { Command } from 'commander';

// PLACEHOLDER: the 'ls' subcommand is being written; this file is replaced by its implementation.
export function registerLs(program: Command): void {
  program.command('ls').description('(not yet available)').action(() => {
    process.stderr.write('kseg ls: not yet available\n');
    process.exitCode = 2;
  });
}
