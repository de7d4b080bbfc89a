import { Command, CommanderError } from 'commander';
import { type CommandIo, EXIT, applyExitCodes, commanderExitCode, errorLine } from './command.js';
import { registerAudit } from './audit.js';
import { registerCat } from './cat.js';
import { registerExplain } from './explain.js';
import { registerHarness } from './harness.js';
import { registerLs } from './ls.js';
import { registerServe } from './serve.js';
import { registerStats } from './stats.js';

/**
 * `kseg`: the log-dir explorer, audit and harness. Each subcommand wires itself in its own file;
 * `io` replaces the process streams (tests).
 */
export function buildKsegProgram(io?: CommandIo): Command {
  const program = new Command('kseg')
    .description("Read Apache Kafka's on-disk log directories without a broker or a JVM")
    .version('0.1.0');
  registerLs(program, io);
  registerCat(program, io);
  registerExplain(program, io);
  registerStats(program, io);
  registerAudit(program, io);
  registerHarness(program);
  registerServe(program);
  applyExitCodes(program);
  return program;
}

/**
 * Runs kseg with `argv`. Exit codes (README): 0 done and nothing wrong found, 1 findings (damage,
 * anomalies, failed checks), 2 could not run (usage errors, unreadable paths).
 */
export async function runKsegMain(argv: readonly string[]): Promise<void> {
  try {
    await buildKsegProgram().parseAsync(['node', 'kseg', ...argv]);
  } catch (e) {
    // Commander printed its message already (as `kseg <cmd>: …`).
    if (e instanceof CommanderError) process.exitCode = commanderExitCode(e);
    else {
      process.stderr.write(`${errorLine('', e).replace(/^kseg : /, 'kseg: ')}\n`);
      process.exitCode = EXIT.ERROR;
    }
  }
}
