import type { Command } from 'commander';

// PLACEHOLDER: the 'cat' subcommand is being written; this file is replaced by its implementation.
export function registerCat(program: Command): void {
  program.command('cat').description('(not yet available)').action(() => {
    process.stderr.write('kseg cat: not yet available\n');
    process.exitCode = 2;
  });
}
