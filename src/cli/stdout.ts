import { ByteSink, fdWriter } from '../dump/output.js';

/**
 * Buffered synchronous stdout for commands that print per record: output is handed to the
 * kernel in 1 MiB chunks (not one write per record), memory stays bounded whatever the output
 * size, and a closed pipe (`kseg cat … | head`) ends the process quietly.
 */
export function stdoutWriter(): { write: (s: string) => void; flush: () => void } {
  const sink = new ByteSink(fdWriter(1, () => process.exit(process.exitCode ?? 0)));
  process.on('exit', () => sink.flush());
  return { write: (s) => sink.text(s), flush: () => sink.flush() };
}
