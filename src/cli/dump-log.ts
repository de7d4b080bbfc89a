import { runDumpLog } from '../dump/run.js';
import { ByteSink, fdWriter } from '../dump/output.js';

/** `kafka-dump-log`: Kafka's DumpLogSegments command line, byte for byte. */
export function runDumpLogMain(argv: readonly string[]): void {
  const io = { out: new ByteSink(fdWriter(1)), err: new ByteSink(fdWriter(2), 1 << 16), cwd: process.cwd() };
  process.exitCode = runDumpLog(argv, io);
}
