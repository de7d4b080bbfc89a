import { closeDumpWorkers } from '../dump/parallel.js';
import { runDumpLogAsync } from '../dump/run.js';
import { ByteSink, fdWriter } from '../dump/output.js';
import { parallelTuningFromEnv } from '../dump/tuning.js';

/**
 * `kafka-dump-log`: Kafka's DumpLogSegments command line, byte for byte. Deep dumps of large
 * segments use worker threads (src/dump/parallel.ts); the output is the serial dump's.
 */
export async function runDumpLogMain(argv: readonly string[]): Promise<void> {
  const io = { out: new ByteSink(fdWriter(1)), err: new ByteSink(fdWriter(2), 1 << 16), cwd: process.cwd() };
  process.exitCode = await runDumpLogAsync(argv, io, { parallel: parallelTuningFromEnv(process.env) });
  // Workers may still be formatting chunks dropped after a failure: nothing more is printed.
  await closeDumpWorkers();
}
