import { Command } from 'commander';
import { registerAudit } from './audit.js';
import { registerCat } from './cat.js';
import { registerExplain } from './explain.js';
import { registerHarness } from './harness.js';
import { registerLs } from './ls.js';
import { registerServe } from './serve.js';
import { registerStats } from './stats.js';

/** `kseg`: the log-dir explorer, audit and harness. Each subcommand wires itself in its own file. */
export function buildKsegProgram(): Command {
  const program = new Command('kseg')
    .description("Read Apache Kafka's on-disk log directories without a broker or a JVM")
    .version('0.1.0');
  registerLs(program);
  registerCat(program);
  registerExplain(program);
  registerStats(program);
  registerAudit(program);
  registerHarness(program);
  registerServe(program);
  return program;
}

export function runKsegMain(argv: readonly string[]): void {
  buildKsegProgram()
    .parseAsync(['node', 'kseg', ...argv])
    .catch((e: unknown) => {
      process.stderr.write(`kseg: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 2;
    });
}
