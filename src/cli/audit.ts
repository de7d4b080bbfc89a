import type { Command } from 'commander';

// PLACEHOLDER: the 'audit' subcommand is being written; this file is replaced by its implementation.
export function registerAudit(program: Command): void {
  program.command('audit').description('(not yet available)').action(() => {
    process.stderr.write('kseg audit: not yet available\n');
    process.exitCode = 2;
  });
}
