import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { pathErrorOf } from '../io/paths.js';
import { colorWanted } from '../view/color.js';
import { stdoutWriter } from './stdout.js';

/**
 * What every kseg command shares: its exit codes, its streams, and how a failure becomes one line
 * on stderr (`kseg <cmd>: <path>: <what>`), never a stack trace.
 */

/** Exit codes of every kseg command (kafka-dump-log keeps Kafka's). */
export const EXIT = {
  /** Done; nothing wrong found (an empty result is explained on stderr). */
  OK: 0,
  /** Done, and the input has problems: damage, anomalies, a failed check. */
  FINDINGS: 1,
  /** Could not run: a usage error (unknown option, bad value, missing path) or an unreadable path. */
  ERROR: 2,
} as const;

/** A mistake in how the command was called: exit 2 with the message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The command could not do its job for a reason outside kseg (a broker that can't be reached): exit 2 with the message. */
export class RunError extends Error {
  override name = 'RunError';
}

/** Where a command writes. The process streams, or a capture in tests. */
export interface CommandIo {
  out(s: string): void;
  err(s: string): void;
  /** Colour the text views (stdout is a TTY and NO_COLOR is unset). */
  color: boolean;
}

/** The one line a failure prints: the command, then `<path>: <what>` or the usage error. */
export function errorLine(cmd: string, e: unknown): string {
  const prefix = `kseg ${cmd}: `;
  const p = pathErrorOf(e);
  if (p !== null) return prefix + p.message;
  if (e instanceof UsageError || e instanceof RunError || e instanceof InvalidArgumentError) return prefix + e.message;
  // A bug of ours: one line here; KSEG_DEBUG=1 prints the stack too.
  const err = e instanceof Error ? e : new Error(String(e));
  const firstLine = `${err.name}: ${err.message}`.split('\n')[0];
  const debug = process.env['KSEG_DEBUG'] ? `\n${err.stack ?? ''}` : ' (KSEG_DEBUG=1 shows where)';
  return `${prefix}internal error: ${firstLine}${debug}`;
}

/** Runs a command's body; whatever it throws is printed as errorLine and is exit 2. */
export function handled(cmd: string, io: CommandIo, body: () => number): number {
  try {
    return body();
  } catch (e) {
    io.err(`${errorLine(cmd, e)}\n`);
    return EXIT.ERROR;
  }
}

/**
 * Runs a command's body with the process streams (or `io`), and sets the exit code it returns.
 * Whatever it throws becomes `kseg <cmd>: …` on stderr and exit 2. Stdout is buffered in 1 MiB
 * chunks and a closed pipe (`kseg cat … | head`) ends the process quietly.
 */
export async function runCommand(cmd: string, body: (io: CommandIo) => number | Promise<number>, io?: CommandIo): Promise<void> {
  const stdout = io ? null : stdoutWriter();
  const target: CommandIo = io ?? { out: stdout!.write, err: (s) => process.stderr.write(s), color: colorWanted(process.stdout) };
  let code: number;
  try {
    code = await body(target);
  } catch (e) {
    stdout?.flush();
    target.err(`${errorLine(cmd, e)}\n`);
    code = EXIT.ERROR;
  }
  stdout?.flush();
  process.exitCode = code;
}

/** `kseg harness verify` for the harness's verify subcommand. */
function fullName(c: Command): string {
  const names: string[] = [];
  for (let x: Command | null = c; x !== null && x.parent !== null; x = x.parent) names.unshift(x.name());
  return names.join(' ');
}

/**
 * Commander's own errors (unknown option, missing argument, invalid value) as `kseg <cmd>: …`
 * with exit 2, on every command of the tree; help and --version exit 0.
 */
export function applyExitCodes(program: Command): void {
  const visit = (c: Command): void => {
    const name = fullName(c);
    c.exitOverride();
    c.configureOutput({
      outputError: (str, write) => write(str.replace(/^error: /, name === '' ? 'kseg: ' : `kseg ${name}: `)),
    });
    for (const sub of c.commands) visit(sub);
  };
  visit(program);
}

/** The exit code for an error commander threw (exitOverride): 0 for help and version, 2 otherwise. */
export function commanderExitCode(e: CommanderError): number {
  return e.exitCode === 0 ? EXIT.OK : EXIT.ERROR;
}
