import type { Command } from 'commander';

// PLACEHOLDER: the 'harness' subcommand is being written; this file is replaced by its implementation.
export function registerHarness(program: Command): void {
  program.command('harness').description('(not yet available)').action(() => {
    process.stderr.write('kseg harness: not yet available\n');
    process.exitCode = 2;
  });
}
