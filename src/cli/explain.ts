import type { Command } from 'commander';

// PLACEHOLDER: the 'explain' subcommand is being written; this file is replaced by its implementation.
export function registerExplain(program: Command): void {
  program.command('explain').description('(not yet available)').action(() => {
    process.stderr.write('kseg explain: not yet available\n');
    process.exitCode = 2;
  });
}
